"""Web forms: the administrators' screens (/admin/lead-forms/) and the public page (/f/<slug>).
Thin: the rules live in webforms/services.py, shared with the API."""

from __future__ import annotations

from csp.decorators import csp_replace
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from guanxi.audit.services import client_ip
from guanxi.core.api import error_response
from guanxi.core.errors import ApplicationError, ValidationFailed
from guanxi.core.htmx import errors_to_form

from . import common as c
from . import services
from .forms import LeadFormEditor

# --- administrators -----------------------------------------------------------------------------


@login_required
def lead_form_list(request):
    c.require_admin(request.user)
    deleted = request.GET.get("deleted") == "1"
    page = services.lead_form_list(
        request.user,
        deleted=deleted,
        cursor=request.GET.get("cursor") or None,
        limit=100,
        q=request.GET.get("q", ""),
    )
    return render(
        request,
        "sales/webforms/list.html",
        {"page": page, "forms": page.items, "deleted": deleted, "q": request.GET.get("q", "")[:100]},
    )


def _error_target(name: str) -> str:
    """A service error's name → the editor's input (title.zh-hans → title_zh_hans)."""
    if "." in name:
        head, lang = name.split(".", 1)
        if head in ("title", "consent_text", "success_message") and lang in c.SUFFIX:
            return f"{head}_{c.SUFFIX[lang]}"
        return head
    return name


@login_required
def lead_form_edit(request, pk: int | None = None):
    c.require_admin(request.user)
    edited = services.lead_form_get(request.user, pk) if pk else None
    initial = LeadFormEditor.initial_for(edited) if edited else {}
    form = LeadFormEditor(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if edited:
                saved = services.lead_form_update(
                    actor=request.user,
                    form=edited,
                    data=form.payload(),
                    version=form.cleaned_data.get("version"),
                )
            else:
                saved = services.lead_form_create(actor=request.user, data=form.payload())
        except ApplicationError as exc:
            errors: dict[str, list[str]] = {}
            for name, msgs in exc.fields.items():
                errors.setdefault(_error_target(name), []).extend(msgs)
            errors_to_form(form, ApplicationError(exc.message, fields=errors))
        else:
            messages.success(request, _("Web form “%(name)s” saved.") % {"name": saved.name})
            return redirect("lead_form_edit", pk=saved.pk)
    return render(
        request,
        "sales/webforms/form.html",
        {
            "form": form,
            "edited": edited,
            "rows": form.picker_rows(),
            "titles": form.bound("title"),
            "consents": form.bound("consent_text"),
            "successes": form.bound("success_message"),
            "share": _share(request, edited) if edited else None,
        },
    )


def _share(request, form) -> dict:
    url = request.build_absolute_uri(reverse("lead_form_public", args=[form.slug]))
    return {
        "url": url,
        "iframe": services.iframe_snippet(form, url),
        "html": services.html_snippet(form, url),
    }


@login_required
@require_POST
def lead_form_delete(request, pk: int):
    c.require_admin(request.user)
    form = services.lead_form_get(request.user, pk)
    try:
        services.lead_form_delete(actor=request.user, form=form, version=_int(request.POST.get("version")))
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request,
            _("Web form “%(name)s” moved to the recycle bin; its page is offline.") % {"name": form.name},
        )
    return redirect("lead_form_list")


@login_required
@require_POST
def lead_form_restore(request, pk: int):
    c.require_admin(request.user)
    form = services.lead_form_get(request.user, pk, deleted=True)
    services.lead_form_restore(actor=request.user, form=form)
    messages.success(request, _("Web form “%(name)s” restored.") % {"name": form.name})
    return redirect("lead_form_edit", pk=form.pk)


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# --- the public page ----------------------------------------------------------------------------

_LANGS = {"en": "en", "zh-hans": "zh-hans", "zh-hant": "zh-hant", "zh-cn": "zh-hans", "zh-tw": "zh-hant"}


def _language(request) -> str:
    """?lang= (or the posted `lang` of the page the visitor saw), else what LocaleMiddleware chose
    from the cookie or Accept-Language."""
    chosen = request.GET.get("lang") or (request.POST.get("lang") if request.method == "POST" else "")
    return _LANGS.get((chosen or "").lower()) or translation.get_language() or "zh-hans"


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _page(
    request,
    form,
    *,
    status: int = 200,
    errors=None,
    values=None,
    done: bool = False,
    limited: bool = False,
    message: str = "",
):
    embed = request.GET.get("embed") == "1"
    fields = []
    for spec in form.fields:
        name = spec["name"]
        fields.append(
            {
                "name": name,
                "label": services.field_label(spec),
                "required": spec.get("required"),
                "value": (values or {}).get(name, "") if values is not None else "",
                "type": services.INPUT_TYPES.get(name, "text"),
                "multiline": name == "description",
                "choices": services.industry_choices() if name == "industry" else None,
                "max": services.MAX_LENGTHS.get(name, 200),
                "errors": (errors or {}).get(name, []),
            }
        )
    query = "embed=1" if embed else ""
    response = render(
        request,
        "sales/webforms/public.html",
        {
            "lead_form": form,
            "fields": fields,
            "embed": embed,
            "done": done,
            "limited": limited,
            "message": message,
            "errors": errors or {},
            "consent_text": services.consent_shown(form),
            "consent_checked": bool(values and values.get("consent")),
            "action": f"?{query}" if query else "",
            "honeypot": services.HONEYPOT,
            "lang_links": not embed,
        },
        status=status,
    )
    return response


# Public, cross-site by design: the page is embedded in other sites (an iframe) and the plain HTML
# snippet posts to it from other origins, where Django's CSRF cookie cannot exist; there is no
# session to protect either (the visitor is anonymous and the post only creates a lead). The
# honeypot and the per-address rate limit are the protections instead. So: csrf_exempt, and these
# pages alone may be framed by any site (frame-ancestors *, no X-Frame-Options).
@csrf_exempt
@xframe_options_exempt
@csp_replace({"frame-ancestors": ["*"]})  # type: ignore[arg-type]  # django-csp: views with args
@require_http_methods(["GET", "HEAD", "POST"])
def lead_form_public(request, slug: str):
    form = services.public_form(slug)  # inactive, deleted or absent: 404
    with translation.override(_language(request)):
        if request.method != "POST":
            return _page(request, form)
        json = _wants_json(request)
        if services.rate_limited(form, client_ip(request)):
            message = _("Too many submissions from your address. Please wait a minute and try again.")
            if json:
                return error_response(429, "throttled", message)
            return _page(request, form, status=429, limited=True, message=message)
        data = request.POST
        try:
            services.submit(
                form=form,
                data=data,
                ip=client_ip(request),
                consent=data.get("consent") in ("on", "1", "true", "yes"),
            )
        except ValidationFailed as exc:
            if json:
                return error_response(400, exc.code, exc.message, exc.fields)
            values = {k: data.get(k, "") for k in [f["name"] for f in form.fields]}
            values["consent"] = data.get("consent")
            errors = dict(exc.fields)
            unknown = {k: v for k, v in errors.items() if k not in values and k != "consent"}
            if unknown:  # errors about something the page has no input for
                errors["non_field"] = [m for v in unknown.values() for m in v]
            return _page(request, form, status=400, errors=errors, values=values, message=str(exc.message))
        message = form.success_message or _("Thank you! We will be in touch soon.")
        if json:
            return JsonResponse(
                {"ok": True, "message": message}, status=201, json_dumps_params={"ensure_ascii": False}
            )
        return _page(request, form, done=True, message=message)
