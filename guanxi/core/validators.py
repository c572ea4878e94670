"""Validation and normalization of Chinese and international identifiers."""

from __future__ import annotations

import re
import unicodedata

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import validate_email as django_validate_email
from django.utils.translation import gettext_lazy as _

# GB 32100-2015: 18 characters from this 31-character set; the 18th is a check character.
USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_RE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")


def uscc_check_char(first17: str) -> str:
    total = sum(USCC_CHARSET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_CHARSET[(31 - total % 31) % 31]


def normalize_uscc(value: str) -> str:
    """Upper-case, strip spaces and dashes; raise ValidationError unless GB 32100-2015 holds."""
    value = unicodedata.normalize("NFKC", value or "").upper().replace(" ", "").replace("-", "")
    if not value:
        return ""
    if len(value) != 18:
        raise ValidationError(_("A unified social credit code has 18 characters."), code="uscc_length")
    if not _USCC_RE.match(value):
        raise ValidationError(
            _("A unified social credit code uses digits and the letters A–Y except I, O, S, V and Z."),
            code="uscc_chars",
        )
    if uscc_check_char(value[:17]) != value[17]:
        raise ValidationError(
            _("The check character of this unified social credit code is wrong."), code="uscc_check"
        )
    return value


def normalize_phone(value: str, region: str = "CN") -> str:
    """Any common way of writing a phone number → E.164 (+8613800138000)."""
    value = unicodedata.normalize("NFKC", value or "").strip()
    if not value:
        return ""
    if len(value) > 40:
        raise ValidationError(_("A phone number has at most 40 characters."), code="phone_length")
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(_("This is not a phone number."), code="phone_parse") from exc
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(
            _("This phone number does not exist. Check the digits and the country code."),
            code="phone_invalid",
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def format_phone(e164: str) -> str:
    """E.164 → the international format people read (+86 138 0013 8000)."""
    if not e164:
        return ""
    try:
        return phonenumbers.format_number(
            phonenumbers.parse(e164), phonenumbers.PhoneNumberFormat.INTERNATIONAL
        )
    except phonenumbers.NumberParseException:
        return e164


def normalize_email(value: str) -> str:
    value = (value or "").strip()
    if not value:
        return ""
    if len(value) > 254:
        raise ValidationError(_("An email address has at most 254 characters."), code="email_length")
    django_validate_email(value)
    local, _sep, domain = value.rpartition("@")
    return f"{local}@{domain.lower()}"


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(value: str, *, multiline: bool = False) -> str:
    """NFC, trimmed, without control characters (they break exports and terminals)."""
    value = unicodedata.normalize("NFC", value or "")
    value = _CONTROL.sub("", value)
    if not multiline:
        value = " ".join(value.split())
    return value.strip()


# Two-character family names, so that 欧阳娜娜 is 欧阳 + 娜娜, not 欧 + 阳娜娜.
COMPOUND_SURNAMES = frozenset(
    "欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 令狐 夏侯 轩辕 端木 独孤 南宫 西门 "
    "歐陽 司馬 諸葛 東方 尉遲 長孫 司徒 令狐 夏侯 軒轅 獨孤 南宮 西門".split()
)


def is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf" or "\uf900" <= ch <= "\ufaff"


def split_chinese_name(name: str) -> tuple[str, str]:
    """(family, given) for a name written in Chinese characters, else ("", "")."""
    name = name.replace(" ", "").replace("·", "")
    if not (2 <= len(name) <= 6) or not all(is_cjk(c) for c in name):
        return "", ""
    if len(name) >= 3 and name[:2] in COMPOUND_SURNAMES:
        return name[:2], name[2:]
    return name[0], name[1:]
