"""Uploaded photos (meeting photos, sign-in sheet scans, wish photos): turned upright,
shrunk, re-encoded as JPEG.

Re-encoding drops the EXIF block, and with it the phone's GPS position and serial numbers.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import IO, Any

from django.http import FileResponse, Http404
from PIL import Image, ImageOps, UnidentifiedImageError

from xianfeng.common.errors import Refused

ACCEPTED_FORMATS = frozenset({"JPEG", "PNG", "WEBP", "GIF", "BMP", "MPO"})
MAX_PIXELS = 60_000_000  # a 60-megapixel phone photo; bigger is refused, not decoded


@dataclass(frozen=True)
class Processed:
    image: bytes
    thumb: bytes
    width: int
    height: int


def _jpeg(image: Image.Image, max_side: int, quality: int) -> tuple[bytes, int, int]:
    copy = image.copy()
    copy.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    copy.save(out, format="JPEG", quality=quality, optimize=True, progressive=True)
    return out.getvalue(), copy.width, copy.height


def process_image(
    handle: IO[bytes], *, size: int, max_side: int, max_bytes: int, thumb_side: int
) -> Processed:
    """Check and shrink an uploaded picture; refuses what is not a picture."""
    if size > max_bytes:
        raise Refused(f"图片不能超过 {max_bytes // (1024 * 1024)} MB", field="image")
    try:
        with Image.open(handle) as source:
            if source.format not in ACCEPTED_FORMATS:
                raise Refused("请上传 JPG 或 PNG 图片", field="image")
            if source.width * source.height > MAX_PIXELS:
                raise Refused("图片像素过大，请压缩后再上传", field="image")
            upright = ImageOps.exif_transpose(source)
            rgb = upright.convert("RGB")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise Refused("无法识别的图片，请上传 JPG 或 PNG 图片", field="image") from exc
    image, width, height = _jpeg(rgb, max_side, 85)
    thumb, _, _ = _jpeg(rgb, thumb_side, 75)
    return Processed(image=image, thumb=thumb, width=width, height=height)


def private_image_response(field: Any) -> FileResponse:
    """Serve a stored JPEG (a photo or its thumbnail) to someone a selector has already let
    see it: never a public URL, cached only by the person's own browser."""
    try:
        handle = field.open("rb")
    except OSError as exc:
        raise Http404("文件不存在") from exc
    response = FileResponse(handle, content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response
