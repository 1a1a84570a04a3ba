"""Empty choices that say something: Django offers "---------" as the empty option of every
ModelChoiceField and of every model field with choices that may be blank. A person picking
from a list reads "请选择会议类型" ("（无）" where the field may stay empty); a filter reads
"全部".

Every form of the project derives from `Form` (or `FilterForm` for a list's filters) instead
of django's; `label_empty_choices` does the same for a form built elsewhere.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, cast

from django import forms
from django.db.models.fields import BLANK_CHOICE_DASH

DASHES = BLANK_CHOICE_DASH[0][1]  # "---------"
EMPTY_PICK = "请选择"
EMPTY_ALL = "全部"
EMPTY_NONE = "（无）"  # an optional field left empty
_NOTE = re.compile(r"（[^）]*）|\([^)]*\)")


def _label_for(field: forms.Field, empty: str) -> str:
    if empty != EMPTY_PICK:
        return empty
    if not field.required:
        return EMPTY_NONE
    # "发布组织（面向其下全体党员）" → "请选择发布组织": the note is for the label, not the list.
    label = _NOTE.sub("", str(field.label or "")).strip().rstrip("：:")
    return f"{EMPTY_PICK}{label}" if label else EMPTY_PICK


def label_empty_choices(form: Any, *, empty: str = EMPTY_PICK) -> Any:
    """Replace every "---------" empty choice of `form`'s fields; returns the form."""
    for field in form.fields.values():
        if isinstance(field, forms.ModelChoiceField) and not isinstance(
            field, forms.ModelMultipleChoiceField
        ):
            if field.empty_label == DASHES:
                field.empty_label = _label_for(field, empty)
        elif isinstance(field, forms.ChoiceField) and not isinstance(
            field, forms.MultipleChoiceField
        ):
            choices: list[Any] = list(cast(Iterable[Any], field.choices))
            if any(value == "" and label == DASHES for value, label in choices):
                field.choices = [
                    (value, _label_for(field, empty) if value == "" and label == DASHES else label)
                    for value, label in choices
                ]
    return form


class ChineseChoicesMixin:
    """A form whose empty choices read "请选择<字段名>" (or `empty_choice`)."""

    empty_choice = EMPTY_PICK

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        label_empty_choices(self, empty=self.empty_choice)

    def __getitem__(self, name: str) -> Any:
        # Again when rendered: a subclass's __init__ may set choices after ours ran.
        if not getattr(self, "_empty_choices_labelled", False):
            label_empty_choices(self, empty=self.empty_choice)
            self._empty_choices_labelled = True
        return super().__getitem__(name)  # type: ignore[misc]


class FilterChoicesMixin(ChineseChoicesMixin):
    """A filter form: the empty choice means no filter, "全部"."""

    empty_choice = EMPTY_ALL


class Form(ChineseChoicesMixin, forms.Form):
    """The project's form: empty choices read "请选择<字段名>"."""


class FilterForm(FilterChoicesMixin, forms.Form):
    """The project's filter form: the empty choice reads "全部"."""
