from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import check_for_language
from django.views.decorators.http import require_POST

from guanxi.customers import selectors as customer_selectors
from guanxi.customers import selectors_health
from guanxi.org import services as org_services


@login_required
def home(request):
    return render(
        request,
        "web/home.html",
        {
            "counts": customer_selectors.count_visible(request.user),
            "recent_accounts": customer_selectors.account_queryset(request.user).order_by(
                "-updated_at", "-id"
            )[:6],
            "recent_contacts": customer_selectors.contact_queryset(request.user).order_by(
                "-updated_at", "-id"
            )[:6],
            "health": selectors_health.home_widget(request.user),  # the customer health widget
        },
    )


@login_required
def search(request):
    """The global search (Ctrl-K): a full page, or the palette's result fragment over htmx."""
    q = request.GET.get("q", "")[:200]
    results = (
        customer_selectors.global_search(request.user, q) if q.strip() else {"accounts": [], "contacts": []}
    )
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
