"""Sharing a record with collaborators (org.Collaborator): read-only or read-write, for any kind
whose records have an owner. The access layer widens the actor's scope by these rows."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from guanxi.audit import services as audit
from guanxi.core.errors import ValidationFailed
from guanxi.org.models import Action, Collaborator, User
from guanxi.policies import access as policies


def collaborators_of(obj: Any) -> list[Collaborator]:
    return list(
        Collaborator.objects.filter(object_type=obj.POLICY_OBJECT_TYPE, object_id=obj.pk)
        .select_related("user")
        .order_by("user__username")
    )


def share_user(username: Any) -> User:
    """The active user a share names (a username from input or a path)."""
    # a username from a path may hold a NUL (%00), which PostgreSQL refuses even in a query
    user = None
    if isinstance(username, str) and "\x00" not in username:
        user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise ValidationFailed(fields={"user": [_("Choose an active user.")]})
    return user


@transaction.atomic
def collaborator_set(*, actor: Any, obj: Any, user: User, access: str | None) -> None:
    """Share obj with user (read or write), or stop sharing (access=None). Needs update rights."""
    policies.require(actor, Action.UPDATE, obj)
    if access not in (None, Collaborator.Access.READ, Collaborator.Access.WRITE):
        raise ValidationFailed(fields={"access": [_("Choose read-only or read-write.")]})
    if user.pk == obj.owner_id:
        raise ValidationFailed(fields={"user": [_("The owner already has full access.")]})
    key = {"object_type": obj.POLICY_OBJECT_TYPE, "object_id": obj.pk, "user": user}
    if access is None:
        Collaborator.objects.filter(**key).delete()
    else:
        Collaborator.objects.update_or_create(**key, defaults={"access": access, "created_by": actor})
    audit.record(
        actor=actor,
        verb="share",
        obj=obj,
        changes={"collaborator": (None, f"{user.username}:{access or '-'}")},
    )
