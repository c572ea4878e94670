"""The opportunity board (kanban): the board and its columns, a card's move and quick edit.

Thin views over board.py (the board's read model) and services.py (writes). The board's drag and
drop and "Move to…" menu post to `opportunity_move_view`, which answers JSON to board.js (the
card's new HTML and every column's figures) and redirects plain form posts (the detail page's
stage bar)."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import floatformat
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from guanxi.core.errors import ApplicationError, NotFound, PermissionDenied, VersionConflict
from guanxi.core.htmx import errors_to_form
from guanxi.org.models import Action
from guanxi.policies import access

from ..models import Opportunity, Stage
from . import board as board_model
from . import selectors, services
from .forms import MoveForm, QuickEditForm
from .views import error_text, owner_choices

# One card's markup (board.html#card shows it). Built in Python, not by the template engine: the board
# renders hundreds of cards and a template costs ~25 variable nodes and several tags for each; here each
# value is escaped once and the "Move to…" menu (board.html#move_menu) is rendered once per stage.
CARD = (
    '<article class="gx-opp-card{overdue_class} gx-opp-{stage_type}" id="opp-card-{pk}"\n'
    '  data-testid="board-card" data-opp-id="{pk}" data-version="{version}" data-stage-id="{stage_id}"\n'
    '  data-move-url="{move_url}" data-edit-url="{edit_url}" tabindex="0"\n'
    '  aria-label="{name}">\n'
    '  <div class="gx-opp-top">\n'
    '    <a class="gx-opp-name" href="{detail_url}" data-testid="card-name">{name}</a>\n'
    '    <div class="dropdown gx-opp-menu">\n'
    '      <button class="btn btn-sm btn-link gx-opp-menu-btn" type="button" data-bs-toggle="dropdown" aria-expanded="false" data-testid="card-move-menu"\n'
    '              aria-label="{move_label}"><i class="bi bi-three-dots-vertical" aria-hidden="true"></i></button>\n'
    "      {menu}\n"
    "    </div>\n"
    "  </div>\n"
    '  <div class="gx-opp-account">{account}</div>\n'
    '  <div class="gx-opp-amount" data-testid="card-amount"><span class="gx-opp-cur">{currency}</span> {amount}</div>\n'
    '  <div class="gx-opp-meta">\n'
    "    {close}\n"
    '    <span class="gx-opp-prob" title="{probability_label}">{probability}%</span>\n'
    "    {owner}\n"
    "  </div>\n"
    "  {next_step}\n"
    "</article>"
)
CARD_ACCOUNT = '<i class="bi bi-buildings" aria-hidden="true"></i> {}'
CARD_CLOSE = (
    '<span class="gx-opp-close" title="{label}"><i class="bi {icon}" aria-hidden="true"></i> '
    '<time datetime="{iso}">{text}</time>{overdue}</span>'
)
CARD_OVERDUE = '<span class="visually-hidden"> {}</span>'
CARD_OWNER = '<span class="gx-avatar gx-avatar-sm" title="{owner}" aria-label="{label}">{initial}</span>'
CARD_NEXT = '<div class="gx-opp-next"><i class="bi bi-signpost" aria-hidden="true"></i> {}</div>'


def _url_for(name: str):
    """reverse() once; the pk put in by string (a board renders three links per card)."""
    head, tail = reverse(name, args=[0]).rsplit("/0/", 1)
    return lambda pk: f"{head}/{pk}/{tail}"


def _dress(cards, stages, visible_accounts) -> None:
    """Set `card_html` on each opportunity (see CARD): what board.html#card and #column_cards show."""
    today = timezone.localdate()
    move_url, edit_url, detail_url = (
        _url_for(n) for n in ("opportunity_move", "opportunity_quick_edit", "opportunity_detail")
    )
    close_label, probability_label = escape(_("Expected close date")), escape(_("Probability"))
    overdue_text = CARD_OVERDUE.format(escape(_("overdue")))
    move_label, owner_label = _("Move %(name)s to…"), _("Owner: %(name)s")
    menus = {}
    for o in cards:
        if o.stage_id not in menus:
            menus[o.stage_id] = render_to_string(
                "sales/opportunities/board.html#move_menu", {"open_stages": stages, "current": o.stage_id}
            )
        is_open = o.stage_type == Stage.Type.OPEN
        overdue = bool(o.expected_close and is_open and o.expected_close < today)
        close = ""
        if o.expected_close:
            close = CARD_CLOSE.format(
                label=close_label,
                icon="bi-exclamation-circle" if overdue else "bi-calendar-event",
                iso=o.expected_close.isoformat(),
                text=escape(formats.date_format(o.expected_close, "SHORT_DATE_FORMAT")),
                overdue=overdue_text if overdue else "",
            )
        owner = ""
        if o.owner_id:
            name = str(o.owner)
            owner = CARD_OWNER.format(
                owner=escape(name),
                label=escape(owner_label % {"name": name}),
                initial=escape((o.owner.display_name or o.owner.username)[:1]),
            )
        o.card_html = mark_safe(
            CARD.format(  # noqa: S308 (every value above and here is escaped)
                overdue_class=" is-overdue" if overdue else "",
                stage_type=escape(o.stage_type),
                pk=o.pk,
                version=o.version,
                stage_id=o.stage_id,
                move_url=escape(move_url(o.pk)),
                edit_url=escape(edit_url(o.pk)),
                detail_url=escape(detail_url(o.pk)),
                name=escape(o.name),
                move_label=escape(move_label % {"name": o.name}),
                menu=menus[o.stage_id],
                account=CARD_ACCOUNT.format(escape(o.account.name))
                if o.account_id in visible_accounts
                else "",
                currency=escape(o.currency),
                amount=escape(floatformat(o.amount, "-2g")),
                close=close,
                probability_label=probability_label,
                probability=o.probability,
                owner=owner,
                next_step=CARD_NEXT.format(escape(Truncator(o.next_step).chars(60)))
                if o.next_step and is_open
                else "",
            )
        )


@login_required
def pipeline_board(request, pk: int | None = None):
    actor = request.user
    access.require_type(actor, Action.READ, Opportunity)
    pipelines = board_model.pipelines()
    pipeline = board_model.choose_pipeline(pipelines, pk)
    if pipeline is None:
        if pk is not None:
            raise NotFound()
        return render(request, "sales/opportunities/board.html", {"board": None, "pipelines": []})
    error = None
    try:
        filters = board_model.BoardFilters.from_query(request.GET)
    except ApplicationError as exc:
        error, filters = exc, board_model.BoardFilters()
    data = board_model.board(actor, pipeline, filters, all_pipelines=pipelines)
    _dress([o for c in data.columns for o in c.cards], [c.stage for c in data.columns], data.visible_accounts)
    query = request.GET.copy()
    query.pop("cursor", None)
    return render(
        request,
        "sales/opportunities/board.html",
        {
            "board": data,
            "error": error,
            "query": query.urlencode(),
            "today": timezone.localdate(),
            "periods": board_model.period_choices(),
            "owners": owner_choices(actor),
            "can_create": access.scope_level(actor, Opportunity.POLICY_OBJECT_TYPE, Action.CREATE) > 0,
            "open_stages": [c.stage for c in data.columns],
        },
    )


@login_required
@require_GET
def board_column(request, pk: int, stage_pk: int):
    """The next cards of one column ("load more", htmx)."""
    actor = request.user
    pipelines = board_model.pipelines()
    pipeline = board_model.choose_pipeline(pipelines, pk)
    if pipeline is None:
        raise NotFound()
    stages = board_model.stages_of(pipeline)
    stage = next((s for s in stages if s.pk == stage_pk), None)
    if stage is None:
        raise NotFound()
    try:
        filters = board_model.BoardFilters.from_query(request.GET)
        page, visible = board_model.column_page(
            actor, pipeline, stage, filters, cursor=request.GET.get("cursor") or None
        )
    except ApplicationError as exc:
        return HttpResponse(error_text(exc), status=400)
    query = request.GET.copy()
    query.pop("cursor", None)
    _dress(page.items, stages, visible)
    col = board_model.Column(
        stage=stage, cards=page.items, more=page.next_cursor is not None, next_cursor=page.next_cursor
    )
    return render(
        request,
        "sales/opportunities/board.html#column_cards",
        {
            "col": col,
            "board": {"pipeline": pipeline, "visible_accounts": visible},
            "query": query.urlencode(),
            "today": timezone.localdate(),
            "open_stages": stages,
        },
    )


def _figures_html(request, actor, pipeline, query) -> dict[str, str]:
    """Every column's header figures, rendered, for the board after a change (one query)."""
    try:
        filters = board_model.BoardFilters.from_query(query)
    except ApplicationError:
        filters = board_model.BoardFilters()
    figures = board_model.column_figures(actor, pipeline, filters)
    out: dict[str, str] = {}
    for stage in board_model.stages_of(pipeline):
        count, total, weighted = figures.get(stage.pk, (0, Decimal(0), Decimal(0)))
        col = board_model.Column(stage=stage, cards=[], count=count, total=total, weighted=weighted)
        out[str(stage.pk)] = render_to_string(
            "sales/opportunities/board.html#stats", {"col": col}, request=request
        )
    return out


def _card_html(request, actor, opportunity) -> str:
    visible = board_model.visible_account_ids(actor, [opportunity])
    stages = board_model.stages_of(opportunity.pipeline)
    _dress([opportunity], stages, visible)
    return render_to_string(
        "sales/opportunities/board.html#card",
        {
            "o": opportunity,
            "board": {"visible_accounts": visible},
            "today": timezone.localdate(),
            "open_stages": stages,
        },
        request=request,
    )


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@login_required
@require_POST
def opportunity_move_view(request, pk: int):
    """Move to a stage: {stage, reason, version}. JSON for board.js: 200 {card, figures, version}
    or the error shape with 400 / 404 / 409-free 412 (stale version); a plain form redirects."""
    actor = request.user
    form = MoveForm(request.POST)
    as_json = _wants_json(request)
    try:
        opportunity = selectors.opportunity_get(actor, pk, action=Action.UPDATE)
        if not form.is_valid():
            from guanxi.core.errors import ValidationFailed

            raise ValidationFailed(_("Choose a stage."), fields={"stage": [_("Choose a stage.")]})
        opportunity = services.opportunity_move(
            actor=actor,
            opportunity=opportunity,
            stage=form.cleaned_data["stage"],
            reason=form.cleaned_data.get("reason") or "",
            version=form.cleaned_data.get("version"),
        )
    except ApplicationError as exc:
        status = (
            412
            if isinstance(exc, VersionConflict)
            else 404
            if isinstance(exc, NotFound)
            else 403
            if isinstance(exc, PermissionDenied)
            else 400
        )
        message = (
            _("Someone changed this opportunity meanwhile; reload the board.")
            if status == 412
            else error_text(exc)
        )
        if as_json:
            return JsonResponse(
                {
                    "error": {
                        "code": getattr(exc, "code", "error"),
                        "message": message,
                        "fields": {k: [str(m) for m in v] for k, v in exc.fields.items()},
                    }
                },
                status=status,
            )
        if status == 404:
            raise
        messages.error(request, message)
        return redirect("opportunity_detail", pk=pk)
    if as_json:
        opportunity = Opportunity.objects.select_related("account", "owner", "stage", "pipeline").get(
            pk=opportunity.pk
        )
        return JsonResponse(
            {
                "card": _card_html(request, actor, opportunity),
                "version": opportunity.version,
                "stage": opportunity.stage_id,
                "figures": _figures_html(request, actor, opportunity.pipeline, request.GET),
            }
        )
    messages.success(request, _("Moved to “%(stage)s”.") % {"stage": opportunity.stage.name})
    return redirect("opportunity_detail", pk=pk)


@login_required
def opportunity_quick_edit(request, pk: int):
    """The board's off-canvas: GET the form, POST it (htmx). Success re-renders the card and the
    column figures out of band and tells board.js to close the off-canvas."""
    actor = request.user
    opportunity = selectors.opportunity_get(actor, pk, action=Action.UPDATE)
    stages = board_model.stages_of(opportunity.pipeline)
    initial = {
        "amount": opportunity.amount,
        "expected_close": opportunity.expected_close.isoformat() if opportunity.expected_close else "",
        "probability": opportunity.probability if opportunity.probability_manual else "",
        "next_step": opportunity.next_step,
        "stage": str(opportunity.stage_id),
        "version": opportunity.version,
    }
    form = QuickEditForm(request.POST or None, initial=initial, stages=stages)
    ctx = {"form": form, "o": opportunity, "stages": stages, "saved": False}
    if request.method == "POST" and form.is_valid():
        data = form.payload()
        if form.cleaned_data["stage"] and form.cleaned_data["stage"] != str(opportunity.stage_id):
            data["stage"] = form.cleaned_data["stage"]
            if request.POST.get("loss_reason"):
                data["loss_reason"] = request.POST["loss_reason"][:3000]
        try:
            opportunity = services.opportunity_update(
                actor=actor, opportunity=opportunity, data=data, version=form.cleaned_data.get("version")
            )
        except ApplicationError as exc:
            if isinstance(exc, VersionConflict):
                form.add_error(None, _("Someone changed this opportunity meanwhile; reload the board."))
            else:
                errors_to_form(form, exc)
        else:
            opportunity = Opportunity.objects.select_related("account", "owner", "stage", "pipeline").get(
                pk=opportunity.pk
            )
            response = render(
                request,
                "sales/opportunities/quick_edit.html",
                {
                    **ctx,
                    "o": opportunity,
                    "saved": True,
                    "card_html": _card_html(request, actor, opportunity),
                    "figures": _figures_html(request, actor, opportunity.pipeline, request.GET),
                },
            )
            response["HX-Trigger"] = "gx-quick-saved"
            return response
    return render(request, "sales/opportunities/quick_edit.html", ctx)
