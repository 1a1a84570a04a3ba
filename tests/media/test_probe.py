"""Probing: what phones make is accepted and described; every bad file is refused with its
own reason, stored on the video, and leaves nothing behind."""

from __future__ import annotations

import pytest
from django.test import override_settings

from xianfeng.media.enums import VideoStatus
from xianfeng.media.pipeline import video_process
from xianfeng.media.probe import Rejected, probe_file
from xianfeng.media.transcode import plan_ladder, scaled_size


def test_probe_landscape_h264(clips):
    probe = probe_file(clips.landscape)
    assert (probe.container, probe.video_codec, probe.audio_codec) == ("mp4", "h264", "aac")
    assert (probe.width, probe.height, probe.rotation, probe.fps) == (1280, 720, 0, 30.0)
    assert probe.duration == pytest.approx(12.0, abs=0.1)
    assert probe.size == clips.landscape.stat().st_size


def test_probe_rotation_tag_gives_display_size(clips):
    probe = probe_file(clips.portrait)
    # Stored 640×360, shown turned a quarter: 360×640 on screen. The display matrix says
    # 90° counter-clockwise, which is 270° in the clockwise sense of phones' rotate tag.
    assert (probe.width, probe.height, probe.rotation) == (360, 640, 270)


def test_probe_hevc_mov(clips):
    probe = probe_file(clips.hevc_mov)
    assert (probe.container, probe.video_codec, probe.width, probe.height) == (
        "mov",
        "hevc",
        640,
        360,
    )


def test_probe_variable_frame_rate(clips):
    probe = probe_file(clips.vfr)
    assert probe.video_codec == "h264"
    # 150 frames at 30 fps, 84 at 12, 0–24 more: the average is well below 30.
    assert 15 < probe.fps < 25
    assert probe.duration == pytest.approx(12.0, abs=0.2)


@pytest.mark.parametrize(
    ("clip", "container", "codec"), [("audio_m4a", "m4a", "aac"), ("audio_mp3", "mp3", "mp3")]
)
def test_probe_audio_only(clips, clip, container, codec):
    probe = probe_file(getattr(clips, clip))
    assert probe.is_audio_only
    assert (probe.container, probe.audio_codec, probe.width, probe.height) == (
        container,
        codec,
        0,
        0,
    )
    assert probe.duration == pytest.approx(12.0, abs=0.1)


def test_probe_refuses_a_text_file_named_mp4(clips):
    with pytest.raises(Rejected) as refused:
        probe_file(clips.text)
    assert refused.value.reason.startswith("这不是音频或视频文件")


@pytest.mark.parametrize(
    ("size", "short", "expected"),
    [
        ((1920, 1080), 360, (640, 360)),
        ((1080, 1920), 360, (360, 640)),
        ((1080, 1920), 720, (720, 1280)),
        ((3840, 2160), 720, (1280, 720)),
        ((1440, 1080), 360, (480, 360)),
        ((886, 1920), 360, (360, 780)),  # 779.9 rounds to the nearest even number
    ],
)
def test_scaled_size_scales_the_short_side(size, short, expected):
    assert scaled_size(*size, short) == expected


def test_ladder_depends_on_the_short_side(clips):
    assert [r.name for r in plan_ladder(probe_file(clips.landscape))] == ["360p", "720p"]
    portrait = plan_ladder(probe_file(clips.portrait))
    assert [(r.name, r.width, r.height) for r in portrait] == [("360p", 360, 640)]
    assert [r.name for r in plan_ladder(probe_file(clips.five_seconds))] == ["180p"]  # no upscale
    assert [r.name for r in plan_ladder(probe_file(clips.audio_m4a))] == ["audio"]


BAD_INPUTS = [
    ("empty", "文件是空的（0 字节），请重新上传"),
    ("text", "这不是音频或视频文件，请上传手机拍摄的视频（MP4、MOV）或音频（M4A、MP3）"),
    ("playlist", "这不是音频或视频文件，请上传手机拍摄的视频（MP4、MOV）或音频（M4A、MP3）"),
    (
        "truncated",
        "文件已损坏或不完整（可能上传中断或录制未正常结束），无法读取，请重新上传原文件",
    ),
    (
        "truncated_faststart",
        "文件已损坏或不完整（可能上传中断或录制未正常结束），无法读取，请重新上传原文件",
    ),
    ("five_seconds", "视频只有 5 秒，微党课至少需要 10 秒"),
    ("subtitles_only", "文件里没有可以播放的视频或音频内容，请检查后重新上传"),
]


@pytest.mark.parametrize(("clip", "reason"), BAD_INPUTS, ids=[c for c, _ in BAD_INPUTS])
def test_bad_input_fails_with_its_reason(clips, make_video, media_env, clip, reason):
    video = make_video(getattr(clips, clip))

    assert video_process(video_id=video.pk) == VideoStatus.FAILED

    video.refresh_from_db()
    assert (video.status, video.failure_reason, video.attempts) == (VideoStatus.FAILED, reason, 1)
    assert (video.hls_master, video.mp4, video.poster, video.playable_at) == ("", "", "", None)
    assert not (media_env.media_root / "videos" / str(video.pk)).exists()
    assert media_env.workdirs() == []


def test_clip_longer_than_the_limit_fails(clips, make_video, media_env):
    video = make_video(clips.small)  # 11 s

    with override_settings(VIDEO_MAX_SECONDS=10):
        assert video_process(video_id=video.pk) == VideoStatus.FAILED

    video.refresh_from_db()
    assert video.failure_reason == "视频长 11 秒，超过了 10 秒的上限，请剪辑后再上传"
    assert video.duration == pytest.approx(11.0, abs=0.1)  # what the probe found is kept


def test_long_audio_reason_says_minutes(clips, make_video, media_env):
    video = make_video(clips.audio_m4a)  # 12 s
    with override_settings(VIDEO_MIN_SECONDS=60, VIDEO_MAX_SECONDS=120):
        video_process(video_id=video.pk)
    video.refresh_from_db()
    assert video.failure_reason == "音频只有 12 秒，微党课至少需要 1 分钟"


def test_missing_source_fails_with_its_reason(clips, make_video, media_env):
    video = make_video(clips.small)
    video.source.storage.delete(video.source.name)

    video_process(video_id=video.pk)

    video.refresh_from_db()
    assert (video.status, video.failure_reason) == (
        VideoStatus.FAILED,
        "找不到上传的原始文件，请重新上传",
    )
