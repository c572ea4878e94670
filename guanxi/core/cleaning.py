"""Input cleaning shared by the UI and the API: one cleaner per field, errors keyed by field.

Services call clean_payload() before anything touches the database, so a form post and an API
call with the same values get the same answer.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections.abc import Callable, Collection, Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from .errors import ValidationFailed
from .validators import clean_text, normalize_email, normalize_phone, normalize_uscc

Cleaner = Callable[[Any], Any]


def text(max_length: int, *, required: bool = False, multiline: bool = False) -> Cleaner:
    def clean(value: object) -> str:
        if value is None:
            value = ""
        if not isinstance(value, str):
            raise ValidationError(_("Enter text."))
        value = clean_text(value, multiline=multiline)
        if required and not value:
            raise ValidationError(_("This field is required."))
        if len(value) > max_length:
            raise ValidationError(
                _("Enter at most %(max)d characters (it has %(n)d).") % {"max": max_length, "n": len(value)}
            )
        return value

    return clean


def choice(choices: Iterable[tuple[Any, Any]]) -> Cleaner:
    allowed = {c for c, _label in choices}
    types = tuple({type(c) for c in allowed})

    def clean(value: Any) -> Any:
        value = "" if value is None else value
        # the type first: a list or an object in a JSON body cannot be looked up in a set
        if value != "" and (not isinstance(value, types) or value not in allowed):
            raise ValidationError(_("Choose one of: %(choices)s.") % {"choices": ", ".join(sorted(allowed))})
        return value

    return clean


def _str_or_empty(value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValidationError(_("Enter text."))
    return value


def phone(value: Any) -> str:
    return normalize_phone(_str_or_empty(value))


def email(value: Any) -> str:
    return normalize_email(_str_or_empty(value))


def uscc(value: Any) -> str:
    return normalize_uscc(_str_or_empty(value))


def url(value: object) -> str:
    value = clean_text(_str_or_empty(value))
    if not value:
        return ""
    if len(value) > 300:
        raise ValidationError(
            _("Enter at most %(max)d characters (it has %(n)d).") % {"max": 300, "n": len(value)}
        )
    if "://" not in value:
        value = "https://" + value
    URLValidator(schemes=["http", "https"])(value)
    return value


def tags(value: Any) -> list[str]:
    if value in (None, ""):
        return []
    if isinstance(value, str):
        value = [t for t in value.replace("，", ",").split(",")]
    if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
        raise ValidationError(_("Enter a list of tags."))
    cleaned: list[str] = []
    for tag in value:
        tag = clean_text(tag)
        if not tag:
            continue
        if len(tag) > 30:
            raise ValidationError(_("A tag has at most 30 characters."))
        if tag not in cleaned:
            cleaned.append(tag)
    if len(cleaned) > 20:
        raise ValidationError(_("Use at most 20 tags."))
    return cleaned


MAX_MONEY = Decimal("99999999999999.99")  # what a DecimalField(max_digits=16, decimal_places=2) holds
_PLAIN_NUMBER = re.compile(r"[0-9]{1,20}(\.[0-9]{1,20})?")
_CENT = Decimal("0.01")


def money(
    value: Any, *, field: str = "amount", required: bool = False, maximum: Decimal = MAX_MONEY
) -> Decimal:
    """A money amount as a Decimal with two places: a decimal string (thousands commas allowed) or
    a number, ≥ 0, at most two decimals, at most `maximum`, plain digits only ("1e5", "NaN",
    "Infinity", "+1", "-1" are refused). None or "" gives 0.00, or an error when `required`.

    Raises ValidationFailed whose message is the field error, under `field`."""

    def fail(message: str) -> ValidationFailed:
        return ValidationFailed(message, fields={field: [message]})

    invalid = _("Enter an amount such as 12500.00.")
    if value in (None, ""):
        if required:
            raise fail(invalid)
        return Decimal("0.00")
    if isinstance(value, bool):
        raise fail(invalid)
    if isinstance(value, float):
        value = repr(value)
    if isinstance(value, int):
        value = str(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise fail(invalid)
        value = format(value, "f")
    if not isinstance(value, str):
        raise fail(invalid)
    text = value.strip().replace(",", "")
    if text.startswith("-"):
        raise fail(_("The amount cannot be negative."))
    if not _PLAIN_NUMBER.fullmatch(text):
        raise fail(invalid)
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise fail(invalid) from None
    exponent = amount.as_tuple().exponent  # an int: NaN and Infinity were refused above
    if isinstance(exponent, int) and exponent < -2 and amount != amount.quantize(_CENT):
        raise fail(_("Use at most two decimals."))
    if amount > maximum:
        raise fail(_("Enter an amount up to %(max)s.") % {"max": maximum})
    return amount.quantize(_CENT)


def user_zone(user: Any) -> zoneinfo.ZoneInfo:
    """The zone a user's naive times are in: their profile's, else the site's TIME_ZONE."""
    try:
        return zoneinfo.ZoneInfo(getattr(user, "time_zone", "") or settings.TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def moment(
    value: Any, zone: dt.tzinfo, *, date_time: dt.time = dt.time.min, message: str | None = None
) -> dt.datetime | None:
    """An ISO 8601 date-time as an aware datetime in UTC; empty gives None.

    Naive values are in `zone` (the user's: user_zone()); a date alone is `date_time` that day.
    Raises ValidationError with `message` (or a generic one) for anything else: other types,
    NUL bytes, more than 40 characters, impossible dates such as 2026-02-30, years the
    datetime type cannot hold. Ranges (not before 1900, not in the future…) are the caller's."""
    message = message or _("Enter a date and time such as 2026-03-01T14:30+08:00.")
    if value in (None, ""):
        return None
    parsed: dt.datetime | None
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, str):
        text = value.strip()
        if len(text) > 40 or "\x00" in text:
            raise ValidationError(message)
        try:
            day = (
                parse_date(text) if len(text) == 10 else None
            )  # parse_datetime would read a date as midnight
            parsed = dt.datetime.combine(day, date_time) if day else parse_datetime(text.replace(" ", "T", 1))
        except (ValueError, OverflowError):  # well formed but impossible
            parsed = None
        if parsed is None:
            raise ValidationError(message)
    else:
        raise ValidationError(message)
    try:
        if timezone.is_naive(parsed):
            parsed = timezone.make_aware(parsed, zone)
        return parsed.astimezone(dt.UTC)
    except (ValueError, OverflowError):
        raise ValidationError(message) from None


def collect(data: dict[str, Any], steps: dict[str, Cleaner], errors: dict[str, list[str]]) -> dict[str, Any]:
    """Run steps[name](data[name]) for every name present in `data`, in the order of `steps`.

    The cleaners raise ValidationFailed naming their fields; those field errors are added to
    `errors` (so every error is reported at once) and the values that passed are returned."""
    out: dict[str, Any] = {}
    for name, clean in steps.items():
        if name not in data:
            continue
        try:
            out[name] = clean(data[name])
        except ValidationFailed as exc:
            errors.update(exc.fields)
    return out


def clean_payload(
    data: dict[str, Any],
    cleaners: dict[str, Cleaner],
    *,
    required: Collection[str] = frozenset(),
    partial: bool = False,
) -> dict[str, Any]:
    """Clean every known field; reject unknown ones; report all errors at once."""
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    for key in data:
        if key not in cleaners:
            errors[key] = [_("Unknown field; it cannot be set here.")]
    for key, cleaner in cleaners.items():
        if key not in data:
            if key in required and not partial:
                errors[key] = [_("This field is required.")]
            continue
        try:
            cleaned[key] = cleaner(data[key])
        except ValidationError as exc:
            errors[key] = [str(m) for m in exc.messages]
    if errors:
        raise ValidationFailed(_("Some fields are not valid."), fields=errors)
    return cleaned
