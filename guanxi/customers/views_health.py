"""UI of customer health: the drifting list, the stage form of the 360° page, customer settings."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from guanxi.core.errors import ApplicationError
from guanxi.core.htmx import errors_to_form, is_htmx
from guanxi.org.models import Action

from . import lifecycle, selectors, selectors_health, settings_admin
from .models import CustomerSettings, Health

TABS = [(Health.DRIFTING, gettext_lazy("Drifting")), (Health.DORMANT, gettext_lazy("Dormant"))]


@login_required
def drifting_list(request):
    """Drifting and dormant accounts in the viewer's scope, longest silent first."""
    tab = request.GET.get("health") or Health.DRIFTING
    if tab not in selectors_health.UNHEALTHY:
        tab = Health.DRIFTING
    error = page = None
    try:
        page = selectors_health.drifting_page(
            request.user, health=tab, cursor=request.GET.get("cursor") or None, limit=25
        )
    except ApplicationError as exc:
        error = exc
    now = timezone.now()
    rows = [(a, lifecycle.days_silent(a, now=now)) for a in (page.items if page else [])]
    ctx = {
        "tab": tab,
        "tabs": TABS,
        "page": page,
        "rows": rows,
        "error": error,
        "counts": selectors_health.health_counts(request.user) if not request.GET.get("cursor") else None,
        "thresholds": lifecycle.thresholds(CustomerSettings.load()),
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
    account = selectors.account_get(request.user, pk, action=Action.UPDATE)
    try:
        lifecycle.stage_set(
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


class CustomerSettingsForm(forms.Form):
    """Raw fields: the service cleans and validates (the API gets the same answers)."""

    dormancy_days_a = forms.CharField(
        label=gettext_lazy("Tier A — dormant after (days)"),
        max_length=10,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    dormancy_days_b = forms.CharField(
        label=gettext_lazy("Tier B — dormant after (days)"),
        max_length=10,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    dormancy_days_c = forms.CharField(
        label=gettext_lazy("Tier C — dormant after (days)"),
        max_length=10,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    dormancy_days_other = forms.CharField(
        label=gettext_lazy("No tier — dormant after (days)"),
        max_length=10,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    duplicate_mode = forms.ChoiceField(
        label=gettext_lazy("Duplicate check"), choices=CustomerSettings.DuplicateMode.choices
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


@login_required
def customer_settings(request):
    if not settings_admin.may_manage(request.user):
        raise PermissionDenied
    obj = settings_admin.customer_settings_get()
    initial = {f: getattr(obj, f) for f in settings_admin.FIELDS}
    initial["version"] = obj.version
    form = CustomerSettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = {f: form.cleaned_data[f] for f in settings_admin.FIELDS}
        try:
            settings_admin.customer_settings_update(
                actor=request.user, data=data, version=form.cleaned_data.get("version")
            )
        except ApplicationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, _("Customer settings saved."))
            return redirect("customer_settings")
    return render(request, "customers/settings/customer_settings.html", {"form": form, "settings_obj": obj})


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
