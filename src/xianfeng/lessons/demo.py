"""Demo content for `seed_demo`: a few published micro lessons with real (generated) video,
so `make run` shows a county in use rather than empty pages."""

from __future__ import annotations

import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from xianfeng.lessons import services
from xianfeng.lessons.models import Lesson, Tag
from xianfeng.media.ffmpeg import ffmpeg_exe
from xianfeng.media.pipeline import video_process
from xianfeng.media.services import video_create
from xianfeng.orgs.models import Org
from xianfeng.people.models import User


@dataclass(frozen=True)
class DemoLesson:
    title: str
    summary: str
    story: str
    reflection: str
    question: str
    tags: tuple[str, ...]
    pattern: str
    county_wide: bool = False


LESSONS = (
    DemoLesson(
        "矿灯下的初心",
        "一名老矿工三十年的安全生产故事",
        "老王在井下工作了三十年，每次下井前都要把班组每个人的矿灯和自救器检查一遍。",
        "安全不是口号，是每一次下井前多看一眼、多问一句的习惯；党员要先做到。",
        "我们班组还有哪些被忽视的安全隐患？",
        ("anquan", "xianjin"),
        "testsrc2",
    ),
    DemoLesson(
        "村口那条路",
        "党员带头修路的一段往事",
        "柳湾村的路一下雨就走不了，老支书带着党员先捐工捐料，三个月修好了村口的路。",
        "群众看党员，党员看支部；带头干比开会讲更有说服力。",
        "村里现在最需要党员带头的一件事是什么？",
        ("xiangcun", "fuwu"),
        "smptebars",
        True,
    ),
    DemoLesson(
        "一张发票的故事",
        "从小事看廉洁",
        "会计小李发现一张多报的餐费发票，经手人是多年的老同事，他还是按规定退了回去。",
        "廉洁往往就体现在一张发票、一次报销里，守住小节才能守住大节。",
        "遇到熟人违规时，我们该怎么做？",
        ("lianjie", "dangzhang"),
        "rgbtestsrc",
    ),
    DemoLesson(
        "重温入党誓词",
        "七一前夕的一堂支部党课",
        "支部组织党员重温入党誓词，年近八十的老党员讲起了自己1965年入党时的情景。",
        "誓词不是念一遍就完了，每一句都对应着今天工作里的一件事。",
        "誓词中哪一句对你今天的工作触动最大？",
        ("dangshi", "dangzhang"),
        "testsrc",
    ),
)


def _clip(path: Path, pattern: str) -> None:
    subprocess.run(  # noqa: S603 - our own ffmpeg with fixed arguments
        [
            ffmpeg_exe(), "-v", "error", "-y",
            "-f", "lavfi", "-i", f"{pattern}=size=640x360:rate=25:duration=16",
            "-f", "lavfi", "-i", "sine=frequency=330:duration=16",
            "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p",
            "-c:a", "aac", "-shortest", str(path),
        ],
        check=True,
        timeout=120,
    )  # fmt: skip


def seed_lessons() -> int:
    """Publish the demo lessons in the secretary persona's branch (one to the county)."""

    secretary = User.objects.select_related("member__org").get(username="secretary")
    admin = User.objects.get(username="county_admin")
    branch = secretary.member.org
    county = branch.path[:8]
    made = 0
    with tempfile.TemporaryDirectory() as scratch:
        for demo in LESSONS:
            clip = Path(scratch) / f"{demo.pattern}.mp4"
            _clip(clip, demo.pattern)
            lesson = services.lesson_create(
                actor=secretary,
                org=branch,
                data=services.LessonData(
                    title=demo.title,
                    summary=demo.summary,
                    story=demo.story,
                    reflection=demo.reflection,
                    question=demo.question,
                    tag_ids=list(
                        Tag.objects.filter(slug__in=demo.tags).values_list("pk", flat=True)
                    ),
                    speaker=secretary.member,
                ),
            )
            video = video_create(
                owner=secretary,
                source_path=clip,
                original_name=f"{demo.title}.mp4",
                target_kind="lesson",
                target_id=str(lesson.pk),
            )
            video_process(video_id=video.pk)
            lesson = Lesson.objects.get(pk=lesson.pk)
            services.lesson_submit(actor=secretary, lesson=lesson)
            if demo.county_wide:
                # Published to everyone: a share link or poster opened in WeChat by
                # someone not logged in plays (the 点赞、评论、转发 of the seeds).
                services.lesson_publish(
                    actor=admin, lesson=lesson, audience=Org.objects.get(path=county), public=True
                )
            else:
                services.lesson_publish(actor=secretary, lesson=lesson)
            made += 1
    return made


def seed() -> str:
    """The registered seeder (common/demo.py)."""
    return f"已发布演示微党课 {seed_lessons()} 节。"
