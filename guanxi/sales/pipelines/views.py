"""UI of opportunities (商机): the list, the detail page, the form (the kanban board is views_board.py).

Thin views over pipelines/services.py (writes) and pipelines/selectors.py (reads)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from guanxi.audit.selectors import history_for
from guanxi.core.errors import ApplicationError, VersionConflict
from guanxi.core.htmx import errors_to_form, is_htmx
from guanxi.customers.directory.forms import TransferForm
from guanxi.customers.models import Account, Contact, ContactRole
from guanxi.org.models import Action
from guanxi.org.selectors import active_users
from guanxi.policies import access
from guanxi.records.history import visible_history
from guanxi.records.sharing import collaborators_of

from ..models import Opportunity, Stage
from . import board as board_model
from . import selectors, services
from .forms import OpportunityForm

ACCOUNT_SEARCH_LIMIT = 20
LIST_FILTERS = (
    "pipeline",
    "stage",
    "stage_type",
    "owner",
    "account",
    "expected_close_after",
    "expected_close_before",
    "amount_min",
    "amount_max",
)


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def error_text(exc: ApplicationError) -> str:
    parts = [m for msgs in exc.fields.values() for m in msgs]
    return " ".join(parts) if parts else str(exc.message)


def duration_text(seconds) -> str:
    """How long a deal sat in a stage: "3 days", "5 hours", "12 minutes"."""
    if seconds is None:
        return ""
    days, hours, minutes = seconds // 86400, seconds // 3600, seconds // 60
    if days:
        return ngettext("%(n)d day", "%(n)d days", days) % {"n": days}
    if hours:
        return ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours}
    return ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes}


def owner_choices(actor):
    owners = access.owner_ids(actor, Opportunity.POLICY_OBJECT_TYPE, Action.READ)
    qs = active_users()
    return qs if owners is None else qs.filter(pk__in=owners)


# --- the board --------------------------------------------------------------------------------


# --- the list ---------------------------------------------------------------------------------


@login_required
def opportunity_list(request):
    actor = request.user
    access.require_type(actor, Action.READ, Opportunity)
    filters = {k: request.GET.get(k, "")[:200] for k in LIST_FILTERS}
    params = selectors.ListParams(
        q=request.GET.get("q", "").replace("\x00", "")[:200],
        ordering=request.GET.get("ordering", "") or "-updated_at",
        cursor=request.GET.get("cursor") or None,
        limit=25,
        filters={k: v for k, v in filters.items() if v},
    )
    error = page = totals = None
    try:
        page = selectors.opportunity_list(actor, params)
        totals = board_model.totals(selectors.opportunity_queryset(actor, q=params.q, filters=params.filters))
    except ApplicationError as exc:
        error = exc
    query = request.GET.copy()
    query.pop("cursor", None)
    pipelines = board_model.pipelines()
    ctx = {
        "page": page,
        "error": error,
        "params": params,
        "filters": filters,
        "query": query.urlencode(),
        "totals": totals,
        "pipelines": pipelines,
        "today": timezone.localdate(),
        "stages": [s for p in pipelines for s in board_model.stages_of(p)],
        "stage_types": Stage.Type.choices,
        "owners": owner_choices(actor),
        "visible_accounts": board_model.visible_account_ids(actor, page.items) if page else set(),
        "can_create": access.scope_level(actor, Opportunity.POLICY_OBJECT_TYPE, Action.CREATE) > 0,
        "orderings": [
            ("-updated_at", _("Recently updated")),
            ("expected_close", _("Closing soonest")),
            ("-amount", _("Largest amount")),
            ("name", _("Name A–Z")),
        ],
    }
    template = (
        "sales/opportunities/list.html#rows"
        if is_htmx(request) and request.GET.get("cursor")
        else "sales/opportunities/list.html"
    )
    return render(request, template, ctx)


# --- the detail page --------------------------------------------------------------------------


def _contact_roles(actor, opportunity):
    """The deal's contacts the viewer may read, with their roles (one query)."""
    visible = access.scope(actor, Contact).values("pk")
    return list(
        opportunity.contact_roles.filter(contact__in=visible)
        .select_related("contact")
        .order_by("-is_primary", "contact__name")
    )


@login_required
def opportunity_detail(request, pk: int):
    actor = request.user
    opportunity = selectors.opportunity_get(actor, pk)
    stages = board_model.stages_of(opportunity.pipeline)
    can_update = access.can(actor, Action.UPDATE, opportunity)
    roles = _contact_roles(actor, opportunity)
    contact_choices = []
    if can_update:
        taken = {r.contact_id for r in roles}
        contact_choices = [
            c
            for c in access.scope(actor, Contact)
            .filter(account_id=opportunity.account_id)
            .order_by("name", "id")
            .only("id", "name", "family_name", "given_name")[:100]
            if c.pk not in taken
        ]
    account_visible = access.scope(actor, Account).filter(pk=opportunity.account_id).exists()
    lead_visible = False
    if opportunity.lead_id:
        from ..models import Lead

        lead_visible = access.scope(actor, Lead).filter(pk=opportunity.lead_id).exists()
    history = selectors.stage_history(actor, opportunity)
    for change in history:
        change.duration = duration_text(change.seconds_in_stage)  # type: ignore[attr-defined]  # for the page
    current_index = next((i for i, s in enumerate(stages) if s.pk == opportunity.stage_id), -1)
    return render(
        request,
        "sales/opportunities/detail.html",
        {
            "o": opportunity,
            "stages": stages,
            "current_index": current_index,
            "stage_history": history,
            "contact_roles": roles,
            "contact_choices": contact_choices,
            "roles": ContactRole.choices,
            "account_visible": account_visible,
            "lead_visible": lead_visible,
            "today": timezone.localdate(),
            "can_update": can_update,
            "can_delete": access.can(actor, Action.DELETE, opportunity),
            "can_transfer": access.can(actor, Action.TRANSFER, opportunity),
            "collaborators": collaborators_of(opportunity),
            "base_currency": settings.BASE_CURRENCY,
            "history": visible_history(actor, Opportunity, history_for(opportunity)),
        },
    )


@login_required
@require_POST
def opportunity_contacts(request, pk: int):
    """Add (contact + role) or remove (remove=<contact id>) one contact of the deal."""
    actor = request.user
    opportunity = selectors.opportunity_get(actor, pk, action=Action.UPDATE)
    current = [
        {"contact": r.contact_id, "role": r.role, "is_primary": r.is_primary}
        for r in opportunity.contact_roles.all()
    ]
    remove = _int(request.POST.get("remove"))
    if remove:
        current = [c for c in current if c["contact"] != remove]
    else:
        cid = access.record_id(request.POST.get("contact"))
        current = [c for c in current if c["contact"] != cid]
        current.append(
            {
                "contact": request.POST.get("contact", "")[:40],
                "role": request.POST.get("role", "")[:40],
                "is_primary": False,
            }
        )
    try:
        services.opportunity_contacts_set(actor=actor, opportunity=opportunity, contacts=current)
    except ApplicationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("Contacts updated."))
    return redirect(f"{reverse('opportunity_detail', args=[pk])}#contacts")


# --- create, edit, delete, restore, transfer --------------------------------------------------


def _form_choices():
    """[(pipeline id, name)] with the default pipeline first, and their active stages."""
    pipelines = sorted(board_model.pipelines(), key=lambda p: not p.is_default)
    stages = [s for p in pipelines for s in board_model.stages_of(p)]
    return [(p.pk, p.name) for p in pipelines], stages


def _currencies(current: str | None = None) -> list[str]:
    """The base currency, the currencies with an exchange rate, and the record's own."""
    from ..models import ExchangeRate

    codes = [
        settings.BASE_CURRENCY,
        *ExchangeRate.objects.order_by("currency").values_list("currency", flat=True),
    ]
    if current and current not in codes:
        codes.append(current)
    return list(dict.fromkeys(codes))


def _account_label(actor, account_id) -> str:
    pk = access.record_id(account_id)
    if not pk:
        return ""
    return access.scope(actor, Account).filter(pk=pk).values_list("name", flat=True).first() or ""


def _render_form(request, form, opportunity):
    account_id = form["account"].value() or ""
    return render(
        request,
        "sales/opportunities/form.html",
        {
            "form": form,
            "o": opportunity,
            "stage_rows": form.stage_rows,
            "account_label": _account_label(request.user, account_id),
            "loss_reason": request.POST.get("loss_reason", "")[:500]
            if request.method == "POST"
            else getattr(opportunity, "loss_reason", ""),
            "cancel_url": reverse("opportunity_detail", args=[opportunity.pk])
            if opportunity
            else reverse("opportunity_list"),
        },
    )


def _save(request, form, save):
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        return save(form)
    except ApplicationError as exc:
        if isinstance(exc, VersionConflict):
            form.add_error(
                None, _("Someone changed this opportunity meanwhile; reload the page and try again.")
            )
        else:
            errors_to_form(form, exc)
        return None


@login_required
def opportunity_create(request):
    actor = request.user
    access.require(actor, Action.CREATE, model=Opportunity)
    pipelines, stages = _form_choices()
    initial = {"currency": settings.BASE_CURRENCY}
    account = (
        access.scope(actor, Account).filter(pk=access.record_id(request.GET.get("account")) or 0).first()
        if request.GET.get("account")
        else None
    )
    if account:
        initial["account"] = str(account.pk)
    pipeline_pk = access.record_id(request.GET.get("pipeline"))
    default = next((p for p in pipelines if p[0] == pipeline_pk), None) or next(iter(pipelines), None)
    initial["pipeline"] = str(default[0]) if default else ""
    stage_pk = access.record_id(request.GET.get("stage"))
    if stage_pk and any(s.pk == stage_pk for s in stages):
        initial["stage"] = str(stage_pk)
    form = OpportunityForm(
        request.POST or None, initial=initial, pipelines=pipelines, stages=stages, currencies=_currencies()
    )
    saved = _save(request, form, lambda f: services.opportunity_create(actor=actor, data=f.payload()))
    if saved:
        messages.success(request, _("Opportunity “%(name)s” created.") % {"name": saved.name})
        return redirect("opportunity_detail", pk=saved.pk)
    return _render_form(request, form, None)


@login_required
def opportunity_edit(request, pk: int):
    actor = request.user
    opportunity = selectors.opportunity_get(actor, pk, action=Action.UPDATE)
    pipelines, stages = _form_choices()
    initial = {
        "name": opportunity.name,
        "account": str(opportunity.account_id),
        "amount": opportunity.amount,
        "currency": opportunity.currency,
        "pipeline": str(opportunity.pipeline_id),
        "stage": str(opportunity.stage_id),
        "expected_close": opportunity.expected_close.isoformat() if opportunity.expected_close else "",
        "probability": opportunity.probability if opportunity.probability_manual else "",
        "next_step": opportunity.next_step,
        "competitors": ", ".join(opportunity.competitors or []),
        "description": opportunity.description,
        "version": opportunity.version,
    }
    form = OpportunityForm(
        request.POST or None,
        initial=initial,
        pipelines=pipelines,
        stages=stages,
        currencies=_currencies(opportunity.currency),
    )

    def save(f):
        data = f.payload()
        if str(data["account"]) == str(opportunity.account_id):
            data.pop("account")  # unchanged (perhaps an account the editor cannot see)
        if opportunity.stage_type == Stage.Type.LOST or str(data.get("stage")) != str(opportunity.stage_id):
            if request.POST.get("loss_reason"):
                data["loss_reason"] = request.POST["loss_reason"][:3000]
        return services.opportunity_update(
            actor=actor, opportunity=opportunity, data=data, version=f.cleaned_data.get("version")
        )

    saved = _save(request, form, save)
    if saved:
        messages.success(request, _("Changes saved."))
        return redirect("opportunity_detail", pk=saved.pk)
    return _render_form(request, form, opportunity)


@login_required
@require_POST
def opportunity_delete(request, pk: int):
    actor = request.user
    opportunity = selectors.opportunity_get(actor, pk, action=Action.DELETE)
    try:
        services.opportunity_delete(
            actor=actor, opportunity=opportunity, version=_int(request.POST.get("version"))
        )
    except ApplicationError as exc:
        messages.error(request, error_text(exc))
        return redirect("opportunity_detail", pk=pk)
    messages.success(request, _("“%(name)s” moved to the recycle bin.") % {"name": opportunity.name})
    return redirect("opportunity_list")


@login_required
@require_POST
def opportunity_restore(request, pk: int):
    actor = request.user
    opportunity = access.get(actor, Opportunity, pk, Action.DELETE, deleted=True)
    try:
        services.opportunity_restore(actor=actor, opportunity=opportunity)
    except ApplicationError as exc:
        messages.error(request, error_text(exc))
        return redirect("opportunity_list")
    messages.success(request, _("“%(name)s” restored.") % {"name": opportunity.name})
    return redirect("opportunity_detail", pk=pk)


@login_required
def opportunity_transfer(request, pk: int):
    actor = request.user
    opportunity = selectors.opportunity_get(actor, pk, action=Action.TRANSFER)
    form = TransferForm(request.POST or None, users=active_users())
    del form.fields["with_contacts"]
    if request.method == "POST" and form.is_valid():
        try:
            services.opportunity_transfer(
                actor=actor, opportunity=opportunity, owner=form.cleaned_data["owner"]
            )
        except ApplicationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, _("Owner changed."))
            if access.scope(actor, Opportunity).filter(pk=pk).exists():
                return redirect("opportunity_detail", pk=pk)
            return redirect("opportunity_list")
    return render(
        request,
        "customers/transfer_form.html",
        {"form": form, "record": opportunity, "cancel_url": reverse("opportunity_detail", args=[pk])},
    )


@login_required
@require_GET
def account_search(request):
    """The form's account picker: up to 20 visible accounts matching ?q= (htmx fragment)."""
    q = (request.GET.get("q") or request.GET.get("account_search") or "").replace("\x00", "").strip()[:100]
    accounts = []
    if q:
        from guanxi.search.selectors import matching

        qs = access.scope(request.user, Account)
        condition = matching(Account.POLICY_OBJECT_TYPE, q)
        from django.db.models import Q

        qs = qs.filter(Q(name__icontains=q) if condition is None else condition | Q(name__icontains=q))
        accounts = list(
            qs.order_by("name", "id").only("id", "name", "industry", "tier")[:ACCOUNT_SEARCH_LIMIT]
        )
    return render(request, "sales/opportunities/form.html#account_results", {"accounts": accounts, "q": q})
