"""The recycle bin's page: every kind the actor may restore records of, one tab each."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanxi.core import registry
from guanxi.core.errors import ApplicationError, NotFound

from . import bin, lifecycle


@login_required
def recycle_bin(request: HttpRequest) -> HttpResponse:
    kinds = bin.kinds_for(request.user)
    if not kinds:
        return render(request, "records/recycle_bin.html", {"tabs": [], "current": None})
    names = [k.name for k in kinds]
    current = next((k for k in kinds if k.name == request.GET.get("kind")), kinds[0])
    tabs = [{"kind": k, "count": bin.count(request.user, k), "current": k is current} for k in kinds]
    found = bin.page(request.user, current, cursor=request.GET.get("cursor") or None)
    context = {"tabs": tabs, "current": current, "page": found, "names": names, "up_to": bin.COUNT_UP_TO}
    template = (
        "records/recycle_bin.html#rows" if request.headers.get("HX-Request") else "records/recycle_bin.html"
    )
    return render(request, template, context)


@login_required
@require_POST
def restore(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    found = registry.find(kind)
    if found is None or not found.recycle_bin:
        raise NotFound()
    obj = bin.get(request.user, found, pk)
    try:
        lifecycle.restore(actor=request.user, obj=obj, version=request.POST.get("version") or None)  # type: ignore[arg-type]  # checked with int()
    except ApplicationError as exc:
        messages.error(request, " ".join([str(exc.message), *[m for ms in exc.fields.values() for m in ms]]))
    else:
        messages.success(request, _("“%(name)s” restored.") % {"name": str(obj)})
    return redirect(f"{reverse('records_bin')}?kind={kind}")
