"""Masking of contact details: what a reader sees of a phone number or an email before they may
see it whole (records in a shared pool, sales/pools, until someone claims them).

The maskers keep enough to recognise a record ("138****5678", "z***@example.com") and never
enough to call or write to it. They take the stored values (E.164 phones, normalized emails)
and return display text; empty stays empty."""

from __future__ import annotations

from typing import Any

MASK = "****"


def mask_phone(value: str | None) -> str:
    """+8613812345678 → 138****5678; +8657188888000 → 057****8000; short numbers keep 2 digits."""
    if not value:
        return ""
    digits = "".join(ch for ch in value if ch.isdigit())
    if value.startswith("+86"):
        digits = digits[2:]
        if digits and not digits.startswith("1"):
            digits = "0" + digits  # a landline as dialled inside China
    elif value.startswith("+") and len(digits) > 10:
        digits = digits[-10:]
    if len(digits) >= 8:
        return f"{digits[:3]}{MASK}{digits[-4:]}"
    if len(digits) >= 3:
        return f"{MASK}{digits[-2:]}"
    return MASK


def mask_email(value: str | None) -> str:
    """zhang.wei@example.com → z***@example.com."""
    if not value:
        return ""
    local, at, domain = value.partition("@")
    if not at:
        return f"{value[:1]}***"
    return f"{local[:1]}***@{domain}"


def mask_text(value: str | None) -> str:
    """Any other handle (a WeChat ID): its first character, then stars."""
    if not value:
        return ""
    return f"{value[:1]}***"


def masked(obj: Any, fields: dict[str, str]) -> dict[str, str]:
    """{field: masked value} for obj, with fields = {field: "phone" | "email" | "text"}."""
    maskers = {"phone": mask_phone, "email": mask_email, "text": mask_text}
    return {name: maskers[kind](getattr(obj, name, "")) for name, kind in fields.items()}


ACCOUNT_FIELDS = {"phone": "phone"}
CONTACT_FIELDS = {"mobile": "phone", "phone": "phone", "email": "email", "wechat": "text"}
LEAD_FIELDS = {"mobile": "phone", "phone": "phone", "email": "email", "wechat": "text"}
