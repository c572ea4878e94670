"""The audit verbs every kind of record shares; apps declare their own (core.registry.verb)."""

from django.utils.translation import gettext_lazy as _

from guanxi.core import registry

registry.verb("create", _("created"))
registry.verb("update", _("updated"))
registry.verb("delete", _("moved to the recycle bin"))
registry.verb("restore", _("restored"))
registry.verb("purge", _("deleted for good"))
registry.verb("transfer", _("transferred"))
registry.verb("share", _("shared"))
