"""Reads of the question bank: what a person manages, what a quiz may draw from."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from xianfeng.orgs import paths
from xianfeng.orgs.models import Org
from xianfeng.orgs.selectors import scope_q
from xianfeng.study.models import Question, QuestionImport
from xianfeng.study.rules import STUDY_MANAGE_ROLES


def questions_managed_by(user: Any) -> QuerySet[Question]:
    """Questions of the banks in the person's subtrees (书记、委员、管理员)."""
    if not getattr(user, "is_authenticated", False):
        return Question.objects.none()
    return Question.objects.filter(scope_q(user, STUDY_MANAGE_ROLES, field="org__path"))


def questions_usable_at(org: Org) -> QuerySet[Question]:
    """The active questions an org may use: its own bank and every bank above it."""
    return Question.objects.filter(org_id__in=paths.ids_in(org.path), is_active=True)


def question_search(
    base: QuerySet[Question], *, kind: str = "", text: str = "", tag: str = ""
) -> QuerySet[Question]:
    if kind:
        base = base.filter(kind=kind)
    if text:
        base = base.filter(Q(stem__icontains=text) | Q(explanation__icontains=text))
    if tag:
        base = base.filter(tags__icontains=f'"{tag}"')
    return base


def imports_visible_to(user: Any) -> QuerySet[QuestionImport]:
    if not getattr(user, "is_authenticated", False):
        return QuestionImport.objects.none()
    return QuestionImport.objects.filter(scope_q(user, STUDY_MANAGE_ROLES, field="org__path"))


def get_import_for_user(user: Any, pk: int) -> QuestionImport:
    batch = imports_visible_to(user).select_related("org").filter(pk=pk).first()
    if batch is None:
        raise Http404("找不到这次导入")
    return batch
