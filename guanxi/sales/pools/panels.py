"""The pool actions (claim, assign, return, lock) on an account's detail page (declared in
sales/registry.py, slot "actions"); the lead page's view reads the same selector itself."""

from __future__ import annotations

from .selectors import record_actions


def pool_actions_panel(request, record) -> dict:
    return {"pool_actions": record_actions(request.user, record)}
