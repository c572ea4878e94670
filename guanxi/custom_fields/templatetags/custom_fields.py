"""Template tags for custom fields: the detail pages' values and the lists' cells."""

from django import template

from guanxi.custom_fields import display

register = template.Library()


@register.simple_tag
def custom_field_items(record) -> list[dict]:
    """[{key, label, help, value}] of the record's active custom fields, labels in the user's language."""
    return display.detail_items(record)


@register.simple_tag
def cf_cell(record, column: str, defs: dict):
    """The list cell of a `cf_<key>` column (escaped text; badges for multiple choices)."""
    return display.cell_html(record, column, defs or {})
