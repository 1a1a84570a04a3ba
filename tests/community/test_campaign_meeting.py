"""A 点亮微心愿 campaign held together with a 主题党日: the launcher picks one of the
recent 主题党日 of the branches it covers; the campaign page gives its date to everyone and
its topic and link only to those who may open the meeting; the meeting's page lists the
campaign (through common/related, the meetings app knowing nothing of community)."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from xianfeng.common.errors import Refused
from xianfeng.community import services
from xianfeng.community.models import WishCampaign
from xianfeng.meetings import services as meeting_services
from xianfeng.meetings.enums import MeetingKind

pytestmark = pytest.mark.django_db

TOPIC = "点亮微心愿·走访困难群众主题党日"


def theme_day(county, *, org=None, kind=MeetingKind.THEME_DAY, days=5, topic=TOPIC):
    org = org or county.branch_a1
    starts = timezone.now().replace(microsecond=0) + datetime.timedelta(days=days)
    host, a, b = (
        (county.secretary_a1, county.member_a1.user, county.propagandist_a1)
        if org == county.branch_a1
        else (county.secretary_b1, county.member_b1.user, county.county_admin)
    )
    data = meeting_services.MeetingData(
        kind=kind,
        topic=topic,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2),
        place="社区党群服务中心",
        host=host,
        recorder_a=a,
        recorder_b=b,
    )
    return meeting_services.meeting_plan(actor=host, org=org, data=data, attendee_ids=[])


def launch(county, **kw):
    today = timezone.localdate()
    return services.campaign_create(
        actor=kw.pop("actor", county.town_a_admin),
        org=kw.pop("org", county.town_a),
        title="点亮微心愿·温暖过冬",
        starts_on=today,
        ends_on=today + datetime.timedelta(days=30),
        target=10,
        **kw,
    )


def test_a_campaign_is_tied_to_a_theme_day_of_a_branch_it_covers(county):
    meeting = theme_day(county)
    campaign = launch(county, meeting_id=meeting.pk)
    assert WishCampaign.objects.get(pk=campaign.pk).meeting_id == meeting.pk


@pytest.mark.parametrize("which", ["other_town", "not_theme_day", "long_ago"])
def test_a_meeting_that_does_not_fit_is_refused(county, which):
    meeting = {
        "other_town": lambda: theme_day(county, org=county.branch_b1),
        "not_theme_day": lambda: theme_day(county, kind=MeetingKind.ASSEMBLY),
        "long_ago": lambda: theme_day(county, days=-90),
    }[which]()
    with pytest.raises(Refused, match="主题党日") as caught:
        launch(county, meeting_id=meeting.pk)
    assert caught.value.field == "meeting"
    assert WishCampaign.objects.count() == 0


def test_the_form_offers_the_theme_days_in_reach_and_saves_one(client, county):
    mine = theme_day(county)
    theme_day(county, org=county.branch_b1, topic="河口镇的主题党日")
    theme_day(county, kind=MeetingKind.ASSEMBLY, topic="支部党员大会不在其列")
    client.force_login(county.town_a_admin)
    html = client.get(reverse("community:campaign_new")).content.decode()
    assert TOPIC in html and "河口镇的主题党日" not in html and "支部党员大会不在其列" not in html
    today = timezone.localdate()
    response = client.post(
        reverse("community:campaign_new"),
        {
            "org": county.town_a.pk,
            "title": "点亮微心愿·六一助学",
            "starts_on": today.isoformat(),
            "ends_on": (today + datetime.timedelta(days=30)).isoformat(),
            "target": "50",
            "meeting": str(mine.pk),
        },
    )
    campaign = WishCampaign.objects.get()
    assert response["Location"] == reverse("community:campaign", args=[campaign.pk])
    assert campaign.meeting_id == mine.pk


def test_the_campaign_page_shows_the_topic_only_to_those_who_may_open_the_meeting(client, county):
    meeting = theme_day(county)
    campaign = launch(county, meeting_id=meeting.pk)
    url = reverse("community:campaign", args=[campaign.pk])
    day = timezone.localtime(meeting.starts_at).strftime("%Y-%m-%d")
    link = reverse("meetings:detail", args=[meeting.pk])
    for outsider in (None, county.member_b1.user, county.resident):
        if outsider is not None:
            client.force_login(outsider)
        html = client.get(url).content.decode()
        assert f"结合主题党日：{day}" in html
        assert TOPIC not in html and link not in html
    client.force_login(county.secretary_a1)
    html = client.get(url).content.decode()
    assert TOPIC in html and link in html


def test_the_meeting_page_lists_the_campaign(client, county):
    meeting = theme_day(county)
    campaign = launch(county, meeting_id=meeting.pk)
    client.force_login(county.secretary_a1)
    html = client.get(reverse("meetings:detail", args=[meeting.pk])).content.decode()
    assert 'id="related"' in html
    assert f'href="{reverse("community:campaign", args=[campaign.pk])}"' in html
    assert "点亮微心愿：" in html and "点亮微心愿·温暖过冬" in html
    # Another meeting lists nothing; another branch's secretary still gets a 404.
    other = theme_day(county, topic="另一次主题党日")
    html = client.get(reverse("meetings:detail", args=[other.pk])).content.decode()
    assert 'id="related"' not in html
    client.force_login(county.secretary_b1)
    assert client.get(reverse("meetings:detail", args=[meeting.pk])).status_code == 404


def test_a_deleted_meeting_leaves_the_campaign(county):
    from xianfeng.meetings.models import Meeting

    meeting = theme_day(county)
    campaign = launch(county, meeting_id=meeting.pk)
    Meeting.objects.filter(pk=meeting.pk).delete()
    campaign.refresh_from_db()
    assert campaign.meeting_id is None
