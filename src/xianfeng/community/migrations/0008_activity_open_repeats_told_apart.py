"""Before the open-repeat constraint: open activities posted twice (same org, title, start
and poster, from before the dedupe) are told apart by a numbered title, so the
constraint can be created. Nothing is cancelled: either copy may hold sign-ups."""

from django.db import migrations
from django.db.models import Count

TITLE_MAX = 60


def tell_apart(apps, schema_editor):
    Activity = apps.get_model("community", "Activity")
    key = ("org_id", "title", "starts_at", "created_by_id")
    groups = (
        Activity.objects.filter(state="published")
        .values(*key)
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    for group in list(groups):
        rows = Activity.objects.filter(state="published", **{k: group[k] for k in key}).order_by(
            "id"
        )
        for i, activity in enumerate(list(rows)[1:], start=2):
            suffix = f"（{i}）"
            activity.title = activity.title[: TITLE_MAX - len(suffix)] + suffix
            activity.save(update_fields=["title"])


class Migration(migrations.Migration):
    dependencies = [("community", "0007_campaign_meeting")]

    operations = [migrations.RunPython(tell_apart, migrations.RunPython.noop)]
