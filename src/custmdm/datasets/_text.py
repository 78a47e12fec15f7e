"""Text helpers for the synthetic generator: Latin renderings of Russian names, typos.

Transliteration here is *generation*, not normalisation: it reproduces the inconsistent
ways real people and systems spell Russian names in Latin letters (a passport clerk, a
web-shop user, a marketing intern), so the normaliser has something realistic to undo.
"""

from __future__ import annotations

import numpy as np

# Conventions, in the order used by the generator's convention index.
CONVENTIONS = ("icao", "bgn", "informal_y", "informal_j")

_COMMON = {
    "а": "a",
    "б": "b",
    "в": "v",
    "г": "g",
    "д": "d",
    "з": "z",
    "и": "i",
    "к": "k",
    "л": "l",
    "м": "m",
    "н": "n",
    "о": "o",
    "п": "p",
    "р": "r",
    "с": "s",
    "т": "t",
    "у": "u",
    "ф": "f",
    "ы": "y",
    "э": "e",
    "ж": "zh",
    "ш": "sh",
    "ч": "ch",
}

_TABLES: dict[str, dict[str, str]] = {
    # ICAO Doc 9303, used in Russian passports since 2013: Iuliia, Aleksei, Shchukin.
    "icao": {
        **_COMMON,
        "е": "e",
        "ё": "e",
        "й": "i",
        "х": "kh",
        "ц": "ts",
        "щ": "shch",
        "ъ": "ie",
        "ь": "",
        "ю": "iu",
        "я": "ia",
    },
    # BGN/PCGN without diacritics: Yuliya, Aleksey, Shchukin, Yelena.
    "bgn": {
        **_COMMON,
        "е": "e",
        "ё": "yo",
        "й": "y",
        "х": "kh",
        "ц": "ts",
        "щ": "shch",
        "ъ": "",
        "ь": "",
        "ю": "yu",
        "я": "ya",
    },
    # What people type themselves: Yulia, Alexey, Schukin, Khabibullin/Habibullin.
    "informal_y": {
        **_COMMON,
        "е": "e",
        "ё": "e",
        "й": "y",
        "х": "h",
        "ц": "ts",
        "щ": "sch",
        "ъ": "",
        "ь": "",
        "ю": "yu",
        "я": "ya",
    },
    # German/older habits: Julia, Juri, Shukin, Tzvetkov.
    "informal_j": {
        **_COMMON,
        "е": "e",
        "ё": "e",
        "й": "j",
        "х": "kh",
        "ц": "tz",
        "щ": "sh",
        "ъ": "",
        "ь": "",
        "ю": "ju",
        "я": "ja",
    },
}

_VOWELS = set("аеёиоуыэюяъь")

# Well-known English-style spellings that informal writers prefer.
_INFORMAL_OVERRIDES = {
    "александр": "alexander",
    "алексей": "alexey",
    "максим": "maxim",
    "ксения": "ksenia",
    "дмитрий": "dmitry",
    "евгений": "evgeny",
    "юрий": "yuri",
    "наталья": "natalia",
    "мария": "maria",
    "юлия": "yulia",
    "виктория": "victoria",
    "анастасия": "anastasia",
}


def transliterate(text: str, convention: str) -> str:
    """Render Cyrillic ``text`` in Latin letters following ``convention``.

    Case follows the source: a capitalised word stays capitalised, an upper-case word
    stays upper case.  Non-Cyrillic characters pass through unchanged.

    Examples
    --------
    >>> transliterate("Юлия Щукина", "icao")
    'Iuliia Shchukina'
    >>> transliterate("Юлия Щукина", "informal_j")
    'Julia Shukina'
    """
    table = _TABLES[convention]
    words = text.split(" ")
    out_words = []
    for word in words:
        low = word.lower()
        if convention.startswith("informal") and low in _INFORMAL_OVERRIDES:
            latin = _INFORMAL_OVERRIDES[low]
            if convention == "informal_j":
                latin = latin.replace("yu", "ju").replace("ya", "ja")
        else:
            if convention.startswith("informal"):
                low = low.replace("кс", "x") if convention == "informal_y" else low
                if low.endswith("ий"):
                    low = low[:-2] + "y"
            pieces = []
            prev = ""
            for ch in low:
                rendered = table.get(ch, ch)
                # BGN and informal spellings write е as "ye" word-initially and after vowels.
                if ch == "е" and convention != "icao" and (prev == "" or prev in _VOWELS):
                    rendered = "ye" if convention != "informal_j" else "je"
                pieces.append(rendered)
                prev = ch
            latin = "".join(pieces)
        if word.isupper() and len(word) > 1:
            latin = latin.upper()
        elif word[:1].isupper():
            latin = latin[:1].upper() + latin[1:]
        out_words.append(latin)
    return " ".join(out_words)


_ROWS_LATIN = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
_ROWS_CYRILLIC = ("йцукенгшщзхъ", "фывапролджэ", "ячсмитьбю")


def _neighbours(rows: tuple[str, ...]) -> dict[str, str]:
    out: dict[str, str] = {}
    for r, row in enumerate(rows):
        for c, ch in enumerate(row):
            near = []
            if c > 0:
                near.append(row[c - 1])
            if c + 1 < len(row):
                near.append(row[c + 1])
            for rr in (r - 1, r + 1):
                if 0 <= rr < len(rows) and c < len(rows[rr]):
                    near.append(rows[rr][c])
            out[ch] = "".join(near)
    return out


_NEIGHBOURS = {**_neighbours(_ROWS_LATIN), **_neighbours(_ROWS_CYRILLIC)}


def add_typo(text: str, kind: int, position: float, pick: float) -> str:
    """Introduce one typing error into ``text``.

    ``kind`` selects the error (0 keyboard-neighbour substitution, 1 transposition of two
    adjacent letters, 2 dropped letter, 3 doubled letter); ``position`` and ``pick`` in
    [0, 1) choose where and which neighbour, so the caller controls all randomness.
    The first letter is left alone: people rarely mistype the first letter of a name.
    """
    n = len(text)
    if n < 3:
        return text
    i = 1 + int(position * (n - 1))
    i = min(i, n - 1)
    ch = text[i]
    if kind == 0:
        near = _NEIGHBOURS.get(ch.lower(), "")
        if not near:
            kind = 1
        else:
            sub = near[int(pick * len(near)) % len(near)]
            if ch.isupper():
                sub = sub.upper()
            return text[:i] + sub + text[i + 1 :]
    if kind == 1:
        if i >= n - 1:
            i = n - 2
        if text[i] == text[i + 1]:
            return text[:i] + text[i + 1 :]
        return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    if kind == 2:
        return text[:i] + text[i + 1 :]
    return text[:i] + ch + text[i:]


def add_typos(
    values: np.ndarray, kinds: np.ndarray, pos: np.ndarray, pick: np.ndarray
) -> list[str]:
    """Apply :func:`add_typo` element-wise (a Python loop, used on small subsets only)."""
    return [
        add_typo(str(v), int(k), float(p), float(q))
        for v, k, p, q in zip(values, kinds, pos, pick, strict=True)
    ]
