"""UI forms only collect raw values; the services clean and validate them."""

from django import forms
from django.utils.translation import gettext_lazy as _

from guanxi.engagement.models import Priority


class DateTimeLocal(forms.TextInput):
    input_type = "datetime-local"


class TaskForm(forms.Form):
    title = forms.CharField(label=_("Title"), required=False, max_length=2000)
    due_at = forms.CharField(
        label=_("Due"),
        required=False,
        max_length=40,
        widget=DateTimeLocal,
        help_text=_("A time in the past is allowed: the task is then overdue."),
    )
    remind_at = forms.CharField(
        label=_("Remind me at"),
        required=False,
        max_length=40,
        widget=DateTimeLocal,
        help_text=_("Empty: 15 minutes before it is due."),
    )
    assignee = forms.ChoiceField(label=_("Assignee"), required=False, choices=[])
    priority = forms.ChoiceField(
        label=_("Priority"), required=False, choices=Priority.choices, initial=Priority.NORMAL
    )
    account = forms.ChoiceField(label=_("Account"), required=False, choices=[])
    description = forms.CharField(
        label=_("Description"), required=False, max_length=50000, widget=forms.Textarea(attrs={"rows": 3})
    )
    no_reminder = forms.BooleanField(label=_("No reminder"), required=False)
    contact = forms.CharField(required=False, max_length=30, widget=forms.HiddenInput)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, users=(), account_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [(u.username, f"{u} ({u.username})") for u in users]
        self.fields["account"].choices = [("", "—"), *account_choices]

    def payload(self, *, editing: bool = False) -> dict:
        d = self.cleaned_data
        data = {k: d.get(k) for k in ("title", "description", "priority", "assignee")}
        data["due_at"] = d.get("due_at") or None
        data["account"] = d.get("account") or None
        data["contact"] = d.get("contact") or None
        if d.get("no_reminder"):
            data["remind_at"] = None
        elif d.get("remind_at"):
            data["remind_at"] = d["remind_at"]
        elif editing and not data["due_at"]:
            data["remind_at"] = None
        return data


class QuickTaskForm(forms.Form):
    """The inline "add task" form of the 360° panels."""

    title = forms.CharField(required=False, max_length=2000)
    due_at = forms.CharField(required=False, max_length=40)
    account = forms.CharField(required=False, max_length=30)
    contact = forms.CharField(required=False, max_length=30)
