"""Sharing a record with collaborators: /api/v1/{accounts|contacts}/{id}/collaborators."""

from __future__ import annotations

from typing import Literal

from django.utils.translation import gettext as _
from ninja import Schema

from guanxi.core.errors import ValidationFailed
from guanxi.org.models import User
from guanxi.records import sharing

from .directory import selectors
from .directory.api import ERRORS, accounts_router, contacts_router
from .directory.schemas import Strict


class CollaboratorIn(Strict):
    user: str
    access: Literal["read", "write"]


class CollaboratorOut(Schema):
    user: str
    access: str


def _user(username: str) -> User:
    # a username from the path may hold a NUL (%00), which PostgreSQL refuses even in a query
    user = None if "\x00" in username else User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise ValidationFailed(fields={"user": [_("Choose an active user.")]})
    return user


def _out(obj) -> list[dict]:
    return [{"user": c.user.username, "access": c.access} for c in sharing.collaborators_of(obj)]


def _routes(router, getter, kind: str) -> None:
    @router.get(
        "/{int:pk}/collaborators",
        response={200: list[CollaboratorOut], **ERRORS},
        operation_id=f"{kind}_collaborators",
    )
    def list_collaborators(request, pk: int):
        return _out(getter(request.auth, pk))

    @router.post(
        "/{int:pk}/collaborators",
        response={200: list[CollaboratorOut], **ERRORS},
        operation_id=f"{kind}_share",
    )
    def share(request, pk: int, payload: CollaboratorIn):
        """Share with a user, read-only or read-write (needs update rights on the record)."""
        obj = getter(request.auth, pk)
        sharing.collaborator_set(actor=request.auth, obj=obj, user=_user(payload.user), access=payload.access)
        return _out(obj)

    @router.delete(
        "/{int:pk}/collaborators/{username}",
        response={200: list[CollaboratorOut], **ERRORS},
        operation_id=f"{kind}_unshare",
    )
    def unshare(request, pk: int, username: str):
        obj = getter(request.auth, pk)
        sharing.collaborator_set(actor=request.auth, obj=obj, user=_user(username), access=None)
        return _out(obj)


_routes(accounts_router, selectors.account_get, "account")
_routes(contacts_router, selectors.contact_get, "contact")
