"""Custom fields sit below the domain apps: the kinds of record that take them come from the
registry, so nothing in guanxi/custom_fields may import customers, engagement or sales."""

import ast
from pathlib import Path

import guanxi.custom_fields

ABOVE = ("guanxi.customers", "guanxi.engagement", "guanxi.sales")


def imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def test_custom_fields_import_no_domain_app():
    root = Path(guanxi.custom_fields.__file__).parent
    found = {
        f"{path.relative_to(root)}: {name}"
        for path in root.rglob("*.py")
        for name in imported_modules(path)
        if name.startswith(ABOVE)
    }
    assert sorted(found) == []
