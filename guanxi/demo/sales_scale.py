"""Sales at benchmark volumes: `guanxi demo-data --scale N` adds N/2 leads and 0.3·N opportunities.

Runs after the accounts are loaded (generate.py) and after the sales demo (sales.py), whose
pipelines, pools and rules it reuses. The accounts are read in id order, CHUNK at a time (id,
owner, name: nothing else is kept in memory), and each chunk gets its opportunities (0.3 per
account, owned by the account's owner) and leads (0.5 per account):

- the first BOARD_OPEN opportunities (5,000, or a third of them on small runs) are open deals
  of the channel pipeline, so that its kanban board has exactly that many cards — the
  benchmark's board; the rest are in the default pipeline, about half open, a third won and
  the rest lost (with a reason), spread over the last year and the next two quarters;
- every opportunity has its stage history (one row per stage entered);
- 2 % of the leads wait in the lead pool (owner NULL), and 1 % of the East members' accounts in
  the customer pool (one set-based UPDATE);
- search index entries for the leads and opportunities.

Ids are given up front (PostgreSQL: a reserved block of the sequence, pgload.reserve_ids;
SQLite: after the current maximum, one writer), so the stage history points at its deals
before anything is saved; PostgreSQL writes with COPY (pgload), other databases with
bulk_create. The generator is seeded per chunk, so a chunk is the same in every run.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from guanxi.customers.models import Account, Industry
from guanxi.org.models import User
from guanxi.sales.models import (
    Lead,
    LeadSource,
    LeadStatus,
    Opportunity,
    OpportunityStageChange,
    Pipeline,
    Pool,
)
from guanxi.search import services as search
from guanxi.search.models import SearchDocument

from . import names
from .generate import owned_since
from .org import SALES_USERS
from .sales.config import stages_of
from .sales.data import (
    CHANNEL_NAME,
    LOSS_REASONS,
    PROJECTS,
    PROVINCES,
    UNQUALIFIED_REASONS,
    money,
    short_name,
)
from .story import instance

CHUNK = 5000  # accounts per chunk
OPPORTUNITIES_PER_ACCOUNT = 0.3
LEADS_PER_ACCOUNT = 0.5
BOARD_OPEN = 5000
DAY = 86400
STATUSES = (
    [LeadStatus.NEW] * 3
    + [LeadStatus.WORKING] * 3
    + [LeadStatus.QUALIFIED, LeadStatus.UNQUALIFIED, LeadStatus.CONVERTED]
)
SOURCES = list(LeadSource.values)
CITIES = list(PROVINCES)


def _first_ids(model, count: int) -> int:
    if connection.vendor == "postgresql":
        from .pgload import reserve_ids

        return reserve_ids(model, count)
    return (model._base_manager.aggregate(top=Max("pk"))["top"] or 0) + 1


def _write(model, rows: list) -> None:
    if not rows:
        return
    if connection.vendor == "postgresql":
        from .pgload import _copier

        with connection.cursor() as cursor:
            _copier(model, with_pk=model in (Opportunity, Lead))(
                cursor, rows
            )  # the others take their sequence's ids
    else:
        model.objects.bulk_create(rows, batch_size=1000)


class Maker:
    def __init__(
        self,
        seed: int,
        now,
        default: Pipeline,
        channel: Pipeline,
        lead_pool: Pool | None,
        owner_ids: list[int],
        board_open: int,
    ):
        self.seed, self.now = seed, now
        self.default, self.channel = stages_of(default), stages_of(channel)
        self.default_id, self.channel_id = default.pk, channel.pk
        self.lead_pool_id = lead_pool.pk if lead_pool else None
        self.owner_ids = owner_ids
        self.board_left = board_open

    def opportunity(
        self, rng: random.Random, pk: int, account: tuple[int, int, str], changes: list
    ) -> Opportunity:
        account_id, owner_id, account_name = account
        if self.board_left > 0:
            self.board_left -= 1
            (open_stages, won, lost), pipeline_id, outcome = self.channel, self.channel_id, "open"
        else:
            (open_stages, won, lost), pipeline_id = self.default, self.default_id
            roll = rng.random()
            outcome = "open" if roll < 0.5 else "won" if roll < 0.83 else "lost"
        if outcome == "open":
            path = open_stages[: rng.randrange(1, len(open_stages) + 1)]
        elif outcome == "won":
            path = [*open_stages[rng.randrange(0, 2) :], won]
        else:
            path = [*open_stages[: rng.randrange(1, len(open_stages) + 1)], lost]
        end = self.now - timedelta(seconds=rng.randrange(DAY, 20 * DAY if outcome == "open" else 360 * DAY))
        moments = [end]
        for _ in path[1:]:
            moments.append(moments[-1] - timedelta(seconds=rng.randrange(3 * DAY, 25 * DAY)))
        moments.reverse()
        stage = path[-1]
        amount = Decimal(int(50000 * (40 ** rng.random())) // 1000 * 1000)
        closed = outcome != "open"
        expected = (
            timezone.localdate(end)
            if closed
            else timezone.localdate(self.now) + timedelta(days=rng.randrange(1, 180))
        )
        previous = None
        for at, step in zip(moments, path, strict=True):
            changes.append(
                instance(
                    OpportunityStageChange,
                    opportunity_id=pk,
                    from_stage_id=previous[1].pk if previous else None,
                    to_stage_id=step.pk,
                    at=at,
                    actor_id=owner_id,
                    amount=amount,
                    probability=step.probability,
                    seconds_in_stage=int((at - previous[0]).total_seconds()) if previous else None,
                    reason="",
                )
            )
            previous = (at, step)
        return instance(
            Opportunity,
            id=pk,
            name=f"{short_name(account_name)} {rng.choice(PROJECTS)}"[:200],
            account_id=account_id,
            owner_id=owner_id,
            created_by_id=owner_id,
            amount=money(amount),
            currency="CNY",
            amount_base=money(amount),
            pipeline_id=pipeline_id,
            stage_id=stage.pk,
            stage_type=stage.type,
            probability=stage.probability,
            expected_close=expected,
            competitors=[],
            loss_reason=rng.choice(LOSS_REASONS) if outcome == "lost" else "",
            created_at=moments[0],
            updated_at=moments[-1],
            stage_entered_at=moments[-1],
            closed_at=end if closed else None,
            custom_fields={},
        )

    def lead(self, rng: random.Random, pk: int, number: int) -> Lead:
        company = names.company(rng, 2_000_000 + number)
        person = names.person(rng, "cn")
        city = rng.choice(CITIES)
        created = self.now - timedelta(seconds=rng.randrange(3600, 365 * DAY))
        pooled = self.lead_pool_id is not None and rng.random() < 0.02
        owner_id = rng.choice(self.owner_ids)
        status = LeadStatus.NEW if pooled else rng.choice(STATUSES)
        return instance(
            Lead,
            id=pk,
            name=person["name"],
            company=company["name"],
            title=person["title"],
            mobile=person["mobile"].replace(" ", "") if rng.random() < 0.85 else "",
            email=person["email"] if rng.random() < 0.6 else "",
            source=rng.choice(SOURCES),
            province=PROVINCES[city],
            city=f"{city}市",
            industry=company["industry"] if company["industry"] in Industry.values else Industry.OTHER,
            status=status,
            unqualified_reason=rng.choice(UNQUALIFIED_REASONS) if status == LeadStatus.UNQUALIFIED else "",
            owner_id=None if pooled else owner_id,
            created_by_id=owner_id,
            pool_id=self.lead_pool_id if pooled else None,
            owned_since=None if pooled else owned_since(created, self.now),
            converted_at=created + timedelta(days=3) if status == LeadStatus.CONVERTED else None,
            score=rng.choice([0, 5, 5, 10, 15, 20, 25, 30, 40]),
            score_reasons=[],
            custom_fields={},
            created_at=created,
            updated_at=created,
        )


def _account_chunks(after: int = 0):
    """(id, owner_id, name) of the live accounts, CHUNK at a time in id order (owner None: in a pool)."""
    while True:
        rows = list(
            Account._base_manager.filter(pk__gt=after, deleted_at__isnull=True)
            .order_by("pk")
            .values_list("pk", "owner_id", "name")[:CHUNK]
        )
        if not rows:
            return
        yield rows
        after = rows[-1][0]


def generate_sales(
    scale: int, *, seed: int = 2026, say: Callable[[str], None] | None = None
) -> dict[str, int]:
    start = time.monotonic()
    now = timezone.now()
    default = (
        Pipeline.objects.filter(is_default=True, deleted_at__isnull=True).order_by("order", "id").first()
    )
    channel = Pipeline.objects.filter(name_en=CHANNEL_NAME[0], deleted_at__isnull=True).first()
    lead_pool = (
        Pool.objects.filter(kind=Pool.Kind.LEAD, deleted_at__isnull=True).order_by("order", "id").first()
    )
    customer_pool = (
        Pool.objects.filter(kind=Pool.Kind.CUSTOMER, deleted_at__isnull=True).order_by("order", "id").first()
    )
    owners = list(User.objects.filter(username__in=SALES_USERS).values_list("pk", flat=True))
    total_opps, total_leads = int(scale * OPPORTUNITIES_PER_ACCOUNT), int(scale * LEADS_PER_ACCOUNT)
    board_open = min(BOARD_OPEN, total_opps // 3)
    maker = Maker(seed, now, default, channel, lead_pool, owners, board_open)  # type: ignore[arg-type]  # made by demo-data
    first_opp, first_lead = _first_ids(Opportunity, total_opps), _first_ids(Lead, total_leads)
    made = {"opportunities": 0, "leads": 0, "stage_changes": 0}
    seen = 0
    for number, accounts in enumerate(_account_chunks()):
        if made["opportunities"] >= total_opps and made["leads"] >= total_leads:
            break
        rng = random.Random(f"{seed}:sales:{number}")
        opps: list[Any] = []
        changes: list[Any] = []
        leads: list[Any] = []
        for account in accounts:
            seen += 1  # exactly 0.3 opportunities and 0.5 leads per account, evenly spread
            if account[1] is not None and made["opportunities"] + len(opps) < min(
                total_opps, int(seen * OPPORTUNITIES_PER_ACCOUNT)
            ):
                opps.append(
                    maker.opportunity(rng, first_opp + made["opportunities"] + len(opps), account, changes)
                )
            if made["leads"] + len(leads) < min(total_leads, int(seen * LEADS_PER_ACCOUNT)):
                leads.append(
                    maker.lead(rng, first_lead + made["leads"] + len(leads), number * CHUNK + len(leads))
                )
        documents = [search.document_for(obj, now=now) for obj in (*opps, *leads)]
        with transaction.atomic():
            _write(Opportunity, opps)
            _write(OpportunityStageChange, changes)
            _write(Lead, leads)
            _write(SearchDocument, documents)
        made["opportunities"] += len(opps)
        made["leads"] += len(leads)
        made["stage_changes"] += len(changes)
        if say and number % 10 == 9:
            say(
                f"  {time.monotonic() - start:5.0f} s  {made['opportunities']:,} opportunities, {made['leads']:,} leads"
            )
    made["board_open"] = board_open - maker.board_left
    made["pooled_accounts"] = pool_accounts(customer_pool) if customer_pool else 0
    if connection.vendor == "postgresql":
        from .pgload import analyze

        analyze([Opportunity, OpportunityStageChange, Lead, Account])
    if say:
        say(f"  {time.monotonic() - start:5.0f} s  sales volumes done")
    return made


def pool_accounts(pool: Pool) -> int:
    """1 % of the pool members' customers (by id), set-based: owner NULL, pool set, and their
    contacts' owner and search entries with them."""
    from guanxi.customers.models import Contact

    path = _paths(pool)
    members = (
        list(User.objects.filter(department__path__startswith=path).values_list("pk", flat=True))
        if path
        else []
    )
    if not members:
        return 0
    chosen = Account._base_manager.filter(
        owner_id__in=members, deleted_at__isnull=True, pool__isnull=True, opportunities__isnull=True
    )
    ids = [pk for pk in chosen.values_list("pk", flat=True).iterator(chunk_size=20000) if pk % 100 == 7]
    with transaction.atomic():
        for start in range(0, len(ids), 5000):
            part = ids[start : start + 5000]
            Account._base_manager.filter(pk__in=part).update(
                owner=None, pool=pool, owned_since=None, pool_locked=False
            )
            contacts = Contact._base_manager.filter(account_id__in=part)
            SearchDocument.objects.filter(object_type="contact", object_id__in=contacts.values("pk")).update(
                owner_id=None
            )
            contacts.update(owner=None)
            SearchDocument.objects.filter(object_type="account", object_id__in=part).update(owner_id=None)
    return len(ids)


def _paths(pool: Pool) -> str:
    dept = pool.member_departments.order_by("path").first()
    return dept.path if dept else ""
