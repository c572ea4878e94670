import pytest
from django.core.exceptions import ValidationError

from guanxi.core.validators import (
    format_phone,
    normalize_email,
    normalize_phone,
    normalize_uscc,
    split_chinese_name,
    uscc_check_char,
)

# Published codes of real companies (Huawei, Alibaba China, Tencent) and the GB 32100 example.
REAL_USCCS = ["914403001922038216", "91330100799655058B", "91440300708461136T", "91350100M000100Y43"]


@pytest.mark.parametrize("code", REAL_USCCS)
def test_real_uscc_passes_checksum(code):
    assert normalize_uscc(code) == code
    assert uscc_check_char(code[:17]) == code[17]


def test_uscc_is_normalized_from_lower_case_and_spaces():
    assert normalize_uscc(" 9144 0300 708461136t ") == "91440300708461136T"


@pytest.mark.parametrize(
    "code, reason",
    [
        ("91440300708461136", "uscc_length"),
        ("91440300708461136TX", "uscc_length"),
        ("91440300708461136I", "uscc_chars"),  # I is not in the character set
        ("91440300708461136A", "uscc_check"),
        ("9144O300708461136T", "uscc_chars"),  # letter O in the region code
    ],
)
def test_bad_uscc_is_refused_with_its_reason(code, reason):
    with pytest.raises(ValidationError) as exc:
        normalize_uscc(code)
    assert exc.value.code == reason


@pytest.mark.parametrize(
    "raw, e164",
    [
        ("13800138000", "+8613800138000"),
        ("138-0013-8000", "+8613800138000"),
        ("+86 138 0013 8000", "+8613800138000"),
        ("0571-87654321", "+8657187654321"),
        ("+852 2345 6789", "+85223456789"),
        ("１３８００１３８０００", "+8613800138000"),  # full-width digits from Chinese input methods
    ],
)
def test_phone_numbers_normalize_to_e164(raw, e164):
    assert normalize_phone(raw) == e164


@pytest.mark.parametrize("raw", ["12345", "abc", "+86 000", "1" * 41, "+86 138 0013 800"])
def test_impossible_phone_numbers_are_refused(raw):
    with pytest.raises(ValidationError):
        normalize_phone(raw)


def test_phone_display_is_international():
    assert format_phone("+8613800138000") == "+86 138 0013 8000"


def test_email_domain_is_lower_cased_and_bad_ones_refused():
    assert normalize_email(" Zhang.Wei@Example.COM ") == "Zhang.Wei@example.com"
    for bad in ["zhang", "zhang@", "@example.com", "a b@example.com", "x" * 250 + "@example.com"]:
        with pytest.raises(ValidationError):
            normalize_email(bad)


@pytest.mark.parametrize(
    "name, parts",
    [
        ("王小明", ("王", "小明")),
        ("欧阳娜娜", ("欧阳", "娜娜")),
        ("司马光", ("司马", "光")),
        ("Anna Lee", ("", "")),
        ("王", ("", "")),
    ],
)
def test_chinese_names_split_family_first(name, parts):
    assert split_chinese_name(name) == parts
