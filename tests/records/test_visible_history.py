"""Field histories name only the records the reader may read (records.history.visible_history):
a deal's contacts, a contact's accounts, a lead's conversion, in one query per kind of record."""

from __future__ import annotations

from guanxi.audit.models import AuditEvent
from guanxi.records.history import visible_history
from guanxi.web.templatetags.gx import change_value


def _event(obj, changes) -> AuditEvent:
    return AuditEvent.objects.create(
        actor_label="system",
        verb="update",
        object_type=obj.POLICY_OBJECT_TYPE,
        object_id=obj.pk,
        changes=changes,
    )


def test_ids_and_labels_of_records_the_reader_cannot_see_are_replaced(org, django_assert_num_queries):
    from guanxi.customers.directory import services
    from guanxi.sales.models import Opportunity

    mine = services.account_create(actor=org["rep1"], data={"name": "我的公司"})
    theirs = services.account_create(actor=org["rep3"], data={"name": "别人的公司"})
    seen = services.contact_create(actor=org["rep1"], data={"name": "王芳", "account": mine.pk})
    unseen = services.contact_create(actor=org["rep3"], data={"name": "李雷", "account": theirs.pk})
    deal = Opportunity(pk=1)
    events = [
        _event(deal, {"contacts": [[[unseen.pk, "buyer"]], [[seen.pk, "user"], [unseen.pk, "buyer"]]]}),
        _event(
            deal,
            {"account": [{"id": theirs.pk, "label": "别人的公司"}, {"id": mine.pk, "label": "我的公司"}]},
        ),
        _event(deal, {"name": ["旧", "新"], "amount": ["1.00", "2.00"]}),
    ]
    with django_assert_num_queries(2):  # contacts, accounts
        shown = visible_history(org["rep1"], Opportunity, events)
    hidden = "(a record you cannot see)"
    assert shown[0].changes["contacts"] == [[[hidden, "buyer"]], [["王芳", "user"], [hidden, "buyer"]]]
    assert change_value(shown[0].changes["contacts"][1]) == f"王芳 user, {hidden} buyer"
    assert shown[1].changes["account"] == [
        {"id": None, "label": hidden},
        {"id": mine.pk, "label": "我的公司"},
    ]
    assert shown[2].changes == {"name": ["旧", "新"], "amount": ["1.00", "2.00"]}
    assert events[0].changes["contacts"][0] == [[unseen.pk, "buyer"]]  # copies: the events are untouched
    assert visible_history(org["director"], Opportunity, events)[0].changes["contacts"][0] == [
        ["李雷", "buyer"]
    ]


def test_relations_recorded_under_their_own_names(org):
    """A contact's `account_links` (Contact.AUDIT_REFS) name accounts too."""
    from guanxi.customers.directory import services
    from guanxi.customers.models import Contact

    theirs = services.account_create(actor=org["rep3"], data={"name": "别人的公司"})
    contact = services.contact_create(actor=org["rep1"], data={"name": "王芳"})
    event = _event(contact, {"account_links": [None, {"id": theirs.pk, "label": "别人的公司 · 采购"}]})
    [shown] = visible_history(org["rep1"], Contact, [event])
    assert shown.changes["account_links"][1]["label"] == "(a record you cannot see)"
