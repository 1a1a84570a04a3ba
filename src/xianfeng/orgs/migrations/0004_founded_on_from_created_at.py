# Orgs entered before 成立日期 existed: their founding date is the day their row was
# created (what compliance used until now), in the site's time zone.

from django.db import migrations
from django.utils import timezone


def forward(apps, schema_editor):
    Org = apps.get_model("orgs", "Org")
    tz = timezone.get_current_timezone()
    for pk, created_at in Org.objects.values_list("pk", "created_at").iterator():
        Org.objects.filter(pk=pk).update(founded_on=created_at.astimezone(tz).date())


class Migration(migrations.Migration):
    dependencies = [("orgs", "0003_org_founded_on")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
