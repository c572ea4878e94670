from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy

from ..models import CustomerSettings


class CustomerSettingsForm(forms.Form):
    """Raw fields: the service cleans and validates (the API gets the same answers)."""

    dormancy_days_a = forms.CharField(
        label=gettext_lazy("Tier A — dormant after (days)"),
        max_length=10,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    dormancy_days_b = forms.CharField(
        label=gettext_lazy("Tier B — dormant after (days)"),
        max_length=10,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    dormancy_days_c = forms.CharField(
        label=gettext_lazy("Tier C — dormant after (days)"),
        max_length=10,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    dormancy_days_other = forms.CharField(
        label=gettext_lazy("No tier — dormant after (days)"),
        max_length=10,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    duplicate_mode = forms.ChoiceField(
        label=gettext_lazy("Duplicate check"), choices=CustomerSettings.DuplicateMode.choices
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
