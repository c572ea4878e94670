"""One "big customer" for the benchmarks: an account of rep1's with exactly N timeline entries.

The entries are follow-ups (96 %), tasks (3 %) and attachments (1 %) on the account. The
attachments share one small real file, stored once in the default storage, so that the rows
are valid without N copies of a file. Written with bulk_create on every database (10,000 rows
take a second or two), after the bulk load, with the indexes in place.
"""

from __future__ import annotations

import hashlib
import random
from datetime import datetime, timedelta

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction

from guanxi.customers.directory.names import company_key, person_key
from guanxi.customers.models import Account, Contact, ContactAccount, Health, Lifecycle, RelationshipLevel
from guanxi.engagement.followups.services import plan_after
from guanxi.engagement.models import Activity, ActivityContact, Attachment, Task
from guanxi.search import services as search

from . import names, story

NAME = "浙江天成控股集团有限公司"
FILE_PATH = "attachments/demo/meeting-notes.txt"
FILE_TEXT = "会议纪要（演示文件）\n与浙江天成控股集团的季度业务回顾。\n".encode()


def shares(entries: int) -> tuple[int, int, int]:
    """(follow-ups, tasks, attachments) adding up to `entries`."""
    tasks, attachments = entries * 3 // 100, entries // 100
    return entries - tasks - attachments, tasks, attachments


def _demo_file() -> str:
    if not default_storage.exists(FILE_PATH):
        return default_storage.save(FILE_PATH, ContentFile(FILE_TEXT))
    return FILE_PATH


@transaction.atomic
def make_big_customer(plan, users, *, entries: int = 10_000, owner: str = "rep1") -> int:
    """Create the account and its entries; returns the account's id."""
    rng = random.Random(f"{plan.seed}:big")
    now = plan.now
    user = users[owner]
    data = names.company(rng, 0)
    created = now - timedelta(days=3 * 365)
    account = Account.objects.create(
        name=NAME,
        name_key=company_key(NAME),
        uscc="",
        industry="manufacturing",
        tier="A",
        phone="+8657188886666",
        address="杭州市滨江区科技路88号",
        tags=["重点客户", "VIP"],
        owner=user,
        created_by=user,
        relationship_level=RelationshipLevel.PARTNERSHIP,
        lifecycle_stage=Lifecycle.ACTIVE,
        custom_fields={"region": "east", "annual_revenue": "880000000.00", "key_account": True},
        created_at=created,
        updated_at=now,
    )
    contacts = []
    for i in range(10):
        p = names.person(rng, data["region"] if data["region"] == "cn" else "cn")
        contacts.append(
            Contact(
                name=p["name"],
                name_key=person_key(p["name"]),
                family_name=p["family_name"],
                given_name=p["given_name"],
                account=account,
                title=p["title"],
                mobile=p["mobile"],
                email=f"big{i}.{p['email']}",
                owner=user,
                created_by=user,
                created_at=created,
                updated_at=created,
            )
        )
    Contact.objects.bulk_create(contacts)
    ContactAccount.objects.bulk_create(
        [
            ContactAccount(contact=c, account=account, is_primary=True, title=c.title, created_at=created)
            for c in contacts
        ]
    )
    search.bulk_index([account, *contacts])

    followups, tasks, attachments = shares(entries)
    span = (now - timedelta(days=1) - created).total_seconds()
    times = sorted(created + timedelta(seconds=rng.random() * span) for _ in range(followups))
    activities, links = [], []
    for at in times:
        owner_id = user.pk if rng.random() < 0.9 else rng.choice(plan.owner_ids)
        activity, involved = story.make_activity(
            rng,
            account=account,
            contacts=contacts,
            at=at,
            owner_id=owner_id,
            next_contact=rng.random() < 0.2,
            now=now,
        )
        activities.append(activity)
        links.extend(involved)
    Activity.objects.bulk_create(activities, batch_size=2000)
    ActivityContact.objects.bulk_create(links, batch_size=2000)
    Task.objects.bulk_create(
        [
            story.make_task(
                rng, plan=plan, account=account, contacts=contacts, owner_id=user.pk, assignee_id=user.pk
            )
            for _ in range(tasks)
        ],
        batch_size=2000,
    )
    if attachments:
        path = _demo_file()
        digest = hashlib.sha256(FILE_TEXT).hexdigest()
        Attachment.objects.bulk_create(
            [
                Attachment(
                    file=path,
                    name=f"会议纪要-{i + 1:04d}.txt",
                    content_type="text/plain",
                    size=len(FILE_TEXT),
                    sha256=digest,
                    owner=user,
                    account=account,
                    created_at=created + timedelta(seconds=rng.random() * span),
                )
                for i in range(attachments)
            ],
            batch_size=2000,
        )
    if activities:
        last = activities[-1]
        next_contact = None
        for a in activities:
            next_contact = plan_after(next_contact, a)
        Account.objects.filter(pk=account.pk).update(
            last_contact_at=last.occurred_at,
            last_followup_summary=last.summary,
            next_contact_at=next_contact,
            health=Health.ACTIVE,
        )
        latest: dict[int, Activity] = {}
        next_contacts: dict[int, datetime | None] = {}
        for link in links:  # times ascend, so the last one wins
            latest[link.contact_id] = link.activity
            next_contacts[link.contact_id] = plan_after(next_contacts.get(link.contact_id), link.activity)
        for c in contacts:
            if c.pk in latest:
                a = latest[c.pk]
                c.last_contact_at, c.last_followup_summary, c.next_contact_at = (
                    a.occurred_at,
                    a.summary,
                    next_contacts[c.pk],
                )
        Contact.objects.bulk_update(contacts, ["last_contact_at", "last_followup_summary", "next_contact_at"])
    return account.pk
