"""/api/v1/opportunities: parse, call one service or selector, render."""

from __future__ import annotations

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from ninja import Router
from ninja.responses import Status

from guanxi.core.api import IDEMPOTENCY_KEY, IF_MATCH_OPTIONAL, idempotent, if_match, with_etag
from guanxi.core.errors import ValidationFailed
from guanxi.customers.directory.selectors import visible_account_ids
from guanxi.org.models import Collaborator, User
from guanxi.records import sharing
from guanxi.records.api import record_routes

from . import selectors, services
from .schemas import (
    CollaboratorIn,
    CollaboratorOut,
    ContactRoleDetailOut,
    ContactsIn,
    ErrorOut,
    MoveIn,
    OpportunityIn,
    OpportunityList,
    OpportunityOut,
    OpportunityPatch,
    OpportunityTransferIn,
    StageHistoryOut,
)

router = Router(tags=["opportunities"])

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 412: ErrorOut, 428: ErrorOut}


def opportunity_out(o, accounts: set[int], leads: set[int]) -> dict:
    """`account`, `contacts` and `lead` name only records the caller may read (`accounts` and
    `leads`: the ids of those, `contact_list` holds only such contacts; see opportunities_out)."""
    return {
        "id": o.pk,
        "version": o.version,
        "name": o.name,
        "account": o.account_id if o.account_id in accounts else None,
        "amount": str(o.amount),
        "currency": o.currency,
        "amount_base": str(o.amount_base),
        "pipeline": o.pipeline_id,
        "stage": o.stage_id,
        "stage_name": o.stage.name,
        "stage_type": o.stage_type,
        "probability": o.probability,
        "probability_manual": o.probability_manual,
        "expected_close": o.expected_close,
        "next_step": o.next_step,
        "competitors": o.competitors or [],
        "loss_reason": o.loss_reason,
        "win_reason": o.win_reason,
        "description": o.description,
        "owner": {"id": o.owner_id, "username": o.owner.username} if o.owner_id else None,
        "contacts": [{"contact": cid, "role": role} for cid, role in o.contact_list],
        "lead": o.lead_id if o.lead_id in leads else None,
        "stage_entered_at": o.stage_entered_at,
        "closed_at": o.closed_at,
        "created_at": o.created_at,
        "updated_at": o.updated_at,
        "deleted_at": o.deleted_at,
    }


def opportunities_out(actor, opportunities, visible: set[int] | None = None) -> list[dict]:
    """`visible`: the accounts the caller may read among these deals', when already known."""
    selectors.prefetch_contacts(actor, [o for o in opportunities if not hasattr(o, "contact_list")])
    if visible is None:
        visible = visible_account_ids(actor, [o.account_id for o in opportunities])
    leads = selectors.visible_leads(actor, opportunities)
    return [opportunity_out(o, visible, leads) for o in opportunities]


def _detail(actor, opportunity, status: int = 200, *, visible: set[int] | None = None) -> HttpResponse:
    body = opportunities_out(actor, [opportunity], visible)[0]
    return with_etag(
        JsonResponse(
            body, status=status, encoder=DjangoJSONEncoder, json_dumps_params={"ensure_ascii": False}
        ),
        body["version"],
    )


@router.get("", response={200: OpportunityList, **ERRORS}, operation_id="opportunity_list")
def opportunity_list(
    request,
    q: str = "",
    ordering: str = "",
    cursor: str | None = None,
    limit: int | None = None,
    pipeline: str = "",
    stage: str = "",
    stage_type: str = "",
    owner: str = "",
    account: str = "",
    expected_close_after: str = "",
    expected_close_before: str = "",
    closed_after: str = "",
    closed_before: str = "",
    amount_min: str = "",
    amount_max: str = "",
):
    """Opportunities the caller may see (their own scope, and those of accounts they may read).
    `ordering`: updated_at, created_at, expected_close (undated last), amount (in the base currency), name;
    `-` for descending. Dates as YYYY-MM-DD; amount_min/max in the base currency."""
    filters = {
        "pipeline": pipeline,
        "stage": stage,
        "stage_type": stage_type,
        "owner": owner,
        "account": account,
        "expected_close_after": expected_close_after,
        "expected_close_before": expected_close_before,
        "closed_after": closed_after,
        "closed_before": closed_before,
        "amount_min": amount_min,
        "amount_max": amount_max,
    }
    page = selectors.opportunity_list(
        request.auth,
        selectors.ListParams(
            q=q, ordering=ordering or selectors.DEFAULT_ORDERING, cursor=cursor, limit=limit, filters=filters
        ),
    )
    return {"items": opportunities_out(request.auth, page.items), "next_cursor": page.next_cursor}


@router.post(
    "",
    response={201: OpportunityOut, **ERRORS},
    operation_id="opportunity_create",
    openapi_extra=IDEMPOTENCY_KEY,
)
@idempotent
def opportunity_create(request, payload: OpportunityIn):
    opportunity = services.opportunity_create(actor=request.auth, data=payload.model_dump(exclude_unset=True))
    return Status(201, opportunities_out(request.auth, [opportunity])[0])


record_routes(
    router,
    kind="opportunity",
    out=OpportunityOut,
    page=OpportunityList,
    read=selectors.opportunity_get,
    render=opportunities_out,
    bin=selectors.opportunity_list,
    update=(OpportunityPatch, services.opportunity_update),
    delete=services.opportunity_delete,
    restore=services.opportunity_restore,
    transfer=(OpportunityTransferIn, services.opportunity_transfer),
)


@router.post(
    "/{int:opportunity_id}/move",
    response={200: OpportunityOut, **ERRORS},
    operation_id="opportunity_move",
    openapi_extra=IF_MATCH_OPTIONAL,
)
def opportunity_move(request, opportunity_id: int, payload: MoveIn):
    """Move to another stage of the same pipeline: `{"stage": <id>, "reason": "…"}` (a lost stage needs
    a reason unless the deal has one). `If-Match` is optional here; when sent, a stale version is a 412."""
    opportunity = selectors.opportunity_for_move(request.auth, opportunity_id)
    opportunity = services.opportunity_move(
        actor=request.auth,
        opportunity=opportunity,
        stage=payload.stage,
        reason=payload.reason,
        version=if_match(request, required=False),
    )
    visible = {opportunity.account_id} if selectors.account_visible(request.auth, opportunity) else set()
    return _detail(request.auth, opportunity, visible=visible)


@router.get(
    "/{int:opportunity_id}/stage-history",
    response={200: StageHistoryOut, **ERRORS},
    operation_id="opportunity_stage_history",
)
def opportunity_stage_history(request, opportunity_id: int):
    """Every stage change, oldest first, with the seconds spent in the stage it left."""
    opportunity = selectors.opportunity_get(request.auth, opportunity_id)
    rows = selectors.stage_history(request.auth, opportunity)
    return {
        "items": [
            {
                "from_stage": {"id": r.from_stage_id, "name": r.from_stage.name} if r.from_stage_id else None,
                "to_stage": {"id": r.to_stage_id, "name": r.to_stage.name},
                "at": r.at,
                "actor": r.actor.username if r.actor_id else None,
                "seconds_in_stage": r.seconds_in_stage,
                "amount": str(r.amount) if r.amount is not None else None,
                "probability": r.probability,
                "reason": r.reason,
            }
            for r in rows
        ],
        "next_cursor": None,
    }


def _contacts_out(actor, opportunity) -> list[dict]:
    from guanxi.customers.models import Contact
    from guanxi.policies import access

    rows = selectors.opportunity_contacts(opportunity)
    visible = set(
        access.scope(actor, Contact).filter(pk__in=[r.contact_id for r in rows]).values_list("id", flat=True)
    )
    return [
        {
            "contact": r.contact_id,
            "name": r.contact.name if r.contact_id in visible else "",
            "role": r.role,
            "is_primary": r.is_primary,
        }
        for r in rows
        if r.contact_id in visible
    ]


@router.get(
    "/{int:opportunity_id}/contacts",
    response={200: list[ContactRoleDetailOut], **ERRORS},
    operation_id="opportunity_contacts",
)
def opportunity_contacts(request, opportunity_id: int):
    """The contacts' roles in the deal (only the contacts the caller may see)."""
    return _contacts_out(request.auth, selectors.opportunity_get(request.auth, opportunity_id))


@router.put(
    "/{int:opportunity_id}/contacts",
    response={200: list[ContactRoleDetailOut], **ERRORS},
    operation_id="opportunity_contacts_set",
)
def opportunity_contacts_set(request, opportunity_id: int, payload: ContactsIn):
    """Replace the contacts' roles: `{"contacts": [{"contact": 12, "role": "decision_maker"}]}`."""
    opportunity = selectors.opportunity_get(request.auth, opportunity_id)
    services.opportunity_contacts_set(
        actor=request.auth,
        opportunity=opportunity,
        contacts=payload.model_dump(exclude_unset=True)["contacts"],
    )
    return _contacts_out(request.auth, opportunity)


# --- collaborators (org.Collaborator, as for accounts and contacts) ----------------------------


def _user(username: str) -> User:
    user = None if "\x00" in username else User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise ValidationFailed(fields={"user": [_("Choose an active user.")]})
    return user


def _collaborators(opportunity) -> list[dict]:
    return [
        {"user": c.user.username, "access": c.access}
        for c in Collaborator.objects.filter(
            object_type=opportunity.POLICY_OBJECT_TYPE, object_id=opportunity.pk
        )
        .select_related("user")
        .order_by("user__username")
    ]


@router.get(
    "/{int:opportunity_id}/collaborators",
    response={200: list[CollaboratorOut], **ERRORS},
    operation_id="opportunity_collaborators",
)
def opportunity_collaborators(request, opportunity_id: int):
    return _collaborators(selectors.opportunity_get(request.auth, opportunity_id))


@router.post(
    "/{int:opportunity_id}/collaborators",
    response={200: list[CollaboratorOut], **ERRORS},
    operation_id="opportunity_share",
)
def opportunity_share(request, opportunity_id: int, payload: CollaboratorIn):
    """Share with a user, read-only or read-write (needs update rights on the deal)."""
    opportunity = selectors.opportunity_get(request.auth, opportunity_id)
    sharing.collaborator_set(
        actor=request.auth, obj=opportunity, user=_user(payload.user), access=payload.access
    )
    return _collaborators(opportunity)


@router.delete(
    "/{int:opportunity_id}/collaborators/{username}",
    response={200: list[CollaboratorOut], **ERRORS},
    operation_id="opportunity_unshare",
)
def opportunity_unshare(request, opportunity_id: int, username: str):
    opportunity = selectors.opportunity_get(request.auth, opportunity_id)
    sharing.collaborator_set(actor=request.auth, obj=opportunity, user=_user(username), access=None)
    return _collaborators(opportunity)
