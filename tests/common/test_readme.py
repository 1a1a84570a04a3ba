"""The README's settings table names every XF_ variable the code reads, and nothing else."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VAR = re.compile(r"\bXF_[A-Z0-9_]+\b")
ROW = re.compile(r"^\| `(XF_[A-Z0-9_]+)`(?: / `(XF_[A-Z0-9_]+)`)?", re.M)


def used_variables() -> set[str]:
    found: set[str] = set()
    sources = [
        *ROOT.glob("src/**/*.py"),
        *ROOT.glob("scripts/*"),
        ROOT / "tests/browser/conftest.py",
    ]
    sources += [ROOT / "tests/common/test_tasks.py", ROOT / "tests/api/test_fuzz.py"]
    sources += [ROOT / "tests/dbtemplate.py"]  # XF_TEST_DB_TEMPLATE
    sources += [ROOT / "Makefile"]
    for path in sources:
        if path.is_file():
            found |= set(VAR.findall(path.read_text(encoding="utf-8")))
    return {name.removesuffix("_FILE") for name in found}


def documented_variables() -> set[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    names: set[str] = set()
    for match in ROW.finditer(text):
        names |= {n.removesuffix("_FILE") for n in match.groups() if n}
    return names


def test_every_setting_is_documented():
    assert used_variables() - documented_variables() == set()


def test_no_documented_setting_is_stale():
    assert documented_variables() - used_variables() == set()
