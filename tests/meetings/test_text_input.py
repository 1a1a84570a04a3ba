"""NUL and invisible text in a meeting plan, through the page and the API (SQLite and
PostgreSQL, which refuses NUL outright): stored without it, or refused in Chinese."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.meetings.test_api import bearer, call
from xianfeng.meetings.models import Meeting

pytestmark = pytest.mark.django_db


def page_plan(branch, **fields):
    return {
        "org": "A1",
        "kind": "assembly",
        "topic": "学习党章",
        "starts_at": "2026-12-01T15:00",
        "ends_at": "2026-12-01T16:00",
        "place": "党员活动室",
        "host": branch.secretary.pk,
        "recorder_a": branch.recorder_a.pk,
        "recorder_b": branch.recorder_b.pk,
        **fields,
    }


def api_plan(branch, **fields):
    starts = timezone.now() + datetime.timedelta(days=1)
    return {
        "org": "A1",
        "kind": "assembly",
        "topic": "学习党章",
        "starts_at": starts.isoformat(),
        "ends_at": (starts + datetime.timedelta(hours=1)).isoformat(),
        "place": "村委会",
        "host_id": branch.secretary.pk,
        "recorder_a_id": branch.recorder_a.pk,
        "recorder_b_id": branch.recorder_b.pk,
        **fields,
    }


def test_nul_in_a_topic_through_the_page_is_dropped(client, branch):
    client.force_login(branch.secretary)
    response = client.post(
        reverse("meetings:plan"),
        page_plan(
            branch, topic="学习\x00党章\x00", place="党员\x00活动室", description="一、\x00学习"
        ),
    )
    meeting = Meeting.objects.get()
    assert response["Location"] == reverse("meetings:detail", args=[meeting.pk])
    assert (meeting.topic, meeting.place, meeting.description) == (
        "学习党章",
        "党员活动室",
        "一、学习",
    )


@pytest.mark.parametrize(
    ("topic", "message"),
    [("\x00", "这个字段是必填项。"), ("\x00\u200b\u2060", "请填写会议主题")],
)
def test_a_topic_with_nothing_visible_through_the_page_is_refused(client, branch, topic, message):
    client.force_login(branch.secretary)
    response = client.post(reverse("meetings:plan"), page_plan(branch, topic=topic))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Meeting.objects.exists()


def test_nul_in_a_topic_through_the_api_is_dropped(client, branch):
    secretary = bearer(client, "secretary_a1")
    body = api_plan(branch, topic="学习\x00党章", place="村委\x00会", speaker_name="\x00")
    created = call(client, "post", "/api/v1/meetings/", secretary, body, status=201)
    meeting = Meeting.objects.get()
    assert (created["topic"], meeting.topic, meeting.place) == ("学习党章", "学习党章", "村委会")


@pytest.mark.parametrize("topic", ["\x00", "\u200b\x00\ufeff", " \u3000\u200d"])
def test_a_topic_with_nothing_visible_through_the_api_is_refused(client, branch, topic):
    secretary = bearer(client, "secretary_a1")
    refused = call(
        client, "post", "/api/v1/meetings/", secretary, api_plan(branch, topic=topic), 400
    )
    assert refused == {"detail": "请填写会议主题", "field": "topic"}
    assert not Meeting.objects.exists()


def test_a_lone_surrogate_through_the_api_is_dropped(client, branch):
    secretary = bearer(client, "secretary_a1")
    body = (
        '{"org": "A1", "kind": "assembly", "topic": "\\ud800学习\\udfff党章", '
        f'"starts_at": "{api_plan(branch)["starts_at"]}", '
        f'"ends_at": "{api_plan(branch)["ends_at"]}", "place": "村委会", '
        f'"host_id": {branch.secretary.pk}, "recorder_a_id": {branch.recorder_a.pk}, '
        f'"recorder_b_id": {branch.recorder_b.pk}}}'
    )
    response = client.post("/api/v1/meetings/", body, content_type="application/json", **secretary)
    assert response.status_code == 201, response.content.decode()
    assert Meeting.objects.get().topic == "学习党章"


def test_reasons_count_visible_characters(client, branch):
    from tests.meetings.conftest import plan
    from xianfeng.common.errors import Refused
    from xianfeng.meetings import services

    meeting = plan(branch, starts=timezone.now() + datetime.timedelta(days=1))
    with pytest.raises(Refused) as excinfo:
        services.leave_request(user=branch.full[2].user, meeting=meeting, reason="病\u200b\u200b")
    assert excinfo.value.message == "请写明请假事由"
    with pytest.raises(Refused) as excinfo:
        services.meeting_cancel(actor=branch.secretary, meeting=meeting, reason="\u2060")
    assert excinfo.value.message == "请填写取消原因"


def test_a_nul_in_a_url_names_nothing(client, branch):
    """PostgreSQL cannot even compare a string with NUL: the URL is a 404, not a 500."""
    client.force_login(branch.secretary)
    assert client.get("/meetings/ledger/A1%00/2026.xlsx").status_code == 404
    secretary = bearer(client, "secretary_a1")
    response = client.get("/api/v1/orgs/A1%00", **secretary)
    assert (response.status_code, response.json()) == (404, {"detail": "找不到"})
    # In a query string it is dropped like anywhere else.
    assert client.get(reverse("meetings:list"), {"org": "A1\x00"}).status_code == 200
    response = client.get("/api/v1/meetings/", {"org": "A1\x00"}, **secretary)
    assert response.status_code == 200


def test_an_amendment_that_only_normalises_line_ends_changes_nothing(branch):
    """Minutes saved before input was normalised may hold CR LF; the amend form sends them
    back as LF, which is no amendment."""
    from tests.meetings.conftest import held_and_approved
    from xianfeng.meetings import services
    from xianfeng.meetings.models import Minutes

    meeting = held_and_approved(branch)
    Minutes.objects.filter(meeting=meeting).update(agenda="一、学习\r\n二、讨论")
    made = services.meeting_amend(
        actor=branch.secretary,
        meeting=meeting,
        changes={"agenda": "一、学习\n二、讨论", "resolutions": "同意"},
        note="补全决议",
    )
    assert [a.field for a in made] == ["resolutions"]
