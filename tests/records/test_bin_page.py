"""The recycle bin page: a tab per kind the user may restore, restore from there."""

from __future__ import annotations

import pytest

from guanxi.records import lifecycle

pytestmark = pytest.mark.django_db


def test_every_kind_has_its_tab_and_what_went_with_a_record_is_not_listed_apart(customer, web):
    c, rep = customer, customer["rep"]
    lifecycle.delete(actor=rep, obj=c["account"], version=c["account"].version)
    lifecycle.delete(actor=rep, obj=c["contact"], version=c["contact"].version)
    client = web("rep1")
    page = client.get("/recycle-bin/").content.decode()
    for name in ("account", "contact", "activity", "task", "lead", "opportunity"):
        assert f'data-testid="bin-tab-{name}"' in page, name
    assert 'data-testid="bin-tab-attachment"' not in page  # its only file went with the account
    assert 'data-testid="bin-tab-pipeline"' not in page  # configuration: only with its right
    assert "生命周期测试有限公司" in page  # accounts first
    deals = client.get("/recycle-bin/?kind=opportunity").content.decode()
    assert "周期商机" not in deals  # it went with its account: it comes back with it


def test_restore_from_the_page_brings_back_what_went_with_it(customer, web):
    from guanxi.sales.models import Opportunity

    c, rep = customer, customer["rep"]
    account = c["account"]
    lifecycle.delete(actor=rep, obj=account, version=account.version)
    response = web("rep1").post(f"/recycle-bin/account/{account.pk}/restore/")
    assert response.status_code == 302 and response["Location"] == "/recycle-bin/?kind=account"
    assert Opportunity.objects.filter(pk=c["opportunity"].pk).exists()


def test_records_of_others_are_404_and_nothing_changes(customer, web):
    c, rep = customer, customer["rep"]
    lifecycle.delete(actor=rep, obj=c["contact"], version=c["contact"].version)
    assert web("rep2").post(f"/recycle-bin/contact/{c['contact'].pk}/restore/").status_code == 404
    assert web("rep1").post("/recycle-bin/nokind/1/restore/").status_code == 404
    assert "周期联系人" not in web("rep2").get("/recycle-bin/?kind=contact").content.decode()


def test_the_page_for_someone_who_may_restore_nothing(org, web):
    from guanxi.org.models import User

    User.objects.create_user("nobody")
    org["nobody"] = User.objects.get(username="nobody")
    assert "Nothing you may restore" in web("nobody").get("/recycle-bin/").content.decode()
