"""Administration rights on API operations, declared where the operation is defined:

    @router.post("", auth=needs("manage_pipelines"), ...)

The operation then authenticates the token AND checks the right before anything else — before
the body is parsed and before If-Match: a 403 says more than a 400 or 428 to someone who may
not. The right is readable on the operation (`right_of(operation)`), so the permission matrix
test enumerates every administration endpoint from the API itself, not from a hand-kept list."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from guanxi.core import api as core_api

from . import rights


class BearerToken(core_api.BearerToken):
    """The API token plus one administration right. Same class name as the plain token scheme:
    the OpenAPI document keeps a single `BearerToken` security scheme."""

    def __init__(self, right: str) -> None:
        super().__init__()
        self.right = right

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = super().authenticate(request, token)
        if user is not None:
            rights.require(user, self.right)  # PermissionDenied → 403 by the API's error handler
        return user


def needs(code: str) -> BearerToken:
    """The `auth=` of an administration operation that needs the right `code`."""
    return BearerToken(code)


def right_of(operation: Any) -> str | None:
    """The administration right a ninja operation declares with `needs()`, if any."""
    for callback in getattr(operation, "auth_callbacks", ()) or ():
        code = getattr(callback, "right", None)
        if isinstance(code, str) and code:
            return code
    return None


class _Guarded:
    """A router seen through `guarded()`: the routes added with the listed methods need the right."""

    def __init__(self, router: Any, code: str, methods: tuple[str, ...]) -> None:
        self._router, self._auth, self._methods = router, needs(code), methods

    def __getattr__(self, name: str) -> Any:
        add = getattr(self._router, name)
        if name not in self._methods:
            return add

        def route(*args: Any, **kwargs: Any) -> Any:
            kwargs.setdefault("auth", self._auth)
            return add(*args, **kwargs)

        return route


def guarded(
    router: Any, code: str, *, methods: tuple[str, ...] = ("get", "post", "put", "patch", "delete")
) -> Any:
    """`router` for records.api.record_routes of an administration kind: each standard endpoint it
    adds with one of `methods` declares the right `code` (e.g. only the writes of pools, whose
    members read them)."""
    return _Guarded(router, code, methods)
