"""Custom field values: what a record's `custom_fields` JSON may hold, and how its changes are audited.

A value is stored JSON-native under the definition's key:

| type | stored as |
|---|---|
| text, long_text | str (cleaned like built-in text: NFC, no control characters; at most 500 / 5,000) |
| number | int, |n| < 10^15 |
| decimal | str, canonical: at least 2 and at most 6 places ("12.50", "0.125") — Decimal-safe |
| date | "YYYY-MM-DD" |
| datetime | ISO 8601 in UTC, "2026-03-01T08:30:00Z" (naive input is in the user's time zone) |
| choice | the choice's value (str) |
| multi_choice | list of values, in the definition's order |
| boolean | true / false |
| user | the username (an active user when set) |
| url, email, phone | normalized like core.cleaning does (https URL, lower-case domain, E.164) |

`clean_values()` is what the services of records with custom fields call: it validates a
payload's `custom_fields` object against the active definitions and merges it into the record's
values (null or "" removes a value; required fields must have one; unknown keys are refused; the
values of archived definitions are kept but cannot be changed). Errors name the field as
`custom_fields.<key>`.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.core import cleaning as c
from guanxi.core.errors import ValidationFailed

from .models import CustomFieldDef
from .models import FieldType as T
from .selectors import definitions_by_key

TEXT_MAX, LONG_TEXT_MAX = 500, 5000
NUMBER_LIMIT = 10**15  # exclusive; also exact in JavaScript doubles
DECIMAL_PLACES, DECIMAL_INT_DIGITS = 6, 15
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off"}


def is_empty(value) -> bool:
    return value is None or value == "" or value == [] or (isinstance(value, str) and not value.strip())


def _clean_number(value) -> int:
    if isinstance(value, bool):
        raise ValidationError(_("Enter a whole number."))
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*[+-]?\d{1,20}\s*", value):
        value = int(value)
    if not isinstance(value, int):
        raise ValidationError(_("Enter a whole number."))
    if not -NUMBER_LIMIT < value < NUMBER_LIMIT:
        raise ValidationError(_("Enter a number between -999999999999999 and 999999999999999."))
    return value


def _clean_decimal(value) -> str:
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float, str))
        or (isinstance(value, str) and len(value) > 40)
    ):
        raise ValidationError(_("Enter a number, such as 12.50."))
    try:
        number = (
            Decimal(str(value).strip().replace(",", ""))
            if not isinstance(value, float)
            else Decimal(repr(value))
        )
    except (InvalidOperation, ValueError):
        raise ValidationError(_("Enter a number, such as 12.50.")) from None
    if not number.is_finite():
        raise ValidationError(_("Enter a number, such as 12.50."))
    number = number.normalize() if number else Decimal(0)
    exponent = number.as_tuple().exponent
    assert isinstance(exponent, int)
    if -exponent > DECIMAL_PLACES:
        raise ValidationError(_("Enter at most %(places)d decimal places.") % {"places": DECIMAL_PLACES})
    if number.adjusted() >= DECIMAL_INT_DIGITS:
        raise ValidationError(
            _("Enter at most %(digits)d digits before the decimal point.") % {"digits": DECIMAL_INT_DIGITS}
        )
    if exponent > -2:
        number = number.quantize(Decimal("0.01"))
    return format(number, "f")


def _clean_date(value) -> str:
    if not isinstance(value, str) or not _DATE_RE.fullmatch(value.strip()):
        raise ValidationError(_("Enter a date as YYYY-MM-DD."))
    try:
        return dt.date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        raise ValidationError(_("This date does not exist.")) from None


def _clean_datetime(value) -> str:
    if not isinstance(value, str):  # a custom date-time arrives as text, from a form or JSON
        raise ValidationError(_("Enter a date and time in ISO 8601, such as 2026-03-01T08:30:00Z."))
    parsed = c.moment(
        value,
        timezone.get_current_timezone(),
        message=_("Enter a date and time in ISO 8601, such as 2026-03-01T08:30:00Z."),
    )
    if parsed is None:
        raise ValidationError(_("Enter a date and time in ISO 8601, such as 2026-03-01T08:30:00Z."))
    return parsed.replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def _clean_boolean(value) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise ValidationError(_("Enter yes or no (true or false)."))


def _choice_values(defn: CustomFieldDef) -> list[str]:
    return [ch["value"] for ch in defn.choices]


def _not_in_choices(defn) -> ValidationError:
    return ValidationError(_("Choose one of: %(choices)s.") % {"choices": ", ".join(_choice_values(defn))})


def clean_choice(defn, value) -> str:
    if not isinstance(value, str) or value not in _choice_values(defn):
        raise _not_in_choices(defn)
    return value


def _clean_multi(defn, value) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValidationError(_("Enter a list of values."))
    allowed = _choice_values(defn)
    if any(v not in allowed for v in value):
        raise _not_in_choices(defn)
    return [v for v in allowed if v in value]


def _clean_user(value, current) -> str:
    from guanxi.org.models import User

    if not isinstance(value, str) or len(value) > 150 or "\x00" in value:
        raise ValidationError(_("Enter a username."))
    value = value.strip()
    if value == current:  # a value stays even after its user was deactivated
        return value
    if not User.objects.filter(username=value, is_active=True).exists():
        raise ValidationError(_("No active user with this username."))
    return value


def clean_value(defn: CustomFieldDef, value, current=None):
    """One value → its stored form, or ValidationError. Empty values are the caller's business."""
    kind = defn.type
    if kind == T.TEXT:
        return c.text(TEXT_MAX)(value)
    if kind == T.LONG_TEXT:
        return c.text(LONG_TEXT_MAX, multiline=True)(value)
    if kind == T.NUMBER:
        return _clean_number(value)
    if kind == T.DECIMAL:
        return _clean_decimal(value)
    if kind == T.DATE:
        return _clean_date(value)
    if kind == T.DATETIME:
        return _clean_datetime(value)
    if kind == T.CHOICE:
        return clean_choice(defn, value)
    if kind == T.MULTI_CHOICE:
        return _clean_multi(defn, value)
    if kind == T.BOOLEAN:
        return _clean_boolean(value)
    if kind == T.USER:
        return _clean_user(value, current)
    if kind == T.URL:
        return c.url(value)
    if kind == T.EMAIL:
        return c.email(value)
    if kind == T.PHONE:
        return c.phone(value)
    raise ValidationError(_("This value is not valid."))


def error_name(key) -> str:
    return f"custom_fields.{str(key)[:60]}"


def clean_values(object_type: str, data, *, current: dict | None = None, creating: bool = False) -> dict:
    """The record's new `custom_fields`: `current` with `data` merged in, every value checked.

    `data` is the payload's `custom_fields` object (None when absent). On create every active
    required field must get a value; on update only the keys sent change, null removes one, and
    a required one cannot be removed. Errors for all keys at once, named custom_fields.<key>."""
    current = dict(current or {})
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ValidationFailed(fields={"custom_fields": [_("Enter an object of field keys and values.")]})
    defs = definitions_by_key(object_type, include_archived=True)
    errors: dict[str, list[str]] = {}
    result = dict(current)
    for key, value in data.items():
        defn = defs.get(key) if isinstance(key, str) else None
        if defn is None:
            errors[error_name(key)] = [_("Unknown field; it cannot be set here.")]
            continue
        if not defn.active:
            if value != current.get(key):
                errors[error_name(key)] = [_("This field is archived; its value cannot be changed.")]
            continue
        if is_empty(value):
            if defn.required:
                errors[error_name(key)] = [_("This field is required.")]
            result.pop(key, None)
            continue
        try:
            cleaned = clean_value(defn, value, current.get(key))
        except ValidationError as exc:
            errors[error_name(key)] = [str(m) for m in exc.messages]
            continue
        if is_empty(cleaned):
            if defn.required:
                errors[error_name(key)] = [_("This field is required.")]
            result.pop(key, None)
        else:
            result[key] = cleaned
    if creating:
        for key, defn in defs.items():
            if defn.active and defn.required and is_empty(result.get(key)) and error_name(key) not in errors:
                errors[error_name(key)] = [_("This field is required.")]
    if errors:
        raise ValidationFailed(_("Some fields are not valid."), fields=errors)
    return result


def audit_changes(changes: dict) -> dict:
    """Spell a `custom_fields` change out per key for the field history: custom_fields.<key>."""
    if "custom_fields" not in changes:
        return changes
    old, new = changes.pop("custom_fields")
    old, new = old or {}, new or {}
    for key in sorted(set(old) | set(new)):
        if old.get(key) != new.get(key):
            changes[f"custom_fields.{key}"] = (old.get(key), new.get(key))
    return changes
