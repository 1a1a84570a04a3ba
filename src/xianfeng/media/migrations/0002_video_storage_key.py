# Each video's files move under a random folder name (videos/<storage_key>/<attempt>/).
# Videos processed before keep their files where they are: their key is their id, so the
# existing paths stay valid; they are served only through signed URLs like the new ones.

from django.db import migrations, models

import xianfeng.media.models


def keys_for_existing(apps, schema_editor):
    Video = apps.get_model("media", "Video")
    for pk in Video.objects.filter(storage_key__isnull=True).values_list("pk", flat=True):
        Video.objects.filter(pk=pk).update(storage_key=str(pk))


class Migration(migrations.Migration):
    dependencies = [("media", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="video",
            name="storage_key",
            field=models.CharField(
                editable=False, max_length=32, null=True, verbose_name="存储目录"
            ),
        ),
        migrations.RunPython(keys_for_existing, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="video",
            name="storage_key",
            field=models.CharField(
                default=xianfeng.media.models.new_storage_key,
                editable=False,
                max_length=32,
                unique=True,
                verbose_name="存储目录",
            ),
        ),
    ]
