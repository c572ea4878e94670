"""The account's opportunities on its 360° page (declared in sales/registry.py): open ones first,
the open pipeline's total, and "New opportunity" with the account prefilled. Two queries
whatever the number of deals: the first PANEL_LIMIT opportunities and one aggregate."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Sum

from guanxi.org.models import Action
from guanxi.policies import access

from ..models import Opportunity, Stage
from . import selectors

PANEL_LIMIT = 8


def account_opportunities(request, account) -> dict:
    actor = request.user
    items = selectors.account_opportunities(actor, account, limit=PANEL_LIMIT + 1)
    figures = (
        access.scope(actor, Opportunity)
        .filter(account=account, stage_type=Stage.Type.OPEN)
        .order_by()
        .aggregate(n=Count("id"), total=Sum("amount_base"))
    )
    return {
        "opportunities_panel": {
            "items": items[:PANEL_LIMIT],
            "more": len(items) > PANEL_LIMIT,
            "open_count": figures["n"],
            "open_total": Decimal(figures["total"] or 0).quantize(Decimal("0.01")),
            "currency": settings.BASE_CURRENCY,
            "can_create": access.scope_level(actor, Opportunity.POLICY_OBJECT_TYPE, Action.CREATE) > 0,
        }
    }
