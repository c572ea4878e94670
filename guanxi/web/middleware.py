"""Activate the signed-in user's language and time zone for each request."""

import zoneinfo

from django.conf import settings
from django.utils import timezone, translation


class UserPreferencesMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.languages = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            if user.language in self.languages and not request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME):
                translation.activate(user.language)
                request.LANGUAGE_CODE = user.language
            tz = user.time_zone or settings.TIME_ZONE
            try:
                timezone.activate(zoneinfo.ZoneInfo(tz))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.activate(zoneinfo.ZoneInfo(settings.TIME_ZONE))
        response = self.get_response(request)
        timezone.deactivate()
        return response


class ApplicationErrorMiddleware:
    """In the UI, NotFound from the access layer is a 404 page, PermissionDenied a 403 page, and
    any other ApplicationError that a view lets through (bad input in a query string: a tampered
    cursor, a missing parameter) the 400 page, never a 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from django.core.exceptions import BadRequest
        from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
        from django.http import Http404

        from guanxi.core.errors import ApplicationError, NotFound, PermissionDenied

        if request.path.startswith("/api/"):
            return None
        if isinstance(exception, NotFound):
            raise Http404(str(exception.message))
        if isinstance(exception, PermissionDenied):
            raise DjangoPermissionDenied(str(exception.message))
        if isinstance(exception, ApplicationError):
            raise BadRequest(str(exception.message))
        return None
