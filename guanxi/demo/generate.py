"""Customer data in bulk: the demo's 200 accounts / 600 contacts, or N and 3N for benchmarks.

How it works
------------
The data is made in *chunks* of up to CHUNK accounts, each account with 3 contacts.

- `make_chunk()` is the one place that decides what the records look like (names.py supplies
  the realistic parts). It returns unsaved model instances. Its random generator is seeded
  from (seed, chunk number), so a chunk is the same whichever process makes it and in
  whatever order the chunks are made.
- A *writer* saves a chunk with its search index entries:
  - `write_with_orm()`: `bulk_create`, for SQLite (and any other database);
  - `pgload.write_with_copy()`: PostgreSQL's COPY, several times faster, with ids reserved
    up front so that contacts can point at their accounts before anything is saved.

Small runs (the demo) make their chunks one after the other in this process. Large runs on
PostgreSQL (PARALLEL_FROM accounts and more, e.g. `--scale 1000000`) make them in one worker
process per CPU core, each worker with its own database connection: making the rows and
their search tokens (pinyin, phone numbers) is the expensive part, so this divides the time
by the number of cores. During such a load the tables' indexes and foreign keys are set
aside and rebuilt at the end, which is much faster than maintaining them row by row, and the
planner's statistics are refreshed (see pgload.py).
"""

from __future__ import annotations

import multiprocessing
import os
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction
from django.utils import timezone

from guanxi.core.validators import normalize_phone
from guanxi.customers.directory.names import company_key, person_key
from guanxi.customers.models import Account, Contact, ContactAccount, PartnerLink, StageChange, Tier
from guanxi.engagement.models import Activity, ActivityContact, Task
from guanxi.search import services as search
from guanxi.search.models import SearchDocument

from . import custom_fields, names, story
from .org import SALES_USERS, ensure_demo_org

CHUNK = 5000  # accounts per chunk (and 3 × CHUNK contacts)
CONTACTS_PER_ACCOUNT = 3
PARALLEL_FROM = 50_000  # accounts; below this, worker processes cost more than they save
OWNER_WEIGHTS = [1, 2, 4, 4, 4]  # director, manager1, rep1, rep2, rep3 (SALES_USERS' order)
TIERS = [Tier.A, Tier.B, Tier.B, Tier.C, Tier.C, Tier.C]
TAGS = ["重点客户", "VIP", "代理商", "老客户", "新客户", "展会"]
ACTIVITIES_PER_ACCOUNT = 20  # on average (story.activity_range)
OWNED_DAYS = 40  # the oldest ownership (owned_since), see owned_since()
DEFAULT_THRESHOLDS = {"A": 30, "B": 60, "C": 90, "": 90}  # CustomerSettings' defaults
# The tables a large load fills, whose indexes and foreign keys are set aside meanwhile.
BULK_MODELS = [
    Account,
    Contact,
    SearchDocument,
    ContactAccount,
    PartnerLink,
    StageChange,
    Activity,
    ActivityContact,
    Task,
]


@dataclass(frozen=True)
class Plan:
    """Everything a chunk depends on, small enough to send to a worker process."""

    seed: int
    owner_ids: list[int]  # in SALES_USERS' order
    now: datetime
    validate: bool  # normalize phones with phonenumbers (slow; skipped for benchmark volumes)
    activities_per_account: int = ACTIVITIES_PER_ACCOUNT
    thresholds: dict[str, int] = field(
        default_factory=lambda: dict(DEFAULT_THRESHOLDS)
    )  # dormancy days per tier
    manager_ids: tuple[int, ...] = ()  # who else gets tasks: director, manager1

    @property
    def max_activities(self) -> int:
        return story.activity_range(self.activities_per_account)[1]


@dataclass
class Chunk:
    accounts: list[Account]
    contacts: list[Contact]  # contact.account is set to the (still unsaved) Account instance
    story: story.Story = field(default_factory=story.Story)  # follow-ups, tasks, links … (story.py)


def _phone(value: str, validate: bool) -> str:
    if not validate:
        return value.replace(" ", "")
    try:
        return normalize_phone(value)
    except ValidationError:
        return ""


def owned_since(created: datetime, now: datetime) -> datetime:
    """Since when the owner has had the customer, as the pools' reclaim rules count it: the
    demo's owners took their customers over when the pools started, within the last OWNED_DAYS
    days (spread by the creation time, without a draw of the random generator, so the other
    fields stay what they were); the newer customers since their creation."""
    age = now - created
    if age <= timedelta(days=OWNED_DAYS):
        return created
    return now - timedelta(seconds=2 * 86400 + int(age.total_seconds()) % ((OWNED_DAYS - 2) * 86400))


def make_chunk(plan: Plan, number: int, count: int) -> Chunk:
    """Accounts number·CHUNK … number·CHUNK + count − 1 with their contacts, unsaved."""
    rng = random.Random(f"{plan.seed}:{number}")
    pick_owner = lambda: rng.choices(plan.owner_ids, OWNER_WEIGHTS)[0]  # noqa: E731
    accounts: list[Account] = []
    contacts: list[Contact] = []
    per_account: list[Any] = []
    for i in range(count):
        data = names.company(rng, number * CHUNK + i)
        owner_id = pick_owner()
        age = rng.randrange(0, 720 * 24 * 3600)
        created = plan.now - timedelta(seconds=age)
        account = Account(
            name=data["name"],
            uscc=data["uscc"],
            industry=data["industry"],
            tier=rng.choice(TIERS),
            phone=_phone(data["phone"], plan.validate),
            website=data.get("website", ""),
            address=data["address"],
            tags=rng.sample(TAGS, rng.randrange(0, 3)),
            owner_id=owner_id,
            created_by_id=owner_id,
            created_at=created,
            owned_since=owned_since(created, plan.now),
            updated_at=created + timedelta(seconds=rng.randrange(0, max(1, age))),
            name_key=company_key(data["name"]),
        )
        accounts.append(account)
        per_account.append([])
        for _ in range(CONTACTS_PER_ACCOUNT):
            p = names.person(rng, data["region"])
            contact_owner = owner_id if rng.random() < 0.9 else pick_owner()
            contact = Contact(
                name=p["name"],
                family_name=p["family_name"],
                given_name=p["given_name"],
                account=account,
                title=p["title"],
                mobile=_phone(p["mobile"], plan.validate),
                email=p["email"],
                wechat=f"wx_{p['email'].split('@')[0].replace('.', '_')}" if rng.random() < 0.5 else "",
                owner_id=contact_owner,
                created_by_id=contact_owner,
                created_at=account.created_at,
                updated_at=account.updated_at,
                name_key=person_key(p["name"]),
            )
            contacts.append(contact)
            per_account[-1].append(contact)
    # A generator of its own for the 360° data, so that the names above stay what they were.
    told = story.add_story(random.Random(f"{plan.seed}:{number}:360"), plan, accounts, contacts, per_account)
    return Chunk(accounts, contacts, told)


def write_with_orm(chunk: Chunk) -> None:
    """bulk_create: the database hands out the ids, then the rows that point at them follow
    (bulk_create takes each foreign key from the now saved instance)."""
    told = chunk.story
    with transaction.atomic():
        Account.objects.bulk_create(chunk.accounts)
        for sub, parent in told.parents:
            sub.parent_id = parent.pk
        Account.objects.bulk_update([sub for sub, _parent in told.parents], ["parent"])
        Contact.objects.bulk_create(chunk.contacts)  # takes account_id from the now saved accounts
        for model, rows in (
            (ContactAccount, told.links),
            (PartnerLink, told.partner_links),
            (StageChange, told.stage_changes),
            (Activity, told.activities),
            (ActivityContact, told.activity_contacts),
            (Task, told.tasks),
        ):
            model.objects.bulk_create(rows, batch_size=2000)  # type: ignore[arg-type]  # rows of model
        search.bulk_index(chunk.accounts)
        search.bulk_index(chunk.contacts)


def _chunk_sizes(accounts: int) -> list[int]:
    return [min(CHUNK, accounts - start) for start in range(0, accounts, CHUNK)]


def generate(
    accounts: int,
    *,
    seed: int = 2026,
    validate: bool = True,
    activities_per_account: int = ACTIVITIES_PER_ACCOUNT,
    big_customer: int = 0,
    say: Callable[[str], None] | None = None,
) -> dict[str, int]:
    """Insert `accounts` accounts, 3 contacts each, with search entries, follow-ups (about
    `activities_per_account` each), tasks, links, stage history and custom field values; with
    `big_customer`, one more account with exactly that many timeline entries (bigcustomer.py).
    Returns counts. `say` receives a line of progress now and then."""
    from guanxi.customers.models import CustomerSettings

    users = ensure_demo_org()
    custom_fields.ensure_custom_fields()
    settings_row = CustomerSettings.load()
    thresholds = {tier: settings_row.dormancy_days(tier) for tier in ("A", "B", "C", "")}
    plan = Plan(
        seed=seed,
        owner_ids=[users[u].pk for u in SALES_USERS],
        now=timezone.now(),
        validate=validate,
        activities_per_account=activities_per_account,
        thresholds=thresholds,
        manager_ids=(users["director"].pk, users["manager1"].pk),
    )
    sizes = _chunk_sizes(accounts)
    made = dict.fromkeys(COUNTED, 0)
    start = time.monotonic()

    def tell(message: str) -> None:
        if say:
            say(f"  {time.monotonic() - start:5.0f} s  {message}")

    def done(counts: dict[str, int]) -> None:
        for key, value in counts.items():
            made[key] += value
        if made["accounts"] % (10 * CHUNK) == 0 or made["accounts"] == accounts:
            tell(
                f"{made['accounts']:,} accounts, {made['contacts']:,} contacts, {made['activities']:,} follow-ups"
            )

    if connection.vendor != "postgresql":
        for number, count in enumerate(sizes):
            chunk = make_chunk(plan, number, count)
            write_with_orm(chunk)
            done(chunk_counts(chunk))
    else:
        from . import pgload, worker

        pgload.finish_interrupted_load()
        first_account = pgload.reserve_ids(Account, accounts)
        first_contact = pgload.reserve_ids(Contact, accounts * CONTACTS_PER_ACCOUNT)
        first_activity = pgload.reserve_ids(Activity, accounts * plan.max_activities)
        jobs = [
            (plan, number, count, first_account, first_contact, first_activity)
            for number, count in enumerate(sizes)
        ]
        if accounts < PARALLEL_FROM:
            for job in jobs:
                done(make_and_copy(job))
        else:
            tell("indexes and foreign keys set aside for the load")
            with pgload.bulk_load_mode(BULK_MODELS):
                connections.close_all()  # each worker opens its own connection
                workers = min(os.cpu_count() or 1, len(jobs))
                with multiprocessing.get_context("spawn").Pool(workers, initializer=worker.init) as pool:
                    for counts in pool.imap_unordered(worker.make_and_copy, jobs):
                        done(counts)
                tell("rebuilding the indexes and foreign keys")
            tell("updating the planner's statistics")
            pgload.analyze(BULK_MODELS)
    if big_customer:
        from .bigcustomer import make_big_customer

        made["big_customer"] = make_big_customer(plan, users, entries=big_customer)
        tell(f"big customer with {big_customer:,} timeline entries")
    from .notifications import make_notifications

    made["notifications"] = make_notifications(users, now=plan.now)
    if validate:
        record_creation_history()
    tell("done")
    return made


COUNTED = ("accounts", "contacts", "activities", "activity_contacts", "tasks", "links", "stage_changes")


def chunk_counts(chunk: Chunk) -> dict[str, int]:
    told = chunk.story
    return {
        "accounts": len(chunk.accounts),
        "contacts": len(chunk.contacts),
        "activities": len(told.activities),
        "activity_contacts": len(told.activity_contacts),
        "tasks": len(told.tasks),
        "links": len(told.links),
        "stage_changes": len(told.stage_changes),
    }


def record_creation_history() -> None:
    """Small (demo) runs: a "created" audit row per record, so record pages start with a history.
    Benchmark-scale runs skip it; their records simply show no history yet."""
    from guanxi.audit.models import AuditEvent

    for model, fields in (
        (Account, ("name", "industry", "tier", "phone")),
        (Contact, ("name", "title", "mobile", "email")),
    ):
        seen = AuditEvent.objects.filter(object_type=model.POLICY_OBJECT_TYPE, verb="create").values(
            "object_id"
        )
        rows = model._base_manager.exclude(pk__in=seen).select_related("owner")
        AuditEvent.objects.bulk_create(
            (
                AuditEvent(
                    actor_id=r.owner_id,
                    actor_label=r.owner.username,  # type: ignore[union-attr]  # owned records only
                    verb="create",
                    at=r.created_at,
                    object_type=model.POLICY_OBJECT_TYPE,
                    object_id=r.pk,
                    object_label=str(r)[:300],
                    changes={f: [None, getattr(r, f)] for f in fields if getattr(r, f)},
                )
                for r in rows.iterator(chunk_size=2000)
            ),
            batch_size=2000,
        )


def make_and_copy(job: tuple) -> dict[str, int]:
    """One chunk on PostgreSQL: make it, give it its reserved ids, COPY it. Runs in workers too."""
    from . import pgload

    plan, number, count, first_account, first_contact, first_activity = job
    chunk = make_chunk(plan, number, count)
    pgload.write_with_copy(
        chunk,
        first_account=first_account + number * CHUNK,
        first_contact=first_contact + number * CHUNK * CONTACTS_PER_ACCOUNT,
        first_activity=first_activity + number * CHUNK * plan.max_activities,
    )
    return chunk_counts(chunk)
