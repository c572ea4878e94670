"""Records of every kind for the lifecycle and purge tests, made through their services."""

from __future__ import annotations

import pytest

from tests.engagement.test_attachments_sniff import PDF, temp_media, upload


@pytest.fixture
def media(settings, tmp_path):
    return temp_media(settings, tmp_path)


@pytest.fixture
def customer(org, media):
    """rep1's account with a contact, an opportunity, a follow-up, a task, a file and a converted lead."""
    from guanxi.engagement.files.services import attachment_upload
    from guanxi.engagement.followups.services import activity_create
    from guanxi.sales.leads.services import lead_create
    from guanxi.sales.pipelines.services import opportunity_create
    from tests.factories import AccountFactory, ContactFactory

    rep = org["rep1"]
    account = AccountFactory(owner=rep, name="生命周期测试有限公司")
    contact = ContactFactory(owner=rep, name="周期联系人", account=account.pk)
    deal = opportunity_create(actor=rep, data={"name": "周期商机", "account": account.pk, "amount": "1000"})
    followup = activity_create(actor=rep, data={"kind": "call", "account": account.pk, "subject": "回访"})
    from guanxi.engagement.models import Task

    task = Task.objects.create(title="准备报价", owner=rep, assignee=rep, account=account)
    stored, _created = attachment_upload(actor=rep, file=upload(PDF, "报价.pdf"), account=account)
    lead = lead_create(actor=rep, data={"name": "周期线索"})
    type(lead)._base_manager.filter(pk=lead.pk).update(account=account)
    return {
        "rep": rep,
        "account": account,
        "contact": contact,
        "opportunity": deal,
        "activity": followup,
        "task": task,
        "attachment": stored,
        "lead": lead,
    }
