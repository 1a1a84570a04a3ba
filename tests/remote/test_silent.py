"""A site silent for 3 days tells its admin and the town admin, once per silence."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from tests.factories import make_site
from xianfeng.notify.models import Notification
from xianfeng.remote import services
from xianfeng.remote.models import Site

pytestmark = pytest.mark.django_db


def told(kind="remote.silent"):
    return sorted(Notification.objects.filter(kind=kind).values_list("user__username", flat=True))


def test_silent_sites_are_reported_once_per_silence(county, sites2):
    now = timezone.now()
    quiet = now - datetime.timedelta(days=3, minutes=1)
    Site.objects.filter(pk=sites2.a.pk).update(last_beat_at=quiet)
    Site.objects.filter(pk=sites2.b.pk).update(last_beat_at=now - datetime.timedelta(days=2))
    assert services.silent_sites_notify(now=now) == 1
    # Site A's admin and the admin of town A (not the county, not village B's admin).
    assert told() == ["site_admin_a", "town_admin"]
    assert services.silent_sites_notify(now=now + datetime.timedelta(hours=1)) == 0
    assert len(told()) == 2
    # It beats again, then falls silent again: a new report.
    device, _ = services.device_token_issue(actor=None, site=sites2.a)
    back = now + datetime.timedelta(days=1)
    services.heartbeat_record(device=device, at=back, now=back)
    later = back + datetime.timedelta(days=3, hours=1)
    assert services.silent_sites_notify(now=later) == 2  # A again, and B by now
    assert told().count("site_admin_a") == 2
    assert "site_admin_b" in told()


def test_a_site_that_never_beat_is_reported_three_days_after_its_start(county):
    today = timezone.localdate()
    make_site(county.branch_a1, code="NEW", service_start=today - datetime.timedelta(days=2))
    assert services.silent_sites_notify() == 0
    Site.objects.filter(code="NEW").update(service_start=today - datetime.timedelta(days=3))
    assert services.silent_sites_notify() == 1
    assert told() == ["town_admin"]
    assert services.silent_sites_notify() == 0
