"""Batches committed before rollbacks worked from RosterChange rows: one "created" row for
each member they created, so rolling them back still undoes exactly them."""

from django.db import migrations


def forwards(apps, schema_editor):
    Member = apps.get_model("people", "Member")
    RosterChange = apps.get_model("people", "RosterChange")
    rows = [
        RosterChange(batch_id=batch_id, kind="created", user_id=user_id, member_id=pk)
        for pk, user_id, batch_id in Member.objects.filter(
            import_batch__status="committed"
        ).values_list("pk", "user_id", "import_batch_id")
    ]
    RosterChange.objects.bulk_create(rows, batch_size=500)


def backwards(apps, schema_editor):
    RosterChange = apps.get_model("people", "RosterChange")
    RosterChange.objects.filter(kind="created").delete()


class Migration(migrations.Migration):
    dependencies = [("people", "0004_roster_updates_and_changes")]

    operations = [migrations.RunPython(forwards, backwards)]
