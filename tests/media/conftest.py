"""Media made for the pipeline tests with the bundled ffmpeg (lavfi testsrc2 and sine),
generated once per test session and only when a test asks for it; plus a pipeline
environment with the storage, the sources and the work directory in tmp_path."""

from __future__ import annotations

import functools
import io
import re
import struct
import subprocess
from dataclasses import dataclass
from pathlib import Path

import av
import boto3
import pytest
from django.conf import settings
from django.core.files.storage import storages
from django.test import override_settings
from PIL import Image, ImageStat

from tests.factories import UserFactory
from xianfeng.media.enums import VideoStatus
from xianfeng.media.ffmpeg import ffmpeg_exe
from xianfeng.media.models import Video
from xianfeng.media.pipeline import segment_entries
from xianfeng.media.services import video_create


def ffmpeg(*args: str) -> None:
    subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y", *args],
        check=True,
        timeout=300,
    )


def testsrc(size: str, seconds: float, *, rate: int = 30, noise: bool = False) -> list[str]:
    source = f"testsrc2=size={size}:rate={rate}:duration={seconds}"
    if noise:  # gives the encoder real work, like a camera's sensor noise
        source += ",noise=alls=12:allf=t"
    return ["-f", "lavfi", "-i", source]


def sine(seconds: float, *, rate: int = 48000) -> list[str]:
    return ["-f", "lavfi", "-i", f"sine=frequency=440:sample_rate={rate}:duration={seconds}"]


H264 = ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-g", "60"]
AAC = ["-c:a", "aac", "-b:a", "96k"]


class Clips:
    """Each property makes its file on first use and keeps it for the session."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, name: str) -> Path:
        return self.root / name

    @functools.cached_property
    def landscape(self) -> Path:
        """1280×720 H.264 MP4 with AAC, 12 s: both rungs (360p and 720p)."""
        path = self._path("landscape.mp4")
        ffmpeg(*testsrc("1280x720", 12), *sine(12), *H264, *AAC, str(path))
        return path

    @functools.cached_property
    def small(self) -> Path:
        """640×360 H.264 MP4 with AAC, 11 s: 360p only."""
        path = self._path("small.mp4")
        ffmpeg(*testsrc("640x360", 11), *sine(11), *H264, *AAC, str(path))
        return path

    @functools.cached_property
    def portrait(self) -> Path:
        """A phone's portrait clip: 640×360 pixels with a display matrix turning it upright,
        360×640 on screen. (ffmpeg 9 writes `-display_rotation`; it ignores the old
        `-metadata:s:v rotate=90`.)"""
        path = self._path("portrait.mp4")
        ffmpeg("-display_rotation", "90", "-i", str(self.small), "-c", "copy", str(path))
        return path

    @functools.cached_property
    def hevc_mov(self) -> Path:
        """640×360 HEVC in a QuickTime MOV tagged hvc1 (what an iPhone writes), 11 s."""
        path = self._path("hevc.mov")
        ffmpeg(
            *testsrc("640x360", 11),
            *sine(11),
            "-c:v",
            "libx265",
            "-preset",
            "ultrafast",
            "-x265-params",
            "log-level=error",
            "-tag:v",
            "hvc1",
            "-pix_fmt",
            "yuv420p",
            *AAC,
            str(path),
        )
        return path

    @functools.cached_property
    def vfr(self) -> Path:
        """Variable frame rate: 30 fps for 5 s, then 12 fps, then 24; 12 s in all."""
        path = self._path("vfr.mp4")
        pts = "if(lt(N,150),N/30,if(lt(N,234),5+(N-150)/12,12+(N-234)/24))"
        ffmpeg(
            *testsrc("640x360", 12),
            *sine(12),
            "-vf",
            f"setpts='{pts}/TB'",
            "-fps_mode",
            "vfr",
            *H264,
            *AAC,
            "-t",
            "12",
            str(path),
        )
        return path

    @functools.cached_property
    def audio_m4a(self) -> Path:
        path = self._path("lesson.m4a")
        ffmpeg(*sine(12, rate=44100), "-c:a", "aac", "-b:a", "64k", str(path))
        return path

    @functools.cached_property
    def audio_mp3(self) -> Path:
        path = self._path("lesson.mp3")
        ffmpeg(*sine(12, rate=44100), "-c:a", "libmp3lame", "-b:a", "64k", str(path))
        return path

    @functools.cached_property
    def five_seconds(self) -> Path:
        path = self._path("five.mp4")
        ffmpeg(*testsrc("320x180", 5), *H264, str(path))
        return path

    @functools.cached_property
    def truncated(self) -> Path:
        """An MP4 cut in half; the index (moov) is at the end, so it is gone."""
        path = self._path("truncated.mp4")
        data = self.small.read_bytes()
        path.write_bytes(data[: len(data) // 2])
        return path

    @functools.cached_property
    def truncated_faststart(self) -> Path:
        """A faststart MP4 (moov first) cut in half: the index lists samples that are gone."""
        whole = self._path("faststart.mp4")
        ffmpeg("-i", str(self.small), "-c", "copy", "-movflags", "+faststart", str(whole))
        path = self._path("truncated-faststart.mp4")
        data = whole.read_bytes()
        path.write_bytes(data[: len(data) // 2])
        return path

    @functools.cached_property
    def text(self) -> Path:
        path = self._path("notes.mp4")
        path.write_text("第一次支部委员会会议记录\n这不是视频。\n", encoding="utf-8")
        return path

    @functools.cached_property
    def playlist(self) -> Path:
        """An HLS playlist renamed .mp4: opened by ffmpeg, it would read another file."""
        path = self._path("playlist.mp4")
        path.write_text("#EXTM3U\n#EXTINF:10,\nfile:///etc/passwd\n#EXT-X-ENDLIST\n")
        return path

    @functools.cached_property
    def empty(self) -> Path:
        path = self._path("empty.mp4")
        path.write_bytes(b"")
        return path

    @functools.cached_property
    def subtitles_only(self) -> Path:
        """An MP4 whose only track is subtitles: a container with nothing to play."""
        srt = self._path("subs.srt")
        srt.write_text("1\n00:00:01,000 --> 00:00:12,000\n字幕\n", encoding="utf-8")
        path = self._path("subtitles.mp4")
        ffmpeg("-i", str(srt), "-c:s", "mov_text", str(path))
        return path

    @functools.cached_property
    def forty_seconds(self) -> Path:
        """640×360 with sensor noise, 40 s: long enough to watch it become playable."""
        path = self._path("forty.mp4")
        ffmpeg(*testsrc("640x360", 40, noise=True), *sine(40), *H264, "-crf", "30", *AAC, str(path))
        return path

    @functools.cached_property
    def thirty_seconds(self) -> Path:
        """960×540 with sensor noise, 30 s: for killing a worker in the middle."""
        path = self._path("thirty.mp4")
        ffmpeg(*testsrc("960x540", 30, noise=True), *sine(30), *H264, "-crf", "30", *AAC, str(path))
        return path


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: takes more than ~30 s on two busy cores")


@pytest.fixture(scope="session")
def clips(tmp_path_factory: pytest.TempPathFactory) -> Clips:
    return Clips(tmp_path_factory.mktemp("clips"))


@dataclass
class MediaEnv:
    """Where a pipeline run in a test puts things."""

    media_root: Path
    private_root: Path
    work_root: Path

    def workdirs(self) -> list[str]:
        """What is left in the pipeline's local work directory (it should be nothing)."""
        root = self.work_root / "xianfeng-transcode"
        return sorted(p.name for p in root.iterdir()) if root.exists() else []

    def files(self, video: Video) -> list[str]:
        """The video's files in the (local) default storage, relative to videos/<storage key>/."""
        base = self.media_root / "videos" / video.storage_key
        return sorted(str(p.relative_to(base)) for p in base.rglob("*") if p.is_file())


@pytest.fixture
def media_env(settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, db) -> MediaEnv:
    env = MediaEnv(tmp_path / "media", tmp_path / "private", tmp_path / "work")
    settings.MEDIA_ROOT = env.media_root
    settings.TRANSCODE_DIR = env.work_root
    # Sources are written through storages["private"] and read through the model field's
    # storage: the same object, built when the model was (unless a test replaced STORAGES);
    # point both at tmp_path without replacing them.
    field_storage = Video._meta.get_field("source").storage
    for storage in {id(s): s for s in (field_storage, storages["private"])}.values():
        monkeypatch.setattr(storage, "base_location", str(env.private_root))
        monkeypatch.setattr(storage, "location", str(env.private_root))
    return env


@pytest.fixture
def make_video(media_env: MediaEnv):
    """A Video for a file, as a finished upload makes it (its processing not yet run)."""
    owner = UserFactory()

    def make(path: Path, name: str | None = None) -> Video:
        return video_create(owner=owner, source_path=path, original_name=name or path.name)

    return make


# --- checking what a run published ---------------------------------------------------------


def read(name: str) -> bytes:
    with storages["default"].open(name, "rb") as handle:
        return handle.read()


def master_entries(text: str) -> list[tuple[dict[str, str], str]]:
    """(attributes, uri) of each #EXT-X-STREAM-INF in a master playlist."""
    lines = text.splitlines()
    entries = []
    for i, line in enumerate(lines):
        if line.startswith("#EXT-X-STREAM-INF:"):
            attributes = dict(
                (key, value.strip('"'))
                for key, value in re.findall(r'([A-Z-]+)=("[^"]*"|[^,]*)', line.partition(":")[2])
            )
            entries.append((attributes, lines[i + 1]))
    return entries


def top_level_boxes(data: bytes) -> list[str]:
    """The names of an MP4's top-level boxes, in file order."""
    names, offset = [], 0
    while offset + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[offset : offset + 8])
        if size == 1:
            size = struct.unpack(">Q", data[offset + 8 : offset + 16])[0]
        names.append(kind.decode("latin-1"))
        if size < 8:
            break
        offset += size
    return names


def luminance_variance(image: Image.Image) -> float:
    return float(ImageStat.Stat(image.convert("L")).var[0])


def assert_ready(
    video: Video,
    renditions: dict[str, tuple[int, int]],
    *,
    duration: float,
    has_audio: bool = True,
) -> None:
    """The video is READY and everything it points at plays: the master lists exactly
    `renditions` (name: width×height), each a VOD playlist of ≤ 6.5 s segments of that size
    cut at the same instants in every rendition, the MP4 (or M4A) starts with its moov, and
    the poster is not black."""
    video.refresh_from_db()
    assert video.status == VideoStatus.READY, video.failure_reason
    assert (video.progress, video.failure_reason) == (100, "")
    assert video.playable_at is not None and video.ready_at is not None
    assert video.playable_at <= video.ready_at
    assert video.output_dir == f"videos/{video.storage_key}/{video.attempts}"
    assert video.hls_master == f"{video.output_dir}/master.m3u8"
    assert video.duration == pytest.approx(duration, abs=0.2)

    entries = master_entries(read(video.hls_master).decode())
    assert [uri for _, uri in entries] == [f"{name}/index.m3u8" for name in renditions]
    audio_only = list(renditions) == ["audio"]
    cuts = []
    for (attributes, uri), (name, (width, height)) in zip(entries, renditions.items(), strict=True):
        bandwidth = int(attributes["BANDWIDTH"])
        assert bandwidth > 0
        codecs = attributes["CODECS"].split(",")
        if audio_only:
            assert codecs == ["mp4a.40.2"] and "RESOLUTION" not in attributes
        else:
            assert attributes["RESOLUTION"] == f"{width}x{height}"
            assert codecs[0].startswith("avc1.6400")  # H.264 High
            assert ("mp4a.40.2" in codecs) == has_audio
        playlist = read(f"{video.output_dir}/{uri}").decode()
        assert "#EXT-X-PLAYLIST-TYPE:VOD" in playlist
        assert playlist.rstrip().endswith("#EXT-X-ENDLIST")
        segments = segment_entries(playlist)
        assert sum(d for d, _ in segments) == pytest.approx(duration, abs=0.5)
        cuts.append([round(d, 1) for d, _ in segments])
        for listed, segment in segments:
            assert listed <= 6.5
            with av.open(io.BytesIO(read(f"{video.output_dir}/{name}/{segment}"))) as ts:
                assert ts.duration / 1e6 <= 6.6
                assert bool(ts.streams.audio) == (has_audio or audio_only)
                if not audio_only:
                    stream = ts.streams.video[0]
                    assert (stream.codec_context.width, stream.codec_context.height) == (
                        width,
                        height,
                    )
                    first = next(ts.demux(stream))
                    assert first.is_keyframe  # every segment starts at a keyframe
        assert video.renditions[len(cuts) - 1] == {
            "name": name,
            "width": 0 if audio_only else width,
            "height": 0 if audio_only else height,
            "bandwidth": bandwidth,
            "playlist": f"{video.output_dir}/{uri}",
        }
    assert all(c == cuts[0] for c in cuts)  # aligned: a player can switch at any segment

    progressive = read(video.mp4)
    assert video.mp4.endswith("audio.m4a" if audio_only else "video.mp4")
    boxes = top_level_boxes(progressive)
    assert boxes.index("moov") < boxes.index("mdat")  # faststart: plays while downloading
    with av.open(io.BytesIO(progressive)) as mp4:
        assert mp4.duration / 1e6 == pytest.approx(duration, abs=0.3)
        if not audio_only:
            top = list(renditions.values())[-1]
            context = mp4.streams.video[0].codec_context
            assert (context.width, context.height) == top
            assert mp4.streams.video[0].codec_context.name == "h264"

    poster = Image.open(io.BytesIO(read(video.poster)))
    assert poster.format == "JPEG"
    if not audio_only:
        top_width, top_height = list(renditions.values())[-1]
        assert (poster.width > poster.height) == (top_width > top_height)
    assert luminance_variance(poster) > 100  # not black, not one flat colour


# --- S3 ----------------------------------------------------------------------------------------


@pytest.fixture
def s3(monkeypatch, media_env):
    """A moto S3 server on a free port, and STORAGES with the media and the private sources
    on it, both private as in production."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    credentials = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", **credentials)
    client.create_bucket(Bucket="xianfeng")
    common = {
        "bucket_name": "xianfeng",
        "endpoint_url": endpoint,
        "region_name": "us-east-1",
        "access_key": "testing",
        "secret_key": "testing",
        "addressing_style": "path",
        "file_overwrite": False,
    }
    s3_storages = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {**common, "location": "media", "default_acl": "private"},
        },
        "private": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {**common, "location": "private"},
        },
    }
    before = dict(storages._storages)
    try:
        with override_settings(STORAGES=s3_storages):
            # The model field holds the storage it was built with; hand it the S3 one.
            monkeypatch.setattr(Video._meta.get_field("source"), "storage", storages["private"])
            yield client
    finally:
        # Leaving override_settings rebuilds every storage; put the instances back that the
        # model field and other tests hold, or later tests would write where none reads.
        storages._storages.update(before)
        server.stop()
