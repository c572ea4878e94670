"""CSV export of lists, through the access layer's export scope, with formulas neutralized."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator

from django.http import StreamingHttpResponse
from django.utils.translation import gettext as _

from guanxi.core.errors import ValidationFailed
from guanxi.org.models import Action
from guanxi.policies import access

from . import selectors
from .models import Account, Contact

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralize(value) -> str:
    """A cell that a spreadsheet would run as a formula gets a leading apostrophe."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def _check(actor, model, fmt: str) -> None:
    if fmt != "csv":
        raise ValidationFailed(fields={"format": [_("Choose one of: %(choices)s.") % {"choices": "csv"}]})
    access.require_type(actor, Action.EXPORT, model)


def account_rows(actor, *, q: str, filters: dict, fmt: str) -> Iterator[list]:
    _check(actor, Account, fmt)
    qs = selectors.account_queryset(actor, q=q, filters=filters, action=Action.EXPORT).order_by("id")
    header = ["id", "name", "uscc", "industry", "tier", "phone", "website", "address", "tags", "owner",
              "created_at", "updated_at"]

    def rows():
        yield header
        for a in qs.iterator(chunk_size=2000):
            yield [a.pk, a.name, a.uscc, a.industry, a.tier, a.phone, a.website, a.address, ",".join(a.tags),
                   a.owner.username, a.created_at.isoformat(), a.updated_at.isoformat()]
    return rows()


def contact_rows(actor, *, q: str, filters: dict, fmt: str) -> Iterator[list]:
    _check(actor, Contact, fmt)
    qs = selectors.contact_queryset(actor, q=q, filters=filters, action=Action.EXPORT).order_by("id")
    header = ["id", "name", "account", "title", "mobile", "phone", "email", "wechat", "owner", "created_at"]

    def rows():
        yield header
        batch: list = []
        for c in qs.iterator(chunk_size=2000):
            batch.append(c)
            if len(batch) == 2000:
                yield from _contact_batch(actor, batch)
                batch = []
        yield from _contact_batch(actor, batch)
    return rows()


def _contact_batch(actor, contacts: list) -> Iterator[list]:
    """Rows of a batch; an account id only where the actor may see that account (one query)."""
    visible = selectors.visible_account_ids(actor, {c.account_id for c in contacts})
    for c in contacts:
        yield [c.pk, c.name, c.account_id if c.account_id in visible else "", c.title, c.mobile, c.phone, c.email,
               c.wechat, c.owner.username, c.created_at.isoformat()]


class _Echo:
    def write(self, value):
        return value


def csv_response(rows: Iterable[list], filename: str) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())

    def stream():
        yield "\ufeff"  # BOM: Excel opens UTF-8 Chinese correctly
        for row in rows:
            yield writer.writerow([neutralize(v) if isinstance(v, str) else v for v in row])
    response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
