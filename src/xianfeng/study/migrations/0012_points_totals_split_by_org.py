"""Rebuild the week, month and year totals from the ledger, one row per org the points
were earned at (each ledger row carries its org): before 0011 a person's period had one
row, at the org of their latest earning, so a transfer moved the whole period there."""

import datetime
from collections import defaultdict

from django.db import migrations
from django.db.models import Sum


def _starts(day):
    return {
        "week": day - datetime.timedelta(days=day.weekday()),
        "month": day.replace(day=1),
        "year": day.replace(month=1, day=1),
    }


def rebuild(apps, schema_editor):
    PointsEntry = apps.get_model("study", "PointsEntry")
    PointsTotal = apps.get_model("study", "PointsTotal")
    totals = defaultdict(int)
    # Summed by (user, org, day) in the database: far fewer rows than the ledger.
    for user_id, org_id, day, points in (
        PointsEntry.objects.values_list("user_id", "org_id", "day")
        .annotate(s=Sum("points"))
        .values_list("user_id", "org_id", "day", "s")
        .iterator(chunk_size=5000)
    ):
        for period, start in _starts(day).items():
            totals[(user_id, org_id, period, start)] += points or 0
    PointsTotal.objects.all().delete()
    PointsTotal.objects.bulk_create(
        (
            PointsTotal(user_id=u, org_id=o, period=p, start=s, points=n)
            for (u, o, p, s), n in totals.items()
        ),
        batch_size=2000,
    )


class Migration(migrations.Migration):
    dependencies = [("study", "0011_points_total_per_org")]

    # Backwards the split rows stay: 0011's reverse then finds duplicates only for people
    # who earned at two orgs in one period, which is what it could not represent.
    operations = [migrations.RunPython(rebuild, migrations.RunPython.noop)]
