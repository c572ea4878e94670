"""Currencies and exchange rates: an opportunity's amount in the base currency (settings.BASE_CURRENCY).

`ExchangeRate.rate` is how many units of the base currency one unit of the currency buys. The
converted amount is stored with the opportunity when it is saved (Opportunity.amount_base), so
forecasts sum one column in SQL instead of converting row by row."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.audit import services as audit
from guanxi.core.errors import PermissionDenied, ValidationFailed

from ..models import ExchangeRate

CENT = Decimal("0.01")
CURRENCY = re.compile(r"[A-Z]{3}")
# amount_base has 18 digits, 2 after the point
MAX_BASE = Decimal("9999999999999999.99")
MAX_RATE = Decimal("9999999999.99999999")


def base_currency() -> str:
    return settings.BASE_CURRENCY


def clean_currency(value) -> str:
    """An ISO 4217 code in capitals ("cny" → "CNY"); the field error says what is wrong."""
    if value in (None, ""):
        return base_currency()
    if not isinstance(value, str) or not CURRENCY.fullmatch(value.strip().upper()):
        raise ValidationFailed(
            fields={"currency": [_("Enter a three-letter currency code such as CNY or USD.")]}
        )
    return value.strip().upper()


def rate_of(currency: str) -> Decimal | None:
    """Units of the base currency per unit of `currency`; None when no rate is known."""
    if currency == base_currency():
        return Decimal(1)
    return ExchangeRate.objects.filter(currency=currency).values_list("rate", flat=True).first()


def require_known(currency: str) -> Decimal:
    rate = rate_of(currency)
    if rate is None:
        raise ValidationFailed(
            fields={
                "currency": [
                    _(
                        "There is no exchange rate for %(currency)s; an administrator adds it under Exchange rates, "
                        "or use %(base)s."
                    )
                    % {"currency": currency, "base": base_currency()}
                ]
            }
        )
    return rate


def to_base(amount: Decimal, currency: str, *, rate: Decimal | None = None) -> Decimal:
    """`amount` in the base currency, rounded to the cent; a field error `currency` without a rate."""
    rate = require_known(currency) if rate is None else rate
    value = (Decimal(amount) * rate).quantize(CENT, rounding=ROUND_HALF_UP)
    if value > MAX_BASE:
        raise ValidationFailed(fields={"amount": [_("The amount is too large.")]})
    return value


def rates() -> list[ExchangeRate]:
    return list(ExchangeRate.objects.order_by("currency"))


def _require_admin(actor) -> None:
    if not (actor and actor.is_authenticated and actor.is_active and actor.is_superuser):
        raise PermissionDenied(_("Only administrators manage exchange rates."))


def clean_rate(value) -> Decimal:
    error = ValidationFailed(
        fields={"rate": [_("Enter a positive rate such as 7.1234 (at most 8 decimals).")]}
    )
    if isinstance(value, bool) or value is None:
        raise error
    if isinstance(value, float):
        value = repr(value)
    if isinstance(value, int):
        value = str(value)
    if isinstance(value, Decimal):
        value = format(value, "f")
    if not isinstance(value, str) or not re.fullmatch(r"[0-9]{1,12}(\.[0-9]{1,12})?", value.strip()):
        raise error
    try:
        rate = Decimal(value.strip())
    except (InvalidOperation, TypeError, ValueError):
        raise error from None
    if not rate.is_finite() or rate <= 0 or rate > MAX_RATE or rate.as_tuple().exponent < -8:  # type: ignore[operator]  # finite: an int
        raise error
    return rate


@transaction.atomic
def rate_set(*, actor, currency, rate) -> ExchangeRate:
    """Create or change the rate of a currency (administrators). Existing opportunities keep the
    base amount they were saved with; the new rate applies from their next change."""
    _require_admin(actor)
    errors: dict = {}
    try:
        currency = clean_currency(currency if currency not in (None, "") else "?")
        if currency == base_currency():
            raise ValidationFailed(fields={"currency": [_("The base currency always has the rate 1.")]})
    except ValidationFailed as exc:
        errors.update(exc.fields)
    try:
        rate = clean_rate(rate)
    except ValidationFailed as exc:
        errors.update(exc.fields)
    if errors:
        raise ValidationFailed(_("Some fields are not valid."), fields=errors)
    row = ExchangeRate.objects.select_for_update().filter(currency=currency).first()
    old = row.rate if row else None
    if row is None:
        row = ExchangeRate.objects.create(currency=currency, rate=rate)
    elif row.rate != rate:
        row.rate, row.updated_at = rate, timezone.now()
        row.save(update_fields=["rate", "updated_at"])
    if old != rate:
        audit.record(
            actor=actor,
            verb="update" if old is not None else "create",
            obj=_Audited(row),
            changes={"rate": (old, rate)},
        )
    return row


@transaction.atomic
def rate_delete(*, actor, currency: str) -> None:
    _require_admin(actor)
    row = ExchangeRate.objects.filter(currency=currency).first()
    if row is None:
        from guanxi.core.errors import NotFound

        raise NotFound()
    audit.record(actor=actor, verb="delete", obj=_Audited(row), changes={"rate": (row.rate, None)})
    row.delete()


class _Audited:
    """ExchangeRate as audit.record sees it (it has no POLICY_OBJECT_TYPE of its own)."""

    POLICY_OBJECT_TYPE = "exchange_rate"

    def __init__(self, row: ExchangeRate):
        self.pk = row.pk
        self._label = f"{row.currency}"

    def __str__(self) -> str:
        return self._label
