"""Postal addresses as comparable token strings, and national identifiers.

The one-line ``address`` is folded (case, ``ё``, accents), punctuation is removed and street-type
and unit abbreviations are rewritten to one canonical form per kind:

==========================================================  ==========
written as                                                  becomes
==========================================================  ==========
ул, ул., улица, ul, ulitsa, ulica                           ул
д, д., дом                                                  д
кв, кв., квартира, apt, apartment, flat, unit, ste, suite   кв
корп, корпус, к                                             корп
стр, строение                                               стр
пр-т, просп, проспект, prospekt, prosp, pr-t                пр-т
пер, переулок, pereulok, per                                пер
ш, шоссе, shosse                                            ш
наб, набережная, nab, naberezhnaya                          наб
б-р, бул, бульвар, bulvar                                   б-р
пл, площадь, ploshchad                                      пл
г, г., город, gorod                                         г
обл, область, oblast                                        обл
р-н, район, raion, rayon                                    р-н
мкр, микрорайон, mkr                                        мкр
st, str, street                                             street
ave, av, avenue                                             avenue
rd, road                                                    road
blvd, boulevard                                             boulevard
dr, drive                                                   drive
ln, lane                                                    lane
==========================================================  ==========

When there is no postcode column the postcode is taken out of the one-line address: a Russian
six-digit index anywhere, or a US ZIP (``12345`` / ``12345-6789``) at the end. The extracted
postcode is removed from ``address`` so that records with and without it compare alike.

``address_key`` is the set of translit keys of the address tokens, sorted and space-joined, so
Cyrillic and Latin versions of one address meet regardless of token order. Pure markers (``г``,
``д``, ``обл``, ``р-н``), street types (``ул``, ``пр-т``, ``street``: departments drop or move
them), country names and, in Latin addresses, US state codes are left out of the key; unit markers are glued to
their number (``кв 12`` → ``kv12``, ``корп 2`` → ``korp2``) so sorting cannot swap a flat number
with a house number. A few city exonyms are unified first (Moscow → москва, Saint Petersburg /
СПб → санкт-петербург).

``building_key`` is ``address_key`` without the flat (``кв``/apt): one building, for finding a
household or a record whose source does not keep flat numbers.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import pandas as pd

from custmdm.normalise._common import (
    Reasons,
    apply_distinct,
    apply_distinct_multi,
    clean_scalar,
    is_junk,
)
from custmdm.normalise.issues import INVALID_NATIONAL_ID, JUNK_VALUE
from custmdm.normalise.text import fix_mixed_script, fold
from custmdm.normalise.translit import translit_key

__all__ = [
    "ADDRESS_COLUMNS",
    "address_tokens",
    "normalise_address",
    "normalise_national_id",
]

ADDRESS_COLUMNS: tuple[str, ...] = (
    "address",
    "postcode",
    "city",
    "street",
    "house_number",
    "address_key",
    "building_key",
)

_CANONICAL: dict[str, tuple[str, ...]] = {
    "ул": ("ул", "улица", "ul", "ulitsa", "ulica", "ulitca"),
    "д": ("д", "дом", "dom", "d"),
    "кв": ("кв", "квартира", "apt", "apartment", "flat", "unit", "ste", "suite", "kv"),
    "корп": ("корп", "корпус", "korp", "korpus", "к"),
    "стр": ("стр", "строение", "stroenie"),
    "пр-т": ("пр-т", "просп", "проспект", "prospekt", "prosp", "pr-t", "пр-кт", "пркт"),
    "пер": ("пер", "переулок", "pereulok", "per"),
    "ш": ("ш", "шоссе", "shosse"),
    "наб": ("наб", "набережная", "nab", "naberezhnaya", "naberezhnaia"),
    "б-р": ("б-р", "бул", "бульвар", "bulvar", "blvr"),
    "пл": ("пл", "площадь", "ploshchad"),
    "г": ("г", "город", "gorod", "g"),
    "обл": ("обл", "область", "oblast", "obl"),
    "р-н": ("р-н", "район", "raion", "rayon"),
    "мкр": ("мкр", "микрорайон", "mkr", "мкрн"),
    "street": ("st", "str", "street"),
    "avenue": ("ave", "av", "avenue"),
    "road": ("rd", "road"),
    "boulevard": ("blvd", "boulevard"),
    "drive": ("dr", "drive"),
    "lane": ("ln", "lane"),
    "place": ("pl", "place"),
    "court": ("ct", "court"),
    "terrace": ("ter", "terrace"),
    "parkway": ("pkwy", "parkway"),
    "highway": ("hwy", "highway"),
    "circle": ("cir", "circle"),
    "square": ("sq", "square"),
}
_ABBREVIATIONS: dict[str, str] = {v: k for k, vs in _CANONICAL.items() for v in vs}
# Words that only say "this is a city"/"a house" and are dropped from city and house values.
_CITY_WORDS = frozenset({"г", "город", "gorod", "city"})
_HOUSE_WORDS = frozenset({"д", "дом", "house", "no", "n", "№"})

# Markers that only say what the next token is, street types, and country names: left out of the
# key, so that "г Москва, ул Ленина, д 5" and "Москва, Ленина, 5" meet. Street types go because
# departments drop or move them ("Невский пр-т" / "Невский"); two streets of one town that differ
# only by type rarely share a house number.
_STREET_TYPES = frozenset(
    {"ул", "пр-т", "пер", "ш", "наб", "б-р", "пл", "мкр", "проезд", "туп", "аллея"}
    | {"street", "avenue", "road", "boulevard", "drive", "lane", "place", "court", "terrace"}
    | {"parkway", "highway", "circle", "square", "way"}
)
_KEY_DROP = (
    frozenset(
        {"г", "д", "обл", "р-н", "россия", "рф", "russia", "usa", "us", "united", "states", "city"}
    )
    | _STREET_TYPES
)
# US state codes, dropped from the key of Latin-script addresses ("Dallas TX" / "Dallas").
_US_STATES = frozenset(
    [
        "al",
        "ak",
        "az",
        "ar",
        "ca",
        "co",
        "ct",
        "de",
        "fl",
        "ga",
        "hi",
        "id",
        "il",
        "in",
        "ia",
        "ks",
        "ky",
        "la",
        "me",
        "md",
        "ma",
        "mi",
        "mn",
        "ms",
        "mo",
        "mt",
        "ne",
        "nv",
        "nh",
        "nj",
        "nm",
        "ny",
        "nc",
        "nd",
        "oh",
        "ok",
        "or",
        "pa",
        "ri",
        "sc",
        "sd",
        "tn",
        "tx",
        "ut",
        "vt",
        "va",
        "wa",
        "wv",
        "wi",
        "wy",
        "dc",
    ]
)
# Unit markers glued to their number in the key ("кв 12" → "kv12") so that sorting the tokens
# cannot swap a flat number with a house number. "кв" is the flat: ``building_key`` leaves it out.
_KEY_GLUE = frozenset({"кв", "корп", "стр"})
# Exonyms and abbreviations of big cities, rewritten before tokenising.
_CITY_ALIASES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p), r)
    for p, r in (
        (r"\b(?:saint|st\.?|sankt)[\s-]+peter(?:s)?burg\b", "санкт-петербург"),
        (r"\b(?:спб|spb|с-пб|с\.-петербург|санкт петербург)\b", "санкт-петербург"),
        (r"\bmoscow\b|\bмск\b", "москва"),
        (r"\bnizhny novgorod\b|\bн\.\s?новгород\b", "нижний новгород"),
    )
)
_CYRILLIC_RE = re.compile(r"[а-я]")
_TOKEN_RE = re.compile(r"[\w]+(?:[-/][\w]+)*")
_RU_POSTCODE_RE = re.compile(r"(?<!\d)(\d{6})(?!\d)")
_US_ZIP_RE = re.compile(r"(?<![\d-])(\d{5}(?:-\d{4})?)\s*(?:,?\s*(?:usa|us|united states))?\s*$")
_FIELD = "address"
_DIGIT_RUN_RE = re.compile(r"[\d-]+")
_POSTCODE_STRIP_RE = re.compile(r"[^\w-]")


def address_tokens(text: str) -> list[str]:
    """Folded address tokens with abbreviations canonicalised.

    Examples
    --------
    >>> address_tokens("ул. Ленина, д. 5, кв. 12")
    ['ул', 'ленина', 'д', '5', 'кв', '12']
    >>> address_tokens("12 Main St., Apt 4")
    ['12', 'main', 'street', 'кв', '4']
    """
    return list(_address_tokens(text))


@lru_cache(maxsize=1 << 18)
def _address_tokens(text: str) -> tuple[str, ...]:
    folded = fix_mixed_script(fold(text)).replace("№", " ")
    for pattern, repl in _CITY_ALIASES:
        folded = pattern.sub(repl, folded)
    return tuple(_ABBREVIATIONS.get(t, t) for t in _TOKEN_RE.findall(folded))


def _keys(tokens: list[str]) -> tuple[str | None, str | None]:
    """``(address_key, building_key)`` of canonical address tokens."""
    latin = not any(_CYRILLIC_RE.search(t) for t in tokens if t not in _ABBREVIATIONS)
    parts: list[str] = []
    glue = ""
    for token in tokens:
        if token in _KEY_DROP or (latin and token in _US_STATES):
            continue
        if token in _KEY_GLUE:
            glue = token
            continue
        parts.append(glue + token)
        glue = ""
    keys = {k.replace(" ", "") for k in (translit_key(t) for t in parts) if k}
    flat_keys = {translit_key(t).replace(" ", "") for t in parts if t.startswith("кв")}
    address_key = " ".join(sorted(keys)) or None
    building_key = " ".join(sorted(keys - flat_keys)) or None
    return address_key, building_key


def _house(tokens: list[str]) -> str | None:
    """House tokens without the "д" marker; a lone letter sticks to its number (12 а → 12а)."""
    out: list[str] = []
    for token in tokens:
        if token in _HOUSE_WORDS:
            continue
        if out and len(token) == 1 and token.isalpha() and out[-1][-1:].isdigit():
            out[-1] += token
        else:
            out.append(token)
    return " ".join(out) or None


def _clean(raw: Any, field: str, reasons: list[tuple[str, str]]) -> str | None:
    if raw is None:
        return None
    text, rs = clean_scalar(raw, field)
    reasons.extend(rs)
    return text


def _postcode_from(text: str) -> tuple[str | None, str]:
    """The postcode found in a one-line address, and the address with every copy removed."""
    code: str | None = None
    if m := _RU_POSTCODE_RE.search(text):
        code = m.group(1)
    elif m := _US_ZIP_RE.search(text):
        code = m.group(1)
        text = text[: m.start()] + " " + text[m.start() :].replace(code, " ", 1)
    if code is None:
        return None, text
    # Every copy of the code not inside a longer run of digits and hyphens: such a copy is a
    # whole run of [\d-] characters.
    return code, _DIGIT_RUN_RE.sub(lambda m: " " if m.group(0) == code else m.group(0), text)


def _address_one(
    address: Any, postcode: Any, city: Any, street: Any, house: Any
) -> tuple[tuple[Any, ...], Reasons]:
    reasons: list[tuple[str, str]] = []
    a_text = _clean(address, "address", reasons)
    p_text = _clean(postcode, "postcode", reasons)
    c_text = _clean(city, "city", reasons)
    s_text = _clean(street, "street", reasons)
    h_text = _clean(house, "house_number", reasons)

    postcode_out: str | None = None
    if p_text:
        digits = _POSTCODE_STRIP_RE.sub("", fold(p_text)).upper()
        postcode_out = digits or None
    if a_text:
        extracted, a_rest = _postcode_from(a_text)
        if postcode_out is None:
            postcode_out = extracted
        elif extracted is not None and extracted == postcode_out:
            a_text = a_rest
        if extracted is not None and postcode_out == extracted:
            a_text = a_rest

    city_out = None
    if c_text:
        city_out = " ".join(t for t in address_tokens(c_text) if t not in _CITY_WORDS) or None
    street_out = " ".join(address_tokens(s_text)) or None if s_text else None
    house_out = None
    if h_text:
        house_out = _house(address_tokens(h_text))

    if a_text:
        tokens = address_tokens(a_text)
    else:
        # Composed from the parts; the Russian markers only where the parts are Cyrillic.
        cyrillic = any(_CYRILLIC_RE.search(v) for v in (city_out, street_out) if v)
        tokens = []
        if city_out:
            tokens += ["г", *city_out.split()] if cyrillic else city_out.split()
        if street_out:
            tokens += street_out.split()
        if house_out:
            tokens += ["д", *house_out.split()] if cyrillic else house_out.split()
    address_out = " ".join(tokens) or None
    # Outputs are fed back through cleaning by callers; one that reads as a placeholder ("n/a"
    # after folding "NÀ") is no address.
    address_out, city_out, street_out, house_out = (
        None if v is None or is_junk(v) else v
        for v in (address_out, city_out, street_out, house_out)
    )
    if address_out is None:
        tokens = []
    values = (address_out, postcode_out, city_out, street_out, house_out, *_keys(tokens))
    return values, tuple(dict.fromkeys(reasons))


def normalise_address(
    address: pd.Series | None = None,
    postcode: pd.Series | None = None,
    city: pd.Series | None = None,
    street: pd.Series | None = None,
    house_number: pd.Series | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Normalise addresses into comparable tokens and a script-independent key.

    Parameters
    ----------
    address, postcode, city, street, house_number : pandas.Series or None
        At least one must be given; given Series share one index.

    Returns
    -------
    frame : pandas.DataFrame
        ``address`` (normalised one-line token string; built from the parts when there is no
        one-line address), ``postcode``, ``city``, ``street``, ``house_number``,
        ``address_key`` and ``building_key`` (the key without the flat).
    issues : pandas.DataFrame
        ``row``, ``field``, ``reason``.

    Examples
    --------
    >>> frame, _ = normalise_address(pd.Series(["101000, г. Москва, ул. Ленина, д. 5, кв. 12"]))
    >>> frame.loc[0, "address"], frame.loc[0, "postcode"]
    ('г москва ул ленина д 5 кв 12', '101000')
    """
    return apply_distinct_multi(
        [address, postcode, city, street, house_number], _address_one, ADDRESS_COLUMNS
    )


_ID_STRIP_RE = re.compile(r"[\W_]+")


def _national_id_one(value: Any) -> tuple[tuple[Any, ...], Reasons]:
    text, reasons = clean_scalar(value, "national_id")
    if text is None:
        return (None,), reasons
    compact = _ID_STRIP_RE.sub("", text).upper()
    if compact and is_junk(compact):
        return (None,), (*reasons, ("national_id", JUNK_VALUE))
    if not compact:
        return (None,), (*reasons, ("national_id", INVALID_NATIONAL_ID))
    if len(set(compact)) == 1 or len(compact) < 4:
        return (None,), (*reasons, ("national_id", INVALID_NATIONAL_ID))
    return (compact,), reasons


def normalise_national_id(raw: pd.Series) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Normalise national identifiers (passport, INN, SNILS, SSN): alphanumerics, upper case.

    Values with fewer than 4 alphanumerics or one repeated character are flagged
    ``invalid_national_id`` and become ``None``.

    Examples
    --------
    >>> frame, _ = normalise_national_id(pd.Series(["45 06 123456", "123-45-6789", "000000"]))
    >>> frame["national_id"].tolist()
    ['4506123456', '123456789', None]
    """
    return apply_distinct(raw, _national_id_one, ["national_id"])
