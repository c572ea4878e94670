"""Administrators' screens for custom fields: a list per object, a create/edit form, archive and
move up/down. Thin: the rules live in customers/custom_fields.py, shared with the API."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from guanxi.core.errors import ApplicationError
from guanxi.core.htmx import errors_to_form

from . import custom_fields as cf
from .models import CustomFieldDef, FieldType


class CustomFieldForm(forms.Form):
    object = forms.ChoiceField(label=gettext_lazy("Object"), choices=CustomFieldDef.Object.choices)
    key = forms.CharField(
        label=gettext_lazy("Key"),
        max_length=200,
        required=False,
        help_text=gettext_lazy(
            "Lower-case letters, digits and _, e.g. region. "
            "Used by the API and filters; it cannot change later."
        ),
    )
    type = forms.ChoiceField(label=gettext_lazy("Type"), choices=FieldType.choices)
    label_en = forms.CharField(label=gettext_lazy("Label (English)"), max_length=2000, required=False)
    label_zh_hans = forms.CharField(
        label=gettext_lazy("Label (Simplified Chinese)"), max_length=2000, required=False
    )
    label_zh_hant = forms.CharField(
        label=gettext_lazy("Label (Traditional Chinese)"), max_length=2000, required=False
    )
    choices = forms.CharField(
        label=gettext_lazy("Choices"),
        required=False,
        max_length=100000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=gettext_lazy(
            "Single and multiple choice only. One choice a line: "
            "value | English | 简体 | 繁體, e.g. east | East | 华东 | 華東."
        ),
    )
    help_en = forms.CharField(label=gettext_lazy("Help text (English)"), max_length=3000, required=False)
    help_zh_hans = forms.CharField(
        label=gettext_lazy("Help text (Simplified Chinese)"), max_length=3000, required=False
    )
    help_zh_hant = forms.CharField(
        label=gettext_lazy("Help text (Traditional Chinese)"), max_length=3000, required=False
    )
    order = forms.IntegerField(label=gettext_lazy("Order"), required=False, min_value=0, max_value=1_000_000)
    required = forms.BooleanField(label=gettext_lazy("Required"), required=False)
    active = forms.BooleanField(
        label=gettext_lazy("Active (shown in forms, lists and filters)"), required=False, initial=True
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:  # object and key are fixed once the field exists
            del self.fields["object"], self.fields["key"]

    def payload(self) -> dict:
        d = self.cleaned_data
        data = {
            "type": d["type"],
            "label": {"en": d["label_en"], "zh-hans": d["label_zh_hans"], "zh-hant": d["label_zh_hant"]},
            "help_text": {"en": d["help_en"], "zh-hans": d["help_zh_hans"], "zh-hant": d["help_zh_hant"]},
            "choices": cf.parse_choices_text(d["choices"]) if d["type"] in cf.CHOICE_TYPES else [],
            "required": d["required"],
            "active": d["active"],
        }
        if d.get("order") is not None:
            data["order"] = d["order"]
        if "object" in self.fields:
            data.update(object=d["object"], key=d["key"].strip())
        return data


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
    fields = {}
    for name, msgs in exc.fields.items():
        target = _FORM_FIELD.get(name) or ("choices" if name.startswith("choices.") else name)
        if name.startswith("choices.") and name[8:].isdigit():
            msgs = [_("Line %(n)d: %(message)s") % {"n": int(name[8:]) + 1, "message": m} for m in msgs]
        fields.setdefault(target, []).extend(msgs)
    errors_to_form(form, ApplicationError(exc.message, fields=fields))


def _object(request) -> str:
    value = request.GET.get("object", "account")
    return value if value in cf.OBJECTS else "account"


@login_required
def custom_field_list(request):
    cf.require_admin(request.user)
    object_type = _object(request)
    return render(
        request,
        "customers/custom_fields/list.html",
        {
            "object_type": object_type,
            "objects": CustomFieldDef.Object.choices,
            "fields": [
                {"defn": d, "label": cf.label_of(d), "type_label": d.get_type_display()}
                for d in cf.definitions(object_type, include_archived=True)
            ],
        },
    )


@login_required
def custom_field_edit(request, pk: int | None = None):
    cf.require_admin(request.user)
    defn = cf.custom_field_get(request.user, pk) if pk else None
    if defn:
        initial = {
            "type": defn.type,
            "order": defn.order,
            "required": defn.required,
            "active": defn.active,
            "choices": cf.choices_text(defn.choices),
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
                saved = cf.custom_field_update(
                    actor=request.user,
                    field=defn,
                    data=form.payload(),
                    version=form.cleaned_data.get("version"),
                )
            else:
                saved = cf.custom_field_create(actor=request.user, data=form.payload())
        except ApplicationError as exc:
            _show_errors(form, exc)
        else:
            messages.success(request, _("Custom field “%(name)s” saved.") % {"name": cf.label_of(saved)})
            return redirect(f"{reverse('custom_field_list')}?object={saved.object_type}")
    return render(
        request,
        "customers/custom_fields/form.html",
        {
            "form": form,
            "edited": defn,
            "edited_label": cf.label_of(defn) if defn else "",
            "object_type": defn.object_type if defn else _object(request),
        },
    )


@login_required
@require_POST
def custom_field_archive(request, pk: int):
    cf.require_admin(request.user)
    defn = cf.custom_field_get(request.user, pk)
    try:
        cf.custom_field_archive(actor=request.user, field=defn, version=_int(request.POST.get("version")))
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request,
            _("Custom field “%(name)s” archived; records keep their values.") % {"name": cf.label_of(defn)},
        )
    return redirect(f"{reverse('custom_field_list')}?object={defn.object_type}")


@login_required
@require_POST
def custom_field_move(request, pk: int):
    """Move a field one place up or down (reorder the object's fields)."""
    cf.require_admin(request.user)
    defn = cf.custom_field_get(request.user, pk)
    keys = [d.key for d in cf.definitions(defn.object_type, include_archived=True)]
    i = keys.index(defn.key)
    j = i - 1 if request.POST.get("direction") == "up" else i + 1
    if 0 <= j < len(keys):
        keys[i], keys[j] = keys[j], keys[i]
        cf.custom_field_reorder(actor=request.user, object_type=defn.object_type, keys=keys)
    return redirect(f"{reverse('custom_field_list')}?object={defn.object_type}")


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
