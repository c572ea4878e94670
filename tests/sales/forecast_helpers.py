"""Opportunities and targets for the forecast tests, made directly with the ORM (the forecast
only reads them; the opportunity services are tested by their own modules)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone


def default_stages():
    from guanxi.sales.models import Pipeline, Stage

    pipeline = Pipeline.objects.filter(is_default=True).first()
    if pipeline is None:  # the data migration normally made it
        pipeline = Pipeline.objects.create(name_en="Sales pipeline", is_default=True)
        for i, (name, kind, p) in enumerate(
            [
                ("Qualification", "open", 10),
                ("Proposal", "open", 50),
                ("Won", "won", 100),
                ("Lost", "lost", 0),
            ]
        ):
            Stage.objects.create(pipeline=pipeline, name_en=name, type=kind, probability=p, order=i)
    stages = list(pipeline.stages.order_by("order"))
    return pipeline, {
        "open": next(s for s in stages if s.type == "open"),
        "won": next(s for s in stages if s.type == "won"),
        "lost": next(s for s in stages if s.type == "lost"),
    }


def account_for(owner, name: str | None = None):
    from guanxi.customers.models import Account

    return Account.objects.create(
        name=name or f"预测测试{owner.username}有限公司",
        owner=owner,
        created_by=owner,
        owned_since=timezone.now(),
    )


def opportunity(
    owner,
    *,
    amount,
    stage_type: str = "open",
    probability: int | None = None,
    expected_close: dt.date | None = None,
    closed_at: dt.datetime | None = None,
    account=None,
    name: str = "预测商机",
    deleted: bool = False,
):
    from guanxi.sales.models import Opportunity

    pipeline, stages = default_stages()
    stage = stages[stage_type]
    amount = Decimal(amount)
    return Opportunity.objects.create(
        name=name,
        account=account or account_for(owner),
        owner=owner,
        created_by=owner,
        amount=amount,
        amount_base=amount,
        currency="CNY",
        pipeline=pipeline,
        stage=stage,
        stage_type=stage_type,
        probability=stage.probability if probability is None else probability,
        expected_close=expected_close,
        closed_at=closed_at,
        deleted_at=timezone.now() if deleted else None,
    )


def at(text: str) -> dt.datetime:
    """An aware datetime from ISO text with its offset."""
    return dt.datetime.fromisoformat(text)
