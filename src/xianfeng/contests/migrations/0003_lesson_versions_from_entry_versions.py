"""Each lesson's 打磨 versions (lessons.LessonVersion) from the contest entry versions
already made: per lesson, its videos in the order the entries' versions were submitted."""

from django.db import migrations


def forwards(apps, schema_editor):
    EntryVersion = apps.get_model("contests", "EntryVersion")
    LessonVersion = apps.get_model("lessons", "LessonVersion")
    seen: dict[int, list[int]] = {}
    rows = EntryVersion.objects.order_by("created_at", "id").values_list(
        "entry__lesson_id", "video_id", "note", "created_at"
    )
    for lesson_id, video_id, note, _created in rows.iterator():
        videos = seen.setdefault(lesson_id, [])
        if video_id in videos:
            continue
        videos.append(video_id)
        LessonVersion.objects.get_or_create(
            lesson_id=lesson_id,
            video_id=video_id,
            defaults={"number": len(videos), "note": (note or "")[:200]},
        )


def backwards(apps, schema_editor):
    apps.get_model("lessons", "LessonVersion").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("contests", "0002_on_stage_rounds"),
        ("lessons", "0014_lesson_versions_tour_stop_version"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
