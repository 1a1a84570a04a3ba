"""The same activity open twice is one: a unique index over the open ones."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("community", "0008_activity_open_repeats_told_apart"),
        ("orgs", "0006_org_change_history"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="activity",
            constraint=models.UniqueConstraint(
                condition=models.Q(("state", "published")),
                fields=("org", "title", "starts_at", "created_by"),
                name="activity_one_open_repeat",
            ),
        ),
    ]
