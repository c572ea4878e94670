"""UI forms only collect raw values; the services clean and validate them (one set of rules)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Industry, Tier


class AccountForm(forms.Form):
    # The duplicate hint (customers/partials/duplicate_hint.html) checks these inputs while typing.
    duplicate_object, duplicate_fields = "account", ("name", "uscc", "phone")
    name = forms.CharField(label=_("Name"), required=False, max_length=20000)
    uscc = forms.CharField(label=_("Unified social credit code"), required=False, max_length=200,
                           help_text=_("18 characters, e.g. 91330106MA2CFXXXXX"))
    industry = forms.ChoiceField(label=_("Industry"), required=False, choices=[("", "—"), *Industry.choices])
    tier = forms.ChoiceField(label=_("Tier"), required=False, choices=[("", "—"), *Tier.choices])
    phone = forms.CharField(label=_("Phone"), required=False, max_length=200)
    website = forms.CharField(label=_("Website"), required=False, max_length=2000)
    address = forms.CharField(label=_("Address"), required=False, max_length=20000)
    tags = forms.CharField(label=_("Tags"), required=False, max_length=2000, help_text=_("Separate tags with commas."))
    description = forms.CharField(label=_("Description"), required=False, max_length=50000, widget=forms.Textarea(attrs={"rows": 4}))
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def payload(self) -> dict:
        data = {k: v for k, v in self.cleaned_data.items() if k != "version"}
        return data


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
    notes = forms.CharField(label=_("Notes"), required=False, max_length=50000, widget=forms.Textarea(attrs={"rows": 4}))
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, account_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account"].choices = [("", "—"), *account_choices]

    def payload(self) -> dict:
        data = {k: v for k, v in self.cleaned_data.items() if k != "version"}
        data["account"] = data.get("account") or None
        return data


class TransferForm(forms.Form):
    owner = forms.ChoiceField(label=_("New owner"), choices=[])
    with_contacts = forms.BooleanField(label=_("Also transfer the account's contacts"), required=False)

    def __init__(self, *args, users=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [(u.username, f"{u} ({u.username})") for u in users]
