"""Transcoding: what phones make becomes a playable ladder, an MP4 and a poster; a member can
press play before the transcode has finished; the same code path works on S3."""

from __future__ import annotations

import io

import pytest
from django.core.files.storage import storages
from django.test import override_settings
from PIL import Image

from tests.media.conftest import assert_ready, luminance_variance, read
from xianfeng.common.fonts import cjk_font_path
from xianfeng.media.enums import VideoStatus
from xianfeng.media.models import Video
from xianfeng.media.pipeline import segment_entries, video_process
from xianfeng.media.poster import audio_poster


def test_landscape_h264_gets_360p_and_720p(clips, make_video, media_env):
    video = make_video(clips.landscape)

    assert video_process(video_id=video.pk) == VideoStatus.READY

    assert_ready(video, {"360p": (640, 360), "720p": (1280, 720)}, duration=12.0)
    assert (video.width, video.height, video.video_codec, video.attempts) == (1280, 720, "h264", 1)
    segments = [f"seg_0000{i}.ts" for i in range(7)]
    assert media_env.files(video) == [
        "1/360p/index.m3u8",
        *(f"1/360p/{segment}" for segment in segments),
        "1/720p/index.m3u8",
        *(f"1/720p/{segment}" for segment in segments),
        "1/master.m3u8",
        "1/poster.jpg",
        "1/video.mp4",
    ]
    # Short first segments (the first can be played sooner), then 6 s ones.
    playlist = read(f"{video.output_dir}/720p/index.m3u8").decode()
    assert [d for d, _ in segment_entries(playlist)] == [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 6.0]
    assert media_env.workdirs() == []


def test_portrait_clip_with_rotation_tag_stays_portrait(clips, make_video, media_env):
    video = make_video(clips.portrait)

    video_process(video_id=video.pk)

    assert_ready(video, {"360p": (360, 640)}, duration=11.0)
    assert (video.width, video.height, video.rotation) == (360, 640, 270)


def test_poster_is_turned_like_the_video(clips, make_video, media_env):
    """The poster is the upright picture: compared with the 360p rendition's first frame
    (which ffmpeg turned), it matches the right turn and not the opposite one."""
    import av

    video = make_video(clips.portrait)
    video_process(video_id=video.pk)
    video.refresh_from_db()
    poster = Image.open(io.BytesIO(read(video.poster))).convert("L")
    with av.open(io.BytesIO(read(f"{video.output_dir}/360p/seg_00000.ts"))) as ts:
        upright = next(ts.decode(video=0)).to_image().convert("L").resize(poster.size)
    flipped = upright.transpose(Image.Transpose.ROTATE_180)

    def difference(a: Image.Image, b: Image.Image) -> float:
        from PIL import ImageChops, ImageStat

        return ImageStat.Stat(ImageChops.difference(a, b)).mean[0]

    # Different instants of testsrc2 differ a little; a wrong turn differs a lot.
    assert difference(poster, upright) < difference(poster, flipped) / 2


def test_hevc_mov_becomes_h264(clips, make_video, media_env):
    video = make_video(clips.hevc_mov)

    video_process(video_id=video.pk)

    assert_ready(video, {"360p": (640, 360)}, duration=11.0)
    assert (video.container, video.video_codec) == ("mov", "hevc")


def test_variable_frame_rate_clip(clips, make_video, media_env):
    video = make_video(clips.vfr)

    video_process(video_id=video.pk)

    assert_ready(video, {"360p": (640, 360)}, duration=12.0)


@pytest.mark.parametrize("clip", ["audio_m4a", "audio_mp3"])
def test_audio_only_becomes_audio_hls_and_m4a(clips, make_video, media_env, clip):
    video = make_video(getattr(clips, clip), name="七一讲话学习.m4a")

    video_process(video_id=video.pk)

    assert_ready(video, {"audio": (0, 0)}, duration=12.0)
    assert video.is_audio_only
    poster = Image.open(io.BytesIO(read(video.poster)))
    assert poster.size == (1280, 720)
    red, green, blue = poster.convert("RGB").getpixel((5, 5))
    assert red > 150 and green < 60 and blue < 60


def test_audio_poster_has_a_title_only_with_a_cjk_font():
    if cjk_font_path() is None:
        pytest.skip("no CJK font installed (fonts-wqy-microhei)")
    plain = Image.open(io.BytesIO(audio_poster("")))
    titled = Image.open(io.BytesIO(audio_poster("不忘初心")))
    box = (100, 340, 1180, 540)  # where the title goes
    assert luminance_variance(titled.crop(box)) > luminance_variance(plain.crop(box)) + 100


def test_first_segment_is_playable_before_the_transcode_ends(clips, make_video, media_env):
    """At the moment the video becomes playable, ffmpeg is still running and the storage
    holds the master and an EVENT 360p playlist whose segments are all there."""
    video = make_video(clips.forty_seconds)
    seen: dict[str, object] = {}

    def observe(event: str, current: Video, ffmpeg_running: bool) -> None:
        if event != "playable":
            return
        storage = storages["default"]
        row = Video.objects.get(pk=current.pk)
        playlist = read(f"{row.output_dir}/360p/index.m3u8").decode()
        segments = segment_entries(playlist)
        seen.update(
            ffmpeg_running=ffmpeg_running,
            status=row.status,
            playable=row.is_playable,
            master=read(row.hls_master).decode(),
            playlist=playlist,
            segments=len(segments),
            all_there=all(storage.exists(f"{row.output_dir}/360p/{uri}") for _, uri in segments),
            mp4_there=storage.exists(f"{row.output_dir}/video.mp4"),
        )

    video_process(video_id=video.pk, observer=observe)

    assert seen["ffmpeg_running"] is True
    assert (seen["status"], seen["playable"]) == (VideoStatus.TRANSCODING, True)
    assert "360p/index.m3u8" in str(seen["master"])
    assert "#EXT-X-PLAYLIST-TYPE:EVENT" in str(seen["playlist"])
    assert "#EXT-X-ENDLIST" not in str(seen["playlist"])
    assert int(str(seen["segments"])) >= 1
    assert (seen["all_there"], seen["mp4_there"]) == (True, False)
    assert_ready(video, {"360p": (640, 360)}, duration=40.0)


def test_running_again_on_a_ready_video_changes_nothing(clips, make_video, media_env):
    video = make_video(clips.audio_m4a)
    video_process(video_id=video.pk)
    video.refresh_from_db()
    files = media_env.files(video)

    assert video_process(video_id=video.pk) == VideoStatus.READY

    again = Video.objects.get(pk=video.pk)
    assert (again.attempts, again.ready_at) == (1, video.ready_at)
    assert media_env.files(video) == files


def test_reprocessing_replaces_the_earlier_attempt(clips, make_video, media_env):
    from xianfeng.media.services import video_set_status

    video = make_video(clips.audio_m4a)
    video_process(video_id=video.pk)
    video_set_status(video, VideoStatus.UPLOADED)  # e.g. a new ladder for old videos

    video_process(video_id=video.pk)

    assert_ready(video, {"audio": (0, 0)}, duration=12.0)
    assert video.attempts == 2
    assert {f.split("/")[0] for f in media_env.files(video)} == {"2"}


def test_transcode_past_its_time_limit_is_killed_and_fails(clips, make_video, media_env):
    video = make_video(clips.landscape)

    with override_settings(TRANSCODE_TIMEOUT_BASE=0.2, TRANSCODE_TIMEOUT_FACTOR=0):
        assert video_process(video_id=video.pk) == VideoStatus.FAILED

    video.refresh_from_db()
    assert video.failure_reason == "处理视频时出错，请重试（转码超时（超过 0.2 秒））"
    assert (video.hls_master, video.playable_at) == ("", None)
    assert media_env.files(video) == []
    assert media_env.workdirs() == []


# --- S3 ----------------------------------------------------------------------------------------


def keys(client, prefix: str) -> list[str]:
    listing = client.list_objects_v2(Bucket="xianfeng", Prefix=prefix)
    return sorted(item["Key"].removeprefix(prefix) for item in listing.get("Contents", []))


def test_pipeline_on_s3(clips, make_video, media_env, s3):
    video = make_video(clips.small)
    assert video.source.name in keys(s3, "private/")  # the source is in the bucket too

    assert video_process(video_id=video.pk) == VideoStatus.READY

    assert_ready(video, {"360p": (640, 360)}, duration=11.0)
    prefix = f"media/videos/{video.storage_key}/"
    assert keys(s3, prefix) == [
        "1/360p/index.m3u8",
        *(f"1/360p/seg_0000{i}.ts" for i in range(7)),
        "1/master.m3u8",
        "1/poster.jpg",
        "1/video.mp4",
    ]
    head = s3.head_object(Bucket="xianfeng", Key=f"{prefix}1/360p/seg_00000.ts")
    assert head["ContentType"] == "video/mp2t"
    head = s3.head_object(Bucket="xianfeng", Key=f"{prefix}1/master.m3u8")
    assert head["ContentType"] == "application/vnd.apple.mpegurl"
    assert media_env.workdirs() == []  # the downloaded source went with the work directory

    # Processing again writes attempt 2 and deletes attempt 1 from the bucket.
    from xianfeng.media.services import video_set_status

    video_set_status(video, VideoStatus.UPLOADED)
    video_process(video_id=video.pk)
    assert {key.split("/")[0] for key in keys(s3, prefix)} == {"2"}


def _segment_starts(path: str) -> dict[str, float]:
    """The first timestamp of each stream of an MPEG-TS segment (what ffprobe's
    `-show_entries stream=start_time` prints), by stream kind."""
    import av

    with av.open(io.BytesIO(read(path)), format="mpegts") as container:
        return {s.type: round(float(s.start_time * s.time_base), 3) for s in container.streams}


def test_renditions_have_the_same_timestamps_segment_by_segment(clips, make_video, media_env):
    # A player switching rendition on a fluctuating network carries on at the same instant:
    # every rendition's segment N starts at the same time, within one frame (1/30 s).
    video = make_video(clips.landscape)
    assert video_process(video_id=video.pk) == VideoStatus.READY
    video.refresh_from_db()

    starts = {
        name: [_segment_starts(f"{video.output_dir}/{name}/seg_0000{i}.ts") for i in range(2)]
        for name in ("360p", "720p")
    }
    # No mux delay: the first picture at 0 s plus x264's B-frame reordering (two frames),
    # not 1.4 s later (the HLS muxer's default MPEG-TS delay and preload).
    assert starts["360p"][0]["video"] == pytest.approx(0.067, abs=0.001)
    assert starts["360p"][1]["video"] == pytest.approx(1.067, abs=0.001)
    for i in range(2):
        assert starts["720p"][i]["video"] == pytest.approx(starts["360p"][i]["video"], abs=1 / 30)
        assert starts["720p"][i]["audio"] == pytest.approx(starts["360p"][i]["audio"], abs=1 / 30)


def test_audio_rendition_starts_at_zero_like_the_video_ones(clips, make_video, media_env):
    video = make_video(clips.audio_m4a)
    assert video_process(video_id=video.pk) == VideoStatus.READY
    video.refresh_from_db()

    first = _segment_starts(f"{video.output_dir}/audio/seg_00000.ts")
    assert first["audio"] == pytest.approx(0.0, abs=1 / 30)
