"""Collaborators on accounts and contacts: the reads the UI and the API share."""

from __future__ import annotations

from guanxi.org.models import Collaborator


def collaborators_of(obj) -> list[Collaborator]:
    return list(
        Collaborator.objects.filter(object_type=obj.POLICY_OBJECT_TYPE, object_id=obj.pk)
        .select_related("user")
        .order_by("user__username")
    )
