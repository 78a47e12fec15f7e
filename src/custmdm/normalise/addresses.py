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
# Printable ASCII, the space and the basic Cyrillic letters: text that folds character by
# character (see _split).
_PLAIN_CHARS_RE = re.compile(r"[ -~А-яЁё]*")
_RUN_CHAR_RE = re.compile(r"[\d-]")
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


def _address_tokens(text: str) -> tuple[str, ...]:
    pieces = _split(text)
    if len(pieces) == 1:
        return _segment_tokens(text)
    return tuple(t for piece in pieces for t in _segment_tokens(piece))


def _split(text: str) -> list[str]:
    """The text in pieces whose tokens, one after the other, are the tokens of the text.

    In text of printable ASCII and basic Cyrillic letters the tokens of the comma-separated
    pieces are the tokens of the whole: folding is then a per-character mapping plus whitespace
    collapsing, and a comma is a boundary of every token, word and city alias. Pieces repeat
    across addresses ("ул. Ленина", " кв. 12"), so each is tokenised and keyed once. Other text
    is one piece.
    """
    if "," in text and _PLAIN_CHARS_RE.fullmatch(text):
        return text.split(",")
    return [text]


@lru_cache(maxsize=1 << 18)
def _segment_tokens(text: str) -> tuple[str, ...]:
    folded = fix_mixed_script(fold(text)).replace("№", " ")
    for pattern, repl in _CITY_ALIASES:
        folded = pattern.sub(repl, folded)
    return tuple(_ABBREVIATIONS.get(t, t) for t in _TOKEN_RE.findall(folded))


# Consecutive canonical tokens of an address with what the key needs of them: the tokens
# joined by spaces (no token has a space), whether a token other than a canonical abbreviation
# has a Cyrillic letter, and the _piece_keys of the tokens with no unit marker before them in a
# Cyrillic address (items 2-4) and in a Latin one (items 5-7). A flat tuple of strings and
# flags: the garbage collector stops tracking such tuples at once, and the caches hold many.
_Piece = tuple[str, bool, str, str, str, str, str, str]


def _piece(tokens: tuple[str, ...]) -> _Piece:
    cyrillic = any(_CYRILLIC_RE.search(t) for t in tokens if t not in _ABBREVIATIONS)
    keys = _piece_keys(tokens, False)
    # The Latin keys differ only by leaving out US state codes.
    latin_keys = _piece_keys(tokens, True) if _US_STATES.intersection(tokens) else keys
    return (" ".join(tokens), cyrillic, *keys, *latin_keys)


def _pieces(text: str) -> list[_Piece]:
    """The tokens of the text in pieces (see :func:`_split`)."""
    return [_segment(piece) for piece in _split(text)]


@lru_cache(maxsize=1 << 18)
def _segment(text: str) -> _Piece:
    return _piece(_segment_tokens(text))


@lru_cache(maxsize=1 << 18)
def _words_piece(words: str) -> _Piece:
    """The piece of tokens joined by spaces."""
    return _piece(tuple(words.split()))


def _keys(pieces: list[_Piece]) -> tuple[str | None, str | None]:
    """``(address_key, building_key)`` of canonical address tokens, given in pieces."""
    latin = True
    for piece in pieces:
        if piece[1]:
            latin = False
            break
    keys: set[str] = set()
    flat_keys: set[str] = set()
    glue = ""
    for piece in pieces:
        if glue:
            # A unit marker ends a piece and glues to a token of a later one (rare): the
            # tokens as one piece.
            tokens = " ".join([p[0] for p in pieces]).split()
            whole, whole_flat, _ = _piece_keys(tuple(tokens), latin)
            keys, flat_keys = set(whole.split()), set(whole_flat.split())
            break
        piece_keys, piece_flat_keys, glue = (
            (piece[5], piece[6], piece[7]) if latin else (piece[2], piece[3], piece[4])
        )
        if piece_keys:
            keys.update(piece_keys.split())
        if piece_flat_keys:
            flat_keys.update(piece_flat_keys.split())
    address_key = " ".join(sorted(keys)) or None
    if not flat_keys:
        return address_key, address_key
    return address_key, " ".join(sorted(keys - flat_keys)) or None


def _piece_keys(tokens: tuple[str, ...], latin: bool) -> tuple[str, str, str]:
    """The key parts of tokens, space-joined (a key has no space): markers, street types and
    (in Latin addresses) US states left out, unit markers glued to the next token (``кв 12``
    → ``kv12``); the flat keys, the parts of the flat; the unit marker left waiting at the end.
    """
    keys: list[str] = []
    flat_keys: list[str] = []
    glue = ""
    for token in tokens:
        if token in _KEY_DROP or (latin and token in _US_STATES):
            continue
        if token in _KEY_GLUE:
            glue = token
            continue
        part = glue + token
        glue = ""
        key = translit_key(part).replace(" ", "")
        if key:
            keys.append(key)
        if part.startswith("кв"):
            flat_keys.append(key)
    return " ".join(keys), " ".join(flat_keys), glue


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


def _postcode_from(text: str) -> tuple[str | None, str]:
    """The postcode found in a one-line address, and the address with every copy removed."""
    code: str | None = None
    if m := _RU_POSTCODE_RE.search(text):
        code = m.group(1)
    elif _may_end_with_zip(text) and (m := _US_ZIP_RE.search(text)):
        code = m.group(1)
        text = text[: m.start()] + " " + text[m.start() :].replace(code, " ", 1)
    if code is None:
        return None, text
    # Every copy of the code not inside a longer run of digits and hyphens (the code itself is
    # such characters only), found with str.find: a regex per code costs more to compile.
    out: list[str] = []
    done = 0
    at = text.find(code)
    while at >= 0:
        end = at + len(code)
        if (at == 0 or not _RUN_CHAR_RE.match(text, at - 1)) and not _RUN_CHAR_RE.match(text, end):
            out += (text[done:at], " ")
            done = end
            at = text.find(code, end)
        else:
            at = text.find(code, at + 1)
    out.append(text[done:])
    return code, "".join(out)


def _may_end_with_zip(text: str) -> bool:
    """False only where ``_US_ZIP_RE`` cannot match: its match ends, before any whitespace, with
    the code (whose last four characters are digits) or with "usa", "us" or "united states"."""
    end = text.rstrip()
    return end[-4:].isdecimal() or end.endswith(("usa", "us", "united states"))


# One address part: the value the one-line address is composed from (its tokens joined by
# spaces), the output value (None when that reads as a placeholder), whether it has a Cyrillic
# letter, and the reasons of cleaning.
_Part = tuple[str | None, str | None, bool, Reasons]
_NO_PART: _Part = (None, None, False, ())


def _part(raw: Any, field: str) -> _Part:
    """:func:`_part_of` of one raw postcode, city, street or house value (cached for text)."""
    if raw is None:
        return _NO_PART
    if type(raw) is str:
        return _cached_part(raw, field)
    return _part_of(raw, field)


def _part_of(raw: Any, field: str) -> _Part:
    text, reasons = clean_scalar(raw, field)
    value: str | None = None
    if text and field == "postcode":
        value = _POSTCODE_STRIP_RE.sub("", fold(text)).upper() or None
        return value, value, False, reasons
    if text and field == "city":
        value = " ".join(t for t in address_tokens(text) if t not in _CITY_WORDS) or None
    elif text and field == "street":
        value = " ".join(address_tokens(text)) or None
    elif text:
        value = _house(address_tokens(text))
    if value is None:
        return None, None, False, reasons
    out = None if is_junk(value) else value
    return value, out, bool(_CYRILLIC_RE.search(value)), reasons


_cached_part = lru_cache(maxsize=1 << 18)(_part_of)


def _address_one(
    address: Any, postcode: Any, city: Any, street: Any, house: Any
) -> tuple[tuple[Any, ...], Reasons]:
    a_text, reasons = (None, ()) if address is None else clean_scalar(address, "address")
    p_part, c_part, s_part, h_part = (
        _part(postcode, "postcode"),
        _part(city, "city"),
        _part(street, "street"),
        _part(house, "house_number"),
    )
    if p_part[3] or c_part[3] or s_part[3] or h_part[3]:
        reasons = tuple(dict.fromkeys((*reasons, *p_part[3], *c_part[3], *s_part[3], *h_part[3])))
    elif reasons:
        reasons = tuple(dict.fromkeys(reasons))

    postcode_out = p_part[0]
    if a_text:
        extracted, a_rest = _postcode_from(a_text)
        if postcode_out is None:
            postcode_out = extracted
        if extracted is not None and postcode_out == extracted:
            a_text = a_rest

    if a_text:
        pieces = _pieces(a_text)
        address_out = " ".join([piece[0] for piece in pieces if piece[0]]) or None
    else:
        # Composed from the parts; the Russian markers only where the parts are Cyrillic.
        markers = c_part[2] or s_part[2]
        front = _front(c_part[0], s_part[0], markers, h_part[0] is not None)
        pieces = [_words_piece(front), _words_piece(h_part[0] or "")]
        address_out = " ".join([w for w in (front, h_part[0]) if w]) or None
    # Outputs are fed back through cleaning by callers; one that reads as a placeholder ("n/a"
    # after folding "NÀ") is no address.
    if address_out is None or is_junk(address_out):
        address_out = None
        pieces = []
    values = (address_out, postcode_out, c_part[1], s_part[1], h_part[1], *_keys(pieces))
    return values, reasons


@lru_cache(maxsize=1 << 16)
def _front(city: str | None, street: str | None, markers: bool, house: bool) -> str:
    """The words of a composed address before the house number (``г`` city, street, ``д`` when
    there is a house and ``markers``): few distinct, unlike whole addresses."""
    words = (["г"] if markers and city else []) + ([city] if city else [])
    words += ([street] if street else []) + (["д"] if markers and house else [])
    return " ".join(words)


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
