"""The organization: users, the department tree, roles with data scopes, collaborators."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Department(models.Model):
    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("manager"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_departments",
    )
    # Materialized path "/1/4/9/": a subtree is one indexed prefix query.
    path = models.CharField(max_length=255, db_index=True, editable=False, default="/")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["path"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")

    def __str__(self) -> str:
        return self.name

    @property
    def depth(self) -> int:
        return self.path.count("/") - 2


class User(AbstractUser):
    display_name = models.CharField(_("display name"), max_length=100, blank=True)
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
    )
    roles: models.ManyToManyField[Role, Any] = models.ManyToManyField(
        "Role", verbose_name=_("roles"), blank=True, related_name="users"
    )
    mobile = models.CharField(_("mobile"), max_length=20, blank=True)
    language = models.CharField(_("language"), max_length=10, blank=True, choices=settings.LANGUAGES)
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name or self.get_full_name() or self.username

    @property
    def label(self) -> str:
        return str(self)


class Scope(models.IntegerChoices):
    NONE = 0, _("none")
    SELF = 10, _("self")
    SUBORDINATES = 20, _("self and subordinates")
    DEPARTMENT = 30, _("department")
    DEPARTMENT_TREE = 40, _("department and sub-departments")
    ALL = 50, _("all")


class Action(models.TextChoices):
    READ = "read", _("read")
    CREATE = "create", _("create")
    UPDATE = "update", _("update")
    DELETE = "delete", _("delete")
    EXPORT = "export", _("export")
    TRANSFER = "transfer", _("transfer")


class Role(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    code = models.SlugField(_("code"), max_length=50, unique=True)
    description = models.TextField(_("description"), blank=True)
    # Administration rights by code (org/rights.py; declared with core.registry.permission()).
    permissions = models.JSONField(_("administration rights"), default=list, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)  # If-Match on PATCH

    class Meta:
        ordering = ["name"]
        verbose_name = _("role")
        verbose_name_plural = _("roles")

    def __str__(self) -> str:
        return self.name


class Grant(models.Model):
    """A role may perform `action` on `object_type` records within `scope`."""

    role = models.ForeignKey(Role, on_delete=models.CASCADE, related_name="grants")
    object_type = models.CharField(_("object"), max_length=40)  # a kind declared with grants (core.registry)
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    scope = models.PositiveSmallIntegerField(_("data scope"), choices=Scope.choices, default=Scope.SELF)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["role", "object_type", "action"], name="grant_unique")]
        verbose_name = _("grant")
        verbose_name_plural = _("grants")

    def __str__(self) -> str:
        return f"{self.object_type}:{self.action}:{self.get_scope_display()}"


class Collaborator(models.Model):
    """A record shared with a user who does not own it."""

    class Access(models.TextChoices):
        READ = "read", _("read-only")
        WRITE = "write", _("read-write")

    object_type = models.CharField(max_length=40)  # a kind of record (core.registry)
    object_id = models.BigIntegerField()
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="collaborations"
    )
    access = models.CharField(_("access"), max_length=10, choices=Access.choices, default=Access.READ)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["object_type", "object_id", "user"], name="collaborator_unique")
        ]
        indexes = [models.Index(fields=["user", "object_type", "access"], name="collab_user_idx")]

    def __str__(self) -> str:
        return f"{self.object_type}#{self.object_id}:{self.user_id}:{self.access}"


class ApiToken(models.Model):
    """A bearer token for the API. Only a hash is stored; the token is shown once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, blank=True)
    digest = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})" if self.name else f"{self.prefix}…"

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    @staticmethod
    def hash(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    @classmethod
    def issue(cls, user: Any, *, name: str = "", ttl_days: int | None = None) -> tuple[ApiToken, str]:
        token = "gx_" + secrets.token_urlsafe(32)
        expires = timezone.now() + dt.timedelta(days=ttl_days) if ttl_days else None
        obj = cls.objects.create(
            user=user, name=name, digest=cls.hash(token), prefix=token[:8], expires_at=expires
        )
        return obj, token
