"""What custom field values add to a record's search document."""

from __future__ import annotations

from . import selectors
from .models import FieldType as T


def search_terms(object_type: str, values: dict) -> tuple[list[str], list[str], list[str]]:
    """(text, phones, emails) that a record's custom values add to its search document."""
    text: list[str] = []
    phones: list[str] = []
    emails: list[str] = []
    if not values:
        return text, phones, emails
    types = selectors.types(object_type)
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
