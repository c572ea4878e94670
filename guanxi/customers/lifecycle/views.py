"""UI of customer health: the drifting list, the stage form of the 360° page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from guanxi.core.errors import ApplicationError
from guanxi.core.htmx import is_htmx
from guanxi.org.models import Action

from ..directory import selectors as customer_selectors
from ..models import CustomerSettings, Health
from . import selectors, services

TABS = [(Health.DRIFTING, gettext_lazy("Drifting")), (Health.DORMANT, gettext_lazy("Dormant"))]


@login_required
def drifting_list(request):
    """Drifting and dormant accounts in the viewer's scope, longest silent first."""
    tab = request.GET.get("health") or Health.DRIFTING
    if tab not in selectors.UNHEALTHY:
        tab = Health.DRIFTING
    error = page = None
    try:
        page = selectors.drifting_page(
            request.user, health=tab, cursor=request.GET.get("cursor") or None, limit=25
        )
    except ApplicationError as exc:
        error = exc
    now = timezone.now()
    rows = [(a, services.days_silent(a, now=now)) for a in (page.items if page else [])]
    ctx = {
        "tab": tab,
        "tabs": TABS,
        "page": page,
        "rows": rows,
        "error": error,
        "counts": selectors.health_counts(request.user) if not request.GET.get("cursor") else None,
        "thresholds": services.thresholds(CustomerSettings.load()),
    }
    template = (
        "customers/health/drifting_list.html#rows"
        if is_htmx(request) and request.GET.get("cursor")
        else "customers/health/drifting_list.html"
    )
    return render(request, template, ctx)


@login_required
@require_POST
def account_stage_set(request, pk: int):
    """The "change" form of the lifecycle panel: one field, one value, an optional reason."""
    account = customer_selectors.account_get(request.user, pk, action=Action.UPDATE)
    try:
        services.stage_set(
            actor=request.user,
            account=account,
            field=request.POST.get("field", ""),
            value=request.POST.get("value", ""),
            reason=request.POST.get("reason", ""),
            version=_int(request.POST.get("version")),
        )
    except ApplicationError as exc:
        messages.error(request, " ".join([str(exc.message), *[m for ms in exc.fields.values() for m in ms]]))
    else:
        messages.success(request, _("Changes saved."))
    return redirect(f"{reverse('account_detail', args=[pk])}#lifecycle")


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
