from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import check_for_language
from django.views.decorators.http import require_POST

from guanxi.core import registry
from guanxi.org import services as org_services
from guanxi.search.selectors import global_search


@login_required
def home(request):
    """The home page: the widgets the apps declare (core.registry), each with its provider's context."""
    context: dict = {"actions": registry.widgets("actions"), "widgets": registry.widgets("main")}
    for widget in [*context["actions"], *context["widgets"]]:
        if widget.provider is not None:
            context.update(widget.provider(request))
    return render(request, "web/home.html", context)


@login_required
def search(request):
    """The global search (Ctrl-K): a full page, or the palette's result fragment over htmx."""
    q = request.GET.get("q", "")[:200]
    results = global_search(request.user, q)
    template = "web/search.html#results" if request.headers.get("HX-Request") else "web/search.html"
    return render(request, template, {"q": q, "results": results})


@require_POST
def set_language(request):
    """Switch the UI language; signed-in users keep their choice on every device."""
    code = request.POST.get("language", "")
    nxt = request.POST.get("next", "/")
    if not url_has_allowed_host_and_scheme(
        nxt, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        nxt = "/"
    response = HttpResponseRedirect(nxt)
    if code in dict(settings.LANGUAGES) and check_for_language(code):
        if request.user.is_authenticated:
            org_services.user_set_preferences(actor=request.user, user=request.user, language=code)
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            code,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            samesite="Lax",
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=False,
        )
    return response
