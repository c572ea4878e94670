from django import template
from django.core.exceptions import FieldDoesNotExist

register = template.Library()


@register.filter
def field_label(name: str, model) -> str:
    """The translated verbose name of a model field, for history and lists."""
    try:
        return str(model._meta.get_field(name).verbose_name)
    except (FieldDoesNotExist, AttributeError):
        return name


@register.filter
def change_value(value) -> str:
    if isinstance(value, dict):
        return value.get("label", "")
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if value is None:
        return ""
    return str(value)


@register.simple_tag
def query_with(querystring: str, **params) -> str:
    """The current list query with some parameters replaced (for sort links and paging)."""
    from django.http import QueryDict

    q = QueryDict(querystring, mutable=True)
    for key, value in params.items():
        q.pop(key, None)
        if value not in (None, ""):
            q[key] = value
    return q.urlencode()


@register.filter
def get_item(mapping, key):
    return mapping.get(key, "") if hasattr(mapping, "get") else ""
