"""Administrators' screens for pipelines (with their stages) and exchange rates. Thin: the rules
live in pipelines/services_admin.py and rates.py, shared with the API."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from guanxi.core.errors import ApplicationError
from guanxi.core.htmx import errors_to_form
from guanxi.org import rights

from ..models import Stage
from . import rates, selectors, services_admin


class PipelineForm(forms.Form):
    name_en = forms.CharField(label=gettext_lazy("Name (English)"), max_length=200)
    name_zh_hans = forms.CharField(
        label=gettext_lazy("Name (Simplified Chinese)"), max_length=200, required=False
    )
    name_zh_hant = forms.CharField(
        label=gettext_lazy("Name (Traditional Chinese)"), max_length=200, required=False
    )
    order = forms.IntegerField(label=gettext_lazy("Order"), min_value=0, max_value=10000, required=False)
    is_default = forms.BooleanField(label=gettext_lazy("Default pipeline"), required=False)
    active = forms.BooleanField(label=gettext_lazy("Active"), required=False, initial=True)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class StageForm(forms.Form):
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    name_en = forms.CharField(label=gettext_lazy("Name (English)"), max_length=200, required=False)
    name_zh_hans = forms.CharField(
        label=gettext_lazy("Name (Simplified Chinese)"), max_length=200, required=False
    )
    name_zh_hant = forms.CharField(
        label=gettext_lazy("Name (Traditional Chinese)"), max_length=200, required=False
    )
    type = forms.ChoiceField(label=gettext_lazy("Type"), choices=Stage.Type.choices)
    probability = forms.IntegerField(
        label=gettext_lazy("Probability (%)"), min_value=0, max_value=100, required=False
    )
    order = forms.IntegerField(label=gettext_lazy("Order"), min_value=0, max_value=10000, required=False)
    active = forms.BooleanField(label=gettext_lazy("Active"), required=False)
    remove = forms.BooleanField(label=gettext_lazy("Remove"), required=False)


StageFormSet = forms.formset_factory(
    StageForm, extra=2, max_num=services_admin.MAX_STAGES, absolute_max=services_admin.MAX_STAGES
)


def _stage_payload(formset) -> list[dict]:
    rows = []
    for index, f in enumerate(formset.forms):
        d = f.cleaned_data
        if not d or d.get("remove") or (not d.get("id") and not (d.get("name_en") or "").strip()):
            continue
        row = {
            "names": {"en": d["name_en"], "zh-hans": d["name_zh_hans"], "zh-hant": d["name_zh_hant"]},
            "type": d["type"],
            "probability": d.get("probability"),
            "order": d["order"] if d.get("order") is not None else (index + 1) * 10,
            "active": bool(d["active"]),
        }
        if d.get("id"):
            row["id"] = d["id"]
        rows.append(row)
    return rows


@login_required
def pipeline_admin_list(request):
    rights.require(request.user, "manage_pipelines")
    pipelines = selectors.pipeline_list(include_inactive=True)
    counts = selectors.open_deals_per_pipeline()
    return render(
        request,
        "sales/pipelines/admin_list.html",
        {
            "rows": [
                {"pipeline": p, "stages": list(p.stages.all()), "open": counts.get(p.pk, 0)}
                for p in pipelines
            ]
        },
    )


@login_required
def pipeline_admin_edit(request, pk: int | None = None):
    rights.require(request.user, "manage_pipelines")
    pipeline = selectors.pipeline_get(pk) if pk else None
    if pipeline:
        initial = {
            "name_en": pipeline.name_en,
            "name_zh_hans": pipeline.name_zh_hans,
            "name_zh_hant": pipeline.name_zh_hant,
            "order": pipeline.order,
            "is_default": pipeline.is_default,
            "active": pipeline.active,
            "version": pipeline.version,
        }
        stage_initial = [
            {
                "id": s.pk,
                "name_en": s.name_en,
                "name_zh_hans": s.name_zh_hans,
                "name_zh_hant": s.name_zh_hant,
                "type": s.type,
                "probability": s.probability,
                "order": s.order,
                "active": s.active,
            }
            for s in pipeline.stages.all()
        ]
    else:
        initial = {"active": True}
        stage_initial = [
            {"name_en": en, "type": kind, "probability": p, "order": (i + 1) * 10, "active": True}
            for i, (en, kind, p) in enumerate(
                [(_("Open"), "open", 20), (_("Won"), "won", 100), (_("Lost"), "lost", 0)]
            )
        ]
    form = PipelineForm(request.POST or None, initial=initial)
    formset = StageFormSet(request.POST or None, initial=stage_initial, prefix="stages")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        d = form.cleaned_data
        data = {
            "names": {"en": d["name_en"], "zh-hans": d["name_zh_hans"], "zh-hant": d["name_zh_hant"]},
            "is_default": d["is_default"],
            "active": d["active"],
            "stages": _stage_payload(formset),
        }
        if d.get("order") is not None:
            data["order"] = d["order"]
        try:
            if pipeline:
                saved = services_admin.pipeline_update(
                    actor=request.user, pipeline=pipeline, data=data, version=d.get("version")
                )
            else:
                saved = services_admin.pipeline_create(actor=request.user, data=data)
        except ApplicationError as exc:
            errors_to_form(
                form,
                ApplicationError(exc.message, fields={k: v for k, v in exc.fields.items() if k != "stages"}),
            )
            for message in exc.fields.get("stages", []):
                form.add_error(None, message)
        else:
            messages.success(request, _("Pipeline “%(name)s” saved.") % {"name": saved.name})
            return redirect(reverse("pipeline_admin_list"))
    stages_with_deals = []
    if pipeline:
        held = selectors.deals_per_stage(pipeline)
        stages_with_deals = [
            {
                "stage": s,
                "deals": held.get(s.pk, 0),
                "targets": [
                    t for t in pipeline.stages.all() if t.pk != s.pk and t.type == s.type and t.active
                ],
            }
            for s in pipeline.stages.all()
            if held.get(s.pk)
        ]
    return render(
        request,
        "sales/pipelines/admin_form.html",
        {"form": form, "formset": formset, "edited": pipeline, "stages_with_deals": stages_with_deals},
    )


@login_required
@require_POST
def pipeline_admin_delete(request, pk: int):
    rights.require(request.user, "manage_pipelines")
    pipeline = selectors.pipeline_get(pk)
    try:
        services_admin.pipeline_delete(
            actor=request.user, pipeline=pipeline, version=_int(request.POST.get("version"))
        )
    except ApplicationError as exc:
        messages.error(request, " ".join([str(exc.message), *[m for ms in exc.fields.values() for m in ms]]))
    else:
        messages.success(request, _("Pipeline “%(name)s” deleted.") % {"name": pipeline.name})
    return redirect(reverse("pipeline_admin_list"))


@login_required
@require_POST
def stage_admin_delete(request, pk: int, stage_pk: int):
    """Remove a stage that holds deals, moving them to another stage of the same type first."""
    rights.require(request.user, "manage_pipelines")
    stage = selectors.stage_get(stage_pk)
    if stage.pipeline_id != pk:
        from guanxi.core.errors import NotFound

        raise NotFound()
    try:
        services_admin.stage_delete(
            actor=request.user, stage=stage, move_to=request.POST.get("move_to") or None
        )
    except ApplicationError as exc:
        messages.error(request, " ".join([str(exc.message), *[m for ms in exc.fields.values() for m in ms]]))
    else:
        messages.success(
            request, _("Stage “%(name)s” removed; its opportunities were moved.") % {"name": stage.name}
        )
    return redirect(reverse("pipeline_admin_edit", args=[pk]))


class RateForm(forms.Form):
    currency = forms.CharField(
        label=gettext_lazy("Currency"), max_length=10, help_text=gettext_lazy("Three letters, such as USD.")
    )
    rate = forms.CharField(
        label=gettext_lazy("Rate"),
        max_length=40,
        help_text=gettext_lazy("How much one unit is worth in the base currency."),
    )


@login_required
def exchange_rate_admin(request):
    rights.require(request.user, "manage_exchange_rates")
    form = RateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            row = rates.rate_set(
                actor=request.user, currency=form.cleaned_data["currency"], rate=form.cleaned_data["rate"]
            )
        except ApplicationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, _("Exchange rate for %(currency)s saved.") % {"currency": row.currency})
            return redirect(reverse("exchange_rate_admin"))
    return render(
        request,
        "sales/pipelines/admin_rates.html",
        {"form": form, "rates": rates.rates(), "base": rates.base_currency()},
    )


@login_required
@require_POST
def exchange_rate_admin_delete(request, currency: str):
    rights.require(request.user, "manage_exchange_rates")
    try:
        rates.rate_delete(actor=request.user, currency=currency)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Exchange rate for %(currency)s removed.") % {"currency": currency})
    return redirect(reverse("exchange_rate_admin"))


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
