"""Lifecycle by hand: POST /api/v1/accounts/{id}/stage and GET …/stage-history."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from ninja import Schema

from guanxi.core.api import IF_MATCH_OPTIONAL, if_match
from guanxi.core.schemas import Strict, enum_of
from guanxi.org.models import Action

from ..directory import selectors as customer_selectors
from ..directory.api import ERRORS, _detail, accounts_out, accounts_router
from ..directory.schemas import AccountOut
from ..models import Lifecycle, RelationshipLevel, StageChange
from . import selectors, services

# `value` is a lifecycle stage or a relationship level, as `field` says: the service checks the pair
StageFieldChoice = Annotated[str, enum_of(StageChange.Field.choices, blank=False)]
StageValueChoice = Annotated[str, enum_of([*Lifecycle.choices, *RelationshipLevel.choices], blank=False)]


class LifecycleStageIn(Strict):
    field: StageFieldChoice
    value: StageValueChoice
    reason: str = ""


class LifecycleStageChangeOut(Schema):
    id: int
    field: str
    old: str
    new: str
    at: dt.datetime
    actor: str | None  # username; null for the system (the dormancy job)
    automatic: bool
    reason: str


class LifecycleStageHistory(Schema):
    items: list[LifecycleStageChangeOut]
    next_cursor: str | None


def stage_change_out(change) -> dict:
    return {
        "id": change.pk,
        "field": change.field,
        "old": change.old,
        "new": change.new,
        "at": change.at,
        "actor": change.actor.username if change.actor_id else None,
        "automatic": change.automatic,
        "reason": services.reason_text(change),
    }


@accounts_router.post(
    "/{int:account_id}/stage",
    response={200: AccountOut, **ERRORS},
    operation_id="stage_set",
    openapi_extra=IF_MATCH_OPTIONAL,
)
def stage_set(request, account_id: int, payload: LifecycleStageIn):
    """Set `lifecycle_stage` or `relationship_level` by hand (update rights; `If-Match` optional)."""
    account = customer_selectors.account_get(request.auth, account_id, action=Action.UPDATE)
    account = services.stage_set(
        actor=request.auth,
        account=account,
        field=payload.field,
        value=payload.value,
        reason=payload.reason,
        version=if_match(request, required=False),
    )
    return _detail(200, accounts_out(request.auth, [account])[0])


@accounts_router.get(
    "/{int:account_id}/stage-history",
    response={200: LifecycleStageHistory, **ERRORS},
    operation_id="stage_history",
)
def stage_history(request, account_id: int, cursor: str | None = None, limit: int | None = None):
    """Changes of the lifecycle stage and relationship level, newest first, by hand or automatic."""
    account = customer_selectors.account_get(request.auth, account_id)
    page = selectors.stage_history_page(account, cursor=cursor, limit=limit)
    return {"items": [stage_change_out(c) for c in page.items], "next_cursor": page.next_cursor}
