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


def soft_delete(instance: Any, *, actor: Any, version: int | None = None) -> None:
    """To the recycle bin (SoftDeletable + Versioned): one conditional UPDATE of deleted_at,
    deleted_by, version + 1 and updated_at, where the row is still at the instance's version and
    not deleted. VersionConflict when `version` (if sent) is not the instance's or the row moved
    meanwhile. The instance is updated to what was written. Permissions and audit are the caller's."""
    check_version(instance, version)
    now = timezone.now()
    old_version = instance.version
    updated = (
        type(instance)
        ._base_manager.filter(pk=instance.pk, version=old_version, deleted_at__isnull=True)
        .update(deleted_at=now, deleted_by=actor, version=old_version + 1, updated_at=now)
    )
    if not updated:
        raise VersionConflict()
    instance.deleted_at, instance.deleted_by, instance.version, instance.updated_at = (
        now,
        actor,
        old_version + 1,
        now,
    )


def restore(instance: Any) -> None:
    """Out of the recycle bin: deleted_at and deleted_by cleared, version + 1, updated_at; no
    version check. The instance is updated to what was written."""
    now = timezone.now()
    version = instance.version + 1
    type(instance)._base_manager.filter(pk=instance.pk).update(
        deleted_at=None, deleted_by=None, version=version, updated_at=now
    )
    instance.deleted_at, instance.deleted_by, instance.version, instance.updated_at = None, None, version, now
