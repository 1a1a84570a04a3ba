"""The admin site (finding: /admin/login/ took unlimited guesses at superuser passwords).

It has no login of its own: it sends people to the site's login page, with its per-account
and per-address locks, and it needs a second step (TOTP) on every session. Changing a
login on it follows the same rule, audit and notice as the pages."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY

from tests.conftest import PASSWORD
from tests.factories import make_phone
from tests.people.otp_support import code_for, enrolled
from xianfeng.audit.models import AuditLog
from xianfeng.notify.models import Notification
from xianfeng.people.models import User

pytestmark = pytest.mark.django_db

LOCKED = "登录失败次数过多，请 15 分钟后再试"
NEW = "Brand-new-pass-77"


@pytest.fixture
def root(db):
    return User.objects.create_superuser("root", PASSWORD, name="系统管理员", phone=make_phone())


def login(client, username, password=PASSWORD, next_url="/admin/"):
    return client.post(
        f"{reverse('people:login')}?next={next_url}",
        {"username": username, "password": password, "next": next_url},
    )


def verified(user) -> Client:
    """A session that passed the second step."""
    device = enrolled(user)
    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def test_admin_login_sends_to_the_sites_login_page(client, root):
    response = client.get("/admin/login/?next=/admin/people/user/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fadmin%2Fpeople%2Fuser%2F"
    # A password posted to the admin's old login page is not even looked at.
    response = client.post("/admin/login/", {"username": "root", "password": PASSWORD})
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302
    assert client.get("/admin/login/?next=https://evil.example/")["Location"] == (
        "/accounts/login/?next=%2Fadmin%2F"
    )


def test_superuser_password_guesses_are_locked(client, root, settings):
    for _ in range(settings.LOGIN_MAX_FAILURES):
        assert "手机号/用户名或密码不正确" in login(client, "root", "wrong").content.decode()
    assert LOCKED in login(client, "root").content.decode()
    assert LOCKED in login(client, root.phone).content.decode()
    assert "_auth_user_id" not in client.session


def test_a_superuser_without_a_second_step_is_sent_to_turn_it_on(client, root):
    assert login(client, "root")["Location"] == "/admin/"
    response = client.get("/admin/")
    assert response.status_code == 302
    response = client.get(response["Location"])
    assert response["Location"] == f"{reverse('people:two_step')}?next=%2Fadmin%2F"
    enrol = client.get(response["Location"])
    assert enrol.status_code == 200
    assert 'src="data:image/png;base64,' in enrol.content.decode()
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.get(user=root)
    done = client.post(response["Location"], {"code": code_for(device)})
    assert done["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_a_superuser_signs_in_to_the_admin_with_password_and_code(client, root):
    device = enrolled(root)
    response = login(client, "root")
    assert response["Location"] == f"{reverse('people:login_verify')}?next=%2Fadmin%2F"
    assert client.get("/admin/").status_code == 302
    response = client.post(response["Location"], {"code": code_for(device)})
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/people/user/").status_code == 200


def test_a_session_without_the_second_step_is_asked_for_it(client, root):
    device = enrolled(root)
    client.force_login(root)  # e.g. a session from before two-step was turned on
    response = client.get("/admin/login/?next=/admin/")
    assert response["Location"] == f"{reverse('people:login_verify')}?next=%2Fadmin%2F"
    assert client.get("/admin/").status_code == 302
    client.post(response["Location"], {"code": code_for(device)})
    assert client.get("/admin/").status_code == 200


def test_someone_not_staff_is_refused_the_admin(client, county):
    client.force_login(county.county_admin)
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 403
    assert "您没有进入管理后台的权限" in response.content.decode()


def test_a_staff_member_cannot_change_a_superusers_login_in_the_admin(root, county):
    staff = User.objects.create_user("staff", PASSWORD, name="后台职员", is_staff=True)
    staff.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_user", "change_user", "delete_user"])
    )
    client = verified(staff)
    before = User.objects.get(pk=root.pk).password
    response = client.post(
        f"/admin/people/user/{root.pk}/password/", {"password1": NEW, "password2": NEW}
    )
    assert response.status_code == 403
    assert "该账号是系统管理员账号，只能由系统管理员管理" in response.content.decode()
    assert client.post(f"/admin/people/user/{root.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.post(f"/admin/people/user/{root.pk}/change/", {}).status_code == 403
    root = User.objects.get(pk=root.pk)
    assert (root.password, root.is_active, root.is_superuser) == (before, True, True)
    assert not Notification.objects.filter(user=root).exists()


def test_the_admin_sets_a_password_through_the_service(root, county):
    client = verified(root)
    target = county.member_a1.user
    elsewhere = Client()
    elsewhere.force_login(target)
    response = client.post(
        f"/admin/people/user/{target.pk}/password/", {"password1": NEW, "password2": NEW}
    )
    assert response.status_code == 302
    assert User.objects.get(pk=target.pk).check_password(NEW)
    assert AuditLog.objects.get(action="user.set_password").actor == root
    assert Notification.objects.get(user=target).kind == "account.security"
    assert elsewhere.get(reverse("people:me")).status_code == 302
    # Nobody sets their own this way, superusers included (their own page asks for the
    # current password).
    response = client.post(
        f"/admin/people/user/{root.pk}/password/", {"password1": NEW, "password2": NEW}
    )
    assert response.status_code == 403
    assert User.objects.get(pk=root.pk).check_password(PASSWORD)


def test_deactivating_in_the_admin_ends_sessions_and_is_audited(root, county):
    client = verified(root)
    target = county.member_a1.user
    elsewhere = Client()
    elsewhere.force_login(target)
    joined = target.date_joined.astimezone()
    response = client.post(
        f"/admin/people/user/{target.pk}/change/",
        {
            "username": target.username,
            "name": target.name,
            "phone": target.phone,
            "home_org": "",
            "date_joined_0": joined.strftime("%Y-%m-%d"),
            "date_joined_1": joined.strftime("%H:%M:%S"),
            "last_login_0": "",
            "last_login_1": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    target = User.objects.get(pk=target.pk)
    assert target.is_active is False
    log = AuditLog.objects.get(action="user.login_update")
    assert (log.actor, log.data["fields"]) == (root, ["is_active"])
    assert Notification.objects.get(user=target).kind == "account.login"
    assert elsewhere.get(reverse("people:me")).status_code == 302


def test_own_password_in_the_admin_goes_to_the_own_page(root):
    client = verified(root)
    assert client.get("/admin/password_change/")["Location"] == reverse("people:me")


def test_a_staff_member_cannot_give_admin_rights(root, county):
    from django.core.exceptions import PermissionDenied

    from xianfeng.people import services

    staff = User.objects.create_user("staff", PASSWORD, name="后台职员", is_staff=True)
    from tests.factories import grant
    from xianfeng.orgs.enums import RoleKind

    grant(staff, county.town_a, RoleKind.ADMIN)
    staff = User.objects.get(pk=staff.pk)
    target = User.objects.get(pk=county.member_a1.user.pk)
    target.is_superuser = True
    with pytest.raises(PermissionDenied) as excinfo:
        services.user_login_update(actor=staff, user=target, fields=["is_superuser"])
    assert str(excinfo.value) == "只有系统管理员能授予或收回管理后台权限"
    assert User.objects.get(pk=target.pk).is_superuser is False
