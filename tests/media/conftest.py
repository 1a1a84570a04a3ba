"""Media made for the pipeline tests with the bundled ffmpeg (lavfi testsrc2 and sine),
generated once per test session and only when a test asks for it; plus a pipeline
environment with the storage, the sources and the work directory in tmp_path."""

from __future__ import annotations

import functools
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.factories import UserFactory
from xianfeng.media.ffmpeg import ffmpeg_exe
from xianfeng.media.models import Video
from xianfeng.media.services import video_create


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: takes more than ~30 s")


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
        """960×540 with sensor noise, 40 s: long enough to watch it become playable."""
        path = self._path("forty.mp4")
        ffmpeg(*testsrc("960x540", 40, noise=True), *sine(40), *H264, *AAC, str(path))
        return path

    @functools.cached_property
    def thirty_seconds(self) -> Path:
        """960×540 with sensor noise, 30 s: for killing a worker in the middle."""
        path = self._path("thirty.mp4")
        ffmpeg(*testsrc("960x540", 30, noise=True), *sine(30), *H264, *AAC, str(path))
        return path


@pytest.fixture(scope="session")
def clips(tmp_path_factory: pytest.TempPathFactory) -> Clips:
    return Clips(tmp_path_factory.mktemp("clips"))


@dataclass
class MediaEnv:
    """Where a pipeline run in a test puts things."""

    media_root: Path
    private_root: Path
    work_root: Path

    def files(self, video: Video) -> list[str]:
        """The video's files in the (local) default storage, relative to videos/<id>/."""
        base = self.media_root / "videos" / str(video.pk)
        return sorted(str(p.relative_to(base)) for p in base.rglob("*") if p.is_file())


@pytest.fixture
def media_env(settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, db) -> MediaEnv:
    env = MediaEnv(tmp_path / "media", tmp_path / "private", tmp_path / "work")
    settings.MEDIA_ROOT = env.media_root
    settings.TRANSCODE_DIR = env.work_root
    # The source field's storage was built when the model was; point it at tmp_path.
    storage = Video._meta.get_field("source").storage
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
