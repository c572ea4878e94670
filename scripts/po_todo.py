"""Hand the untranslated messages of the catalogues to a translator and merge the answers back.

    python scripts/po_todo.py export todo.json     # every missing or fuzzy entry, both languages
    python scripts/po_todo.py import done.json     # {"zh_Hans": {msgid: msgstr}, "zh_Hant": {...}}

For plurals the answer is a list of forms (Chinese has one: ["…"]). Run `make messages` first
so the catalogues hold every message of the code, and again after importing to compile them.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import polib

LOCALE = Path(__file__).resolve().parents[1] / "guanxi" / "locale"
LANGS = ["zh_Hans", "zh_Hant"]


def _po(lang: str) -> polib.POFile:
    return polib.pofile(str(LOCALE / lang / "LC_MESSAGES" / "django.po"))


def _todo(entry: polib.POEntry) -> bool:
    if entry.obsolete:
        return False
    if "fuzzy" in entry.flags:
        return True
    return not all(entry.msgstr_plural.values()) if entry.msgid_plural else not entry.msgstr


def _key(entry: polib.POEntry) -> str:
    """msgid, prefixed by "context\u0004" when the entry has one (the same text may mean two things)."""
    return f"{entry.msgctxt}\u0004{entry.msgid}" if entry.msgctxt else entry.msgid


def export(path: str) -> None:
    out = {}
    for lang in LANGS:
        out[lang] = {
            _key(e): {
                "context": e.msgctxt,
                "plural": e.msgid_plural or None,
                "where": [f for f, _line in e.occurrences][:2],
            }
            for e in _po(lang)
            if _todo(e)
        }
    Path(path).write_text(json.dumps(out, ensure_ascii=False, indent=1))
    print({lang: len(v) for lang, v in out.items()})


def import_(path: str) -> None:
    answers = json.loads(Path(path).read_text())
    for lang in LANGS:
        po, given, n = _po(lang), answers.get(lang, {}), 0
        for entry in po:
            if not _todo(entry) or not given.get(_key(entry)):
                continue
            value = given[_key(entry)]
            if entry.msgid_plural:
                forms = value if isinstance(value, list) else [value]
                entry.msgstr_plural = {
                    i: forms[min(i, len(forms) - 1)] for i in range(max(1, len(entry.msgstr_plural)))
                }
            else:
                entry.msgstr = value if isinstance(value, str) else value[0]
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
            n += 1
        po.save()
        print(lang, n, "translated")


if __name__ == "__main__":
    {"export": export, "import": import_}[sys.argv[1]](sys.argv[2])
