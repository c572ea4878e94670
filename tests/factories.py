"""Factories that create records through the services, so index and audit are real."""

from __future__ import annotations

import factory

from guanxi.customers.directory import services
from guanxi.customers.models import Account, Contact


class AccountFactory(factory.Factory):
    class Meta:
        model = dict

    name = factory.Sequence(lambda n: f"测试客户{n}有限公司")
    industry = "manufacturing"
    tier = "B"

    @classmethod
    def _create(cls, model_class, *, owner, **data) -> Account:
        return services.account_create(actor=owner, data=data)


class ContactFactory(factory.Factory):
    class Meta:
        model = dict

    name = factory.Sequence(lambda n: f"联系人{n}")

    @classmethod
    def _create(cls, model_class, *, owner, **data) -> Contact:
        return services.contact_create(actor=owner, data=data)
