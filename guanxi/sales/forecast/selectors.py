"""Reads of targets and the forecast: what the actor may see, then a few aggregate queries.

Who and what is visible follows the actor's read scope on opportunities (policies.access):
- users: the owner set of that scope (everyone for scope *all*);
- departments: all (scope *all*), the actor's department and its sub-departments
  (*department and sub-departments*), the actor's department (*department*), the subtrees of
  the departments the actor manages (*self and subordinates*), none (*self*).
A user or department outside that is a 404, as an invisible record is.

The forecast of a period sums, over the opportunities the actor may read AND owned by the user
(or by members of the department's subtree, or by anyone for the whole company):
- won: amount_base of won deals closed in the period (company time zone, periods.Period.bounds);
- weighted: amount_base × probability / 100 of OPEN deals expected to close in the period;
- best case: won + amount_base of those open deals.
All of it is ONE query with conditional aggregates (Sum(..., filter=...)) on the partial indexes
opp_forecast_open_idx / opp_forecast_closed_idx; the breakdown and the leaderboard are the same
query grouped by owner, summed up the department tree in Python over users (few rows).

Targets roll up: a department's target is its own when set, else the sum of its
sub-departments' (rolled up) and its direct members' targets. For a quarter, a quarter target
is used when set, else the sum of the month targets inside it; a year sums its quarters."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.db.models import Count, DecimalField, F, Q, Sum
from django.utils.translation import gettext as _

from guanxi.core.errors import NotFound, ValidationFailed
from guanxi.org.models import Action, Department, Scope, User
from guanxi.policies import access
from guanxi.sales.models import Opportunity, Stage, Target

from . import periods
from .periods import Period

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
OBJECT_TYPE = Opportunity.POLICY_OBJECT_TYPE
COMPANY, DEPARTMENT, USER = "company", "department", "user"


def money(value) -> Decimal:
    return (Decimal(value) if value is not None else ZERO).quantize(CENT, rounding=ROUND_HALF_UP)


# --- who and what the actor may see -----------------------------------------------------------


def sees_all(actor) -> bool:
    return access.scope_level(actor, OBJECT_TYPE, Action.READ) == Scope.ALL


def visible_user_ids(actor) -> set[int] | None:
    """Users whose figures the actor may see; None = everyone."""
    return access.owner_ids(actor, OBJECT_TYPE, Action.READ)


def subtree_q(paths) -> Q:
    q = Q(pk__in=[])
    for path in paths:
        q |= Q(path__startswith=path)
    return q


def visible_departments(actor) -> list[Department] | None:
    """Departments whose figures the actor may see, in tree order; None = all."""
    level = access.scope_level(actor, OBJECT_TYPE, Action.READ)
    if level == Scope.ALL:
        return None
    cache = getattr(actor, "_gx_forecast_departments", None)
    if cache is not None:
        return cache
    if level == Scope.SUBORDINATES:
        roots = [d.path for d in Department.objects.filter(manager=actor)]
        result = list(Department.objects.filter(subtree_q(roots))) if roots else []
    elif level == Scope.DEPARTMENT_TREE and actor.department_id:
        result = list(Department.objects.filter(path__startswith=actor.department.path))
    elif level == Scope.DEPARTMENT and actor.department_id:
        result = [actor.department]
    else:
        result = []
    actor._gx_forecast_departments = result
    return result


def department_get(actor, pk) -> Department:
    pk = access.record_id(pk)
    if pk is None:
        raise NotFound()
    visible = visible_departments(actor)
    if visible is None:
        dept = Department.objects.filter(pk=pk).first()
    else:
        dept = next((d for d in visible if d.pk == pk), None)
    if dept is None:
        raise NotFound()
    return dept


def user_get(actor, username) -> User:
    if not isinstance(username, str) or not username or len(username) > 150:
        raise NotFound()
    user = User.objects.select_related("department").filter(username=username).first()
    visible = visible_user_ids(actor)
    if user is None or (visible is not None and user.pk not in visible):
        raise NotFound()
    return user


@dataclass
class Entity:
    """Whose forecast: the whole company, a department (its subtree) or one user."""

    kind: str
    department: Department | None = None
    user: User | None = None

    @property
    def label(self) -> str:
        return str(self.user or self.department or "")


def resolve_entity(actor, *, user: str | None = None, department=None) -> Entity:
    """The entity named by `user` (a username) or `department` (an id); neither: the whole
    company for callers who see all, else the topmost department they see, else themselves."""
    if user not in (None, "") and department not in (None, ""):
        message = _("Give either a user or a department, not both.")
        raise ValidationFailed(message, fields={"user": [message], "department": [message]})
    if user not in (None, ""):
        return Entity(USER, user=user_get(actor, user))
    if department not in (None, ""):
        return Entity(DEPARTMENT, department=department_get(actor, department))
    return default_entity(actor)


def default_entity(actor) -> Entity:
    if not actor or not actor.is_authenticated or not actor.is_active:
        raise NotFound()
    if sees_all(actor):
        return Entity(COMPANY)
    visible = visible_departments(actor)
    if visible:
        return Entity(DEPARTMENT, department=min(visible, key=lambda d: (d.depth, d.path)))
    return Entity(USER, user=actor)


class TargetBook:
    """The targets of a period, read once, answering per user or department with the roll-ups."""

    def __init__(self, period: Period, *, users=None, departments=None):
        qs = Target.objects.filter(starts_on__gte=period.start, ends_on__lte=period.end).order_by()
        if users is not None or departments is not None:
            qs = qs.filter(Q(user_id__in=list(users or [])) | Q(department_id__in=list(departments or [])))
        self.period = period
        self.rows: dict[tuple[str, int, str], Decimal] = {}
        for kind_user, kind_dept, code, amount in qs.values_list(
            "user_id", "department_id", "period", "amount"
        ):
            key = ("u", kind_user, code) if kind_user else ("d", kind_dept, code)
            self.rows[key] = amount

    def _own(self, kind: str, pk: int, period: Period) -> Decimal | None:
        found = self.rows.get((kind, pk, period.code))
        if found is not None:
            return found
        if period.kind == periods.MONTH:
            return None
        parts = period.quarters() if period.kind == periods.YEAR else period.months()
        amounts = [a for a in (self._own(kind, pk, p) for p in parts) if a is not None]
        return sum(amounts, Decimal(0)) if amounts else None

    def user(self, pk: int, period: Period | None = None) -> Decimal | None:
        return self._own("u", pk, period or self.period)

    def department(
        self, dept: Department, tree: DepartmentTree, period: Period | None = None
    ) -> Decimal | None:
        period = period or self.period
        own = self._own("d", dept.pk, period)
        if own is not None:
            return own
        parts = [self.department(child, tree, period) for child in tree.children.get(dept.pk, [])]
        parts += [self.user(u, period) for u in tree.members.get(dept.pk, [])]
        amounts = [a for a in parts if a is not None]
        return sum(amounts, Decimal(0)) if amounts else None

    def rolled(self, entity: Entity, tree: DepartmentTree, period: Period | None = None) -> Decimal | None:
        """The entity's target: a user's own; a department's rolled up; the company's the sum of
        its top departments' and of the users without a department."""
        if entity.kind == USER:
            return self.user(entity.user.pk, period)
        if entity.kind == DEPARTMENT:
            return self.department(entity.department, tree, period)  # type: ignore[arg-type]  # kind says
        parts = [self.department(d, tree, period) for d in tree.children.get(None, [])]
        parts += [self.user(u, period) for u in tree.members.get(None, [])]
        amounts = [a for a in parts if a is not None]
        return sum(amounts, Decimal(0)) if amounts else None

    @classmethod
    def for_entity(cls, entity: Entity, period: Period) -> tuple[TargetBook, DepartmentTree]:
        """The targets and the department tree an entity's roll-up needs (2 to 3 queries)."""
        if entity.kind == USER:
            return cls(period, users=[entity.user.pk], departments=[]), DepartmentTree(departments=[])
        tree = DepartmentTree.load(entity.department if entity.kind == DEPARTMENT else None)
        if entity.kind == DEPARTMENT:
            return cls(period, users=list(tree.users), departments=[d.pk for d in tree.departments]), tree
        return cls(period), tree


@dataclass
class DepartmentTree:
    """Departments of a subtree (or all), their children and direct members (user ids)."""

    departments: list[Department]
    children: dict[int | None, list[Department]] = field(default_factory=dict)
    members: dict[int | None, list[int]] = field(default_factory=dict)
    users: dict[int, User] = field(default_factory=dict)

    @classmethod
    def load(cls, root: Department | None) -> DepartmentTree:
        depts = (
            list(Department.objects.filter(path__startswith=root.path))
            if root
            else list(Department.objects.all())
        )
        ids = {d.pk for d in depts}
        tree = cls(departments=depts)
        for d in depts:
            parent = d.parent_id if d.parent_id in ids else None
            tree.children.setdefault(parent, []).append(d)
        users = User.objects.filter(department_id__in=ids) if root else User.objects.all()
        for u in users.order_by("username").only(
            "id", "username", "display_name", "first_name", "last_name", "department_id", "is_active"
        ):
            tree.users[u.pk] = u
            tree.members.setdefault(u.department_id, []).append(u.pk)
        return tree

    def subtree_user_ids(self, dept: Department) -> list[int]:
        ids = list(self.members.get(dept.pk, []))
        for child in self.children.get(dept.pk, []):
            ids += self.subtree_user_ids(child)
        return ids


# --- the forecast -----------------------------------------------------------------------------


def _conditions(period: Period) -> tuple[Q, Q]:
    start, stop = period.bounds()
    won = Q(stage_type=Stage.Type.WON, closed_at__gte=start, closed_at__lt=stop)
    open_ = Q(stage_type=Stage.Type.OPEN, expected_close__gte=period.start, expected_close__lte=period.end)
    return won, open_


def _aggregates(period: Period, *, months: bool = False) -> dict:
    won, open_ = _conditions(period)
    weighted = F("amount_base") * F("probability")
    exact = DecimalField(max_digits=30, decimal_places=4)
    parts = {
        "won": Sum("amount_base", filter=won),
        "won_count": Count("id", filter=won),
        "open": Sum("amount_base", filter=open_),
        "open_count": Count("id", filter=open_),
        "weighted": Sum(weighted, filter=open_, output_field=exact),
    }
    if months and period.kind != periods.MONTH:
        for i, m in enumerate(period.months()):
            m_won, m_open = _conditions(m)
            parts[f"m{i}_won"] = Sum("amount_base", filter=m_won)
            parts[f"m{i}_open"] = Sum("amount_base", filter=m_open)
            parts[f"m{i}_weighted"] = Sum(weighted, filter=m_open, output_field=exact)
    return parts


def _opportunities(actor, entity: Entity, period: Period):
    qs = access.scope(actor, Opportunity, Action.READ)
    won, open_ = _conditions(period)
    qs = qs.filter(won | open_)
    if entity.kind == USER:
        qs = qs.filter(owner_id=entity.user.pk)
    elif entity.kind == DEPARTMENT:
        qs = qs.filter(
            owner_id__in=User.objects.filter(department__path__startswith=entity.department.path).values("id")
        )
    return qs


@dataclass
class Figures:
    won: Decimal = ZERO
    won_count: int = 0
    open: Decimal = ZERO
    open_count: int = 0
    weighted_raw: Decimal = Decimal(0)  # Σ amount × probability (÷ 100 when shown)

    def add(self, other: Figures) -> None:
        self.won += other.won
        self.won_count += other.won_count
        self.open += other.open
        self.open_count += other.open_count
        self.weighted_raw += other.weighted_raw

    @classmethod
    def of(cls, row: dict, prefix: str = "") -> Figures:
        return cls(
            won=Decimal(row.get(f"{prefix}won") or 0),
            won_count=row.get(f"{prefix}won_count") or 0,
            open=Decimal(row.get(f"{prefix}open") or 0),
            open_count=row.get(f"{prefix}open_count") or 0,
            weighted_raw=Decimal(row.get(f"{prefix}weighted") or 0),
        )

    def as_dict(self, target: Decimal | None) -> dict:
        won = money(self.won)
        weighted = money(self.weighted_raw / 100)
        result = {
            "won": won,
            "won_count": self.won_count,
            "weighted": weighted,
            "best_case": money(self.won + self.open),
            "open": money(self.open),
            "open_count": self.open_count,
            # "0.00" when no target is set nor any to roll up (has_target tells the two apart)
            "target": money(target) if target is not None else ZERO,
            "has_target": target is not None,
            "attainment": attainment(won, target),
            "gap": money(target - won) if target is not None else None,
        }
        return result


def attainment(won: Decimal, target: Decimal | None) -> Decimal | None:
    """Won as a percentage of the target, one decimal; None without a (positive) target."""
    if not target:
        return None
    return (Decimal(won) * 100 / Decimal(target)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def forecast(actor, *, period, user: str | None = None, department=None) -> dict:
    """Won, weighted, best case and target of a period for a user, a department or the company.

    `period` is a Period or its text ("2026-Q4"); a bad one is a 400 on `period`; a user or
    department the actor may not see is a 404."""
    period = period if isinstance(period, Period) else periods.parse(period)
    entity = resolve_entity(actor, user=user, department=department)
    row = _opportunities(actor, entity, period).aggregate(**_aggregates(period))
    figures = Figures.of(row)
    book, tree = TargetBook.for_entity(entity, period)
    return {
        "period": period.code,
        "entity": entity,
        "currency": settings.BASE_CURRENCY,
        **figures.as_dict(book.rolled(entity, tree)),
    }


@dataclass
class BreakdownRow:
    kind: str  # "department" or "user"
    obj: Department | User
    figures: Figures
    target: Decimal | None

    @property
    def label(self) -> str:
        return str(self.obj)

    @property
    def is_empty(self) -> bool:
        return self.target is None and not self.figures.won_count and not self.figures.open_count

    def as_dict(self) -> dict:
        ident = {"id": self.obj.pk, "name": str(self.obj)}
        if self.kind == USER:
            ident["username"] = self.obj.username
        return {"kind": self.kind, **ident, **self.figures.as_dict(self.target)}


def _per_owner(actor, entity: Entity, period: Period, *, months: bool) -> dict[int | None, dict]:
    rows = (
        _opportunities(actor, entity, period)
        .order_by()
        .values("owner_id")
        .annotate(**_aggregates(period, months=months))
    )
    return {r["owner_id"]: r for r in rows}


def forecast_breakdown(actor, *, period, user: str | None = None, department=None) -> dict:
    """The forecast split one level down the tree — one row per direct sub-department and per
    direct member (the company: per top department and per user without one) — and per month.

    One grouped query (by owner, with per-month conditional sums), one of targets, and the
    department tree; the roll-up is Python over users."""
    period = period if isinstance(period, Period) else periods.parse(period)
    entity = resolve_entity(actor, user=user, department=department)
    per_owner = _per_owner(actor, entity, period, months=True)
    month_list = period.months() if period.kind != periods.MONTH else [period]

    def figures_of(user_ids) -> Figures:
        total = Figures()
        for uid in user_ids:
            if uid in per_owner:
                total.add(Figures.of(per_owner[uid]))
        return total

    book, tree = TargetBook.for_entity(entity, period)
    rows: list[BreakdownRow] = []
    if entity.kind == USER:
        rows.append(BreakdownRow(USER, entity.user, figures_of([entity.user.pk]), book.user(entity.user.pk)))  # type: ignore[arg-type]  # kind says
    else:
        # Departments with nothing in the period (no deals, no target) are left out, and so are
        # users without a department (administrators…) at the company level; a department's
        # active members always have their row.
        key = entity.department.pk if entity.kind == DEPARTMENT else None
        for child in tree.children.get(key, []):
            row = BreakdownRow(
                DEPARTMENT, child, figures_of(tree.subtree_user_ids(child)), book.department(child, tree)
            )
            if not row.is_empty:
                rows.append(row)
        visible = visible_user_ids(actor)
        for uid in tree.members.get(key, []):
            u = tree.users[uid]
            if visible is not None and uid not in visible:
                continue
            row = BreakdownRow(USER, u, figures_of([uid]), book.user(uid))
            if (not u.is_active or entity.kind == COMPANY) and row.is_empty:
                continue
            rows.append(row)
    target = book.rolled(entity, tree)
    month_targets = [book.rolled(entity, tree, m) for m in month_list]
    total = Figures()
    for r in per_owner.values():
        total.add(Figures.of(r))
    months_out = []
    for i, (m, m_target) in enumerate(zip(month_list, month_targets, strict=True)):
        prefix = f"m{i}_" if len(month_list) > 1 else ""
        mf = Figures()
        for r in per_owner.values():
            part = Figures.of(r, prefix)
            part.won_count = part.open_count = 0
            mf.add(part)
        months_out.append({"period": m.code, **mf.as_dict(m_target)})
    return {
        "period": period.code,
        "entity": entity,
        "currency": settings.BASE_CURRENCY,
        "total": total.as_dict(target),
        "rows": rows,
        "months": months_out,
    }


def leaderboard(actor, *, period, user: str | None = None, department=None, limit: int = 100) -> dict:
    """Users ranked by won amount in the period (then attainment, then name), with won count,
    target and attainment. The department's subtree (or the company, or the default entity);
    only users the actor may see."""
    period = period if isinstance(period, Period) else periods.parse(period)
    entity = resolve_entity(actor, user=user, department=department)
    per_owner = _per_owner(actor, entity, period, months=False)
    visible = visible_user_ids(actor)
    users: dict[Any, Any]
    if entity.kind == USER:
        users = {entity.user.pk: entity.user}
    elif entity.kind == DEPARTMENT:
        users = DepartmentTree.load(entity.department).users
    else:
        wanted = set(per_owner) | set(
            Target.objects.filter(
                user__isnull=False, starts_on__gte=period.start, ends_on__lte=period.end
            ).values_list("user_id", flat=True)
        )
        users = {u.pk: u for u in User.objects.filter(pk__in=[w for w in wanted if w is not None])}
    book = TargetBook(period, users=list(users), departments=[])
    rows = []
    for uid, u in users.items():
        if visible is not None and uid not in visible:
            continue
        target = book.user(uid)
        if not u.is_active and uid not in per_owner and target is None:
            continue
        figures = Figures.of(per_owner.get(uid, {}))
        rows.append({"user": u, "username": u.username, "name": str(u), **figures.as_dict(target)})
    rows.sort(key=lambda r: (-r["won"], -(r["attainment"] or Decimal(-1)), r["username"]))
    for i, r in enumerate(rows, start=1):
        r["rank"] = i
    return {
        "period": period.code,
        "entity": entity,
        "currency": settings.BASE_CURRENCY,
        "items": rows[:limit],
    }
