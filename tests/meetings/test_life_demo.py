"""The demo's 组织生活会: materials, criticism notes and a 整改清单 in every state."""

from __future__ import annotations

import datetime
import random

import pytest
from django.urls import reverse
from django.utils import timezone

from xianfeng.meetings import demo
from xianfeng.meetings.enums import MeetingKind, MeetingState
from xianfeng.meetings.models import Criticism, Meeting, Rectification, ReviewMaterial
from xianfeng.orgs.enums import RoleKind
from xianfeng.orgs.models import Role
from xianfeng.people import demo as people_demo
from xianfeng.people.models import User

pytestmark = pytest.mark.django_db


def test_demo_life_meeting_has_substance(client):
    people_demo.seed_county(members=300)
    secretary = User.objects.get(username="secretary")
    org = Role.objects.get(user=secretary, kind=RoleKind.SECRETARY).org
    home = demo._branch(org, secretary)
    assert home is not None
    today = timezone.localdate()
    meeting = demo._life(home, random.Random(1), today)
    meeting.refresh_from_db()
    assert (meeting.kind, meeting.state) == (MeetingKind.LIFE, MeetingState.APPROVED)
    assert Meeting.objects.filter(kind=MeetingKind.LIFE).count() == 1
    assert ReviewMaterial.objects.filter(meeting=meeting).count() == 3
    assert Criticism.objects.filter(meeting=meeting, target__isnull=True).count() == 1
    items = {i.problem: i for i in Rectification.objects.filter(meeting=meeting)}
    closed = items["谈心谈话开展不够经常"]
    assert (closed.state, closed.on_time) == ("closed", True)
    assert items["困难党员走访次数偏少"].overdue_on(today)
    assert items["线上学习不够系统"].deadline > today
    client.force_login(secretary)
    html = client.get(reverse("meetings:rectifications"), {"status": "overdue"}).content.decode()
    assert "困难党员走访次数偏少" in html and "线上学习不够系统" not in html
    assert today - meeting.starts_at.date() <= datetime.timedelta(days=43)
