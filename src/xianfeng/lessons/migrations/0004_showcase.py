import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("lessons", "0003_default_tags"),
        ("orgs", "0002_role_links_and_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Showcase",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("title", models.CharField(max_length=100, verbose_name="名称")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="创建时间")),
                (
                    "created_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="创建人",
                    ),
                ),
                (
                    "org",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="showcases",
                        to="orgs.org",
                        verbose_name="组织",
                    ),
                ),
            ],
            options={"verbose_name": "展播", "verbose_name_plural": "展播", "ordering": ["-created_at", "-id"]},
        ),
        migrations.CreateModel(
            name="ShowcaseItem",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("position", models.PositiveIntegerField(verbose_name="顺序")),
                (
                    "lesson",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="showcase_items",
                        to="lessons.lesson",
                        verbose_name="微党课",
                    ),
                ),
                (
                    "showcase",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="items",
                        to="lessons.showcase",
                        verbose_name="展播",
                    ),
                ),
            ],
            options={"verbose_name": "展播课程", "verbose_name_plural": "展播课程", "ordering": ["showcase", "position"]},
        ),
        migrations.AddConstraint(
            model_name="showcase",
            constraint=models.UniqueConstraint(fields=("org", "title"), name="showcase_title_once"),
        ),
        migrations.AddConstraint(
            model_name="showcaseitem",
            constraint=models.UniqueConstraint(fields=("showcase", "lesson"), name="showcase_lesson_once"),
        ),
    ]
