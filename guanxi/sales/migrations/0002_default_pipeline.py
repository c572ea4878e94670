"""The default pipeline (销售漏斗) with its six stages, so that opportunities work out of the box.
Administrators rename, reorder and extend it under Administration → Pipelines."""

from django.db import migrations

STAGES = [
    # English, 简体, 繁體, type, probability
    ("Qualification", "初步接洽", "初步接洽", "open", 10),
    ("Needs analysis", "需求确认", "需求確認", "open", 30),
    ("Proposal", "方案报价", "方案報價", "open", 50),
    ("Negotiation", "谈判审核", "談判審核", "open", 70),
    ("Won", "赢单", "贏單", "won", 100),
    ("Lost", "输单", "輸單", "lost", 0),
]


def create_default(apps, schema_editor):
    Pipeline = apps.get_model("sales", "Pipeline")
    Stage = apps.get_model("sales", "Stage")
    if Pipeline.objects.exists():
        return
    pipeline = Pipeline.objects.create(name_en="Sales pipeline", name_zh_hans="销售漏斗", name_zh_hant="銷售漏斗",
                                       is_default=True, active=True, order=0)
    Stage.objects.bulk_create([
        Stage(pipeline=pipeline, name_en=en, name_zh_hans=hans, name_zh_hant=hant, type=kind, probability=p,
              order=(i + 1) * 10)
        for i, (en, hans, hant, kind, p) in enumerate(STAGES)])


def remove_default(apps, schema_editor):
    Pipeline = apps.get_model("sales", "Pipeline")
    Opportunity = apps.get_model("sales", "Opportunity")
    Stage = apps.get_model("sales", "Stage")
    for pipeline in Pipeline.objects.filter(is_default=True, name_en="Sales pipeline"):
        if not Opportunity.objects.filter(pipeline=pipeline).exists():
            Stage.objects.filter(pipeline=pipeline).delete()
            pipeline.delete()


class Migration(migrations.Migration):
    dependencies = [("sales", "0001_initial")]
    operations = [migrations.RunPython(create_default, remove_default)]
