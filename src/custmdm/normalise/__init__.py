"""Normalisers: raw departmental values → canonical values and matching keys.

Every normaliser takes pandas Series of raw values and returns ``(frame, issues)``: a frame with
the input's index and documented columns (``str`` or ``None``), and an issues frame with columns
``row``, ``field``, ``reason`` (codes in :mod:`custmdm.normalise.issues`). Work is done once per
distinct value. Invalid values are flagged, never silently dropped, and no message contains a
personal value.
"""

from __future__ import annotations

from custmdm.normalise import issues
from custmdm.normalise.addresses import normalise_address, normalise_national_id
from custmdm.normalise.dates import normalise_dates
from custmdm.normalise.emails import normalise_emails
from custmdm.normalise.names import parse_names
from custmdm.normalise.nicknames import canonical_given_names, nickname_match
from custmdm.normalise.phones import normalise_phones
from custmdm.normalise.text import clean_text, fold, fold_series
from custmdm.normalise.translit import translit_key, translit_key_series

__all__ = [
    "canonical_given_names",
    "clean_text",
    "fold",
    "fold_series",
    "issues",
    "nickname_match",
    "normalise_address",
    "normalise_dates",
    "normalise_emails",
    "normalise_national_id",
    "normalise_phones",
    "parse_names",
    "translit_key",
    "translit_key_series",
]
