"""The catalogues are complete: no missing, no fuzzy, and nothing in the code left out of them.

The check re-extracts every message from a copy of the source (so the real catalogues are never
touched) and fails listing the messages that lack a zh-Hans or zh-Hant translation. Fix with
`make messages` and translate what it adds.
"""

import os
import shutil
from pathlib import Path

import polib
import pytest
from django.core.management import call_command

PACKAGE = Path(__file__).resolve().parents[2] / "guanxi"
LANGS = ["zh_Hans", "zh_Hant"]


def _fail_on(problems: list[str]) -> None:
    if problems:
        pytest.fail(f"{len(problems)} untranslated messages:\n" + "\n".join(problems[:40]), pytrace=False)


def _problems(po: polib.POFile) -> list[str]:
    bad = []
    for entry in po:
        if entry.obsolete:
            continue
        if "fuzzy" in entry.flags:
            bad.append(f"fuzzy: {entry.msgid!r}")
        elif entry.msgid_plural:
            if not all(entry.msgstr_plural.values()):
                bad.append(f"missing plural: {entry.msgid!r}")
        elif not entry.msgstr:
            bad.append(f"missing: {entry.msgid!r}")
    return bad


@pytest.mark.parametrize("lang", LANGS)
def test_catalogue_has_no_missing_or_fuzzy_entries(lang):
    po = polib.pofile(str(PACKAGE / "locale" / lang / "LC_MESSAGES" / "django.po"))
    _fail_on(_problems(po))


@pytest.mark.parametrize("lang", LANGS)
def test_compiled_catalogue_matches_the_po_file(lang):
    po = polib.pofile(str(PACKAGE / "locale" / lang / "LC_MESSAGES" / "django.po"))
    mo_path = PACKAGE / "locale" / lang / "LC_MESSAGES" / "django.mo"
    if not mo_path.exists():
        pytest.fail("no compiled catalogue: run `make messages`", pytrace=False)
    mo = polib.mofile(str(PACKAGE / "locale" / lang / "LC_MESSAGES" / "django.mo"))
    compiled = {(e.msgctxt, e.msgid): e.msgstr for e in mo}  # one msgid may stand in several contexts
    stale = [
        e.msgid
        for e in po
        if not e.obsolete and not e.msgid_plural and compiled.get((e.msgctxt, e.msgid)) != e.msgstr
    ]
    if stale:
        pytest.fail(f"{len(stale)} messages differ in the .mo file: run `make messages`", pytrace=False)


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="needs GNU gettext (make test installs it)")
def test_every_message_in_the_code_is_translated(tmp_path, settings):
    copy = tmp_path / "guanxi"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("static", "__pycache__", "*.mo", "tests"))
    settings.LOCALE_PATHS = [copy / "locale"]
    cwd = os.getcwd()
    os.chdir(copy)
    try:
        call_command(
            "makemessages", locale=LANGS, ignore_patterns=["static/*"], no_obsolete=True, verbosity=0
        )
    finally:
        os.chdir(cwd)
    problems = [
        f"{lang} {p}"
        for lang in LANGS
        for p in _problems(polib.pofile(str(copy / "locale" / lang / "LC_MESSAGES" / "django.po")))
    ]
    _fail_on(problems)
