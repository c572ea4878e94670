"""The follow-up form only collects raw values; followups/services.py cleans and validates them."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..models import ActivityKind, Direction


class DateTimeLocal(forms.DateTimeInput):
    input_type = "datetime-local"

    def format_value(self, value):
        if hasattr(value, "strftime"):
            return (
                timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")
                if timezone.is_aware(value)
                else value.strftime("%Y-%m-%dT%H:%M")
            )
        return value


class FollowupForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"), choices=ActivityKind.choices, initial=ActivityKind.CALL, widget=forms.RadioSelect
    )
    direction = forms.ChoiceField(
        label=_("Direction"), required=False, choices=[("", "—"), *Direction.choices]
    )
    subject = forms.CharField(label=_("Subject"), required=False, max_length=2000)
    content = forms.CharField(
        label=_("What happened"), required=False, max_length=100000, widget=forms.Textarea(attrs={"rows": 3})
    )
    outcome = forms.CharField(label=_("Outcome"), required=False, max_length=2000)
    occurred_at = forms.CharField(
        label=_("When"), required=False, max_length=100, widget=DateTimeLocal, help_text=_("Empty: now.")
    )
    duration_minutes = forms.CharField(
        label=_("Duration (minutes)"),
        required=False,
        max_length=20,
        widget=forms.NumberInput(attrs={"min": 0, "max": 10080, "inputmode": "numeric"}),
    )
    next_contact_at = forms.CharField(
        label=_("Next contact"), required=False, max_length=100, widget=DateTimeLocal
    )
    account = forms.CharField(required=False, max_length=30, widget=forms.HiddenInput)
    contacts = forms.MultipleChoiceField(
        label=_("Contacts"), required=False, choices=[], widget=forms.CheckboxSelectMultiple
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)
    next = forms.CharField(required=False, max_length=500, widget=forms.HiddenInput)

    def __init__(self, *args, contact_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contacts"].choices = list(contact_choices)
        for name in ("subject", "content", "outcome", "occurred_at", "duration_minutes", "next_contact_at"):
            self.fields[name].widget.attrs["class"] = "form-control"
        self.fields["subject"].widget.attrs["data-gx-autofocus"] = ""

    def kind_options(self) -> list[dict]:
        """The kind buttons: one tap each, with an icon (the timeline's)."""
        from .timeline import ICONS

        current = str(self["kind"].value() or "")
        return [
            {"value": v, "label": label, "icon": ICONS.get(v, "bi-chat"), "checked": v == current}
            for v, label in ActivityKind.choices
        ]

    def payload(self, *, partial: bool = False) -> dict:
        data = {k: v for k, v in self.cleaned_data.items() if k not in ("version", "next")}
        data["contacts"] = list(data.get("contacts") or [])
        if not partial:
            for key in ("occurred_at", "duration_minutes", "next_contact_at", "account"):
                if data.get(key) in ("", None):
                    data.pop(key, None)
        else:
            data.pop("account", None)  # the edit form does not move a follow-up to another account
            for key in ("duration_minutes", "next_contact_at"):
                if data.get(key) == "":
                    data[key] = None
            if data.get("occurred_at") == "":
                data.pop("occurred_at")
        return data
