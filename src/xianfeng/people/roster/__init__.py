"""Reading a roster workbook (党员花名册, .xlsx) into member records.

Finds the header row under any title rows, maps the many ways rosters name a column to
one field, reads each cell the way Excel may have stored it (numbers, dates, serials,
full-width text), applies the per-row rules of checks.member_problems, resolves org names
inside the import's target subtree, and finds duplicates within the file and against the
registry. It reads the database (a few queries per file) and writes nothing:
services/roster.py stores and commits what it returns. Cells and their words live in
`cells`, the org names in `orgs`, the reading in `reader`, the template in `template`."""

from __future__ import annotations

from xianfeng.people.roster.cells import (
    ALIASES,
    COLUMNS,
    DATE_FIELDS,
    DB_CHUNK,
    EDUCATION_HINT,
    EDUCATIONS,
    EXTRA_PHYSICAL_ROWS,
    GENDERS,
    HEADER_SCAN_ROWS,
    LABELS,
    MAX_LENGTHS,
    MIN_KNOWN_HEADERS,
    MSG_ID_NUMBER_CELL,
    MSG_NO_HEADER,
    MSG_NOT_XLSX,
    MSG_OLD_XLS,
    NO,
    REQUIRED,
    STATUSES,
    YES,
    RosterUnreadable,
    normalize_header,
    read_date,
    read_id_number,
    read_phone,
)
from xianfeng.people.roster.orgs import (
    OrgIndex,
)
from xianfeng.people.roster.reader import (
    FIELD_COLUMN,
    RosterParse,
    RosterRow,
    read_roster,
)
from xianfeng.people.roster.template import (
    DATE_COLUMNS,
    EXAMPLE,
    TEXT_COLUMNS,
    roster_sample,
    roster_template,
)

__all__ = [
    "ALIASES",
    "COLUMNS",
    "DATE_COLUMNS",
    "DATE_FIELDS",
    "DB_CHUNK",
    "EDUCATIONS",
    "EDUCATION_HINT",
    "EXAMPLE",
    "EXTRA_PHYSICAL_ROWS",
    "FIELD_COLUMN",
    "GENDERS",
    "HEADER_SCAN_ROWS",
    "LABELS",
    "MAX_LENGTHS",
    "MIN_KNOWN_HEADERS",
    "MSG_ID_NUMBER_CELL",
    "MSG_NOT_XLSX",
    "MSG_NO_HEADER",
    "MSG_OLD_XLS",
    "NO",
    "REQUIRED",
    "STATUSES",
    "TEXT_COLUMNS",
    "YES",
    "OrgIndex",
    "RosterParse",
    "RosterRow",
    "RosterUnreadable",
    "normalize_header",
    "read_date",
    "read_id_number",
    "read_phone",
    "read_roster",
    "roster_sample",
    "roster_template",
]
