"""Keeps writing comments (each one a transaction with its audit row and domain event)
until the file named by argv[1] exists; prints how many. Not a test module."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xianfeng.settings")

import django

django.setup()

from xianfeng.common.errors import Refused  # noqa: E402
from xianfeng.lessons.enums import LessonState  # noqa: E402
from xianfeng.lessons.models import Lesson  # noqa: E402
from xianfeng.lessons.services import comment_add  # noqa: E402
from xianfeng.people.models import User  # noqa: E402

stop, started = Path(sys.argv[1]), Path(sys.argv[2])
user = User.objects.get(username="member")
count = 0
for lesson in Lesson.objects.filter(state=LessonState.PUBLISHED).order_by("pk"):
    try:
        comment_add(user=user, lesson=lesson, text=f"备份期间写入的评论 {count}")
    except Refused:
        continue
    count += 1
    break
deadline = time.monotonic() + 120
while not stop.exists() and time.monotonic() < deadline:
    comment_add(user=user, lesson=lesson, text=f"备份期间写入的评论 {count}")
    count += 1
    if count == 20:
        started.touch()  # the backup may begin: writes are flowing
print(count)
