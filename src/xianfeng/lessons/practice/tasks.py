"""Background jobs of the practice (thin: call a service)."""

from __future__ import annotations

from django_tasks import task

from xianfeng.lessons.practice.services import rota_remind_due


@task()
def send_rota_reminders() -> int:
    """Remind speakers whose rota turn is near."""
    return rota_remind_due()


@task()
def release_showcase_issues() -> int:
    """Release the 展播 issues whose scheduled time has come (第 N 期) and tell the audience."""
    from xianfeng.lessons.practice.channels import showcase_release_due

    return showcase_release_due()
