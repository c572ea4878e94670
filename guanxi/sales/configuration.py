"""Helpers shared by the sales configuration services of web forms, scoring rules and
assignment rules: texts per language, and the small value cleaners.

It sits below the three (it was webforms/common.py): assignment importing it from webforms made
the cycle leads → assignment → webforms → leads, since web forms create leads.

Configuration is not under role grants (like custom fields): it is written and read (API and
admin screens) by holders of its administration right (org/rights.py, declared in
sales/registry.py), superusers included."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from guanxi.core.errors import NotFound, ValidationFailed
from guanxi.core.validators import clean_text

LANGS = ("en", "zh-hans", "zh-hant")
SUFFIX = {"en": "en", "zh-hans": "zh_hans", "zh-hant": "zh_hant"}


def get_or_404(model, pk, *, live_only: bool = False):
    """One configuration row by id; a malformed id is the same 404 as an absent one."""
    try:
        pk = int(pk)
        manager = model._base_manager
        qs = manager.filter(pk=pk)
        if live_only:
            qs = qs.filter(deleted_at__isnull=True)
        row = qs.first()
    except (TypeError, ValueError, OverflowError):
        row = None
    if row is None:
        raise NotFound()
    return row


def translations(value, field: str, max_length: int, *, multiline: bool = False) -> dict[str, str]:
    """A string for every language, or an object with any of en / zh-hans / zh-hant
    → {"en": …, "zh_hans": …, "zh_hant": …} (model suffixes). Errors name `field.<lang>`."""
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
        text = clean_text(text, multiline=multiline)
        if len(text) > max_length:
            errors[f"{field}.{lang}"] = [
                _("Enter at most %(max)d characters (it has %(n)d).") % {"max": max_length, "n": len(text)}
            ]
        out[SUFFIX[lang]] = text
    if errors:
        raise ValidationFailed(_("Some fields are not valid."), fields=errors)
    return out


def texts_of(obj, prefix: str) -> dict[str, str]:
    """{"en", "zh-hans", "zh-hant"} → the stored texts (for API output and the edit forms)."""
    get = obj.get if isinstance(obj, dict) else (lambda a: getattr(obj, a, ""))
    return {lang: get(f"{prefix}_{SUFFIX[lang]}") or "" for lang in LANGS}


def boolean(value, field: str) -> bool:
    if not isinstance(value, bool):
        raise ValidationFailed(fields={field: [_("Enter true or false.")]})
    return value


def whole_number(value, field: str, low: int, high: int, *, allow_none: bool = False) -> int | None:
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValidationFailed(
            fields={field: [_("Enter a whole number from %(low)d to %(high)d.") % {"low": low, "high": high}]}
        )
    return value


def name_text(value, field: str = "name", max_length: int = 100) -> str:
    if not isinstance(value, str):
        raise ValidationFailed(fields={field: [_("Enter text.")]})
    value = clean_text(value)
    if not value:
        raise ValidationFailed(fields={field: [_("This field is required.")]})
    if len(value) > max_length:
        raise ValidationFailed(
            fields={
                field: [
                    _("Enter at most %(max)d characters (it has %(n)d).")
                    % {"max": max_length, "n": len(value)}
                ]
            }
        )
    return value


def active_user(value, field: str):
    """An active user named by username (None/"" gives None)."""
    from guanxi.org.models import User

    if value in (None, ""):
        return None
    if not isinstance(value, str) or len(value) > 150:
        raise ValidationFailed(fields={field: [_("Enter a username.")]})
    user = User.objects.filter(username=value, is_active=True).first()
    if user is None:
        raise ValidationFailed(fields={field: [_("No active user has this username.")]})
    return user


def lead_pool(value, field: str = "pool"):
    """A live, active lead pool by id (None gives None)."""
    from guanxi.sales.models import Pool

    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 19:
            value = int(value)
        else:
            raise ValidationFailed(fields={field: [_("Enter the id of a lead pool.")]})
    pool = Pool.objects.filter(pk=value, deleted_at__isnull=True).first() if 0 < value < 2**63 else None
    if pool is None:
        raise ValidationFailed(fields={field: [_("No pool has this id.")]})
    if pool.kind != Pool.Kind.LEAD:
        raise ValidationFailed(fields={field: [_("Choose a lead pool, not a customer pool.")]})
    return pool


def unknown_fields(data: dict[str, Any], allowed: set[str]) -> dict[str, list[str]]:
    return {str(k)[:60]: [_("Unknown field; it cannot be set here.")] for k in data if k not in allowed}
