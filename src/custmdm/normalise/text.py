"""Generic text cleaning and case/accent folding.

``clean_text`` is the first step of every other normaliser: NFKC, control characters removed,
whitespace collapsed, placeholders (``N/A``, ``-``, ``нет``...) turned into missing and flagged.
``fold`` produces the comparison form: case-folded, ``ё`` → ``е``, Latin accents removed.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any

import pandas as pd

from custmdm.normalise._common import apply_distinct, bulk_clean, clean_scalar

__all__ = ["clean_text", "fix_mixed_script", "fold", "fold_series"]

_WS_RE = re.compile(r"\s+")


def _build_latin_table() -> dict[int, str]:
    table: dict[int, str] = {}
    ranges = [range(0x00C0, 0x0250), range(0x1E00, 0x1F00)]
    for rng in ranges:
        for cp in rng:
            ch = chr(cp)
            decomposed = unicodedata.normalize("NFD", ch)
            base = "".join(c for c in decomposed if not unicodedata.combining(c))
            if base and base != ch:
                table[cp] = base
    # Letters without a canonical decomposition.
    extra = {
        "ß": "ss",
        "æ": "ae",
        "Æ": "ae",
        "œ": "oe",
        "Œ": "oe",
        "ø": "o",
        "Ø": "o",
        "đ": "d",
        "Đ": "d",
        "ł": "l",
        "Ł": "l",
        "þ": "th",
        "ð": "d",
        "ı": "i",
        "ё": "е",
        "Ё": "е",
    }
    for k, v in extra.items():
        table[ord(k)] = v
    return table


_LATIN_TABLE = _build_latin_table()
# Combining marks left over after NFKC (e.g. a Latin letter + combining acute that has no
# precomposed form) are dropped unless they follow a Cyrillic letter (й is и + breve in NFD).
_COMBINING_AFTER_LATIN_RE = re.compile(r"(?<=[a-z])[\u0300-\u036f]+")
_ANY_COMBINING_RE = re.compile(r"[\u0300-\u036f]")


_CYR_TO_LAT = dict(zip("аеорсухкіјАВЕКМНОРСТУХІЈ", "aeopcyxkijABEKMHOPCTYXIJ", strict=True))
_LAT_TO_CYR = dict(zip("aeopcyxkABEKMHOPCTYX", "аеорсухкАВЕКМНОРСТУХ", strict=True))
_CYR_TO_LAT_TABLE = str.maketrans(_CYR_TO_LAT)
_LAT_TO_CYR_TABLE = str.maketrans(_LAT_TO_CYR)
_WORD_RE = re.compile(r"[^\W\d_]+")
_CYR_LETTER_RE = re.compile(r"[\u0400-\u04ff]")
_LAT_LETTER_RE = re.compile(r"[a-zA-Z]")


def _fix_word(match: re.Match[str]) -> str:
    word = match.group(0)
    n_cyr = len(_CYR_LETTER_RE.findall(word))
    n_lat = len(_LAT_LETTER_RE.findall(word))
    if not n_cyr or not n_lat or n_cyr == n_lat:
        return word
    table = _CYR_TO_LAT_TABLE if n_lat > n_cyr else _LAT_TO_CYR_TABLE
    return word.translate(table)


def fix_mixed_script(text: str) -> str:
    """Replace look-alike letters of the minority script inside mixed-script words.

    ``"Ivanоv"`` typed with a Cyrillic ``о`` becomes all-Latin, ``"Петрoв"`` with a Latin
    ``o`` all-Cyrillic. Words in one script, and letters without a look-alike, are unchanged.

    Examples
    --------
    >>> fix_mixed_script("Ivan\u043ev \u041fетрoв")
    'Ivanov Петров'
    """
    if not (_CYR_LETTER_RE.search(text) and _LAT_LETTER_RE.search(text)):
        return text
    return _WORD_RE.sub(_fix_word, text)


@lru_cache(maxsize=1 << 18)
def fold(s: str) -> str:
    """Return the comparison form of a string.

    NFKC, case-fold, ``ё`` → ``е``, accents stripped from Latin letters (``é`` → ``e``, ``ß`` →
    ``ss``), whitespace collapsed and stripped. Cyrillic letters such as ``й`` keep their marks.

    Examples
    --------
    >>> fold("  Ёлкина   Renée ")
    'елкина renee'
    """
    text = unicodedata.normalize("NFKC", s).casefold()
    text = text.translate(_LATIN_TABLE)
    if _ANY_COMBINING_RE.search(text):
        text = _COMBINING_AFTER_LATIN_RE.sub("", text)
        text = unicodedata.normalize("NFC", text).translate(_LATIN_TABLE)
    return _WS_RE.sub(" ", text).strip()


def fold_series(raw: pd.Series) -> pd.Series:
    """Vectorised :func:`fold` (per distinct value); missing values stay ``None``.

    Values are cleaned first (controls removed, placeholders → ``None``).

    Examples
    --------
    >>> fold_series(pd.Series(["ИВАНОВ", None, "Ёж"])).tolist()
    ['иванов', None, 'еж']
    """

    def one(value: Any) -> tuple[tuple[str | None], tuple[()]]:
        text, _ = clean_scalar(value, "")
        return ((fold(text) if text else None),), ()

    frame, _ = apply_distinct(raw, one, ["value"])
    out = frame["value"]
    out.name = raw.name
    return out


def clean_text(raw: pd.Series, field: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Clean free text without changing its case.

    NFKC, control/zero-width/bidi characters removed (flag ``control_characters``), whitespace
    collapsed and stripped; placeholders such as ``N/A``, ``null``, ``-``, ``нет`` become
    ``None`` (flag ``junk_value``); values longer than 512 characters become ``None`` (flag
    ``too_long``).

    Parameters
    ----------
    raw : pandas.Series
        Raw values of any type.
    field : str
        Canonical field name used in the issues frame.

    Returns
    -------
    frame : pandas.DataFrame
        Column ``value`` (``str`` or ``None``), same index as ``raw``.
    issues : pandas.DataFrame
        Columns ``row``, ``field``, ``reason``.

    Examples
    --------
    >>> frame, issues = clean_text(pd.Series(["  Иван\\u200b ", "N/A"]), "first_name")
    >>> frame["value"].tolist()
    ['Иван', None]
    >>> issues["reason"].tolist()
    ['control_characters', 'junk_value']
    """

    def one(value: Any) -> tuple[tuple[str | None], Any]:
        text, reasons = clean_scalar(value, field)
        return (text,), reasons

    return apply_distinct(raw, one, ["value"], bulk=bulk_clean)
