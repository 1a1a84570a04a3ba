"""Prepare an installation for the fault tests (run in its environment): migrate, the demo
county's people without content, a published lesson in the demo member's branch and a draft of
theirs, an API token for that member; prints {"token", "lesson", "draft"} as JSON.
Not a test module."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xianfeng.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

from tests.factories import LessonFactory  # noqa: E402
from xianfeng.people import demo  # noqa: E402
from xianfeng.people.models import User  # noqa: E402
from xianfeng.people.selectors import member_of  # noqa: E402
from xianfeng.people.services.accounts import api_token_issue  # noqa: E402

call_command("migrate", "--no-input", verbosity=0)
call_command("seed_demo", members=demo.PERSONA_MEMBERS + 20, no_content=True, verbosity=0)
user = User.objects.get(username="member")
lesson = LessonFactory(org=member_of(user).org, author=user, published=True)
draft = LessonFactory(org=member_of(user).org, author=user)
_, token = api_token_issue(user=user, label="fault test")
print(json.dumps({"token": token, "lesson": lesson.pk, "draft": draft.pk}))
