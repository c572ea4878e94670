"""The registry: every kind of record, and what each app contributes to the shared parts of Guanxi.

Each app declares itself once, in its own `registry.py`, which `discover()` imports for every
installed Guanxi app when Django starts (`CoreConfig.ready()`). Central code — the access layer
and the role editor, global search, the recycle bin and its purge, exports, custom fields, audit
verbs, notification kinds, the timeline, the 360° panels, home widgets, navigation, the API and URL
roots, administration rights and the permission-matrix tests — iterates what is declared here and
names no domain's model. A new kind of record therefore touches its own app folder, one line in
`INSTALLED_APPS` and the translation catalogues (docs/architecture.md, "Add a kind of record").

This module is the bottom of the house: it imports nothing of Guanxi, and the declarations hold
plain values and callables, so any layer may read them.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.utils.module_loading import module_has_submodule

if TYPE_CHECKING:
    from django.db.models import Model
    from django.utils.functional import _StrOrPromise as Text
else:
    Text = Any

ACTIONS = ("read", "create", "update", "delete", "export", "transfer")


class OnParentDelete(StrEnum):
    """What moving a parent record to the recycle bin does to the records that point at it."""

    PROTECT = "protect"  # refused while live records point at the parent
    BIN = "bin"  # they go to the bin with it (same moment) and come back with it
    DETACH = "detach"  # they stay; when the parent is purged the link is cleared (a nullable field)


@dataclass(frozen=True, kw_only=True)
class Parent:
    """A foreign key of a kind's model to another kind's record, and what a delete of that record does."""

    field: str
    on_delete: OnParentDelete


@dataclass(frozen=True, kw_only=True)
class Kind:
    """One kind of record. `name` is its object type everywhere (grants, audit, search, shares…)
    and equals its model's `POLICY_OBJECT_TYPE`."""

    name: str
    model: str  # "app_label.ModelName"
    label: Text
    plural: Text
    icon: str = "bi-file-earmark"
    detail_url: str = ""  # URL name reversed with the record's id
    list_url: str = ""
    # Actions that roles grant with a data scope (org.Grant rows, the role editor's rows).
    grants: tuple[str, ...] = ()
    # In the search index and the global search (the model has search_terms() and an owner);
    # the global search shows str(record) and, below it, search_detail(record) when given.
    searchable: bool = False
    search_detail: Callable[[Any], str] | None = None
    # Soft-deletable: listed in the recycle bin, restored, purged after RECYCLE_BIN_DAYS.
    recycle_bin: bool = False
    parents: tuple[Parent, ...] = ()
    # Called with the ids of records about to be purged, inside the purge's transaction (e.g. files
    # to delete after commit). Audit rows and search entries are the purge's own work.
    on_purge: Callable[[list[int]], None] | None = None
    # Builds an export: f(actor, *, q, filters) -> core.exports.Export (None: not exportable).
    export: Callable[..., Any] | None = None
    custom_fields: bool = False
    # Configuration kinds (pipelines, rules…) are managed with this administration right.
    manage_permission: str = ""
    # Who may delete, restore or transfer a record when neither grants nor a right decide it
    # (attachments follow their parent): f(actor, action, obj) raises PermissionDenied; and, for
    # the recycle bin, the queryset of binned records the actor may restore: bin_scope(actor).
    authorize: Callable[[Any, str, Any], None] | None = None
    bin_scope: Callable[[Any], Any] | None = None
    order: int = 100

    @cached_property
    def model_class(self) -> type[Model]:
        return apps.get_model(self.model)


@dataclass(frozen=True, kw_only=True)
class Permission:
    """An administration right a role may grant (manage pipelines, manage users…); superusers have all."""

    code: str
    label: Text
    description: Text = ""
    order: int = 100


@dataclass(frozen=True, kw_only=True)
class Section:
    name: str
    label: Text
    order: int = 100


@dataclass(frozen=True, kw_only=True)
class NavEntry:
    """A link of the sidebar. Shown when every condition given holds for the user."""

    name: str
    section: str
    label: Text
    url: str  # URL name without arguments, or a path starting with "/"
    icon: str = "bi-circle"
    order: int = 100
    active: str = ""  # the link is highlighted on paths starting with this (default: its own path)
    kind: str = ""  # only for users who may read some records of this kind
    permission: str = ""  # only for users with this administration right
    visible: Callable[[Any], bool] | None = None


@dataclass(frozen=True, kw_only=True)
class Panel:
    """A part of a record's detail page: a template rendered in a slot (`{% panels record "side" %}`,
    with `record` in its context), with the context its provider(request, record) returns.
    Providers run once per page in `order` across all slots (core/panels.py), read through the
    access layer and cost a fixed number of queries."""

    name: str
    # The kinds whose pages show it; `applies(kind)` adds every kind it holds for (e.g. custom_fields).
    kinds: tuple[str, ...] = ()
    applies: Callable[[Kind], bool] | None = None
    slot: str  # "actions", "facts", "more_facts", "main", "side"
    template: str
    provider: Callable[[Any, Any], dict[str, Any]] | None = None
    order: int = 100


@dataclass(frozen=True, kw_only=True)
class TimelineSource:
    """Entries of a record's timeline (records/timeline.py): `read(query)` returns the first
    `query.n` entries of this source strictly after `query.key`, newest first (records.timeline
    builds the page, the cursor and the filter chips). A kind whose records show on another kind's
    timeline declares its source here; nothing central names it."""

    name: str  # the entries' `type` ("activity", "task", "stage"…)
    kinds: tuple[str, ...] = ()  # the timelines it feeds; `applies(kind)` adds every kind it holds for
    applies: Callable[[Kind], bool] | None = None
    # Order of entries at the same instant (higher first). It is part of the cursor: never reuse one.
    rank: int
    filter: str  # the ?kind= token that selects it ("followups", "tasks"; several sources may share one)
    label: Text  # the filter chip's label
    # Further ?kind= tokens selecting part of the source (a follow-up's kind), and their chips.
    subkinds: tuple[str, ...] = ()
    chips: tuple[tuple[str, Text], ...] = ()
    read: Callable[[Any], list[Any]]
    order: int = 100


@dataclass(frozen=True, kw_only=True)
class HomeWidget:
    """A part of the home page: a template with the context its provider returns for the request.
    Slot "actions" holds the buttons beside the greeting, "main" the widgets below it; slot
    "topbar" is the shell's top bar on every page for signed-in users (no provider: it costs no
    query; load what it shows over htmx, like the notification bell)."""

    name: str
    template: str
    provider: Callable[[Any], dict[str, Any]] | None = None
    slot: str = "main"
    order: int = 100


@dataclass(frozen=True, kw_only=True)
class Label:
    """A named value with its label: audit verbs, notification kinds."""

    name: str
    label: Text


@dataclass(frozen=True, kw_only=True)
class ApiRoute:
    """A router of the API root (config/api.py). Several routers may share a prefix (e.g. the
    timeline's /accounts/{id}/timeline beside the accounts' own routes) as long as no two of them
    declare the same path: Django would send every method of that path to the first one."""

    prefix: str  # "/accounts"
    router: str  # "module.path:attribute", imported when the API is built
    order: int = 100


@dataclass
class _Registry:
    kinds: dict[str, Kind] = field(default_factory=dict)
    permissions: dict[str, Permission] = field(default_factory=dict)
    sections: dict[str, Section] = field(default_factory=dict)
    nav: dict[str, NavEntry] = field(default_factory=dict)
    panels: dict[str, Panel] = field(default_factory=dict)
    widgets: dict[str, HomeWidget] = field(default_factory=dict)
    verbs: dict[str, Label] = field(default_factory=dict)
    notification_kinds: dict[str, Label] = field(default_factory=dict)
    events: dict[str, Label] = field(default_factory=dict)
    api_routes: dict[str, ApiRoute] = field(default_factory=dict)
    timeline_sources: dict[str, TimelineSource] = field(default_factory=dict)


_REGISTRY = _Registry()
_discovered = False


def _add(table: dict[str, Any], key: str, item: Any) -> None:
    # The same declaration twice is harmless (a module imported again); two different ones are a bug.
    if key in table and table[key] != item:
        raise ValueError(f"registry: {key!r} is declared twice, differently")
    table[key] = item


def kind(item: Kind) -> Kind:
    _add(_REGISTRY.kinds, item.name, item)
    return item


def permission(item: Permission) -> Permission:
    _add(_REGISTRY.permissions, item.code, item)
    return item


def section(item: Section) -> Section:
    _add(_REGISTRY.sections, item.name, item)
    return item


def nav(item: NavEntry) -> NavEntry:
    _add(_REGISTRY.nav, item.name, item)
    return item


def panel(item: Panel) -> Panel:
    _add(_REGISTRY.panels, item.name, item)
    return item


def widget(item: HomeWidget) -> HomeWidget:
    _add(_REGISTRY.widgets, item.name, item)
    return item


def timeline_source(item: TimelineSource) -> TimelineSource:
    _add(_REGISTRY.timeline_sources, item.name, item)
    return item


def verb(name: str, label: Text) -> None:
    _add(_REGISTRY.verbs, name, Label(name=name, label=label))


def notification_kind(name: str, label: Text) -> None:
    _add(_REGISTRY.notification_kinds, name, Label(name=name, label=label))


def event(name: str, label: Text) -> None:
    """A domain event an app emits (guanxi/records/events.py); webhooks and automation list these."""
    _add(_REGISTRY.events, name, Label(name=name, label=label))


def api_route(prefix: str, router: str, *, order: int = 100) -> None:
    """Mount `router` ("module.path:attribute", imported when config/api.py builds the API) under
    /api/v1`prefix`."""
    _add(_REGISTRY.api_routes, f"{prefix} {router}", ApiRoute(prefix=prefix, router=router, order=order))


# --- reading ------------------------------------------------------------------------------------


def discover() -> None:
    """Import `<app>.registry` of every installed Guanxi app, once (CoreConfig.ready calls it)."""
    global _discovered
    if _discovered:
        return
    _discovered = True
    for config in apps.get_app_configs():
        if config.name.startswith("guanxi.") and module_has_submodule(config.module, "registry"):
            importlib.import_module(f"{config.name}.registry")


def kinds(**having: Any) -> list[Kind]:
    """Declared kinds in order; `kinds(searchable=True)` keeps those whose attributes match."""
    discover()
    found = [k for k in _REGISTRY.kinds.values() if all(getattr(k, a) == v for a, v in having.items())]
    return sorted(found, key=lambda k: (k.order, k.name))


def get(name: str) -> Kind:
    """The kind called `name`; KeyError for an undeclared one."""
    discover()
    return _REGISTRY.kinds[name]


def find(name: str) -> Kind | None:
    discover()
    return _REGISTRY.kinds.get(name)


def of(model_or_obj: Any) -> Kind:
    """The kind of a model class or instance."""
    return get(model_or_obj.POLICY_OBJECT_TYPE)


def children_of(name: str) -> Iterator[tuple[Kind, Parent]]:
    """(kind, parent link) for every kind that declares a parent link to records of `name`."""
    target = get(name).model_class
    for child in kinds():
        for link in child.parents:
            if child.model_class._meta.get_field(link.field).related_model is target:
                yield child, link


def grantable() -> list[Kind]:
    return [k for k in kinds() if k.grants]


def permissions() -> list[Permission]:
    discover()
    return sorted(_REGISTRY.permissions.values(), key=lambda p: (p.order, p.code))


def find_permission(code: str) -> Permission | None:
    discover()
    return _REGISTRY.permissions.get(code)


def sections() -> list[Section]:
    discover()
    return sorted(_REGISTRY.sections.values(), key=lambda s: (s.order, s.name))


def nav_entries() -> list[NavEntry]:
    discover()
    return sorted(_REGISTRY.nav.values(), key=lambda n: (n.order, n.name))


def panels(kind_name: str, slot: str | None = None) -> list[Panel]:
    """The panels of a kind's detail page (of one slot, or all), in order."""
    discover()
    declared = _REGISTRY.kinds.get(kind_name)

    def shown(p: Panel) -> bool:
        return kind_name in p.kinds or bool(p.applies and declared and p.applies(declared))

    found = [p for p in _REGISTRY.panels.values() if (slot is None or p.slot == slot) and shown(p)]
    return sorted(found, key=lambda p: (p.order, p.name))


def timeline_sources(kind_name: str | None = None) -> list[TimelineSource]:
    """The sources of a kind's timeline (every source when None), in order."""
    discover()
    declared = _REGISTRY.kinds.get(kind_name or "")

    def feeds(s: TimelineSource) -> bool:
        return (
            kind_name is None or kind_name in s.kinds or bool(s.applies and declared and s.applies(declared))
        )

    return sorted(filter(feeds, _REGISTRY.timeline_sources.values()), key=lambda s: (s.order, s.name))


def widgets(slot: str | None = None) -> list[HomeWidget]:
    discover()
    found = [w for w in _REGISTRY.widgets.values() if slot is None or w.slot == slot]
    return sorted(found, key=lambda w: (w.order, w.name))


def verbs() -> dict[str, Text]:
    discover()
    return {v.name: v.label for v in _REGISTRY.verbs.values()}


def notification_kinds() -> dict[str, Text]:
    discover()
    return {n.name: n.label for n in _REGISTRY.notification_kinds.values()}


def events() -> dict[str, Text]:
    discover()
    return {e.name: e.label for e in _REGISTRY.events.values()}


def api_routes() -> list[ApiRoute]:
    discover()
    return sorted(_REGISTRY.api_routes.values(), key=lambda r: (r.order, r.prefix, r.router))
