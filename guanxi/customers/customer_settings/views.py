"""The administrators' screen of the company-wide customer settings."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from guanxi.core.errors import ApplicationError
from guanxi.core.htmx import errors_to_form

from . import services
from .forms import CustomerSettingsForm


@login_required
def customer_settings(request):
    if not services.may_manage(request.user):
        raise PermissionDenied
    obj = services.customer_settings_get()
    initial = {f: getattr(obj, f) for f in services.FIELDS}
    initial["version"] = obj.version
    form = CustomerSettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = {f: form.cleaned_data[f] for f in services.FIELDS}
        try:
            services.customer_settings_update(
                actor=request.user, data=data, version=form.cleaned_data.get("version")
            )
        except ApplicationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, _("Customer settings saved."))
            return redirect("customer_settings")
    return render(request, "customers/settings/customer_settings.html", {"form": form, "settings_obj": obj})
