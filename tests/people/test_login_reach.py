"""Who may change whose login (finding: a branch secretary could take over any account whose
member record is in her branch, a town admin's or the county judge's included).

Every login-changing action (typed password, one-time link, phone) on the page and in the
API, tried by a branch secretary on people above her, outside her branch and herself, with
accounts that could be taken over: refused, and nothing about the account changes.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import PASSWORD
from tests.factories import MemberFactory, grant, make_phone
from xianfeng.audit.models import AuditLog
from xianfeng.notify.models import Notification
from xianfeng.orgs.enums import RoleKind
from xianfeng.people import rules, services
from xianfeng.people.forms import MemberForm
from xianfeng.people.models import ApiToken, Member, PasswordLink, User

pytestmark = pytest.mark.django_db

NEW = "Brand-new-pass-77"


@pytest.fixture
def superuser(county):
    return User.objects.create_superuser("root", PASSWORD, name="系统管理员", phone=make_phone())


@pytest.fixture
def in_branch(county, superuser):
    """Accounts with a member record in 东街 (A1), the secretary's branch: a town admin and
    the county judge (roles above the branch), a superuser, and the secretary herself."""
    for user in (county.town_a_admin, county.judge, superuser, county.secretary_a1):
        MemberFactory(org=county.branch_a1, user=user)
    return {
        "town_admin": (county.town_a_admin, 403, rules.ABOVE),
        "judge": (county.judge, 403, rules.ABOVE),
        "superuser": (superuser, 403, rules.SYSTEM_ACCOUNT),
        "herself": (county.secretary_a1, 403, rules.SELF),
        "other_branch": (county.member_b1.user, 404, "找不到该党员"),
    }


TARGETS = ["town_admin", "judge", "superuser", "herself", "other_branch"]


def state(user: User) -> dict:
    """Everything a takeover would change about an account."""
    user = User.objects.get(pk=user.pk)
    return {
        "password": user.password,
        "phone": user.phone,
        "username": user.username,
        "is_active": user.is_active,
        "login_epoch": user.login_epoch,
        "tokens": ApiToken.objects.filter(user=user).count(),
        "links": PasswordLink.objects.filter(user=user).count(),
        "notifications": Notification.objects.filter(user=user).count(),
        "audit": AuditLog.objects.filter(object_type="people.user", object_id=str(user.pk))
        .exclude(action="api_token.issue")
        .count(),
    }


def signed_in(user: User) -> Client:
    other = Client()
    other.force_login(user)
    return other


def still_signed_in(other: Client) -> bool:
    return other.get(reverse("people:me")).status_code == 200


def edit_data(member: Member, **changes) -> dict:
    data = {}
    for name, value in MemberForm.initial_for(member).items():
        if value is None or value is False:
            continue
        data[name] = value.isoformat() if hasattr(value, "isoformat") else value
    data.update(changes)
    return data


@pytest.mark.parametrize("who", TARGETS)
def test_secretary_cannot_change_the_login_of_anyone_above_outside_or_herself(
    client, county, in_branch, who
):
    target, status, reason = in_branch[who]
    services.api_token_issue(user=target, label="手机")
    elsewhere = signed_in(target)
    member = Member.objects.get(user=target)
    before = state(target)
    client.force_login(county.secretary_a1)

    page = [
        client.post(
            reverse("people:member_set_password", args=[member.pk]),
            {"password": NEW, "password2": NEW},
        ),
        client.post(reverse("people:member_password_link", args=[member.pk])),
    ]
    api = [
        client.post(
            f"/api/v1/members/{member.pk}/password",
            {"password": NEW},
            content_type="application/json",
        ),
        client.post(f"/api/v1/members/{member.pk}/password-link"),
    ]
    # The page and the API answer the same status, with the same Chinese reason.
    assert [r.status_code for r in page] == [status, status]
    assert [r.status_code for r in api] == [status, status]
    for response in page:
        html = response.content.decode()
        if status == 404:  # the Chinese 404 page, naming nobody
            assert "找不到" in html and target.name not in html
        else:
            assert reason in html
    for response in api:
        assert response.json()["detail"] == reason

    edit = client.post(
        reverse("people:member_edit", args=[member.pk]), edit_data(member, phone="13700000001")
    )
    if status == 404:
        assert edit.status_code == 404
    else:  # visible, theirs to edit as a registry record, but the phone is a login
        assert edit.status_code == 200
        assert reason in edit.content.decode()
        assert 'name="phone"' in edit.content.decode() and "readonly" in edit.content.decode()

    assert state(target) == before
    assert User.objects.get(pk=target.pk).check_password(PASSWORD)
    assert not User.objects.filter(phone="13700000001").exists()
    assert still_signed_in(elsewhere)
    assert not AuditLog.objects.filter(
        action__in=["user.set_password", "user.password_link", "member.update"]
    ).exists()


def test_member_page_says_why_the_login_is_not_hers(client, county, in_branch):
    client.force_login(county.secretary_a1)
    for who in ("town_admin", "judge", "superuser", "herself"):
        target, _status, reason = in_branch[who]
        member = Member.objects.get(user=target)
        html = client.get(reverse("people:member_detail", args=[member.pk])).content.decode()
        assert reason in html
        assert reverse("people:member_password_link", args=[member.pk]) not in html
    html = client.get(reverse("people:member_detail", args=[county.member_a1.pk])).content.decode()
    assert reverse("people:member_password_link", args=[county.member_a1.pk]) in html


@pytest.mark.parametrize(
    ("actor", "target", "allowed"),
    [
        ("secretary_a1", "member_a1", True),
        ("secretary_a1", "propagandist_a1", True),  # a role that does not manage people
        ("secretary_a1", "organizer_a1", False),  # a peer who manages people: from above
        ("organizer_a1", "secretary_a1", False),
        ("town_a_admin", "secretary_a1", True),
        ("town_a_admin", "organizer_a1", True),
        ("town_a_admin", "member_b1", False),  # another town
        ("town_a_admin", "judge", False),  # a role at the county
        ("county_admin", "judge", True),  # the county's judge, by the county
        ("county_admin", "town_a_admin", True),
        ("county_admin", "other_county_admin", False),  # a peer at the root: superuser only
        ("county_admin", "superuser", False),
        ("county_admin", "resident", False),  # no member record, no role
        ("superuser", "resident", True),
        ("superuser", "county_admin", True),
        ("superuser", "other_superuser", True),
        ("superuser", "superuser", False),  # nobody resets their own this way
        ("propagandist_a1", "member_a1", False),  # sees the roster, does not manage it
        ("judge", "member_a1", False),
    ],
)
def test_the_rule(county, superuser, actor, target, allowed):
    organizer = MemberFactory(org=county.branch_a1).user
    grant(organizer, county.branch_a1, RoleKind.ORGANIZER)
    other_admin = MemberFactory(org=county.branch_b1).user
    grant(other_admin, county.county, RoleKind.ADMIN)
    MemberFactory(org=county.branch_a1, user=county.propagandist_a1)
    MemberFactory(org=county.branch_a1, user=county.secretary_a1)
    MemberFactory(org=county.branch_a1, user=county.town_a_admin)
    MemberFactory(org=county.branch_a1, user=county.judge)
    people = {
        "secretary_a1": county.secretary_a1,
        "propagandist_a1": county.propagandist_a1,
        "organizer_a1": organizer,
        "town_a_admin": county.town_a_admin,
        "county_admin": county.county_admin,
        "other_county_admin": other_admin,
        "judge": county.judge,
        "member_a1": county.member_a1.user,
        "member_b1": county.member_b1.user,
        "resident": county.resident,
        "superuser": superuser,
        "other_superuser": User.objects.create_superuser("root2", PASSWORD, name="另一管理员"),
    }
    actor_user = User.objects.get(pk=people[actor].pk)
    target_user = User.objects.get(pk=people[target].pk)
    assert rules.may_manage_login(actor_user, target_user) is allowed


def test_secretary_sets_a_password_and_every_session_and_token_of_the_account_ends(client, county):
    target = county.member_a1.user
    phone, office = signed_in(target), signed_in(target)
    _token, key = services.api_token_issue(user=target, label="手机")
    client.force_login(county.secretary_a1)
    response = client.post(
        reverse("people:member_set_password", args=[county.member_a1.pk]),
        {"password": NEW, "password2": NEW},
    )
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.check_password(NEW)
    for device in (phone, office):
        response = device.get(reverse("people:me"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("people:login"))
    assert not ApiToken.objects.filter(user=target).exists()
    assert Client().get("/api/v1/auth/me", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 401
    log = AuditLog.objects.get(action="user.set_password")
    assert (log.actor, log.object_id, log.data) == (
        county.secretary_a1,
        str(target.pk),
        {"tokens_revoked": 1, "links_voided": 0},
    )
    note = Notification.objects.get(user=target)
    assert (note.title, note.kind) == ("您的登录密码已被重新设置", "account.security")
    assert note.body.startswith("东街书记 于 ")
    assert "您在各设备上的登录均已退出" in note.body
    # The secretary's own session is untouched; the member signs in with the new password.
    assert client.get(reverse("people:member_list")).status_code == 200
    fresh = Client()
    assert fresh.login(username=target.phone, password=NEW)


@pytest.mark.parametrize(
    "engine",
    [
        "django.contrib.sessions.backends.cached_db",
        "django.contrib.sessions.backends.db",
        "django.contrib.sessions.backends.cache",
    ],
)
def test_sessions_end_whatever_the_session_store(county, settings, engine):
    settings.SESSION_ENGINE = engine
    target = county.member_a1.user
    elsewhere = signed_in(target)
    assert still_signed_in(elsewhere)
    services.user_set_password(actor=county.secretary_a1, user=target, password=NEW)
    assert not still_signed_in(elsewhere)


def test_api_sets_a_password_with_the_same_effects(client, county):
    target = county.member_a1.user
    elsewhere = signed_in(target)
    services.api_token_issue(user=target)
    client.force_login(county.secretary_a1)
    response = client.post(
        f"/api/v1/members/{county.member_a1.pk}/password",
        {"password": NEW},
        content_type="application/json",
    )
    assert response.status_code == 204
    assert User.objects.get(pk=target.pk).check_password(NEW)
    assert not still_signed_in(elsewhere)
    assert not ApiToken.objects.filter(user=target).exists()
    assert AuditLog.objects.filter(action="user.set_password", actor=county.secretary_a1).exists()
    assert Notification.objects.filter(user=target, kind="account.security").count() == 1


def test_a_weak_password_is_refused_in_chinese_and_changes_nothing(client, county):
    target = county.member_a1.user
    before = state(target)
    client.force_login(county.secretary_a1)
    response = client.post(
        f"/api/v1/members/{county.member_a1.pk}/password",
        {"password": "12345678"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "密码" in response.json()["detail"]
    assert state(target) == before


def test_town_admin_changes_the_phone_of_a_secretary_and_she_is_told(client, county):
    member = MemberFactory(org=county.branch_a1, user=county.secretary_a1)
    client.force_login(county.town_a_admin)
    response = client.post(
        reverse("people:member_edit", args=[member.pk]), edit_data(member, phone="13700000002")
    )
    assert response.status_code == 302
    assert User.objects.get(pk=county.secretary_a1.pk).phone == "13700000002"
    note = Notification.objects.get(user=county.secretary_a1)
    assert (note.title, note.kind) == ("您的登录手机号已修改", "account.phone")
    assert "137****0002" in note.body and "13700000002" not in note.body
    log = AuditLog.objects.get(action="member.update")
    assert log.data["phone"][1] == "…0002"


def test_secretary_edits_registry_fields_of_someone_above_but_not_the_phone(client, county):
    member = MemberFactory(org=county.branch_a1, user=county.town_a_admin, position="")
    client.force_login(county.secretary_a1)
    response = client.post(
        reverse("people:member_edit", args=[member.pk]), edit_data(member, position="党员")
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.position == "党员"
    assert not Notification.objects.filter(user=county.town_a_admin).exists()


def test_nobody_resets_their_own_password_by_service(county):
    with pytest.raises(Exception) as excinfo:
        services.user_set_password(
            actor=county.secretary_a1, user=county.secretary_a1, password=NEW
        )
    assert str(excinfo.value) == rules.SELF
    assert User.objects.get(pk=county.secretary_a1.pk).check_password(PASSWORD)


def test_own_password_needs_the_current_one_and_ends_the_other_sessions(client, county):
    me = county.secretary_a1
    elsewhere = signed_in(me)
    services.api_token_issue(user=me)
    client.force_login(me)
    url = reverse("people:me")
    response = client.post(url, {"old_password": "wrong", "password": NEW, "password2": NEW})
    assert response.status_code == 200
    assert "当前密码不正确" in response.content.decode()
    assert User.objects.get(pk=me.pk).check_password(PASSWORD)
    assert still_signed_in(elsewhere)
    response = client.post(url, {"old_password": PASSWORD, "password": NEW, "password2": NEW})
    assert response.status_code == 302
    assert User.objects.get(pk=me.pk).check_password(NEW)
    assert client.get(url).status_code == 200  # this session stays
    assert not still_signed_in(elsewhere)
    assert not ApiToken.objects.filter(user=me).exists()
    assert AuditLog.objects.filter(action="user.change_password", actor=me).count() == 1
    assert Notification.objects.get(user=me).title == "您的登录密码已修改"


def test_guesses_at_the_current_password_lock_the_account(client, county, settings):
    client.force_login(county.secretary_a1)
    url = reverse("people:me")
    for _ in range(settings.LOGIN_MAX_FAILURES):
        client.post(url, {"old_password": "wrong", "password": NEW, "password2": NEW})
    response = client.post(url, {"old_password": PASSWORD, "password": NEW, "password2": NEW})
    assert "登录失败次数过多" in response.content.decode()
    assert User.objects.get(pk=county.secretary_a1.pk).check_password(PASSWORD)


def test_roster_rollback_refuses_a_batch_holding_an_account_she_may_not_manage(
    county, monkeypatch, tmp_path
):
    import datetime

    from tests.people.roster_support import (
        id_number,
        roster_bytes,
        upload,
        use_tmp_private_storage,
    )
    from xianfeng.common.errors import Refused

    use_tmp_private_storage(monkeypatch, tmp_path)
    batch = services.roster_import_preview(
        actor=county.secretary_a1,
        org=county.branch_a1,
        upload=upload(
            roster_bytes([{"姓名": "赵六", "身份证号": id_number(datetime.date(1985, 6, 15), 11)}])
        ),
    )
    batch = services.roster_import_commit(actor=county.secretary_a1, batch=batch)
    User.objects.filter(member__import_batch=batch).update(is_superuser=True, is_staff=True)
    counts = User.objects.count(), Member.objects.count()
    with pytest.raises(Refused) as excinfo:
        services.roster_import_rollback(actor=county.secretary_a1, batch=batch)
    assert excinfo.value.message == "本批中有您不能管理其登录账号的人（赵六），不能整批撤销"
    assert (User.objects.count(), Member.objects.count()) == counts
