"""Small helpers for htmx requests and for showing ApplicationError in forms."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest

from .errors import ApplicationError


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def errors_to_form(form: forms.Form, exc: ApplicationError) -> None:
    """Put a service's field errors beside the form's fields (unknown ones at the top)."""
    for field, messages in exc.fields.items():
        if field.startswith("custom_fields."):  # custom fields are the form's cf_<key> inputs
            field = "cf_" + field.removeprefix("custom_fields.")
        for message in messages:
            form.add_error(field if field in form.fields else None, message)
    if not exc.fields:
        form.add_error(None, str(exc.message))
