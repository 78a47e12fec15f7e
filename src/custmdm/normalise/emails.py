"""E-mail addresses: lower-cased, ``mailto:`` removed, syntax-checked, optionally canonical.

A raw value may hold several addresses separated by ``,`` ``;`` whitespace, ``|`` or the words
``or`` / ``или``; ``emails`` keeps the distinct valid ones and ``email`` the first.

Provider rules (``provider_rules=True``)
----------------------------------------
Mailbox aliases that deliver to the same inbox are collapsed:

* Gmail (``gmail.com``, ``googlemail.com`` → ``gmail.com``): dots in the local part are
  removed and a ``+tag`` suffix is dropped (``I.Vanov+shop@googlemail.com`` →
  ``ivanov@gmail.com``).
* Yandex (``yandex.ru``, ``ya.ru``, ``yandex.com``, ``yandex.by``, ``yandex.kz``,
  ``yandex.ua``, ``narod.ru`` → ``yandex.ru``): ``+tag`` dropped and ``.`` treated as ``-``
  (Yandex treats them as the same login).

Without provider rules only case, whitespace and ``mailto:`` are normalised, because other
providers may treat dots and ``+`` as significant.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from custmdm.normalise._common import Reasons, apply_distinct, clean_scalar, text_positions
from custmdm.normalise.issues import INVALID_EMAIL
from custmdm.normalise.text import fix_mixed_script

__all__ = ["EMAIL_COLUMNS", "canonical_email", "normalise_emails"]

EMAIL_COLUMNS: tuple[str, ...] = ("email", "emails")
_FIELD = "email"

_SPLIT_RE = re.compile(r"\s*(?:[,;|\s]|\sor\s|\sили\s)\s*", re.IGNORECASE)
_MAILTO_RE = re.compile(r"^mailto:", re.IGNORECASE)
_BRACKETED_RE = re.compile(r"[^,;<>]*<([^<>\s]+@[^<>\s]+)>")
_COMMENT_RE = re.compile(r"\([^()]*\)")
_EMAIL_RE = re.compile(
    r"^(?=.{3,254}$)"
    r"(?!\.)(?!.*\.\.)[\w!#$%&'*+/=?^`{|}~.-]{1,64}(?<!\.)"
    r"@"
    r"(?:(?!-)[\w-]{1,63}(?<!-)\.)+[^\W\d_]{2,63}$"
)
_GMAIL_DOMAINS = frozenset({"gmail.com", "googlemail.com"})
_YANDEX_DOMAINS = frozenset(
    {"yandex.ru", "ya.ru", "yandex.com", "yandex.by", "yandex.kz", "yandex.ua", "narod.ru"}
)


def canonical_email(address: str, *, provider_rules: bool = False) -> str | None:
    """Canonical form of one address, or ``None`` when the syntax is invalid.

    Examples
    --------
    >>> canonical_email(" MAILTO:Ivan.Petrov@Mail.RU ")
    'ivan.petrov@mail.ru'
    >>> canonical_email("I.Vanov+shop@googlemail.com", provider_rules=True)
    'ivanov@gmail.com'
    """
    text = _MAILTO_RE.sub("", address.strip()).strip().strip("<>\"'()[]").strip().lower()
    text = fix_mixed_script(text)
    if not _EMAIL_RE.match(text):
        return None
    local, _, domain = text.rpartition("@")
    if provider_rules:
        if domain in _GMAIL_DOMAINS:
            local = local.split("+", 1)[0].replace(".", "")
            domain = "gmail.com"
        elif domain in _YANDEX_DOMAINS:
            local = local.split("+", 1)[0].replace(".", "-")
            domain = "yandex.ru"
        if not local:
            return None
    return f"{local}@{domain}"


def _normalise_one(value: Any, provider_rules: bool) -> tuple[tuple[Any, ...], Reasons]:
    text, reasons = clean_scalar(value, _FIELD)
    if text is None:
        return (None, None), reasons
    text = _MAILTO_RE.sub("", text)
    # "Иван Петров <ivan@mail.ru>": the display name goes; so do "(work)" comments.
    text = _COMMENT_RE.sub(" ", _BRACKETED_RE.sub(r" \1 ", text))
    found: list[str] = []
    invalid = False
    for part in _SPLIT_RE.split(text):
        part = _MAILTO_RE.sub("", part.strip())
        if not part:
            continue
        email = canonical_email(part, provider_rules=provider_rules)
        if email is None:
            invalid = True
        elif email not in found:
            found.append(email)
    out = tuple(reasons) + (((_FIELD, INVALID_EMAIL),) if invalid else ())
    if not found:
        return (None, None), out
    return (found[0], "|".join(found)), out


# Addresses the column path may answer: ASCII, no spaces or separators, dot-separated atoms
# of letters, digits, "_", "+" and "-" before the "@", a domain of labels that neither start
# nor end with "-" (at most 63 characters each) and a top-level domain of letters. Each is a
# valid address for _EMAIL_RE once lower-cased, and the scalar path changes nothing else.
_BULK_RE = (
    r"^[A-Za-z0-9_+-]+(?:\.[A-Za-z0-9_+-]+)*@"
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$"
)


def _bulk_emails(uniques: np.ndarray, provider_rules: bool) -> np.ndarray:
    """The address of each distinct raw value the scalar path would return unchanged but for
    case, ``None`` elsewhere (and for Gmail and Yandex addresses under provider rules).

    A test compares it with :func:`_normalise_one` on random spellings.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    out = np.full(len(uniques), None, dtype=object)
    where, text = text_positions(uniques)
    ok = pc.match_substring_regex(text, _BULK_RE).to_numpy(zero_copy_only=False)
    ok &= pc.utf8_length(text).to_numpy() <= 254
    ok &= pc.find_substring(text, "@").to_numpy() <= 64
    lower = pc.ascii_lower(text)
    if provider_rules:  # Gmail and Yandex addresses are rewritten: the scalar path does it
        domain = pc.struct_field(pc.extract_regex(lower, r"@(?P<domain>[^@]*)$"), [0])
        aliased = pa.array(sorted(_GMAIL_DOMAINS | _YANDEX_DOMAINS), type=pa.large_string())
        ok &= ~pc.fill_null(pc.is_in(domain, value_set=aliased), True).to_numpy(
            zero_copy_only=False
        )
    out[where[ok]] = lower.filter(pa.array(ok)).to_numpy(zero_copy_only=False)
    return out


def normalise_emails(
    raw: pd.Series, *, provider_rules: bool = False
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Normalise e-mail addresses.

    Parameters
    ----------
    raw : pandas.Series
        Raw e-mail values.
    provider_rules : bool, default False
        Collapse Gmail and Yandex aliases (see the module docstring).

    Returns
    -------
    frame : pandas.DataFrame
        ``email`` (first valid address) and ``emails`` (``|``-joined distinct valid addresses).
    issues : pandas.DataFrame
        ``row``, ``field`` (``"email"``), ``reason`` (``invalid_email``, ``junk_value``...).

    Examples
    --------
    >>> frame, issues = normalise_emails(pd.Series(["Ivan@Mail.ru", "not-an-email"]))
    >>> frame["email"].tolist(), issues["reason"].tolist()
    (['ivan@mail.ru', None], ['invalid_email'])
    """
    return apply_distinct(
        raw,
        lambda v: _normalise_one(v, provider_rules),
        EMAIL_COLUMNS,
        bulk=lambda uniques: _bulk_emails(uniques, provider_rules),
    )
