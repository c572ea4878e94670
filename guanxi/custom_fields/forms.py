"""Custom fields in the UI forms: one `cf_<key>` field per active definition on the record forms,
and the administrators' definition form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .display import local_datetime
from .labels import LANGS, choice_label, help_of, label_of
from .models import CHOICE_TYPES, CustomFieldDef, FieldType
from .models import FieldType as T
from .selectors import definitions, object_choices
from .values import is_empty


class _Input(forms.TextInput):
    def __init__(self, input_type: str, attrs=None):
        self.input_type = input_type
        super().__init__(attrs)


class _RawChoice(forms.ChoiceField):
    """A select whose value the service checks (one set of rules), not the form."""

    def valid_value(self, value) -> bool:
        return True


class _RawMultiChoice(forms.MultipleChoiceField):
    def valid_value(self, value) -> bool:
        return True


def _user_choices(current: str | None):
    from guanxi.org.models import User

    users = [
        (u.username, f"{u} ({u.username})")
        for u in User.objects.filter(is_active=True).order_by("username")[:1000]
    ]
    if current and current not in {u for u, _l in users}:
        users.insert(0, (current, current))
    return [("", "—"), *users]


def _form_field(defn: CustomFieldDef, current) -> forms.Field:
    label = label_of(defn)
    help_text = help_of(defn)
    if defn.required:
        help_text = f"{help_text} {_('Required.')}".strip()
    common: dict[str, Any] = {"label": label, "required": False, "help_text": help_text}
    kind = defn.type
    if kind == T.LONG_TEXT:
        return forms.CharField(max_length=50000, widget=forms.Textarea(attrs={"rows": 3}), **common)
    if kind in CHOICE_TYPES:
        choices = [(ch["value"], choice_label(ch)) for ch in defn.choices]
        if kind == T.MULTI_CHOICE:
            return _RawMultiChoice(choices=choices, widget=forms.CheckboxSelectMultiple, **common)
        return _RawChoice(choices=[("", "—"), *choices], **common)
    if kind == T.BOOLEAN:
        return _RawChoice(choices=[("", "—"), ("true", _("Yes")), ("false", _("No"))], **common)
    if kind == T.USER:
        return _RawChoice(choices=_user_choices(current), **common)
    input_type = {
        T.NUMBER: "number",
        T.DATE: "date",
        T.DATETIME: "datetime-local",
        T.URL: "url",
        T.EMAIL: "email",
        T.PHONE: "tel",
    }.get(kind, "text")  # type: ignore[call-overload]  # kind: a T value
    return forms.CharField(max_length=20000, widget=_Input(input_type), **common)


def _form_initial(defn: CustomFieldDef, raw):
    if is_empty(raw):
        return [] if defn.type == T.MULTI_CHOICE else ""
    if defn.type == T.BOOLEAN:
        return "true" if raw is True else "false" if raw is False else ""
    if defn.type == T.DATETIME:
        local = local_datetime(raw)
        return local.strftime("%Y-%m-%dT%H:%M") if local else raw
    return raw


def add_form_fields(form: forms.Form, object_type: str, values: dict | None) -> None:
    """Give a form one `cf_<key>` field per active definition, filled from the record's values."""
    values = values or {}
    form.custom_field_keys = []  # type: ignore[attr-defined]  # read by the form's view
    for defn in definitions(object_type):
        name = f"cf_{defn.key}"
        form.fields[name] = _form_field(defn, values.get(defn.key))
        form.custom_field_keys.append(defn.key)  # type: ignore[attr-defined]
        if not form.is_bound:
            form.initial.setdefault(name, _form_initial(defn, values.get(defn.key)))


def form_payload(form: forms.Form, data: dict) -> dict:
    """Move the `cf_<key>` values of a form's cleaned data under data["custom_fields"]."""
    keys = getattr(form, "custom_field_keys", [])
    custom = {}
    for key in keys:
        value = data.pop(f"cf_{key}", None)
        custom[key] = None if is_empty(value) else value
    if keys:
        data["custom_fields"] = custom
    return data


def parse_choices_text(text: str) -> list[dict]:
    """The admin screen's choices editor: one choice a line, "value | English | 简体 | 繁體"."""
    out = []
    for line in (text or "").splitlines():
        parts = [p.strip() for p in line.split("|")]
        if not parts[0]:
            continue
        label = {lang: part for lang, part in zip(LANGS, parts[1:4], strict=False) if part}
        out.append({"value": parts[0], "label": label or parts[0]})
    return out


def choices_text(choices: list[dict]) -> str:
    return "\n".join(
        " | ".join(
            [ch["value"], ch.get("label_en", ""), ch.get("label_zh_hans", ""), ch.get("label_zh_hant", "")]
        ).rstrip(" |")
        for ch in choices
    )


class CustomFieldForm(forms.Form):
    object = forms.ChoiceField(label=gettext_lazy("Object"), choices=())
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
        else:
            self.fields["object"].choices = object_choices()  # type: ignore[attr-defined]  # a ChoiceField

    def payload(self) -> dict:
        d = self.cleaned_data
        data = {
            "type": d["type"],
            "label": {"en": d["label_en"], "zh-hans": d["label_zh_hans"], "zh-hant": d["label_zh_hant"]},
            "help_text": {"en": d["help_en"], "zh-hans": d["help_zh_hans"], "zh-hant": d["help_zh_hant"]},
            "choices": parse_choices_text(d["choices"]) if d["type"] in CHOICE_TYPES else [],
            "required": d["required"],
            "active": d["active"],
        }
        if d.get("order") is not None:
            data["order"] = d["order"]
        if "object" in self.fields:
            data.update(object=d["object"], key=d["key"].strip())
        return data
