"""Masking of personal values for reports and notebook views.

Every value a report shows about a person goes through one of these functions, so a
report can be shared with people who may see the *shape* of the data (is the phone
there, is it Russian, which mail provider) but not the data itself.

Examples
--------
>>> mask_name("Иван Иванов")
'Ив*** И***'
>>> mask_phone("+79161234567")
'+7916*****67'
>>> mask_email("ivanov@mail.ru")
'i***@mail.ru'
>>> mask_date("1986-02-10")
'1986-**-**'
"""

from __future__ import annotations

import math
import re
from typing import Any

__all__ = [
    "PERSONAL_FIELDS",
    "mask_date",
    "mask_email",
    "mask_name",
    "mask_phone",
    "mask_text",
    "mask_value",
]

#: Canonical fields (and golden columns) whose values are personal and always masked.
PERSONAL_FIELDS: frozenset[str] = frozenset(
    {
        "full_name",
        "first_name",
        "middle_name",
        "last_name",
        "birth_date",
        "phone",
        "phones",
        "email",
        "emails",
        "address",
        "postcode",
        "city",
        "street",
        "house_number",
        "national_id",
    }
)

_DIGIT = re.compile(r"\d")


def _missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def mask_name(value: Any) -> str:
    """Keep two letters of the first word and one of every other word.

    >>> mask_name("Кудрявцев Юрий Дмитриевич")
    'Ку*** Ю*** Д***'
    >>> mask_name(None)
    ''
    """
    if _missing(value):
        return ""
    words = str(value).split()
    out = [words[0][:2] + "***"] + [w[:1] + "***" for w in words[1:]]
    return _DIGIT.sub("*", " ".join(out))


def mask_phone(value: Any) -> str:
    """Keep the country and area code and the last two digits.

    >>> mask_phone("+1 (520) 213-4967")
    '+1520*****67'
    """
    if _missing(value):
        return ""
    text = str(value)
    digits = re.sub(r"\D", "", text)
    if not digits:
        return "***"
    plus = "+" if text.strip().startswith("+") else ""
    if len(digits) <= 6:
        return plus + "*" * len(digits)
    head = 4 if plus else 3
    hidden = len(digits) - head - 2
    return plus + digits[:head] + "*" * hidden + digits[-2:]


def mask_email(value: Any) -> str:
    """Keep the first character of the local part and the domain.

    >>> mask_email("larry.fernandez@gmail.com")
    'l***@gmail.com'
    """
    if _missing(value):
        return ""
    text = str(value).strip()
    local, at, domain = text.rpartition("@")
    if not at:
        return mask_text(text)
    return f"{local[:1]}***@{domain}"


def mask_date(value: Any) -> str:
    """Keep the year only.

    >>> mask_date("1970-11-22")
    '1970-**-**'
    >>> mask_date("22.11.1970")
    '**.**.1970'
    """
    if _missing(value):
        return ""
    text = str(value).strip()
    match = re.search(r"(19|20)\d\d", text)
    masked = _DIGIT.sub("*", text)
    if match:
        masked = masked[: match.start()] + match.group(0) + masked[match.end() :]
    return masked


def mask_text(value: Any) -> str:
    """Generic mask: the first character of each word, every digit hidden.

    >>> mask_text("г. Уфа, Луговая, д. 45")
    'г*** У*** Л*** д*** ***'
    """
    if _missing(value):
        return ""
    words = re.findall(r"\w+", str(value))
    return " ".join(("***" if w[:1].isdigit() else w[:1] + "***") for w in words) or "***"


def mask_value(field: str, value: Any) -> str:
    """Mask ``value`` the way its field calls for (unknown fields get :func:`mask_text`).

    >>> mask_value("emails", "a.b@ya.ru|c@ya.ru")
    'a***@ya.ru | c***@ya.ru'
    """
    if _missing(value):
        return ""
    text = str(value)
    if "|" in text and field in {"phones", "emails"}:
        return " | ".join(mask_value(field, part) for part in text.split("|") if part)
    if field in {"full_name", "first_name", "middle_name", "last_name"}:
        return mask_name(text)
    if field in {"phone", "phones"}:
        return mask_phone(text)
    if field in {"email", "emails"}:
        return mask_email(text)
    if field == "birth_date":
        return mask_date(text)
    return mask_text(text)
