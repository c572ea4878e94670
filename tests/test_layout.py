"""The house rule on module size (docs/architecture.md, "Layout of a domain app"): no module over
600 lines outside migrations and tests; a bigger one is split by subject."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAX_LINES = 600


def test_no_module_over_600_lines():
    too_long = {
        str(path.relative_to(ROOT)): n
        for folder in ("guanxi", "bench", "scripts")
        for path in (ROOT / folder).rglob("*.py")
        if "migrations" not in path.parts
        and (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert too_long == {}
