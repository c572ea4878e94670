"""Shared test cast: the demo organization's personas, API clients and factories."""

from __future__ import annotations

import pytest

from tests.factories import AccountFactory, ContactFactory  # noqa: F401  (re-exported for tests)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """PBKDF2 is slow by design; tests hash many passwords."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session", autouse=True)
def _site_time_zone():
    """The site's zone is the default one, Asia/Shanghai, whatever TIME_ZONE the environment
    sets (the e2e server is started with it too): records of users without a zone of their own
    fall into the days, months and quarters the tests expect. (TZ does not matter: Django sets
    the process's zone from TIME_ZONE.)"""
    from django.test.utils import override_settings

    with override_settings(TIME_ZONE="Asia/Shanghai"):
        yield


@pytest.fixture(autouse=True)
def _empty_cache():
    """Rate limits live in Django's cache (sign-in failures per address and per account, web
    form posts per address): each test starts with none, whatever ran before it."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _english_outside_requests():
    """Messages made outside a request (services, jobs, selectors) are asserted in English, as
    the clients below ask for English. Without this, the language a test sees would be whatever
    an earlier request of the same worker left active (Django keeps it per thread), so results
    would depend on test order. Tests of other languages use translation.override()."""
    from django.utils import translation

    translation.activate("en")
    yield
    translation.deactivate()


@pytest.fixture
def org(db):
    """The personas of ARCHITECTURE.md, as the demo organization of CONTRACT.md defines them,
    plus a deactivated user. Returns {username: User}."""
    from guanxi.demo.org import ensure_demo_org
    from guanxi.org.models import User

    users = ensure_demo_org()
    users["inactive"] = User.objects.create_user("inactive", password="guanxi-demo", is_active=False)
    return users


@pytest.fixture
def api(org):
    """api(username) → a test client that sends that persona's bearer token."""
    from django.test import Client

    from guanxi.org.models import ApiToken

    def make(username: str | None):
        headers = {"HTTP_ACCEPT_LANGUAGE": "en"}  # messages asserted in English; i18n has its own tests
        if username:
            _row, token = ApiToken.issue(org[username])
            headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        return Client(**headers)

    return make


@pytest.fixture
def web(org):
    """web(username) → a logged-in UI client."""
    from django.test import Client

    def make(username: str):
        from django.conf import settings

        client = Client()
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # see api(); i18n has its own tests
        client.force_login(org[username])
        return client

    return make
