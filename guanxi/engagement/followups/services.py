"""Writes to follow-ups (activities). The UI, the API and jobs all come through here.

Every write keeps the customers' follow-up summary in step, inside the same transaction
(`refresh_customers`): for the account and each contact of the follow-up,
- `last_contact_at` is the latest `occurred_at` of its live follow-ups;
- `last_followup_summary` is the summary of that latest follow-up;
- `next_contact_at` is the plan of the latest follow-up that set a next contact: an older
  follow-up's "call again on the 5th" is superseded by whatever was agreed since (we do not
  keep the soonest of all plans), and a follow-up that sets none leaves the plan as it was,
  unless it happened at or after the planned time: then the plan was carried out and is gone.
  Derived from the live follow-ups alone, so deleting the one that set the plan brings back
  the plan before it, and restoring it brings its own back.
These are derived fields: updating them bumps neither the customer's version nor updated_at.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connections, router, transaction
from django.db.models import Case, CharField, F, OuterRef, Subquery, Value, When
from django.db.models.functions import Coalesce, NullIf, Replace, Substr, Trim
from django.db.models.lookups import GreaterThan
from django.db.models.sql import UpdateQuery
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.audit import services as audit
from guanxi.core import cleaning as c
from guanxi.core.errors import ValidationFailed, VersionConflict
from guanxi.core.services import check_version, model_update
from guanxi.customers.lifecycle import services as lifecycle
from guanxi.customers.models import Account, Contact
from guanxi.org.models import Action, User
from guanxi.policies import access

from ..models import Activity, ActivityContact, ActivityKind, Direction

MAX_CONTACTS = 50
MAX_DURATION = 10080  # one week, in minutes
EARLIEST = dt.datetime(1900, 1, 1, tzinfo=dt.UTC)
OCCURRED_SLACK = dt.timedelta(days=1)  # clocks and time zones differ a little; a follow-up is in the past
NEXT_CONTACT_HORIZON = dt.timedelta(days=3653)  # about ten years
SUBSTANCE = ("subject", "content", "outcome")  # a follow-up needs at least one of them
FIELDS = [
    "kind",
    "direction",
    "subject",
    "content",
    "occurred_at",
    "duration_minutes",
    "outcome",
    "next_contact_at",
]


# Date-times typed by people: one parser for every form and endpoint (core.cleaning).
actor_zone = c.user_zone
parse_moment = c.moment


def _moment(zone, *, latest: dt.timedelta, too_late: str):
    def clean(value):
        moment = parse_moment(value, zone)
        if moment is None:
            return None
        if moment < EARLIEST:
            raise ValidationError(_("Enter a date from 1900-01-01 on."))
        if moment > timezone.now() + latest:
            raise ValidationError(too_late)
        return moment

    return clean


def duration(value):
    if value in (None, ""):
        return None
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) <= 6:
        value = int(value.strip())
    if type(value) is not int or not 0 <= value <= MAX_DURATION:
        raise ValidationError(_("Enter whole minutes from 0 to %(max)d.") % {"max": MAX_DURATION})
    return value


def _required_kind(value):
    value = c.choice(ActivityKind.choices)(value)
    if not value:
        raise ValidationError(_("This field is required."))
    return value


def _cleaners(actor) -> dict:
    zone = actor_zone(actor)
    return {
        "kind": _required_kind,
        "direction": c.choice(Direction.choices),
        "subject": c.text(200),
        "content": c.text(20000, multiline=True),
        "occurred_at": _moment(
            zone,
            latest=OCCURRED_SLACK,
            too_late=_("A follow-up records something that happened: enter a time up to tomorrow."),
        ),
        "duration_minutes": duration,
        "outcome": c.text(200),
        "next_contact_at": _moment(
            zone, latest=NEXT_CONTACT_HORIZON, too_late=_("Enter a time within the next ten years.")
        ),
        "account": lambda v: v,  # resolved against the access layer below
        "contacts": lambda v: v,
        "lead": lambda v: v,  # a lead (sales.Lead), resolved against the access layer too
    }


def _resolve_account(actor, value) -> Account | None:
    return access.resolve(
        actor,
        Account,
        value,
        field="account",
        invalid=_("Choose an account."),
        missing=_("This account does not exist or you cannot see it."),
    )


def _resolve_lead(actor, value):
    from guanxi.sales.models import Lead

    return access.resolve(
        actor,
        Lead,
        value,
        field="lead",
        invalid=_("Choose a lead."),
        missing=_("This lead does not exist or you cannot see it."),
    )


def _resolve_contacts(actor, value) -> list[Contact]:
    if value in (None, "", []):
        return []
    if not isinstance(value, (list, tuple)):
        raise ValidationFailed(fields={"contacts": [_("Enter a list of contact ids.")]})
    if len(value) > MAX_CONTACTS:
        raise ValidationFailed(
            fields={"contacts": [_("Choose at most %(max)d contacts.") % {"max": MAX_CONTACTS}]}
        )
    ids: list[int] = []
    for item in value:
        pk = item.pk if isinstance(item, Contact) else access.record_id(item)
        if pk is None:
            raise ValidationFailed(fields={"contacts": [_("Enter a list of contact ids.")]})
        if pk not in ids:
            ids.append(pk)
    found = access.scope(actor, Contact).in_bulk(ids)
    if len(found) != len(ids):
        raise ValidationFailed(fields={"contacts": [_("A contact does not exist or you cannot see it.")]})
    return [found[pk] for pk in ids]


def _clean(actor, data: dict, *, partial: bool) -> dict:
    cleaned = c.clean_payload(
        dict(data), _cleaners(actor), required=set() if partial else {"kind"}, partial=partial
    )
    if "account" in cleaned:
        cleaned["account"] = _resolve_account(actor, cleaned["account"])
    if "contacts" in cleaned:
        cleaned["contacts"] = _resolve_contacts(actor, cleaned["contacts"])
    if "lead" in cleaned:
        cleaned["lead"] = _resolve_lead(actor, cleaned["lead"])
    return cleaned


def _default_account(actor, contacts: list[Contact]) -> Account | None:
    """No account given: the first contact's primary account, if the actor may see it."""
    if not contacts or not contacts[0].account_id:
        return None
    return access.scope(actor, Account).filter(pk=contacts[0].account_id).first()


def _require_substance(values: dict) -> None:
    """Something must say what happened: an empty follow-up would only move the last contact."""
    if not any(values.get(k) for k in SUBSTANCE):
        message = _("Enter a subject, what happened or an outcome.")
        raise ValidationFailed(message, fields={"content": [message]})


def _audit(*, actor, verb: str, activity: Activity, changes=None) -> None:
    # The audit row keeps the follow-up's label, whose date (no subject) is the actor's day.
    with timezone.override(actor_zone(actor)):
        audit.record(actor=actor, verb=verb, obj=activity, changes=changes)


def _require_customer(account, contacts, lead=None) -> None:
    if account is None and not contacts and lead is None:
        raise ValidationFailed(
            fields={"account": [_("Choose the account or the contacts this follow-up is about.")]}
        )


def _set_contacts(activity: Activity, contacts: list[Contact], *, new: bool = False) -> None:
    if new:
        ActivityContact.objects.bulk_create(
            [
                ActivityContact(activity=activity, contact=ct, occurred_at=activity.occurred_at)
                for ct in contacts
            ]
        )
        return
    ActivityContact.objects.filter(activity=activity).exclude(contact__in=contacts).delete()
    have = set(ActivityContact.objects.filter(activity=activity).values_list("contact_id", flat=True))
    ActivityContact.objects.bulk_create(
        [
            ActivityContact(activity=activity, contact=ct, occurred_at=activity.occurred_at)
            for ct in contacts
            if ct.pk not in have
        ]
    )


def _contact_ids(activity: Activity) -> list[int]:
    return list(
        ActivityContact.objects.filter(activity=activity).order_by("id").values_list("contact_id", flat=True)
    )


def _summary_expression():
    """Activity.summary in SQL: subject, else outcome, else the start of the content on one line."""
    flat = Replace(
        Replace(Replace(F("content"), Value("\r"), Value(" ")), Value("\n"), Value(" ")),
        Value("\t"),
        Value(" "),
    )
    return Coalesce(
        NullIf(F("subject"), Value("")),
        NullIf(F("outcome"), Value("")),
        Substr(Trim(flat), 1, 300),
        output_field=CharField(),
    )


def _account_refresh(ids: list[int]):
    live = Activity._base_manager.filter(deleted_at__isnull=True)
    latest = live.filter(account_id=OuterRef("pk")).order_by("-occurred_at", "-id")
    planned = latest.filter(next_contact_at__isnull=False)
    return Account._base_manager.filter(pk__in=ids), _latest_values(latest, planned)


def _contact_refresh(ids: list[int]):
    # From the links, in the order of their index (contact, -occurred_at, -activity).
    links = ActivityContact.objects.filter(
        contact_id=OuterRef(OuterRef("pk")), activity__deleted_at__isnull=True
    ).order_by("-occurred_at", "-activity_id")
    latest = Activity._base_manager.filter(pk=Subquery(links.values("activity_id")[:1]))
    planned = Activity._base_manager.filter(
        pk=Subquery(links.filter(activity__next_contact_at__isnull=False).values("activity_id")[:1])
    )
    return Contact._base_manager.filter(pk__in=ids), _latest_values(latest, planned)


def _latest_values(latest, planned) -> dict:
    """`latest`: the latest live follow-up; `planned`: the latest of those that set a next contact."""
    plan = Subquery(planned.values("next_contact_at")[:1])
    return {
        "last_contact_at": Subquery(latest.values("occurred_at")[:1]),
        "last_followup_summary": Coalesce(
            Subquery(latest.annotate(s=_summary_expression()).values("s")[:1]),
            Value(""),
            output_field=CharField(),
        ),
        # The latest follow-up's own plan; else the plan before it, if still ahead of it.
        "next_contact_at": Coalesce(
            Subquery(latest.values("next_contact_at")[:1]),
            Case(When(GreaterThan(plan, Subquery(latest.values("occurred_at")[:1])), then=plan)),
        ),
    }


def plan_after(plan: dt.datetime | None, activity: Activity) -> dt.datetime | None:
    """The planned next contact once `activity` follows (in time) the follow-ups that left `plan`:
    the rule of `_latest_values` in memory, for the demo generators (tests/demo checks they agree)."""
    if activity.next_contact_at is not None:
        return activity.next_contact_at
    return plan if plan is not None and plan > activity.occurred_at else None


# (database alias, vendor, statement, number of ids) → (sql, the parameters before the ids)
_COMPILED: dict[tuple, tuple[str, tuple] | tuple[()]] = {}  # (): not reusable


def _update(model, build, ids: list[int]) -> None:
    """Run the UPDATE of `model` that `build(ids)` describes (a queryset and its values).

    Compiling these subqueries costs the ORM several times what the database needs to run them,
    so the statement is compiled once per database and bucket of id counts (1, 2, 4, 8 …; the
    last id repeats to fill the bucket, which changes nothing in an IN list) and run again with
    other ids. It stays the ORM's own SQL; a statement whose last parameters are not the ids is
    not reused but goes through the ORM every time."""
    size = 1 << (len(ids) - 1).bit_length()
    ids = [*ids, *[ids[-1]] * (size - len(ids))]
    alias = router.db_for_write(model)
    conn = connections[alias]
    key = (alias, conn.vendor, build.__name__, size)
    compiled = _COMPILED.get(key)
    if compiled is None:
        marks = [-1 - i for i in range(size)]  # ids no row has, to find their place among the parameters
        queryset, values = build(marks)
        query = queryset.query.chain(UpdateQuery)
        query.add_update_values(values)
        query.clear_select_clause()
        text, params = query.get_compiler(alias).as_sql()
        reusable = [p if type(p) is int else None for p in params[-size:]] == marks
        compiled = _COMPILED[key] = (text, tuple(params[:-size])) if reusable else ()
    if not compiled:
        queryset, values = build(ids)
        queryset.update(**values)
        return
    text, params = compiled
    with transaction.mark_for_rollback_on_error(using=alias), conn.cursor() as cursor:
        cursor.execute(text, (*params, *ids))


def refresh_leads(lead_ids=()) -> None:
    """A lead's `last_contact_at` (the latest live follow-up on it, one UPDATE) and its score
    (sales.scoring.rescore: activity rules count follow-ups)."""
    lead_ids = sorted({i for i in lead_ids if i})
    if not lead_ids:
        return
    from guanxi.sales.models import Lead
    from guanxi.sales.scoring.services import rescore

    latest = (
        Activity._base_manager.filter(deleted_at__isnull=True, lead_id=OuterRef("pk"))
        .order_by("-occurred_at", "-id")
        .values("occurred_at")[:1]
    )
    leads = Lead._base_manager.filter(pk__in=lead_ids)
    leads.update(last_contact_at=Subquery(latest))
    rescore(leads)


def refresh_customers(*, account_ids=(), contact_ids=()) -> None:
    """Recompute last contact, last follow-up summary and next contact: one UPDATE per table."""
    account_ids = sorted({i for i in account_ids if i})
    contact_ids = sorted({i for i in contact_ids if i})
    if account_ids:
        _update(Account, _account_refresh, account_ids)
    if contact_ids:
        _update(Contact, _contact_refresh, contact_ids)


def refresh_for(activity: Activity) -> None:
    """The summaries of the follow-up's customers and lead, once it went to the bin or came back
    (here, or through records.lifecycle: engagement/registry.py hands its events here)."""
    refresh_customers(account_ids=[activity.account_id], contact_ids=_contact_ids(activity))
    refresh_leads([activity.lead_id])


def _audit_value(value):
    if isinstance(value, Account) or (
        value is not None and getattr(value, "POLICY_OBJECT_TYPE", "") == "lead"
    ):
        return {"id": value.pk, "label": str(value)}
    return value


@transaction.atomic
def activity_create(*, actor, data: dict) -> Activity:
    """Log a follow-up. Needs the create grant on follow-ups and read access to its customers.

    The follow-up returned carries `visible_contacts`: its contacts in the order given, each
    resolved through the actor's read scope (its `account` was too), so whoever renders it for
    the same actor need not read the links back (api.activity_create)."""
    access.require(actor, Action.CREATE, model=Activity)
    cleaned = _clean(actor, data, partial=False)
    contacts = cleaned.pop("contacts", [])
    lead = cleaned.pop("lead", None)
    account = cleaned.pop("account", None) or _default_account(actor, contacts)
    _require_substance(cleaned)
    _require_customer(account, contacts, lead)
    cleaned.setdefault("occurred_at", None)
    if cleaned["occurred_at"] is None:
        cleaned["occurred_at"] = timezone.now()
    activity = Activity(**cleaned, account=account, lead=lead, owner=actor, created_by=actor)
    activity.save()
    _set_contacts(activity, contacts, new=True)
    changes = {k: (None, v) for k, v in cleaned.items() if v not in ("", None)}
    if account is not None:
        changes["account"] = (None, _audit_value(account))
    if contacts:
        changes["contacts"] = (None, [ct.pk for ct in contacts])
    if lead is not None:
        changes["lead"] = (None, _audit_value(lead))
    _audit(actor=actor, verb="create", activity=activity, changes=changes)
    if account is not None:
        # Before the refresh: lifecycle compares the follow-up with the previous last contact
        # (a visit entered long after the fact does not revive a dormant customer).
        lifecycle.followup_logged(actor=actor, account=account, at=activity.occurred_at)
    refresh_customers(account_ids=[account.pk] if account else [], contact_ids=[ct.pk for ct in contacts])
    refresh_leads([activity.lead_id])
    activity.visible_contacts = contacts  # type: ignore[attr-defined]  # for the answer
    return activity


@transaction.atomic
def activity_update(*, actor, activity: Activity, data: dict, version: int | None) -> Activity:
    access.require(actor, Action.UPDATE, activity)
    cleaned = _clean(actor, data, partial=True)
    if "kind" in cleaned and not cleaned["kind"]:
        raise ValidationFailed(fields={"kind": [_("This field is required.")]})
    if "occurred_at" in cleaned and cleaned["occurred_at"] is None:
        raise ValidationFailed(fields={"occurred_at": [_("This field is required.")]})
    if cleaned.keys() & set(SUBSTANCE):  # what was logged empty before this rule stays editable
        _require_substance({k: cleaned.get(k, getattr(activity, k)) for k in SUBSTANCE})
    check_version(activity, version)
    old_account_id = activity.account_id
    old_contacts = _contact_ids(activity)
    new_contacts = cleaned.pop("contacts", None)
    has_account = "account" in cleaned
    new_account = cleaned.pop("account", None)
    old_lead_id = activity.lead_id
    has_lead = "lead" in cleaned
    new_lead = cleaned.pop("lead", None)
    account_after = new_account if has_account else activity.account
    contacts_after = new_contacts if new_contacts is not None else old_contacts
    _require_customer(account_after, contacts_after, new_lead if has_lead else activity.lead_id)

    changes = model_update(activity, fields=FIELDS, data=cleaned, expected_version=version)
    relinks: dict[str, tuple[Any, Any]] = {}
    if has_account and (new_account.pk if new_account else None) != old_account_id:
        relinks["account"] = ({"id": old_account_id} if old_account_id else None, _audit_value(new_account))
        activity.account = new_account
    if has_lead and (new_lead.pk if new_lead else None) != old_lead_id:
        relinks["lead"] = ({"id": old_lead_id} if old_lead_id else None, _audit_value(new_lead))
        activity.lead = new_lead
    if new_contacts is not None:
        # Contacts the actor cannot see stay linked: nobody removes what they cannot see.
        visible = set(access.scope(actor, Contact).filter(pk__in=old_contacts).values_list("id", flat=True))
        chosen = {ct.pk for ct in new_contacts}
        kept = [pk for pk in old_contacts if pk not in visible and pk not in chosen]
        if kept:
            new_contacts = [*new_contacts, *Contact._base_manager.filter(pk__in=kept)]
    if new_contacts is not None and sorted(ct.pk for ct in new_contacts) != sorted(old_contacts):
        relinks["contacts"] = (old_contacts, [ct.pk for ct in new_contacts])
    if relinks and not changes:  # only the links changed: still a new version
        now = timezone.now()
        if not Activity._base_manager.filter(pk=activity.pk, version=activity.version).update(
            version=activity.version + 1, updated_at=now
        ):
            raise VersionConflict()
        activity.version += 1
        activity.updated_at = now
    if "account" in relinks:
        Activity._base_manager.filter(pk=activity.pk).update(account=new_account)
    if "lead" in relinks:
        Activity._base_manager.filter(pk=activity.pk).update(lead=new_lead)
    if new_contacts is not None:
        _set_contacts(activity, new_contacts)
    if "occurred_at" in changes:
        ActivityContact.objects.filter(activity=activity).update(occurred_at=activity.occurred_at)
    changes.update(relinks)
    if changes:
        _audit(actor=actor, verb="update", activity=activity, changes=changes)
        now_contacts = [ct.pk for ct in new_contacts] if new_contacts is not None else old_contacts
        refresh_customers(
            account_ids=[old_account_id, activity.account_id], contact_ids=[*old_contacts, *now_contacts]
        )
        refresh_leads([old_lead_id, activity.lead_id])
    return activity


@transaction.atomic
def activity_delete(*, actor, activity: Activity, version: int | None) -> None:
    access.require(actor, Action.DELETE, activity)
    check_version(activity, version)
    now = timezone.now()
    if not Activity._base_manager.filter(
        pk=activity.pk, version=activity.version, deleted_at__isnull=True
    ).update(deleted_at=now, deleted_by=actor, version=activity.version + 1, updated_at=now):
        raise VersionConflict()
    activity.deleted_at, activity.deleted_by, activity.version = now, actor, activity.version + 1
    _audit(actor=actor, verb="delete", activity=activity)
    refresh_for(activity)


@transaction.atomic
def activity_restore(*, actor, activity: Activity) -> Activity:
    access.require(actor, Action.DELETE, activity)
    now = timezone.now()
    Activity._base_manager.filter(pk=activity.pk).update(
        deleted_at=None, deleted_by=None, version=activity.version + 1, updated_at=now
    )
    activity.deleted_at, activity.deleted_by, activity.version = None, None, activity.version + 1
    activity.updated_at = now
    _audit(actor=actor, verb="restore", activity=activity)
    refresh_for(activity)
    return activity


@transaction.atomic
def activity_transfer(*, actor, activity: Activity, owner) -> Activity:
    """Hand a follow-up to another user (its own permission; owners are never PATCHed)."""
    access.require(actor, Action.TRANSFER, activity)
    if isinstance(owner, str):
        owner = User.objects.filter(username=owner, is_active=True).first() if "\x00" not in owner else None
    if owner is None or not owner.is_active:
        raise ValidationFailed(fields={"owner": [_("Choose an active user.")]})
    if owner.pk == activity.owner_id:
        return activity
    old = activity.owner
    now = timezone.now()
    Activity._base_manager.filter(pk=activity.pk).update(
        owner=owner, version=activity.version + 1, updated_at=now
    )
    activity.owner, activity.version, activity.updated_at = owner, activity.version + 1, now
    _audit(actor=actor, verb="transfer", activity=activity, changes={"owner": (old.username, owner.username)})
    return activity
