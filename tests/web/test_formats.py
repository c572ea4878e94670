"""Amounts are grouped in thousands in every language (Django's Chinese formats don't group)."""

import pytest
from django.template import Context, Template
from django.utils import translation


@pytest.mark.parametrize("language", ["zh-hans", "zh-hant", "en"])
def test_amounts_are_grouped_in_thousands(language):
    with translation.override(language):
        html = Template('{{ n|floatformat:"2g" }} {{ m|floatformat:"0g" }}').render(
            Context({"n": 1234567.5, "m": 4211000})
        )
    assert html == "1,234,567.50 4,211,000"
