"""Cyrillic/Latin transliteration *keys*.

A key is not a readable transliteration: it is a Latin "skeleton" on which the common spellings
of one Russian name meet, whichever convention produced them (GOST 7.79, ICAO 2013 passports,
BGN/PCGN, the 1997–2010 passport rules, informal English/German habits).

How it works
------------
1. :func:`~custmdm.normalise.text.fold` (NFKC, case-fold, ``ё`` → ``е``, Latin accents off).
2. Cyrillic → one informal Latin form (``х`` → ``kh``, ``ц`` → ``ts``, ``щ`` → ``shch``,
   ``ю`` → ``yu``, ``я`` → ``ya``, ``й`` → ``i``, ``ь``/``ъ`` dropped ...).
3. Everything that is not a letter or digit becomes a token separator.
4. The same ordered Latin rewrite is applied to every token, repeatedly until it no longer
   changes (which makes the key idempotent):

   =======================  ======  ===================================================
   pattern                  becomes why
   =======================  ======  ===================================================
   shch, sch, shh           sh      щ: Shchukin / Schukin / Shukin
   ck                       k       Jackson
   th                       t       Thomas / Томас
   ph                       f       Sophia / Sofia
   kh, ks, h (not in zh,    x       х is kh / h / x (GOST 7.79-B), and x is also кс
   ch, sh), x                       (Alexey / Алексей): one class for all four
   ts, tc, tz, cz           c       ц: Tsvetkova / Tcvetkova / Czvetkova / Cvetkova
   c before t or k, or      k       Victor / Viktor, Eric / Erik (a lone "c" is an
   ending a word                    initial and stays; Cl, Cr stay: Cromley ~ "C.")
   w                        v       Wladimir / Vladimir
   ye, je, yo starting a    e       е/ё: Yevgeniy / Jevgenij / Evgenii, Yolkin / Ёлкин
   word
   y, j                     i       ю/я/й/ы: Yulia / Iuliia / Julia, Sergey / Sergei
   ie inside a word         e       ье: Anan'yev / Ананьев, Andreyev / Андреев
   io inside a word         e       ё: Fyodor / Fedor, Semyon / Semen
   doubled letters          one     Iuliia → iulia, Anna / Ana, Kirill / Kiril
   =======================  ======  ===================================================

"Jo" starting a word stays ``io`` so that English names keep their initial (Johnson ~ "J.");
"Je" starting a word is Russian Е in the German/Baltic habit (Jelena, Jegor), so English
Jennifer gets key initial "e".

The key over-collapses on purpose (Ш and Щ, И and Ы, Х and КС meet): it is a blocking and comparison key,
not a display value.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import pandas as pd

from custmdm.normalise._common import apply_distinct, clean_scalar
from custmdm.normalise.text import fold

__all__ = ["CYRILLIC_TO_LATIN", "translit_key", "translit_key_series"]

#: The informal Cyrillic → Latin table used as the first step of the key.
CYRILLIC_TO_LATIN: dict[str, str] = {
    "а": "a",
    "б": "b",
    "в": "v",
    "г": "g",
    "д": "d",
    "е": "e",
    "ё": "e",
    "ж": "zh",
    "з": "z",
    "и": "i",
    "й": "i",
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
    "х": "kh",
    "ц": "ts",
    "ч": "ch",
    "ш": "sh",
    "щ": "shch",
    "ъ": "",
    "ы": "y",
    "ь": "",
    "э": "e",
    "ю": "yu",
    "я": "ya",
    # Ukrainian / Belarusian letters that show up in Russian data.
    "і": "i",
    "ї": "i",
    "є": "e",
    "ґ": "g",
    "ў": "u",
}
_CYR_TABLE = str.maketrans(CYRILLIC_TO_LATIN)
_SEPARATORS_RE = re.compile(r"[\W_]+")
# Apostrophes and primes stand for ь/ъ in GOST and BGN/PCGN (Natal'ya, Natalʹja): dropped.
_APOSTROPHES_RE = re.compile("['\u2019\u2018\u02b9\u02ba\u02bc\u0060\u00b4\u2032\u2033\u0301]")

# The rules in order; _rewrite applies them (tests compare it with applying this table).
_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p), r)
    for p, r in (
        (r"([a-z])\1+", r"\1"),
        (r"shch|sch|shh", "sh"),
        (r"ck", "k"),
        (r"th", "t"),
        (r"ph", "f"),
        (r"kh|ks|(?<![zcsk])h", "x"),
        (r"ts|tc|tz|cz", "c"),
        (r"c(?=[tk])|(?<=[a-z])c$", "k"),
        (r"w", "v"),
        (r"^(?:ye|je|yo)", "e"),
        (r"[yj]", "i"),
        (r"(?<=.)ie", "e"),
        (r"(?<=.)io", "e"),
        (r"([a-z])\1+", r"\1"),
    )
)
_DOUBLED_RE = _RULES[0][0]
_SH_RE, _X_RE, _C_RE, _K_RE, _E_START_RE, _IE_RE, _IO_RE = (
    _RULES[i][0] for i in (1, 5, 6, 7, 9, 11, 12)
)


def _rewrite(token: str) -> str:
    """One pass of :data:`_RULES` over a token, in order; a rule is skipped where none of its
    substrings occurs (it would change nothing), and literal rules are plain replacements."""
    out = _DOUBLED_RE.sub(r"\1", token)
    if "h" in out:
        if "sh" in out or "sch" in out:
            out = _SH_RE.sub("sh", out)
        out = out.replace("ck", "k").replace("th", "t").replace("ph", "f")
    elif "ck" in out:
        out = out.replace("ck", "k")
    if "h" in out or "ks" in out:
        out = _X_RE.sub("x", out)
    if "t" in out or "cz" in out:
        out = _C_RE.sub("c", out)
    if "c" in out:
        out = _K_RE.sub("k", out)
    out = out.replace("w", "v")
    if out.startswith(("ye", "je", "yo")):
        out = _E_START_RE.sub("e", out)
    out = out.replace("y", "i").replace("j", "i")
    if "ie" in out:
        out = _IE_RE.sub("e", out)
    if "io" in out:
        out = _IO_RE.sub("e", out)
    return _DOUBLED_RE.sub(r"\1", out)


@lru_cache(maxsize=1 << 18)
def _token_key(token: str) -> str:
    out = token
    for _ in range(8):
        previous = out
        out = _rewrite(out)
        if out == previous:
            break
    return out


@lru_cache(maxsize=1 << 18)
def translit_key(s: str) -> str:
    """Return the Latin matching key of a name or any short text.

    Cyrillic and Latin spellings of the same name under the common conventions get the same
    key; multi-word input is keyed token by token and space-joined (order kept). Idempotent.

    Examples
    --------
    >>> {translit_key(x) for x in ["Щукин", "Shchukin", "Schukin", "Shukin"]}
    {'shukin'}
    >>> {translit_key(x) for x in ["Юлия", "Yulia", "Iuliia", "Yuliya", "Julia"]}
    {'iulia'}
    >>> translit_key("Цветкова Юлия")
    'cvetkova iulia'
    """
    text = fold(_APOSTROPHES_RE.sub("", s))
    text = _APOSTROPHES_RE.sub("", text).translate(_CYR_TABLE)
    tokens = [_token_key(t) for t in _SEPARATORS_RE.split(text) if t]
    return " ".join(t for t in tokens if t)


def translit_key_series(raw: pd.Series) -> pd.Series:
    """Vectorised :func:`translit_key` computed per distinct value; missing stays ``None``.

    Examples
    --------
    >>> translit_key_series(pd.Series(["Хабибуллин", "Khabibullin", None])).tolist()
    ['xabibulin', 'xabibulin', None]
    """

    def one(value: Any) -> tuple[tuple[str | None], tuple[()]]:
        text, _ = clean_scalar(value, "")
        key = translit_key(text) if text else ""
        return ((key or None),), ()

    frame, _ = apply_distinct(raw, one, ["value"])
    out = frame["value"]
    out.name = raw.name
    return out
