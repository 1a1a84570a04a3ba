"""Deleting what should not be kept: stale roster uploads, expired API tokens and
set-password links."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from xianfeng.people.enums import ImportStatus
from xianfeng.people.models import ApiToken, PasswordLink, RosterImport

PREVIEW_DAYS = 7
LINK_KEEP_DAYS = 30


def roster_previews_prune(*, days: int = PREVIEW_DAYS) -> int:
    """Previews not committed within `days`: the file (names and ID numbers) and the row go."""
    stale = RosterImport.objects.filter(
        status=ImportStatus.PREVIEWED, created_at__lt=timezone.now() - timedelta(days=days)
    )
    count = 0
    for batch in stale:
        with transaction.atomic():
            name = batch.file.name
            batch.delete()
            if name:
                transaction.on_commit(lambda n=name, s=batch.file.storage: s.delete(n))  # type: ignore[misc]
        count += 1
    return count


def api_tokens_prune() -> int:
    deleted, _ = ApiToken.objects.filter(expires_at__lt=timezone.now()).delete()
    return deleted


def password_links_prune(*, days: int = LINK_KEEP_DAYS) -> int:
    """Set-password links expired more than `days` ago (the audit log keeps their story)."""
    deleted, _ = PasswordLink.objects.filter(
        expires_at__lt=timezone.now() - timedelta(days=days)
    ).delete()
    return deleted
