"""Administrators' screens for assignment rules (/admin/assignment-rules/): list in the order they
are tried, move up/down, create/edit. Thin: the rules live in assignment/services.py."""

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
from guanxi.customers.models import Industry
from guanxi.org.selectors import active_users
from guanxi.sales.models import AssignmentRule, LeadForm, LeadSource, Pool
from guanxi.sales.webforms import common as c

from . import services


class AssignmentRuleForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=1000)
    method = forms.ChoiceField(label=gettext_lazy("Method"), choices=AssignmentRule.Method.choices)
    users = forms.MultipleChoiceField(
        label=gettext_lazy("Users who share the leads"), required=False, widget=forms.CheckboxSelectMultiple
    )
    pool = forms.ChoiceField(
        label=gettext_lazy("Pool (the method “to a pool”, or when everyone is at capacity)"), required=False
    )
    capacity = forms.IntegerField(
        label=gettext_lazy("Open leads per user at most"), required=False, min_value=1, max_value=100_000
    )
    source = forms.MultipleChoiceField(
        label=gettext_lazy("When the source is"),
        required=False,
        choices=LeadSource.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    province = forms.CharField(
        label=gettext_lazy("When the province is (comma-separated)"), required=False, max_length=20000
    )
    city = forms.CharField(
        label=gettext_lazy("When the city is (comma-separated)"), required=False, max_length=20000
    )
    industry = forms.MultipleChoiceField(
        label=gettext_lazy("When the industry is"),
        required=False,
        choices=Industry.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    form = forms.MultipleChoiceField(
        label=gettext_lazy("When the lead comes from the web form"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    active = forms.BooleanField(label=gettext_lazy("Active"), required=False, initial=True)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["users"].choices = [(u.username, str(u)) for u in active_users()]
        pools = Pool.objects.filter(kind=Pool.Kind.LEAD, deleted_at__isnull=True).order_by("order", "id")
        self.fields["pool"].choices = [("", _("— none —")), *[(str(p.pk), p.name) for p in pools]]
        self.fields["form"].choices = [
            (str(f.pk), f.name) for f in LeadForm.objects.filter(deleted_at__isnull=True)
        ]

    def payload(self) -> dict:
        d = self.cleaned_data
        return {
            "name": d["name"],
            "method": d["method"],
            "users": d["users"],
            "active": d["active"],
            "pool": int(d["pool"]) if d.get("pool") else None,
            "capacity": d.get("capacity"),
            "conditions": {
                "source": d["source"],
                "province": d["province"],
                "city": d["city"],
                "industry": d["industry"],
                "form": [int(i) for i in d["form"]],
            },
        }


@login_required
def assignment_rule_list(request):
    c.require_admin(request.user)
    page = services.assignment_rule_list(request.user, limit=500)
    rules = []
    for rule in page.items:
        cond = rule.conditions or {}
        parts = [", ".join(cond.get(k) or []) for k in ("source", "province", "city", "industry")]
        rules.append(
            {
                "rule": rule,
                "conditions": " · ".join(p for p in parts if p)
                + (
                    f" · {_('web forms')} {', '.join(map(str, cond.get('form')))}" if cond.get("form") else ""
                ),
                "users": ", ".join(sorted(u.username for u in rule.users.all())),
            }
        )
    return render(request, "sales/assignment/list.html", {"rules": rules})


@login_required
def assignment_rule_edit(request, pk: int | None = None):
    c.require_admin(request.user)
    rule = services.assignment_rule_get(request.user, pk) if pk else None
    initial = {"active": True, "method": AssignmentRule.Method.ROUND_ROBIN}
    if rule:
        cond = rule.conditions or {}
        initial = {
            "name": rule.name,
            "method": rule.method,
            "users": [u.username for u in rule.users.all()],
            "pool": str(rule.pool_id or ""),
            "capacity": rule.capacity,
            "active": rule.active,
            "source": cond.get("source") or [],
            "province": ", ".join(cond.get("province") or []),
            "city": ", ".join(cond.get("city") or []),
            "industry": cond.get("industry") or [],
            "form": [str(i) for i in cond.get("form") or []],
            "version": rule.version,
        }
    form = AssignmentRuleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if rule:
                saved = services.assignment_rule_update(
                    actor=request.user,
                    rule=rule,
                    data=form.payload(),
                    version=form.cleaned_data.get("version"),
                )
            else:
                saved = services.assignment_rule_create(actor=request.user, data=form.payload())
        except ApplicationError as exc:
            fields: dict[str, list[str]] = {}
            for name, msgs in exc.fields.items():
                fields.setdefault(name.removeprefix("conditions."), []).extend(msgs)
            errors_to_form(form, ApplicationError(exc.message, fields=fields))
        else:
            messages.success(request, _("Assignment rule “%(name)s” saved.") % {"name": saved.name})
            return redirect("assignment_rule_list")
    return render(request, "sales/assignment/form.html", {"form": form, "edited": rule})


@login_required
@require_POST
def assignment_rule_delete(request, pk: int):
    c.require_admin(request.user)
    rule = services.assignment_rule_get(request.user, pk)
    try:
        services.assignment_rule_delete(
            actor=request.user, rule=rule, version=_int(request.POST.get("version"))
        )
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Assignment rule “%(name)s” deleted.") % {"name": rule.name})
    return redirect("assignment_rule_list")


@login_required
@require_POST
def assignment_rule_move(request, pk: int):
    """One place up or down in the order rules are tried."""
    c.require_admin(request.user)
    rule = services.assignment_rule_get(request.user, pk)
    ids = [r.pk for r in services.assignment_rule_list(request.user, limit=500).items]
    i = ids.index(rule.pk)
    j = i - 1 if request.POST.get("direction") == "up" else i + 1
    if 0 <= j < len(ids):
        ids[i], ids[j] = ids[j], ids[i]
        services.assignment_rule_reorder(actor=request.user, ids=ids)
    return redirect("assignment_rule_list")


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
