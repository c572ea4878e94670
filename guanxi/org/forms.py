from collections.abc import Iterator
from typing import Any

from allauth.account.forms import LoginForm as _AllauthLoginForm
from django import forms
from django.conf import settings
from django.forms.models import ModelChoiceIterator
from django.utils.translation import gettext_lazy as _

from .models import Department, Role, User
from .selectors import tree_sorted


class _TreeIterator(ModelChoiceIterator):  # type: ignore[type-arg]  # as Django's, generic in stubs only
    def __iter__(self) -> Iterator[Any]:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in tree_sorted(self.queryset):
            yield self.choice(obj)


class DepartmentChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]  # generic in stubs only
    """Departments in tree order, indented by depth, in a plain <select>."""

    iterator = _TreeIterator

    def label_from_instance(self, obj: Department) -> str:
        return "\u2014 " * max(obj.depth, 0) + obj.name


class ProfileForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    time_zone = forms.CharField(
        label=_("Time zone"), max_length=64, help_text=_("For example Asia/Shanghai or Europe/Berlin.")
    )


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        required=False,
        help_text=_("What the token is for, e.g. “ERP sync”."),
    )


class UserForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    display_name = forms.CharField(label=_("Display name"), max_length=100, required=False)
    email = forms.CharField(label=_("Email"), max_length=254, required=False, widget=forms.EmailInput)
    department = DepartmentChoiceField(
        label=_("Department"), queryset=Department.objects.all(), required=False
    )
    roles = forms.ModelMultipleChoiceField(
        label=_("Roles"),
        queryset=Role.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    is_superuser = forms.BooleanField(label=_("Administrator"), required=False)
    password = forms.CharField(
        label=_("New password"),
        required=False,
        widget=forms.PasswordInput,
        help_text=_("Leave empty to keep the current password."),
    )

    def __init__(self, *args: Any, new: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if new:
            self.fields["password"].label = _("Password")
            self.fields["password"].help_text = _(
                "Leave empty to let the user choose one through “Forgot password”."
            )


class DepartmentForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    parent = DepartmentChoiceField(
        label=_("Parent department"), queryset=Department.objects.all(), required=False
    )
    manager = forms.ModelChoiceField(
        label=_("Manager"), queryset=User.objects.filter(is_active=True).order_by("username"), required=False
    )


class RoleForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    code = forms.SlugField(label=_("Code"), max_length=50)
    description = forms.CharField(
        label=_("Description"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class LoginForm(_AllauthLoginForm):
    """allauth's sign-in form, with a label that says what to type."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["login"].label = _("Username or email")
        self.fields["login"].widget.attrs["placeholder"] = _("Username or email")
