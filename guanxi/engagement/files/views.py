"""UI views (thin): upload, delete, restore, download, and the panel fragment for htmx.

Uploads install the size limit (uploads.install_limits) before anything reads the body: CSRF
checking reads request.POST, so the view is csrf_exempt on the outside and csrf_protect inside,
the pattern Django documents for changing upload handlers.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST

from guanxi.core.errors import ApplicationError, ValidationFailed
from guanxi.core.htmx import is_htmx

from . import selectors, services, uploads
from .panels import panel_context
from .sniff import too_large_error


def _parent_from(request, data):
    field, value = selectors.parent_ref(**{f: data.get(f) for f in selectors.PARENTS})
    return field, selectors.parent_get(request.user, field, value)


def _back(request, field: str, parent):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    if field == "account":
        return redirect("account_detail", pk=parent.pk)
    if field == "contact":
        return redirect("contact_detail", pk=parent.pk)
    if parent.account_id:
        return redirect("account_detail", pk=parent.account_id)
    return redirect("home")


def _answer(request, field, parent, *, error=None, notice=None, undo=None):
    """htmx: the refreshed panel (with the error or notice in it); else back to the record."""
    if is_htmx(request):
        return render(
            request,
            "engagement/files/panel.html",
            {"panel": panel_context(request, parent, field, error=error, notice=notice, undo=undo)},
        )
    if error:
        messages.error(request, error)
    elif notice:
        messages.success(request, notice)
    return _back(request, field, parent)


@csrf_exempt
@require_POST
def attachment_upload(request):
    if uploads.too_large_for_limit(request):
        # answered before the body is read; the panel cannot be rendered without the form fields
        exc = too_large_error()
        return render(request, "engagement/files/error.html", {"message": exc.message}, status=exc.status)
    uploads.install_limits(request)
    return _upload(request)


@csrf_protect
@login_required
def _upload(request):
    try:
        field, parent = _parent_from(request, request.POST)
    except ValidationFailed as exc:
        return render(request, "engagement/files/error.html", {"message": exc.message}, status=exc.status)
    try:
        uploads.check_form(request)
        attachment, created = services.attachment_upload(
            actor=request.user, file=request.FILES["file"], **{field: parent}
        )
    except ApplicationError as exc:
        if exc.status in (403, 404):
            raise
        return _answer(
            request,
            field,
            parent,
            error=" ".join(m for ms in exc.fields.values() for m in ms) or str(exc.message),
        )
    notice = (_("“%(name)s” uploaded.") if created else _("This file is already attached as “%(name)s”.")) % {
        "name": attachment.name
    }
    return _answer(request, field, parent, notice=notice)


@login_required
@require_POST
def attachment_delete(request, pk: int):
    attachment = selectors.attachment_get(request.user, pk)
    field, parent = selectors.parent_field(attachment), attachment.parent
    services.attachment_delete(actor=request.user, attachment=attachment)
    return _answer(
        request,
        field,
        parent,
        notice=_("“%(name)s” moved to the recycle bin.") % {"name": attachment.name},
        undo=attachment,
    )


@login_required
@require_POST
def attachment_restore(request, pk: int):
    attachment = selectors.attachment_get(request.user, pk, deleted=True)
    field, parent = selectors.parent_field(attachment), attachment.parent
    services.attachment_restore(actor=request.user, attachment=attachment)
    return _answer(request, field, parent, notice=_("“%(name)s” restored.") % {"name": attachment.name})


@login_required
@require_GET
def attachment_download(request, pk: int):
    return uploads.download_response(selectors.attachment_get(request.user, pk))


@login_required
@require_GET
def attachment_panel(request):
    """The panel of one record (?account=, ?contact= or ?activity=): for htmx, and for the
    attachments of a follow-up wherever it is shown."""
    field, parent = _parent_from(request, request.GET)
    return render(request, "engagement/files/panel.html", {"panel": panel_context(request, parent, field)})
