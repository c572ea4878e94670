"""The field cleaners refuse a value of the wrong type with a field error, never an exception
that would be a 500: request bodies are JSON, so a list or an object can arrive where a
choice, a text or a number belongs."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from guanxi.core import cleaning
from guanxi.core.errors import ValidationFailed

WRONG = [[], {}, ["a"], {"a": 1}, [[]], 1.5, True, 10**30, object()]


def _tables(actor=None) -> dict[str, dict]:
    """Every table of cleaners the services run over a payload, by name."""
    from guanxi.customers.customer_settings import services as settings_admin
    from guanxi.customers.directory import services
    from guanxi.customers.relations import services as relations
    from guanxi.engagement.followups import services as followups
    from guanxi.engagement.tasks import services as todos
    from guanxi.sales.leads import services as leads
    from guanxi.sales.pipelines import cleaning as pipelines
    from guanxi.sales.pools import services_admin as pools

    return {
        "account": services.ACCOUNT_CLEANERS,
        "contact": services.CONTACT_CLEANERS,
        "contact link": relations.LINK_CLEANERS,
        "partner link": relations.PARTNER_CLEANERS,
        "customer settings": settings_admin.CLEANERS,
        "lead": leads.LEAD_CLEANERS,
        "pool": pools.POOL_CLEANERS,
        "opportunity": pipelines.CLEANERS,
        "task": todos._cleaners(cleaning.user_zone(actor)),
        "follow-up": followups._cleaners(actor),
    }


@pytest.mark.parametrize("value", WRONG, ids=lambda v: "object()" if type(v) is object else repr(v))
def test_choice_refuses_what_is_not_one_of_its_values(value):
    clean = cleaning.choice([("a", "A"), ("b", "B")])
    with pytest.raises(ValidationError):
        clean(value)
    assert clean("a") == "a" and clean(None) == "" and clean("") == ""


def test_every_cleaner_refuses_a_wrong_type_with_a_field_error(db):
    """Cleaners either accept a value (some take ids or flags in several forms, resolved later)
    or refuse it with ValidationError / ValidationFailed; nothing else escapes."""
    escaped = []
    for table, cleaners in _tables().items():
        for field, clean in cleaners.items():
            for value in WRONG:
                try:
                    clean(value)
                except (ValidationError, ValidationFailed):
                    pass
                except Exception as exc:  # noqa: BLE001 - what the test is looking for
                    escaped.append(f"{table}.{field}({value!r}): {type(exc).__name__}: {exc}")
    assert escaped == []
