"""Writing custom field definitions: administrators (superusers) only, audited as object type
"custom_field".

A definition belongs to a kind of record declared with `custom_fields=True` in the registry; its
key and object never change, a type changes only while no record has a value or into a type that
keeps every stored value, and a choice still in use cannot be removed."""

from __future__ import annotations

import re
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.audit import services as audit
from guanxi.core.errors import PermissionDenied, ValidationFailed
from guanxi.core.services import check_version, model_update
from guanxi.core.validators import clean_text

from .filters import value_condition
from .labels import LANGS, SUFFIX
from .models import CHOICE_TYPES, CustomFieldDef
from .models import FieldType as T
from .selectors import check_object, definitions, forget_types, model_of, object_types

KEY_RE = re.compile(r"[a-z][a-z0-9_]{0,39}")
# A type may change while values exist only into a type that accepts every stored value as it is.
COMPATIBLE: dict[str, set[str]] = {
    T.TEXT: {T.LONG_TEXT},
    **{t: {T.TEXT, T.LONG_TEXT} for t in (T.EMAIL, T.PHONE, T.URL, T.CHOICE, T.USER, T.DATE)},
}

MAX_ACTIVE_FIELDS = 200  # per object: a form with more is not a form
MAX_FIELDS = 500  # per object, archived ones included
MAX_CHOICES = 200
CHOICE_VALUE_MAX = 100


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
    out = dict.fromkeys(SUFFIX.values(), "")
    for lang, text in value.items():
        if lang not in SUFFIX:
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
        out[SUFFIX[lang]] = text
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
            item["label"] = {lang: item.pop(f"label_{s}", "") for lang, s in SUFFIX.items()}
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
                **{f"label_{s}": labels[s] or (val if s == "en" else "") for s in SUFFIX.values()},
            }
        )
    if errors:
        raise ValidationFailed(fields=errors)
    return out


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


@transaction.atomic
def custom_field_create(*, actor, data: dict) -> CustomFieldDef:
    require_admin(actor)
    errors: dict[str, list[str]] = {}
    object_type, key, kind = data.get("object"), data.get("key"), data.get("type")
    names = object_types()
    if object_type not in names:
        errors["object"] = [_("Choose one of: %(choices)s.") % {"choices": ", ".join(names)}]
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
    defn = CustomFieldDef(object_type=object_type, key=key, type=kind, **fields)  # type: ignore[misc]  # all set
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
    transaction.on_commit(forget_types)
    forget_types()
    return defn


def _values_exist(defn: CustomFieldDef) -> bool:
    return model_of(defn.object_type)._base_manager.filter(custom_fields__has_key=defn.key).exists()


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
            if model_of(field.object_type)._base_manager.filter(value_condition(field, v)).exists()
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
        transaction.on_commit(forget_types)
        forget_types()
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
