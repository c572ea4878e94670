"""Assignment rules: who gets a new lead. Built out by the assignment feature.

Interface the rest of sales relies on:
- route(lead, *, form=None) -> tuple[User | None, Pool | None] — the owner or the pool a new
  lead goes to by the first matching active rule (round robin, fewest open leads, or a pool,
  with per-user capacity caps); (None, None) when no rule matches. It decides only; the caller
  (leads/services.lead_create) stores the answer in the same transaction. Round-robin state is
  updated under a row lock (select_for_update) so two simultaneous leads never go to the same
  slot twice.
"""

from __future__ import annotations


def route(lead, *, form=None):
    """(temporary until the assignment feature lands: no rule matches)"""
    return None, None
