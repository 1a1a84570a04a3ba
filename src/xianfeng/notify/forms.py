from __future__ import annotations

from django import forms


class PrefsForm(forms.Form):
    email = forms.EmailField(label="接收通知的邮箱", required=False)
