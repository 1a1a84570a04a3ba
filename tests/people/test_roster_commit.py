"""Committing a previewed roster as one batch, and rolling the batch back."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from tests.factories import MemberFactory, UserFactory, grant
from tests.people.roster_support import (
    id_number,
    roster_bytes,
    upload,
    use_tmp_private_storage,
)
from xianfeng.audit.models import AuditLog
from xianfeng.common.errors import Refused
from xianfeng.orgs.enums import RoleKind
from xianfeng.people import services
from xianfeng.people.enums import ImportStatus, MemberStatus
from xianfeng.people.exports import roster_workbook_response
from xianfeng.people.models import Member, RosterImport, User

pytestmark = pytest.mark.django_db

D = datetime.date
ZHANG = id_number(D(1985, 6, 15), 11)
LI = id_number(D(1992, 11, 30), 12)
WANG = id_number(D(1970, 2, 3), 13)


@pytest.fixture(autouse=True)
def _private_storage(monkeypatch, tmp_path):
    use_tmp_private_storage(monkeypatch, tmp_path)


def clean_rows():
    return [
        {"姓名": "张　三", "性别": "男", "出生日期": "1985-06-15", "学历": "本科",
         "手机号": "１３８ １２３４ ５６７８", "身份证号": ZHANG, "入党日期": "2010-07-01",
         "转正日期": "2011/7/1", "党员类别": "正式党员", "流动党员": "否", "党小组": "第一党小组",
         "党内职务": "组织委员"},
        {"姓名": "李四", "民族": "满族", "手机号": 13812340002, "身份证号": LI,
         "入党日期": datetime.datetime(2024, 12, 1), "党员类别": "预备", "学历": "硕士",
         "流动党员": "是", "流动去向": "广东省深圳市"},
        {"姓名": "王五", "身份证号": WANG.lower(), "入党日期": 36342, "学历": "初中"},
    ]  # fmt: skip


def preview(county, rows=None, actor=None, org=None) -> RosterImport:
    return services.roster_import_preview(
        actor=actor or county.secretary_a1,
        org=org or county.branch_a1,
        upload=upload(roster_bytes(rows or clean_rows())),
    )


def member_values(member: Member) -> dict:
    return {
        "name": member.user.name,
        "phone": member.user.phone,
        "id_number": member.id_number,
        "gender": member.gender,
        "ethnicity": member.ethnicity,
        "birth_date": member.birth_date,
        "education": member.education,
        "joined_on": member.joined_on,
        "confirmed_on": member.confirmed_on,
        "status": member.status,
        "is_mobile": member.is_mobile,
        "mobile_place": member.mobile_place,
        "position": member.position,
        "org": member.org.code,
        "group": member.group.code if member.group else None,
    }


def test_clean_workbook_commits_exact_members(county):
    batch = preview(county)
    assert (batch.errors, batch.row_count) == ([], 3)
    assert Member.objects.filter(import_batch=batch).count() == 0
    services.roster_import_commit(actor=county.secretary_a1, batch=batch)
    batch.refresh_from_db()
    assert (batch.status, batch.created_count) == (ImportStatus.COMMITTED, 3)
    assert batch.committed_at is not None
    members = Member.objects.filter(import_batch=batch).select_related("user", "org", "group")
    assert [member_values(m) for m in members.order_by("pk")] == [
        {"name": "张三", "phone": "13812345678", "id_number": ZHANG,
         "gender": "M", "ethnicity": "汉族", "birth_date": D(1985, 6, 15), "education": "bachelor",
         "joined_on": D(2010, 7, 1), "confirmed_on": D(2011, 7, 1), "status": "full",
         "is_mobile": False, "mobile_place": "", "position": "组织委员", "org": "A1",
         "group": "A1G1"},
        {"name": "李四", "phone": "13812340002", "id_number": LI,
         "gender": "F", "ethnicity": "满族", "birth_date": D(1992, 11, 30),
         "education": "postgraduate", "joined_on": D(2024, 12, 1), "confirmed_on": None,
         "status": "probationary", "is_mobile": True, "mobile_place": "广东省深圳市",
         "position": "", "org": "A1", "group": None},
        {"name": "王五", "phone": None, "id_number": WANG,
         "gender": "M", "ethnicity": "汉族", "birth_date": D(1970, 2, 3), "education": "junior",
         "joined_on": D(1999, 7, 1), "confirmed_on": None, "status": "full",
         "is_mobile": False, "mobile_place": "", "position": "", "org": "A1", "group": None},
    ]  # fmt: skip
    assert all(m.user.username.startswith("m") for m in members)
    assert not any(m.user.has_usable_password() for m in members)
    log = AuditLog.objects.get(action="roster_import.commit")
    assert (log.actor, log.object_id, log.org, log.data) == (
        county.secretary_a1,
        str(batch.pk),
        county.branch_a1,
        {"count": 3, "updated": 0, "attached": 0, "filename": "名册.xlsx"},
    )


def test_second_commit_of_a_batch_is_refused_and_changes_nothing(county):
    batch = preview(county)
    services.roster_import_commit(actor=county.secretary_a1, batch=batch)
    counts = User.objects.count(), Member.objects.count(), AuditLog.objects.count()
    stale = RosterImport.objects.get(pk=batch.pk)
    stale.status = ImportStatus.PREVIEWED  # as a second tab would still think
    with pytest.raises(Refused) as excinfo:
        services.roster_import_commit(actor=county.secretary_a1, batch=stale)
    assert excinfo.value.message == "该批次已经导入，不能重复导入"
    with pytest.raises(Refused):
        services.roster_import_commit(actor=county.secretary_a1, batch=batch)
    assert (User.objects.count(), Member.objects.count(), AuditLog.objects.count()) == counts
    assert RosterImport.objects.get(pk=batch.pk).created_count == 3


def test_batch_with_errors_cannot_be_committed(county):
    rows = clean_rows()
    rows[2]["入党日期"] = "2099-01-01"
    batch = preview(county, rows)
    counts = User.objects.count(), Member.objects.count()
    with pytest.raises(Refused) as excinfo:
        services.roster_import_commit(actor=county.secretary_a1, batch=batch)
    assert excinfo.value.message == "预览中还有 1 处错误，请改正表格后重新上传"
    assert (User.objects.count(), Member.objects.count()) == counts


def test_commit_revalidates_a_phone_taken_since_the_preview(county):
    batch = preview(county)
    MemberFactory(org=county.branch_b1, user=UserFactory(username="late", phone="13812340002"))
    counts = User.objects.count(), Member.objects.count()
    with pytest.raises(Refused) as excinfo:
        services.roster_import_commit(actor=county.secretary_a1, batch=batch)
    assert excinfo.value.message == (
        "导入前重新核对，发现 1 处问题（如手机号、身份证号刚被他人登记），未导入任何人；"
        "请改正表格后重新上传"
    )
    assert (User.objects.count(), Member.objects.count()) == counts
    batch.refresh_from_db()
    assert batch.status == ImportStatus.PREVIEWED
    assert batch.errors == [
        {"sheet": "党员名册", "row": 3, "column": "手机号",
         "message": "该手机号已被系统中的其他用户使用"},
    ]  # fmt: skip
    assert not AuditLog.objects.filter(action="roster_import.commit").exists()


def test_commit_by_someone_without_rights_is_denied(county):
    batch = preview(county)
    counts = User.objects.count(), Member.objects.count()
    with pytest.raises(PermissionDenied):
        services.roster_import_commit(actor=county.secretary_b1, batch=batch)
    assert (User.objects.count(), Member.objects.count()) == counts
    assert RosterImport.objects.get(pk=batch.pk).status == ImportStatus.PREVIEWED


def committed(county) -> RosterImport:
    return services.roster_import_commit(actor=county.secretary_a1, batch=preview(county))


def test_rollback_removes_exactly_the_batch(county):
    earlier = MemberFactory(org=county.branch_a1)
    batch = committed(county)
    batch_user_ids = set(
        Member.objects.filter(import_batch=batch).values_list("user_id", flat=True)
    )
    users, members = User.objects.count(), Member.objects.count()
    services.roster_import_rollback(actor=county.secretary_a1, batch=batch)
    assert User.objects.count() == users - 3
    assert Member.objects.count() == members - 3
    assert not User.objects.filter(pk__in=batch_user_ids).exists()
    assert Member.objects.filter(pk=earlier.pk).exists()
    assert Member.objects.filter(pk=county.member_a1.pk).exists()
    batch.refresh_from_db()
    assert (batch.status, batch.rolled_back_by) == (ImportStatus.ROLLED_BACK, county.secretary_a1)
    assert batch.rolled_back_at is not None
    log = AuditLog.objects.get(action="roster_import.rollback")
    assert (log.actor, log.data) == (
        county.secretary_a1,
        {"count": 3, "deleted": 3, "deactivated": 0, "detached": 0, "restored": 0, "kept": 0,
         "filename": "名册.xlsx"},
    )  # fmt: skip
    with pytest.raises(Refused) as excinfo:
        services.roster_import_rollback(actor=county.secretary_a1, batch=batch)
    assert excinfo.value.message == "该批次已经撤销"


def test_rollback_deactivates_an_account_that_has_logged_in_instead_of_deleting_it(county):
    batch = committed(county)
    li = User.objects.get(member__import_batch=batch, name="李四")
    User.objects.filter(pk=li.pk).update(last_login=timezone.now())
    services.roster_import_rollback(actor=county.secretary_a1, batch=batch)
    li.refresh_from_db()
    assert (li.is_active, li.login_epoch) == (False, 1)
    assert not Member.objects.filter(user=li).exists()
    assert not User.objects.filter(name__in=["张三", "王五"]).exists()
    log = AuditLog.objects.get(action="roster_import.rollback")
    assert (log.data["deleted"], log.data["deactivated"]) == (2, 1)


def test_rollback_refused_when_someone_holds_a_role(county):
    batch = committed(county)
    grant(User.objects.get(name="王五"), county.branch_a1, RoleKind.ORGANIZER)
    counts = User.objects.count(), Member.objects.count()
    with pytest.raises(Refused) as excinfo:
        services.roster_import_rollback(actor=county.secretary_a1, batch=batch)
    assert excinfo.value.message == "本批中有人已被授予角色（王五），请先收回角色再撤销"
    assert (User.objects.count(), Member.objects.count()) == counts


def test_rollback_of_a_preview_or_by_an_outsider_is_refused(county):
    batch = preview(county)
    with pytest.raises(Refused) as excinfo:
        services.roster_import_rollback(actor=county.secretary_a1, batch=batch)
    assert excinfo.value.message == "该批次尚未导入，无需撤销"
    batch = services.roster_import_commit(actor=county.secretary_a1, batch=batch)
    counts = User.objects.count(), Member.objects.count()
    with pytest.raises(PermissionDenied):
        services.roster_import_rollback(actor=county.secretary_b1, batch=batch)
    assert (User.objects.count(), Member.objects.count()) == counts


def test_export_then_import_gives_the_same_members_back(county):
    branch = county.branch_a1
    MemberFactory(
        org=branch,
        user=UserFactory(name="钱预备", phone="13700000001"),
        id_number=id_number(D(1995, 5, 5), 51),
        gender="M",
        birth_date=D(1995, 5, 5),
        joined_on=D(2024, 10, 1),
        confirmed_on=None,
        status=MemberStatus.PROBATIONARY,
        education="college",
        is_mobile=True,
        mobile_place="浙江省杭州市",
        position="",
        ethnicity="壮族",
    )
    MemberFactory(
        org=branch,
        group=county.group_a1,
        user=UserFactory(name="孙委员", phone=None),
        id_number=id_number(D(1966, 12, 31), 52),
        gender="F",
        birth_date=D(1966, 12, 31),
        education="primary",
        position="组织委员",
    )
    members = Member.objects.filter(org=branch).select_related("user", "org", "group")
    before = sorted((member_values(m) for m in members), key=lambda v: v["id_number"])
    assert len(before) == 3
    response = roster_workbook_response(county.secretary_a1, members.order_by("pk"))
    data = b"".join(response.streaming_content)
    User.objects.filter(member__org=branch).delete()
    assert not Member.objects.filter(org=branch).exists()
    batch = services.roster_import_preview(
        actor=county.secretary_a1, org=branch, upload=upload(data, "党员名册-导出.xlsx")
    )
    assert batch.errors == []
    services.roster_import_commit(actor=county.secretary_a1, batch=batch)
    members = Member.objects.filter(org=branch).select_related("user", "org", "group")
    after = sorted((member_values(m) for m in members), key=lambda v: v["id_number"])
    assert after == before
