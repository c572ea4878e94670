"""The demo data: realistic and mixed, the same on every run, and loaded in bulk on PostgreSQL."""

import random
import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from guanxi.core.validators import normalize_uscc
from guanxi.customers.models import Account, Contact
from guanxi.demo import generate
from guanxi.search.models import SearchDocument

postgres_only = pytest.mark.skipif("connection.vendor != 'postgresql'", reason="PostgreSQL bulk loading")


@pytest.mark.django_db
def test_default_demo_is_about_200_accounts_and_600_contacts_mixed_and_valid():
    call_command("demo-data")
    accounts = list(Account.objects.all())
    assert len(accounts) == 200 and Contact.objects.count() == 600
    assert (
        SearchDocument.objects.filter(object_type__in=["account", "contact"]).count() == 800
    )  # + the sales demo's
    assert all(normalize_uscc(a.uscc) == a.uscc for a in accounts if a.uscc)
    mainland = [a for a in accounts if a.uscc]
    traditional = [a for a in accounts if re.search("[貿實鴻東亞華灣]", a.name)]
    english = [a for a in accounts if re.match("[A-Z]", a.name)]
    assert len(mainland) > 100 and traditional and english
    assert all(c.mobile.startswith("+") for c in Contact.objects.exclude(mobile=""))
    assert not Contact.objects.filter(account=None).exists()
    owners = set(Account.objects.filter(pool__isnull=True).values_list("owner__username", flat=True))
    assert owners == {"director", "manager1", "rep1", "rep2", "rep3"}
    assert not Account.objects.filter(
        pool__isnull=False, owner__isnull=False
    ).exists()  # the pool's 15 (sales demo)


def test_a_chunk_is_the_same_whichever_process_makes_it():
    plan = generate.Plan(seed=1, owner_ids=[1, 2, 3, 4, 5], now=timezone.now(), validate=False)

    def names(number):
        chunk = generate.make_chunk(plan, number, 20)
        return [a.name for a in chunk.accounts] + [c.name for c in chunk.contacts]

    random.seed(99)  # the global generator plays no part
    first = names(3)
    assert names(7) != first
    assert names(3) == first
    assert len(first) == 20 * 4


@pytest.mark.django_db
def test_scale_makes_n_accounts_and_3n_contacts_in_several_chunks(monkeypatch):
    monkeypatch.setattr(generate, "CHUNK", 7)
    made = generate.generate(30, validate=False)
    assert (made["accounts"], made["contacts"]) == (30, 90)
    assert Account.objects.count() == 30 and Contact.objects.count() == 90
    assert SearchDocument.objects.filter(object_type="contact").count() == 90
    # every contact belongs to an account of the same run
    assert set(Contact.objects.values_list("account_id", flat=True)) == set(
        Account.objects.values_list("id", flat=True)
    )


def _schema():
    with connection.cursor() as cursor:
        cursor.execute("""
            SELECT pg_get_indexdef(indexrelid) FROM pg_index
            WHERE indrelid::regclass::text IN ('customers_account', 'customers_contact', 'search_searchdocument')
            UNION ALL
            SELECT conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint
            WHERE conrelid::regclass::text IN ('customers_account', 'customers_contact', 'search_searchdocument')
            ORDER BY 1""")
        return [row[0] for row in cursor.fetchall()]


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_bulk_load_mode_puts_every_index_and_foreign_key_back():
    from guanxi.demo import pgload

    before = _schema()
    with pgload.bulk_load_mode([Account, Contact, SearchDocument]):
        during = _schema()
    assert len(during) < len(before)
    assert _schema() == before


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_an_interrupted_load_is_finished_by_the_next_run():
    from guanxi.demo import pgload

    before = _schema()
    pgload.set_aside([Account, Contact, SearchDocument])  # …and the load dies before the rebuild
    assert _schema() != before
    pgload.finish_interrupted_load()
    assert _schema() == before


def test_demo_records_start_with_a_creation_history(db):
    from guanxi.audit.models import AuditEvent
    from guanxi.customers.models import Account
    from guanxi.demo.generate import generate

    generate(5)
    generate(2)  # a second run adds history only for its own new records
    account = Account.objects.first()
    event = AuditEvent.objects.get(object_type="account", object_id=account.pk, verb="create")
    assert event.actor_id == account.owner_id and event.changes["name"] == [None, account.name]
    assert (
        AuditEvent.objects.filter(verb="create", object_type="account").count()
        == Account.objects.count()
        == 7
    )
