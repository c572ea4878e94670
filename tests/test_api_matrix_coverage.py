"""Every API operation has a permission matrix.

Each matrix module declares the operations it covers in MATRIX_OPERATIONS; this test fails
when an operation is added to the API without one (or a declaration names one that is gone)."""

import importlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PUBLIC = {"auth_token"}  # no permission to check: covered by the token tests


def declared() -> dict[str, str]:
    ops: dict[str, str] = {}
    for path in sorted((ROOT / "tests").rglob("test_*.py")):
        if "MATRIX_OPERATIONS" not in path.read_text(encoding="utf-8"):
            continue
        module = importlib.import_module(".".join(path.relative_to(ROOT).with_suffix("").parts))
        for op in getattr(module, "MATRIX_OPERATIONS", ()):
            ops[op] = module.__name__
    return ops


def test_every_api_operation_has_a_permission_matrix(db):
    from guanxi.config.api import api

    schema = api.get_openapi_schema()
    found = {op["operationId"] for path in schema["paths"].values() for op in path.values()}
    covered = declared()
    assert sorted(found - PUBLIC - set(covered)) == [], "operations without a permission matrix"
    assert sorted(set(covered) - found) == [], "declared operations that the API no longer has"
