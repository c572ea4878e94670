"""/api/v1/scoring-rules: lead scoring rules, administrators only (everyone else 403)."""

from __future__ import annotations

from ninja import Router
from ninja.responses import Status

from guanxi.core.api import IDEMPOTENCY_KEY, idempotent
from guanxi.core.schemas import ErrorOut
from guanxi.org.api_rights import guarded, needs
from guanxi.records.api import record_routes
from guanxi.sales.models import ScoringRule

from . import services
from .schemas import ScoringRuleIn, ScoringRuleList, ScoringRuleOut, ScoringRulePatch

router = Router(tags=["lead scoring"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 412: ErrorOut, 428: ErrorOut}


def rule_out(rule: ScoringRule) -> dict:
    return {
        "id": rule.pk,
        "version": rule.version,
        "name": rule.name,
        "kind": rule.kind,
        "field": rule.field,
        "operator": rule.operator,
        "value": rule.value,
        "points": rule.points,
        "active": rule.active,
        "order": rule.order,
        "description": services.describe(rule),
        "created_at": rule.created_at,
        "updated_at": rule.updated_at,
    }


@router.get(
    "",
    response={200: ScoringRuleList, **ERRORS},
    operation_id="scoring_rule_list",
    auth=needs("manage_scoring_rules"),
)
def scoring_rule_list(request, ordering: str = "", cursor: str | None = None, limit: int | None = None):
    """The rules in evaluation order (`ordering=order|name|-updated_at…`)."""
    page = services.scoring_rule_list(request.auth, ordering=ordering or "order", cursor=cursor, limit=limit)
    return {"items": [rule_out(r) for r in page.items], "next_cursor": page.next_cursor}


@router.post(
    "",
    response={201: ScoringRuleOut, **ERRORS},
    operation_id="scoring_rule_create",
    auth=needs("manage_scoring_rules"),
    openapi_extra=IDEMPOTENCY_KEY,
)
@idempotent
def scoring_rule_create(request, payload: ScoringRuleIn):
    """Field rule: {"name", "kind": "field", "field": "industry", "operator": "equals"|"in"|"contains"|
    "not_empty", "value", "points"}; activity rule: {"kind": "activity", "operator":
    "followup_within_days"|"followups_at_least"|"inbound_reply", "value": N, "points"}. Open leads
    are rescored in the background after every change."""
    rule = services.scoring_rule_create(actor=request.auth, data=payload.model_dump(exclude_unset=True))
    return Status(201, rule_out(rule))


record_routes(
    guarded(router, "manage_scoring_rules"),
    kind="scoring_rule",
    out=ScoringRuleOut,
    read=services.scoring_rule_get,
    render=lambda actor, rules: [rule_out(r) for r in rules],
    update=(ScoringRulePatch, services.scoring_rule_update),
    delete=services.scoring_rule_delete,
    id_name="rule_id",
    param="rule",
)
