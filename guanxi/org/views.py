"""Profile, API tokens, and the administrator's screens for users, departments and roles."""

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from guanxi.audit.selectors import logins_for
from guanxi.core import registry
from guanxi.core.errors import ApplicationError
from guanxi.core.htmx import errors_to_form
from guanxi.core.types import UserRequest

from . import rights, selectors, services
from .forms import ApiTokenForm, DepartmentForm, ProfileForm, RoleForm, UserForm
from .models import Action, ApiToken, Department, Role, Scope, User


@login_required
def profile(request: UserRequest) -> HttpResponse:
    user = request.user
    form = ProfileForm(
        request.POST or None,
        initial={
            "language": user.language or request.LANGUAGE_CODE,
            "time_zone": user.time_zone or settings.TIME_ZONE,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.user_set_preferences(
                actor=user,
                user=user,
                language=form.cleaned_data["language"],
                time_zone=form.cleaned_data["time_zone"],
            )
        except ApplicationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, _("Preferences saved."))
            response = redirect("profile")
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                user.language,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                samesite="Lax",
                secure=settings.LANGUAGE_COOKIE_SECURE,
            )
            return response
    return render(
        request,
        "org/profile.html",
        {"form": form, "logins": logins_for(user), "time_zones": selectors.time_zones()},
    )


@login_required
def api_tokens(request: UserRequest) -> HttpResponse:
    """The user's own API tokens. A new token is shown once, in the response to the POST."""
    new_token = None
    form = ApiTokenForm()
    if request.method == "POST":
        if "revoke" in request.POST:
            services.api_token_revoke(actor=request.user, token_id=request.POST["revoke"])  # others' → 404
            messages.success(request, _("Token revoked."))
            return redirect("api_tokens")
        form = ApiTokenForm(request.POST)
        if form.is_valid():
            try:
                _row, new_token = services.api_token_create(
                    actor=request.user, name=form.cleaned_data["name"]
                )
            except ApplicationError as exc:
                errors_to_form(form, exc)
            else:
                form = ApiTokenForm()
    tokens = ApiToken.objects.filter(user=request.user).order_by("-created_at")
    return render(
        request,
        "org/api_tokens.html",
        {"tokens": tokens, "new_token": new_token, "form": form, "ttl_days": settings.API_TOKEN_TTL_DAYS},
    )


@login_required
def user_list(request: UserRequest) -> HttpResponse:
    rights.require(request.user, "manage_users")
    return render(request, "org/user_list.html", {"users": selectors.user_list()})


@login_required
def user_edit(request: UserRequest, pk: Any = None) -> HttpResponse:
    rights.require(request.user, "manage_users")
    user = get_object_or_404(User, pk=pk) if pk else None
    initial = {}
    if user:
        initial = {
            "username": user.username,
            "display_name": user.display_name,
            "email": user.email,
            "department": user.department,
            "roles": list(user.roles.all()),
            "is_active": user.is_active,
            "is_superuser": user.is_superuser,
        }
    form = UserForm(request.POST or None, initial=initial, new=user is None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.user_save(
                actor=request.user,
                user=user,
                username=d["username"],
                display_name=d["display_name"],
                email=d["email"],
                department=d["department"],
                roles=d["roles"],
                is_active=d["is_active"],
                is_superuser=d["is_superuser"],
                password=d["password"] or None,
            )
        except ApplicationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, _("User saved."))
            return redirect("org_user_list")
    return render(request, "org/user_form.html", {"form": form, "edited": user})


@login_required
def department_list(request: UserRequest) -> HttpResponse:
    rights.require(request.user, "manage_departments")
    return render(request, "org/department_list.html", {"departments": selectors.department_tree()})


@login_required
def department_edit(request: UserRequest, pk: Any = None) -> HttpResponse:
    rights.require(request.user, "manage_departments")
    dept = get_object_or_404(Department, pk=pk) if pk else None
    initial = {"name": dept.name, "parent": dept.parent, "manager": dept.manager} if dept else {}
    form = DepartmentForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.department_save(
                actor=request.user, department=dept, name=d["name"], parent=d["parent"], manager=d["manager"]
            )
        except ApplicationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, _("Department saved."))
            return redirect("org_department_list")
    return render(request, "org/department_form.html", {"form": form, "edited": dept})


@login_required
def role_list(request: UserRequest) -> HttpResponse:
    rights.require(request.user, "manage_roles")
    return render(request, "org/role_list.html", {"roles": selectors.role_list()})


@login_required
def role_edit(request: UserRequest, pk: Any = None) -> HttpResponse:
    """A role is a matrix (for each kind of record and action, the data scope it grants) and a set
    of administration rights."""
    rights.require(request.user, "manage_roles")
    role = get_object_or_404(Role, pk=pk) if pk else None
    current = {(g.object_type, g.action): g.scope for g in role.grants.all()} if role else {}
    chosen = set(role.permissions) if role else set()
    initial = {"name": role.name, "code": role.code, "description": role.description} if role else {}
    form = RoleForm(request.POST or None, initial=initial)
    kinds = registry.grantable()
    if request.method == "POST" and form.is_valid():
        grants = {}
        for k in kinds:
            for act in k.grants:
                raw = request.POST.get(f"grant:{k.name}:{act}", "0")
                grants[(k.name, act)] = int(raw) if raw.isdigit() else -1
        chosen = set(request.POST.getlist("permission"))
        try:
            services.role_save(
                actor=request.user,
                role=role,
                name=form.cleaned_data["name"],
                code=form.cleaned_data["code"],
                description=form.cleaned_data["description"],
                grants=grants,
                permissions=sorted(chosen),
                version=request.POST.get("version") or None,  # type: ignore[arg-type]  # role_save checks it with int()
            )
        except ApplicationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, _("Role saved."))
            return redirect("org_role_list")
        current = {k: v for k, v in grants.items() if v >= 0}
    matrix = [
        {
            "object_type": k.name,
            "label": k.plural,
            "cells": [
                {
                    "action": act,
                    "action_label": alabel,
                    "value": current.get((k.name, act), 0),
                    "offered": act in k.grants,
                }
                for act, alabel in Action.choices
            ],
        }
        for k in kinds
    ]
    mine = rights.codes(request.user)
    permissions = [
        {
            "code": p.code,
            "label": p.label,
            "checked": p.code in chosen,
            "disabled": p.code not in mine and p.code not in chosen,
        }
        for p in registry.permissions()
    ]
    return render(
        request,
        "org/role_form.html",
        {
            "form": form,
            "edited": role,
            "matrix": matrix,
            "actions": Action.choices,
            "scopes": Scope.choices,
            "permissions": permissions,
        },
    )
