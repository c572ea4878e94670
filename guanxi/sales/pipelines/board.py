"""The kanban board's read model: one pipeline's stages as columns, each with its first cards
and its count, total and weighted total — a fixed number of queries whatever the data size.

- the columns' figures: ONE aggregate query grouped by stage (count, Σ amount_base,
  Σ amount_base × probability / 100), through the access layer;
- the cards: ONE window query (ROW_NUMBER() OVER (PARTITION BY stage ORDER BY updated_at DESC,
  id DESC) ≤ CARD_LIMIT), with account and owner joined; more cards of one column come a page
  at a time (`column_page`, keyset on `opp_board_idx`);
- which of the cards' accounts the viewer may see (related data follows its own scope).

Won and lost columns show what closed in the last CLOSED_DAYS days unless `show_closed` asks
for everything. Filters come from the URL (BoardFilters.from_query); nothing from a request
reaches SQL except as a bound parameter."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import connection
from django.db.models import Count, DecimalField, ExpressionWrapper, F, Q, Sum, Window
from django.db.models.functions import RowNumber
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.core.errors import ValidationFailed
from guanxi.core.pagination import Page, paginate
from guanxi.customers.models import Account
from guanxi.org.models import Action, Department, User
from guanxi.policies import access

from ..models import Opportunity, Pipeline, Stage

CARD_LIMIT = 50  # cards per column on the first render; "load more" pages of the same size
CLOSED_DAYS = 30  # won / lost columns: closed in the last N days, unless show_closed
MAX_AMOUNT = Decimal("99999999999999.99")
CENT = Decimal("0.01")

PERIODS = ("overdue", "this_month", "next_month", "this_quarter", "next_quarter", "this_year")


def period_choices():
    return [
        ("overdue", _("Overdue")),
        ("this_month", _("This month")),
        ("next_month", _("Next month")),
        ("this_quarter", _("This quarter")),
        ("next_quarter", _("Next quarter")),
        ("this_year", _("This year")),
    ]


@dataclass
class BoardFilters:
    owner: str = ""  # "", "me", "team" or a username
    period: str = ""  # one of PERIODS, or "" (any)
    close_after: dt.date | None = None
    close_before: dt.date | None = None
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None
    q: str = ""
    show_closed: bool = False
    raw: dict = field(default_factory=dict)  # what the form shows back

    @classmethod
    def from_query(cls, params) -> BoardFilters:
        """Parse ?owner=&period=&close_after=&close_before=&amount_min=&amount_max=&q=&closed=all;
        a bad value is a ValidationFailed naming the parameter."""
        errors: dict[str, list[str]] = {}
        raw = {
            k: (params.get(k) or "").strip()[:200]
            for k in (
                "owner",
                "period",
                "close_after",
                "close_before",
                "amount_min",
                "amount_max",
                "q",
                "closed",
            )
        }
        if any("\x00" in v for v in raw.values()):
            raise ValidationFailed(
                _("Check the filters."),
                fields={k: [_("This value is not valid.")] for k, v in raw.items() if "\x00" in v},
            )
        f = cls(owner=raw["owner"][:150], q=raw["q"], show_closed=raw["closed"] == "all", raw=raw)
        if raw["period"]:
            if raw["period"] not in PERIODS:
                errors["period"] = [_("Choose a period from the list.")]
            else:
                f.period = raw["period"]
        for name in ("close_after", "close_before"):
            if raw[name]:
                try:
                    setattr(f, name, dt.date.fromisoformat(raw[name]))
                except ValueError:
                    errors[name] = [_("Enter a date as YYYY-MM-DD.")]
        for name in ("amount_min", "amount_max"):
            if raw[name]:
                try:
                    value = Decimal(raw[name].replace(",", ""))
                    if not value.is_finite() or value < 0 or value > MAX_AMOUNT:
                        raise ValueError
                except (ArithmeticError, ValueError):
                    errors[name] = [_("Enter an amount of at least 0.")]
                else:
                    setattr(f, name, value)
        if errors:
            raise ValidationFailed(_("Check the filters."), fields=errors)
        return f

    @property
    def active(self) -> bool:
        return bool(
            self.owner
            or self.period
            or self.close_after
            or self.close_before
            or self.amount_min is not None
            or self.amount_max is not None
            or self.q
        )


@dataclass
class Column:
    stage: Stage
    cards: list
    count: int = 0
    total: Decimal = Decimal("0.00")
    weighted: Decimal = Decimal("0.00")
    more: bool = False
    next_cursor: str | None = None

    @property
    def closed(self) -> bool:
        return self.stage.type != Stage.Type.OPEN


@dataclass
class Board:
    pipeline: Pipeline
    pipelines: list
    columns: list[Column]
    filters: BoardFilters
    visible_accounts: set[int]
    currency: str = settings.BASE_CURRENCY

    @property
    def open_total(self) -> Decimal:
        return sum((c.total for c in self.columns if not c.closed), Decimal("0.00"))

    @property
    def open_weighted(self) -> Decimal:
        return sum((c.weighted for c in self.columns if not c.closed), Decimal("0.00"))

    @property
    def open_count(self) -> int:
        return sum(c.count for c in self.columns if not c.closed)


# --- reading ----------------------------------------------------------------------------------


def pipelines() -> list[Pipeline]:
    """Active pipelines, the default first, with their active stages prefetched (two queries)."""
    from .selectors import pipeline_list

    return pipeline_list()


def choose_pipeline(all_pipelines: list[Pipeline], pk=None) -> Pipeline | None:
    """The pipeline asked for, else the default one, else the first; None when there is none."""
    if pk is not None:
        return next((p for p in all_pipelines if p.pk == pk), None)
    return next((p for p in all_pipelines if p.is_default), all_pipelines[0] if all_pipelines else None)


def stages_of(pipeline: Pipeline) -> list[Stage]:
    """Active stages: open ones by order, then won, then lost."""
    rank: dict[str, int] = {Stage.Type.OPEN: 0, Stage.Type.WON: 1, Stage.Type.LOST: 2}
    # pipeline_list() prefetched the active stages; otherwise one query
    stages = [s for s in pipeline.stages.all() if s.active]
    return sorted(stages, key=lambda s: (rank.get(s.type, 3), s.order, s.pk))


def team_ids(actor) -> list[int]:
    """ "My team": the members of the actor's department and of the departments the actor
    manages, with their sub-departments (one query for the departments, one for the users)."""
    roots = list(
        Department.objects.filter(Q(manager=actor) | Q(pk=actor.department_id or 0)).values_list(
            "path", flat=True
        )
    )
    if not roots:
        return [actor.pk]
    cond = Q()
    for path in roots:
        cond |= Q(department__path__startswith=path)
    return sorted({actor.pk, *User.objects.filter(cond).values_list("id", flat=True)})


def _filtered(actor, pipeline: Pipeline, f: BoardFilters):
    qs = access.scope(actor, Opportunity, Action.READ).filter(pipeline=pipeline)
    if f.owner == "me":
        qs = qs.filter(owner=actor)
    elif f.owner == "team":
        qs = qs.filter(owner_id__in=team_ids(actor))
    elif f.owner:
        qs = qs.filter(owner__username=f.owner)
    start, end = period_range(f.period, timezone.localdate())
    if f.period == "overdue":
        qs = qs.filter(stage_type=Stage.Type.OPEN, expected_close__lt=timezone.localdate())
    elif start:
        qs = qs.filter(expected_close__gte=start, expected_close__lte=end)
    if f.close_after:
        qs = qs.filter(expected_close__gte=f.close_after)
    if f.close_before:
        qs = qs.filter(expected_close__lte=f.close_before)
    if f.amount_min is not None:
        qs = qs.filter(amount_base__gte=f.amount_min)
    if f.amount_max is not None:
        qs = qs.filter(amount_base__lte=f.amount_max)
    if f.q:
        from guanxi.search.selectors import matching

        condition = matching(Opportunity.POLICY_OBJECT_TYPE, f.q)
        name_match = Q(name__icontains=f.q) | Q(account__name__icontains=f.q)
        qs = qs.filter(name_match if condition is None else condition | name_match)
    if not f.show_closed:
        cutoff = timezone.now() - dt.timedelta(days=CLOSED_DAYS)
        qs = qs.filter(Q(stage_type=Stage.Type.OPEN) | Q(closed_at__gte=cutoff))
    return qs


def period_range(period: str, today: dt.date) -> tuple[dt.date | None, dt.date | None]:
    """First and last day of a named period around `today` (None, None for "" and "overdue")."""

    def month_end(d: dt.date) -> dt.date:
        nxt = (d.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        return nxt - dt.timedelta(days=1)

    if period == "this_month":
        start = today.replace(day=1)
        return start, month_end(start)
    if period == "next_month":
        start = (today.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        return start, month_end(start)
    if period in ("this_quarter", "next_quarter"):
        q = (today.month - 1) // 3 + (1 if period == "next_quarter" else 0)
        year = today.year + q // 4
        start = dt.date(year, (q % 4) * 3 + 1, 1)
        end = month_end(dt.date(year, (q % 4) * 3 + 3, 1))
        return start, end
    if period == "this_year":
        return dt.date(today.year, 1, 1), dt.date(today.year, 12, 31)
    return None, None


WEIGHTED = ExpressionWrapper(
    F("amount_base") * F("probability"), output_field=DecimalField(max_digits=24, decimal_places=2)
)


def column_figures(actor, pipeline: Pipeline, f: BoardFilters) -> dict[int, tuple[int, Decimal, Decimal]]:
    """{stage id: (count, total, weighted)} in the base currency: one GROUP BY query."""
    rows = (
        _filtered(actor, pipeline, f)
        .order_by()
        .values("stage_id")
        .annotate(n=Count("id"), total=Sum("amount_base"), weighted=Sum(WEIGHTED))
    )
    out = {}
    for row in rows:
        total = Decimal(row["total"] or 0).quantize(CENT)
        weighted = (Decimal(row["weighted"] or 0) / 100).quantize(CENT)
        out[row["stage_id"]] = (row["n"], total, weighted)
    return out


# What a card shows (the card partial reads nothing else): the board's cards are read with only these
# columns, the account's and owner's few joined in, not their whole rows.
CARD_FIELDS = (
    "id",
    "version",
    "name",
    "account_id",
    "account__name",
    "amount",
    "currency",
    "amount_base",
    "pipeline_id",
    "stage_id",
    "stage_type",
    "probability",
    "expected_close",
    "next_step",
    "updated_at",
    "owner_id",
    "owner__username",
    "owner__display_name",
    "owner__first_name",
    "owner__last_name",
)


def _card_rows(actor, pipeline: Pipeline, f: BoardFilters):
    return _filtered(actor, pipeline, f).select_related("account", "owner").only(*CARD_FIELDS)


def _cards(actor, pipeline: Pipeline, f: BoardFilters, limit: int, stages: list[Stage]) -> dict[int, list]:
    """The first limit + 1 cards of every column in ONE query. On PostgreSQL a UNION ALL of one
    `ORDER BY updated_at DESC, id DESC LIMIT n` per stage, each an index scan of opp_board_idx
    that stops after n rows; elsewhere (SQLite cannot LIMIT the parts of a compound query)
    ROW_NUMBER() over the pipeline's rows."""
    base = _card_rows(actor, pipeline, f)
    if not stages:
        return {}
    if connection.features.supports_slicing_ordering_in_compound:
        parts = [base.filter(stage_id=s.pk).order_by("-updated_at", "-id")[: limit + 1] for s in stages]
        rows = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    else:
        rows = (
            base.annotate(
                rank=Window(
                    RowNumber(),
                    partition_by=[F("stage_id")],
                    order_by=[F("updated_at").desc(), F("id").desc()],
                )
            )
            .filter(rank__lte=limit + 1)
            .order_by("stage_id", "rank")
        )
    by_pk = {s.pk: s for s in stages}
    out: dict[int, list] = {}
    for opp in rows:
        opp.stage = by_pk[opp.stage_id]
        out.setdefault(opp.stage_id, []).append(opp)
    for cards in out.values():  # the UNION's parts come back in any order; each column newest first
        cards.sort(key=lambda o: (o.updated_at, o.pk), reverse=True)
    return out


def visible_account_ids(actor, opportunities) -> set[int]:
    ids = {o.account_id for o in opportunities}
    if not ids:
        return set()
    return set(access.scope(actor, Account).filter(pk__in=ids).values_list("id", flat=True))


def board(
    actor, pipeline: Pipeline, f: BoardFilters, *, all_pipelines: list | None = None, limit: int = CARD_LIMIT
) -> Board:
    stages = stages_of(pipeline)
    figures = column_figures(actor, pipeline, f)
    cards = _cards(actor, pipeline, f, limit, stages)
    columns = []
    for stage in stages:
        rows = cards.get(stage.pk, [])
        more = len(rows) > limit
        rows = rows[:limit]
        count, total, weighted = figures.get(stage.pk, (0, Decimal("0.00"), Decimal("0.00")))
        col = Column(stage=stage, cards=rows, count=count, total=total, weighted=weighted, more=more)
        if more:
            col.next_cursor = _cursor_after(rows[-1])
        columns.append(col)
    visible = visible_account_ids(actor, [o for c in columns for o in c.cards])
    return Board(
        pipeline=pipeline,
        pipelines=all_pipelines if all_pipelines is not None else pipelines(),
        columns=columns,
        filters=f,
        visible_accounts=visible,
    )


COLUMN_ORDERING = {"updated_at": "updated_at"}


def _cursor_after(opp) -> str:
    from guanxi.core.pagination import _encode

    return _encode("-updated_at", opp.updated_at, opp.pk)


def column_page(
    actor, pipeline: Pipeline, stage: Stage, f: BoardFilters, *, cursor: str | None, limit: int = CARD_LIMIT
) -> tuple[Page, set[int]]:
    """The next cards of one column (keyset on updated_at, id) and their visible accounts."""
    qs = _card_rows(actor, pipeline, f).filter(stage=stage)
    page = paginate(qs, ordering="-updated_at", allowed=COLUMN_ORDERING, cursor=cursor, limit=limit)
    for opp in page.items:
        opp.stage = stage
    return page, visible_account_ids(actor, page.items)


def totals(qs) -> dict:
    """The list's totals row: count, Σ amount_base and weighted Σ of a filtered queryset (one query)."""
    row = qs.order_by().aggregate(n=Count("id"), total=Sum("amount_base"), weighted=Sum(WEIGHTED))
    return {
        "count": row["n"],
        "currency": settings.BASE_CURRENCY,
        "total": Decimal(row["total"] or 0).quantize(CENT),
        "weighted": (Decimal(row["weighted"] or 0) / 100).quantize(CENT),
    }
