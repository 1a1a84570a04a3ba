"""From a stored source file to a playable video: probe, transcode, publish, poster.

`video_process` is what the `process_video` task runs. It is safe to run twice and after a
crash: each run is a new attempt (Video.attempts) with its own output directory
`videos/<storage key>/<attempt>/` in the (private) media storage and its own local work
directory, so a retry never mixes files with an earlier attempt; earlier attempts' files are
deleted once a run succeeds. A run that finds that a newer attempt has started (a worker
thought dead was only slow) stops and removes its own files.

While ffmpeg runs, a publisher copies each finished HLS segment, then the playlist that lists
it, then the master playlist into the default storage, so a member can press play as soon
as the first 360p segment exists, whatever the length of the clip. The same storage calls
are used for the local disk and for S3.
"""

from __future__ import annotations

import contextlib
import logging
import re
import shutil
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import av
import av.error
from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, storages
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from xianfeng.common.errors import Refused
from xianfeng.media.delivery import CONTENT_TYPES
from xianfeng.media.enums import VideoStatus
from xianfeng.media.models import Video
from xianfeng.media.poster import audio_poster, video_poster
from xianfeng.media.probe import CORRUPT, MISSING, Probe, Rejected, check_duration, probe_file
from xianfeng.media.services import video_set_status
from xianfeng.media.transcode import (
    M4A,
    MASTER,
    MP4,
    FfmpegRun,
    Rendition,
    ladder_command,
    plan_ladder,
    prepare_output_dirs,
)

log = logging.getLogger(__name__)

PUBLISH_INTERVAL = 0.5  # seconds between looks at ffmpeg's playlists
PROGRESS_INTERVAL = 2.0  # seconds between progress writes to the database
GENERIC_FAILURE = "处理视频时出错，请重试"
POSTER = "poster.jpg"
_EXTINF = re.compile(r"#EXTINF:([0-9.]+)")

# Called with ("playable" | "ready", the video, whether ffmpeg is still running): a hook
# for tests and benchmarks that watch a run from the inside.
Observer = Callable[[str, Video, bool], None]


class Superseded(Exception):
    """A newer attempt of the same video has started; this run must stop and tidy up."""


def video_process(*, video_id: int, observer: Observer | None = None) -> str:
    """Probe and transcode one video, publishing as it goes; returns the status it ends in.

    Failures end as FAILED with a reason for the uploader and are not raised: a refused file
    gets its specific reason, anything unexpected a generic one with a technical hint (and
    the traceback in the log). Only a failure to record the failure is raised.
    """
    video = Video.objects.filter(pk=video_id).first()
    if video is None:
        log.warning("video %s no longer exists; nothing to process", video_id)
        return "missing"
    attempt = _begin(video)
    if attempt is None:
        return video.status
    job = _Job(video, attempt, observer=observer)
    try:
        job.run()
        return VideoStatus.READY
    except Superseded:
        log.warning("video %s attempt %s was superseded by a newer attempt", video_id, attempt)
        job.discard()
        return "superseded"
    except Rejected as exc:
        log.info("video %s attempt %s refused: %s", video_id, attempt, exc.reason)
        return job.fail(exc.reason)
    except Exception as exc:
        log.exception("video %s attempt %s failed", video_id, attempt)
        hint = getattr(exc, "hint", "") or f"{type(exc).__name__}: {exc}"
        return job.fail(f"{GENERIC_FAILURE}（{hint[:200]}）")
    finally:
        job.close()


def _begin(video: Video) -> int | None:
    """Start a new attempt (None when the video is READY or FAILED: nothing to do).

    UPLOADED starts the first attempt; PROBING or TRANSCODING means an earlier run died
    (a killed worker) or is being replaced, and the attempt starts over from the probe.
    """
    with transaction.atomic():
        locked = Video.objects.select_for_update().get(pk=video.pk)
        if locked.status in (VideoStatus.READY, VideoStatus.FAILED):
            video.status = locked.status
            return None
        Video.objects.filter(pk=video.pk).update(attempts=F("attempts") + 1)
        video_set_status(
            video,
            VideoStatus.PROBING,
            progress=0,
            failure_reason="",
            output_dir="",
            hls_master="",
            mp4="",
            poster="",
            renditions=[],
            playable_at=None,
            ready_at=None,
        )
    return video.attempts


def work_root() -> Path:
    """Where ffmpeg writes before the publisher copies: local scratch space."""
    base = getattr(settings, "TRANSCODE_DIR", "") or tempfile.gettempdir()
    return Path(base) / "xianfeng-transcode"


def output_prefix(storage_key: str, attempt: int | None = None) -> str:
    """videos/<random key>[/<attempt>]: the folder signed URLs are scoped to."""
    base = f"videos/{storage_key}"
    return base if attempt is None else f"{base}/{attempt}"


class _Job:
    """One attempt at one video."""

    def __init__(self, video: Video, attempt: int, *, observer: Observer | None) -> None:
        self.video = video
        self.attempt = attempt
        self.observer = observer
        self.storage: Storage = storages["default"]
        self.prefix = output_prefix(video.storage_key, attempt)
        # Named by the video's random storage key, not its id: two databases on one machine
        # (another install, the test suite's parallel workers) each have a video 1, and the
        # stale-attempt sweep below would remove the other's directory mid-transcode.
        self.workdir = work_root() / f"{video.storage_key}-{attempt}"
        self.ffmpeg: FfmpegRun | None = None
        self.playable = False
        self.probe_fields: dict[str, Any] = {}
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="poster")

    # --- the steps ---------------------------------------------------------------------------
    def run(self) -> None:
        self._prepare_workdir()
        source = self._local_source()
        probe = probe_file(source)
        self.probe_fields = {
            "size": probe.size,
            "container": probe.container[:50],
            "video_codec": probe.video_codec[:30],
            "audio_codec": probe.audio_codec[:30],
            "width": probe.width,
            "height": probe.height,
            "rotation": probe.rotation,
            "fps": probe.fps,
            "duration": probe.duration,
            "is_audio_only": probe.is_audio_only,
        }
        check_duration(
            probe, min_seconds=settings.VIDEO_MIN_SECONDS, max_seconds=settings.VIDEO_MAX_SECONDS
        )
        renditions = plan_ladder(probe)
        self._set_status(
            VideoStatus.TRANSCODING, progress=0, output_dir=self.prefix, **self.probe_fields
        )
        poster = self._executor.submit(self._poster, source, probe)
        publisher = HlsPublisher(self.storage, self.workdir, self.prefix, renditions)
        self._transcode(source, probe, renditions, publisher)

        publisher.publish(final=True)  # the playlists become VOD
        measured = publisher.measure()
        shortest = min(m.duration for m in measured)
        if shortest < probe.duration * 0.85 - 1:
            log.warning(
                "video %s: %.1f of %.1f s transcoded", self.video.pk, shortest, probe.duration
            )
            raise Rejected(CORRUPT)
        publisher.publish_master(measured)
        if not self.playable:
            self._mark_playable(ffmpeg_running=False)
        progressive = M4A if probe.is_audio_only else MP4
        storage_put(self.storage, f"{self.prefix}/{progressive}", self.workdir / progressive)
        storage_put(self.storage, f"{self.prefix}/{POSTER}", poster.result(timeout=120))
        self._set_status(
            VideoStatus.READY,
            progress=100,
            duration=probe.duration,
            renditions=[m.as_dict(self.prefix) for m in measured],
            output_dir=self.prefix,
            hls_master=f"{self.prefix}/{MASTER}",
            mp4=f"{self.prefix}/{progressive}",
            poster=f"{self.prefix}/{POSTER}",
            playable_at=self.video.playable_at or timezone.now(),
        )
        # The video is READY: tidying up may fail without failing it.
        try:
            self._delete_attempts(keep=self.attempt)
        except Exception:
            log.exception("video %s: could not delete earlier attempts' files", self.video.pk)
        self._notify("ready", ffmpeg_running=False)

    def _transcode(
        self, source: Path, probe: Probe, renditions: list[Rendition], publisher: HlsPublisher
    ) -> None:
        prepare_output_dirs(self.workdir, renditions)
        args = ladder_command(source, probe, renditions)
        self.ffmpeg = run = FfmpegRun(args, cwd=self.workdir, duration=probe.duration)
        written = -1
        next_write = 0.0
        while True:
            code = run.wait(PUBLISH_INTERVAL)
            running = code is None
            if not running:
                break
            publisher.publish(final=False)
            if publisher.playable and not self.playable:
                self._mark_playable(ffmpeg_running=True)
            now = run.elapsed
            if now >= next_write and run.percent != written:
                written = run.percent
                next_write = now + PROGRESS_INTERVAL
                self._write_progress(written)
        run.close()
        run.check()

    def _poster(self, source: Path, probe: Probe) -> bytes:
        if probe.is_audio_only:
            return audio_poster(Path(self.video.original_name).stem)
        return video_poster(source, duration=probe.duration, rotation=probe.rotation)

    # --- files --------------------------------------------------------------------------------
    def _prepare_workdir(self) -> None:
        root = work_root()
        root.mkdir(parents=True, exist_ok=True)
        # Work directories of earlier attempts of this video: their runs are dead (or have
        # been superseded), and a SIGKILL'ed run could not remove its own.
        for stale in root.glob(f"{self.video.storage_key}-*"):
            number = stale.name.rpartition("-")[2]
            if number.isdigit() and int(number) <= self.attempt:
                shutil.rmtree(stale, ignore_errors=True)
        self.workdir.mkdir(parents=True)

    def _local_source(self) -> Path:
        """A local path of the source: its own on the local disk, else a download into the
        work directory (an object store)."""
        field = self.video.source
        if not field.name or not field.storage.exists(field.name):
            raise Rejected(MISSING)
        try:
            return Path(field.path)
        except NotImplementedError:
            pass
        local = self.workdir / f"source{Path(field.name).suffix.lower()[:10]}"
        with field.storage.open(field.name, "rb") as remote, local.open("wb") as handle:
            shutil.copyfileobj(remote, handle, 1024 * 1024)
        return local

    def _delete_attempts(self, *, keep: int | None = None, up_to: int | None = None) -> None:
        """Delete the output directories of this video's attempts other than `keep` and not
        newer than `up_to` (a newer attempt belongs to a run that started after us)."""
        base = output_prefix(self.video.storage_key)
        try:
            directories, _ = self.storage.listdir(base)
        except (FileNotFoundError, NotADirectoryError):
            return
        for name in directories:
            if not name.isdigit() or int(name) == keep:
                continue
            if up_to is not None and int(name) > up_to:
                continue
            storage_delete_tree(self.storage, f"{base}/{name}")
        if keep is None:
            # Gone with its last attempt (a local directory that still holds a newer
            # attempt's files refuses, and stays).
            with contextlib.suppress(OSError):
                self.storage.delete(base)

    def discard(self) -> None:
        """Remove this attempt's published files (it was superseded or failed)."""
        storage_delete_tree(self.storage, self.prefix)

    def close(self) -> None:
        if self.ffmpeg is not None:
            self.ffmpeg.kill()
        # Not waiting: a poster stuck in a broken file already failed the run (the result
        # is awaited with a timeout) and must not hold the worker too.
        self._executor.shutdown(wait=False, cancel_futures=True)
        shutil.rmtree(self.workdir, ignore_errors=True)

    # --- the row --------------------------------------------------------------------------------
    def _set_status(self, status: str, **fields: Any) -> None:
        """video_set_status, unless a newer attempt has taken the video over."""
        with transaction.atomic():
            current = Video.objects.select_for_update().only("attempts").get(pk=self.video.pk)
            if current.attempts != self.attempt:
                raise Superseded
            video_set_status(self.video, status, **fields)

    def _write_progress(self, percent: int) -> None:
        # Not a status change, so not through video_set_status (which writes an audit row);
        # the filter on the attempt doubles as the check that no newer run took over.
        updated = Video.objects.filter(
            pk=self.video.pk, attempts=self.attempt, status=VideoStatus.TRANSCODING
        ).update(progress=percent, updated_at=timezone.now())
        if not updated:
            raise Superseded

    def _mark_playable(self, *, ffmpeg_running: bool) -> None:
        self._set_status(
            VideoStatus.TRANSCODING,
            playable_at=timezone.now(),
            hls_master=f"{self.prefix}/{MASTER}",
        )
        self.playable = True
        self._notify("playable", ffmpeg_running=ffmpeg_running)

    def _notify(self, event: str, *, ffmpeg_running: bool) -> None:
        if self.observer is not None:
            self.observer(event, self.video, ffmpeg_running)

    def fail(self, reason: str) -> str:
        """Record the failure (the uploader sees `reason`) and remove what was published."""
        if self.ffmpeg is not None:
            self.ffmpeg.kill()
        try:
            self._set_status(
                VideoStatus.FAILED,
                failure_reason=reason[:300],
                progress=0,
                output_dir="",
                hls_master="",
                playable_at=None,
                **self.probe_fields,
            )
        except Superseded:
            self.discard()
            return "superseded"
        except Refused:  # someone else moved the video on (it is READY, or was reset)
            log.exception("video %s: could not record the failure", self.video.pk)
            self.discard()
            return "superseded"
        # Nothing points at any attempt's files any more (they were unset when this attempt
        # began), so they all go, up to this one.
        self._delete_attempts(up_to=self.attempt)
        return VideoStatus.FAILED


# --- publishing ------------------------------------------------------------------------------


def storage_put(storage: Storage, name: str, content: Path | bytes) -> None:
    """Write `name` exactly, replacing what is there, through the storage API alone.

    Deleting first is what keeps the name: FileSystemStorage (and S3Storage with
    file_overwrite off) would otherwise save under a new, suffixed name.
    """
    storage.delete(name)
    content_type = CONTENT_TYPES.get(Path(name).suffix, "application/octet-stream")
    if isinstance(content, Path):
        with content.open("rb") as handle:
            upload = File(handle, name=Path(name).name)
            upload.content_type = content_type  # type: ignore[attr-defined]  # read by S3Storage
            saved = storage.save(name, upload)
    else:
        data = ContentFile(content, name=Path(name).name)
        data.content_type = content_type  # type: ignore[attr-defined]
        saved = storage.save(name, data)
    if saved != name:
        raise RuntimeError(f"storage saved {name} as {saved}")


def storage_delete_tree(storage: Storage, path: str) -> None:
    """Delete a directory's files and subdirectories through the storage API."""
    try:
        directories, files = storage.listdir(path)
    except (FileNotFoundError, NotADirectoryError):
        return
    for name in files:
        storage.delete(f"{path}/{name}")
    for name in directories:
        storage_delete_tree(storage, f"{path}/{name}")
    storage.delete(path)  # FileSystemStorage removes the emptied directory; S3 has none


def segment_entries(playlist: str) -> list[tuple[float, str]]:
    """(duration, uri) of each segment of a media playlist."""
    entries = []
    duration = 0.0
    for line in playlist.splitlines():
        line = line.strip()
        match = _EXTINF.match(line)
        if match:
            duration = float(match.group(1))
        elif line and not line.startswith("#"):
            entries.append((duration, line))
    return entries


def as_vod(playlist: str) -> str:
    """An EVENT playlist as the finished VOD playlist: the type changed, the end marked."""
    lines = playlist.strip().splitlines()
    if any(line.startswith("#EXT-X-PLAYLIST-TYPE:") for line in lines):
        lines = [
            "#EXT-X-PLAYLIST-TYPE:VOD" if line.startswith("#EXT-X-PLAYLIST-TYPE:") else line
            for line in lines
        ]
    else:
        lines.insert(1, "#EXT-X-PLAYLIST-TYPE:VOD")
    if "#EXT-X-ENDLIST" not in lines:
        lines.append("#EXT-X-ENDLIST")
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Measured:
    """A finished rendition as made: its real size, peak and average bit rates, length."""

    rendition: Rendition
    width: int
    height: int
    bandwidth: int
    average_bandwidth: int
    duration: float

    def as_dict(self, prefix: str) -> dict[str, Any]:
        return {
            "name": self.rendition.name,
            "width": self.width,
            "height": self.height,
            "bandwidth": self.bandwidth,
            "playlist": f"{prefix}/{self.rendition.playlist}",
        }


def master_playlist(entries: list[tuple[Rendition, int, int, int, int | None]]) -> str:
    """A master playlist from (rendition, width, height, bandwidth, average) rows."""
    lines = ["#EXTM3U", "#EXT-X-VERSION:6", "#EXT-X-INDEPENDENT-SEGMENTS"]
    for rendition, width, height, bandwidth, average in entries:
        attributes = [f"BANDWIDTH={bandwidth}"]
        if average:
            attributes.append(f"AVERAGE-BANDWIDTH={average}")
        if not rendition.is_audio:
            attributes.append(f"RESOLUTION={width}x{height}")
        attributes.append(f'CODECS="{rendition.codecs}"')
        lines += ["#EXT-X-STREAM-INF:" + ",".join(attributes), rendition.playlist]
    return "\n".join(lines) + "\n"


class HlsPublisher:
    """Copies what ffmpeg has finished into the storage, in the order a player needs it:
    segments, then the playlist listing them, then the master listing that playlist."""

    def __init__(
        self, storage: Storage, local: Path, prefix: str, renditions: list[Rendition]
    ) -> None:
        self.storage = storage
        self.local = local
        self.prefix = prefix
        self.renditions = renditions
        self.published: set[str] = set()
        self.live: list[Rendition] = []  # renditions whose playlist is in the storage
        self.master_lists: tuple[str, ...] = ()

    @property
    def playable(self) -> bool:
        """The first (360p) rendition's playlist and a master listing it are published."""
        return self.renditions[0].name in self.master_lists

    def publish(self, *, final: bool) -> None:
        for rendition in self.renditions:
            try:
                text = (self.local / rendition.playlist).read_text()
            except FileNotFoundError:
                continue
            entries = segment_entries(text)
            if not entries:
                continue
            new = [uri for _, uri in entries if f"{rendition.name}/{uri}" not in self.published]
            for uri in new:
                name = f"{rendition.name}/{uri}"
                storage_put(self.storage, f"{self.prefix}/{name}", self.local / name)
                self.published.add(name)
            if new or final:
                storage_put(
                    self.storage,
                    f"{self.prefix}/{rendition.playlist}",
                    (as_vod(text) if final else text).encode(),
                )
            if rendition not in self.live:
                self.live.append(rendition)
        if not final:
            self._publish_early_master()

    def _publish_early_master(self) -> None:
        # Only once the lowest rendition is live (a player starts there), and again when
        # another rendition goes live; until measured, BANDWIDTH is the encoder's ceiling.
        live = tuple(r.name for r in self.renditions if r in self.live)
        if self.renditions[0] not in self.live or live == self.master_lists:
            return
        rows: list[tuple[Rendition, int, int, int, int | None]] = [
            (r, r.width, r.height, r.peak_bandwidth, None)
            for r in self.renditions
            if r in self.live
        ]
        storage_put(self.storage, f"{self.prefix}/{MASTER}", master_playlist(rows).encode())
        self.master_lists = live

    def publish_master(self, measured: list[Measured]) -> None:
        rows: list[tuple[Rendition, int, int, int, int | None]] = [
            (m.rendition, m.width, m.height, m.bandwidth, m.average_bandwidth) for m in measured
        ]
        storage_put(self.storage, f"{self.prefix}/{MASTER}", master_playlist(rows).encode())
        self.master_lists = tuple(m.rendition.name for m in measured)

    def measure(self) -> list[Measured]:
        """Each rendition's real picture size (from its first segment) and bit rates (from
        its segments: BANDWIDTH is the peak segment rate, as the HLS spec asks)."""
        results = []
        for rendition in self.renditions:
            entries = segment_entries((self.local / rendition.playlist).read_text())
            if not entries:
                raise RuntimeError(f"rendition {rendition.name} has no segments")
            total_bytes = 0
            peak = 0.0
            for duration, uri in entries:
                size = (self.local / rendition.name / uri).stat().st_size
                total_bytes += size
                if duration >= 1.0:  # a short last segment overstates its rate
                    peak = max(peak, size * 8 / duration)
            total = sum(duration for duration, _ in entries)
            average = total_bytes * 8 / total if total else 0.0
            width, height = rendition.width, rendition.height
            if not rendition.is_audio:
                width, height = _picture_size(self.local / rendition.name / entries[0][1])
            results.append(
                Measured(
                    rendition=rendition,
                    width=width,
                    height=height,
                    bandwidth=int(max(peak, average)) or rendition.peak_bandwidth,
                    average_bandwidth=int(average),
                    duration=total,
                )
            )
        return results


def _picture_size(segment: Path) -> tuple[int, int]:
    with av.open(str(segment)) as container:
        context = container.streams.video[0].codec_context
        return context.width, context.height
