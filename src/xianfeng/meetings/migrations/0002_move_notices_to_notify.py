# Notices about meetings become notify's notifications, and the address they are e-mailed
# to moves from MeetingPrefs.email to notify.Prefs. The next migration drops the old
# table and column; this one only copies, both ways.

import re

from django.db import migrations

KIND_PREFIX = "meeting."
# The meeting page at the time of this migration (meetings:detail); a migration must not
# depend on today's URLconf.
MEETING_URL = "/meetings/{}/"
MEETING_URL_RE = re.compile(r"^/meetings/(\d+)/$")


def forward(apps, schema_editor):
    MeetingPrefs = apps.get_model("meetings", "MeetingPrefs")
    Notice = apps.get_model("meetings", "Notice")
    Notification = apps.get_model("notify", "Notification")
    Prefs = apps.get_model("notify", "Prefs")

    for user_id, email in MeetingPrefs.objects.exclude(email="").values_list("user_id", "email"):
        Prefs.objects.update_or_create(user_id=user_id, defaults={"email": email})

    notices = list(Notice.objects.order_by("pk"))
    rows = Notification.objects.bulk_create(
        [
            Notification(
                user_id=n.user_id,
                title=n.title,
                body=n.body,
                url=MEETING_URL.format(n.meeting_id) if n.meeting_id else "",
                kind=KIND_PREFIX + n.kind,
                read_at=n.read_at,
                emailed_at=n.emailed_at,
                email_error=n.email_error,
            )
            for n in notices
        ],
        batch_size=1000,
    )
    # created_at is auto_now_add, which bulk_create overwrites: put the original back.
    for row, notice in zip(rows, notices, strict=True):
        row.created_at = notice.created_at
    Notification.objects.bulk_update(rows, ["created_at"], batch_size=1000)


def backward(apps, schema_editor):
    Meeting = apps.get_model("meetings", "Meeting")
    MeetingPrefs = apps.get_model("meetings", "MeetingPrefs")
    Notice = apps.get_model("meetings", "Notice")
    Notification = apps.get_model("notify", "Notification")
    Prefs = apps.get_model("notify", "Prefs")

    for user_id, email in Prefs.objects.exclude(email="").values_list("user_id", "email"):
        MeetingPrefs.objects.update_or_create(user_id=user_id, defaults={"email": email})

    moved = list(Notification.objects.filter(kind__startswith=KIND_PREFIX).order_by("pk"))
    linked = {}
    for row in moved:
        match = MEETING_URL_RE.match(row.url)
        if match:
            linked[row.pk] = int(match.group(1))
    existing = set(Meeting.objects.filter(pk__in=set(linked.values())).values_list("pk", flat=True))
    notices = Notice.objects.bulk_create(
        [
            Notice(
                user_id=row.user_id,
                meeting_id=linked.get(row.pk) if linked.get(row.pk) in existing else None,
                kind=row.kind.removeprefix(KIND_PREFIX)[:16],
                title=row.title,
                body=row.body,
                read_at=row.read_at,
                emailed_at=row.emailed_at,
                email_error=row.email_error,
            )
            for row in moved
        ],
        batch_size=1000,
    )
    for notice, row in zip(notices, moved, strict=True):
        notice.created_at = row.created_at
    Notice.objects.bulk_update(notices, ["created_at"], batch_size=1000)
    Notification.objects.filter(pk__in=[row.pk for row in moved]).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("meetings", "0001_initial"),
        ("notify", "0002_notification_email_and_prefs"),
    ]

    operations = [
        migrations.RunPython(forward, backward),
    ]
