"""Custom fields: the definitions administrators make, and the values records carry.

Definitions (`CustomFieldDef`) are written by `custom_field_create/update/archive/reorder`,
administrators (superusers) only, audited as object type "custom_field". A value lives in the
record's `custom_fields` JSON under the definition's key, as a JSON-native value:

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

`clean_values()` is what the account and contact services call: it validates a payload's
`custom_fields` object against the active definitions and merges it into the record's values
(null or "" removes a value; required fields must have one; unknown keys are refused; the
values of archived definitions are kept but cannot be changed). Errors name the field as
`custom_fields.<key>`.

The module also renders values (detail pages, list cells, exports), builds the UI form fields,
filters lists (`cf_<key>=value`, exact match: PostgreSQL `@>` served by a GIN jsonb_path_ops
index, migration 0005; SQLite JSON functions) and feeds the search index.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Max, Q
from django.db.models.expressions import RawSQL
from django.template.defaultfilters import linebreaksbr
from django.utils import formats, timezone
from django.utils.dateparse import parse_datetime
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from guanxi.audit import services as audit
from guanxi.core import cleaning as c
from guanxi.core.errors import NotFound, PermissionDenied, ValidationFailed
from guanxi.core.services import check_version, model_update
from guanxi.core.validators import clean_text, format_phone

from .models import Account, Contact, CustomFieldDef, FieldType

T = FieldType
KEY_RE = re.compile(r"[a-z][a-z0-9_]{0,39}")
LANGS = ("en", "zh-hans", "zh-hant")
_SUFFIX = {"en": "en", "zh-hans": "zh_hans", "zh-hant": "zh_hant"}
_FALLBACK = {
    "en": ("en", "zh_hans", "zh_hant"),
    "zh-hans": ("zh_hans", "zh_hant", "en"),
    "zh-hant": ("zh_hant", "zh_hans", "en"),
}
OBJECTS = {"account": Account, "contact": Contact}
CHOICE_TYPES = frozenset({T.CHOICE, T.MULTI_CHOICE})
# Equality filters make sense for these; long text and instants are not matched exactly.
FILTERABLE = frozenset(set(T.values) - {T.LONG_TEXT, T.DATETIME})
# A type may change while values exist only into a type that accepts every stored value as it is.
COMPATIBLE = {
    T.TEXT: {T.LONG_TEXT},
    **{t: {T.TEXT, T.LONG_TEXT} for t in (T.EMAIL, T.PHONE, T.URL, T.CHOICE, T.USER, T.DATE)},
}

MAX_ACTIVE_FIELDS = 200  # per object: a form with more is not a form
MAX_FIELDS = 500  # per object, archived ones included
MAX_CHOICES = 200
TEXT_MAX, LONG_TEXT_MAX, CHOICE_VALUE_MAX = 500, 5000, 100
NUMBER_LIMIT = 10**15  # exclusive; also exact in JavaScript doubles
DECIMAL_PLACES, DECIMAL_INT_DIGITS = 6, 15
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off"}


# --- languages ----------------------------------------------------------------------------------


def current_lang() -> str:
    """ "en", "zh-hans" or "zh-hant" for the active language (zh-tw and zh-hk read Traditional)."""
    lang = (get_language() or settings.LANGUAGE_CODE).lower()
    if lang.startswith("zh"):
        return "zh-hant" if any(t in lang for t in ("hant", "tw", "hk", "mo")) else "zh-hans"
    return "en"


def _pick(get, prefix: str, lang: str | None) -> str:
    for suffix in _FALLBACK[lang or current_lang()]:
        value = get(f"{prefix}_{suffix}")
        if value:
            return value
    return ""


def label_of(defn: CustomFieldDef, lang: str | None = None) -> str:
    return _pick(lambda a: getattr(defn, a, ""), "label", lang) or defn.key


def help_of(defn: CustomFieldDef, lang: str | None = None) -> str:
    return _pick(lambda a: getattr(defn, a, ""), "help", lang)


def choice_label(choice: dict, lang: str | None = None) -> str:
    return _pick(choice.get, "label", lang) or choice.get("value", "")


def labels_of(obj, prefix: str) -> dict[str, str]:
    get = obj.get if isinstance(obj, dict) else (lambda a: getattr(obj, a, ""))
    return {lang: get(f"{prefix}_{_SUFFIX[lang]}") or "" for lang in LANGS}


# --- reading definitions ------------------------------------------------------------------------


def check_object(object_type: str, field: str = "object") -> type:
    if not isinstance(object_type, str) or object_type not in OBJECTS:
        raise ValidationFailed(
            fields={field: [_("Choose one of: %(choices)s.") % {"choices": ", ".join(OBJECTS)}]}
        )
    return OBJECTS[object_type]


def definitions(object_type: str, *, include_archived: bool = False) -> list[CustomFieldDef]:
    """The definitions of an object in display order (one query). Reading them needs no right:
    every user fills in the forms they shape."""
    qs = CustomFieldDef.objects.filter(object_type=object_type)
    if not include_archived:
        qs = qs.filter(active=True)
    return list(qs.order_by("order", "id"))


def definitions_by_key(object_type: str, *, include_archived: bool = False) -> dict[str, CustomFieldDef]:
    return {d.key: d for d in definitions(object_type, include_archived=include_archived)}


def custom_field_get(actor, pk) -> CustomFieldDef:
    if not (actor and actor.is_authenticated and actor.is_active):
        raise NotFound()
    try:
        return CustomFieldDef.objects.get(pk=int(pk))
    except (CustomFieldDef.DoesNotExist, TypeError, ValueError, OverflowError):
        raise NotFound() from None


# A {key: type} map per object for the search index, which runs inside model code without an
# actor or a request. Cached briefly per process and dropped whenever a definition changes here;
# another process sees a change within the TTL (only what the index holds may lag).
_TYPE_CACHE: dict[str, tuple[float, dict[str, str]]] = {}
_TYPE_TTL = 30.0


def _types(object_type: str) -> dict[str, str]:
    hit = _TYPE_CACHE.get(object_type)
    if hit and time.monotonic() - hit[0] < _TYPE_TTL:
        return hit[1]
    types = dict(CustomFieldDef.objects.filter(object_type=object_type).values_list("key", "type"))
    _TYPE_CACHE[object_type] = (time.monotonic(), types)
    return types


def _forget_types() -> None:
    _TYPE_CACHE.clear()


# --- writing definitions ------------------------------------------------------------------------


def require_admin(actor) -> None:
    if not (actor and actor.is_authenticated and actor.is_active and actor.is_superuser):
        raise PermissionDenied(_("Only administrators manage custom fields."))


def _translations(value, field: str, max_length: int, *, required: bool) -> dict[str, str]:
    """A string for every language, or {"en", "zh-hans", "zh-hant"} (any of them) → {suffix: text}."""
    if value is None:
        value = ""
    if isinstance(value, str):
        value = dict.fromkeys(LANGS, value)
    if not isinstance(value, dict):
        raise ValidationFailed(
            fields={field: [_("Enter text, or an object with the keys en, zh-hans and zh-hant.")]}
        )
    errors: dict[str, list[str]] = {}
    out = dict.fromkeys(_SUFFIX.values(), "")
    for lang, text in value.items():
        if lang not in _SUFFIX:
            errors[f"{field}.{str(lang)[:40]}"] = [_("Unknown language; use en, zh-hans or zh-hant.")]
            continue
        if text is None:
            text = ""
        if not isinstance(text, str):
            errors[f"{field}.{lang}"] = [_("Enter text.")]
            continue
        text = clean_text(text)
        if len(text) > max_length:
            errors[f"{field}.{lang}"] = [
                _("Enter at most %(max)d characters (it has %(n)d).") % {"max": max_length, "n": len(text)}
            ]
        out[_SUFFIX[lang]] = text
    if errors:
        raise ValidationFailed(fields=errors)
    if required and not any(out.values()):
        raise ValidationFailed(fields={field: [_("This field is required.")]})
    if not out["en"]:  # the English label doubles as the name in logs and the audit
        out["en"] = out["zh_hans"] or out["zh_hant"]
    return out


def _choices(value, kind: str) -> list[dict]:
    if kind not in CHOICE_TYPES:
        if value not in (None, []):
            raise ValidationFailed(fields={"choices": [_("Only choice fields have choices.")]})
        return []
    if not isinstance(value, list) or not value:
        raise ValidationFailed(
            fields={"choices": [_("Enter a list of choices: strings, or objects with value and label.")]}
        )
    if len(value) > MAX_CHOICES:
        raise ValidationFailed(fields={"choices": [_("Use at most %(max)d choices.") % {"max": MAX_CHOICES}]})
    out, seen, errors = [], set(), {}
    for i, item in enumerate(value):
        name = f"choices.{i}"
        if isinstance(item, str):
            item = {"value": item, "label": item}
        elif isinstance(item, dict) and set(item) & {"label_en", "label_zh_hans", "label_zh_hant"}:
            item = dict(item)  # the stored shape, as the list endpoint and the screens hand it back
            item["label"] = {lang: item.pop(f"label_{s}", "") for lang, s in _SUFFIX.items()}
        if (
            not isinstance(item, dict)
            or set(item) - {"value", "label"}
            or not isinstance(item.get("value"), str)
        ):
            errors[name] = [_("Enter a string, or an object with value and label.")]
            continue
        val = clean_text(item["value"])
        if not val:
            errors[name] = [_("A choice needs a value.")]
            continue
        if len(val) > CHOICE_VALUE_MAX:
            errors[name] = [
                _("Enter at most %(max)d characters (it has %(n)d).")
                % {"max": CHOICE_VALUE_MAX, "n": len(val)}
            ]
            continue
        if val in seen:
            errors[name] = [_("The value “%(value)s” appears twice.") % {"value": val}]
            continue
        seen.add(val)
        try:
            labels = _translations(item.get("label", val) or val, name, 100, required=False)
        except ValidationFailed as exc:
            errors.update(exc.fields)
            continue
        out.append(
            {
                "value": val,
                **{f"label_{s}": labels[s] or (val if s == "en" else "") for s in _SUFFIX.values()},
            }
        )
    if errors:
        raise ValidationFailed(fields=errors)
    return out


def parse_choices_text(text: str) -> list[dict]:
    """The admin screen's choices editor: one choice a line, "value | English | 简体 | 繁體"."""
    out = []
    for line in (text or "").splitlines():
        parts = [p.strip() for p in line.split("|")]
        if not parts[0]:
            continue
        label = {lang: part for lang, part in zip(LANGS, parts[1:4], strict=False) if part}
        out.append({"value": parts[0], "label": label or parts[0]})
    return out


def choices_text(choices: list[dict]) -> str:
    return "\n".join(
        " | ".join(
            [ch["value"], ch.get("label_en", ""), ch.get("label_zh_hans", ""), ch.get("label_zh_hant", "")]
        ).rstrip(" |")
        for ch in choices
    )


def _bool(value, field: str) -> bool:
    if not isinstance(value, bool):
        raise ValidationFailed(fields={field: [_("Enter true or false.")]})
    return value


def _order(value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 1_000_000:
        raise ValidationFailed(fields={"order": [_("Enter a whole number from 0 to 1000000.")]})
    return value


def _fields_of(data: dict, kind: str, *, partial: bool, current: CustomFieldDef | None = None) -> dict:
    """Model attributes from an API-shaped payload, every error reported at once."""
    errors: dict[str, list[str]] = {}
    out: dict[str, Any] = {}

    def step(name, func):
        if name not in data:
            return
        try:
            func(data[name])
        except ValidationFailed as exc:
            errors.update(exc.fields)

    def label(v):
        out.update({f"label_{s}": t for s, t in _translations(v, "label", 100, required=True).items()})

    def help_text(v):
        out.update({f"help_{s}": t for s, t in _translations(v, "help_text", 300, required=False).items()})

    step("label", label)
    step("help_text", help_text)
    step("required", lambda v: out.__setitem__("required", _bool(v, "required")))
    step("active", lambda v: out.__setitem__("active", _bool(v, "active")))
    step("order", lambda v: out.__setitem__("order", _order(v)))
    if "choices" in data or not partial or (current is not None and kind != current.type):
        if "choices" in data:
            value = data["choices"]
        else:  # a type change keeps the choices between choice types and drops them otherwise
            value = current.choices if current is not None and kind in CHOICE_TYPES else None
        try:
            out["choices"] = _choices(value, kind)
        except ValidationFailed as exc:
            errors.update(exc.fields)
    if not partial and "label" not in data:
        errors["label"] = [_("This field is required.")]
    unknown = set(data) - {
        "object",
        "key",
        "type",
        "label",
        "help_text",
        "required",
        "active",
        "order",
        "choices",
    }
    for name in unknown:
        errors[str(name)[:60]] = [_("Unknown field; it cannot be set here.")]
    if errors:
        raise ValidationFailed(_("Some fields are not valid."), fields=errors)
    return out


def _type(value) -> str:
    if value not in T.values:
        raise ValidationFailed(
            fields={"type": [_("Choose one of: %(choices)s.") % {"choices": ", ".join(T.values)}]}
        )
    return value


@transaction.atomic
def custom_field_create(*, actor, data: dict) -> CustomFieldDef:
    require_admin(actor)
    errors: dict[str, list[str]] = {}
    object_type, key, kind = data.get("object"), data.get("key"), data.get("type")
    if object_type not in OBJECTS:
        errors["object"] = [_("Choose one of: %(choices)s.") % {"choices": ", ".join(OBJECTS)}]
    if not isinstance(key, str) or not KEY_RE.fullmatch(key):
        errors["key"] = [_("Use 1 to 40 lower-case letters, digits and _, starting with a letter.")]
    if kind not in T.values:
        errors["type"] = [_("Choose one of: %(choices)s.") % {"choices": ", ".join(T.values)}]
    try:
        fields = _fields_of(data, kind if kind in T.values else T.TEXT, partial=False)
    except ValidationFailed as exc:
        if kind not in T.values:  # choices make no sense before the type is known
            exc.fields.pop("choices", None)
        errors.update(exc.fields)
        fields = {}
    if not errors:
        existing = CustomFieldDef.objects.filter(object_type=object_type)
        if existing.filter(key=key).exists():
            errors["key"] = [_("This object already has a field with this key.")]
        elif existing.count() >= MAX_FIELDS or (
            fields.get("active", True) and existing.filter(active=True).count() >= MAX_ACTIVE_FIELDS
        ):
            errors["object"] = [_("This object has as many custom fields as it can have.")]
    if errors:
        raise ValidationFailed(_("Some fields are not valid."), fields=errors)
    if "order" not in fields:
        fields["order"] = (
            CustomFieldDef.objects.filter(object_type=object_type).aggregate(m=Max("order"))["m"] or 0
        ) + 1
    defn = CustomFieldDef(object_type=object_type, key=key, type=kind, **fields)
    try:
        with transaction.atomic():
            defn.save()
    except IntegrityError:  # a concurrent create with the same key won the race
        raise ValidationFailed(
            fields={"key": [_("This object already has a field with this key.")]}
        ) from None
    audit.record(
        actor=actor,
        verb="create",
        obj=defn,
        changes={
            k: (None, getattr(defn, k))
            for k in ("object_type", "key", "type", "label_en", "required", "choices", "order")
        },
    )
    transaction.on_commit(_forget_types)
    _forget_types()
    return defn


def _values_exist(defn: CustomFieldDef) -> bool:
    model = OBJECTS[defn.object_type]
    return model._base_manager.filter(custom_fields__has_key=defn.key).exists()


@transaction.atomic
def custom_field_update(*, actor, field: CustomFieldDef, data: dict, version: int | None) -> CustomFieldDef:
    require_admin(actor)
    errors: dict[str, list[str]] = {}
    if "object" in data and data["object"] != field.object_type:
        errors["object"] = [_("The object of a field cannot be changed.")]
    if "key" in data and data["key"] != field.key:
        errors["key"] = [_("The key cannot be changed after the field is created.")]
    kind = data.get("type", field.type)
    if kind not in T.values:
        errors["type"] = [_("Choose one of: %(choices)s.") % {"choices": ", ".join(T.values)}]
        kind = field.type
    try:
        fields = _fields_of(data, kind, partial=True, current=field)
    except ValidationFailed as exc:
        errors.update(exc.fields)
        fields = {}
    if errors:
        raise ValidationFailed(_("Some fields are not valid."), fields=errors)
    check_version(field, version)
    if kind != field.type:
        if kind not in COMPATIBLE.get(field.type, set()) and _values_exist(field):
            raise ValidationFailed(
                fields={
                    "type": [
                        _(
                            "Records already have values for this field; its type can only change to one that keeps them "
                            "(for example text to long text)."
                        )
                    ]
                }
            )
        fields["type"] = kind
    if (
        fields.get("active")
        and not field.active
        and CustomFieldDef.objects.filter(object_type=field.object_type, active=True).count()
        >= MAX_ACTIVE_FIELDS
    ):
        raise ValidationFailed(
            fields={"active": [_("This object has as many custom fields as it can have.")]}
        )
    if kind == field.type and kind in CHOICE_TYPES and "choices" in fields:
        removed = {ch["value"] for ch in field.choices} - {ch["value"] for ch in fields["choices"]}
        in_use = sorted(
            v
            for v in removed
            if OBJECTS[field.object_type]._base_manager.filter(_value_condition(field, v)).exists()
        )
        if in_use:
            raise ValidationFailed(
                fields={
                    "choices": [
                        _("Records still use these values, so they cannot be removed: %(values)s.")
                        % {"values": ", ".join(in_use)}
                    ]
                }
            )
    before_version = field.version
    changes = model_update(field, fields=list(fields), data=fields, expected_version=before_version)
    if changes:
        audit.record(actor=actor, verb="update", obj=field, changes=changes)
        transaction.on_commit(_forget_types)
        _forget_types()
    return field


def custom_field_archive(*, actor, field: CustomFieldDef, version: int | None) -> CustomFieldDef:
    """Hide a field from forms, lists and filters; the records keep their values."""
    return custom_field_update(actor=actor, field=field, data={"active": False}, version=version)


@transaction.atomic
def custom_field_reorder(*, actor, object_type: str, keys: list) -> list[CustomFieldDef]:
    """Put the fields named by `keys` first, in that order; the others follow as they were."""
    require_admin(actor)
    check_object(object_type)
    if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys) or len(set(keys)) != len(keys):
        raise ValidationFailed(fields={"keys": [_("Enter a list of distinct field keys.")]})
    current = definitions(object_type, include_archived=True)
    by_key = {d.key: d for d in current}
    unknown = [k for k in keys if k not in by_key]
    if unknown:
        raise ValidationFailed(
            fields={
                "keys": [
                    _("Unknown field keys: %(keys)s.") % {"keys": ", ".join(k[:40] for k in unknown[:10])}
                ]
            }
        )
    ordered = [by_key[k] for k in keys] + [d for d in current if d.key not in set(keys)]
    changed = []
    now = timezone.now()
    for position, defn in enumerate(ordered, start=1):
        if defn.order != position:
            old = defn.order
            defn.order, defn.version, defn.updated_at = position, defn.version + 1, now
            changed.append((defn, old))
    if changed:
        old_order = {d.pk: old for d, old in changed}
        CustomFieldDef.objects.bulk_update([d for d, _old in changed], ["order", "version", "updated_at"])
        audit.record_bulk(
            actor=actor,
            verb="update",
            objs=[d for d, _old in changed],
            changes_for=lambda d: {"order": (old_order[d.pk], d.order)},
        )
    return ordered


# --- values ----------------------------------------------------------------------------------------


def _empty(value) -> bool:
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


def _clean_choice(defn, value) -> str:
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
        return _clean_choice(defn, value)
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
        if _empty(value):
            if defn.required:
                errors[error_name(key)] = [_("This field is required.")]
            result.pop(key, None)
            continue
        try:
            cleaned = clean_value(defn, value, current.get(key))
        except ValidationError as exc:
            errors[error_name(key)] = [str(m) for m in exc.messages]
            continue
        if _empty(cleaned):
            if defn.required:
                errors[error_name(key)] = [_("This field is required.")]
            result.pop(key, None)
        else:
            result[key] = cleaned
    if creating:
        for key, defn in defs.items():
            if defn.active and defn.required and _empty(result.get(key)) and error_name(key) not in errors:
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


# --- rendering ------------------------------------------------------------------------------------


def _local_datetime(raw: str) -> dt.datetime | None:
    parsed = parse_datetime(raw) if isinstance(raw, str) else None
    return timezone.localtime(parsed) if parsed and timezone.is_aware(parsed) else parsed


def display_text(defn: CustomFieldDef, raw, *, lang: str | None = None) -> str:
    """A value as plain text in the reader's language (lists, exports, history)."""
    if _empty(raw):
        return ""
    kind = defn.type
    labels = {ch["value"]: choice_label(ch, lang) for ch in defn.choices} if kind in CHOICE_TYPES else {}
    if kind == T.CHOICE:
        return labels.get(raw, str(raw))
    if kind == T.MULTI_CHOICE:
        return ", ".join(labels.get(v, str(v)) for v in (raw if isinstance(raw, list) else [raw]))
    if kind == T.BOOLEAN:
        return str(_("Yes")) if raw is True else str(_("No")) if raw is False else str(raw)
    if kind == T.DATE:
        try:
            return formats.date_format(dt.date.fromisoformat(raw), "SHORT_DATE_FORMAT")
        except (TypeError, ValueError):
            return str(raw)
    if kind == T.DATETIME:
        local = _local_datetime(raw)
        return formats.date_format(local, "SHORT_DATETIME_FORMAT") if local else str(raw)
    if kind == T.PHONE:
        return format_phone(str(raw))
    return str(raw)


def display_html(defn: CustomFieldDef, raw, *, users: dict | None = None) -> SafeString:
    """A value as HTML for the detail page: escaped, with links for URLs, emails and phones."""
    if _empty(raw):
        return mark_safe("—")
    kind = defn.type
    if kind == T.LONG_TEXT:
        return linebreaksbr(str(raw), autoescape=True)
    if kind == T.URL and str(raw).startswith(("https://", "http://")):
        return format_html('<a href="{0}" rel="noopener noreferrer" target="_blank">{0}</a>', raw)
    if kind == T.EMAIL:
        return format_html('<a href="mailto:{0}">{0}</a>', raw)
    if kind == T.PHONE:
        return format_html('<a href="tel:{}">{}</a>', raw, format_phone(str(raw)))
    if kind == T.USER:
        return format_html("{}", users.get(raw, raw) if users else raw)
    if kind == T.MULTI_CHOICE:
        labels = {ch["value"]: choice_label(ch) for ch in defn.choices}
        return format_html_join(" ", '<span class="gx-badge">{}</span>', ((labels.get(v, v),) for v in raw))
    return format_html("{}", display_text(defn, raw))


def detail_items(record) -> list[dict]:
    """[{key, label, help, value_html}] of the active fields of a record, in order (≤ 2 queries)."""
    from guanxi.org.models import User

    defs = definitions(record.POLICY_OBJECT_TYPE)
    values = record.custom_fields or {}
    usernames = {values.get(d.key) for d in defs if d.type == T.USER and isinstance(values.get(d.key), str)}
    users = {u.username: str(u) for u in User.objects.filter(username__in=usernames)} if usernames else {}
    return [
        {
            "key": d.key,
            "label": label_of(d),
            "help": help_of(d),
            "value": display_html(d, values.get(d.key), users=users),
        }
        for d in defs
    ]


def list_columns(defs: dict[str, CustomFieldDef]) -> dict[str, str]:
    """Selectable list columns: {"cf_<key>": label}."""
    return {f"cf_{key}": label_of(d) for key, d in defs.items()}


def cell_html(record, column: str, defs: dict[str, CustomFieldDef]) -> SafeString:
    defn = defs.get(column[3:]) if column.startswith("cf_") else None
    if defn is None:
        return mark_safe("")
    raw = (record.custom_fields or {}).get(defn.key)
    if defn.type == T.MULTI_CHOICE and isinstance(raw, list):
        return display_html(defn, raw)
    text = display_text(defn, raw)
    if defn.type == T.LONG_TEXT and len(text) > 80:
        text = text[:80] + "…"
    return format_html("{}", text)


# --- exports (the exports module adds these columns to CSV/XLSX) ------------------------------------


def export_definitions(object_type: str) -> list[CustomFieldDef]:
    return definitions(object_type)


def export_columns(object_type: str) -> list[tuple[str, str]]:
    """[(key, header)] of the active fields, in order; header in the current language."""
    return [(d.key, label_of(d)) for d in definitions(object_type)]


def export_value(defn: CustomFieldDef, raw) -> str:
    """A cell: machine-friendly where it matters (ISO dates, choice values as labels joined by ", ",
    numbers as written), never a formula (exports.neutralize still applies to text)."""
    if _empty(raw):
        return ""
    if defn.type == T.DATE:
        return str(raw)
    if defn.type == T.DATETIME:
        local = _local_datetime(raw)
        return local.isoformat() if local else str(raw)
    if defn.type in (T.NUMBER, T.DECIMAL, T.USER, T.URL, T.EMAIL, T.PHONE, T.TEXT, T.LONG_TEXT):
        return str(raw)
    return display_text(defn, raw)


# --- search ---------------------------------------------------------------------------------------


def search_terms(object_type: str, values: dict) -> tuple[list[str], list[str], list[str]]:
    """(text, phones, emails) that a record's custom values add to its search document."""
    text: list[str] = []
    phones: list[str] = []
    emails: list[str] = []
    if not values:
        return text, phones, emails
    types = _types(object_type)
    for key, value in values.items():
        kind = types.get(key)
        if not isinstance(value, str) or not value:
            continue
        if kind in (T.TEXT, T.URL):
            text.append(value)
        elif kind == T.LONG_TEXT:
            text.append(value[:200])
        elif kind == T.PHONE:
            phones.append(value)
        elif kind == T.EMAIL:
            emails.append(value)
    return text, phones, emails


# --- filters --------------------------------------------------------------------------------------


def _value_condition(defn: CustomFieldDef, value) -> Q:
    """Records whose value for `defn` is `value` (for multiple choice: includes it).

    PostgreSQL: jsonb containment (`@>`), which the GIN jsonb_path_ops index serves. SQLite: its
    JSON functions (no index; the embedded database is small)."""
    model = OBJECTS[defn.object_type]
    if connection.vendor == "postgresql":
        return Q(custom_fields__contains={defn.key: [value] if defn.type == T.MULTI_CHOICE else value})
    if defn.type == T.MULTI_CHOICE:
        table = connection.ops.quote_name(model._meta.db_table)
        sql = (
            f"SELECT t.id FROM {table} t, json_each(t.custom_fields, %s) j "  # noqa: S608  (table name from the model)
            "WHERE j.value = %s"
        )
        return Q(pk__in=RawSQL(sql, [f'$."{defn.key}"', value]))
    # with an explicit __exact every part before it is a key, even one named like a lookup ("contains")
    return Q(**{f"custom_fields__{defn.key}__exact": value})


def filter_params(query) -> dict[str, str]:
    """The `cf_<key>` parameters of a request's query string (QueryDict or dict)."""
    return {k: query.get(k, "") for k in query if isinstance(k, str) and k.startswith("cf_")}


def apply_filters(qs, object_type: str, filters: dict) -> Any:
    """Narrow `qs` by {"cf_<key>": value}; unknown, archived or unfilterable keys are a 400."""
    filters = {k: v for k, v in (filters or {}).items() if v not in (None, "")}
    if not filters:
        return qs
    defs = definitions_by_key(object_type)
    errors: dict[str, list[str]] = {}
    conditions = []
    for name, value in filters.items():
        defn = defs.get(name[3:])
        if defn is None:
            errors[name[:60]] = [_("Unknown filter.")]
            continue
        if defn.type not in FILTERABLE:
            errors[name] = [_("This field cannot be used as a filter.")]
            continue
        try:
            if isinstance(value, str) and "\x00" in value:
                raise ValidationError(_("This value is not valid."))
            if defn.type == T.MULTI_CHOICE:
                cleaned = _clean_choice(defn, value)
            elif defn.type == T.USER:
                if not isinstance(value, str):
                    raise ValidationError(_("Enter a username."))
                cleaned = value.strip()
            else:
                cleaned = clean_value(defn, value)
        except ValidationError as exc:
            errors[name] = [str(m) for m in exc.messages]
            continue
        conditions.append(_value_condition(defn, cleaned))
    if errors:
        raise ValidationFailed(_("Some filters are not valid."), fields=errors)
    for condition in conditions:
        qs = qs.filter(condition)
    return qs


def filter_choices(defs: dict[str, CustomFieldDef]) -> list[dict]:
    """The list screens' filter selects: choice, multiple choice and yes/no fields."""
    out = []
    for key, d in defs.items():
        if d.type in CHOICE_TYPES:
            options = [(ch["value"], choice_label(ch)) for ch in d.choices]
        elif d.type == T.BOOLEAN:
            options = [("true", _("Yes")), ("false", _("No"))]
        else:
            continue
        out.append({"name": f"cf_{key}", "label": label_of(d), "options": options})
    return out


# --- UI form fields -------------------------------------------------------------------------------


class _Input(forms.TextInput):
    def __init__(self, input_type: str, attrs=None):
        self.input_type = input_type
        super().__init__(attrs)


class _RawChoice(forms.ChoiceField):
    """A select whose value the service checks (one set of rules), not the form."""

    def valid_value(self, value) -> bool:
        return True


class _RawMultiChoice(forms.MultipleChoiceField):
    def valid_value(self, value) -> bool:
        return True


def _user_choices(current: str | None):
    from guanxi.org.models import User

    users = [
        (u.username, f"{u} ({u.username})")
        for u in User.objects.filter(is_active=True).order_by("username")[:1000]
    ]
    if current and current not in {u for u, _l in users}:
        users.insert(0, (current, current))
    return [("", "—"), *users]


def _form_field(defn: CustomFieldDef, current) -> forms.Field:
    label = label_of(defn)
    help_text = help_of(defn)
    if defn.required:
        help_text = f"{help_text} {_('Required.')}".strip()
    common = {"label": label, "required": False, "help_text": help_text}
    kind = defn.type
    if kind == T.LONG_TEXT:
        return forms.CharField(max_length=50000, widget=forms.Textarea(attrs={"rows": 3}), **common)
    if kind in CHOICE_TYPES:
        choices = [(ch["value"], choice_label(ch)) for ch in defn.choices]
        if kind == T.MULTI_CHOICE:
            return _RawMultiChoice(choices=choices, widget=forms.CheckboxSelectMultiple, **common)
        return _RawChoice(choices=[("", "—"), *choices], **common)
    if kind == T.BOOLEAN:
        return _RawChoice(choices=[("", "—"), ("true", _("Yes")), ("false", _("No"))], **common)
    if kind == T.USER:
        return _RawChoice(choices=_user_choices(current), **common)
    input_type = {
        T.NUMBER: "number",
        T.DATE: "date",
        T.DATETIME: "datetime-local",
        T.URL: "url",
        T.EMAIL: "email",
        T.PHONE: "tel",
    }.get(kind, "text")
    return forms.CharField(max_length=20000, widget=_Input(input_type), **common)


def _form_initial(defn: CustomFieldDef, raw):
    if _empty(raw):
        return [] if defn.type == T.MULTI_CHOICE else ""
    if defn.type == T.BOOLEAN:
        return "true" if raw is True else "false" if raw is False else ""
    if defn.type == T.DATETIME:
        local = _local_datetime(raw)
        return local.strftime("%Y-%m-%dT%H:%M") if local else raw
    return raw


def add_form_fields(form: forms.Form, object_type: str, values: dict | None) -> None:
    """Give a form one `cf_<key>` field per active definition, filled from the record's values."""
    values = values or {}
    form.custom_field_keys = []
    for defn in definitions(object_type):
        name = f"cf_{defn.key}"
        form.fields[name] = _form_field(defn, values.get(defn.key))
        form.custom_field_keys.append(defn.key)
        if not form.is_bound:
            form.initial.setdefault(name, _form_initial(defn, values.get(defn.key)))


def form_payload(form: forms.Form, data: dict) -> dict:
    """Move the `cf_<key>` values of a form's cleaned data under data["custom_fields"]."""
    keys = getattr(form, "custom_field_keys", [])
    custom = {}
    for key in keys:
        value = data.pop(f"cf_{key}", None)
        custom[key] = None if _empty(value) else value
    if keys:
        data["custom_fields"] = custom
    return data


OBJECT_LABELS = {"account": gettext_lazy("Accounts"), "contact": gettext_lazy("Contacts")}
