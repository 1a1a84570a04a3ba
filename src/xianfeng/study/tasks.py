"""Background jobs of the study app (thin: call a service)."""

from __future__ import annotations

from django_tasks import task

from xianfeng.study.services.articles import articles_publish_due
from xianfeng.study.services.plans import reminders_send_due
from xianfeng.study.services.quizzes import attempts_submit_due


@task()
def submit_due_attempts() -> int:
    """Hand in every attempt whose deadline has passed (the server's clock decides)."""
    return attempts_submit_due()


@task()
def publish_due_articles() -> int:
    """Publish the scheduled articles whose time has come (定时发布)."""
    return articles_publish_due()


@task()
def send_study_reminders() -> int:
    """Remind the members of daily plans whose chosen time has come and who have not
    checked in today."""
    return reminders_send_due()
