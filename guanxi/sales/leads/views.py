"""UI for leads: thin views over the same services and selectors as the API."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanxi.audit.selectors import history_for
from guanxi.core.errors import ApplicationError
from guanxi.core.htmx import errors_to_form, is_htmx
from guanxi.customers.models import Industry
from guanxi.org.models import Action
from guanxi.org.selectors import active_users
from guanxi.policies import access
from guanxi.records.history import visible_history

from ..models import Lead, LeadSource, LeadStatus
from . import conversion, selectors, services
from .forms import PROVINCES, ConvertForm, FollowupForm, LeadForm, LeadTransferForm, StatusForm

FILTERS = ("status", "source", "owner", "industry", "province", "city", "score_min")
EDIT_FIELDS = (
    "name",
    "company",
    "title",
    "mobile",
    "phone",
    "email",
    "wechat",
    "source",
    "industry",
    "province",
    "city",
    "description",
)


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _error_text(exc: ApplicationError) -> str:
    details = " ".join(m for msgs in exc.fields.values() for m in msgs)
    return f"{exc.message} {details}".strip() if details and details != str(exc.message) else str(exc.message)


@login_required
def lead_list(request):
    params = selectors.ListParams(
        q=request.GET.get("q", "")[:200],
        ordering=request.GET.get("ordering", "") or selectors.DEFAULT_ORDERING,
        cursor=request.GET.get("cursor") or None,
        limit=25,
        filters={k: request.GET.get(k, "") for k in FILTERS},
    )
    error = page = None
    try:
        page = selectors.lead_list(request.user, params)
    except ApplicationError as exc:
        error = exc
    query = request.GET.copy()
    query.pop("cursor", None)
    owners = access.owner_ids(request.user, "lead", Action.READ)
    users = active_users() if owners is None else active_users().filter(pk__in=owners)
    ctx = {
        "page": page,
        "error": error,
        "params": params,
        "filters": params.filters,
        "query": query.urlencode(),
        "statuses": LeadStatus.choices,
        "sources": LeadSource.choices,
        "industries": Industry.choices,
        "owners": users,
        "filtering": any(params.filters.values()) or bool(params.q),
        "can_create": access.scope_level(request.user, "lead", Action.CREATE) > 0,
        "orderings": [
            ("-updated_at", _("Recently updated")),
            ("-created_at", _("Newest")),
            ("-score", _("Highest score")),
            ("name", _("Name A–Z")),
        ],
    }
    template = (
        "sales/leads/lead_list.html#rows"
        if is_htmx(request) and request.GET.get("cursor")
        else "sales/leads/lead_list.html"
    )
    return render(request, template, ctx)


def _save_form(request, form, save, *, success: str):
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        lead = save(form)
    except ApplicationError as exc:
        errors_to_form(form, exc)
        return None
    messages.success(request, success)
    return redirect("lead_detail", pk=lead.pk)


@login_required
def lead_create(request):
    access.require(request.user, Action.CREATE, model=Lead)
    form = LeadForm(request.POST or None)
    done = _save_form(
        request,
        form,
        lambda f: services.lead_create(
            actor=request.user, data=f.payload(), route=bool(request.POST.get("route"))
        ),
        success=_("Lead created."),
    )
    return done or render(
        request, "sales/leads/lead_form.html", {"form": form, "lead": None, "provinces": PROVINCES}
    )


@login_required
def lead_edit(request, pk: int):
    lead = selectors.lead_get(request.user, pk, action=Action.UPDATE)
    if lead.status == LeadStatus.CONVERTED:
        messages.error(request, _("This lead has been converted; it is read-only."))
        return redirect("lead_detail", pk=pk)
    initial = {f: getattr(lead, f) for f in EDIT_FIELDS} | {"version": lead.version}
    form = LeadForm(request.POST or None, initial=initial)
    done = _save_form(
        request,
        form,
        lambda f: services.lead_update(
            actor=request.user, lead=lead, data=f.payload(), version=f.cleaned_data.get("version")
        ),
        success=_("Changes saved."),
    )
    return done or render(
        request, "sales/leads/lead_form.html", {"form": form, "lead": lead, "provinces": PROVINCES}
    )


def _pool_actions(request, lead):
    from guanxi.sales.pools.selectors import record_actions

    return record_actions(request.user, lead)


@login_required
def lead_detail(request, pk: int):
    lead = selectors.lead_get(request.user, pk)
    links = selectors.converted_links(request.user, [lead]).get(lead.pk)
    return render(
        request,
        "sales/leads/lead_detail.html",
        {
            "lead": lead,
            "converted": links,
            "activities": selectors.lead_activities(request.user, lead),
            "history": visible_history(request.user, Lead, history_for(lead)),
            "can_update": lead.status != LeadStatus.CONVERTED
            and access.can(request.user, Action.UPDATE, lead),
            "can_delete": access.can(request.user, Action.DELETE, lead),
            "can_transfer": access.can(request.user, Action.TRANSFER, lead),
            "can_log": access.scope_level(request.user, "activity", Action.CREATE) > 0,
            "followup_form": FollowupForm(),
            "statuses": [
                (v, label) for v, label in LeadStatus.choices if v not in (LeadStatus.CONVERTED, lead.status)
            ],
            "pool_actions": _pool_actions(request, lead),
        },
    )


@login_required
@require_POST
def lead_status(request, pk: int):
    lead = selectors.lead_get(request.user, pk, action=Action.UPDATE)
    form = StatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a status."))
        return redirect("lead_detail", pk=pk)
    try:
        services.lead_set_status(
            actor=request.user,
            lead=lead,
            status=form.cleaned_data["status"],
            reason=form.cleaned_data.get("reason", ""),
            version=form.cleaned_data.get("version"),
        )
    except ApplicationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _("Status changed to %(status)s.") % {"status": lead.get_status_display()})
    return redirect("lead_detail", pk=pk)


@login_required
@require_POST
def lead_followup(request, pk: int):
    from guanxi.engagement.followups.services import activity_create

    lead = selectors.lead_get(request.user, pk)
    form = FollowupForm(request.POST)
    if form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if v not in ("", None)}
        try:
            activity_create(actor=request.user, data={**data, "lead": lead})
        except ApplicationError as exc:
            messages.error(request, _error_text(exc))
        else:
            messages.success(request, _("Follow-up logged."))
    else:
        messages.error(request, _("Choose the kind of follow-up."))
    return redirect(reverse("lead_detail", args=[pk]) + "#followups")


@login_required
def lead_transfer(request, pk: int):
    lead = selectors.lead_get(request.user, pk, action=Action.TRANSFER)
    form = LeadTransferForm(request.POST or None, users=active_users())
    if request.method == "POST" and form.is_valid():
        try:
            services.lead_transfer(actor=request.user, lead=lead, owner=form.cleaned_data["owner"])
        except ApplicationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, _("Owner changed."))
            if access.scope(request.user, Lead).filter(pk=pk).exists():
                return redirect("lead_detail", pk=pk)
            return redirect("lead_list")
    return render(
        request,
        "customers/transfer_form.html",
        {"form": form, "record": lead, "cancel_url": reverse("lead_detail", args=[pk])},
    )


@login_required
@require_POST
def lead_delete(request, pk: int):
    lead = selectors.lead_get(request.user, pk, action=Action.DELETE)
    try:
        services.lead_delete(actor=request.user, lead=lead, version=_int(request.POST.get("version")))
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
        return redirect("lead_detail", pk=pk)
    messages.success(request, _("“%(name)s” moved to the recycle bin.") % {"name": str(lead)})
    return redirect("lead_list")


@login_required
def lead_recycle_bin(request):
    page = selectors.lead_list(
        request.user, selectors.ListParams(cursor=request.GET.get("cursor") or None, limit=50), deleted=True
    )
    return render(request, "sales/leads/lead_recycle_bin.html", {"page": page})


@login_required
@require_POST
def lead_restore(request, pk: int):
    lead = selectors.lead_get(request.user, pk, action=Action.DELETE, deleted=True)
    try:
        services.lead_restore(actor=request.user, lead=lead)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
        return redirect("lead_recycle_bin")
    messages.success(request, _("“%(name)s” restored.") % {"name": str(lead)})
    return redirect("lead_detail", pk=pk)


@login_required
def lead_convert(request, pk: int):
    lead = selectors.lead_get(request.user, pk, action=Action.UPDATE)
    if lead.status == LeadStatus.CONVERTED:
        messages.info(request, _("This lead has already been converted."))
        return redirect("lead_detail", pk=pk)
    form = ConvertForm(request.POST or None, initial={"opportunity_name": lead.company or lead.name})
    error = None
    if request.method == "POST" and form.is_valid():
        try:
            result = conversion.lead_convert(
                actor=request.user,
                lead=lead,
                account=form.cleaned_data["account"] or None,
                opportunity=form.opportunity(),
            )
        except ApplicationError as exc:
            error = exc
        else:
            messages.success(request, _("Lead converted."))
            del result
            return redirect("lead_detail", pk=pk)
    q = request.GET.get("q", "")[:200]
    return render(
        request,
        "sales/leads/lead_convert.html",
        {
            "lead": lead,
            "form": form,
            "error": error,
            "q": q,
            "account_name": conversion.account_data(lead)["name"],
            **selectors.convert_choices(request.user, lead, q=q),
        },
    )
