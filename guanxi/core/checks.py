"""System checks of the registry (`guanxi check`, and every test run): a declaration that does
not match its model fails at start-up rather than in the middle of a purge or a search."""

from __future__ import annotations

from typing import Any

from django.core import checks
from django.core.exceptions import FieldDoesNotExist
from django.urls import NoReverseMatch, reverse

from . import registry


@checks.register()
def check_registry(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    errors: list[checks.CheckMessage] = []

    def error(msg: str, obj: Any) -> None:
        errors.append(checks.Error(msg, obj=obj, id="guanxi.E001"))

    for k in registry.kinds():
        try:
            model = k.model_class
        except LookupError:
            error(f"kind {k.name!r}: no model {k.model!r}", k.name)
            continue
        if getattr(model, "POLICY_OBJECT_TYPE", None) != k.name:
            error(f"kind {k.name!r}: {k.model}.POLICY_OBJECT_TYPE must be {k.name!r}", k.name)
        unknown = set(k.grants) - set(registry.ACTIONS)
        if unknown:
            error(f"kind {k.name!r}: unknown actions {sorted(unknown)}", k.name)
        needed = {"recycle_bin": "deleted_at", "searchable": "owner"}
        for flag, field_name in needed.items():
            if getattr(k, flag) and not _has_field(model, field_name):
                error(f"kind {k.name!r}: {flag} needs a {field_name!r} field", k.name)
        if k.searchable and not hasattr(model, "search_terms"):
            error(f"kind {k.name!r}: searchable needs {k.model}.search_terms()", k.name)
        if k.custom_fields and not _has_field(model, "custom_fields"):
            error(f"kind {k.name!r}: custom_fields needs a 'custom_fields' field", k.name)
        if k.manage_permission and registry.find_permission(k.manage_permission) is None:
            error(f"kind {k.name!r}: undeclared permission {k.manage_permission!r}", k.name)
        for link in k.parents:
            try:
                fk = model._meta.get_field(link.field)
            except FieldDoesNotExist:
                error(f"kind {k.name!r}: parent field {link.field!r} does not exist", k.name)
                continue
            parent = getattr(fk.related_model, "POLICY_OBJECT_TYPE", None)
            if not fk.many_to_one or registry.find(str(parent)) is None:
                error(f"kind {k.name!r}: {link.field!r} is not a foreign key to a declared kind", k.name)
            elif link.on_delete == registry.OnParentDelete.DETACH and not fk.null:
                error(f"kind {k.name!r}: {link.field!r} cannot be detached (not nullable)", k.name)
        if k.detail_url and not _reverses(k.detail_url, 1):
            error(f"kind {k.name!r}: URL name {k.detail_url!r} does not reverse with an id", k.name)
        if k.list_url and not _reverses(k.list_url, 0):
            error(f"kind {k.name!r}: URL name {k.list_url!r} does not reverse", k.name)
    for entry in registry.nav_entries():
        if entry.section not in {s.name for s in registry.sections()}:
            error(f"nav {entry.name!r}: undeclared section {entry.section!r}", entry.name)
        if entry.permission and registry.find_permission(entry.permission) is None:
            error(f"nav {entry.name!r}: undeclared permission {entry.permission!r}", entry.name)
        if entry.kind and registry.find(entry.kind) is None:
            error(f"nav {entry.name!r}: undeclared kind {entry.kind!r}", entry.name)
    return errors


def _has_field(model: Any, name: str) -> bool:
    try:
        model._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    return True


def _reverses(name: str, args: int) -> bool:
    try:
        reverse(name, args=[1] * args)
    except NoReverseMatch:
        return False
    return True
