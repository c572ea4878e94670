"""The sales demo's targets for this month and quarter, set so that the forecast's attainment lands
between about 40 % and 110 %."""

from __future__ import annotations

import random
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

from guanxi.sales.models import Opportunity, Target

from .data import OPPORTUNITY_OWNERS, money, month_bounds, quarter_bounds


def round_to(value: Decimal, step: int) -> Decimal:
    return money((value / step).quantize(Decimal(1), rounding=ROUND_HALF_UP) * step)


def make_targets(
    rng: random.Random, users, depts, opportunities: list[Opportunity], today: date, admin
) -> int:
    """Each rep's target set from what they won in the period, so that attainment (won against
    target, as the forecast shows it) lands between about 40 % and 110 %; departments' targets
    are their people's together (Sales a little more)."""
    rows = []
    for start, end, code in (quarter_bounds(today), month_bounds(today)):
        kind = Target.Kind.QUARTER if "Q" in code else Target.Kind.MONTH
        mine = {}
        for username in OPPORTUNITY_OWNERS:
            user = users[username]
            won = sum(
                (
                    o.amount_base
                    for o in opportunities
                    if o.owner_id == user.pk
                    and o.stage_type == "won"
                    and start <= timezone.localdate(o.closed_at) <= end
                ),
                Decimal(0),
            )
            basis = won or Decimal(300000 if kind == Target.Kind.MONTH else 900000)
            mine[username] = max(Decimal(50000), round_to(basis / Decimal(str(rng.uniform(0.4, 1.1))), 10000))
            rows.append(
                Target(
                    user=user,
                    period=code,
                    kind=kind,
                    starts_on=start,
                    ends_on=end,
                    amount=mine[username],
                    created_by=admin,
                )
            )
        east = sum((mine[u] for u in ("rep1", "rep2", "manager1")), Decimal(0))
        south = mine["rep3"]
        for dept, amount in (("east", east), ("south", south), ("sales", (east + south) * Decimal("1.05"))):
            rows.append(
                Target(
                    department=depts[dept],
                    period=code,
                    kind=kind,
                    starts_on=start,
                    ends_on=end,
                    amount=round_to(amount, 10000),
                    created_by=admin,
                )
            )
    Target.objects.bulk_create(rows)
    return len(rows)
