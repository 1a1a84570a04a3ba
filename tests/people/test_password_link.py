"""One-time set-password links: a secretary generates one for a member, the member opens it
and sets their own password. It works once, expires, and a later link or any password
change voids it; only its hash is stored."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.common.test_security import INLINE_HANDLER, INLINE_SCRIPT, INLINE_STYLE
from tests.conftest import PASSWORD
from xianfeng.audit.models import AuditLog
from xianfeng.notify.models import Notification
from xianfeng.people import services
from xianfeng.people.models import ApiToken, PasswordLink, User
from xianfeng.people.services.accounts import LINK_EXPIRED, LINK_USED, LINK_VOID

pytestmark = pytest.mark.django_db

NEW = "Brand-new-pass-77"
LINK = re.compile(r"http://testserver(/accounts/password/([A-Za-z0-9_-]+)/)")


def issue(client, county) -> tuple[str, str]:
    """The secretary generates a link for 张东街 on the member page: (path, key)."""
    client.force_login(county.secretary_a1)
    response = client.post(reverse("people:member_password_link", args=[county.member_a1.pk]))
    assert response.status_code == 200
    path, key = LINK.search(response.content.decode()).groups()
    return path, key


def set_password(path: str, password: str = NEW):
    return Client().post(path, {"password": password, "password2": password})


def test_secretary_generates_a_link_shown_once_with_its_qr_code(client, county, settings):
    _path, key = issue(client, county)
    link = PasswordLink.objects.get()
    assert link.key_hash == hashlib.sha256(key.encode()).hexdigest() != key
    assert (link.user, link.created_by) == (county.member_a1.user, county.secretary_a1)
    hours = (link.expires_at - link.created_at).total_seconds() / 3600
    assert round(hours) == settings.PASSWORD_LINK_HOURS == 24
    response = client.post(reverse("people:member_password_link", args=[county.member_a1.pk]))
    html = response.content.decode()
    assert 'src="data:image/png;base64,' in html
    assert "img-src 'self' data:" in response["Content-Security-Policy"]
    assert response["Referrer-Policy"] == "same-origin"
    assert "no-store" in response["Cache-Control"]
    assert not INLINE_SCRIPT.search(html)
    assert not INLINE_HANDLER.search(html)
    assert not INLINE_STYLE.search(html)
    log = AuditLog.objects.filter(action="user.password_link").order_by("pk").first()
    assert (log.actor, log.object_id) == (county.secretary_a1, str(county.member_a1.user.pk))
    note = Notification.objects.filter(user=county.member_a1.user).order_by("pk").first()
    assert (note.title, note.kind) == ("已为您生成设置密码的链接", "account.security")
    # Generating a link changes nothing else: the old password still works meanwhile.
    assert User.objects.get(pk=county.member_a1.user.pk).check_password(PASSWORD)


def test_member_sets_their_password_once_and_everything_else_signs_out(client, county):
    target = county.member_a1.user
    elsewhere = Client()
    elsewhere.force_login(target)
    _token, token_key = services.api_token_issue(user=target)
    path, _key = issue(client, county)

    member_phone = Client()
    page = member_phone.get(path)
    assert page.status_code == 200
    html = page.content.decode()
    assert target.name in html and target.masked_phone in html and target.username in html
    assert target.phone not in html
    assert page["Referrer-Policy"] == "same-origin"
    # Opening (a chat app's link preview does) uses nothing up.
    assert PasswordLink.objects.get().used_at is None

    response = member_phone.post(path, {"password": NEW, "password2": NEW})
    assert response.status_code == 302
    assert response["Location"] == reverse("people:login")
    target.refresh_from_db()
    assert target.check_password(NEW)
    assert PasswordLink.objects.get().used_at is not None
    assert elsewhere.get(reverse("people:me")).status_code == 302
    assert not ApiToken.objects.filter(user=target).exists()
    bearer = f"Bearer {token_key}"
    assert Client().get("/api/v1/auth/me", HTTP_AUTHORIZATION=bearer).status_code == 401
    log = AuditLog.objects.get(action="user.password_link_used")
    assert (log.actor, log.data["tokens_revoked"]) == (target, 1)
    assert Notification.objects.filter(user=target, title="您的登录密码已设置").count() == 1
    assert member_phone.login(username=target.phone, password=NEW)

    # Used twice: refused, and the password stays what the member chose.
    again = set_password(path, "Another-pass-88")
    assert again.status_code == 410
    assert LINK_USED in again.content.decode()
    assert User.objects.get(pk=target.pk).check_password(NEW)


def test_an_expired_link_does_nothing(client, county):
    path, _key = issue(client, county)
    PasswordLink.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    before = User.objects.get(pk=county.member_a1.user.pk).password
    assert LINK_EXPIRED in Client().get(path).content.decode()
    response = set_password(path)
    assert response.status_code == 410
    assert LINK_EXPIRED in response.content.decode()
    assert User.objects.get(pk=county.member_a1.user.pk).password == before
    assert not AuditLog.objects.filter(action="user.password_link_used").exists()


def test_a_later_link_voids_the_earlier_one(client, county):
    first, _ = issue(client, county)
    second, _ = issue(client, county)
    before = User.objects.get(pk=county.member_a1.user.pk).password
    response = set_password(first)
    assert response.status_code == 410
    assert LINK_VOID in response.content.decode()
    assert User.objects.get(pk=county.member_a1.user.pk).password == before
    assert set_password(second).status_code == 302
    assert User.objects.get(pk=county.member_a1.user.pk).check_password(NEW)
    voided = AuditLog.objects.filter(action="user.password_link").order_by("pk")
    assert [log.data["voided"] for log in voided] == [0, 1]


@pytest.mark.parametrize("how", ["typed by the secretary", "changed by the member"])
def test_a_password_change_voids_an_open_link(client, county, how):
    path, _key = issue(client, county)
    target = county.member_a1.user
    if how == "typed by the secretary":
        services.user_set_password(actor=county.secretary_a1, user=target, password=NEW)
    else:
        services.user_change_own_password(user=target, old_password=PASSWORD, password=NEW)
    response = set_password(path, "Another-pass-88")
    assert response.status_code == 410
    assert LINK_VOID in response.content.decode()
    assert User.objects.get(pk=target.pk).check_password(NEW)


def test_a_weak_password_does_not_use_up_the_link(client, county):
    path, _key = issue(client, county)
    response = set_password(path, "12345678")
    assert response.status_code == 200
    assert "密码" in response.content.decode()
    assert PasswordLink.objects.get().used_at is None
    assert set_password(path).status_code == 302


def test_an_unknown_key_is_404(client, county):
    issue(client, county)
    path = reverse("people:password_link", args=["x" * 43])
    assert Client().get(path).status_code == 404
    assert Client().post(path, {"password": NEW, "password2": NEW}).status_code == 404


def test_opening_a_link_signed_in_as_someone_else_signs_them_out(client, county):
    path, _key = issue(client, county)
    # The secretary tries the QR code on her own phone, where she is signed in.
    response = client.post(path, {"password": NEW, "password2": NEW})
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
    assert User.objects.get(pk=county.member_a1.user.pk).check_password(NEW)
    assert User.objects.get(pk=county.secretary_a1.pk).check_password(PASSWORD)


def test_the_api_generates_a_working_link(client, county):
    client.force_login(county.secretary_a1)
    response = client.post(f"/api/v1/members/{county.member_a1.pk}/password-link")
    assert response.status_code == 201
    data = response.json()
    assert data["qr"].startswith("data:image/png;base64,")
    path = LINK.match(data["url"]).group(1)
    assert set_password(path).status_code == 302
    assert User.objects.get(pk=county.member_a1.user.pk).check_password(NEW)
