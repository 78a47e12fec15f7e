"""Issue codes raised by the normalisers, and helpers to build the issues frame.

Every normaliser returns ``(frame, issues)``. ``issues`` has exactly three columns:

``row``
    The index label of the input row the issue belongs to.
``field``
    The canonical field name (``"phone"``, ``"first_name"`` ...).
``reason``
    One of the short snake_case codes below.

A missing value (``None``, ``NaN``, empty or blank string) is *not* an issue: it is simply
missing and produces no row. Messages and codes never contain personal values.

Codes
-----
JUNK_VALUE
    A placeholder such as ``"N/A"``, ``"null"``, ``"-"``, ``"нет"``, ``"unknown"``, ``"0"``,
    ``"xxx"`` or a value made only of punctuation. Treated as missing and flagged.
CONTROL_CHARACTERS
    NUL, other C0/C1 control characters, zero-width or bidi formatting characters were
    stripped. The value is still used after stripping.
TOO_LONG
    More than :data:`MAX_LENGTH` characters after cleaning. Treated as missing.
INVALID_PHONE
    ``phonenumbers`` could not parse the number or says it is not a valid number in any of the
    regions tried.
JUNK_PHONE
    A placeholder number: one repeated digit (``0000000000``), a run such as ``1234567890``, or
    fewer than 7 digits.
INVALID_EMAIL
    Not of the shape ``local@domain.tld``.
INVALID_DATE
    Not recognisable as a date in any supported format.
IMPOSSIBLE_DATE
    Recognisable but impossible: day or month out of range (``31.02.1990``, month 13), year
    before :data:`MIN_YEAR`, or a date in the future.
AMBIGUOUS_DATE
    Day and month are both <= 12, the separator does not decide the order and the column gives
    no evidence either way; the configured default (day first) was used.
UNPARSED_NAME
    A full name whose parts could not be assigned with confidence (for example one token, or
    several tokens with no given name, patronymic or surname ending to anchor the order). The
    best guess is still filled in.
INVALID_NATIONAL_ID
    A national identifier with too few alphanumerics to be real (after junk removal).
"""

from __future__ import annotations

import pandas as pd

__all__ = [
    "ALL_REASONS",
    "AMBIGUOUS_DATE",
    "CONTROL_CHARACTERS",
    "IMPOSSIBLE_DATE",
    "INVALID_DATE",
    "INVALID_EMAIL",
    "INVALID_NATIONAL_ID",
    "INVALID_PHONE",
    "ISSUE_COLUMNS",
    "JUNK_PHONE",
    "JUNK_VALUE",
    "MAX_LENGTH",
    "MIN_YEAR",
    "TOO_LONG",
    "UNPARSED_NAME",
    "empty_issues",
]

JUNK_VALUE = "junk_value"
CONTROL_CHARACTERS = "control_characters"
TOO_LONG = "too_long"
INVALID_PHONE = "invalid_phone"
JUNK_PHONE = "junk_phone"
INVALID_EMAIL = "invalid_email"
INVALID_DATE = "invalid_date"
IMPOSSIBLE_DATE = "impossible_date"
AMBIGUOUS_DATE = "ambiguous_date"
UNPARSED_NAME = "unparsed_name"
INVALID_NATIONAL_ID = "invalid_national_id"

ALL_REASONS: frozenset[str] = frozenset(
    {
        JUNK_VALUE,
        CONTROL_CHARACTERS,
        TOO_LONG,
        INVALID_PHONE,
        JUNK_PHONE,
        INVALID_EMAIL,
        INVALID_DATE,
        IMPOSSIBLE_DATE,
        AMBIGUOUS_DATE,
        UNPARSED_NAME,
        INVALID_NATIONAL_ID,
    }
)

#: Longest cleaned text value accepted; longer values are treated as missing (``too_long``).
MAX_LENGTH = 512
#: Earliest plausible year for a date of birth.
MIN_YEAR = 1900

ISSUE_COLUMNS = ("row", "field", "reason")


def empty_issues() -> pd.DataFrame:
    """Return an issues frame with no rows and the three standard columns."""
    return pd.DataFrame({c: pd.Series([], dtype=object) for c in ISSUE_COLUMNS})
