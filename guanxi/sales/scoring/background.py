"""Background work of lead scoring."""

from celery import shared_task


@shared_task(name="guanxi.sales.scoring.rescore_open_leads", acks_late=True)
def rescore_open_leads_task() -> int:
    """Rescore every open lead under the current rules (after a rule change). Safe to run twice:
    it only writes scores that differ from what the rules give."""
    from .services import rescore_open_leads

    return rescore_open_leads()
