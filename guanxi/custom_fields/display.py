"""Custom field values as people read them: plain text (lists, history), HTML (detail pages,
list cells)."""

from __future__ import annotations

import datetime as dt

from django.template.defaultfilters import linebreaksbr
from django.utils import formats, timezone
from django.utils.dateparse import parse_datetime
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from guanxi.core.validators import format_phone

from .labels import choice_label, help_of, label_of
from .models import CHOICE_TYPES, CustomFieldDef
from .models import FieldType as T
from .selectors import definitions
from .values import is_empty


def local_datetime(raw: str) -> dt.datetime | None:
    parsed = parse_datetime(raw) if isinstance(raw, str) else None
    return timezone.localtime(parsed) if parsed and timezone.is_aware(parsed) else parsed


def display_text(defn: CustomFieldDef, raw, *, lang: str | None = None) -> str:
    """A value as plain text in the reader's language (lists, exports, history)."""
    if is_empty(raw):
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
        local = local_datetime(raw)
        return formats.date_format(local, "SHORT_DATETIME_FORMAT") if local else str(raw)
    if kind == T.PHONE:
        return format_phone(str(raw))
    return str(raw)


def display_html(defn: CustomFieldDef, raw, *, users: dict | None = None) -> SafeString:
    """A value as HTML for the detail page: escaped, with links for URLs, emails and phones."""
    if is_empty(raw):
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
