"""The events the README lists are the ones the services publish, with the data it names."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.factories import published_lesson
from xianfeng.audit.models import AuditLog
from xianfeng.lessons import services as lesson_services

ROOT = Path(__file__).resolve().parents[2]


def readme_events() -> set[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Domain events", 1)[1].split("\n## ", 1)[0]
    return {
        name
        for row in section.splitlines()
        if row.startswith("| `")
        for name in re.findall(r"`([a-z_]+\.[a-z_]+)`", row.split("|")[1])
    }


def published_in_source() -> set[str]:
    """Event names that appear in publish() calls or as machine states."""
    found: set[str] = set()
    for path in (ROOT / "src/xianfeng").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        found |= set(re.findall(r'events\.publish\(\s*"([a-z_]+\.[a-z_]+)"', text))
        for pair in re.findall(r'"([a-z_]+\.[a-z_]+)" if created else "([a-z_]+\.[a-z_]+)"', text):
            found |= set(pair)
    from xianfeng.common import transitions

    for module in ("lessons", "lessons.practice", "meetings", "media", "contests", "live"):
        enums = __import__(f"xianfeng.{module}.enums", fromlist=["*"])
        for value in vars(enums).values():
            if isinstance(value, transitions.StateMachine):
                found |= {
                    f"{value.name}.{state}"
                    for state in value.states.values
                    if state not in value.quiet
                }
    return found


def test_readme_lists_every_published_event_and_no_other():
    listed, published = readme_events(), published_in_source()
    # Initial states are never arrived at by a move (a lesson is born a draft).
    never_arrived = {"contest.draft", "round.pending", "live.scheduled"}
    assert listed - published == set()
    assert published - listed - never_arrived == set()


@pytest.mark.django_db
def test_lesson_completed_is_published_once(county):
    lesson = published_lesson(org=county.branch_a1, author=county.member_a1.user, duration=100)
    user = county.member_a1.user
    from django.utils import timezone

    lesson_services.watch_report(user=user, lesson=lesson, sections=[[0, 5]])
    from xianfeng.lessons.models import WatchProgress

    # Pretend the person has been watching for two minutes (real time bounds coverage).
    WatchProgress.objects.filter(user=user).update(
        last_report_at=timezone.now() - timezone.timedelta(minutes=2)
    )
    lesson_services.watch_report(user=user, lesson=lesson, sections=[[0, 95]])
    lesson_services.watch_report(user=user, lesson=lesson, sections=[[0, 100]])
    (event,) = AuditLog.objects.filter(event="lesson.completed")
    assert event.data == {"lesson_id": lesson.pk, "user_id": user.pk, "duration": 100.0}
    assert event.actor_id == user.pk
