"""The account and contact lists as saved views know them (core/saved_views.py). Imported by
CustomersConfig.ready(). Read lazily: filters added by other features count at once."""

from guanxi.core.saved_views import ListSpec, register


def _account_filters():
    from .directory import selectors

    return selectors.ACCOUNT_FILTERS


def _contact_filters():
    from .directory import selectors

    return selectors.CONTACT_FILTERS


def _account_columns():
    from .directory import views

    return views.ACCOUNT_COLUMNS


def _contact_columns():
    from .directory import views

    return views.CONTACT_COLUMNS


def _account_orderings():
    from .directory import selectors

    return selectors.ACCOUNT_ORDERING


def _contact_orderings():
    from .directory import selectors

    return selectors.CONTACT_ORDERING


register(
    ListSpec("account", "account_list", _account_filters, _account_columns, _account_orderings, ("cf_",))
)
register(
    ListSpec("contact", "contact_list", _contact_filters, _contact_columns, _contact_orderings, ("cf_",))
)
