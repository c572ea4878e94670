"""Type names shared by every layer (for mypy; nothing here runs logic)."""

from __future__ import annotations

from typing import Any, TypeAlias

from django.http import HttpRequest

# Who acts: a signed-in org.User, AnonymousUser, or None where a service allows "nobody". Any,
# because core sits below org and cannot name its User; the apps above may annotate org.User.
Actor: TypeAlias = Any


class ApiRequest(HttpRequest):
    """The request of an API operation: ninja sets `auth` to what the authentication returned
    (the user, for BearerToken and the session)."""

    auth: Any


class UserRequest(HttpRequest):
    """The request of a page behind login_required: its user is signed in (an org.User)."""

    user: Any
