"""Administrators' screens for lead scoring rules (/admin/scoring-rules/). Thin: the rules live
in scoring/services.py, shared with the API."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from guanxi.core.errors import ApplicationError
from guanxi.core.htmx import errors_to_form
from guanxi.org import rights
from guanxi.sales.models import ScoringRule

from . import services


class ScoringRuleForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=1000,
        help_text=gettext_lazy("Shown as the reason on the lead, e.g. Manufacturing."),
    )
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=ScoringRule.Kind.choices)
    field = forms.ChoiceField(label=gettext_lazy("Field (field rules)"), required=False)
    operator = forms.ChoiceField(label=gettext_lazy("Condition"), choices=ScoringRule.Operator.choices)
    value = forms.CharField(
        label=gettext_lazy("Value"),
        max_length=20000,
        required=False,
        help_text=gettext_lazy(
            "Text for “is” and “contains”; values separated by commas for "
            "“is one of”; the number N for activity rules."
        ),
    )
    points = forms.IntegerField(label=gettext_lazy("Points"), min_value=-1000, max_value=1000)
    active = forms.BooleanField(label=gettext_lazy("Active"), required=False, initial=True)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["field"].choices = [("", "—"), *[(k, v) for k, v in services.SCORABLE_FIELDS.items()]]

    def payload(self) -> dict:
        d = self.cleaned_data
        value = d["value"]
        if d["operator"] == ScoringRule.Operator.IN:
            value = [v for v in value.replace("，", ",").split(",")]
        return {
            "name": d["name"],
            "kind": d["kind"],
            "field": d["field"] if d["kind"] == "field" else "",
            "operator": d["operator"],
            "value": value,
            "points": d["points"],
            "active": d["active"],
        }


@login_required
def scoring_rule_list(request):
    rights.require(request.user, "manage_scoring_rules")
    page = services.scoring_rule_list(request.user, limit=500)
    rules = [{"rule": r, "description": services.describe(r)} for r in page.items]
    return render(request, "sales/scoring/list.html", {"rules": rules})


@login_required
def scoring_rule_edit(request, pk: int | None = None):
    rights.require(request.user, "manage_scoring_rules")
    rule = services.scoring_rule_get(request.user, pk) if pk else None
    initial = {"active": True, "kind": "field", "operator": "equals"}
    if rule:
        initial = {
            "name": rule.name,
            "kind": rule.kind,
            "field": rule.field,
            "operator": rule.operator,
            "value": ", ".join(rule.value) if isinstance(rule.value, list) else rule.value,
            "points": rule.points,
            "active": rule.active,
            "version": rule.version,
        }
    form = ScoringRuleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if rule:
                saved = services.scoring_rule_update(
                    actor=request.user,
                    rule=rule,
                    data=form.payload(),
                    version=form.cleaned_data.get("version"),
                )
            else:
                saved = services.scoring_rule_create(actor=request.user, data=form.payload())
        except ApplicationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(
                request,
                _("Scoring rule “%(name)s” saved; open leads are being rescored.") % {"name": saved.name},
            )
            return redirect("scoring_rule_list")
    return render(request, "sales/scoring/form.html", {"form": form, "edited": rule})


@login_required
@require_POST
def scoring_rule_delete(request, pk: int):
    rights.require(request.user, "manage_scoring_rules")
    rule = services.scoring_rule_get(request.user, pk)
    try:
        services.scoring_rule_delete(actor=request.user, rule=rule, version=_int(request.POST.get("version")))
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Scoring rule “%(name)s” deleted.") % {"name": rule.name})
    return redirect("scoring_rule_list")


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
