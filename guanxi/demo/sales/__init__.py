"""The sales side of the demo: what `make demo` shows on the kanban, the pools and the dashboards.

`make_sales_demo(users)` runs after the demo organization and customers (generate.py) and adds,
in one transaction, once (it does nothing when the database already has leads, opportunities or
pools, so running `guanxi demo-data` again never doubles them):

- exchange rates of USD, EUR, HKD, TWD and JPY against CNY, dated today (demo values, roughly
  the market's in 2026, not a rate feed);
- the default pipeline (from sales migration 0002; made here only when it is missing) and a
  second one, "渠道销售 Channel sales";
- about 60 opportunities of rep1, rep2, rep3 and manager1 across every stage of both pipelines,
  5万–200万, closing over this and next quarter, won and lost ones closed in the last months
  (lost with a reason), each with its stage history (believable days per stage) and contact roles;
- about 80 leads of every source, region, industry and status (converted ones linked to the
  account, contact and opportunity they became; unqualified ones with a reason), some with
  follow-ups, scored by the demo scoring rules;
- scoring rules, assignment rules (广东 → rep3; web-form leads → rep1/rep2 round robin, 30 open
  each at most) and the web form 官网咨询 (`/f/contact-us`) with consent text in three languages;
- two pools: 华东公海 (East customers, with reclaim rules per tier) and 线索公海 (leads, all of
  Sales), each holding about 15 records (owner NULL, pool set), with claims, returns, a reclaim
  and a few locked records among the members';
- targets for this month and quarter for rep1–rep3, manager1, East, South and Sales, set so that
  the forecast's attainment lands between about 40 % and 110 %.

The rows are written with bulk_create, with the same derived fields the services keep
(amount_base, stage_type, probability, stage_entered_at, closed_at, owned_since, score and its
reasons), a "create" audit row per lead and opportunity, and search index entries.

Ownership clock: the pools "started" a few weeks before the demo, so customers are owned since a
date within the last 40 days (generate.owned_since) rather than since their creation, up to two
years ago — otherwise the first nightly reclaim would take back nearly every customer without
an open opportunity. A handful are placed just before a reminder and just past a rule, so that
the first nights show reminders and a reclaim.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from guanxi.audit.services import record_bulk
from guanxi.customers.models import Account, Contact
from guanxi.org.models import User
from guanxi.sales.models import Lead, LeadForm, Opportunity, Pool
from guanxi.search import services as search

from .config import ensure_pipelines, ensure_rates, make_form, make_pools, make_rules
from .data import OPPORTUNITY_OWNERS
from .leads import make_leads, make_notifications, users_by_pk
from .opportunities import make_opportunities
from .pools import fill_pools, ownership_clock
from .targets import make_targets


def already_there() -> bool:
    return Pool._base_manager.exists() or Opportunity._base_manager.exists() or Lead._base_manager.exists()


def make_sales_demo(
    users: dict[str, User], *, seed: int = 2026, now: datetime | None = None
) -> dict[str, int]:
    """The demo's sales data, once (an empty dict when sales data is already there)."""
    if already_there():
        return {}
    now = now or timezone.now()
    today = timezone.localdate(now)
    rng = random.Random(f"{seed}:sales")
    depts: dict[str, Any] = {  # the demo's users all have a department
        key: users[u].department
        for key, u in (("sales", "director"), ("east", "manager1"), ("south", "rep3"))
    }
    admin = users["admin"]
    with transaction.atomic():
        rates = ensure_rates(now)
        default, channel = ensure_pipelines()
        rules = make_rules(users, depts)
        form = make_form(admin, now)
        east, lead_pool = make_pools(users, depts, now - timedelta(days=28))
        owners = [users[u].pk for u in OPPORTUNITY_OWNERS]
        accounts_by_owner = defaultdict(list)
        for account in Account.objects.filter(owner_id__in=owners, deleted_at__isnull=True).order_by("id"):
            accounts_by_owner[account.owner_id].append(account)
        # Deals on a third of each owner's customers; the pool is filled from the others.
        for pk in owners:
            accounts_by_owner[pk] = accounts_by_owner[pk][: max(3, len(accounts_by_owner[pk]) // 3)]
        opportunities = make_opportunities(
            rng, users, {"default": default, "channel": channel}, rates, accounts_by_owner, now, today
        )
        busy = {a.pk for group in accounts_by_owner.values() for a in group}
        won_targets: list[Any] = []
        first_contacts = {c.account_id: c for c in Contact.objects.filter(account__in=busy).order_by("-id")}
        for opp in opportunities[::5]:
            if opp.account_id in first_contacts:
                won_targets.append(
                    (opp.account, first_contacts[opp.account_id], opp if len(won_targets) % 2 else None)
                )
        leads, lead_activities = make_leads(
            rng,
            users,
            form,
            rules,
            won_targets,
            lead_pool,
            now,
            clock=lambda created: max(created, now - timedelta(days=27)),
        )
        LeadForm.objects.filter(pk=form.pk).update(submissions=sum(1 for x in leads if x.form_id))
        made = fill_pools(rng, users, east, lead_pool, leads, busy, now)
        ownership_clock(users, busy, now)
        made["targets"] = make_targets(rng, users, depts, opportunities, today, admin)
        made["notifications"] = make_notifications(users, leads, now)
        search.bulk_index([*leads, *opportunities])
        by_owner = defaultdict(list)
        for obj in [*leads, *opportunities]:
            by_owner[obj.created_by_id].append(obj)
        for owner_pk, objs in by_owner.items():
            record_bulk(
                actor=users_by_pk(users)[owner_pk],  # type: ignore[index]  # made by a user
                verb="create",
                objs=objs,
                changes_for=lambda o: {"name": (None, o.name)},
            )
        _rescore(leads)
    return {
        "leads": len(leads),
        "lead_followups": len(lead_activities),
        "opportunities": len(opportunities),
        "pipelines": 2,
        "scoring_rules": len(rules),
        **made,
    }


def _rescore(leads: list[Lead]) -> None:
    """Once the scoring feature is there, its own computation replaces the demo's."""
    from guanxi.sales.scoring.services import rescore

    rescore(Lead.objects.filter(pk__in=[x.pk for x in leads]))
