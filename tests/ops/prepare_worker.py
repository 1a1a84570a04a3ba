"""Prepare an installation for the worker-kill tests (run in its environment, tasks run
inline, the SMS provider unreachable): migrate; every periodic job marked as just run;
three people with phones who get an urgent notice by SMS (the provider was down, so the
three deliveries wait for their retry); a member and a published lesson of their branch.
Prints {"member", "lesson"} as JSON. Not a test module."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.ops.stall_settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402

from tests.factories import LessonFactory, MemberFactory, UserFactory, default_branch  # noqa: E402
from xianfeng.common import periodic  # noqa: E402
from xianfeng.common.models import PeriodicRun  # noqa: E402
from xianfeng.notify.services.sending import notify  # noqa: E402

call_command("migrate", "--no-input", verbosity=0)
now = timezone.now()
for job in periodic.jobs():
    PeriodicRun.objects.update_or_create(name=job.name, defaults={"last_run": now})
people = [UserFactory(phone=f"1770000{n:04d}", email="") for n in range(3)]
notify(users=people, kind="ops.backup_failed", title="每日备份失败", body="第一次通知")
member = MemberFactory(org=default_branch())
lesson = LessonFactory(org=member.org, author=member.user, published=True)
print(json.dumps({"member": member.user.pk, "lesson": lesson.pk}))
