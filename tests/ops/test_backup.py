"""Backups in-process against the test database: the manifest, a restore into an empty
installation, and every refusal a damaged, foreign or newer backup meets (with the target
left untouched); retention; the daily job and its failure notice."""

from __future__ import annotations

import datetime
import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from tests.factories import UserFactory
from tests.ops.installs import make_install
from xianfeng.notify.models import Notification
from xianfeng.ops.backup.archive import Roots, make_backup, prune, restore_backup, to_keep
from xianfeng.ops.backup.database import BackupError, Target, installation_has_data, stats_of
from xianfeng.ops.backup.files import ExactReader
from xianfeng.ops.models import BackupRun, BackupStatus
from xianfeng.ops.services import backup_daily

# A backup reads the database from other connections (sqlite3, pg_dump): what it copies
# must be committed.
transactional = pytest.mark.django_db(transaction=True)


@pytest.fixture
def roots(tmp_path):
    media, private = tmp_path / "media", tmp_path / "private"
    (media / "videos" / "k1").mkdir(parents=True)
    (media / "videos" / "k1" / "master.m3u8").write_bytes(b"#EXTM3U\n")
    (private / "rosters").mkdir(parents=True)
    (private / "rosters" / "名单.xlsx").write_bytes(b"PK\x03\x04 roster")
    return Roots(media=media, private=private)


@pytest.fixture
def backup(county, roots, tmp_path):
    made = make_backup(
        target=Target.from_settings(connection.settings_dict), roots=roots, output=tmp_path / "out"
    )
    return made.path


@pytest.fixture
def empty(tmp_path):
    install = make_install(tmp_path, "empty")
    yield install
    install.drop()


def empty_roots(install) -> Roots:
    return Roots(media=install.var / "media", private=install.var / "private")


@transactional
def test_manifest_counts_tables_and_files(backup, county):
    manifest = json.loads((backup / "manifest.json").read_text())
    assert manifest["format"] == 1
    assert manifest["tables"]["orgs_org"]["rows"] == 7
    assert manifest["tables"]["people_user"]["rows"] == 10
    assert manifest["migrations"]["ops"] == ["0001_backup_runs"]
    assert manifest["files"]["media"]["files"] == 1
    assert manifest["files"]["private"]["files"] == 1
    assert manifest["files"]["private"]["bytes"] == len(b"PK\x03\x04 roster")
    assert sorted(p.name for p in backup.iterdir()) == sorted(
        [
            "manifest.json",
            manifest["database"]["file"],
            "media.tar",
            "media.sha256",
            "private.tar",
            "private.sha256",
        ]
    )
    assert (backup / "private.sha256").read_text(encoding="utf-8").endswith("  rosters/名单.xlsx\n")


@transactional
def test_restore_into_an_empty_installation_then_refuse_a_second_time(backup, empty):
    done = restore_backup(folder=backup, target=empty.target, roots=empty_roots(empty))
    assert done.files == {"media": 1, "private": 1}
    assert (empty.var / "private" / "rosters" / "名单.xlsx").read_bytes() == b"PK\x03\x04 roster"
    manifest = json.loads((backup / "manifest.json").read_text())
    assert stats_of(empty.target) == manifest["tables"]
    with pytest.raises(
        BackupError, match=r"^目标数据库（.*）中已有党组织或用户：只能恢复到空的安装"
    ):
        restore_backup(folder=backup, target=empty.target, roots=empty_roots(empty))


def corrupt(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0xFF
    path.write_bytes(bytes(data))


def assert_untouched(install) -> None:
    assert not installation_has_data(install.target)
    assert not (install.var / "media").exists()
    assert not (install.var / "private").exists()


@transactional
def test_a_damaged_database_copy_is_refused(backup, empty):
    manifest = json.loads((backup / "manifest.json").read_text())
    name = manifest["database"]["file"]
    corrupt(backup / name, 4000)
    with pytest.raises(BackupError) as refused:
        restore_backup(folder=backup, target=empty.target, roots=empty_roots(empty))
    assert str(refused.value).startswith(f"备份已损坏：{name} 的校验和不符（应为 ")
    assert str(refused.value).endswith("…），拒绝恢复")
    assert_untouched(empty)


@transactional
def test_a_truncated_archive_and_a_missing_one_are_refused(backup, empty):
    tar = backup / "media.tar"
    size = tar.stat().st_size
    tar.write_bytes(tar.read_bytes()[:-512])
    with pytest.raises(
        BackupError,
        match=rf"^备份已损坏：media.tar 应为 {size} 字节，实为 {size - 512} 字节，拒绝恢复$",
    ):
        restore_backup(folder=backup, target=empty.target, roots=empty_roots(empty))
    tar.unlink()
    with pytest.raises(BackupError, match=r"^备份已损坏：缺少文件 media.tar，拒绝恢复$"):
        restore_backup(folder=backup, target=empty.target, roots=empty_roots(empty))
    assert_untouched(empty)


@transactional
def test_no_manifest_or_a_broken_one_is_refused(backup, empty):
    (backup / "manifest.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(BackupError, match=r"^备份清单 manifest.json 已损坏"):
        restore_backup(folder=backup, target=empty.target, roots=empty_roots(empty))
    (backup / "manifest.json").unlink()
    with pytest.raises(BackupError, match=r"中没有 manifest.json：这不是一个完整的备份，拒绝恢复$"):
        restore_backup(folder=backup, target=empty.target, roots=empty_roots(empty))
    assert_untouched(empty)


def edit_manifest(folder: Path, change) -> None:
    manifest = json.loads((folder / "manifest.json").read_text())
    change(manifest)
    (folder / "manifest.json").write_text(json.dumps(manifest))


@transactional
def test_a_backup_from_a_newer_schema_is_refused(backup, empty):
    edit_manifest(backup, lambda m: m["migrations"]["people"].append("9999_from_the_future"))
    with pytest.raises(BackupError) as refused:
        restore_backup(folder=backup, target=empty.target, roots=empty_roots(empty))
    assert str(refused.value) == (
        "备份来自更新版本的数据库结构（本程序不认识迁移 people.9999_from_the_future），"
        "请先升级程序再恢复"
    )
    assert_untouched(empty)


@transactional
def test_a_backup_of_the_other_database_kind_is_refused(backup, empty):
    other = "postgresql" if empty.target.vendor == "sqlite" else "sqlite"
    edit_manifest(backup, lambda m: m["database"].update(vendor=other))
    with pytest.raises(BackupError, match=r"；请用同类数据库恢复$"):
        restore_backup(folder=backup, target=empty.target, roots=empty_roots(empty))
    assert_untouched(empty)


@transactional
def test_files_are_not_restored_over_existing_ones(backup, empty):
    (empty.var / "media" / "videos").mkdir(parents=True)
    (empty.var / "media" / "videos" / "old.ts").write_bytes(b"x")
    with pytest.raises(BackupError, match=r"^media 文件目录 .* 不是空的：只能恢复到空的安装$"):
        restore_backup(folder=backup, target=empty.target, roots=empty_roots(empty))
    assert not installation_has_data(empty.target)


@transactional
def test_restore_command_says_why_in_chinese(backup):
    corrupt(backup / "media.tar", 600)
    with pytest.raises(CommandError, match=r"^恢复失败：备份已损坏：media.tar 的校验和不符"):
        call_command("restore", str(backup))


@transactional
def test_backup_command_writes_a_folder_and_records_the_run(county, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "m"
    settings.PRIVATE_ROOT = tmp_path / "p"
    out = io.StringIO()
    call_command("backup", "--output", str(tmp_path / "b"), stdout=out)
    (folder,) = (tmp_path / "b").iterdir()
    assert out.getvalue().startswith(f"已备份到 {folder}：")
    run = BackupRun.objects.get()
    assert (run.status, run.path, run.trigger) == (BackupStatus.OK, str(folder), "command")
    assert run.size == sum(p.stat().st_size for p in folder.iterdir())


def test_a_file_that_shrinks_while_read_is_padded_and_reported():
    reader = ExactReader(io.BytesIO(b"0123456789"), 16)
    assert reader.read(8) + reader.read(100) == b"0123456789" + b"\x00" * 6
    assert reader.short
    assert reader.read(1) == b""


def test_retention_keeps_newest_per_day_and_per_month():
    stamps = [
        datetime.datetime(2026, 10, 31, 2),
        datetime.datetime(2026, 11, 1, 2),
        datetime.datetime(2026, 11, 28, 2),
        datetime.datetime(2026, 11, 29, 2),
        datetime.datetime(2026, 11, 30, 2),
        datetime.datetime(2026, 11, 30, 14),
        datetime.datetime(2026, 12, 1, 2),
    ]
    assert to_keep(stamps, daily=2, monthly=2) == {
        datetime.datetime(2026, 11, 30, 14),  # newest of 30 Nov, and of November
        datetime.datetime(2026, 12, 1, 2),  # newest of 1 Dec, and of December
    }
    assert to_keep(stamps, daily=3, monthly=3) == {
        datetime.datetime(2026, 10, 31, 2),
        datetime.datetime(2026, 11, 29, 2),
        datetime.datetime(2026, 11, 30, 14),
        datetime.datetime(2026, 12, 1, 2),
    }


def test_prune_deletes_what_retention_drops(tmp_path):
    for name in [
        "xianfeng-20261129-020000",
        "xianfeng-20261130-020000",
        "xianfeng-20261201-020000",
    ]:
        (tmp_path / name).mkdir()
        (tmp_path / name / "manifest.json").write_text("{}")
    (tmp_path / "xianfeng-20261128-020000").mkdir()  # no manifest: not a backup, left alone
    removed = prune(tmp_path, daily=2, monthly=0)
    assert [p.name for p in removed] == ["xianfeng-20261129-020000"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "xianfeng-20261128-020000",
        "xianfeng-20261130-020000",
        "xianfeng-20261201-020000",
    ]


def local(hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(2026, 12, 2, hour, 5))


@transactional
def test_daily_job_backs_up_once_a_day_after_its_hour(county, tmp_path, settings):
    settings.BACKUP_DIR = str(tmp_path / "daily")
    settings.MEDIA_ROOT, settings.PRIVATE_ROOT = tmp_path / "m", tmp_path / "p"
    settings.BACKUP_HOUR = 2
    assert backup_daily(now=local(1)) == "waiting"
    assert BackupRun.objects.count() == 0
    assert backup_daily(now=local(3)) == "made"
    assert backup_daily(now=local(23)) == "done-today"
    assert [p.name for p in (tmp_path / "daily").iterdir()] == ["xianfeng-20261202-030500"]
    assert BackupRun.objects.filter(status=BackupStatus.OK, trigger="daily").count() == 1


def test_daily_job_off_without_a_folder(settings):
    settings.BACKUP_DIR = ""
    assert backup_daily() == "off"


@transactional
def test_a_failed_daily_backup_tells_the_county_admins(county, tmp_path, settings):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    settings.BACKUP_DIR = str(blocker / "daily")
    settings.BACKUP_HOUR = 0
    superuser = UserFactory(username="root", name="超级管理员", is_superuser=True)
    assert backup_daily() == "failed"
    run = BackupRun.objects.get()
    assert (run.status, run.trigger) == (BackupStatus.FAILED, "daily")
    told = Notification.objects.filter(kind="ops.backup_failed")
    assert sorted(told.values_list("user__username", flat=True)) == sorted(
        [county.county_admin.username, superuser.username]
    )
    assert told.first().title == "每日备份失败"


@transactional
def test_a_day_of_failed_attempts_tells_the_admins_once_then_again_the_next_day(
    county, tmp_path, settings
):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    settings.BACKUP_DIR = str(blocker / "daily")
    settings.BACKUP_HOUR = 2
    assert [backup_daily(now=local(h)) for h in (3, 4, 5)] == ["failed"] * 3
    assert BackupRun.objects.filter(status=BackupStatus.FAILED).count() == 3  # each try kept
    told = Notification.objects.filter(kind="ops.backup_failed", user=county.county_admin)
    assert told.count() == 1
    assert "系统每小时会再试一次" in told.get().body
    assert backup_daily(now=local(3) + datetime.timedelta(days=1)) == "failed"
    assert told.count() == 2


@transactional
def test_an_overdue_backup_tells_the_admins_once_a_day(county, tmp_path, settings):
    settings.BACKUP_DIR = str(tmp_path / "daily")
    settings.BACKUP_HOUR = 2
    settings.BACKUP_OVERDUE_HOURS = 26
    # Yesterday's attempt died without a word (a killed worker): the last success is older.
    BackupRun.objects.create(
        started_at=local(3) - datetime.timedelta(hours=47),
        finished_at=local(3) - datetime.timedelta(hours=47),
        status=BackupStatus.OK,
        trigger="daily",
    )
    told = Notification.objects.filter(kind="ops.backup_overdue")
    assert backup_daily(now=local(1)) == "overdue"
    assert sorted(told.values_list("user__username", flat=True)) == [county.county_admin.username]
    notice = told.get()
    assert notice.title == "备份已逾期"
    assert "已经 45 小时没有新的备份" in notice.body
    assert backup_daily(now=local(1) + datetime.timedelta(minutes=50)) == "overdue"
    assert told.count() == 1  # once a day, not every hour


@transactional
def test_a_recent_backup_or_none_yet_is_not_overdue(county, tmp_path, settings):
    settings.BACKUP_DIR = str(tmp_path / "daily")
    settings.BACKUP_HOUR = 2
    assert backup_daily(now=local(1)) == "waiting"  # a new installation
    BackupRun.objects.create(
        started_at=local(1) - datetime.timedelta(hours=23),
        finished_at=local(1) - datetime.timedelta(hours=23),
        status=BackupStatus.OK,
    )
    assert backup_daily(now=local(1)) == "waiting"
    assert not Notification.objects.filter(kind__startswith="ops.").exists()
