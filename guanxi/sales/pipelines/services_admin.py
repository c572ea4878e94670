"""Pipelines and their stages, administrators only (the opportunities' writes are services.py)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.audit import services as audit
from guanxi.core import cleaning as c
from guanxi.core.errors import ValidationFailed
from guanxi.core.services import check_version, full_clean, model_update
from guanxi.org import rights
from guanxi.policies import access
from guanxi.records import lifecycle

from ..models import Opportunity, OpportunityStageChange, Pipeline, Stage
from .cleaning import clean_probability, resolve_stage
from .services import bump_version, seconds_since

LANGS = (("en", "en"), ("zh-hans", "zh_hans"), ("zh-hant", "zh_hant"))
STAGE_KEYS = {"id", "name", "names", "type", "probability", "order", "active"}
MAX_STAGES = 30


def _names(value, field: str) -> dict[str, str]:
    """A name in every language: a string (English, used for all), or {"en", "zh-hans", "zh-hant"}
    (also name_en… keys); English is required."""
    if isinstance(value, str):
        value = {"en": value}
    if not isinstance(value, dict) or not value:
        raise ValidationFailed(
            fields={field: [_("Enter a name, or names per language (en, zh-hans, zh-hant).")]}
        )
    out: dict[str, str] = {}
    for key, text in value.items():
        suffix = next((s for lang, s in LANGS if key in (lang, s, f"name_{s}")), None)
        if suffix is None:
            raise ValidationFailed(fields={field: [_("Use the languages en, zh-hans and zh-hant.")]})
        try:
            out[suffix] = c.text(100)(text)
        except ValidationError as exc:
            raise ValidationFailed(fields={field: list(exc.messages)}) from None
    if not out.get("en"):
        out["en"] = out.get("zh_hans") or out.get("zh_hant") or ""
    if not out["en"]:
        raise ValidationFailed(fields={field: [_("This field is required.")]})
    return {f"name_{s}": out.get(s, "") for _lang, s in LANGS}


def _stage_rows(value) -> list[dict]:
    """The cleaned stage list of a pipeline: [{"id"?, name_en…, type, probability, order, active}]."""
    if not isinstance(value, (list, tuple)) or not value:
        raise ValidationFailed(fields={"stages": [_("Enter the list of stages.")]})
    if len(value) > MAX_STAGES:
        raise ValidationFailed(fields={"stages": [_("Use at most %(max)d stages.") % {"max": MAX_STAGES}]})
    rows = []
    types = {t for t, _label in Stage.Type.choices}
    for index, item in enumerate(value):
        if not isinstance(item, dict) or set(item) - STAGE_KEYS:
            raise ValidationFailed(
                fields={"stages": [_("Each stage has a name, a type, a probability and an order.")]}
            )
        row = _names(item.get("names") if item.get("names") is not None else item.get("name"), "stages")
        kind = item.get("type", Stage.Type.OPEN)
        if kind not in types:
            raise ValidationFailed(fields={"stages": [_("A stage's type is open, won or lost.")]})
        try:
            probability = clean_probability(item.get("probability"))
        except ValidationError as exc:
            raise ValidationFailed(fields={"stages": list(exc.messages)}) from None
        if probability is None:
            probability = {"won": 100, "lost": 0}.get(kind, 0)
        order = item.get("order", index)
        active = item.get("active", True)
        if type(order) is not int or not 0 <= order <= 10000 or not isinstance(active, bool):
            raise ValidationFailed(
                fields={"stages": [_("A stage's order is a whole number and active is true or false.")]}
            )
        if "id" in item and item["id"] is not None and access.record_id(item["id"]) is None:
            raise ValidationFailed(fields={"stages": [_("A stage id is a whole number.")]})
        rows.append(
            {
                **row,
                "id": access.record_id(item.get("id")),
                "type": kind,
                "probability": probability,
                "order": order,
                "active": active,
            }
        )
    live = {r["type"] for r in rows if r["active"]}
    if not {Stage.Type.OPEN, Stage.Type.WON, Stage.Type.LOST} <= live:
        raise ValidationFailed(
            fields={"stages": [_("A pipeline needs at least one open, one won and one lost stage.")]}
        )
    return rows


def _pipeline_fields(data: dict, *, partial: bool) -> dict:
    unknown = set(data) - {"name", "names", "is_default", "active", "order", "stages"}
    if unknown:
        raise ValidationFailed(fields={k: [_("Unknown field; it cannot be set here.")] for k in unknown})
    out: dict = {}
    if data.get("names") is not None or data.get("name") is not None:
        out.update(_names(data.get("names") if data.get("names") is not None else data.get("name"), "name"))
    elif not partial:
        raise ValidationFailed(fields={"name": [_("This field is required.")]})
    for key in ("is_default", "active"):
        if key in data and data[key] is not None:
            if not isinstance(data[key], bool):
                raise ValidationFailed(fields={key: [_("Enter true or false.")]})
            out[key] = data[key]
    if data.get("order") is not None:
        if type(data["order"]) is not int or not 0 <= data["order"] <= 10000:
            raise ValidationFailed(fields={"order": [_("Enter a whole number from 0 to 10000.")]})
        out["order"] = data["order"]
    return out


def _set_default(pipeline: Pipeline) -> None:
    Pipeline.objects.exclude(pk=pipeline.pk).filter(is_default=True).update(is_default=False)


def _sync_stages(pipeline: Pipeline, rows: list[dict]) -> list:
    """Create, change and remove stages to match `rows`; (old, new) summaries for the audit."""
    current = {s.pk: s for s in pipeline.stages.all()}
    old = [[s.pk, s.name_en, s.type, s.probability, s.order, s.active] for s in current.values()]
    keep: set[int] = set()
    for row in rows:
        pk = row.pop("id")
        if pk is not None:
            if pk not in current:
                raise ValidationFailed(
                    fields={"stages": [_("Stage %(id)s is not a stage of this pipeline.") % {"id": pk}]}
                )
            stage = current[pk]
            for key, value in row.items():
                setattr(stage, key, value)
            stage.save()
            keep.add(pk)
        else:
            stage = Stage.objects.create(pipeline=pipeline, **row)
            keep.add(stage.pk)
    gone = [pk for pk in current if pk not in keep]
    in_use = set(
        Opportunity._base_manager.filter(stage_id__in=gone).values_list("stage_id", flat=True).distinct()
    )
    if in_use:
        names = ", ".join(current[pk].name_en for pk in sorted(in_use))
        raise ValidationFailed(
            fields={
                "stages": [
                    _(
                        "Stages with opportunities cannot be removed (%(names)s): deactivate them, or move their "
                        "opportunities to another stage first."
                    )
                    % {"names": names}
                ]
            }
        )
    changed = {
        s
        for s in OpportunityStageChange.objects.filter(to_stage_id__in=gone).values_list(
            "to_stage_id", flat=True
        )
    }
    changed |= {
        s
        for s in OpportunityStageChange.objects.filter(from_stage_id__in=gone).values_list(
            "from_stage_id", flat=True
        )
    }
    # a stage that appears in the history but holds no deal any more: kept, inactive (history stays readable)
    Stage.objects.filter(pk__in=changed).update(active=False)
    Stage.objects.filter(pk__in=[pk for pk in gone if pk not in changed]).delete()
    new = [
        [s.pk, s.name_en, s.type, s.probability, s.order, s.active]
        for s in pipeline.stages.order_by("order", "id")
    ]
    return [old, new]


def _check_live_shape(pipeline: Pipeline) -> None:
    live = set(pipeline.stages.filter(active=True).values_list("type", flat=True))
    if not {Stage.Type.OPEN, Stage.Type.WON, Stage.Type.LOST} <= live:
        raise ValidationFailed(
            fields={"stages": [_("A pipeline needs at least one open, one won and one lost stage.")]}
        )


@transaction.atomic
def pipeline_create(*, actor, data: dict) -> Pipeline:
    rights.require(actor, "manage_pipelines")
    data = dict(data)
    fields = _pipeline_fields(data, partial=False)
    rows = _stage_rows(data.get("stages"))
    if not Pipeline.objects.filter(deleted_at__isnull=True).exists():
        fields["is_default"] = True
    pipeline = Pipeline(**fields)
    full_clean(pipeline)
    pipeline.save()
    for row in rows:
        row.pop("id")
        Stage.objects.create(pipeline=pipeline, **row)
    if pipeline.is_default:
        _set_default(pipeline)
    audit.record(
        actor=actor,
        verb="create",
        obj=pipeline,
        changes={
            **{k: (None, v) for k, v in fields.items()},
            "stages": (None, [[r["name_en"], r["type"], r["probability"]] for r in rows]),
        },
    )
    return pipeline


@transaction.atomic
def pipeline_update(*, actor, pipeline: Pipeline, data: dict, version: int | None) -> Pipeline:
    """Names, default, active, order; `stages` (when given) is the whole new list: stages with an
    `id` are changed, without one added, left out removed (refused while they hold deals)."""
    rights.require(actor, "manage_pipelines")
    check_version(pipeline, version)
    data = dict(data)
    fields = _pipeline_fields(data, partial=True)
    if fields.get("active") is False and (fields.get("is_default", pipeline.is_default)):
        raise ValidationFailed(
            fields={"active": [_("The default pipeline stays active; make another one the default first.")]}
        )
    if fields.get("is_default") is False and pipeline.is_default:
        raise ValidationFailed(fields={"is_default": [_("Make another pipeline the default instead.")]})
    changes = dict(
        model_update(
            pipeline,
            fields=["name_en", "name_zh_hans", "name_zh_hant", "is_default", "active", "order"],
            data=fields,
            expected_version=version,
        )
    )
    if data.get("stages") is not None:
        old, new = _sync_stages(pipeline, _stage_rows(data["stages"]))
        _check_live_shape(pipeline)
        if old != new:
            changes["stages"] = (old, new)
            if len(changes) == 1:
                bump_version(pipeline, timezone.now())
    if pipeline.is_default:
        _set_default(pipeline)
    if changes:
        audit.record(actor=actor, verb="update", obj=pipeline, changes=changes)
    return pipeline


@transaction.atomic
def pipeline_delete(*, actor, pipeline: Pipeline, version: int | None) -> None:
    """To the recycle bin; the default pipeline and one with open deals stay."""
    rights.require(actor, "manage_pipelines")
    check_version(pipeline, version)
    if pipeline.is_default:
        raise ValidationFailed(
            fields={
                "is_default": [
                    _("The default pipeline cannot be deleted; make another one the default first.")
                ]
            }
        )
    open_deals = Opportunity.objects.filter(
        pipeline=pipeline, deleted_at__isnull=True, stage_type=Stage.Type.OPEN
    ).count()
    if open_deals:
        raise ValidationFailed(
            fields={
                "pipeline": [
                    _(
                        "%(n)d open opportunities are in this pipeline: close them or "
                        "move them to another pipeline first."
                    )
                    % {"n": open_deals}
                ]
            }
        )
    lifecycle.delete(actor=actor, obj=pipeline, version=version)


@transaction.atomic
def pipeline_restore(*, actor, pipeline: Pipeline, version: int | None = None) -> Pipeline:
    return lifecycle.restore(actor=actor, obj=pipeline, version=version)


@transaction.atomic
def stage_delete(*, actor, stage: Stage, move_to=None) -> None:
    """Remove a stage; its deals go to `move_to` (a stage of the same pipeline) first, each with a
    stage change. Without `move_to`, a stage that holds deals is refused (deactivate it instead)."""
    rights.require(actor, "manage_pipelines")
    pipeline = stage.pipeline
    deals = Opportunity._base_manager.filter(stage=stage)
    if deals.exists():
        if move_to in (None, ""):
            raise ValidationFailed(
                fields={
                    "move_to": [
                        _(
                            "This stage holds opportunities: choose the stage to move "
                            "them to, or deactivate the stage."
                        )
                    ]
                }
            )
        target = resolve_stage(pipeline.pk, move_to)
        if target.pk == stage.pk or target.type != stage.type:
            raise ValidationFailed(fields={"move_to": [_("Choose another stage of the same type.")]})
        now = timezone.now()
        OpportunityStageChange.objects.bulk_create(
            [
                OpportunityStageChange(
                    opportunity_id=pk,
                    from_stage=stage,
                    to_stage=target,
                    at=now,
                    actor=actor if getattr(actor, "pk", None) else None,
                    seconds_in_stage=seconds_since(entered, now),
                    reason=_("Stage removed"),
                )
                for pk, entered in deals.values_list("pk", "stage_entered_at")
            ]
        )
        moved = list(deals.values_list("pk", flat=True))
        Opportunity._base_manager.filter(pk__in=moved).update(
            stage=target, stage_entered_at=now, updated_at=now
        )
        Opportunity._base_manager.filter(pk__in=moved, probability_manual=False).update(
            probability=target.probability
        )
    if (
        OpportunityStageChange.objects.filter(to_stage=stage).exists()
        or OpportunityStageChange.objects.filter(from_stage=stage).exists()
    ):
        Stage.objects.filter(pk=stage.pk).update(active=False)  # kept for the stage history
    else:
        stage.delete()
    _check_live_shape(pipeline)
    audit.record(
        actor=actor, verb="update", obj=pipeline, changes={"stages": ([stage.pk, stage.name_en], None)}
    )
