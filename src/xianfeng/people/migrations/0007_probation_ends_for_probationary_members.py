"""预备期满日期 for the probationary members already on the registry: one year after the
day they joined (党章第七条), so probation reminders and 转正 checks have a date."""

import datetime

from django.db import migrations


def _plus_year(day):
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def forwards(apps, schema_editor):
    Member = apps.get_model("people", "Member")
    rows = list(
        Member.objects.filter(status="probationary", joined_on__isnull=False).only("joined_on")
    )
    for member in rows:
        member.probation_ends_on = _plus_year(member.joined_on)
    Member.objects.bulk_update(rows, ["probation_ends_on"], batch_size=500)


def backwards(apps, schema_editor):
    Member = apps.get_model("people", "Member")
    Member.objects.update(probation_ends_on=None)


class Migration(migrations.Migration):
    dependencies = [("people", "0006_member_history")]

    operations = [migrations.RunPython(forwards, backwards)]
