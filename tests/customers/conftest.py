"""Fixtures shared by the API tests of accounts and contacts."""

from __future__ import annotations

import pytest
from django.test import override_settings

# Hashing the personas' passwords with PBKDF2 costs seconds per test; these tests are about the
# API, not about password storage, so they use the fastest hasher Django ships.
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True, scope="module")
def _fast_password_hashing():
    with override_settings(PASSWORD_HASHERS=FAST_HASHERS):
        yield
