"""Lead scoring: rules add points for field values and activity; the score and its reasons are
kept on the lead (Lead.score, Lead.score_reasons). Built out by the scoring feature.

Interface the rest of sales relies on:
- rescore(leads) — recompute and store the score of these leads (a Lead, or an iterable /
  queryset of them); called by leads/services.py after every create and update and by the
  follow-up service after a follow-up on a lead; set-based for many leads.
"""

from __future__ import annotations


def rescore(leads) -> None:
    """(temporary until the scoring feature lands: leaves scores as they are)"""
    return None
