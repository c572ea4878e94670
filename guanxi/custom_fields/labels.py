"""A definition's labels, help texts and choice labels in the reader's language.

Definitions carry each text in English, Simplified and Traditional Chinese (`label_en`,
`label_zh_hans`, `label_zh_hant`…); a missing one falls back to the nearest language."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import get_language

from .models import CustomFieldDef

LANGS = ("en", "zh-hans", "zh-hant")
SUFFIX = {"en": "en", "zh-hans": "zh_hans", "zh-hant": "zh_hant"}
_FALLBACK = {
    "en": ("en", "zh_hans", "zh_hant"),
    "zh-hans": ("zh_hans", "zh_hant", "en"),
    "zh-hant": ("zh_hant", "zh_hans", "en"),
}


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
    return {lang: get(f"{prefix}_{SUFFIX[lang]}") or "" for lang in LANGS}
