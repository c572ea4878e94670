from django import template
from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext_lazy as _

from guanxi.audit.selectors import readable_choice

register = template.Library()

# Keys of recorded changes that are not model fields (relations written by their own services).
CHANGE_LABELS = {
    "account_links": _("linked accounts"),
    "partner_links": _("partners"),
    "attachments": _("attachments"),
}


@register.filter
def field_label(name: str, model) -> str:
    """The translated verbose name of a model field, for history and lists."""
    if name in CHANGE_LABELS:
        return str(CHANGE_LABELS[name])
    if name.startswith("custom_fields."):
        from guanxi.custom_fields.labels import label_of
        from guanxi.custom_fields.models import CustomFieldDef

        defn = CustomFieldDef.objects.filter(
            object_type=getattr(model, "POLICY_OBJECT_TYPE", ""), key=name.split(".", 1)[1]
        ).first()
        return label_of(defn) if defn else name.split(".", 1)[1]
    try:
        return str(model._meta.get_field(name).verbose_name)
    except (FieldDoesNotExist, AttributeError):
        return name


@register.simple_tag
def change_display(value, name: str, model) -> str:
    """A recorded value as people read it: a choice's label (农业), not its code (agriculture)."""
    try:
        field = model._meta.get_field(name)
    except (FieldDoesNotExist, AttributeError):
        field = None
    return change_value(readable_choice(field, value))


@register.filter
def change_value(value) -> str:
    """A recorded value as text: a record by its label, a list item by item (a deal's contacts
    [[name, role], …] as "王芳 buyer, 李雷 user")."""
    if isinstance(value, dict):
        return value.get("label", "")
    if isinstance(value, list):
        return ", ".join(
            " ".join(change_value(x) for x in v) if isinstance(v, list) else change_value(v) for v in value
        )
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


@register.filter
def tojson(value) -> str:
    """JSON text for a data- attribute (autoescaped there). Use it instead of json_script in
    fragments that htmx swaps in: the strict htmx config (allowScriptTags false) drops every
    <script> of swapped content, data scripts included."""
    import json

    from django.core.serializers.json import DjangoJSONEncoder

    return json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False)


@register.inclusion_tag("web/partials/sidebar.html", takes_context=True)
def sidebar(context):
    """The sidebar's sections and links this user may open (web/navigation.py)."""
    from guanxi.web.navigation import sidebar as sections

    request = context["request"]
    return {"sections": sections(request.user, request.path)}


@register.simple_tag(takes_context=True)
def panels(context, record, slot: str):
    """Render the panels that apps declare for this kind's detail page in `slot` (core.registry.Panel),
    in order, each with the page's context and `record`. Their providers ran in the view
    (core.panels.context_for), so rendering reads nothing more."""
    from django.utils.safestring import mark_safe

    from guanxi.core import registry

    html = []
    engine = context.template.engine
    for panel in registry.panels(record.POLICY_OBJECT_TYPE, slot):
        tpl = engine.get_template(panel.template)
        with context.render_context.push_state(tpl, isolated_context=False), context.push(record=record):
            html.append(tpl.render(context))
    return mark_safe("".join(html))


@register.simple_tag(takes_context=True)
def shell_widgets(context, slot: str):
    """Render the widgets the apps declare for a slot of the shell (core.registry.HomeWidget, e.g.
    "topbar": the notification bell), in order, with the page's context; they run no provider."""
    from django.utils.safestring import mark_safe

    from guanxi.core import registry

    html = []
    engine = context.template.engine
    for widget in registry.widgets(slot):
        tpl = engine.get_template(widget.template)
        with context.render_context.push_state(tpl, isolated_context=False):
            html.append(tpl.render(context))
    return mark_safe("".join(html))
