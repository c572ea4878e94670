from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .models import Department, Role, User


class ProfileForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    time_zone = forms.CharField(label=_("Time zone"), max_length=64, help_text=_("For example Asia/Shanghai or Europe/Berlin."))


class UserForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    display_name = forms.CharField(label=_("Display name"), max_length=100, required=False)
    email = forms.CharField(label=_("Email"), max_length=254, required=False)
    department = forms.ModelChoiceField(label=_("Department"), queryset=Department.objects.all(), required=False)
    roles = forms.ModelMultipleChoiceField(label=_("Roles"), queryset=Role.objects.all(), required=False,
                                           widget=forms.CheckboxSelectMultiple)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    is_superuser = forms.BooleanField(label=_("Administrator"), required=False)
    password = forms.CharField(label=_("New password"), required=False, widget=forms.PasswordInput,
                               help_text=_("Leave empty to keep the current password."))


class DepartmentForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    parent = forms.ModelChoiceField(label=_("Parent department"), queryset=Department.objects.all(), required=False)
    manager = forms.ModelChoiceField(label=_("Manager"), queryset=User.objects.filter(is_active=True), required=False)


class RoleForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    code = forms.SlugField(label=_("Code"), max_length=50)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
