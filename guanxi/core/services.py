"""Helpers every domain service uses: whitelisted updates with versions, the recycle bin, validation.

An `instance` here is any model with the core mixins it needs (Versioned, SoftDeletable,
TimeStamped), hence typed Any: a mypy type cannot say "a Model that also has these fields"."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from .errors import ValidationFailed, VersionConflict


def full_clean(instance: models.Model, *, exclude: list[str] | None = None) -> None:
    try:
        instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        raise ValidationFailed.from_django(exc) from exc


def check_version(instance: Any, expected: int | None) -> None:
    if expected is not None and int(expected) != instance.version:
        raise VersionConflict()


def model_update(
    instance: Any, *, fields: list[str], data: dict[str, Any], expected_version: int | None = None
) -> dict[str, tuple[Any, Any]]:
    """Apply the allow-listed `fields` present in `data`; validate; save only what changed.

    Returns {field: (old, new)} for the audit. Bumps `version` with a conditional UPDATE, so a
    concurrent writer who read the same version loses with a conflict instead of overwriting.
    """
    check_version(instance, expected_version)
    changes: dict[str, tuple[Any, Any]] = {}
    for name in fields:
        if name not in data:
            continue
        old, new = getattr(instance, name), data[name]
        if old != new:
            changes[name] = (old, new)
            setattr(instance, name, new)
    if not changes:
        return changes
    full_clean(instance)
    model = type(instance)
    update_fields = [*changes, "updated_at", "version"]
    instance.updated_at = timezone.now()
    old_version = instance.version
    instance.version = old_version + 1
    attnames = [model._meta.get_field(f).attname for f in update_fields]
    values = {a: getattr(instance, a) for a in attnames}
    updated = model._base_manager.filter(pk=instance.pk, version=old_version).update(**values)
    if not updated:
        instance.version = old_version
        raise VersionConflict()
    return changes
