"""UI forms of the opportunity pages: they only collect raw values; pipelines/services.py cleans
and validates them (one set of rules with the API)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

CURRENCIES = ("CNY", "USD", "EUR", "HKD", "TWD", "JPY", "GBP", "SGD")


def _competitors(text: str) -> list[str]:
    """ "A, B，C、D" → ["A", "B", "C", "D"]: ASCII and full-width commas and the enumeration comma."""
    for sep in ("，", "、", ";", "；"):
        text = text.replace(sep, ",")
    return [part.strip() for part in text.split(",") if part.strip()]


class OpportunityForm(forms.Form):
    name = forms.CharField(label=_("Name"), required=False, max_length=2000)
    account = forms.CharField(label=_("Account"), required=False, max_length=40, widget=forms.HiddenInput)
    amount = forms.CharField(label=_("Amount"), required=False, max_length=100)
    currency = forms.ChoiceField(label=_("Currency"), required=False, choices=[(c, c) for c in CURRENCIES])
    pipeline = forms.ChoiceField(label=_("Pipeline"), required=False, choices=[])
    stage = forms.ChoiceField(label=_("Stage"), required=False, choices=[])
    expected_close = forms.CharField(
        label=_("Expected close date"),
        required=False,
        max_length=100,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    probability = forms.CharField(
        label=_("Probability (%)"),
        required=False,
        max_length=20,
        help_text=_("Leave empty to use the stage's probability."),
    )
    next_step = forms.CharField(label=_("Next step"), required=False, max_length=3000)
    competitors = forms.CharField(
        label=_("Competitors"), required=False, max_length=3000, help_text=_("Separate names with commas.")
    )
    description = forms.CharField(
        label=_("Description"), required=False, max_length=50000, widget=forms.Textarea(attrs={"rows": 4})
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, pipelines=(), stages=(), currencies=None, **kwargs):
        """`pipelines`: [(id, name)]; `stages`: Stage rows of those pipelines (the template groups
        them by pipeline and board.js shows the chosen pipeline's); `currencies`: the base
        currency and those with an exchange rate."""
        super().__init__(*args, **kwargs)
        if currencies:
            self.fields["currency"].choices = [(c, c) for c in currencies]
        self.fields["pipeline"].choices = [(str(pk), name) for pk, name in pipelines]
        self.fields["stage"].choices = [(str(s.pk), s.name) for s in stages]
        self.stage_rows = list(stages)

    def payload(self) -> dict:
        d = self.cleaned_data
        return {
            "name": d["name"],
            "account": d["account"] or None,
            "amount": d["amount"] or "0",
            "currency": d["currency"] or "CNY",
            "pipeline": d["pipeline"] or None,
            "stage": d["stage"] or None,
            "expected_close": d["expected_close"] or None,
            "probability": d["probability"] if d["probability"] != "" else None,
            "next_step": d["next_step"],
            "competitors": _competitors(d["competitors"]),
            "description": d["description"],
        }


class QuickEditForm(forms.Form):
    """The board's off-canvas: the fields people change while walking the pipeline."""

    amount = forms.CharField(label=_("Amount"), required=False, max_length=100)
    expected_close = forms.CharField(
        label=_("Expected close date"),
        required=False,
        max_length=100,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    probability = forms.CharField(label=_("Probability (%)"), required=False, max_length=20)
    next_step = forms.CharField(label=_("Next step"), required=False, max_length=3000)
    stage = forms.ChoiceField(label=_("Stage"), required=False, choices=[])
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, stages=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stage"].choices = [(str(s.pk), s.name) for s in stages]

    def payload(self) -> dict:
        d = self.cleaned_data
        return {
            "amount": d["amount"] or "0",
            "expected_close": d["expected_close"] or None,
            "probability": d["probability"] if d["probability"] != "" else None,
            "next_step": d["next_step"],
        }


class MoveForm(forms.Form):
    stage = forms.CharField(max_length=40)
    reason = forms.CharField(required=False, max_length=3000)
    version = forms.IntegerField(required=False)
