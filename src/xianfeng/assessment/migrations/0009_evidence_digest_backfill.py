"""Give the evidence uploaded before `digest` existed its SHA-256, as evidence_add computes
it (the file's bytes, the link, or the record reference), so that the same file or link
added again to such an item is caught as a duplicate like any other. Two old rows of one
item with the same content (duplicates from before) keep both: the first gets the digest,
the other stays blank (the unique constraint ignores blanks); nothing is deleted. A file
missing from storage stays blank."""

import hashlib

from django.db import migrations


def digest_of(row, storage):
    if row.record_kind and row.record_id:
        return hashlib.sha256(f"record:{row.record_kind}:{row.record_id}".encode()).hexdigest()
    if row.file:
        digest = hashlib.sha256()
        try:
            with storage.open(row.file.name, "rb") as handle:
                for chunk in iter(lambda: handle.read(1 << 16), b""):
                    digest.update(chunk)
        except (OSError, ValueError):
            return ""
        return digest.hexdigest()
    if row.link:
        return hashlib.sha256(f"link:{row.link}".encode()).hexdigest()
    return ""


def backfill(apps, schema_editor):
    Evidence = apps.get_model("assessment", "Evidence")
    storage = Evidence._meta.get_field("file").storage
    taken = set(Evidence.objects.exclude(digest="").values_list("line_id", "digest"))
    for row in Evidence.objects.filter(digest="").order_by("id").iterator():
        digest = digest_of(row, storage)
        if not digest or (row.line_id, digest) in taken:
            continue
        taken.add((row.line_id, digest))
        Evidence.objects.filter(pk=row.pk).update(digest=digest)


class Migration(migrations.Migration):
    dependencies = [("assessment", "0008_evidence_records")]

    # Backwards there is nothing to undo: 0007's reverse drops the column.
    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
