"""The pool actions on an account's detail page (claim, assign, return, lock), contributed by sales
through the customers' panel providers: customers names nothing of pools."""

from __future__ import annotations

from guanxi.customers import panels

from .selectors import record_actions


@panels.provider("account")
def pool_actions(request, account) -> dict:
    return {"pool_actions": record_actions(request.user, account)}
