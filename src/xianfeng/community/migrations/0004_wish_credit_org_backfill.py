"""Credit the wishes claimed before `credit_org` existed: the org that claimed, or the
claimer's branch as it is now (the best record there is)."""

from django.db import migrations
from django.db.models import F


def backfill(apps, schema_editor):
    Wish = apps.get_model("community", "Wish")
    Member = apps.get_model("people", "Member")
    Wish.objects.filter(claimer_org__isnull=False, credit_org__isnull=True).update(
        credit_org_id=F("claimer_org_id")
    )
    personal = Wish.objects.filter(
        claimer__isnull=False, claimer_org__isnull=True, credit_org__isnull=True
    )
    branch_of = dict(
        Member.objects.filter(user_id__in=personal.values("claimer_id")).values_list(
            "user_id", "org_id"
        )
    )
    for wish_id, claimer_id in personal.values_list("pk", "claimer_id").iterator():
        org_id = branch_of.get(claimer_id)
        if org_id is not None:
            Wish.objects.filter(pk=wish_id).update(credit_org_id=org_id)


def clear(apps, schema_editor):
    apps.get_model("community", "Wish").objects.update(credit_org=None)


class Migration(migrations.Migration):
    dependencies = [
        ("community", "0003_wish_credit_org_and_wall_indexes"),
        ("people", "0001_initial"),
    ]

    operations = [migrations.RunPython(backfill, clear)]
