"""/api/v1/assignment-rules: who gets new leads, administrators only (everyone else 403)."""

from __future__ import annotations

from ninja import Router
from ninja.responses import Status

from guanxi.core.api import IDEMPOTENCY_KEY, idempotent
from guanxi.core.schemas import ErrorOut
from guanxi.org.api_rights import guarded, needs
from guanxi.records.api import record_routes
from guanxi.sales.models import AssignmentRule

from . import services
from .schemas import (
    AssignmentRuleIn,
    AssignmentRuleList,
    AssignmentRuleOut,
    AssignmentRulePatch,
    AssignmentRuleReorderIn,
)

router = Router(tags=["assignment rules"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 412: ErrorOut, 428: ErrorOut}


def rule_out(rule: AssignmentRule) -> dict:
    conditions = {k: (rule.conditions or {}).get(k, []) for k in services.CONDITION_KEYS}
    return {
        "id": rule.pk,
        "version": rule.version,
        "name": rule.name,
        "order": rule.order,
        "active": rule.active,
        "conditions": conditions,
        "method": rule.method,
        "users": [u.username for u in sorted(rule.users.all(), key=lambda u: u.pk)],
        "pool": rule.pool_id,
        "capacity": rule.capacity,
        "last_user": rule.last_user.username if rule.last_user_id else None,
        "created_at": rule.created_at,
        "updated_at": rule.updated_at,
    }


@router.get(
    "",
    response={200: AssignmentRuleList, **ERRORS},
    operation_id="assignment_rule_list",
    auth=needs("manage_assignment_rules"),
)
def assignment_rule_list(request, ordering: str = "", cursor: str | None = None, limit: int | None = None):
    """The rules in the order they are tried (the first active match decides)."""
    page = services.assignment_rule_list(
        request.auth, ordering=ordering or "order", cursor=cursor, limit=limit
    )
    return {"items": [rule_out(r) for r in page.items], "next_cursor": page.next_cursor}


@router.post(
    "",
    response={201: AssignmentRuleOut, **ERRORS},
    operation_id="assignment_rule_create",
    auth=needs("manage_assignment_rules"),
    openapi_extra=IDEMPOTENCY_KEY,
)
@idempotent
def assignment_rule_create(request, payload: AssignmentRuleIn):
    """{"name", "conditions": {"source": [...], "province": [...], "city": [...], "industry": [...],
    "form": [ids]}, "method": "round_robin"|"fewest_open"|"pool", "users": [usernames], "pool": id,
    "capacity": N|null, "active", "order"}."""
    rule = services.assignment_rule_create(actor=request.auth, data=payload.model_dump(exclude_unset=True))
    return Status(201, rule_out(rule))


@router.post(
    "/reorder",
    response={200: AssignmentRuleList, **ERRORS},
    operation_id="assignment_rule_reorder",
    auth=needs("manage_assignment_rules"),
)
def assignment_rule_reorder(request, payload: AssignmentRuleReorderIn):
    """{"ids": [3, 1, 2]}: these rules first, in this order; the others keep theirs after them."""
    rules = services.assignment_rule_reorder(actor=request.auth, ids=payload.ids)
    return {"items": [rule_out(r) for r in rules], "next_cursor": None}


record_routes(
    guarded(router, "manage_assignment_rules"),
    kind="assignment_rule",
    out=AssignmentRuleOut,
    read=services.assignment_rule_get,
    render=lambda actor, rules: [rule_out(r) for r in rules],
    update=(AssignmentRulePatch, services.assignment_rule_update),
    delete=services.assignment_rule_delete,
    id_name="rule_id",
    param="rule",
)
