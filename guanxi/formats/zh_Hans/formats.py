"""Django's zh_Hans formats, with amounts grouped in thousands (1,234,567.00) as Chinese business
software and financial statements show them; Django's own leave them ungrouped."""

from django.conf.locale.zh_Hans.formats import *  # noqa: F403

THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
