"""The registry holds every kind of record, and the system check holds it to the models."""

from __future__ import annotations

import pytest
from django.apps import apps

from guanxi.core import checks, registry


def test_every_model_with_an_object_type_is_a_declared_kind():
    """A model that the access layer, audit or search know by an object type must be declared, or
    the central features (search, recycle bin, purge, exports…) would silently leave it out."""
    declared = {k.name for k in registry.kinds()}
    typed = {m.POLICY_OBJECT_TYPE for m in apps.get_models() if hasattr(m, "POLICY_OBJECT_TYPE")}
    assert sorted(typed - declared) == []


def test_the_declarations_match_the_models():
    assert checks.check_registry() == []


def test_a_declaration_that_does_not_match_its_model_fails_the_check(monkeypatch):
    broken = registry.Kind(
        name="broken",
        model="customers.Account",
        label="x",
        plural="xs",
        searchable=True,
        parents=(registry.Parent(field="nope", on_delete=registry.OnParentDelete.DETACH),),
    )
    monkeypatch.setitem(registry._REGISTRY.kinds, "broken", broken)
    messages = [m.msg for m in checks.check_registry()]
    assert any("POLICY_OBJECT_TYPE" in m for m in messages)
    assert any("'nope' does not exist" in m for m in messages)


def test_the_same_name_declared_twice_differently_is_refused():
    with pytest.raises(ValueError):
        registry.verb("create", "something else")
