"""Sales: leads (线索), web-to-lead forms, scoring and assignment rules, the shared pools (公海),
pipelines and opportunities (商机), targets (业绩目标) and exchange rates for the forecast.

One module per subject; the app's models are all importable from here (`guanxi.sales.models`), as
Django and the rest of the code expect."""

from .base import LIVE, localized
from .leads import OPEN_LEAD_STATUSES, AssignmentRule, Lead, LeadForm, LeadSource, LeadStatus, ScoringRule
from .pipelines import ExchangeRate, Opportunity, OpportunityContact, OpportunityStageChange, Pipeline, Stage
from .pools import Pool, PoolEvent, PoolRule
from .targets import Target

__all__ = [
    "LIVE",
    "OPEN_LEAD_STATUSES",
    "AssignmentRule",
    "ExchangeRate",
    "Lead",
    "LeadForm",
    "LeadSource",
    "LeadStatus",
    "Opportunity",
    "OpportunityContact",
    "OpportunityStageChange",
    "Pipeline",
    "Pool",
    "PoolEvent",
    "PoolRule",
    "ScoringRule",
    "Stage",
    "Target",
    "localized",
]
