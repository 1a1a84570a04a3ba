"""Roster import over an existing registry: rows below the table end the data, a known ID
number updates that member (a diff of the changed fields only), a known phone attaches the
record to its account, and rollback restores what the batch changed."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import MemberFactory, NotificationFactory, UserFactory, grant
from tests.people.roster_support import (
    id_number,
    roster_bytes,
    upload,
    use_tmp_private_storage,
    workbook_bytes,
)
from xianfeng.audit.models import AuditLog
from xianfeng.common.errors import Refused
from xianfeng.notify.models import Notification
from xianfeng.orgs.enums import RoleKind
from xianfeng.people import services
from xianfeng.people.enums import ImportStatus, MemberStatus
from xianfeng.people.exports import HEADERS
from xianfeng.people.models import Member, RosterChange, RosterImport, StatusChange, User
from xianfeng.people.roster.matching import MSG_ELSEWHERE

pytestmark = pytest.mark.django_db

D = datetime.date
ZHAO = id_number(D(1980, 3, 4), 21)
QIAN = id_number(D(1990, 8, 9), 22)
SUN = id_number(D(1975, 1, 2), 23)


@pytest.fixture(autouse=True)
def _private_storage(monkeypatch, tmp_path):
    use_tmp_private_storage(monkeypatch, tmp_path)


def preview_bytes(county, data: bytes, actor=None, org=None) -> RosterImport:
    return services.roster_import_preview(
        actor=actor or county.secretary_a1, org=org or county.branch_a1, upload=upload(data)
    )


@pytest.fixture
def zhao(county) -> Member:
    """A 预备党员 of 东街 already on the registry."""
    return MemberFactory(
        org=county.branch_a1,
        user=UserFactory(name="赵预备", phone="13700000001"),
        id_number=ZHAO,
        gender="M",
        birth_date=D(1980, 3, 4),
        joined_on=D(2024, 10, 1),
        confirmed_on=None,
        status=MemberStatus.PROBATIONARY,
        ethnicity="回族",
        education="college",
        position="",
    )


# --- rows below the table ------------------------------------------------------------------


def test_footer_rows_after_a_blank_row_end_the_data(county):
    rows = [
        list(HEADERS),
        ["孙一", *[""] * (len(HEADERS) - 1)],
        [],
        ["填表人：王秀兰", "", "", "填表日期：2026年11月30日"],
        ["审核人：刘建华"],
        ["注：1. 党员类别填“正式党员”或“预备党员”；2. 身份证号请用文本格式。"],
    ]
    rows[1][HEADERS.index("身份证号")] = SUN
    batch = preview_bytes(county, workbook_bytes({"党员名册": rows}))
    assert (batch.row_count, batch.errors) == (1, [])


def test_a_note_row_with_one_cell_after_a_blank_row_ends_the_data(county):
    rows = [list(HEADERS), ["孙一"] + [""] * (len(HEADERS) - 1), [], ["本表一式两份，报镇党委一份"]]
    rows[1][HEADERS.index("身份证号")] = SUN
    batch = preview_bytes(county, workbook_bytes({"党员名册": rows}))
    assert (batch.row_count, batch.errors) == (1, [])


def test_footer_directly_under_the_table_ends_it_too(county):
    rows = [list(HEADERS), ["孙一"] + [""] * (len(HEADERS) - 1), ["填表人", "王秀兰"]]
    rows[1][HEADERS.index("身份证号")] = SUN
    batch = preview_bytes(county, workbook_bytes({"党员名册": rows}))
    assert (batch.row_count, batch.errors) == (1, [])


def test_a_member_row_after_a_blank_row_is_still_data(county):
    rows = [
        list(HEADERS),
        ["孙一"] + [""] * (len(HEADERS) - 1),
        [],
        ["钱二"] + [""] * (len(HEADERS) - 1),
    ]
    rows[1][HEADERS.index("身份证号")] = SUN
    rows[3][HEADERS.index("身份证号")] = QIAN
    batch = preview_bytes(county, workbook_bytes({"党员名册": rows}))
    assert (batch.row_count, batch.errors) == (2, [])


# --- updates ---------------------------------------------------------------------------------


def update_rows():
    return [
        {"姓名": "赵预备", "身份证号": ZHAO, "手机号": "13700000009", "转正日期": "2025-10-01",
         "入党日期": "2024-10-01"},
        {"姓名": "钱新人", "身份证号": QIAN, "入党日期": "2015-07-01"},
    ]  # fmt: skip


def test_preview_shows_only_the_changed_fields_of_an_existing_member(county, zhao):
    batch = preview_bytes(county, roster_bytes(update_rows()))
    assert batch.errors == []
    assert batch.plan == {
        "create": 1,
        "update": [
            {"row": 2, "sheet": "党员名册", "name": "赵预备", "member_id": zhao.pk,
             "changes": [
                 {"field": "phone", "label": "手机号", "old": "13700000001", "new": "13700000009"},
                 {"field": "confirmed_on", "label": "转正日期", "old": "（空）",
                  "new": "2025-10-01"},
                 {"field": "status", "label": "党员类别", "old": "预备党员", "new": "正式党员"},
             ]},
        ],
        "unchanged": 0,
        "attach": [],
    }  # fmt: skip
    zhao.refresh_from_db()
    assert (zhao.user.phone, zhao.confirmed_on, zhao.status) == (
        "13700000001",
        None,
        MemberStatus.PROBATIONARY,
    )


def test_preview_page_shows_the_diff(client, county, zhao):
    batch = preview_bytes(county, roster_bytes(update_rows()))
    client.force_login(county.secretary_a1)
    page = client.get(reverse("people:import_detail", args=[batch.pk])).content.decode()
    assert "新建 1 人 · 更新 1 人" in page
    assert "<del>13700000001</del></td><td><ins>13700000009</ins>" in page
    assert "<del>（空）</del></td><td><ins>2025-10-01</ins>" in page
    assert "回族" not in page  # an unchanged field is not listed


def test_commit_updates_and_rollback_restores_the_old_values(county, zhao):
    batch = preview_bytes(county, roster_bytes(update_rows()))
    services.roster_import_commit(actor=county.secretary_a1, batch=batch)
    batch.refresh_from_db()
    assert (batch.created_count, batch.updated_count, batch.attached_count) == (1, 1, 0)
    zhao.refresh_from_db()
    zhao.user.refresh_from_db()
    assert (zhao.user.phone, zhao.confirmed_on, zhao.status, zhao.ethnicity) == (
        "13700000009",
        D(2025, 10, 1),
        MemberStatus.FULL,
        "回族",
    )
    change = RosterChange.objects.get(batch=batch, kind=RosterChange.Kind.UPDATED)
    assert (change.before, change.after) == (
        {"phone": "13700000001", "confirmed_on": None, "status": "probationary"},
        {"phone": "13700000009", "confirmed_on": "2025-10-01", "status": "full"},
    )
    confirm = StatusChange.objects.get(member=zhao)
    assert (confirm.kind, confirm.effective_on) == ("confirm", D(2025, 10, 1))
    assert AuditLog.objects.filter(action="member.full").count() == 1
    services.roster_import_rollback(actor=county.secretary_a1, batch=batch)
    zhao.refresh_from_db()
    zhao.user.refresh_from_db()
    assert (zhao.user.phone, zhao.confirmed_on, zhao.status, zhao.ethnicity) == (
        "13700000001",
        None,
        MemberStatus.PROBATIONARY,
        "回族",
    )
    assert zhao.user.is_active
    assert not StatusChange.objects.filter(member=zhao).exists()
    assert not Member.objects.filter(id_number=QIAN).exists()
    log = AuditLog.objects.get(action="roster_import.rollback")
    assert (log.data["restored"], log.data["kept"], log.data["deleted"]) == (3, 0, 1)


def test_rollback_keeps_a_value_changed_again_since_the_batch(county, zhao):
    batch = preview_bytes(county, roster_bytes(update_rows()))
    services.roster_import_commit(actor=county.secretary_a1, batch=batch)
    User.objects.filter(pk=zhao.user_id).update(phone="13700000077")
    services.roster_import_rollback(actor=county.secretary_a1, batch=batch)
    zhao.refresh_from_db()
    zhao.user.refresh_from_db()
    assert (zhao.user.phone, zhao.confirmed_on, zhao.status) == (
        "13700000077",
        None,
        MemberStatus.PROBATIONARY,
    )
    log = AuditLog.objects.get(action="roster_import.rollback")
    assert (log.data["restored"], log.data["kept"]) == (2, 1)


def test_an_unchanged_row_changes_nothing(county, zhao):
    rows = [{"姓名": "赵预备", "身份证号": ZHAO, "手机号": "13700000001", "民族": "回族"}]
    batch = preview_bytes(county, roster_bytes(rows))
    assert (batch.plan["create"], batch.plan["unchanged"]) == (0, 1)
    services.roster_import_commit(actor=county.secretary_a1, batch=batch)
    batch.refresh_from_db()
    assert (batch.created_count, batch.updated_count) == (0, 0)
    assert not RosterChange.objects.filter(batch=batch).exists()


def test_an_empty_cell_never_clears_a_value(county, zhao):
    rows = [{"姓名": "赵预备", "身份证号": ZHAO, "学历": "", "民族": ""}]
    batch = preview_bytes(county, roster_bytes(rows))
    assert batch.plan["update"][0]["changes"] == []
    services.roster_import_commit(actor=county.secretary_a1, batch=batch)
    zhao.refresh_from_db()
    assert (zhao.education, zhao.ethnicity) == ("college", "回族")


def test_an_id_number_registered_in_another_town_is_an_error_and_changes_nothing(county):
    elsewhere = MemberFactory(org=county.branch_b1, id_number=ZHAO, user=UserFactory(name="赵"))
    batch = preview_bytes(county, roster_bytes(update_rows()[:1]))
    assert batch.errors == [
        {"sheet": "党员名册", "row": 2, "column": "身份证号",
         "message": MSG_ELSEWHERE},
    ]  # fmt: skip
    with pytest.raises(Refused):
        services.roster_import_commit(actor=county.secretary_a1, batch=batch)
    elsewhere.refresh_from_db()
    assert (elsewhere.org, elsewhere.confirmed_on) == (county.branch_b1, elsewhere.confirmed_on)


def test_a_branch_secretary_cannot_change_the_phone_of_a_town_admin_in_the_branch(county):
    town_admin = county.town_a_admin
    town_admin.phone = "13700000055"
    town_admin.save()
    MemberFactory(org=county.branch_a1, user=town_admin, id_number=ZHAO)
    rows = [{"姓名": town_admin.name, "身份证号": ZHAO, "手机号": "13700000066"}]
    batch = preview_bytes(county, roster_bytes(rows))
    assert [e["column"] for e in batch.errors] == ["手机号"]
    assert batch.errors[0]["message"].startswith("不能修改此人的手机号：")
    town_admin.refresh_from_db()
    assert town_admin.phone == "13700000055"


def test_commit_refuses_when_the_member_was_edited_after_the_preview(county, zhao):
    batch = preview_bytes(county, roster_bytes(update_rows()))
    Member.objects.filter(pk=zhao.pk).update(confirmed_on=D(2025, 9, 1), status="full")
    with pytest.raises(Refused) as excinfo:
        services.roster_import_commit(actor=county.secretary_a1, batch=batch)
    assert excinfo.value.message == (
        "预览之后名册中已有人被修改，本次导入的变动已重新核对，请再看一遍后确认导入"
    )
    batch.refresh_from_db()
    assert batch.status == ImportStatus.PREVIEWED
    assert [c["field"] for c in batch.plan["update"][0]["changes"]] == ["phone", "confirmed_on"]
    zhao.user.refresh_from_db()
    assert zhao.user.phone == "13700000001"
    services.roster_import_commit(actor=county.secretary_a1, batch=batch)
    zhao.user.refresh_from_db()
    assert zhao.user.phone == "13700000009"


# --- attaching to an existing account --------------------------------------------------------


def test_a_row_with_the_phone_of_an_account_without_a_member_record_attaches_to_it(county):
    resident = UserFactory(name="孙居民", phone="13700000003")
    rows = [{"姓名": "孙居民", "身份证号": SUN, "手机号": "13700000003", "入党日期": "2000-07-01"}]
    batch = preview_bytes(county, roster_bytes(rows))
    assert batch.plan["attach"] == [
        {"row": 2, "sheet": "党员名册", "name": "孙居民", "user_id": resident.pk}
    ]
    users = User.objects.count()
    services.roster_import_commit(actor=county.secretary_a1, batch=batch)
    assert User.objects.count() == users
    member = Member.objects.get(user=resident)
    assert (member.org, member.id_number, member.joined_on) == (
        county.branch_a1,
        SUN,
        D(2000, 7, 1),
    )
    services.roster_import_rollback(actor=county.secretary_a1, batch=batch)
    resident.refresh_from_db()
    assert resident.is_active
    assert not Member.objects.filter(user=resident).exists()
    assert User.objects.count() == users


def test_attaching_refused_when_the_names_differ(county):
    UserFactory(name="别人", phone="13700000003")
    rows = [{"姓名": "孙居民", "身份证号": SUN, "手机号": "13700000003"}]
    batch = preview_bytes(county, roster_bytes(rows))
    assert [e["message"] for e in batch.errors] == [
        "该手机号已注册账号，但账号姓名与本行姓名不一致，请核对"
    ]


# --- rollback of created accounts with activity ----------------------------------------------


def test_rollback_never_deletes_a_created_account_with_activity(county):
    rows = [{"姓名": "钱新人", "身份证号": QIAN, "入党日期": "2015-07-01"},
            {"姓名": "孙一", "身份证号": SUN}]  # fmt: skip
    batch = preview_bytes(county, roster_bytes(rows))
    services.roster_import_commit(actor=county.secretary_a1, batch=batch)
    qian = User.objects.get(member__id_number=QIAN)
    note = NotificationFactory(user=qian)  # e.g. a meeting notice was sent to them
    services.roster_import_rollback(actor=county.secretary_a1, batch=batch)
    qian.refresh_from_db()
    assert (qian.is_active, qian.login_epoch) == (False, 1)
    assert Notification.objects.filter(pk=note.pk).exists()
    assert not Member.objects.filter(user=qian).exists()
    assert not User.objects.filter(name="孙一").exists()


def test_rollback_with_a_role_is_still_refused(county):
    rows = [{"姓名": "钱新人", "身份证号": QIAN, "入党日期": "2015-07-01"}]
    batch = preview_bytes(county, roster_bytes(rows))
    services.roster_import_commit(actor=county.secretary_a1, batch=batch)
    qian = User.objects.get(member__id_number=QIAN)
    User.objects.filter(pk=qian.pk).update(last_login=timezone.now())
    grant(qian, county.branch_a1, RoleKind.ORGANIZER)
    with pytest.raises(Refused):
        services.roster_import_rollback(actor=county.secretary_a1, batch=batch)
    qian.refresh_from_db()
    assert qian.is_active and Member.objects.filter(user=qian).exists()
