"""UI for accounts and contacts: thin views over the same services and selectors as the API."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from guanxi.audit.selectors import history_for
from guanxi.core import panels
from guanxi.core.errors import ApplicationError
from guanxi.core.htmx import errors_to_form, is_htmx
from guanxi.custom_fields import display as custom_field_display
from guanxi.custom_fields import filters as custom_field_filters
from guanxi.custom_fields import selectors as custom_field_selectors
from guanxi.org.models import Action, User
from guanxi.org.selectors import active_users
from guanxi.policies import access
from guanxi.records.history import visible_history
from guanxi.records.sharing import collaborators_of

from ..models import Account, Contact, Health, Industry, Tier
from ..relations import selectors as relation_selectors
from . import selectors, services
from .forms import AccountForm, ContactForm, TransferForm

ACCOUNT_COLUMNS = {
    "industry": gettext_lazy("Industry"),
    "tier": gettext_lazy("Tier"),
    "phone": gettext_lazy("Phone"),
    "uscc": gettext_lazy("USCC"),
    "owner": gettext_lazy("Owner"),
    "updated_at": gettext_lazy("Updated"),
    "created_at": gettext_lazy("Created"),
    "tags": gettext_lazy("Tags"),
    "health": gettext_lazy("Health"),
}
ACCOUNT_DEFAULT_COLUMNS = ["industry", "tier", "health", "phone", "owner", "updated_at"]
CONTACT_COLUMNS = {
    "account": gettext_lazy("Account"),
    "title": gettext_lazy("Title"),
    "mobile": gettext_lazy("Mobile"),
    "email": gettext_lazy("Email"),
    "wechat": gettext_lazy("WeChat ID"),
    "owner": gettext_lazy("Owner"),
    "updated_at": gettext_lazy("Updated"),
    "created_at": gettext_lazy("Created"),
}
CONTACT_DEFAULT_COLUMNS = ["account", "title", "mobile", "email", "owner", "updated_at"]


def _columns(request, key: str, allowed: dict, default: list[str]) -> list[str]:
    """Column choice: from ?cols=… when the user changes it, remembered in the session."""
    if "cols" in request.GET:
        cols = [c for c in request.GET.getlist("cols") if c in allowed] or default
        request.session[f"cols:{key}"] = cols
    return [c for c in request.session.get(f"cols:{key}", default) if c in allowed]


def _list_context(request, page_fn, *, key, columns, default_columns, filter_names, object_type=None):
    # custom fields (guanxi/custom_fields): columns cf_<key>, filters ?cf_<key>=value
    cf_defs = custom_field_selectors.definitions_by_key(object_type) if object_type else {}
    cf_filters = custom_field_filters.filter_params(request.GET)
    columns = {**columns, **custom_field_display.list_columns(cf_defs)}
    params = selectors.ListParams(
        q=request.GET.get("q", "")[:200],
        ordering=request.GET.get("ordering", "") or selectors.DEFAULT_ORDERING,
        cursor=request.GET.get("cursor") or None,
        limit=25,
        filters={**{k: request.GET.get(k, "") for k in filter_names}, **cf_filters},
    )
    error = None
    try:
        page = page_fn(request.user, params)
    except ApplicationError as exc:
        error, page = exc, None
    query = request.GET.copy()
    query.pop("cursor", None)
    return {
        "page": page,
        "error": error,
        "params": params,
        "query": query.urlencode(),
        "columns": _columns(request, key, columns, default_columns),
        "all_columns": columns,
        "filters": params.filters,
        "cf_defs": cf_defs,
        "cf_filter_choices": custom_field_filters.filter_choices(cf_defs),
        "cf_filtering": any(cf_filters.values()),
    }


def _owner_choices(request):
    """Users whose records the viewer may filter by: those in the viewer's read scope."""
    owners = access.owner_ids(request.user, "account", Action.READ)
    qs = active_users()
    return qs if owners is None else qs.filter(pk__in=owners)


def _submit(request, form, save, *, success: str, then):
    """POST: validate, call the service, show its field errors beside the fields or go on.

    `save(cleaned_form)` calls one service and returns the saved object; `then(obj)` is where to
    go after success. Returns a redirect, or None to render the form (again)."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        obj = save(form)
    except ApplicationError as exc:
        errors_to_form(form, exc)
        return None
    messages.success(request, success % {"name": str(obj)} if "%(name)s" in success else success)
    return then(obj)


def _delete(request, obj, delete, *, detail: str, listing: str):
    """Move obj to the recycle bin with the version the page showed; a conflict stays on the page."""
    try:
        delete(version=_int(request.POST.get("version")))
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
        return redirect(detail, pk=obj.pk)
    messages.success(request, _("“%(name)s” moved to the recycle bin.") % {"name": str(obj)})
    return redirect(listing)


def _after_transfer(request, model, pk: int, *, detail: str, listing: str):
    """The new owner may be outside the actor's scope: then the record is no longer visible."""
    if access.scope(request.user, model).filter(pk=pk).exists():
        return redirect(detail, pk=pk)
    return redirect(listing)


@login_required
def account_list(request):
    ctx = _list_context(
        request,
        selectors.account_list,
        key="accounts",
        columns=ACCOUNT_COLUMNS,
        default_columns=ACCOUNT_DEFAULT_COLUMNS,
        filter_names=["industry", "tier", "owner", "health"],
        object_type="account",
    )
    ctx.update(
        industries=Industry.choices,
        tiers=Tier.choices,
        owners=_owner_choices(request),
        healths=Health.choices,
        can_create=access.scope_level(request.user, "account", Action.CREATE) > 0,
        can_export=access.scope_level(request.user, "account", Action.EXPORT) > 0,
        orderings=[
            ("-updated_at", _("Recently updated")),
            ("name", _("Name A–Z")),
            ("-name", _("Name Z–A")),
            ("-created_at", _("Newest")),
            ("created_at", _("Oldest")),
        ],
    )
    template = (
        "customers/account_list.html#rows"
        if is_htmx(request) and request.GET.get("cursor")
        else "customers/account_list.html"
    )
    return render(request, template, ctx)


@login_required
def account_detail(request, pk: int):
    account = selectors.account_get(request.user, pk)
    return render(
        request,
        "customers/account_detail.html",
        {
            "account": account,
            "contacts": selectors.account_contacts(request.user, account),
            "history": _history(request.user, account),
            "can_update": access.can(request.user, Action.UPDATE, account),
            "can_delete": access.can(request.user, Action.DELETE, account),
            "can_transfer": access.can(request.user, Action.TRANSFER, account),
            "can_create_contact": access.scope_level(request.user, "contact", Action.CREATE) > 0,
            **_sharing_context(request, account, "account"),
            **panels.context_for(request, account),
        },
    )


@login_required
def account_create(request):
    access.require(request.user, Action.CREATE, model=Account)
    form = AccountForm(
        request.POST or None, parent_choices=relation_selectors.parent_field_choices(request.user, None)
    )
    done = _submit(
        request,
        form,
        lambda f: services.account_create(actor=request.user, data=f.payload()),
        success=_("Account “%(name)s” created."),
        then=lambda a: redirect("account_detail", pk=a.pk),
    )
    return done or render(request, "customers/account_form.html", {"form": form, "account": None})


@login_required
def account_edit(request, pk: int):
    account = selectors.account_get(request.user, pk, action=Action.UPDATE)
    initial = {
        f: getattr(account, f)
        for f in ("name", "uscc", "industry", "tier", "phone", "website", "address", "description")
    }
    initial.update(
        tags=", ".join(account.tags),
        version=account.version,
        parent=str(account.parent_id or ""),
        partner_type=account.partner_type,
    )
    form = AccountForm(
        request.POST or None,
        initial=initial,
        custom_values=account.custom_fields,
        parent_choices=relation_selectors.parent_field_choices(request.user, account),
    )
    done = _submit(
        request,
        form,
        lambda f: services.account_update(
            actor=request.user, account=account, data=f.payload(), version=f.cleaned_data.get("version")
        ),
        success=_("Changes saved."),
        then=lambda a: redirect("account_detail", pk=a.pk),
    )
    return done or render(request, "customers/account_form.html", {"form": form, "account": account})


@login_required
@require_POST
def account_delete(request, pk: int):
    account = selectors.account_get(request.user, pk, action=Action.DELETE)
    return _delete(
        request,
        account,
        lambda version: services.account_delete(actor=request.user, account=account, version=version),
        detail="account_detail",
        listing="account_list",
    )


@login_required
def account_transfer(request, pk: int):
    account = selectors.account_get(request.user, pk, action=Action.TRANSFER)
    form = TransferForm(request.POST or None, users=active_users())
    done = _submit(
        request,
        form,
        lambda f: services.account_transfer(
            actor=request.user,
            account=account,
            owner=f.cleaned_data["owner"],
            with_contacts=f.cleaned_data["with_contacts"],
        ),
        success=_("Owner changed."),
        then=lambda a: _after_transfer(request, Account, pk, detail="account_detail", listing="account_list"),
    )
    return done or render(
        request,
        "customers/transfer_form.html",
        {"form": form, "record": account, "cancel_url": reverse("account_detail", args=[pk])},
    )


# --- contacts ---------------------------------------------------------------------------------


def _account_choices(request, current: Account | None = None):
    qs = access.scope(request.user, Account).order_by("-updated_at", "-id").values_list("id", "name")[:200]
    choices = [(str(i), n) for i, n in qs]
    if current is not None and str(current.pk) not in {c for c, _n in choices}:
        choices.insert(0, (str(current.pk), current.name))
    return choices


@login_required
def contact_list(request):
    ctx = _list_context(
        request,
        selectors.contact_list,
        key="contacts",
        columns=CONTACT_COLUMNS,
        default_columns=CONTACT_DEFAULT_COLUMNS,
        filter_names=["owner", "account", "has_email", "has_mobile"],
        object_type="contact",
    )
    ctx.update(
        owners=_owner_choices(request),
        can_create=access.scope_level(request.user, "contact", Action.CREATE) > 0,
        can_export=access.scope_level(request.user, "contact", Action.EXPORT) > 0,
        visible_account_ids=_visible_account_ids(request, ctx["page"]),
        orderings=[
            ("-updated_at", _("Recently updated")),
            ("name", _("Name A–Z")),
            ("-name", _("Name Z–A")),
            ("-created_at", _("Newest")),
            ("created_at", _("Oldest")),
        ],
    )
    template = (
        "customers/contact_list.html#rows"
        if is_htmx(request) and request.GET.get("cursor")
        else "customers/contact_list.html"
    )
    return render(request, template, ctx)


def _visible_account_ids(request, page) -> set[int]:
    """Which of the page's accounts the viewer may see: the others show no name (one query)."""
    return selectors.visible_account_ids(request.user, {c.account_id for c in page.items}) if page else set()


@login_required
def contact_detail(request, pk: int):
    contact = selectors.contact_get(request.user, pk)
    return render(
        request,
        "customers/contact_detail.html",
        {
            "contact": contact,
            "account_name": selectors.visible_account_name(request.user, contact.account_id),
            "history": _history(request.user, contact),
            "can_update": access.can(request.user, Action.UPDATE, contact),
            "can_delete": access.can(request.user, Action.DELETE, contact),
            "can_transfer": access.can(request.user, Action.TRANSFER, contact),
            **_sharing_context(request, contact, "contact"),
            **panels.context_for(request, contact),
        },
    )


@login_required
def contact_create(request):
    access.require(request.user, Action.CREATE, model=Contact)
    preset = None
    if request.GET.get("account"):
        preset = access.scope(request.user, Account).filter(pk=_int(request.GET["account"]) or 0).first()
    form = ContactForm(
        request.POST or None,
        account_choices=_account_choices(request, preset),
        initial={"account": str(preset.pk) if preset else ""},
    )
    done = _submit(
        request,
        form,
        lambda f: services.contact_create(actor=request.user, data=f.payload()),
        success=_("Contact “%(name)s” created."),
        then=lambda c: redirect("contact_detail", pk=c.pk),
    )
    return done or render(request, "customers/contact_form.html", {"form": form, "contact": None})


@login_required
def contact_edit(request, pk: int):
    contact = selectors.contact_get(request.user, pk, action=Action.UPDATE)
    initial = {
        f: getattr(contact, f)
        for f in ("name", "family_name", "given_name", "title", "mobile", "phone", "email", "wechat", "notes")
    }
    initial.update(account=str(contact.account_id or ""), version=contact.version)
    current = (
        access.scope(request.user, Account).filter(pk=contact.account_id).first()
        if contact.account_id
        else None
    )
    form = ContactForm(
        request.POST or None,
        initial=initial,
        account_choices=_account_choices(request, current),
        custom_values=contact.custom_fields,
    )
    done = _submit(
        request,
        form,
        lambda f: services.contact_update(
            actor=request.user, contact=contact, data=f.payload(), version=f.cleaned_data.get("version")
        ),
        success=_("Changes saved."),
        then=lambda c: redirect("contact_detail", pk=c.pk),
    )
    return done or render(request, "customers/contact_form.html", {"form": form, "contact": contact})


@login_required
@require_POST
def contact_delete(request, pk: int):
    contact = selectors.contact_get(request.user, pk, action=Action.DELETE)
    return _delete(
        request,
        contact,
        lambda version: services.contact_delete(actor=request.user, contact=contact, version=version),
        detail="contact_detail",
        listing="contact_list",
    )


@login_required
def contact_transfer(request, pk: int):
    contact = selectors.contact_get(request.user, pk, action=Action.TRANSFER)
    form = TransferForm(request.POST or None, users=active_users())
    del form.fields["with_contacts"]
    done = _submit(
        request,
        form,
        lambda f: services.contact_transfer(
            actor=request.user, contact=contact, owner=f.cleaned_data["owner"]
        ),
        success=_("Owner changed."),
        then=lambda c: _after_transfer(request, Contact, pk, detail="contact_detail", listing="contact_list"),
    )
    return done or render(
        request,
        "customers/transfer_form.html",
        {"form": form, "record": contact, "cancel_url": reverse("contact_detail", args=[pk])},
    )


# --- recycle bin ------------------------------------------------------------------------------


@login_required
def recycle_bin(request):
    accounts = selectors.account_list(
        request.user, selectors.ListParams(cursor=request.GET.get("ac"), limit=50), deleted=True
    )
    contacts = selectors.contact_list(
        request.user, selectors.ListParams(cursor=request.GET.get("cc"), limit=50), deleted=True
    )
    return render(request, "customers/recycle_bin.html", {"accounts": accounts, "contacts": contacts})


@login_required
@require_POST
def restore(request, kind: str, pk: int):
    obj: Any
    if kind == "account":
        obj = selectors.account_get(request.user, pk, deleted=True)
        services.account_restore(actor=request.user, account=obj)
        url = reverse("account_detail", args=[pk])
    elif kind == "contact":
        obj = selectors.contact_get(request.user, pk, deleted=True)
        services.contact_restore(actor=request.user, contact=obj)
        url = reverse("contact_detail", args=[pk])
    else:
        return HttpResponse(status=404)
    messages.success(request, _("“%(name)s” restored.") % {"name": str(obj)})
    return redirect(url)


def _history(actor, record):
    """The record's field history, read once for the page (the timeline's first page shows the
    newest of the same audit events: panels.shared), naming only records the viewer may read."""
    events = panels.shared(record, "history", history_for(record))
    return visible_history(actor, type(record), events)


def _sharing_context(request, obj, kind: str) -> dict:
    can_update = access.can(request.user, Action.UPDATE, obj)
    return {
        "collaborators": collaborators_of(obj),
        "kind": kind,
        "record": obj,
        "share_users": active_users() if can_update else [],
    }


@login_required
@require_POST
def share(request, kind: str, pk: int):
    """Add, change or remove a collaborator (empty access removes)."""
    from guanxi.records import sharing

    getter = {"account": selectors.account_get, "contact": selectors.contact_get}.get(kind)
    if getter is None:
        return HttpResponse(status=404)
    obj = getter(request.user, pk)
    user = User.objects.filter(username=request.POST.get("user", ""), is_active=True).first()
    try:
        if user is None:
            raise ApplicationError(_("Choose an active user."))
        sharing.collaborator_set(
            actor=request.user, obj=obj, user=user, access=request.POST.get("access") or None
        )
    except ApplicationError as exc:
        messages.error(request, " ".join([str(exc.message), *[m for ms in exc.fields.values() for m in ms]]))
    else:
        messages.success(request, _("Sharing updated."))
    return redirect(f"{reverse(f'{kind}_detail', args=[pk])}#collaborators")


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
