"""Web-to-lead forms: administrators build them (lead_form_create/update/delete/restore), the
public page /f/<slug> turns submissions into leads (submit()).

A form's `fields` is a list of {"name", "required", "label_en", "label_zh_hans", "label_zh_hant"}
with names from FORM_FIELDS (Lead fields); empty labels show the field's own label. `name` is
always on the form and always required (a lead needs one).

The public path is built to be cheap: one query for the form, two cache operations for the rate
limit, then leads.services.lead_capture (the one service that creates leads from outside, which
also counts the submission)."""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from guanxi.audit import services as audit
from guanxi.core import ratelimit
from guanxi.core.errors import NotFound, ValidationFailed
from guanxi.core.pagination import Page, paginate, parse_limit
from guanxi.core.services import check_version
from guanxi.customers.models import Industry
from guanxi.org import rights
from guanxi.records import lifecycle
from guanxi.sales.models import Lead, LeadForm, LeadSource

from .. import configuration as c

# The Lead fields a form may ask for, in the order the field picker shows them.
FORM_FIELDS: dict[str, Any] = {
    "name": pgettext_lazy("a person's name", "Name"),
    "company": gettext_lazy("Company"),
    "title": gettext_lazy("Job title"),
    "mobile": gettext_lazy("Mobile"),
    "phone": gettext_lazy("Office phone"),
    "email": gettext_lazy("Email"),
    "wechat": gettext_lazy("WeChat ID"),
    "province": gettext_lazy("Province"),
    "city": gettext_lazy("City"),
    "industry": gettext_lazy("Industry"),
    "description": gettext_lazy("Message"),
}
INPUT_TYPES = {"email": "email", "mobile": "tel", "phone": "tel"}
MAX_LENGTHS = {
    "name": 100,
    "company": 200,
    "title": 100,
    "mobile": 40,
    "phone": 40,
    "email": 254,
    "wechat": 50,
    "province": 50,
    "city": 50,
    "industry": 30,
    "description": 5000,
}
SLUG_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
HONEYPOT = "website"  # a field people never see (hidden by CSS) and bots love to fill
ORDERING = {"name": "name", "created_at": "created_at", "updated_at": "updated_at"}
WRITABLE = {
    "name",
    "slug",
    "fields",
    "title",
    "consent_text",
    "success_message",
    "source",
    "pool",
    "owner",
    "active",
}


# --- the fields of a form ---------------------------------------------------------------------


def _field_spec(item, i: int) -> dict:
    if isinstance(item, str):
        item = {"name": item}
    if not isinstance(item, dict):
        raise ValidationFailed(
            fields={
                "fields": [
                    _("Item %(n)d: enter a field name or an object with name, required and labels.")
                    % {"n": i + 1}
                ]
            }
        )
    extra = set(item) - {"name", "required", "label", "label_en", "label_zh_hans", "label_zh_hant"}
    if extra:
        raise ValidationFailed(
            fields={
                "fields": [
                    _("Item %(n)d: unknown key %(key)s.")
                    % {"n": i + 1, "key": sorted(map(str, extra))[0][:40]}
                ]
            }
        )
    name = item.get("name")
    if not isinstance(name, str) or name not in FORM_FIELDS:
        raise ValidationFailed(
            fields={
                "fields": [
                    _("Item %(n)d: unknown field; use one of: %(choices)s.")
                    % {"n": i + 1, "choices": ", ".join(FORM_FIELDS)}
                ]
            }
        )
    required = item.get("required", name == "name")
    if not isinstance(required, bool):
        raise ValidationFailed(
            fields={"fields": [_("Item %(n)d: required is true or false.") % {"n": i + 1}]}
        )
    labels = item.get("label")
    if labels is None:
        labels = {lang: item.get(f"label_{s}", "") for lang, s in c.SUFFIX.items()}
    try:
        texts = c.translations(labels, "fields", 100)
    except ValidationFailed:
        raise ValidationFailed(
            fields={"fields": [_("Item %(n)d: labels are texts of at most 100 characters.") % {"n": i + 1}]}
        ) from None
    return {
        "name": name,
        "required": required or name == "name",
        **{f"label_{s}": t for s, t in texts.items()},
    }


def clean_fields(value) -> list[dict]:
    if not isinstance(value, list) or not value:
        raise ValidationFailed(fields={"fields": [_('Enter a list of fields, e.g. ["name", "mobile"].')]})
    if len(value) > len(FORM_FIELDS):
        raise ValidationFailed(fields={"fields": [_("A field appears twice.")]})
    out, seen = [], set()
    for i, item in enumerate(value):
        spec = _field_spec(item, i)
        if spec["name"] in seen:
            raise ValidationFailed(
                fields={"fields": [_("The field %(name)s appears twice.") % {"name": spec["name"]}]}
            )
        seen.add(spec["name"])
        out.append(spec)
    if "name" not in seen:
        raise ValidationFailed(fields={"fields": [_("A form must ask for the name.")]})
    return out


def field_label(spec: dict) -> str:
    """The label a visitor sees, in the active language (the form's own, else the field's)."""
    from guanxi.custom_fields.labels import current_lang

    own = spec.get(f"label_{c.SUFFIX[current_lang()]}") or spec.get("label_en")
    return own or str(FORM_FIELDS.get(spec["name"], spec["name"]))


# --- administrators: create, update, delete, restore --------------------------------------------


def _clean(data: dict, *, partial: bool, current: LeadForm | None = None) -> dict[str, Any]:
    errors = c.unknown_fields(data, WRITABLE)
    out: dict[str, Any] = {}

    def step(name, func):
        if name not in data:
            if not partial and name in ("name", "slug", "fields"):
                errors[name] = [_("This field is required.")]
            return
        try:
            func(data[name])
        except ValidationFailed as exc:
            errors.update({(k if k.split(".")[0] in WRITABLE else name): v for k, v in exc.fields.items()})

    def slug(v):
        if not isinstance(v, str) or not v:
            raise ValidationFailed(fields={"slug": [_("This field is required.")]})
        if len(v) > 60 or not SLUG_RE.fullmatch(v):
            raise ValidationFailed(
                fields={
                    "slug": [_("Use lower-case letters, digits and hyphens, e.g. expo-2026 (at most 60).")]
                }
            )
        taken = LeadForm._base_manager.filter(slug=v)
        if current is not None:
            taken = taken.exclude(pk=current.pk)
        if taken.exists():
            raise ValidationFailed(fields={"slug": [_("Another form already uses this address.")]})
        out["slug"] = v

    def texts(prefix, max_length, multiline=False):
        def f(v):
            out.update(
                {
                    f"{prefix}_{s}": t
                    for s, t in c.translations(v, prefix, max_length, multiline=multiline).items()
                }
            )

        return f

    def source(v):
        if v not in LeadSource.values:
            raise ValidationFailed(
                fields={
                    "source": [_("Choose one of: %(choices)s.") % {"choices": ", ".join(LeadSource.values)}]
                }
            )
        out["source"] = v

    step("name", lambda v: out.__setitem__("name", c.name_text(v)))
    step("slug", slug)
    step("fields", lambda v: out.__setitem__("fields", clean_fields(v)))
    step("title", texts("title", 200))
    step("consent_text", texts("consent_text", 2000, multiline=True))
    step("success_message", texts("success_message", 500))
    step("source", source)
    step("pool", lambda v: out.__setitem__("pool", c.lead_pool(v)))
    step("owner", lambda v: out.__setitem__("owner", c.active_user(v, "owner")))
    step("active", lambda v: out.__setitem__("active", c.boolean(v, "active")))
    if not errors:
        pool = out.get("pool", current.pool if current else None)
        owner = out.get("owner", current.owner if current else None)
        if pool is not None and owner is not None:
            errors["pool"] = [_("Send new leads to a pool or to an owner, not both.")]
    if errors:
        raise ValidationFailed(_("Some fields are not valid."), fields=errors)
    return out


_AUDITED = (
    "name",
    "slug",
    "fields",
    "title_en",
    "title_zh_hans",
    "title_zh_hant",
    "consent_text_en",
    "consent_text_zh_hans",
    "consent_text_zh_hant",
    "success_message_en",
    "success_message_zh_hans",
    "success_message_zh_hant",
    "source",
    "pool",
    "owner",
    "active",
)


@transaction.atomic
def lead_form_create(*, actor, data: dict) -> LeadForm:
    rights.require(actor, "manage_lead_forms")
    values = _clean(data, partial=False)
    form = LeadForm(created_by=actor, **values)
    try:
        with transaction.atomic():
            form.save()
    except IntegrityError:  # a concurrent create took the slug between the check and the insert
        raise ValidationFailed(fields={"slug": [_("Another form already uses this address.")]}) from None
    audit.record(
        actor=actor,
        verb="create",
        obj=form,
        changes={k: (None, getattr(form, k)) for k in _AUDITED if getattr(form, k) not in (None, "", [])},
    )
    return form


@transaction.atomic
def lead_form_update(*, actor, form: LeadForm, data: dict, version: int | None) -> LeadForm:
    rights.require(actor, "manage_lead_forms")
    check_version(form, version)
    values = _clean(data, partial=True, current=form)
    changes = {}
    for key, new in values.items():
        old = getattr(form, key)
        if old != new:
            changes[key] = (old, new)
            setattr(form, key, new)
    if not changes:
        return form
    old_version = form.version
    form.version, form.updated_at = old_version + 1, timezone.now()
    fields = {
        LeadForm._meta.get_field(k).attname: getattr(form, LeadForm._meta.get_field(k).attname)
        for k in [*changes, "version", "updated_at"]
    }
    try:
        with transaction.atomic():
            updated = LeadForm._base_manager.filter(pk=form.pk, version=old_version).update(**fields)
    except IntegrityError:
        raise ValidationFailed(fields={"slug": [_("Another form already uses this address.")]}) from None
    if not updated:
        from guanxi.core.errors import VersionConflict

        raise VersionConflict()
    audit.record(actor=actor, verb="update", obj=form, changes=changes)
    return form


def _bin(*, actor, form: LeadForm, version: int | None, deleted: bool) -> LeadForm:
    """records.lifecycle, once this form's own rule holds: only a live form is deleted and only a
    binned one restored (else 404, as its API paths promise)."""
    rights.require(actor, "manage_lead_forms")
    check_version(form, version)
    if (form.deleted_at is not None) == deleted:
        raise NotFound()
    if deleted:
        lifecycle.delete(actor=actor, obj=form, version=version)
        return form
    return lifecycle.restore(actor=actor, obj=form, version=version)


@transaction.atomic
def lead_form_delete(*, actor, form: LeadForm, version: int | None) -> LeadForm:
    """To the recycle bin: the public page answers 404 from now on; its leads stay."""
    return _bin(actor=actor, form=form, version=version, deleted=True)


@transaction.atomic
def lead_form_restore(*, actor, form: LeadForm, version: int | None = None) -> LeadForm:
    return _bin(actor=actor, form=form, version=version, deleted=False)


# --- administrators: reads --------------------------------------------------------------------


def lead_form_get(actor, pk, *, deleted: bool = False) -> LeadForm:
    rights.require(actor, "manage_lead_forms")
    form = c.get_or_404(LeadForm, pk)
    if (form.deleted_at is not None) != deleted:
        raise NotFound()
    return form


def lead_form_list(
    actor,
    *,
    ordering: str = "name",
    cursor: str | None = None,
    limit=None,
    deleted: bool = False,
    q: str = "",
) -> Page:
    rights.require(actor, "manage_lead_forms")
    qs = LeadForm._base_manager.filter(deleted_at__isnull=not deleted).select_related("pool", "owner")
    q = (q or "").strip()[:100]
    if q:
        from django.db.models import Q

        qs = qs.filter(Q(name__icontains=q) | Q(slug__icontains=q))
    return paginate(
        qs, ordering=ordering or "name", allowed=ORDERING, cursor=cursor, limit=parse_limit(limit)
    )


# --- the public side --------------------------------------------------------------------------


def public_form(slug: str) -> LeadForm:
    """The live, active form at this address (one query); anything else is a 404."""
    if not isinstance(slug, str) or len(slug) > 60 or not SLUG_RE.fullmatch(slug):
        raise NotFound()
    form = (
        LeadForm.objects.filter(slug=slug, active=True, deleted_at__isnull=True)
        .select_related("owner", "created_by", "pool")
        .first()
    )
    if form is None:
        raise NotFound()
    return form


def rate_limited(form: LeadForm, ip: str | None) -> bool:
    """True when this address has already sent LEAD_FORM_RATE_PER_MINUTE posts to this form in the
    current minute (core.ratelimit). Every post counts, also rejected and honeypot ones, so a
    flood cannot probe for free."""
    return ratelimit.hit(
        f"leadform:{form.pk}:{ip or '-'}", getattr(settings, "LEAD_FORM_RATE_PER_MINUTE", 10), 60
    )


def consent_shown(form: LeadForm) -> str:
    """The consent text in the active language (English when that one is empty)."""
    return form.consent_text


def submit(*, form: LeadForm, data, ip: str | None = None, consent: bool = False) -> Lead | None:
    """A public submission → a lead, through leads.services.lead_capture.

    `data` is the posted form (a QueryDict or a dict of strings): only the form's fields are
    read, everything else is ignored. A filled honeypot answers as if it worked and creates
    nothing (returns None). Required fields and the consent box are checked here; every value is
    cleaned by the lead service, whose field errors come back as ValidationFailed."""
    if (data.get(HONEYPOT) or "").strip():
        return None
    values: dict[str, str] = {}
    errors: dict[str, list[str]] = {}
    for spec in form.fields:
        name = spec["name"]
        raw = data.get(name)
        raw = raw if isinstance(raw, str) else ""
        raw = raw.strip()
        if len(raw) > MAX_LENGTHS.get(name, 200) * 2:  # far too long: refuse before any cleaning
            errors[name] = [
                _("Enter at most %(max)d characters (it has %(n)d).")
                % {"max": MAX_LENGTHS.get(name, 200), "n": len(raw)}
            ]
            continue
        if spec.get("required") and not raw:
            errors[name] = [_("This field is required.")]
            continue
        if raw:
            values[name] = raw
    consent_text = consent_shown(form)
    if consent_text and not consent:
        errors["consent"] = [_("Please agree to continue.")]
    if errors:
        raise ValidationFailed(_("Please check the fields marked below."), fields=errors)
    from guanxi.sales.leads.services import lead_capture

    return lead_capture(
        form=form, data=values, consent_text=consent_text, ip=ip
    )  # also counts the submission


def industry_choices() -> list[tuple[str, str]]:
    return [(v, str(label)) for v, label in Industry.choices]


# --- embedding --------------------------------------------------------------------------------


def iframe_snippet(form: LeadForm, url: str) -> str:
    """What a web site pastes to show the hosted page inside its own (escaped by the template)."""
    from django.utils.html import escape

    return (
        f'<iframe src="{escape(url)}?embed=1" title="{escape(form.title)}" width="100%" height="640" '
        f'loading="lazy"></iframe>'
    )


def html_snippet(form: LeadForm, url: str) -> str:
    """A plain HTML form posting to the hosted page, for sites that style their own. The
    honeypot input uses the `hidden` attribute, so it needs no stylesheet of ours."""
    from django.utils.html import escape

    from guanxi.custom_fields.labels import current_lang

    # the language the labels and the consent text are in, so the lead records the text shown
    lines = [
        f'<form method="post" action="{escape(url)}" accept-charset="utf-8">',
        f'  <input type="hidden" name="lang" value="{current_lang()}">',
    ]
    for spec in form.fields:
        name = spec["name"]
        label = escape(field_label(spec))
        req = " required" if spec.get("required") else ""
        if name == "description":
            control = f'<textarea name="{name}"{req}></textarea>'
        elif name == "industry":
            options = "".join(
                f'<option value="{v}">{escape(label_)}</option>' for v, label_ in industry_choices()
            )
            control = f'<select name="{name}"{req}><option value=""></option>{options}</select>'
        else:
            control = f'<input type="{INPUT_TYPES.get(name, "text")}" name="{name}"{req}>'
        lines.append(f"  <label>{label} {control}</label>")
    if form.consent_text:
        lines.append(
            f'  <label><input type="checkbox" name="consent" value="on" required> '
            f"{escape(form.consent_text)}</label>"
        )
    lines.append(f'  <input type="text" name="{HONEYPOT}" value="" tabindex="-1" autocomplete="off" hidden>')
    lines.append(f'  <button type="submit">{escape(_("Send"))}</button>')
    lines.append("</form>")
    return "\n".join(lines)
