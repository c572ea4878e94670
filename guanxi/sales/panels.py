"""The sales panels of the account's 360° page (customers/panels.py registry).

Each feature package registers its own provider in its `panels` module; importing them here is
what registers them (SalesConfig.ready)."""

from .pipelines import panels as pipeline_panels  # noqa: F401  (the account's opportunities)
from .pools import panels as pool_panels  # noqa: F401  (claim, assign, return on the account page)
