"""Administrators' screens for custom fields: a list per object, a create/edit form, archive and
move up/down. Thin: the rules live in services.py, shared with the API."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanxi.core.errors import ApplicationError
from guanxi.core.htmx import errors_to_form

from . import selectors, services
from .forms import CustomFieldForm, choices_text
from .labels import label_of

# service error names → the form's inputs
_FORM_FIELD = {
    "label": "label_en",
    "label.en": "label_en",
    "label.zh-hans": "label_zh_hans",
    "label.zh-hant": "label_zh_hant",
    "help_text": "help_en",
    "help_text.en": "help_en",
    "help_text.zh-hans": "help_zh_hans",
    "help_text.zh-hant": "help_zh_hant",
}


def _show_errors(form, exc: ApplicationError) -> None:
    fields: dict[str, list[str]] = {}
    for name, msgs in exc.fields.items():
        target = _FORM_FIELD.get(name) or ("choices" if name.startswith("choices.") else name)
        if name.startswith("choices.") and name[8:].isdigit():
            msgs = [_("Line %(n)d: %(message)s") % {"n": int(name[8:]) + 1, "message": m} for m in msgs]
        fields.setdefault(target, []).extend(msgs)
    errors_to_form(form, ApplicationError(exc.message, fields=fields))


def _object(request) -> str:
    value = request.GET.get("object", "")
    names = selectors.object_types()
    return value if value in names else names[0]


@login_required
def custom_field_list(request):
    services.require_admin(request.user)
    object_type = _object(request)
    return render(
        request,
        "custom_fields/list.html",
        {
            "object_type": object_type,
            "objects": selectors.object_choices(),
            "fields": [
                {"defn": d, "label": label_of(d), "type_label": d.get_type_display()}
                for d in selectors.definitions(object_type, include_archived=True)
            ],
        },
    )


@login_required
def custom_field_edit(request, pk: int | None = None):
    services.require_admin(request.user)
    defn = selectors.custom_field_get(request.user, pk) if pk else None
    if defn:
        initial = {
            "type": defn.type,
            "order": defn.order,
            "required": defn.required,
            "active": defn.active,
            "choices": choices_text(defn.choices),
            "version": defn.version,
            **{
                f"{p}_{s}": getattr(defn, f"{p}_{s}")
                for p in ("label", "help")
                for s in ("en", "zh_hans", "zh_hant")
            },
        }
    else:
        initial = {"object": _object(request), "active": True}
    form = CustomFieldForm(request.POST or None, initial=initial, editing=defn is not None)
    if request.method == "POST" and form.is_valid():
        try:
            if defn:
                saved = services.custom_field_update(
                    actor=request.user,
                    field=defn,
                    data=form.payload(),
                    version=form.cleaned_data.get("version"),
                )
            else:
                saved = services.custom_field_create(actor=request.user, data=form.payload())
        except ApplicationError as exc:
            _show_errors(form, exc)
        else:
            messages.success(request, _("Custom field “%(name)s” saved.") % {"name": label_of(saved)})
            return redirect(f"{reverse('custom_field_list')}?object={saved.object_type}")
    return render(
        request,
        "custom_fields/form.html",
        {
            "form": form,
            "edited": defn,
            "edited_label": label_of(defn) if defn else "",
            "edited_object": dict(selectors.object_choices()).get(defn.object_type, defn.object_type)
            if defn
            else "",
            "object_type": defn.object_type if defn else _object(request),
        },
    )


@login_required
@require_POST
def custom_field_archive(request, pk: int):
    services.require_admin(request.user)
    defn = selectors.custom_field_get(request.user, pk)
    try:
        services.custom_field_archive(
            actor=request.user, field=defn, version=_int(request.POST.get("version"))
        )
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request,
            _("Custom field “%(name)s” archived; records keep their values.") % {"name": label_of(defn)},
        )
    return redirect(f"{reverse('custom_field_list')}?object={defn.object_type}")


@login_required
@require_POST
def custom_field_move(request, pk: int):
    """Move a field one place up or down (reorder the object's fields)."""
    services.require_admin(request.user)
    defn = selectors.custom_field_get(request.user, pk)
    keys = [d.key for d in selectors.definitions(defn.object_type, include_archived=True)]
    i = keys.index(defn.key)
    j = i - 1 if request.POST.get("direction") == "up" else i + 1
    if 0 <= j < len(keys):
        keys[i], keys[j] = keys[j], keys[i]
        services.custom_field_reorder(actor=request.user, object_type=defn.object_type, keys=keys)
    return redirect(f"{reverse('custom_field_list')}?object={defn.object_type}")


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
