"""Media and private files into a tar, and back.

A file being written while the backup runs cannot corrupt the archive: each file is opened,
its size taken from the open handle, and exactly that many bytes are archived (a file that
grows is cut at that size; one that shrinks is padded and listed as changed). Files are
written before the database row that names them commits, and the database is copied first,
so every file the restored database names is complete; one still being written was not yet
named by any row. Per-file SHA-256 sums go into a `*.sha256` listing beside the tar
(`sha256sum -c` reads it).
"""

from __future__ import annotations

import hashlib
import io
import os
import tarfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

CHUNK = 1024 * 1024


class HashingWriter(io.RawIOBase):
    """A write-only file that hashes and counts what passes through it."""

    def __init__(self, target: IO[bytes]) -> None:
        self.target = target
        self.sha = hashlib.sha256()
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        view = memoryview(data)
        self.sha.update(view)
        self.target.write(view)
        self.size += len(view)
        return len(view)


class ExactReader:
    """Reads `size` bytes of a file, hashing them; pads with zeros if the file shrank."""

    def __init__(self, handle: IO[bytes], size: int) -> None:
        self.handle = handle
        self.left = size
        self.sha = hashlib.sha256()
        self.short = False

    def read(self, n: int = -1) -> bytes:
        n = self.left if n < 0 else min(n, self.left)
        if n <= 0:
            return b""
        data = self.handle.read(n)
        if len(data) < n:
            self.short = True
            data += b"\x00" * (n - len(data))
        self.left -= len(data)
        self.sha.update(data)
        return data


@dataclass
class Archive:
    name: str
    files: int = 0
    bytes: int = 0
    sha256: str = ""
    size: int = 0
    changed: list[str] = field(default_factory=list)

    def as_manifest(self) -> dict[str, Any]:
        return {
            "archive": self.name,
            "files": self.files,
            "bytes": self.bytes,
            "size": self.size,
            "sha256": self.sha256,
            "changed_during_backup": self.changed,
        }


def walk(root: Path) -> list[Path]:
    """Regular files under root, sorted; links are not followed (nothing outside root)."""
    found = []
    for folder, dirs, names in os.walk(root):
        dirs.sort()
        for name in sorted(names):
            path = Path(folder) / name
            if path.is_file() and not path.is_symlink():
                found.append(path)
    return found


def archive_tree(root: Path, out_dir: Path, name: str) -> Archive:
    """Write root's files to out_dir/name.tar and out_dir/name.sha256."""
    archive = Archive(name=f"{name}.tar")
    listing = []
    with (out_dir / archive.name).open("wb") as raw:
        sink = HashingWriter(raw)
        with tarfile.open(fileobj=sink, mode="w|", format=tarfile.PAX_FORMAT) as tar:
            for path in walk(root) if root.is_dir() else []:
                rel = path.relative_to(root).as_posix()
                try:
                    handle = path.open("rb")
                except (FileNotFoundError, PermissionError):
                    continue  # deleted since the walk: nothing names it any more
                with handle:
                    info = tar.gettarinfo(arcname=rel, fileobj=handle)
                    info.uid = info.gid = 0
                    info.uname = info.gname = ""
                    reader = ExactReader(handle, info.size)
                    tar.addfile(info, reader)
                if reader.short:
                    archive.changed.append(rel)
                archive.files += 1
                archive.bytes += info.size
                listing.append(f"{reader.sha.hexdigest()}  {rel}\n")
        archive.sha256 = sink.sha.hexdigest()
        archive.size = sink.size
    (out_dir / f"{name}.sha256").write_text("".join(listing), encoding="utf-8")
    return archive


def sha256_of(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            sha.update(chunk)
    return sha.hexdigest()


def extract_tree(tar_path: Path, root: Path) -> int:
    """Unpack into root (created); the 'data' filter refuses paths outside root and links
    that leave it. Returns the number of files."""
    root.mkdir(parents=True, exist_ok=True)
    count = 0
    with tarfile.open(tar_path, mode="r:") as tar:
        for member in tar:
            tar.extract(member, root, filter="data")
            count += member.isfile()
    return count


def tree_is_empty(root: Path) -> bool:
    return not root.exists() or not any(p for p in root.rglob("*") if p.is_file())
