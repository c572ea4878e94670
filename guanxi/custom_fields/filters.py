"""List filters on custom fields: `cf_<key>=value`, exact match (UI and API alike).

PostgreSQL: jsonb containment (`@>`) served by a GIN jsonb_path_ops index on the record's table
(customers migration 0006); SQLite: its JSON functions."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext as _

from guanxi.core.errors import ValidationFailed

from .labels import choice_label, label_of
from .models import CHOICE_TYPES, CustomFieldDef
from .models import FieldType as T
from .selectors import definitions_by_key, model_of
from .values import clean_choice, clean_value

# Equality filters make sense for these; long text and instants are not matched exactly.
FILTERABLE = frozenset(set(T.values) - {T.LONG_TEXT, T.DATETIME})


def value_condition(defn: CustomFieldDef, value) -> Q:
    """Records whose value for `defn` is `value` (for multiple choice: includes it).

    PostgreSQL: jsonb containment (`@>`), which the GIN jsonb_path_ops index serves. SQLite: its
    JSON functions (no index; the embedded database is small)."""
    model = model_of(defn.object_type)
    if connection.vendor == "postgresql":
        return Q(custom_fields__contains={defn.key: [value] if defn.type == T.MULTI_CHOICE else value})
    if defn.type == T.MULTI_CHOICE:
        table = connection.ops.quote_name(model._meta.db_table)
        sql = (
            f"SELECT t.id FROM {table} t, json_each(t.custom_fields, %s) j "  # noqa: S608  (table name from the model)
            "WHERE j.value = %s"
        )
        return Q(pk__in=RawSQL(sql, [f'$."{defn.key}"', value]))
    # with an explicit __exact every part before it is a key, even one named like a lookup ("contains")
    return Q(**{f"custom_fields__{defn.key}__exact": value})


def filter_params(query) -> dict[str, str]:
    """The `cf_<key>` parameters of a request's query string (QueryDict or dict)."""
    return {k: query.get(k, "") for k in query if isinstance(k, str) and k.startswith("cf_")}


def apply_filters(qs, object_type: str, filters: dict) -> Any:
    """Narrow `qs` by {"cf_<key>": value}; unknown, archived or unfilterable keys are a 400."""
    filters = {k: v for k, v in (filters or {}).items() if v not in (None, "")}
    if not filters:
        return qs
    defs = definitions_by_key(object_type)
    errors: dict[str, list[str]] = {}
    conditions = []
    for name, value in filters.items():
        defn = defs.get(name[3:])
        if defn is None:
            errors[name[:60]] = [_("Unknown filter.")]
            continue
        if defn.type not in FILTERABLE:
            errors[name] = [_("This field cannot be used as a filter.")]
            continue
        try:
            if isinstance(value, str) and "\x00" in value:
                raise ValidationError(_("This value is not valid."))
            if defn.type == T.MULTI_CHOICE:
                cleaned = clean_choice(defn, value)
            elif defn.type == T.USER:
                if not isinstance(value, str):
                    raise ValidationError(_("Enter a username."))
                cleaned = value.strip()
            else:
                cleaned = clean_value(defn, value)
        except ValidationError as exc:
            errors[name] = [str(m) for m in exc.messages]
            continue
        conditions.append(value_condition(defn, cleaned))
    if errors:
        raise ValidationFailed(_("Some filters are not valid."), fields=errors)
    for condition in conditions:
        qs = qs.filter(condition)
    return qs


def filter_choices(defs: dict[str, CustomFieldDef]) -> list[dict]:
    """The list screens' filter selects: choice, multiple choice and yes/no fields."""
    out = []
    for key, d in defs.items():
        if d.type in CHOICE_TYPES:
            options = [(ch["value"], choice_label(ch)) for ch in d.choices]
        elif d.type == T.BOOLEAN:
            options = [("true", _("Yes")), ("false", _("No"))]
        else:
            continue
        out.append({"name": f"cf_{key}", "label": label_of(d), "options": options})
    return out
