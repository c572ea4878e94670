"""The duplicate check (客户查重): likely duplicates of an account or contact being typed.

check() looks at ALL live records, not only those the actor may see: a rep must learn that
上海西湖科技 is already someone's customer before creating it again. What it tells about a
record the actor may not see is the least that makes the warning useful: why it matched, who
owns it (to talk to them) or that it is in a pool (to claim it there), and its name masked as
masking.mask_text masks a handle ("上***"); no id, so no link and no other field. Its name in
full would make the check an oracle of names: from a masked 159****9689, at most 10,000
guesses tell whose number it is. The same reason limits checks per user (DUPLICATE_CHECK_RATE_
PER_MINUTE and _PER_HOUR, core.ratelimit: a 429 beyond).

Matches, strongest first (at most MAX_MATCHES):
- exact, by indexed columns: an account's USCC or phone; a contact's mobile, office phone or
  email (any case). Input is normalized the way the services store it (E.164 phones, USCC in
  capitals); input that is not valid yet (a half-typed number) is ignored, never an error;
- the same name key (customers/directory/names.py: simplified characters, no company suffixes, so
  上海西湖科技有限公司 = 上海西湖科技股份有限公司 = 上海西湖科技(集团), 臺灣 = 台湾);
- similar names, for keys of MIN_NAME characters or more: candidates whose key starts with the
  typed key (index range scan) and, for keys of 3 characters or more, from the search index
  (the key's characters as a query), ranked by difflib's ratio of the keys, kept from SIMILAR.

A fixed, small number of queries, each bounded by CANDIDATES rows, so the answer costs the
same at a million accounts as at a hundred.

enforce() is the block mode of CustomerSettings.duplicate_mode: the services call it so that
the UI and the API refuse the same exact USCC, phone and email matches.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Exists, Q
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from guanxi.core import ratelimit
from guanxi.core.errors import PermissionDenied, Throttled, ValidationFailed
from guanxi.core.validators import normalize_email, normalize_phone, normalize_uscc
from guanxi.org.models import Action, Scope
from guanxi.policies import access
from guanxi.policies.masking import mask_text
from guanxi.search.selectors import matching

from ..directory.names import company_key, person_key
from ..models import Account, Contact, CustomerSettings

OBJECTS: dict[str, type[Account] | type[Contact]] = {"account": Account, "contact": Contact}
MAX_MATCHES = 10
CANDIDATES = 50  # rows read per kind of name candidate
MIN_NAME = 2  # no name matching below this many characters of key
PREFIX_MAX = 60  # typed keys longer than this are compared by their first PREFIX_MAX characters
SEARCH_MIN = 3  # keys from this length also ask the search index
SIMILAR = 0.6  # difflib ratio from which a name counts as similar
MAX_INPUT = 300
# Strength of a reason: a shared USCC says more than a shared name.
RANK = {"uscc": 4.0, "phone": 3.0, "email": 3.0, "name": 0.0}


@dataclass
class Match:
    id: int | None  # None when the actor may not see the record
    display_name: str  # masked ("上***") when the actor may not see the record
    reason: str  # "uscc", "phone", "email" or "name"
    owner: dict | None  # {"username", "display_name"}, None for an unowned record
    in_pool: bool = False  # unowned because it waits in a shared pool
    score: float = 0.0

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "display_name": self.display_name,
            "reason": self.reason,
            "owner": self.owner,
            "in_pool": self.in_pool,
        }


@dataclass
class Probe:
    """The normalized input: what can be looked up. Empty strings are ignored."""

    key: str = ""
    uscc: str = ""
    phones: tuple[str, ...] = ()
    email: str = ""


def _text(value) -> str:
    if not isinstance(value, str) or "\x00" in value:
        return ""
    return value.strip()[:MAX_INPUT]


def _normalized(normalize, value) -> str:
    value = _text(value)
    if not value:
        return ""
    try:
        return normalize(value)
    except ValidationError:
        return ""  # not a valid value (yet): nothing to compare


def probe(object_type: str, *, name="", phone="", email="", uscc="", mobile="") -> Probe:
    key_of = company_key if object_type == "account" else person_key
    key = key_of(_text(name)[:200])
    phones = tuple(
        dict.fromkeys(
            p for p in (_normalized(normalize_phone, mobile), _normalized(normalize_phone, phone)) if p
        )
    )
    return Probe(
        key=key if len(key) >= MIN_NAME else "",
        uscc=_normalized(normalize_uscc, uscc) if object_type == "account" else "",
        phones=phones,
        email=_normalized(normalize_email, email) if object_type == "contact" else "",
    )


def model_for(object_type) -> type[Account] | type[Contact]:
    model = OBJECTS.get(object_type) if isinstance(object_type, str) else None
    if model is None:
        raise ValidationFailed(
            fields={"object": [_("Choose one of: %(choices)s.") % {"choices": "account, contact"}]}
        )
    return model


def require_check(actor, model) -> None:
    """Who may ask: whoever may create or edit records of the type (the forms that ask)."""
    object_type = model.POLICY_OBJECT_TYPE
    if (
        max(
            access.scope_level(actor, object_type, Action.CREATE),
            access.scope_level(actor, object_type, Action.UPDATE),
        )
        <= Scope.NONE
    ):
        raise PermissionDenied()


def _exact_condition(model, p: Probe) -> Q | None:
    parts = []
    if model is Account:
        if p.uscc:
            parts.append(Q(uscc=p.uscc))
        if p.phones:
            parts.append(Q(phone__in=p.phones))
    else:
        if p.phones:
            parts += [Q(mobile__in=p.phones), Q(phone__in=p.phones)]
        if p.email:
            parts.append(Q(email_lower=p.email.lower()))  # contact_email_lower_idx
    if p.key:
        parts.append(Q(name_key=p.key))
    if not parts:
        return None
    condition = parts[0]
    for part in parts[1:]:
        condition |= part
    return condition


# Only what a match needs: fewer columns to read and to turn into objects.
FIELDS = {
    Account: ("id", "name", "name_key", "uscc", "phone", "owner_id", "pool_id"),
    Contact: ("id", "name", "family_name", "given_name", "name_key", "mobile", "phone", "email", "owner_id"),
}
OWNER_FIELDS = (
    "owner__id",
    "owner__username",
    "owner__display_name",
    "owner__first_name",
    "owner__last_name",
)


def _base(model, exclude_id):
    qs = (
        model._base_manager.filter(deleted_at__isnull=True)
        .select_related("owner")
        .only(*FIELDS[model], *OWNER_FIELDS)
    )
    if model is Contact:
        qs = qs.alias(email_lower=Lower("email"))
    if exclude_id:
        qs = qs.exclude(pk=exclude_id)
    return qs


def _reason(model, obj, p: Probe) -> str | None:
    if model is Account:
        if p.uscc and obj.uscc == p.uscc:
            return "uscc"
        if p.phones and obj.phone in p.phones:
            return "phone"
    else:
        if p.phones and (obj.mobile in p.phones or obj.phone in p.phones):
            return "phone"
        if p.email and obj.email.lower() == p.email.lower():
            return "email"
    return None


def _prefix_candidates(model, p: Probe, exclude_id) -> list:
    """Keys that start with the typed key (the name is still being typed), and keys the typed
    key starts with (上海西湖科技 when 上海西湖科技股份 is typed), both from the key's index."""
    if connection.vendor == "postgresql":
        longer = Q(name_key__startswith=p.key)  # LIKE 'key%': *_name_key_like_idx (varchar_pattern_ops)
    else:  # a range on the key's index; SQLite's LIKE ignores case and would not use it
        longer = Q(name_key__gt=p.key, name_key__lt=p.key + "\U0010ffff")
    key = p.key[:PREFIX_MAX]
    # only prefixes long enough to reach SIMILAR against the typed key: 2i / (i + len) >= SIMILAR
    shortest = max(MIN_NAME, -(-int(SIMILAR * 100) * len(key) // int((2 - SIMILAR) * 100)))
    shorter = [key[:i] for i in range(shortest, len(key))]
    condition = longer | Q(name_key__in=shorter) if shorter else longer
    return list(_base(model, exclude_id).exclude(name_key="").filter(condition)[:CANDIDATES])


def _search_candidates(model, p: Probe, exclude_id) -> list:
    condition = matching(model.POLICY_OBJECT_TYPE, p.key)
    if condition is None or isinstance(condition, Exists):
        # Exists: so common a query that the search would walk the table; it says little
        # about one name, and the exact and prefix candidates already cover the typing case.
        return []
    return list(_base(model, exclude_id).exclude(name_key="").filter(condition)[:CANDIDATES])


def _owner(obj) -> dict | None:
    owner = obj.owner if obj.owner_id else None
    if owner is None:
        return None
    return {"username": owner.username, "display_name": str(owner)}


def find(model, p: Probe, *, exclude_id: int | None = None) -> list[tuple[Any, str, float]]:
    """(record, reason, score) of every likely duplicate, strongest first, at most MAX_MATCHES.
    Looks at all live records: callers decide what of them the actor may learn."""
    found: dict[int, tuple[Any, str, float]] = {}
    condition = _exact_condition(model, p)
    if condition is not None:
        for obj in _base(model, exclude_id).filter(condition)[:CANDIDATES]:
            reason = _reason(model, obj, p)
            if reason:
                found[obj.pk] = (obj, reason, RANK[reason] + 1.0)
            elif obj.name_key == p.key:
                found[obj.pk] = (obj, "name", 1.0)
    if p.key:
        candidates = _prefix_candidates(model, p, exclude_id)
        if len(p.key) >= SEARCH_MIN:
            candidates += _search_candidates(model, p, exclude_id)
        for obj in candidates:
            if obj.pk in found:
                continue
            ratio = difflib.SequenceMatcher(None, p.key, obj.name_key, autojunk=False).ratio()
            if ratio >= SIMILAR:
                found[obj.pk] = (obj, "name", ratio)
    return sorted(found.values(), key=lambda t: (-t[2], t[0].pk))[:MAX_MATCHES]


def check(
    actor, object_type, *, name="", phone="", email="", uscc="", mobile="", exclude_id: int | None = None
) -> list[Match]:
    """Likely duplicates of the record being typed, as the actor may learn them."""
    model = model_for(object_type)
    require_check(actor, model)
    if exclude_id is not None and not (0 < exclude_id < 2**63):
        raise ValidationFailed(fields={"exclude": [_("Enter a whole number.")]})
    throttle(actor)
    p = probe(model.POLICY_OBJECT_TYPE, name=name, phone=phone, email=email, uscc=uscc, mobile=mobile)
    rows = find(model, p, exclude_id=exclude_id)
    if not rows:
        return []
    found = [obj.pk for obj, _r, _s in rows]
    if access.owner_ids(actor, model.POLICY_OBJECT_TYPE, Action.READ) is access.ALL:
        visible = set(found)  # the actor reads every live record, and find() reads only live ones
    else:
        visible = set(access.scope(actor, model).filter(pk__in=found).values_list("pk", flat=True))
    return [
        Match(
            id=obj.pk if obj.pk in visible else None,
            display_name=_display(obj) if obj.pk in visible else mask_text(_display(obj)),
            reason=reason,
            owner=_owner(obj),
            in_pool=not obj.owner_id and bool(getattr(obj, "pool_id", None)),
            score=round(score, 3),
        )
        for obj, reason, score in rows
    ]


def throttle(actor) -> None:
    """At most DUPLICATE_CHECK_RATE_PER_MINUTE and _PER_HOUR checks per user (else Throttled):
    enough for the forms' hint while typing, too few to try every number a mask hides."""
    for seconds, setting, message in (
        (60, "DUPLICATE_CHECK_RATE_PER_MINUTE", _("Too many duplicate checks: try again in a minute.")),
        (3600, "DUPLICATE_CHECK_RATE_PER_HOUR", _("Too many duplicate checks: try again in an hour.")),
    ):
        if ratelimit.hit(f"duplicates:{actor.pk}", getattr(settings, setting, 0), seconds):
            raise Throttled(message)


def _display(obj) -> str:
    return obj.name if isinstance(obj, Account) else obj.display_name


# --- block mode ---------------------------------------------------------------------------------


def _owner_label(obj) -> str:
    return str(obj.owner) if obj.owner_id else _("nobody")


def enforce(model, values: dict, *, exclude_id: int | None = None) -> None:
    """In block mode, refuse cleaned `values` that exactly match another live record's USCC,
    phone or email; the error names each field and the owner of the record it matches.
    Warn mode (the default) never refuses."""
    fields = [
        f for f in (("uscc", "phone") if model is Account else ("mobile", "phone", "email")) if values.get(f)
    ]
    if not fields or CustomerSettings.load().duplicate_mode != CustomerSettings.DuplicateMode.BLOCK:
        return
    errors: dict[str, list[str]] = {}
    for field in fields:
        p = Probe(
            uscc=values[field] if field == "uscc" else "",
            phones=(values[field],) if field in ("mobile", "phone") else (),
            email=values[field] if field == "email" else "",
        )
        condition = _exact_condition(model, p)
        obj = _base(model, exclude_id).filter(condition).order_by("pk").first()
        if obj is None:
            continue
        owner = _owner_label(obj)
        if model is Account:
            message = (
                _("An account with this USCC already exists (owner: %(owner)s).")
                if field == "uscc"
                else _("An account with this phone number already exists (owner: %(owner)s).")
            )
        else:
            message = (
                _("A contact with this email address already exists (owner: %(owner)s).")
                if field == "email"
                else _("A contact with this phone number already exists (owner: %(owner)s).")
            )
        errors[field] = [message % {"owner": owner}]
    if errors:
        raise ValidationFailed(_("This would duplicate an existing record."), fields=errors)
