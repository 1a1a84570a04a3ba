"""A rendition switch mid-play, in Chromium with the player's own hls.js: the picture goes
on from where it was. With the 360p segments 1.4 s later than the 720p ones (the bug this
guards), the switch left a gap or an overlap in the buffer and the time jumped or repeated."""

from __future__ import annotations

import itertools
import subprocess

import imageio_ffmpeg
import pytest

from tests.factories import published_lesson
from xianfeng.lessons.models import Lesson
from xianfeng.media.pipeline import video_process
from xianfeng.media.services import video_create

pytestmark = pytest.mark.django_db(transaction=True)

# The test runs in the page: hls.js from the player's own static file, a muted video,
# a switch of rendition mid-play, and the playhead sampled every 100 ms.
SWITCH = """async ([src, lib]) => {
  await new Promise((ok, fail) => {
    const s = document.createElement('script');
    s.src = lib; s.onload = ok; s.onerror = fail; document.head.appendChild(s);
  });
  const video = document.createElement('video');
  video.muted = true; video.playsInline = true;
  document.body.appendChild(video);
  const hls = new window.Hls({ startLevel: 0, capLevelToPlayerSize: false, abrEnabled: false });
  const switched = [];
  hls.on(window.Hls.Events.LEVEL_SWITCHED, (_e, d) => switched.push(d.level));
  hls.loadSource(src); hls.attachMedia(video);
  await new Promise((ok) => hls.on(window.Hls.Events.MANIFEST_PARSED, ok));
  const heights = hls.levels.map((l) => l.height || 0);
  const pictures = heights.filter((h) => h > 0);  // the audio-only rendition has none
  const low = heights.indexOf(Math.min(...pictures));
  const high = heights.indexOf(Math.max(...pictures));
  hls.currentLevel = low;
  await video.play();
  const wait = (ms) => new Promise((ok) => setTimeout(ok, ms));
  while (video.currentTime < 2.5) await wait(50);
  const samples = [];
  const sample = () => samples.push([performance.now() / 1000, video.currentTime]);
  sample();
  hls.nextLevel = high;  // at the next segment, as ABR does
  for (let i = 0; i < 50; i++) { await wait(100); sample(); }
  return { heights, low, high, switched, samples, level: hls.currentLevel, ended: video.ended };
}"""


@pytest.fixture
def ladder_lesson(county, settings, tmp_path):
    """A public lesson from a 720p clip: a 720p and a 360p rendition (the media pipeline)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    clip = tmp_path / "课.mp4"
    subprocess.run(
        [
            imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y",
            "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=25:duration=16",
            "-f", "lavfi", "-i", "sine=frequency=440:duration=16",
            "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
            "-c:a", "aac", "-shortest", str(clip),
        ],
        check=True,
    )  # fmt: skip
    lesson = published_lesson(
        org=county.branch_a1,
        author=county.member_a1.user,
        title="两种清晰度",
        audience=county.county,
        public=True,
        duration=16,
    )
    video = video_create(
        owner=county.member_a1.user,
        source_path=clip,
        original_name="课.mp4",
        target_kind="lesson",
        target_id=str(lesson.pk),
    )
    assert video_process(video_id=video.pk) == "ready"
    Lesson.objects.filter(pk=lesson.pk).update(video=video)
    return lesson


def test_switching_rendition_mid_play_neither_jumps_nor_repeats(new_page, ladder_lesson):
    page = new_page(390, 844)
    page.goto(f"/lessons/{ladder_lesson.pk}/")
    player = page.locator("#lesson-player")
    src, lib = player.get_attribute("data-hls"), player.get_attribute("data-hls-lib")
    result = page.evaluate(SWITCH, [src, lib])
    assert sorted(h for h in result["heights"] if h) == [360, 720]
    assert result["level"] == result["high"], result["switched"]
    assert result["switched"][-1] == result["high"]
    samples = result["samples"]
    steps = [(b[0] - a[0], b[1] - a[1]) for a, b in itertools.pairwise(samples)]
    # Never backwards (a repeat) and never more than the wall clock plus a frame or two
    # (a jump over a gap); the playhead kept up with the clock over the five seconds.
    assert min(dt for _, dt in steps) >= 0, steps
    assert max(dt - wall for wall, dt in steps) < 0.25, steps
    played = samples[-1][1] - samples[0][1]
    wall = samples[-1][0] - samples[0][0]
    assert played > wall - 1.0, (played, wall)
    assert page.errors == []
