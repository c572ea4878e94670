"""Fixtures for the organization tests."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import override_settings

# The personas' passwords are hashed on every test; these tests are not about password storage.
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True, scope="module")
def _fast_password_hashing():
    with override_settings(PASSWORD_HASHERS=FAST_HASHERS):
        yield


@pytest.fixture
def en_web(web):
    """web(username) with the UI in English, so tests can assert on the English source strings."""

    def make(username: str):
        client = web(username)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return make
