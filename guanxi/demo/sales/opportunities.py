"""The sales demo's opportunities: about 60 across every stage of both pipelines, each with its stage
history and contact roles."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from guanxi.customers.models import Contact, ContactRole
from guanxi.sales.models import Opportunity, OpportunityContact, OpportunityStageChange, Stage

from .config import stages_of
from .data import (
    CHANNEL_PROJECTS,
    COMPETITORS,
    DAY,
    LOSS_REASONS,
    NEXT_STEPS,
    OPPORTUNITIES,
    OPPORTUNITY_OWNERS,
    PROJECTS,
    WIN_REASONS,
    base_amount,
    local_dt,
    money,
    month_bounds,
    quarter_bounds,
    short_name,
)


class Timeline:
    """The stage path of one deal, backwards from where it is now."""

    def __init__(self, rng: random.Random, now: datetime):
        self.rng, self.now = rng, now

    def path(self, open_stages: list[Stage], won: Stage, lost: Stage, outcome: str) -> list[Stage]:
        if outcome == "won":
            return [*open_stages, won] if self.rng.random() < 0.7 else [*open_stages[1:], won]
        if outcome == "lost":
            return [*open_stages[: self.rng.randrange(1, len(open_stages) + 1)], lost]
        # open deals cycle through the stages (more of them early in the funnel), so every column has cards
        self.opened = getattr(self, "opened", -1) + 1
        return open_stages[: min(len(open_stages), (1, 2, 3, 4, 2, 1, 3, 2)[self.opened % 8])]

    def moments(self, steps: int, end: datetime, *, open_: bool) -> list[datetime]:
        """When each stage of the path was entered: 3–25 days per stage, the last one (an open
        deal's current stage) entered 1–20 days before `end`."""
        at = end - timedelta(seconds=self.rng.randrange(1 * DAY, 20 * DAY)) if open_ else end
        moments = [at]
        for _ in range(steps - 1):
            at -= timedelta(seconds=self.rng.randrange(3 * DAY, 25 * DAY))
            moments.append(at)
        return moments[::-1]


def make_opportunities(
    rng: random.Random, users, pipelines, rates, accounts_by_owner, now: datetime, today: date
) -> list[Opportunity]:
    q_start, _q_end, _ = quarter_bounds(today)
    _n_start, next_q_end, _ = quarter_bounds(today, 1)
    m_start, _m_end, _ = month_bounds(today)
    timeline = Timeline(rng, now)
    opportunities, changes, roles = [], [], []
    for key, count in OPPORTUNITIES.items():
        pipeline = pipelines[key]
        open_stages, won, lost = stages_of(pipeline)
        for i in range(count):
            owner = users[OPPORTUNITY_OWNERS[i % len(OPPORTUNITY_OWNERS)]]
            if not accounts_by_owner[owner.pk]:
                continue
            account = rng.choice(accounts_by_owner[owner.pk])
            j = i // len(OPPORTUNITY_OWNERS)  # each owner's j-th deal: a few won, fewer lost, most open
            outcome = "won" if j % 4 == 1 else "lost" if j % 6 == 3 else "open"
            path = timeline.path(open_stages, won, lost, outcome)
            if outcome == "open":
                moments = timeline.moments(len(path), now, open_=True)
                expected = today + timedelta(days=rng.randrange(3, max(4, (next_q_end - today).days + 1)))
                closed_at = None
            else:
                # closed in the last months; some this month and this quarter for the forecast
                window_start = (
                    m_start if j % 3 == 0 else q_start if j % 3 == 1 else q_start - timedelta(days=75)
                )
                span = int((now - local_dt(window_start, rng)).total_seconds()) - 3600
                if span < 7200:  # early on the window's first day: lately, but not before that day
                    since = now - timezone.make_aware(datetime.combine(window_start, datetime.min.time()))
                    span = max(1, min(7200, int(since.total_seconds())))
                closed_at = now - timedelta(seconds=rng.randrange(min(600, span - 1), span))
                moments = timeline.moments(len(path), closed_at, open_=False)
                expected = timezone.localdate(closed_at)
            currency = "CNY" if rng.random() < 0.85 else rng.choice(["USD", "HKD", "EUR"])
            cny = Decimal(
                int(50000 * (40 ** rng.random())) // 1000 * 1000
            )  # 5万–200万, more small than large
            amount = cny if currency == "CNY" else (cny / rates[currency] / 100).quantize(Decimal(1)) * 100
            stage = path[-1]
            probability = stage.probability
            manual = outcome == "open" and rng.random() < 0.1
            if manual:
                probability = min(95, stage.probability + 15)
            projects = CHANNEL_PROJECTS if key == "channel" else PROJECTS
            opp = Opportunity(
                name=f"{short_name(account.name)} {rng.choice(projects)}"[:200],
                account=account,
                owner=owner,
                created_by=owner,
                amount=money(amount),
                currency=currency,
                amount_base=base_amount(money(amount), currency, rates),
                pipeline=pipeline,
                stage=stage,
                stage_type=stage.type,
                probability=probability,
                probability_manual=manual,
                expected_close=expected,
                next_step=rng.choice(NEXT_STEPS) if outcome == "open" else "",
                competitors=rng.sample(COMPETITORS, rng.randrange(0, 3)),
                loss_reason=rng.choice(LOSS_REASONS) if outcome == "lost" else "",
                win_reason=rng.choice(WIN_REASONS) if outcome == "won" else "",
                created_at=moments[0],
                updated_at=moments[-1],
                stage_entered_at=moments[-1],
                closed_at=closed_at,
            )
            opportunities.append(opp)
            previous = None
            for at, step in zip(moments, path, strict=True):
                changes.append(
                    OpportunityStageChange(
                        opportunity=opp,
                        from_stage=previous[1] if previous else None,
                        to_stage=step,
                        at=at,
                        actor=owner,
                        seconds_in_stage=int((at - previous[0]).total_seconds()) if previous else None,
                        amount=opp.amount,
                        probability=step.probability,
                        reason=opp.loss_reason if step.type == Stage.Type.LOST else "",
                    )
                )
                previous = (at, step)
    Opportunity.objects.bulk_create(opportunities)
    for change in changes:
        change.opportunity_id = change.opportunity.pk
    OpportunityStageChange.objects.bulk_create(changes)
    contacts = defaultdict(list)
    for contact in Contact.objects.filter(account__in=[o.account_id for o in opportunities]).order_by("id"):
        contacts[contact.account_id].append(contact)
    role_choices = [
        ContactRole.DECISION_MAKER,
        ContactRole.INFLUENCER,
        ContactRole.TECHNICAL,
        ContactRole.BUYER,
        ContactRole.FINANCE,
    ]
    for opp in opportunities:
        for j, contact in enumerate(contacts[opp.account_id][: rng.randrange(1, 4)]):
            roles.append(
                OpportunityContact(
                    opportunity=opp, contact=contact, role=role_choices[(opp.pk + j) % 5], is_primary=j == 0
                )
            )
    OpportunityContact.objects.bulk_create(roles)
    return opportunities
