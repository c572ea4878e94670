"""Writes to the organization: users, departments, roles and grants, API tokens, collaborators."""

from __future__ import annotations

import functools
import zoneinfo
from typing import Any

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext as _

from guanxi.audit import services as audit
from guanxi.core import registry
from guanxi.core.errors import NotFound, PermissionDenied, ValidationFailed, VersionConflict
from guanxi.core.types import Actor
from guanxi.core.validators import clean_text, normalize_email

from . import rights
from .models import ApiToken, Department, Grant, Role, Scope, User
from .selectors import time_zones

PATH_MAX_LENGTH: int = Department._meta.get_field("path").max_length  # type: ignore[assignment]  # path has a max_length


class _AuditRef:
    """What audit.record() needs to know about an organization record (it has no access policy)."""

    def __init__(self, object_type: str, obj: Any) -> None:
        self.POLICY_OBJECT_TYPE = object_type
        self.pk = obj.pk
        self._label = str(obj)

    def __str__(self) -> str:
        return self._label


def _audit(actor: Actor, verb: str, object_type: str, obj: Any, changes: dict[str, Any]) -> None:
    if verb == "update" and not changes:
        return
    audit.record(actor=actor, verb=verb, obj=_AuditRef(object_type, obj), changes=changes)


def _changes(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    return {k: (old.get(k), v) for k, v in new.items() if old.get(k) != v}


def _is_superuser(actor: Actor) -> bool:
    return bool(actor and actor.is_authenticated and actor.is_active and actor.is_superuser)


def _valid_time_zone(name: str) -> bool:
    known = _known_time_zones()
    if known:  # an allow-list: ZoneInfo(key) would also open odd files ("localtime", "posixrules")
        return name in known
    try:  # no tz database listing on this system (e.g. Windows without tzdata): ask ZoneInfo
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


@functools.cache
def _known_time_zones() -> frozenset[str]:
    return frozenset(time_zones())


def user_set_preferences(
    *, actor: Actor, user: User, language: str | None = None, time_zone: str | None = None
) -> User:
    if actor.pk != user.pk:
        _require_user_admin(actor, user)
    fields, errors = [], {}
    if language is not None:
        if language and language not in dict(settings.LANGUAGES):
            errors["language"] = [_("Choose one of the offered languages.")]
        fields.append("language")
    if time_zone is not None:
        time_zone = time_zone.strip()
        if time_zone and not _valid_time_zone(time_zone):
            errors["time_zone"] = [_("Unknown time zone. Use a name such as Asia/Shanghai.")]
        fields.append("time_zone")
    if errors:
        raise ValidationFailed(fields=errors)
    if language is not None:
        user.language = language
    if time_zone is not None:
        user.time_zone = time_zone
    if fields:
        user.save(update_fields=fields)
    return user


def _move_subtree(dept: Department, old_path: str, new_path: str) -> None:
    """Rewrite the materialized paths of dept's descendants in one UPDATE."""
    Department.objects.filter(path__startswith=old_path).exclude(pk=dept.pk).update(
        path=Concat(Value(new_path), Substr("path", len(old_path) + 1))
    )


@transaction.atomic
def department_save(
    *,
    actor: Actor,
    department: Department | None = None,
    name: str,
    parent: Department | None,
    manager: User | None,
) -> Department:
    """Create or edit a department; moving it (a new parent) moves its whole subtree."""
    rights.require(actor, "manage_departments")
    errors = {}
    name = clean_text(name or "")
    if not name or len(name) > 100:
        errors["name"] = [_("Enter a name of 1 to 100 characters.")]
    # Read paths inside the transaction, locked, so a concurrent move cannot leave a stale path.
    dept = Department()
    if department is not None and department.pk:
        locked = Department.objects.select_for_update().filter(pk=department.pk).first()
        if locked is None:
            raise NotFound()
        dept = locked
    if parent is not None:
        parent = Department.objects.select_for_update().filter(pk=parent.pk).first()
        if parent is None:
            errors["parent"] = [_("This department no longer exists.")]
        elif dept.pk and (parent.pk == dept.pk or parent.path.startswith(dept.path)):
            errors["parent"] = [_("A department cannot sit under itself or its own sub-department.")]
    if manager is not None and not manager.is_active:
        errors["manager"] = [_("Choose an active user.")]
    old_path = dept.path if dept.pk else None
    if parent is not None and "parent" not in errors:
        base = parent.path
        deepest = 0
        if dept.pk:
            deepest = max(
                (
                    len(p) - len(dept.path)
                    for p in Department.objects.filter(path__startswith=dept.path).values_list(
                        "path", flat=True
                    )
                ),
                default=0,
            )
        if len(base) + len(str(dept.pk or 10**9)) + 1 + deepest > PATH_MAX_LENGTH:
            errors["parent"] = [_("The department tree would become too deep.")]
    if errors:
        raise ValidationFailed(fields=errors)
    before = {"name": dept.name, "parent": dept.parent, "manager": dept.manager} if dept.pk else {}
    dept.name, dept.parent, dept.manager = name, parent, manager
    if not dept.pk:
        dept.save()
    new_path = f"{parent.path if parent else '/'}{dept.pk}/"
    if old_path is not None and old_path != new_path:
        _move_subtree(dept, old_path, new_path)
    dept.path = new_path
    dept.save()
    _audit(
        actor,
        "update" if before else "create",
        "department",
        dept,
        _changes(before, {"name": dept.name, "parent": dept.parent, "manager": dept.manager}),
    )
    return dept


def _grant_codes(grants: dict[tuple[str, str], int]) -> list[str]:
    return sorted(
        f"{ot}:{act}:{Scope(sc).name.lower()}" for (ot, act), sc in grants.items() if sc > Scope.NONE
    )


def _clean_grants(grants: dict[tuple[str, str], int]) -> dict[tuple[str, str], int] | None:
    """The grants on kinds declared with grants (core.registry), each action one the kind offers;
    None when one names anything else."""
    offered = {k.name: set(k.grants) for k in registry.grantable()}
    scopes = set(Scope.values)
    for (ot, act), sc in grants.items():
        if act not in offered.get(ot, ()) or sc not in scopes:
            return None
    return {key: sc for key, sc in grants.items() if sc > Scope.NONE}


def _clean_permissions(actor: Actor, role: Role | None, permissions: Any) -> list[str] | None:
    """Declared rights, each given only by someone who holds it (no one hands out more than they
    have); rights the role already had stay, whoever edits it. None for an unknown right."""
    if not isinstance(permissions, (list, tuple)) or not all(isinstance(p, str) for p in permissions):
        return None
    declared = {p.code for p in registry.permissions()}
    wanted = set(permissions)
    if not wanted <= declared:
        return None
    had = set(role.permissions) if role is not None and role.pk else set()
    if not _is_superuser(actor) and not (wanted - had) <= rights.codes(actor):
        raise PermissionDenied(_("You can only give rights that you have yourself."))
    return sorted(wanted)


@transaction.atomic
def role_save(
    *,
    actor: Actor,
    role: Role | None = None,
    name: str,
    code: str,
    description: str = "",
    grants: dict[tuple[str, str], int],
    permissions: list[str] | None = None,
    version: int | None = None,
) -> Role:
    """grants: {(object_type, action): scope}; scope NONE removes the grant. permissions: the
    administration rights (org/rights.py); None keeps the role's. Needs the right to manage roles."""
    rights.require(actor, "manage_roles")
    if role is not None and version is not None and int(version) != role.version:
        raise VersionConflict()
    errors = {}
    name = clean_text(name or "")
    code = (code or "").strip()
    description = clean_text(description or "", multiline=True)
    if not name or len(name) > 100:
        errors["name"] = [_("Enter a name of 1 to 100 characters.")]
    elif Role.objects.filter(name=name).exclude(pk=role.pk if role else None).exists():  # type: ignore[misc]  # pk=None (new): excludes nothing
        errors["name"] = [_("Another role has this name.")]
    if (
        not code
        or len(code) > 50
        or not code.isascii()
        or not code.replace("-", "").replace("_", "").isalnum()
    ):
        errors["code"] = [_("Use 1 to 50 letters, digits, - and _ only.")]
    elif Role.objects.filter(code=code).exclude(pk=role.pk if role else None).exists():  # type: ignore[misc]  # pk=None (new): excludes nothing
        errors["code"] = [_("Another role has this code.")]
    if len(description) > 2000:
        errors["description"] = [_("Enter at most 2000 characters.")]
    cleaned = _clean_grants(grants)
    if cleaned is None:
        errors["grants"] = [_("A grant names an unknown object, action or scope.")]
    if permissions is None:
        permissions = list(role.permissions) if role is not None else []
    chosen = _clean_permissions(actor, role, permissions)
    if chosen is None:
        errors["permissions"] = [_("Choose among the administration rights offered.")]
    if errors:
        raise ValidationFailed(fields=errors)
    assert cleaned is not None  # else an error was raised just above
    role = role or Role()
    before = {}
    if role.pk:
        before = {
            "name": role.name,
            "code": role.code,
            "description": role.description,
            "grants": _grant_codes({(g.object_type, g.action): g.scope for g in role.grants.all()}),
            "permissions": sorted(role.permissions),
        }
    after = {
        "name": name,
        "code": code,
        "description": description,
        "grants": _grant_codes(cleaned),
        "permissions": chosen,
    }
    changes = _changes(before, after)
    if role.pk and not changes:
        return role
    role.name, role.code, role.description, role.permissions = name, code, description, chosen
    if role.pk:
        if not Role.objects.filter(pk=role.pk, version=role.version).update(
            name=name, code=code, description=description, permissions=chosen, version=role.version + 1
        ):
            raise VersionConflict()
        role.version += 1
    else:
        role.save()
    Grant.objects.filter(role=role).delete()
    Grant.objects.bulk_create(
        [Grant(role=role, object_type=ot, action=act, scope=sc) for (ot, act), sc in cleaned.items()]
    )
    _audit(actor, "update" if before else "create", "role", role, changes)
    return role


def _require_user_admin(actor: Actor, user: User | None) -> None:
    """Managing users is a right; a superuser's account is managed by superusers only, so that the
    right to manage users cannot reach the rights of a superuser."""
    rights.require(actor, "manage_users")
    if user is not None and user.is_superuser and not _is_superuser(actor):
        raise PermissionDenied(_("Only a superuser manages a superuser's account."))


@transaction.atomic
def user_save(
    *,
    actor: Actor,
    user: User | None = None,
    username: str,
    display_name: str = "",
    email: str = "",
    department: Department | None = None,
    roles: Any = (),
    is_active: bool = True,
    is_superuser: bool = False,
    password: str | None = None,
) -> User:
    _require_user_admin(actor, user)
    if is_superuser != (user.is_superuser if user is not None else False) and not _is_superuser(actor):
        raise PermissionDenied(_("Only a superuser makes or unmakes a superuser."))
    errors = {}
    username = User.normalize_username((username or "").strip())
    display_name = clean_text(display_name or "")
    if not username or len(username) > 150 or not all(c.isalnum() or c in "@.+-_" for c in username):
        errors["username"] = [_("Use 1 to 150 letters, digits and @ . + - _ only.")]
    elif User.objects.filter(username__iexact=username).exclude(pk=user.pk if user else None).exists():  # type: ignore[misc]  # pk=None (new): excludes nothing
        errors["username"] = [_("This username is taken.")]
    if len(display_name) > 100:
        errors["display_name"] = [_("Enter at most 100 characters.")]
    try:
        email = normalize_email(email or "")
    except ValidationError:
        errors["email"] = [_("Enter a valid email address.")]
    if user is not None and user.pk == actor.pk:
        if not is_active:
            errors["is_active"] = [_("You cannot deactivate yourself.")]
        if actor.is_superuser and not is_superuser:
            errors["is_superuser"] = [_("You cannot remove your own administrator rights.")]
    if password:
        candidate = User(
            username=username, email=email if "email" not in errors else "", display_name=display_name
        )
        try:
            password_validation.validate_password(password, candidate)
        except ValidationError as exc:
            errors["password"] = list(exc.messages)
    if errors:
        raise ValidationFailed(fields=errors)
    roles = list(roles)
    if not _is_superuser(actor):  # roles bring rights: no one hands out more than they have
        had = set(user.roles.values_list("pk", flat=True)) if user is not None and user.pk else set()
        mine = rights.codes(actor)
        if any(not set(r.permissions) <= mine for r in roles if r.pk not in had):
            raise PermissionDenied(_("You can only give roles whose rights you have yourself."))
    fields = ("username", "display_name", "email", "department", "is_active", "is_superuser")
    before = {}
    if user is not None:
        before = {f: getattr(user, f) for f in fields}
        before["roles"] = sorted(r.code for r in user.roles.all())
    user = user or User()
    user.username, user.display_name, user.email = username, display_name, email
    user.department, user.is_active, user.is_superuser = department, is_active, is_superuser
    user.is_staff = is_superuser
    if password:
        user.set_password(password)
    elif not user.pk:
        user.set_unusable_password()
    user.save()
    user.roles.set(roles)
    after = {f: getattr(user, f) for f in fields}
    after["roles"] = sorted(r.code for r in roles)
    changes = _changes(before, after)
    if password and before:
        changes["password"] = (None, "***")
    _audit(actor, "update" if before else "create", "user", user, changes)
    return user


def api_token_create(*, actor: Actor, name: str = "") -> tuple[ApiToken, str]:
    """A new API token for the actor. The token itself is returned once and never stored."""
    if not (actor and actor.is_authenticated and actor.is_active):
        raise PermissionDenied()
    name = clean_text(name or "")
    if len(name) > 100:
        raise ValidationFailed(fields={"name": [_("Enter at most 100 characters.")]})
    return ApiToken.issue(actor, name=name, ttl_days=settings.API_TOKEN_TTL_DAYS)


def api_token_revoke(*, actor: Actor, token_id: Any) -> None:
    """Revoke one of the actor's own tokens; anybody else's token is simply not found."""
    try:
        pk = int(token_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    deleted, _rows = ApiToken.objects.filter(user=actor, pk=pk).delete()
    if not deleted:
        raise NotFound()
