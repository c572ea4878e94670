"""What the sales models share: the partial-index condition of live records, and names per language."""

from __future__ import annotations

from django.db.models import Q
from django.utils import translation

LIVE = Q(deleted_at__isnull=True)


def localized(obj, prefix: str = "name") -> str:
    """`name_en`, `name_zh_hans` or `name_zh_hant` for the active language, English when empty."""
    lang = (translation.get_language() or "en").lower()
    suffix = (
        "zh_hant"
        if lang.startswith("zh-hant") or lang in ("zh-tw", "zh-hk")
        else "zh_hans"
        if lang.startswith("zh")
        else "en"
    )
    return getattr(obj, f"{prefix}_{suffix}", "") or getattr(obj, f"{prefix}_en", "")
