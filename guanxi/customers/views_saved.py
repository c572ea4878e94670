"""Saved views on the account and contact lists: save the current filters, apply, delete."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, QueryDict
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanxi.core import saved_views
from guanxi.core.errors import ApplicationError, NotFound
from guanxi.records.exports import NOT_FILTERS


def _list_url(object_type: str) -> str:
    spec = saved_views.LISTS.get(object_type)
    return reverse(spec.url_name if spec else "account_list")


@login_required
@require_POST
def saved_view_create(request):
    object_type = request.POST.get("object_type", "")
    current = QueryDict(request.POST.get("query", "")[:4000], mutable=True)
    if request.POST.getlist("cols") and "cols" not in current:
        current.setlist("cols", request.POST.getlist("cols"))
    back = f"{_list_url(object_type)}?{current.urlencode()}"
    try:
        query = saved_views.query_from_request(object_type, current, not_filters=NOT_FILTERS)
        view = saved_views.saved_view_create(
            actor=request.user,
            object_type=object_type,
            name=request.POST.get("name", ""),
            query=query,
            shared=request.POST.get("shared") in ("on", "true", "1"),
        )
    except ApplicationError as exc:
        messages.error(request, " ".join([str(exc.message), *[m for ms in exc.fields.values() for m in ms]]))
        return redirect(back)
    messages.success(request, _("View “%(name)s” saved.") % {"name": view.name})
    return redirect("saved_view_apply", pk=view.pk)


@login_required
def saved_view_apply(request, pk: int):
    try:
        view = saved_views.saved_view_get(request.user, pk)
    except NotFound:
        raise Http404() from None
    qs = saved_views.querystring(view)
    return redirect(f"{_list_url(view.object_type)}?{qs}" if qs else _list_url(view.object_type))


@login_required
@require_POST
def saved_view_delete(request, pk: int):
    try:
        view = saved_views.saved_view_get(request.user, pk)
    except NotFound:
        raise Http404() from None
    url = _list_url(view.object_type)
    try:
        version = int(request.POST.get("version") or view.version)
        saved_views.saved_view_delete(actor=request.user, view=view, version=version)
    except (ApplicationError, ValueError) as exc:
        messages.error(request, str(getattr(exc, "message", _("The request is not valid."))))
        return redirect(url)
    messages.success(request, _("View “%(name)s” deleted.") % {"name": view.name})
    return redirect(url)
