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
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction
from django.utils import timezone

from guanxi.core.validators import normalize_phone
from guanxi.customers.models import Account, Contact, Tier
from guanxi.search import services as search
from guanxi.search.models import SearchDocument

from . import names
from .org import SALES_USERS, ensure_demo_org

CHUNK = 5000  # accounts per chunk (and 3 × CHUNK contacts)
CONTACTS_PER_ACCOUNT = 3
PARALLEL_FROM = 50_000  # accounts; below this, worker processes cost more than they save
OWNER_WEIGHTS = [1, 2, 4, 4, 4]  # director, manager1, rep1, rep2, rep3 (SALES_USERS' order)
TIERS = [Tier.A, Tier.B, Tier.B, Tier.C, Tier.C, Tier.C]
TAGS = ["重点客户", "VIP", "代理商", "老客户", "新客户", "展会"]


@dataclass(frozen=True)
class Plan:
    """Everything a chunk depends on, small enough to send to a worker process."""
    seed: int
    owner_ids: list[int]  # in SALES_USERS' order
    now: datetime
    validate: bool  # normalize phones with phonenumbers (slow; skipped for benchmark volumes)


@dataclass
class Chunk:
    accounts: list[Account]
    contacts: list[Contact]  # contact.account is set to the (still unsaved) Account instance


def _phone(value: str, validate: bool) -> str:
    if not validate:
        return value.replace(" ", "")
    try:
        return normalize_phone(value)
    except ValidationError:
        return ""


def make_chunk(plan: Plan, number: int, count: int) -> Chunk:
    """Accounts number·CHUNK … number·CHUNK + count − 1 with their contacts, unsaved."""
    rng = random.Random(f"{plan.seed}:{number}")
    pick_owner = lambda: rng.choices(plan.owner_ids, OWNER_WEIGHTS)[0]  # noqa: E731
    accounts, contacts = [], []
    for i in range(count):
        data = names.company(rng, number * CHUNK + i)
        owner_id = pick_owner()
        age = rng.randrange(0, 720 * 24 * 3600)
        created = plan.now - timedelta(seconds=age)
        account = Account(
            name=data["name"], uscc=data["uscc"], industry=data["industry"], tier=rng.choice(TIERS),
            phone=_phone(data["phone"], plan.validate), website=data.get("website", ""), address=data["address"],
            tags=rng.sample(TAGS, rng.randrange(0, 3)),
            owner_id=owner_id, created_by_id=owner_id, created_at=created,
            updated_at=created + timedelta(seconds=rng.randrange(0, max(1, age))),
        )
        accounts.append(account)
        for _ in range(CONTACTS_PER_ACCOUNT):
            p = names.person(rng, data["region"])
            contact_owner = owner_id if rng.random() < 0.9 else pick_owner()
            contacts.append(Contact(
                name=p["name"], family_name=p["family_name"], given_name=p["given_name"], account=account,
                title=p["title"], mobile=_phone(p["mobile"], plan.validate), email=p["email"],
                wechat=f"wx_{p['email'].split('@')[0].replace('.', '_')}" if rng.random() < 0.5 else "",
                owner_id=contact_owner, created_by_id=contact_owner,
                created_at=account.created_at, updated_at=account.updated_at,
            ))
    return Chunk(accounts, contacts)


def write_with_orm(chunk: Chunk) -> None:
    """bulk_create: the database hands out the ids, then contacts and index entries follow."""
    with transaction.atomic():
        Account.objects.bulk_create(chunk.accounts)
        Contact.objects.bulk_create(chunk.contacts)  # takes account_id from the now saved accounts
        search.bulk_index(chunk.accounts)
        search.bulk_index(chunk.contacts)


def _chunk_sizes(accounts: int) -> list[int]:
    return [min(CHUNK, accounts - start) for start in range(0, accounts, CHUNK)]


def generate(accounts: int, *, seed: int = 2026, validate: bool = True,
             say: Callable[[str], None] | None = None) -> dict[str, int]:
    """Insert `accounts` accounts, 3 contacts each, with search entries. Returns counts.
    `say` receives a line of progress now and then."""
    users = ensure_demo_org()
    plan = Plan(seed=seed, owner_ids=[users[u].pk for u in SALES_USERS], now=timezone.now(), validate=validate)
    sizes = _chunk_sizes(accounts)
    made = {"accounts": 0, "contacts": 0}
    start = time.monotonic()

    def tell(message: str) -> None:
        if say:
            say(f"  {time.monotonic() - start:5.0f} s  {message}")

    def done(count: int) -> None:
        made["accounts"] += count
        made["contacts"] += count * CONTACTS_PER_ACCOUNT
        if made["accounts"] % (10 * CHUNK) == 0 or made["accounts"] == accounts:
            tell(f"{made['accounts']:,} accounts, {made['contacts']:,} contacts")

    if connection.vendor != "postgresql":
        for number, count in enumerate(sizes):
            write_with_orm(make_chunk(plan, number, count))
            done(count)
        if validate:
            record_creation_history()
        return made

    from . import pgload, worker

    pgload.finish_interrupted_load()
    first_account = pgload.reserve_ids(Account, accounts)
    first_contact = pgload.reserve_ids(Contact, accounts * CONTACTS_PER_ACCOUNT)
    jobs = [(plan, number, count, first_account, first_contact) for number, count in enumerate(sizes)]
    if accounts < PARALLEL_FROM:
        for job in jobs:
            done(make_and_copy(job))
    else:
        tell("indexes and foreign keys set aside for the load")
        with pgload.bulk_load_mode([Account, Contact, SearchDocument]):
            connections.close_all()  # each worker opens its own connection
            workers = min(os.cpu_count() or 1, len(jobs))
            with multiprocessing.get_context("spawn").Pool(workers, initializer=worker.init) as pool:
                for count in pool.imap_unordered(worker.make_and_copy, jobs):
                    done(count)
            tell("rebuilding the indexes and foreign keys")
        tell("updating the planner's statistics")
        pgload.analyze([Account, Contact, SearchDocument])
        tell("done")
    if validate:
        record_creation_history()
    return made


def record_creation_history() -> None:
    """Small (demo) runs: a "created" audit row per record, so record pages start with a history.
    Benchmark-scale runs skip it; their records simply show no history yet."""
    from guanxi.audit.models import AuditEvent

    for model, fields in ((Account, ("name", "industry", "tier", "phone")), (Contact, ("name", "title", "mobile", "email"))):
        seen = AuditEvent.objects.filter(object_type=model.POLICY_OBJECT_TYPE, verb="create").values("object_id")
        rows = model._base_manager.exclude(pk__in=seen).select_related("owner")
        AuditEvent.objects.bulk_create((
            AuditEvent(actor_id=r.owner_id, actor_label=r.owner.username, verb="create", at=r.created_at,
                       object_type=model.POLICY_OBJECT_TYPE, object_id=r.pk, object_label=str(r)[:300],
                       changes={f: [None, getattr(r, f)] for f in fields if getattr(r, f)})
            for r in rows.iterator(chunk_size=2000)), batch_size=2000)


def make_and_copy(job: tuple) -> int:
    """One chunk on PostgreSQL: make it, give it its reserved ids, COPY it. Runs in workers too."""
    from . import pgload

    plan, number, count, first_account, first_contact = job
    chunk = make_chunk(plan, number, count)
    pgload.write_with_copy(chunk, first_account=first_account + number * CHUNK,
                           first_contact=first_contact + number * CHUNK * CONTACTS_PER_ACCOUNT)
    return count
