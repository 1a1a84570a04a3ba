"""Helpers shared by the community's services: text in, one photo on a row, who to tell."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import IO, Any

from django.core.files.base import ContentFile
from django.db import models

from xianfeng.common.errors import Refused
from xianfeng.common.images import process_image
from xianfeng.common.text import clean_text, is_blank, visible_length
from xianfeng.community.enums import PHOTO_MAX_BYTES, PHOTO_MAX_SIDE, THUMB_MAX_SIDE
from xianfeng.notify.services.sending import notify


@dataclass(frozen=True)
class Upload:
    """An uploaded picture: its file handle and size in bytes."""

    handle: IO[bytes]
    size: int


def text_in(value: str, *, field: str, label: str, minimum: int, maximum: int) -> str:
    """Required user text through the one normaliser, with a Chinese refusal."""
    text = clean_text(value or "").strip()
    if minimum and visible_length(text) < minimum:
        raise Refused(f"{label}至少 {minimum} 个字", field=field)
    if len(text) > maximum:
        raise Refused(f"{label}不能超过 {maximum} 个字", field=field)
    return text


def optional_in(value: str, *, field: str, label: str, maximum: int) -> str:
    text = clean_text(value or "").strip()
    if is_blank(text):
        return ""
    if len(text) > maximum:
        raise Refused(f"{label}不能超过 {maximum} 个字", field=field)
    return text


def attach_photo(row: models.Model, upload: Upload | None, written: list[str]) -> None:
    """Shrink one picture (EXIF dropped) into the row's `image` and `thumb` fields, not
    saved; `written` collects the file names so the caller removes them on failure."""
    if upload is None:
        return
    processed = process_image(
        upload.handle,
        size=upload.size,
        max_side=PHOTO_MAX_SIDE,
        max_bytes=PHOTO_MAX_BYTES,
        thumb_side=THUMB_MAX_SIDE,
    )
    stem = uuid.uuid4().hex
    image: Any = row.image  # type: ignore[attr-defined]
    thumb: Any = row.thumb  # type: ignore[attr-defined]
    image.save(f"{stem}.jpg", ContentFile(processed.image), save=False)
    written.append(image.name or "")
    thumb.save(f"{stem}-s.jpg", ContentFile(processed.thumb), save=False)
    written.append(thumb.name or "")


def forget_files(row_class: type[models.Model], names: list[str]) -> None:
    field: Any = row_class._meta.get_field("image")
    storage = field.storage
    for name in names:
        if name:
            storage.delete(name)


def tell(
    user_ids: Iterable[int | None],
    *,
    about: models.Model,
    org: Any,
    kind: str,
    title: str,
    body: str,
    url: str,
    actor: Any,
) -> None:
    """Notify the people concerned, never the actor themselves."""
    ids = sorted({i for i in user_ids if i is not None and i != getattr(actor, "pk", None)})
    if ids:
        notify(
            users=ids, title=title, body=body, url=url, kind=kind, actor=actor, org=org,
            about=about,
        )  # fmt: skip
