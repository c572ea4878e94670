"""UI forms only collect raw values; the services clean and validate them (one set of rules)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from guanxi.custom_fields import forms as custom_fields

from ..models import Industry, PartnerType, Tier


class AccountForm(forms.Form):
    # The duplicate hint (customers/partials/duplicate_hint.html) checks these inputs while typing.
    duplicate_object, duplicate_fields = "account", ("name", "uscc", "phone")
    name = forms.CharField(label=_("Name"), required=False, max_length=20000)
    uscc = forms.CharField(
        label=_("Unified social credit code"),
        required=False,
        max_length=200,
        help_text=_("18 characters, e.g. 91330106MA2CFXXXXX"),
    )
    industry = forms.ChoiceField(label=_("Industry"), required=False, choices=[("", "—"), *Industry.choices])
    tier = forms.ChoiceField(label=_("Tier"), required=False, choices=[("", "—"), *Tier.choices])
    parent = forms.ChoiceField(label=_("Parent company"), required=False, choices=[])
    partner_type = forms.ChoiceField(
        label=_("Partner type"),
        required=False,
        choices=[("", "—"), *PartnerType.choices],
        help_text=_("For agents, wholesalers and resellers that serve other customers."),
    )
    phone = forms.CharField(label=_("Phone"), required=False, max_length=200)
    website = forms.CharField(label=_("Website"), required=False, max_length=2000)
    address = forms.CharField(label=_("Address"), required=False, max_length=20000)
    tags = forms.CharField(
        label=_("Tags"), required=False, max_length=2000, help_text=_("Separate tags with commas.")
    )
    description = forms.CharField(
        label=_("Description"), required=False, max_length=50000, widget=forms.Textarea(attrs={"rows": 4})
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, parent_choices=(), custom_values=None, **kwargs):
        """`parent_choices` from relations.parent_field_choices; None leaves the parent out (the
        current parent is one the user cannot see, so cannot change either). `custom_values`:
        the record's custom fields, which become `cf_<key>` fields after the built-in ones."""
        super().__init__(*args, **kwargs)
        if parent_choices is None:
            del self.fields["parent"]
        else:
            self.fields["parent"].choices = [("", "—"), *parent_choices]
        custom_fields.add_form_fields(self, "account", custom_values)

    def payload(self) -> dict:
        data = {k: v for k, v in self.cleaned_data.items() if k != "version"}
        if "parent" in data:
            data["parent"] = data["parent"] or None
        return custom_fields.form_payload(self, data)


class ContactForm(forms.Form):
    duplicate_object, duplicate_fields = "contact", ("name", "mobile", "phone", "email")
    name = forms.CharField(label=_("Name"), required=False, max_length=20000)
    family_name = forms.CharField(label=_("Family name"), required=False, max_length=2000)
    given_name = forms.CharField(label=_("Given name"), required=False, max_length=2000)
    account = forms.ChoiceField(label=_("Account"), required=False, choices=[])
    title = forms.CharField(label=_("Title"), required=False, max_length=2000)
    mobile = forms.CharField(label=_("Mobile"), required=False, max_length=200)
    phone = forms.CharField(label=_("Office phone"), required=False, max_length=200)
    email = forms.CharField(label=_("Email"), required=False, max_length=2000)
    wechat = forms.CharField(label=_("WeChat ID"), required=False, max_length=2000)
    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=50000, widget=forms.Textarea(attrs={"rows": 4})
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, account_choices=(), custom_values=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account"].choices = [("", "—"), *account_choices]
        custom_fields.add_form_fields(self, "contact", custom_values)

    def payload(self) -> dict:
        data = {k: v for k, v in self.cleaned_data.items() if k != "version"}
        data["account"] = data.get("account") or None
        return custom_fields.form_payload(self, data)


class TransferForm(forms.Form):
    owner = forms.ChoiceField(label=_("New owner"), choices=[])
    with_contacts = forms.BooleanField(label=_("Also transfer the account's contacts"), required=False)

    def __init__(self, *args, users=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [(u.username, f"{u} ({u.username})") for u in users]
