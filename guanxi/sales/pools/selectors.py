"""Reads of the shared pools (公海). Built out by the pools feature.

Interface the rest of sales relies on:
- record_actions(actor, record) -> dict | None — what the actor may do with this account or
  lead regarding pools (return to a pool, lock/unlock, claim, assign), for the detail pages'
  action bar (template sales/pools/record_actions.html); None when nothing applies.
"""

from __future__ import annotations


def record_actions(actor, record) -> dict | None:
    """(temporary until the pools feature lands: no pool actions)"""
    return None
