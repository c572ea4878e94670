"""Compile .po catalogues to .mo with polib (no system gettext needed at install time)."""

from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parents[1] / "guanxi" / "locale"

for po_path in sorted(ROOT.glob("*/LC_MESSAGES/django.po")):
    po = polib.pofile(str(po_path))
    po.save_as_mofile(str(po_path.with_suffix(".mo")))
    print(f"{po_path.relative_to(ROOT.parent.parent)}: {po.percent_translated()}% translated")
