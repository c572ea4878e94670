"""Writes to the organization: users, departments, roles and grants, collaborators."""

from __future__ import annotations

import zoneinfo

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from guanxi.core.errors import PermissionDenied, ValidationFailed

from .models import Action, Collaborator, Department, Grant, ObjectType, Role, Scope, User


def _require_admin(actor) -> None:
    if not (actor and actor.is_authenticated and actor.is_active and actor.is_superuser):
        raise PermissionDenied(_("Only administrators manage the organization."))


def user_set_preferences(*, actor, user: User, language: str | None = None, time_zone: str | None = None) -> User:
    if actor.pk != user.pk:
        _require_admin(actor)
    fields = []
    if language is not None:
        if language and language not in dict(settings.LANGUAGES):
            raise ValidationFailed(fields={"language": [_("Choose one of the offered languages.")]})
        user.language = language
        fields.append("language")
    if time_zone is not None:
        if time_zone:
            try:
                zoneinfo.ZoneInfo(time_zone)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                raise ValidationFailed(fields={"time_zone": [_("Unknown time zone.")]}) from None
        user.time_zone = time_zone
        fields.append("time_zone")
    if fields:
        user.save(update_fields=fields)
    return user


def _recompute_paths(dept: Department) -> None:
    """Keep materialized paths right after a department is created or moved."""
    parent_path = dept.parent.path if dept.parent_id else "/"
    new_path = f"{parent_path}{dept.pk}/"
    old_path = dept.path
    if new_path == old_path:
        return
    Department.objects.filter(pk=dept.pk).update(path=new_path)
    for child in Department.objects.filter(path__startswith=old_path).exclude(pk=dept.pk) if old_path != "/" else []:
        Department.objects.filter(pk=child.pk).update(path=new_path + child.path[len(old_path):])
    dept.path = new_path


@transaction.atomic
def department_save(*, actor, department: Department | None = None, name: str, parent: Department | None,
                    manager: User | None) -> Department:
    _require_admin(actor)
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ValidationFailed(fields={"name": [_("Enter a name of 1 to 100 characters.")]})
    dept = department or Department()
    if parent is not None and dept.pk and (parent.pk == dept.pk or parent.path.startswith(dept.path)):
        raise ValidationFailed(fields={"parent": [_("A department cannot sit under itself or its own sub-department.")]})
    dept.name, dept.parent, dept.manager = name, parent, manager
    dept.save()
    _recompute_paths(dept)
    return dept


@transaction.atomic
def role_save(*, actor, role: Role | None = None, name: str, code: str, description: str = "",
              grants: dict[tuple[str, str], int]) -> Role:
    """grants: {(object_type, action): scope}; scope NONE removes the grant."""
    _require_admin(actor)
    errors = {}
    if not name.strip() or len(name) > 100:
        errors["name"] = [_("Enter a name of 1 to 100 characters.")]
    if not code or len(code) > 50 or not code.replace("-", "").replace("_", "").isalnum():
        errors["code"] = [_("Use letters, digits, - and _ only.")]
    valid_types, valid_actions, valid_scopes = set(ObjectType.values), set(Action.values), set(Scope.values)
    for (ot, act), sc in grants.items():
        if ot not in valid_types or act not in valid_actions or sc not in valid_scopes:
            errors["grants"] = [_("A grant names an unknown object, action or scope.")]
    clash = Role.objects.filter(code=code).exclude(pk=role.pk if role else None).exists()
    if clash:
        errors["code"] = [_("Another role has this code.")]
    if errors:
        raise ValidationFailed(fields=errors)
    role = role or Role()
    role.name, role.code, role.description = name.strip(), code, description
    role.save()
    Grant.objects.filter(role=role).delete()
    Grant.objects.bulk_create([Grant(role=role, object_type=ot, action=act, scope=sc)
                               for (ot, act), sc in grants.items() if sc > Scope.NONE])
    return role


@transaction.atomic
def user_save(*, actor, user: User | None = None, username: str, display_name: str = "", email: str = "",
              department: Department | None = None, roles=(), is_active: bool = True, is_superuser: bool = False,
              password: str | None = None) -> User:
    _require_admin(actor)
    errors = {}
    if not username or len(username) > 150 or not all(c.isalnum() or c in "@.+-_" for c in username):
        errors["username"] = [_("Use 1 to 150 letters, digits and @ . + - _ only.")]
    elif User.objects.filter(username=username).exclude(pk=user.pk if user else None).exists():
        errors["username"] = [_("This username is taken.")]
    if email:
        from django.core.validators import validate_email
        from django.core.exceptions import ValidationError
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = [_("Enter a valid email address.")]
    if user is not None and user.pk == actor.pk and (not is_active or not is_superuser):
        errors["is_active"] = [_("You cannot deactivate yourself or remove your own administrator rights.")]
    if password is not None and password and len(password) < 8:
        errors["password"] = [_("Use at least 8 characters.")]
    if errors:
        raise ValidationFailed(fields=errors)
    user = user or User()
    user.username, user.display_name, user.email = username, display_name[:100], email
    user.department, user.is_active, user.is_superuser = department, is_active, is_superuser
    user.is_staff = is_superuser
    if password:
        user.set_password(password)
    elif not user.pk:
        user.set_unusable_password()
    user.save()
    user.roles.set(list(roles))
    return user


@transaction.atomic
def collaborator_set(*, actor, obj, user: User, access: str | None) -> None:
    """Share obj with user (read or write), or stop sharing (access=None). Needs update rights."""
    from guanxi.audit import services as audit
    from guanxi.policies import access as policies

    policies.require(actor, Action.UPDATE, obj)
    if access not in (None, Collaborator.Access.READ, Collaborator.Access.WRITE):
        raise ValidationFailed(fields={"access": [_("Choose read-only or read-write.")]})
    if user.pk == obj.owner_id:
        raise ValidationFailed(fields={"user": [_("The owner already has full access.")]})
    key = {"object_type": obj.POLICY_OBJECT_TYPE, "object_id": obj.pk, "user": user}
    if access is None:
        Collaborator.objects.filter(**key).delete()
    else:
        Collaborator.objects.update_or_create(**key, defaults={"access": access, "created_by": actor})
    audit.record(actor=actor, verb="share", obj=obj, changes={"collaborator": (None, f"{user.username}:{access or '-'}")})
