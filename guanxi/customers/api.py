"""The customers' part of the API root: the accounts' and contacts' routers with every route the
customers' feature packages add to them (stage, relations, exports; the standard routes and collaborators come from records.api's factory). Importing the
packages' api modules is what adds their routes; customers/registry.py mounts the two routers."""

from . import api_exports  # noqa: F401  (POST …/export-jobs)
from .directory.api import accounts_router, contacts_router
from .lifecycle import api as lifecycle_api  # noqa: F401  (stage and level)
from .relations import api as relations_api  # noqa: F401  (hierarchy, partners, contact links)

__all__ = ["accounts_router", "contacts_router"]
