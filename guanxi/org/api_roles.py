"""/api/v1/roles: roles with their data scopes (grants) and administration rights."""

from __future__ import annotations

from typing import Any, Literal, get_args

from django.db.models import Count, Q, QuerySet
from django.http import JsonResponse
from ninja import Field, Router, Schema
from ninja.responses import Status

from guanxi.core import registry
from guanxi.core.api import IDEMPOTENCY_KEY, IF_MATCH, idempotent, if_match, with_etag
from guanxi.core.errors import NotFound
from guanxi.core.schemas import ERRORS, ErrorOut, Strict
from guanxi.core.types import ApiRequest

from . import rights, services
from .models import Role, Scope

router = Router(tags=["roles"])

# Scopes by name in the API ("department_tree"), not by their stored numbers.
SCOPES = {s.name.lower(): s.value for s in Scope}
ScopeName = Literal["none", "self", "subordinates", "department", "department_tree", "all"]
assert set(SCOPES) == set(get_args(ScopeName))  # noqa: S101  (the literal documents the enum)
Action = Literal["read", "create", "update", "delete", "export", "transfer"]


class GrantIO(Strict):
    object: str = Field(description="A kind of record that roles grant (GET /api/v1/roles/kinds).")
    action: Action
    scope: ScopeName


class RoleIn(Strict):
    name: str
    code: str
    description: str = ""
    grants: list[GrantIO] = []
    permissions: list[str] = Field(
        default=[], description="Administration rights (GET /api/v1/roles/rights)."
    )


class RolePatch(Strict):
    name: str | None = None
    code: str | None = None
    description: str | None = None
    grants: list[GrantIO] | None = None
    permissions: list[str] | None = None


class RoleOut(Schema):
    id: int
    version: int
    name: str
    code: str
    description: str
    grants: list[GrantIO]
    permissions: list[str]
    users: int


class RoleList(Schema):
    items: list[RoleOut]
    next_cursor: str | None


class Choice(Schema):
    code: str
    label: str
    actions: list[str] = []


def _out(role: Role, users: int) -> dict[str, Any]:
    names = {v: k for k, v in SCOPES.items()}
    return {
        "id": role.pk,
        "version": role.version,
        "name": role.name,
        "code": role.code,
        "description": role.description,
        "grants": [
            {"object": g.object_type, "action": g.action, "scope": names.get(g.scope, "none")}
            for g in sorted(role.grants.all(), key=lambda g: (g.object_type, g.action))
        ],
        "permissions": list(role.permissions),
        "users": users,
    }


def _roles() -> QuerySet[Any]:  # Any: annotated with user_count
    return Role.objects.annotate(user_count=Count("users", filter=Q(users__is_active=True))).prefetch_related(
        "grants"
    )


def _get(request: ApiRequest, role_id: int) -> Role:
    rights.require(request.auth, "manage_roles")
    role: Role | None = _roles().filter(pk=role_id).first()
    if role is None:
        raise NotFound()
    return role


def _grants(items: list[GrantIO]) -> dict[tuple[str, str], int]:
    return {(g.object, g.action): SCOPES[g.scope] for g in items}


def _detail(role: Role) -> JsonResponse:
    """The role as stored now (its grants and user count read again), with its ETag."""
    fresh = _roles().get(pk=role.pk)
    return with_etag(
        JsonResponse(_out(fresh, fresh.user_count), json_dumps_params={"ensure_ascii": False}), fresh.version
    )


@router.get("", response={200: RoleList, **ERRORS}, operation_id="role_list")
def role_list(request: ApiRequest) -> Any:
    """Every role, by name (only for those with the right to manage roles)."""
    rights.require(request.auth, "manage_roles")
    return {"items": [_out(r, r.user_count) for r in _roles().order_by("name", "id")], "next_cursor": None}


@router.get("/kinds", response={200: list[Choice], **ERRORS}, operation_id="role_kinds")
def role_kinds(request: ApiRequest) -> Any:
    """The kinds of record roles grant, with the actions each offers."""
    rights.require(request.auth, "manage_roles")
    return [{"code": k.name, "label": str(k.plural), "actions": list(k.grants)} for k in registry.grantable()]


@router.get("/rights", response={200: list[Choice], **ERRORS}, operation_id="role_rights")
def role_rights(request: ApiRequest) -> Any:
    """The administration rights roles grant."""
    rights.require(request.auth, "manage_roles")
    return [{"code": p.code, "label": str(p.label)} for p in registry.permissions()]


@router.post("", response={201: RoleOut, **ERRORS}, operation_id="role_create", openapi_extra=IDEMPOTENCY_KEY)
@idempotent
def role_create(request: ApiRequest, payload: RoleIn) -> Any:
    role = services.role_save(
        actor=request.auth,
        name=payload.name,
        code=payload.code,
        description=payload.description,
        grants=_grants(payload.grants),
        permissions=payload.permissions,
    )
    role = _roles().get(pk=role.pk)
    return Status(201, _out(role, role.user_count))


@router.get("/{int:role_id}", response={200: RoleOut, **ERRORS}, operation_id="role_get")
def role_get(request: ApiRequest, role_id: int) -> Any:
    return _detail(_get(request, role_id))


@router.patch(
    "/{int:role_id}",
    response={200: RoleOut, 409: ErrorOut, **ERRORS},
    operation_id="role_update",
    openapi_extra=IF_MATCH,
)
def role_update(request: ApiRequest, role_id: int, payload: RolePatch) -> Any:
    role = _get(request, role_id)
    version = if_match(request)
    data = payload.model_dump(exclude_unset=True)
    current = {(g.object_type, g.action): g.scope for g in role.grants.all()}
    role = services.role_save(
        actor=request.auth,
        role=role,
        name=data["name"] if data.get("name") is not None else role.name,
        code=data["code"] if data.get("code") is not None else role.code,
        description=data["description"] if data.get("description") is not None else role.description,
        grants=_grants(payload.grants) if payload.grants is not None else current,
        permissions=payload.permissions,
        version=version,
    )
    return _detail(role)
