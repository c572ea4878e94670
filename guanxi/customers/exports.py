"""What the account and contact lists export (declared as `Kind.export` in customers/registry.py;
the engine, formats, jobs and downloads are records/exports.py)."""

from __future__ import annotations

from collections.abc import Iterator

from guanxi.custom_fields import exports as custom_fields
from guanxi.org.models import Action
from guanxi.policies import access
from guanxi.records.exports import CHUNK, Export, clean_params
from guanxi.records.exports import iso as _iso

from .directory import selectors
from .models import Account, Contact


def _custom(object_type: str) -> list:
    return custom_fields.export_definitions(object_type)


def account_export(actor, *, q: str = "", filters: dict | None = None) -> Export:
    access.require_type(actor, Action.EXPORT, Account)
    q, filters = clean_params(q, filters or {})
    qs = selectors.account_queryset(actor, q=q, filters=filters, action=Action.EXPORT).order_by("id")
    defs = _custom("account")
    header = [
        "id",
        "name",
        "uscc",
        "industry",
        "tier",
        "phone",
        "website",
        "address",
        "tags",
        "owner",
        "lifecycle_stage",
        "health",
        "relationship_level",
        "partner_type",
        "last_contact_at",
        "created_at",
        "updated_at",
        *[f"cf_{d.key}" for d in defs],
    ]

    def rows() -> Iterator[list]:
        for a in qs.iterator(chunk_size=CHUNK):
            yield [
                a.pk,
                a.name,
                a.uscc,
                a.industry,
                a.tier,
                a.phone,
                a.website,
                a.address,
                ",".join(a.tags),
                a.owner.username if a.owner_id else "",
                a.lifecycle_stage,
                a.health,
                a.relationship_level,
                a.partner_type,
                _iso(a.last_contact_at),
                _iso(a.created_at),
                _iso(a.updated_at),
                *[custom_fields.export_value(d, a.custom_fields.get(d.key)) for d in defs],
            ]

    return Export("account", header, qs, rows, name="accounts")


def contact_export(actor, *, q: str = "", filters: dict | None = None) -> Export:
    access.require_type(actor, Action.EXPORT, Contact)
    q, filters = clean_params(q, filters or {})
    qs = selectors.contact_queryset(actor, q=q, filters=filters, action=Action.EXPORT).order_by("id")
    defs = _custom("contact")
    header = [
        "id",
        "name",
        "account",
        "title",
        "mobile",
        "phone",
        "email",
        "wechat",
        "owner",
        "created_at",
        "updated_at",
        *[f"cf_{d.key}" for d in defs],
    ]

    def rows() -> Iterator[list]:
        batch: list = []
        for c in qs.iterator(chunk_size=CHUNK):
            batch.append(c)
            if len(batch) == CHUNK:
                yield from _contact_batch(actor, batch, defs)
                batch = []
        yield from _contact_batch(actor, batch, defs)

    return Export("contact", header, qs, rows, name="contacts")


def _contact_batch(actor, contacts: list, defs) -> Iterator[list]:
    """Rows of a batch; an account id only where the actor may see that account (one query)."""
    visible = selectors.visible_account_ids(actor, {c.account_id for c in contacts})
    for c in contacts:
        yield [
            c.pk,
            c.name,
            c.account_id if c.account_id in visible else "",
            c.title,
            c.mobile,
            c.phone,
            c.email,
            c.wechat,
            c.owner.username if c.owner_id else "",
            _iso(c.created_at),
            _iso(c.updated_at),
            *[custom_fields.export_value(d, c.custom_fields.get(d.key)) for d in defs],
        ]
