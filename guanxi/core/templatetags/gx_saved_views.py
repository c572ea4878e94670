"""{% saved_views_menu "account" as menu %}: the "Views" dropdown of a list page."""

from typing import Any

from django import template

from guanxi.core import saved_views

register = template.Library()


@register.simple_tag(takes_context=True)
def saved_views_menu(context: template.Context, object_type: str) -> dict[str, Any]:
    request = context.get("request")
    return saved_views.menu(getattr(request, "user", None), object_type)
