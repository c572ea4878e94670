"""Background work of the customers app, with the real broker where it matters."""

import os

import pytest
from django.core import mail

from guanxi.core.errors import ValidationFailed
from guanxi.customers.background import send_transfer_notice
from guanxi.customers.directory import services
from tests.factories import AccountFactory

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def test_transfer_emails_the_new_owner_in_their_language_once(org, django_capture_on_commit_callbacks):
    org["rep2"].language = "en"
    org["rep2"].save()
    account = AccountFactory(owner=org["rep1"], name="杭州西湖科技有限公司")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.account_transfer(actor=org["manager1"], account=account, owner="rep2")
    assert len(callbacks) == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["rep2@guanxi.example"]
    assert "杭州西湖科技有限公司" in mail.outbox[0].subject and "is now yours" in mail.outbox[0].subject
    from guanxi.audit.models import AuditEvent

    event = AuditEvent.objects.get(verb="transfer", object_id=account.pk)
    assert send_transfer_notice(event.pk) == "already sent"  # delivered twice, sent once
    assert len(mail.outbox) == 1


def test_no_task_when_the_transaction_rolls_back(org, django_capture_on_commit_callbacks):
    account = AccountFactory(owner=org["rep1"], name="回滚测试有限公司")
    with django_capture_on_commit_callbacks() as callbacks:
        with pytest.raises(ValidationFailed):
            services.account_transfer(actor=org["manager1"], account=account, owner="nobody")
    assert callbacks == []


def test_with_a_broker_tasks_are_queued_in_redis_not_run_inline(org, django_capture_on_commit_callbacks):
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis at " + REDIS_URL)
    from guanxi.config.celery import app

    client.delete("celery")
    old = {k: app.conf[k] for k in ("broker_url", "task_always_eager")}

    def reconnect():
        # Fresh pools for the new broker URL; old ones are left to the garbage collector rather
        # than closed, since another reference to them may still be in use in this process.
        app._pool = None
        app.amqp._producer_pool = None

    app.conf.update(broker_url=REDIS_URL, task_always_eager=False)
    reconnect()
    try:
        account = AccountFactory(owner=org["rep1"], name="队列测试有限公司")
        with django_capture_on_commit_callbacks(execute=True):
            services.account_transfer(actor=org["manager1"], account=account, owner="rep2")
        assert client.llen("celery") == 1  # waiting for a worker
        assert mail.outbox == []
    finally:
        app.conf.update(**old)
        reconnect()
        client.delete("celery")
