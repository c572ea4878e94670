"""The duplicate hint of the account and contact forms (htmx fragment)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from guanxi.core.errors import ApplicationError, Throttled

from . import selectors


@login_required
def duplicate_check(request):
    """GET /customers/duplicates/check/?object=account&name=…: the hint listing likely duplicates.
    Bad input gives an empty hint: it is a hint, the services validate on save. Too many checks
    say so instead."""
    g = request.GET
    try:
        exclude = int(g.get("exclude") or 0) or None
    except ValueError:
        exclude = None
    object_type = g.get("object", "")
    throttled = None
    try:
        matches = selectors.check(
            request.user,
            object_type,
            name=g.get("name", ""),
            phone=g.get("phone", ""),
            email=g.get("email", ""),
            uscc=g.get("uscc", ""),
            mobile=g.get("mobile", ""),
            exclude_id=exclude,
        )
    except Throttled as exc:
        matches, throttled = [], exc.message
    except ApplicationError:
        matches = []
    return render(
        request,
        "customers/partials/duplicate_hint.html#results",
        {"matches": matches, "duplicate_object": object_type, "throttled": throttled},
    )
