"""The administrators' editor of a web form: raw strings only; the service cleans them."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from guanxi.sales.models import LeadSource, Pool

from .services import FORM_FIELDS

LANG_FIELDS = (
    ("en", _("English")),
    ("zh_hans", _("Simplified Chinese")),
    ("zh_hant", _("Traditional Chinese")),
)


class LeadFormEditor(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=1000)
    slug = forms.CharField(
        label=_("Address"),
        max_length=1000,
        help_text=_("Lower-case letters, digits and hyphens: the page is /f/<address>."),
    )
    source = forms.ChoiceField(
        label=_("Lead source"), choices=LeadSource.choices, initial=LeadSource.WEB_FORM
    )
    pool = forms.ChoiceField(label=_("New leads go to the pool"), required=False)
    owner = forms.CharField(
        label=_("…or to this owner (username)"),
        max_length=200,
        required=False,
        help_text=_("Neither: the assignment rules decide."),
    )
    active = forms.BooleanField(
        label=_("Active (the public page accepts submissions)"), required=False, initial=True
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        pools = Pool.objects.filter(kind=Pool.Kind.LEAD, deleted_at__isnull=True).order_by("order", "id")
        self.fields["pool"].choices = [("", _("— none —")), *[(str(p.pk), p.name) for p in pools]]
        for suffix, lang in LANG_FIELDS:
            self.fields[f"title_{suffix}"] = forms.CharField(
                label=_("Title (%(lang)s)") % {"lang": lang}, max_length=2000, required=False
            )
        for suffix, lang in LANG_FIELDS:
            self.fields[f"consent_text_{suffix}"] = forms.CharField(
                label=_("Consent text (%(lang)s)") % {"lang": lang},
                max_length=20000,
                required=False,
                widget=forms.Textarea(attrs={"rows": 3}),
            )
        for suffix, lang in LANG_FIELDS:
            self.fields[f"success_message_{suffix}"] = forms.CharField(
                label=_("Success message (%(lang)s)") % {"lang": lang}, max_length=5000, required=False
            )
        for i, name in enumerate(FORM_FIELDS):
            self.fields[f"f_{name}"] = forms.BooleanField(required=False, initial=name == "name")
            self.fields[f"r_{name}"] = forms.BooleanField(required=False, initial=name == "name")
            self.fields[f"o_{name}"] = forms.IntegerField(
                required=False, min_value=0, max_value=999, initial=i + 1
            )
            for suffix, _lang in LANG_FIELDS:
                self.fields[f"l_{name}_{suffix}"] = forms.CharField(max_length=1000, required=False)

    def picker_rows(self) -> list[dict]:
        """One row per Lead field for the template: include, required, order, three labels."""
        return [
            {
                "name": name,
                "label": label,
                "include": self[f"f_{name}"],
                "required": self[f"r_{name}"],
                "order": self[f"o_{name}"],
                "labels": [{"field": self[f"l_{name}_{s}"], "lang": lang} for s, lang in LANG_FIELDS],
            }
            for name, label in FORM_FIELDS.items()
        ]

    def bound(self, prefix: str) -> list:
        return [self[f"{prefix}_{s}"] for s, _l in LANG_FIELDS]

    def payload(self) -> dict:
        d = self.cleaned_data
        chosen = [n for n in FORM_FIELDS if d.get(f"f_{n}") or n == "name"]
        chosen.sort(
            key=lambda n: (
                d.get(f"o_{n}") if d.get(f"o_{n}") is not None else 999,
                list(FORM_FIELDS).index(n),
            )
        )
        fields = [
            {
                "name": n,
                "required": bool(d.get(f"r_{n}")) or n == "name",
                "label": {
                    "en": d[f"l_{n}_en"],
                    "zh-hans": d[f"l_{n}_zh_hans"],
                    "zh-hant": d[f"l_{n}_zh_hant"],
                },
            }
            for n in chosen
        ]

        def texts(prefix):
            return {
                "en": d[f"{prefix}_en"],
                "zh-hans": d[f"{prefix}_zh_hans"],
                "zh-hant": d[f"{prefix}_zh_hant"],
            }

        return {
            "name": d["name"],
            "slug": d["slug"].strip(),
            "fields": fields,
            "source": d["source"],
            "title": texts("title"),
            "consent_text": texts("consent_text"),
            "success_message": texts("success_message"),
            "pool": int(d["pool"]) if d.get("pool") else None,
            "owner": d.get("owner", "").strip() or None,
            "active": d["active"],
        }

    @staticmethod
    def initial_for(form) -> dict:
        initial = {
            "name": form.name,
            "slug": form.slug,
            "source": form.source,
            "pool": str(form.pool_id or ""),
            "owner": form.owner.username if form.owner_id else "",
            "active": form.active,
            "version": form.version,
        }
        for prefix in ("title", "consent_text", "success_message"):
            for suffix, _l in LANG_FIELDS:
                initial[f"{prefix}_{suffix}"] = getattr(form, f"{prefix}_{suffix}")
        position = {f["name"]: i + 1 for i, f in enumerate(form.fields)}
        for name in FORM_FIELDS:  # fields not on the form follow those that are
            position.setdefault(name, len(position) + 1)
        for name in FORM_FIELDS:
            spec = next((f for f in form.fields if f["name"] == name), None)
            initial[f"f_{name}"] = spec is not None
            initial[f"r_{name}"] = bool(spec and spec.get("required"))
            initial[f"o_{name}"] = position[name]
            for suffix, _l in LANG_FIELDS:
                initial[f"l_{name}_{suffix}"] = (spec or {}).get(f"label_{suffix}", "")
        return initial
