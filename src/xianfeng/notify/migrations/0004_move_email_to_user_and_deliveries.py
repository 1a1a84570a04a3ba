# The address notifications are e-mailed to moves from notify.Prefs.email to User.email,
# and each notification's e-mail outcome (emailed_at / email_error) becomes a Delivery row
# on the e-mail channel. The next migration drops the old columns; this one only copies,
# both ways, so nothing is lost in either direction.

from django.db import migrations

CHUNK = 1000


def forward(apps, schema_editor):
    User = apps.get_model("people", "User")
    Prefs = apps.get_model("notify", "Prefs")
    Notification = apps.get_model("notify", "Notification")
    Delivery = apps.get_model("notify", "Delivery")

    addresses = Prefs.objects.exclude(email="").values_list("user_id", "email").order_by("pk")
    batch = []
    for user_id, email in addresses.iterator(chunk_size=CHUNK):
        batch.append(User(pk=user_id, email=email))
        if len(batch) >= CHUNK:
            User.objects.bulk_update(batch, ["email"])
            batch = []
    if batch:
        User.objects.bulk_update(batch, ["email"])

    emailed = (
        Notification.objects.exclude(emailed_at__isnull=True, email_error="")
        .values_list("pk", "emailed_at", "email_error", "created_at")
        .order_by("pk")
    )
    rows = []
    for pk, emailed_at, error, created_at in emailed.iterator(chunk_size=CHUNK):
        sent = emailed_at is not None
        rows.append(
            Delivery(
                notification_id=pk,
                channel="email",
                state="sent" if sent else "failed",
                due_at=emailed_at if sent else created_at,
                sent_at=emailed_at,
                attempts=1,
                error="" if sent else error[:300],
            )
        )
        if len(rows) >= CHUNK:
            Delivery.objects.bulk_create(rows)
            rows = []
    if rows:
        Delivery.objects.bulk_create(rows)


def backward(apps, schema_editor):
    User = apps.get_model("people", "User")
    Prefs = apps.get_model("notify", "Prefs")
    Notification = apps.get_model("notify", "Notification")
    Delivery = apps.get_model("notify", "Delivery")

    for user_id, email in User.objects.exclude(email="").values_list("pk", "email").iterator():
        Prefs.objects.update_or_create(user_id=user_id, defaults={"email": email})

    outcomes = (
        Delivery.objects.filter(channel="email", state__in=["sent", "failed"])
        .values_list("notification_id", "state", "sent_at", "error")
        .order_by("pk")
    )
    rows = []
    for notification_id, state, sent_at, error in outcomes.iterator(chunk_size=CHUNK):
        sent = state == "sent"
        rows.append(
            Notification(
                pk=notification_id,
                emailed_at=sent_at if sent else None,
                email_error="" if sent else (error or "发送失败")[:200],
            )
        )
        if len(rows) >= CHUNK:
            Notification.objects.bulk_update(rows, ["emailed_at", "email_error"])
            rows = []
    if rows:
        Notification.objects.bulk_update(rows, ["emailed_at", "email_error"])
    # What went back onto the notifications leaves the delivery table, so going forward
    # again writes each row once.
    Delivery.objects.filter(channel="email", state__in=["sent", "failed"]).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("notify", "0003_deliveries_batches_org_policy"),
        ("people", "0003_user_email"),
        # That migration fills Prefs.email from meetings' old settings: it must run first.
        ("meetings", "0002_move_notices_to_notify"),
    ]

    operations = [
        migrations.RunPython(forward, backward),
    ]
