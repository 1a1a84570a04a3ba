"""The topic tags every county starts with (党章党规, 党史, 先进事迹 …)."""

from django.db import migrations

TAGS = [
    ("dangzhang", "党章党规"),
    ("dangshi", "党史"),
    ("xianjin", "先进事迹"),
    ("zhengce", "政策理论"),
    ("anquan", "安全生产"),
    ("xiangcun", "乡村振兴"),
    ("lianjie", "廉洁文化"),
    ("fuwu", "为民服务"),
]


def add(apps, schema_editor):
    Tag = apps.get_model("lessons", "Tag")
    for order, (slug, name) in enumerate(TAGS):
        Tag.objects.get_or_create(slug=slug, defaults={"name": name, "sort_order": order})


def remove(apps, schema_editor):
    apps.get_model("lessons", "Tag").objects.filter(slug__in=[s for s, _ in TAGS]).delete()


class Migration(migrations.Migration):
    dependencies = [("lessons", "0002_search_index")]
    operations = [migrations.RunPython(add, remove)]
