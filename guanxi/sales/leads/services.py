"""Writes to leads (线索). The UI, the API, web forms, imports and jobs all come through here.

- Owner, score, pool, form and consent are never taken from input: `lead_create` makes the actor
  the owner (or lets the assignment rules decide, `route=True`), `lead_capture` (public web forms)
  sends the lead where the form says, `lead_transfer` changes the owner, the pools feature moves
  leads in and out of pools, scoring keeps the score.
- Status: new → working → qualified, or unqualified with a reason; `converted` only through
  `conversion.lead_convert`, after which the lead is read-only.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from guanxi.audit import services as audit
from guanxi.core import cleaning as c
from guanxi.core.errors import ValidationFailed
from guanxi.core.services import full_clean, model_update
from guanxi.customers.models import Industry
from guanxi.org.models import Action, User
from guanxi.policies import access
from guanxi.records import lifecycle
from guanxi.search import services as search

from ..models import Lead, LeadForm, LeadSource, LeadStatus, PoolEvent

LEAD_CLEANERS = {
    "name": c.text(100, required=True),
    "company": c.text(200),
    "title": c.text(100),
    "mobile": c.phone,
    "phone": c.phone,
    "email": c.email,
    "wechat": c.text(50),
    "source": c.choice(LeadSource.choices),
    "province": c.text(50),
    "city": c.text(50),
    "industry": c.choice(Industry.choices),
    "status": c.choice(LeadStatus.choices),
    "unqualified_reason": c.text(300),
    "description": c.text(5000, multiline=True),
}
LEAD_FIELDS = list(LEAD_CLEANERS)
# What a public web form may fill in: contact details, never the status.
CAPTURE_FIELDS = [f for f in LEAD_FIELDS if f not in ("status", "unqualified_reason", "source")]


def lead_url(lead: Lead) -> str:
    return f"/sales/leads/{lead.pk}/"


def _rescore(lead: Lead) -> None:
    from guanxi.sales.scoring.services import rescore

    rescore(lead)


def _check_status(cleaned: dict, lead: Lead | None) -> None:
    """The status rules shared by create, update and set_status (on the cleaned values)."""
    if lead is not None and lead.status == LeadStatus.CONVERTED:
        raise ValidationFailed(
            _("A converted lead cannot be changed."),
            fields={"status": [_("This lead has been converted; it is read-only.")]},
        )
    if "status" not in cleaned:
        if (
            "unqualified_reason" in cleaned
            and cleaned["unqualified_reason"] == ""
            and lead is not None
            and lead.status == LeadStatus.UNQUALIFIED
        ):
            raise ValidationFailed(fields={"unqualified_reason": [_("Say why the lead is unqualified.")]})
        return
    status = cleaned["status"]
    if status == "":
        if lead is None:
            cleaned.pop("status")
            return
        raise ValidationFailed(fields={"status": [_("This field is required.")]})
    if status == LeadStatus.CONVERTED:
        raise ValidationFailed(fields={"status": [_("A lead becomes converted only by converting it.")]})
    if status == LeadStatus.UNQUALIFIED:
        reason = cleaned.get("unqualified_reason", lead.unqualified_reason if lead is not None else "")
        if not reason:
            raise ValidationFailed(fields={"unqualified_reason": [_("Say why the lead is unqualified.")]})
    else:
        cleaned["unqualified_reason"] = ""


def _notify_owner(actor, lead: Lead) -> None:
    if lead.owner_id and lead.owner_id != getattr(actor, "pk", None):
        from guanxi.engagement.models import Notification
        from guanxi.engagement.tasks.services import notify

        with translation.override(lead.owner.language or None):  # in the new owner's language
            notify(
                lead.owner,
                Notification.Kind.LEAD_ASSIGNED,
                _("New lead: %(name)s") % {"name": lead.name},
                body=lead.company,
                url=lead_url(lead),
                obj=lead,
            )


def _enter_pool(lead: Lead, pool, actor, reason: str) -> None:
    PoolEvent.objects.create(
        pool=pool,
        object_type="lead",
        object_id=lead.pk,
        action=PoolEvent.Action.ENTER,
        actor=actor if getattr(actor, "pk", None) else None,
        reason=reason,
    )


def _place(lead: Lead, *, user=None, pool=None) -> None:
    """Store where the assignment sent a saved lead (owner or pool), without a version bump."""
    now = timezone.now()
    if pool is not None:
        lead.owner, lead.pool, lead.owned_since = None, pool, None
    else:
        lead.owner, lead.pool, lead.owned_since = user, None, now
    Lead._base_manager.filter(pk=lead.pk).update(
        owner=lead.owner, pool=lead.pool, owned_since=lead.owned_since
    )


@transaction.atomic
def lead_create(*, actor, data: dict, route: bool = False) -> Lead:
    """A new lead owned by the actor; with `route`, the assignment rules decide the owner or pool."""
    access.require(actor, Action.CREATE, model=Lead)
    cleaned = c.clean_payload(dict(data), LEAD_CLEANERS, required={"name"})
    _check_status(cleaned, None)
    if not cleaned.get("source"):
        cleaned.pop("source", None)
    lead = Lead(**cleaned, owner=actor, created_by=actor, owned_since=timezone.now())
    full_clean(lead)
    lead.save()
    audit.record(
        actor=actor,
        verb="create",
        obj=lead,
        changes={k: (None, v) for k, v in cleaned.items() if v not in ("", None)},
    )
    if route:
        from guanxi.sales.assignment.services import route as route_lead

        user, pool = route_lead(lead, form=None)
        if pool is not None:
            _place(lead, pool=pool)
            _enter_pool(lead, pool, actor, _("Assignment rule"))
        elif user is not None and user.pk != actor.pk:
            _place(lead, user=user)
            audit.record(
                actor=actor, verb="transfer", obj=lead, changes={"owner": (actor.username, user.username)}
            )
            _notify_owner(actor, lead)
    search.index(lead)
    _rescore(lead)
    return lead


def _capture_owner(form: LeadForm) -> User | None:
    if form.created_by_id and form.created_by.is_active:
        return form.created_by
    return User.objects.filter(is_superuser=True, is_active=True).order_by("id").first()


def lead_capture(*, form: LeadForm, data: dict, consent_text: str, ip: str | None = None) -> Lead:
    """A lead from a public web-form submission. No actor: the form is the authority. Its
    destination is the form's pool, else its owner, else the assignment rules, else the form's
    creator (a lead is never left without an owner outside a pool).

    Built for many submissions at once: everything is decided before writing (the destination,
    the score — a new lead has no follow-ups, so only field rules count), then one short
    transaction inserts the lead (owner, pool and score included), its index entry, the audit
    event and the pool event or the owner's notification, and last bumps the form's counter, the
    one row every submission of the form writes (so it stays locked only for the commit).
    A round-robin turn is taken before that transaction, in its own statement (when not already
    inside a transaction), so simultaneous submissions do not queue behind each other's writes;
    a lead that then fails to save leaves that turn skipped."""
    cleaners = {k: LEAD_CLEANERS[k] for k in CAPTURE_FIELDS}
    cleaners["name"] = c.text(100)
    cleaned = c.clean_payload(dict(data), cleaners)
    if not cleaned.get("name"):
        fallback = cleaned.get("company") or cleaned.get("email") or cleaned.get("mobile") or ""
        if not fallback:
            raise ValidationFailed(fields={"name": [_("This field is required.")]})
        cleaned["name"] = fallback[:100]
    now = timezone.now()
    lead = Lead(
        **cleaned,
        source=form.source or LeadSource.WEB_FORM,
        form=form,
        consent_text=consent_text or "",
        consent_at=now if consent_text else None,
        owner=None,
    )
    full_clean(lead, exclude=["form"])  # the form was just read: no need to look it up again
    pool, user, reason = None, None, ""
    if form.pool_id:
        pool, reason = form.pool, _("Web form %(name)s") % {"name": form.name}
    else:
        user = form.owner if form.owner_id and form.owner.is_active else None
        if user is None:
            from guanxi.sales.assignment.services import route as route_lead

            user, pool = route_lead(lead, form=form)
            reason = _("Assignment rule")
        if pool is None and user is None:
            user = _capture_owner(form)
    if pool is not None:
        lead.owner, lead.pool, lead.owned_since = None, pool, None
    else:
        lead.owner, lead.pool, lead.owned_since = user, None, timezone.now()
    from guanxi.sales.scoring.services import score_new

    score_new(lead)
    changes = {k: (None, v) for k, v in cleaned.items() if v not in ("", None)}
    changes["form"] = (None, {"id": form.pk, "label": form.name})
    if ip:
        changes["ip"] = (None, ip)
    with transaction.atomic():
        lead.save(force_insert=True)
        if pool is not None:
            _enter_pool(lead, pool, None, reason)
        audit.record(actor=None, verb="create", obj=lead, changes=changes)
        search.index_new(lead)
        if pool is None:
            _notify_owner(None, lead)
        LeadForm._base_manager.filter(pk=form.pk).update(submissions=F("submissions") + 1)  # last: contended
    return lead


@transaction.atomic
def lead_update(*, actor, lead: Lead, data: dict, version: int | None) -> Lead:
    access.require(actor, Action.UPDATE, lead)
    cleaned = c.clean_payload(dict(data), LEAD_CLEANERS, partial=True)
    _check_status(cleaned, lead)
    if "name" in cleaned and not cleaned["name"]:
        raise ValidationFailed(fields={"name": [_("This field is required.")]})
    if "source" in cleaned and not cleaned["source"]:
        cleaned["source"] = LeadSource.OTHER
    changes = model_update(lead, fields=LEAD_FIELDS, data=cleaned, expected_version=version)
    if changes:
        audit.record(actor=actor, verb="update", obj=lead, changes=changes)
        search.index(lead)
        _rescore(lead)
    return lead


@transaction.atomic
def lead_set_status(*, actor, lead: Lead, status: str, reason: str = "", version: int | None) -> Lead:
    """working / qualified / unqualified (with a reason) / back to new; `converted` only by converting."""
    access.require(actor, Action.UPDATE, lead)
    data = {"status": status if status is not None else ""}
    if status == LeadStatus.UNQUALIFIED or reason:
        data["unqualified_reason"] = reason if reason is not None else ""
    cleaned = c.clean_payload(
        data, {"status": LEAD_CLEANERS["status"], "unqualified_reason": LEAD_CLEANERS["unqualified_reason"]}
    )
    if cleaned["status"] != LeadStatus.UNQUALIFIED:
        cleaned.pop("unqualified_reason", None)
    _check_status(cleaned, lead)
    changes = model_update(
        lead, fields=["status", "unqualified_reason"], data=cleaned, expected_version=version
    )
    if changes:
        audit.record(actor=actor, verb="update", obj=lead, changes=changes)
        _rescore(lead)
    return lead


@transaction.atomic
def lead_delete(*, actor, lead: Lead, version: int | None) -> None:
    lifecycle.delete(actor=actor, obj=lead, version=version)


@transaction.atomic
def lead_restore(*, actor, lead: Lead, version: int | None = None) -> Lead:
    """Out of the bin (records.lifecycle: `version`, when given, is the one the caller saw)."""
    return lifecycle.restore(actor=actor, obj=lead, version=version)


@transaction.atomic
def lead_transfer(*, actor, lead: Lead, owner, version: int | None = None) -> Lead:
    """A new owner (its own permission). A lead in a pool is claimed or assigned through the pool."""
    if lead.owner_id is None:
        access.require(actor, Action.TRANSFER, lead)  # nobody's scope holds an unowned lead: 403
    return lifecycle.transfer(actor=actor, obj=lead, owner=owner, version=version)
