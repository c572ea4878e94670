"""Lead conversion: a qualified lead becomes an account, a contact and optionally an opportunity.

One transaction: the account (linked, or created through customers.directory.services.account_create, so
the duplicate check and its block mode apply), the contact (a visible contact of that account
with the lead's mobile or email is reused, else contact_create), the opportunity
(pipelines.services.opportunity_create), the lead's own row (status converted, what it became)
and its history (its follow-ups and tasks gain the account, its follow-ups the contact). Any
error rolls everything back, so a failed conversion leaves nothing behind."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.audit import services as audit
from guanxi.core.errors import ValidationFailed
from guanxi.customers.directory import services as customers
from guanxi.customers.models import Account, Contact
from guanxi.org.models import Action
from guanxi.policies import access

from ..models import Lead, LeadStatus

CONVERTIBLE = (LeadStatus.NEW, LeadStatus.WORKING, LeadStatus.QUALIFIED)


def _refuse(lead: Lead) -> None:
    if lead.status == LeadStatus.CONVERTED:
        raise ValidationFailed(
            _("This lead has already been converted."),
            fields={"lead": [_("This lead has already been converted.")]},
        )
    if lead.status not in CONVERTIBLE:
        raise ValidationFailed(
            _("An unqualified lead cannot be converted."),
            fields={"lead": [_("Set the lead to working or qualified before converting it.")]},
        )


def account_data(lead: Lead) -> dict:
    """What a new account takes from the lead."""
    data = {"name": lead.company or lead.name}
    if lead.industry:
        data["industry"] = lead.industry
    if lead.phone and lead.company:  # an office phone is the company's
        data["phone"] = lead.phone
    return data


def _existing_contact(actor, account: Account, lead: Lead) -> Contact | None:
    match = Q()
    if lead.mobile:
        match |= Q(mobile=lead.mobile)
    if lead.email:
        match |= Q(email__iexact=lead.email)
    if not match:
        return None
    from guanxi.customers.models import ContactAccount

    linked = ContactAccount.objects.filter(account=account).values("contact_id")
    return (
        access.scope(actor, Contact)
        .filter(match)
        .filter(Q(account=account) | Q(pk__in=linked))
        .order_by("id")
        .first()
    )


def _contact_data(lead: Lead, account: Account) -> dict:
    data = {"name": lead.name, "account": account}
    for field in ("title", "mobile", "email", "wechat"):
        if getattr(lead, field):
            data[field] = getattr(lead, field)
    if lead.phone and not lead.company:
        data["phone"] = lead.phone
    return data


def _create_opportunity(actor, lead: Lead, account: Account, draft: dict):
    try:
        from guanxi.sales.pipelines.services import opportunity_create
    except ImportError:  # the opportunities feature is not installed
        raise ValidationFailed(fields={"opportunity": [_("Opportunities are not available.")]}) from None
    if not isinstance(draft, dict):
        raise ValidationFailed(
            fields={"opportunity": [_("Enter the opportunity's name, amount and pipeline.")]}
        )
    unknown = set(draft) - {"name", "amount", "pipeline", "currency", "expected_close", "stage"}
    if unknown:
        raise ValidationFailed(
            fields={f"opportunity.{k}": [_("Unknown field; it cannot be set here.")] for k in unknown}
        )
    data = {k: v for k, v in draft.items() if v is not None}
    data["account"] = account.pk
    try:
        return opportunity_create(actor=actor, data=data, lead=lead)
    except ValidationFailed as exc:  # name the fields as the caller sent them
        raise ValidationFailed(
            exc.message, fields={f"opportunity.{k}": v for k, v in exc.fields.items()}
        ) from None


def _carry_history(lead: Lead, account: Account, contact: Contact) -> None:
    """The lead's follow-ups and tasks show on the account (and the follow-ups on the contact)."""
    from guanxi.engagement.followups.services import refresh_customers
    from guanxi.engagement.models import Activity, ActivityContact, Task

    activities = Activity._base_manager.filter(lead=lead)
    activities.filter(account__isnull=True).update(account=account)
    Task._base_manager.filter(lead=lead, account__isnull=True).update(account=account)
    missing = activities.exclude(
        pk__in=ActivityContact.objects.filter(contact=contact).values("activity_id")
    ).values_list("pk", "occurred_at")
    ActivityContact.objects.bulk_create(
        [ActivityContact(activity_id=pk, contact=contact, occurred_at=at) for pk, at in missing]
    )
    refresh_customers(account_ids=[account.pk], contact_ids=[contact.pk])


@transaction.atomic
def lead_convert(*, actor, lead: Lead, account=None, opportunity: dict | None = None) -> dict:
    """Convert: link `account` (an id the actor can see) or create one from the lead; return
    {"account": id, "contact": id, "opportunity": id or None}."""
    access.require(actor, Action.UPDATE, lead)
    # Lock the row: two conversions of one lead at once cannot both create accounts.
    lead = Lead._base_manager.select_for_update().get(pk=lead.pk)
    _refuse(lead)
    if account not in (None, ""):
        target = access.resolve(
            actor,
            Account,
            account,
            field="account",
            invalid=_("Choose an account."),
            missing=_("This account does not exist or you cannot see it."),
        )
        created_account = False
    else:
        target = customers.account_create(actor=actor, data=account_data(lead))
        created_account = True
    contact = _existing_contact(actor, target, lead)
    if contact is None:
        contact = customers.contact_create(actor=actor, data=_contact_data(lead, target))
    opp = _create_opportunity(actor, lead, target, opportunity) if opportunity else None

    now = timezone.now()
    old_status = lead.status
    updated = (
        Lead._base_manager.filter(pk=lead.pk, version=lead.version)
        .exclude(status=LeadStatus.CONVERTED)
        .update(
            status=LeadStatus.CONVERTED,
            converted_at=now,
            converted_by=actor,
            account=target,
            contact=contact,
            opportunity=opp,
            version=lead.version + 1,
            updated_at=now,
        )
    )
    if not updated:
        raise ValidationFailed(
            _("This lead has already been converted."),
            fields={"lead": [_("This lead has already been converted.")]},
        )
    lead.status, lead.converted_at, lead.converted_by = LeadStatus.CONVERTED, now, actor
    lead.account, lead.contact, lead.opportunity = target, contact, opp
    lead.version, lead.updated_at = lead.version + 1, now
    _carry_history(lead, target, contact)
    audit.record(
        actor=actor,
        verb="convert",
        obj=lead,
        changes={
            "status": (old_status, LeadStatus.CONVERTED),
            "account": (None, {"id": target.pk, "label": str(target), "created": created_account}),
            "contact": (None, {"id": contact.pk, "label": str(contact)}),
            **({"opportunity": (None, {"id": opp.pk, "label": str(opp)})} if opp else {}),
        },
    )
    from guanxi.sales.scoring.services import rescore

    rescore(lead)
    return {"account": target.pk, "contact": contact.pk, "opportunity": opp.pk if opp else None}
