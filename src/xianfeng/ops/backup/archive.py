"""Make a backup folder and restore one: the pieces put together, with the manifest."""

from __future__ import annotations

import datetime
import json
import logging
import platform
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import django
from django.utils import timezone

from xianfeng.ops.backup.database import (
    BackupError,
    Target,
    backup_database,
    installation_has_data,
    restore_database,
)
from xianfeng.ops.backup.files import archive_tree, extract_tree, sha256_of, tree_is_empty
from xianfeng.ops.backup.tables import differences

log = logging.getLogger(__name__)
FORMAT = 1
PREFIX = "xianfeng-"
STAMP = "%Y%m%d-%H%M%S"


@dataclass(frozen=True)
class Roots:
    """Where the files live: local folders, or None for a storage kept elsewhere (S3)."""

    media: Path | None
    private: Path | None

    def items(self) -> list[tuple[str, Path | None]]:
        return [("media", self.media), ("private", self.private)]


@dataclass
class Made:
    path: Path
    manifest: dict[str, Any]
    seconds: float

    @property
    def size(self) -> int:
        return sum(p.stat().st_size for p in self.path.iterdir() if p.is_file())


def app_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("xianfeng")
    except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "0"


def make_backup(
    *, target: Target, roots: Roots, output: Path, now: datetime.datetime | None = None
) -> Made:
    """Back up the database then the files into a new folder under `output`."""
    started = time.monotonic()
    now = now or timezone.now()
    name = PREFIX + timezone.localtime(now).strftime(STAMP)
    output.mkdir(parents=True, exist_ok=True)
    final = output / name
    if final.exists():
        raise BackupError(f"备份目录已存在：{final}")
    partial = output / f".partial-{name}"
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir()
    try:
        # The database first: every file it names was complete before its row committed.
        copy = backup_database(target, partial)
        files: dict[str, Any] = {}
        for label, root in roots.items():
            if root is None:
                files[label] = {"storage": "s3", "archive": None}
                continue
            archive = archive_tree(root, partial, label)
            files[label] = {"storage": "local", **archive.as_manifest()}
        manifest = {
            "format": FORMAT,
            "created_at": now.isoformat(),
            "app_version": app_version(),
            "django_version": django.get_version(),
            "python_version": platform.python_version(),
            "host": platform.node(),
            "database": {
                "vendor": target.vendor,
                "server_version": copy.server_version,
                "file": copy.file,
                "size": (partial / copy.file).stat().st_size,
                "sha256": sha256_of(partial / copy.file),
            },
            "migrations": copy.migrations,
            "tables": copy.tables,
            "files": files,
        }
        (partial / "manifest.json").write_text(
            json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8"
        )
        partial.rename(final)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return Made(final, manifest, time.monotonic() - started)


# --- restore --------------------------------------------------------------------------------
def read_manifest(folder: Path) -> dict[str, Any]:
    path = folder / "manifest.json"
    if not folder.is_dir():
        raise BackupError(f"备份目录不存在：{folder}")
    if not path.exists():
        raise BackupError(f"{folder} 中没有 manifest.json：这不是一个完整的备份，拒绝恢复")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise BackupError(f"备份清单 manifest.json 已损坏（{exc}），拒绝恢复") from exc
    if not isinstance(manifest, dict) or "database" not in manifest or "tables" not in manifest:
        raise BackupError("备份清单 manifest.json 不完整，拒绝恢复")
    if int(manifest.get("format", 0)) > FORMAT:
        raise BackupError("这个备份由更新版本的先锋生成，请先升级程序再恢复")
    return manifest


def verify_artefacts(folder: Path, manifest: dict[str, Any]) -> None:
    """Every file the manifest names is there with its size and SHA-256, or refuse."""
    wanted = [(manifest["database"]["file"], manifest["database"])]
    for entry in manifest["files"].values():
        if entry.get("archive"):
            wanted.append((entry["archive"], entry))
    for name, entry in wanted:
        path = folder / name
        if not path.exists():
            raise BackupError(f"备份已损坏：缺少文件 {name}，拒绝恢复")
        size = path.stat().st_size
        if size != entry["size"]:
            raise BackupError(
                f"备份已损坏：{name} 应为 {entry['size']} 字节，实为 {size} 字节，拒绝恢复"
            )
        digest = sha256_of(path)
        if digest != entry["sha256"]:
            raise BackupError(
                f"备份已损坏：{name} 的校验和不符（应为 {entry['sha256'][:16]}…，"
                f"实为 {digest[:16]}…），拒绝恢复"
            )


def unknown_migrations(manifest: dict[str, Any]) -> list[str]:
    """Migrations the backup's database has that this program does not know: the backup
    comes from a newer release."""
    from django.db.migrations.loader import MigrationLoader

    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    return [
        f"{app}.{name}"
        for app, names in sorted(manifest.get("migrations", {}).items())
        for name in names
        if (app, name) not in known
    ]


@dataclass
class Restored:
    tables: int
    rows: int
    files: dict[str, int]


def restore_backup(*, folder: Path, target: Target, roots: Roots) -> Restored:
    """Check the backup, refuse what cannot be restored safely, then restore it.

    The caller runs the migrations afterwards (an older backup is brought up to date)."""
    manifest = read_manifest(folder)
    vendor = manifest["database"]["vendor"]
    if vendor != target.vendor:
        names = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
        raise BackupError(
            f"这是 {names.get(vendor, vendor)} 的备份，不能恢复到 "
            f"{names.get(target.vendor, target.vendor)}；请用同类数据库恢复"
        )
    newer = unknown_migrations(manifest)
    if newer:
        shown = "、".join(newer[:5]) + ("等" if len(newer) > 5 else "")
        raise BackupError(
            f"备份来自更新版本的数据库结构（本程序不认识迁移 {shown}），请先升级程序再恢复"
        )
    verify_artefacts(folder, manifest)
    if installation_has_data(target):
        raise BackupError(
            f"目标数据库（{target.describe()}）中已有党组织或用户：只能恢复到空的安装，"
            "请换一个空数据库，或先移走现有数据库"
        )
    for label, root in roots.items():
        entry = manifest["files"].get(label, {})
        if root is not None and entry.get("archive") and not tree_is_empty(root):
            raise BackupError(f"{label} 文件目录 {root} 不是空的：只能恢复到空的安装")
    stats = restore_database(target, folder / manifest["database"]["file"])
    wrong = differences(manifest["tables"], stats)
    if wrong:
        raise BackupError("恢复后的数据与备份清单不符：\n" + "\n".join(wrong[:20]))
    counts = {}
    for label, root in roots.items():
        entry = manifest["files"].get(label, {})
        if root is None or not entry.get("archive"):
            counts[label] = 0
            continue
        counts[label] = extract_tree(folder / entry["archive"], root)
        if counts[label] != entry["files"]:
            raise BackupError(
                f"{label} 文件恢复了 {counts[label]} 个，清单记载 {entry['files']} 个"
            )
    return Restored(tables=len(stats), rows=sum(t["rows"] for t in stats.values()), files=counts)


# --- retention ------------------------------------------------------------------------------
def backup_time(path: Path) -> datetime.datetime | None:
    """The local time in a backup folder's name, for complete backups only."""
    if not path.name.startswith(PREFIX) or not (path / "manifest.json").exists():
        return None
    try:
        return datetime.datetime.strptime(path.name[len(PREFIX) :], STAMP)
    except ValueError:
        return None


def complete_backups(output: Path) -> list[tuple[datetime.datetime, Path]]:
    if not output.is_dir():
        return []
    found = [(when, p) for p in output.iterdir() if p.is_dir() and (when := backup_time(p))]
    return sorted(found)


def to_keep(stamps: list[datetime.datetime], *, daily: int, monthly: int) -> set[datetime.datetime]:
    """The newest backup of each of the last `daily` days that have one, and the newest of
    each of the last `monthly` months that have one."""
    keep: set[datetime.datetime] = set()
    newest_per_day: dict[datetime.date, datetime.datetime] = {}
    newest_per_month: dict[tuple[int, int], datetime.datetime] = {}
    for stamp in stamps:
        day = stamp.date()
        newest_per_day[day] = max(stamp, newest_per_day.get(day, stamp))
        month = (stamp.year, stamp.month)
        newest_per_month[month] = max(stamp, newest_per_month.get(month, stamp))
    keep.update(sorted(newest_per_day.values())[-daily:] if daily else [])
    keep.update(sorted(newest_per_month.values())[-monthly:] if monthly else [])
    return keep


def prune(output: Path, *, daily: int, monthly: int) -> list[Path]:
    """Delete the complete backups that retention does not keep, and partial ones left by
    a crash more than a day ago; return what was deleted."""
    backups = complete_backups(output)
    keep = to_keep([when for when, _ in backups], daily=daily, monthly=monthly)
    removed = [path for when, path in backups if when not in keep]
    cutoff = time.time() - 24 * 3600
    if output.is_dir():
        removed += [
            p
            for p in output.iterdir()
            if p.name.startswith(".partial-") and p.stat().st_mtime < cutoff
        ]
    for path in removed:
        shutil.rmtree(path, ignore_errors=True)
        log.info("backup %s removed by retention", path.name)
    return removed
