"""Customer data in bulk: the demo's 200 accounts / 600 contacts, or N and 3N for benchmarks."""

from __future__ import annotations

import random
import time

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from guanxi.core.validators import normalize_phone
from guanxi.customers.models import Account, Contact, Tier
from guanxi.search import services as search

from . import names
from .org import SALES_USERS, ensure_demo_org

BATCH = 5000


def _phone(value: str, validate: bool) -> str:
    if not validate:
        return value.replace(" ", "")
    try:
        return normalize_phone(value)
    except ValidationError:
        return ""


def generate(accounts: int, *, seed: int = 2026, validate: bool = True, progress=None) -> dict[str, int]:
    """Insert `accounts` accounts, 3 contacts each, with search entries. Returns counts."""
    rng = random.Random(seed)
    users = ensure_demo_org()
    owners = [users[u] for u in SALES_USERS]
    weights = [1, 2, 4, 4, 4]  # director, manager1, rep1, rep2, rep3
    now = timezone.now()
    made = {"accounts": 0, "contacts": 0}
    start = time.monotonic()
    for offset in range(0, accounts, BATCH):
        n = min(BATCH, accounts - offset)
        with transaction.atomic():
            batch = []
            regions = []
            for i in range(n):
                data = names.company(rng, offset + i)
                owner = rng.choices(owners, weights)[0]
                age = rng.randrange(0, 720 * 24 * 3600)
                created = now - timezone.timedelta(seconds=age)
                batch.append(Account(
                    name=data["name"], uscc=data["uscc"], industry=data["industry"],
                    tier=rng.choice([Tier.A, Tier.B, Tier.B, Tier.C, Tier.C, Tier.C]),
                    phone=_phone(data["phone"], validate), website=data.get("website", ""), address=data["address"],
                    tags=rng.sample(["重点客户", "VIP", "代理商", "老客户", "新客户", "展会"], rng.randrange(0, 3)),
                    owner=owner, created_by=owner, created_at=created,
                    updated_at=created + timezone.timedelta(seconds=rng.randrange(0, max(1, age))),
                ))
                regions.append(data["region"])
            Account.objects.bulk_create(batch, batch_size=BATCH)
            search.bulk_index(batch)
            contacts = []
            for account, region in zip(batch, regions, strict=True):
                for _ in range(3):
                    p = names.person(rng, region)
                    owner = account.owner if rng.random() < 0.9 else rng.choices(owners, weights)[0]
                    contacts.append(Contact(
                        name=p["name"], family_name=p["family_name"], given_name=p["given_name"], account=account,
                        title=p["title"], mobile=_phone(p["mobile"], validate), email=p["email"],
                        wechat=f"wx_{p['email'].split('@')[0].replace('.', '_')}" if rng.random() < 0.5 else "",
                        owner=owner, created_by=owner, created_at=account.created_at, updated_at=account.updated_at,
                    ))
            Contact.objects.bulk_create(contacts, batch_size=BATCH)
            search.bulk_index(contacts)
        made["accounts"] += n
        made["contacts"] += len(contacts)
        if progress:
            progress(made, time.monotonic() - start)
    return made
