"""Central modules iterate the registry (guanxi/core/registry.py): none of them names a domain app,
so that a new kind of record is added by declaring it in its own app (docs/architecture.md)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from guanxi.core import registry

ROOT = Path(__file__).resolve().parents[2] / "guanxi"
DOMAINS = ("guanxi.customers", "guanxi.engagement", "guanxi.sales", "guanxi.custom_fields", "guanxi.org")


def imported_modules(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
    return found


@pytest.mark.parametrize(
    "module",
    [
        "config/api.py",
        "core/panels.py",
        "records/timeline.py",
        "records/exports.py",
        "records/views_exports.py",
        "records/api_exports.py",
    ],
)
def test_central_module_imports_no_domain(module):
    domains = sorted(m for m in imported_modules(ROOT / module) if m.startswith(DOMAINS))
    assert domains == []


def test_every_declared_router_is_mounted(client):
    """Each router an app declares answers under its prefix in the OpenAPI document."""
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for route in registry.api_routes():
        assert any(p.startswith(f"/api/v1{route.prefix}") for p in paths), route
    prefixes = [r.prefix for r in registry.api_routes()]
    assert prefixes.count("/accounts") == 2  # the customers' routes and the timeline's, side by side


def test_a_declared_timeline_source_feeds_the_timeline_and_its_chips(org, monkeypatch):
    """A new kind puts its records on a customer's timeline by declaring a source, nothing else."""
    import datetime as dt

    from guanxi.records import timeline
    from tests.factories import ContactFactory

    contact = ContactFactory(owner=org["rep1"])
    moment = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)

    def read(query):
        return [timeline.Entry(type="survey", at=moment, id=1, title=f"survey of {query.record.pk}")]

    source = registry.TimelineSource(
        name="survey", kinds=("contact",), rank=9, filter="surveys", label="Surveys", read=read
    )
    monkeypatch.setitem(registry._REGISTRY.timeline_sources, "survey", source)
    page = timeline.timeline(org["rep1"], contact)
    assert page.entries[0].title == f"survey of {contact.pk}"
    assert ("surveys", "Surveys") in timeline.chips("contact")
    assert [e.type for e in timeline.timeline(org["rep1"], contact, kind="surveys").entries] == ["survey"]
    assert "surveys" not in dict(timeline.chips("account"))


def test_exports_serve_the_kinds_that_declare_them(org):
    """records.exports builds what a kind declares; a kind without `export` is absent (404)."""
    from guanxi.core.errors import NotFound
    from guanxi.records import exports

    declared = [k.name for k in registry.kinds() if k.export is not None]
    assert declared == [k.name for k in exports.exportable()] and "account" in declared
    export = exports.build(org["director"], "account")
    assert export.object_type == "account" and export.header[:2] == ["id", "name"]
    not_exportable = next(k.name for k in registry.kinds() if k.export is None)
    with pytest.raises(NotFound):
        exports.build(org["director"], not_exportable)
