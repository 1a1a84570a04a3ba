"""Probing an uploaded file with PyAV before anything is accepted: what it is, how long, how
big, which way up. Every refusal is a Rejected with the reason the uploader reads."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import av
import av.error
from av.stream import Disposition

# Reasons shown to the uploader (Video.failure_reason), one for each way a file can be bad.
EMPTY = "文件是空的（0 字节），请重新上传"
NOT_MEDIA = "这不是音频或视频文件，请上传手机拍摄的视频（MP4、MOV）或音频（M4A、MP3）"
NO_STREAM = "文件里没有可以播放的视频或音频内容，请检查后重新上传"
CORRUPT = "文件已损坏或不完整（可能上传中断或录制未正常结束），无法读取，请重新上传原文件"
MISSING = "找不到上传的原始文件，请重新上传"

# Containers ffmpeg opens that are not recordings: still images, text rendered as video.
_NOT_RECORDINGS = {"image2", "tty", "gif", "apng", "webp", "ico", "svg", "lavfi", "ffmetadata"}
# The first bytes of containers phones and recorders write: a file that starts like one but
# cannot be opened is damaged, a file that starts like none is not a recording at all.
_MAGIC_AT_4 = (b"ftyp", b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot")
_MAGIC_AT_0 = (
    b"\x1a\x45\xdf\xa3",  # Matroska, WebM
    b"RIFF",  # AVI, WAV
    b"ID3",  # MP3 with tags
    b"OggS",
    b"fLaC",
    b"FLV",
    b"#!AMR",
    b"\x00\x00\x01\xba",  # MPEG program stream
    b"\x30\x26\xb2\x75",  # ASF, WMV
)


class Rejected(Exception):
    """A file we do not accept; `reason` is Chinese and shown to the uploader as it is."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Probe:
    """What a file holds. width and height are the DISPLAY size (after the rotation phones
    record as a tag instead of turning the pixels); rotation is clockwise degrees."""

    size: int
    container: str
    duration: float
    demuxer: str = ""  # ffmpeg's name for the input format, passed to it with -f
    video_codec: str = ""
    audio_codec: str = ""
    width: int = 0
    height: int = 0
    rotation: int = 0
    fps: float = 0.0
    audio_channels: int = 0

    @property
    def is_audio_only(self) -> bool:
        return not self.video_codec

    @property
    def has_audio(self) -> bool:
        return bool(self.audio_codec)

    @property
    def short_side(self) -> int:
        return min(self.width, self.height)


def _looks_like_media(path: Path) -> bool:
    with path.open("rb") as handle:
        head = handle.read(16)
        handle.seek(188)
        ts_sync = handle.read(1)
    if head[4:8] in _MAGIC_AT_4 or head.startswith(_MAGIC_AT_0):
        return True
    if head[:1] == b"\x47" and ts_sync == b"\x47":  # MPEG transport stream
        return True
    # MPEG audio (MP3) or ADTS AAC frame sync
    return len(head) >= 2 and head[0] == 0xFF and (head[1] & 0xE0) == 0xE0


def _clockwise(frame_rotation: int) -> int:
    """PyAV reports the display matrix counter-clockwise; phones' rotate tag is clockwise."""
    return round(-frame_rotation / 90.0) * 90 % 360


def probe_file(path: Path) -> Probe:
    """Read a file's container, streams, duration and orientation; Rejected if unusable.

    Decodes the first video frame: that proves the stream is playable and carries the
    display matrix (the rotation), which PyAV does not expose on the stream itself.
    """
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise Rejected(MISSING) from None
    if size == 0:
        raise Rejected(EMPTY)
    # Only containers recognised by their first bytes are opened at all: ffmpeg would also
    # open text formats (an HLS playlist or a concat list renamed .mp4) that make it read
    # other local files or URLs into the "video".
    if not _looks_like_media(path):
        raise Rejected(NOT_MEDIA)
    try:
        container = av.open(str(path), timeout=30.0)
    except (av.error.FFmpegError, UnicodeDecodeError):
        raise Rejected(CORRUPT) from None
    with container:
        format_name = demuxer = container.format.name
        if format_name in _NOT_RECORDINGS or format_name.endswith("_pipe"):
            raise Rejected(NOT_MEDIA)
        videos = [
            s
            for s in container.streams.video
            if not (s.disposition & Disposition.attached_pic)  # MP3 cover art
        ]
        audios = list(container.streams.audio)
        if not videos and not audios:
            raise Rejected(NO_STREAM)
        duration = _duration(container)
        if duration is None:
            raise Rejected(CORRUPT)
        for stream in (*videos, *audios):
            if _data_beyond_end(stream, size):
                raise Rejected(CORRUPT)

        format_name = _container_name(format_name, container.metadata.get("major_brand", ""))
        audio_codec = _codec_name(audios[0]) if audios else ""
        channels = audios[0].codec_context.channels if audios else 0
        if not videos:
            _decode_first(container, audios[0])
            return Probe(
                size=size,
                container=format_name,
                duration=duration,
                demuxer=demuxer.split(",")[0],
                audio_codec=audio_codec,
                audio_channels=channels,
            )

        video = videos[0]
        frame = _decode_first(container, video)
        rotation = _clockwise(getattr(frame, "rotation", 0) or 0)
        if rotation == 0 and video.metadata.get("rotate"):  # files from older muxers
            try:
                rotation = int(float(video.metadata["rotate"])) % 360
            except ValueError:
                rotation = 0
        width, height = video.codec_context.width, video.codec_context.height
        sar = video.sample_aspect_ratio
        if sar and sar.numerator > 0 and sar != 1:
            width = round(width * sar)
        if rotation in (90, 270):
            width, height = height, width
        rate = video.average_rate or video.guessed_rate or video.base_rate
        fps = float(rate) if rate else 0.0
        return Probe(
            size=size,
            container=format_name,
            duration=duration,
            demuxer=demuxer.split(",")[0],
            video_codec=_codec_name(video),
            audio_codec=audio_codec,
            width=width,
            height=height,
            rotation=rotation,
            fps=round(fps, 3) if math.isfinite(fps) else 0.0,
            audio_channels=channels,
        )


def _codec_name(stream: av.stream.Stream) -> str:
    codec = stream.codec_context.codec
    return str(getattr(codec, "canonical_name", "") or codec.name)


def _container_name(format_name: str, brand: str) -> str:
    """ "mov" or "mp4" or "m4a" rather than ffmpeg's name for the whole ISO family."""
    if not format_name.startswith("mov,"):
        return format_name
    brand = brand.strip().lower()
    if brand == "qt":
        return "mov"
    if brand in ("m4a", "m4b"):
        return "m4a"
    return "3gp" if brand.startswith("3g") else "mp4"


def _duration(container: av.container.InputContainer) -> float | None:
    if container.duration and container.duration > 0:
        return container.duration / av.time_base
    longest = 0.0
    for stream in container.streams:
        if stream.duration and stream.time_base:
            longest = max(longest, float(stream.duration * stream.time_base))
    return longest or None


def _data_beyond_end(stream: av.stream.Stream, size: int) -> bool:
    """True when the index (an MP4's moov) points past the end of the file: the header was
    written first (faststart) and the upload was cut, so the samples it lists are missing."""
    entries = stream.index_entries
    count = len(entries)
    if not count:
        return False
    last = entries[count - 1]
    return bool(last.pos + last.size > size)


def _decode_first(
    container: av.container.InputContainer, stream: av.stream.Stream
) -> av.VideoFrame | av.AudioFrame:
    if stream.codec_context is None:  # a codec this ffmpeg cannot decode
        raise Rejected(NO_STREAM)
    try:
        for packet in container.demux(stream):
            for frame in packet.decode():
                if isinstance(frame, av.VideoFrame | av.AudioFrame):
                    return frame
            if packet.pos is not None and packet.pos > 64 * 1024 * 1024:
                break  # nothing decodable in the first 64 MB: give up
    except (av.error.FFmpegError, ValueError):
        raise Rejected(CORRUPT) from None
    raise Rejected(CORRUPT)


def duration_text(seconds: float) -> str:
    """A duration as people say it: "45 秒", "31 分 20 秒", "2 分钟"."""
    whole = int(seconds)
    if whole < 60:
        return f"{whole} 秒"
    minutes, rest = divmod(whole, 60)
    return f"{minutes} 分 {rest} 秒" if rest else f"{minutes} 分钟"


def check_duration(probe: Probe, *, min_seconds: int, max_seconds: int) -> None:
    """Rejected when the recording is shorter or longer than a micro party class may be."""
    kind = "音频" if probe.is_audio_only else "视频"
    if probe.duration < min_seconds:
        raise Rejected(
            f"{kind}只有 {int(probe.duration)} 秒，微党课至少需要 {duration_text(min_seconds)}"
        )
    if probe.duration > max_seconds:
        raise Rejected(
            f"{kind}长 {duration_text(probe.duration)}，超过了 {duration_text(max_seconds)}"
            "的上限，请剪辑后再上传"
        )


def container_tags(path: Path) -> dict[str, str]:
    """The container's own tags (title, artist, comment …), lower-cased keys; empty when the
    file is not a recording we would open, or cannot be read."""
    try:
        if path.stat().st_size == 0 or not _looks_like_media(path):
            return {}
        with av.open(str(path), timeout=30.0) as container:
            if container.format.name in _NOT_RECORDINGS:
                return {}
            return {str(k).lower(): str(v) for k, v in container.metadata.items()}
    except (OSError, av.error.FFmpegError, UnicodeDecodeError):
        return {}
