"""Backups of a whole installation (database, media, private files) and their restore.

A backup is a folder `xianfeng-YYYYMMDD-HHMMSS/`:

    manifest.json      versions, migration state, rows and a checksum per table, artefacts
    database.sqlite3   (SQLite) or database.pgdump (PostgreSQL, pg_dump custom format)
    media.tar          transcoded media (local storage only; S3: bucket versioning)
    media.sha256       one SHA-256 per file, as `sha256sum -c` reads it
    private.tar        private files (source videos, roster uploads, meeting scans)
    private.sha256

It is written as `.partial-…` and renamed when complete, so a half-written backup is never
taken for a good one.
"""
