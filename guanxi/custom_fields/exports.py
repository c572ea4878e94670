"""Custom fields in exports: the customers' exports add these columns to CSV/XLSX."""

from __future__ import annotations

from .display import display_text, local_datetime
from .labels import label_of
from .models import CustomFieldDef
from .models import FieldType as T
from .selectors import definitions
from .values import is_empty


def export_definitions(object_type: str) -> list[CustomFieldDef]:
    return definitions(object_type)


def export_columns(object_type: str) -> list[tuple[str, str]]:
    """[(key, header)] of the active fields, in order; header in the current language."""
    return [(d.key, label_of(d)) for d in definitions(object_type)]


def export_value(defn: CustomFieldDef, raw) -> str:
    """A cell: machine-friendly where it matters (ISO dates, choice values as labels joined by ", ",
    numbers as written), never a formula (exports.neutralize still applies to text)."""
    if is_empty(raw):
        return ""
    if defn.type == T.DATE:
        return str(raw)
    if defn.type == T.DATETIME:
        local = local_datetime(raw)
        return local.isoformat() if local else str(raw)
    if defn.type in (T.NUMBER, T.DECIMAL, T.USER, T.URL, T.EMAIL, T.PHONE, T.TEXT, T.LONG_TEXT):
        return str(raw)
    return display_text(defn, raw)
