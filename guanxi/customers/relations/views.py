"""UI for relations: the forms of the relations panels on the 360° pages, and the group pages.

Thin views over relations/services.py: each POST calls one service and goes back to the page
it came from with a message; errors (field errors included) show as a message there.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from guanxi.core.errors import ApplicationError, NotFound

from ..directory import selectors as customer_selectors
from ..models import ContactRole
from . import selectors, services


class LinkForm(forms.Form):
    """Raw values only: the service cleans and validates them."""

    account = forms.CharField(required=False, max_length=40)
    contact = forms.CharField(required=False, max_length=40)
    role = forms.CharField(required=False, max_length=200)
    title = forms.CharField(required=False, max_length=2000)
    is_primary = forms.BooleanField(required=False)
    version = forms.IntegerField(required=False)


class PartnerForm(forms.Form):
    partner = forms.CharField(required=False, max_length=40)
    note = forms.CharField(required=False, max_length=2000)
    version = forms.IntegerField(required=False)
    back = forms.CharField(required=False, max_length=20)


ROLE_CHOICES = [("", gettext_lazy("No role")), *ContactRole.choices]


def _run(request, action, *, success: str) -> None:
    try:
        action()
    except ApplicationError as exc:
        messages.error(request, " ".join([str(exc.message), *[m for ms in exc.fields.values() for m in ms]]))
    else:
        messages.success(request, success)


def _form(request, form_class):
    form = form_class(request.POST)
    if not form.is_valid():  # only a version that is not a number gets here
        raise ApplicationError(_("The form is not valid; reload the page and try again."))
    return form.cleaned_data


def _link_payload(request, data: dict, *, account) -> dict:
    """`is_primary` only when the box was there: else the service decides (first link: primary)."""
    payload = {"account": account, "role": data["role"], "title": data["title"]}
    if "is_primary" in request.POST:
        payload["is_primary"] = data["is_primary"]
    return payload


def _back(kind: str, pk: int):
    return redirect(f"{reverse(f'{kind}_detail', args=[pk])}#relations")


# --- a contact's accounts ---------------------------------------------------------------------


@login_required
@require_POST
def contact_link(request, pk: int):
    """Contact page: link an account."""
    contact = customer_selectors.contact_get(request.user, pk)

    def act():
        data = _form(request, LinkForm)
        services.contact_link_account(
            actor=request.user,
            contact=contact,
            version=data["version"],
            data=_link_payload(request, data, account=data["account"]),
        )

    _run(request, act, success=_("Account linked."))
    return _back("contact", pk)


@login_required
@require_POST
def contact_link_update(request, pk: int, account_id: int):
    """Contact page: change a link's role and title, or make it the primary one."""
    contact = customer_selectors.contact_get(request.user, pk)

    def act():
        data = _form(request, LinkForm)
        payload = {k: data[k] for k in ("role", "title") if k in request.POST}
        if "is_primary" in request.POST:
            payload["is_primary"] = data["is_primary"]
        services.contact_update_link(
            actor=request.user, contact=contact, account_id=account_id, data=payload, version=data["version"]
        )

    _run(request, act, success=_("Changes saved."))
    return _back("contact", pk)


@login_required
@require_POST
def contact_unlink(request, pk: int, account_id: int):
    contact = customer_selectors.contact_get(request.user, pk)

    def act():
        data = _form(request, LinkForm)
        services.contact_unlink_account(
            actor=request.user, contact=contact, account_id=account_id, version=data["version"]
        )

    _run(request, act, success=_("Link removed."))
    return _back("contact", pk)


@login_required
@require_POST
def account_link_contact(request, pk: int):
    """Account page: link one of the viewer's contacts to this account (a change of the contact)."""
    account = customer_selectors.account_get(request.user, pk)

    def act():
        data = _form(request, LinkForm)
        try:
            contact = customer_selectors.contact_get(request.user, data["contact"])
        except NotFound:
            raise ApplicationError(
                _("Choose a contact."), fields={"contact": [_("Choose a contact.")]}
            ) from None
        services.contact_link_account(
            actor=request.user,
            contact=contact,
            version=None,
            data=_link_payload(request, data, account=account.pk),
        )

    _run(request, act, success=_("Contact linked."))
    return _back("account", pk)


# --- partners ---------------------------------------------------------------------------------


@login_required
@require_POST
def partner_add(request, pk: int):
    """Customer's page: a partner now serves it."""
    customer = customer_selectors.account_get(request.user, pk)

    def act():
        data = _form(request, PartnerForm)
        services.partner_link_add(
            actor=request.user,
            customer=customer,
            version=data["version"],
            data={"partner": data["partner"], "note": data["note"]},
        )

    _run(request, act, success=_("Partner added."))
    return _back("account", pk)


@login_required
@require_POST
def partner_remove(request, pk: int, partner_id: int):
    """Remove the link of customer `pk` and partner `partner_id`, from either page (`back`)."""
    customer = customer_selectors.account_get(request.user, pk)
    back_to_partner = request.POST.get("back") == "partner"

    def act():
        data = _form(request, PartnerForm)
        services.partner_link_remove(
            actor=request.user, customer=customer, partner_id=partner_id, version=data["version"]
        )

    _run(request, act, success=_("Partner link removed."))
    return _back("account", partner_id if back_to_partner else pk)


# --- group pages ------------------------------------------------------------------------------


@login_required
def group_contacts(request, pk: int):
    """All contacts of an account and its visible subsidiaries (three levels), a page at a time."""
    account = customer_selectors.account_get(request.user, pk)
    try:
        page, group_ids = selectors.group_contacts_page(
            request.user, account, cursor=request.GET.get("cursor") or None, limit=50
        )
    except ApplicationError:  # a tampered cursor: start again
        return redirect("account_group_contacts", pk=pk)
    return render(
        request,
        "customers/relations/group_contacts.html",
        {"account": account, "page": page, "group_ids": group_ids},
    )


@login_required
def subsidiaries(request, pk: int):
    account = customer_selectors.account_get(request.user, pk)
    try:
        page = selectors.subsidiaries_page(
            request.user, account, cursor=request.GET.get("cursor") or None, limit=50
        )
    except ApplicationError:
        return redirect("account_subsidiaries", pk=pk)
    return render(request, "customers/relations/subsidiaries.html", {"account": account, "page": page})
