from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.core.mail.backends.base import BaseEmailBackend

from tests.factories import UserFactory
from xianfeng.people.models import User

SECRET = "李西街的私事：低保复核结果"
LOCMEM = "django.core.mail.backends.locmem.EmailBackend"
REFUSING = "tests.notify.conftest.RefusingBackend"


class RefusingBackend(BaseEmailBackend):
    """A mail server that refuses every message, as a full mailbox does."""

    def send_messages(self, email_messages):
        import smtplib

        raise smtplib.SMTPException("550 邮箱已满")


@dataclass
class People:
    zhang: User
    li: User


@pytest.fixture
def people(db) -> People:
    return People(
        zhang=UserFactory(username="zhang", name="张东街"),
        li=UserFactory(username="li", name="李西街"),
    )


@pytest.fixture
def mail_server(settings):
    """A configured mail server (XF_EMAIL_URL set), backed by Django's locmem outbox."""
    settings.EMAIL_ENABLED = True
    settings.EMAIL_BACKEND = LOCMEM
    return settings
