"""Person-name parsing: full names in any order, patronymics, initials, surname stems.

Parsing a full name
-------------------
The name is cut into tokens (``"Иванов И.С."`` gives ``иванов``, ``и``, ``с``; a comma after
the first token means surname first). Each possible ordering (template) is scored from what the
tokens look like:

* a **patronymic** by its ending (``-ович -евич -ич -овна -евна -ична -инична`` and Latin
  ``-ovich -evich -ovna -evna -ichna`` ...), never taken for a surname when a better reading
  exists: ``"Константин Артёмович"`` is a first name and a patronymic;
* a **given name** by a lexicon (Russian and English formal names and nicknames, keyed by
  translit key so Latin spellings work);
* a **surname** by its ending (``-ов -ев -ин -ский -ова -ева -ина -ская`` ..., Latin alike);
* an **initial** is one letter (kept as the one-letter value; comparisons treat one-letter
  values as initials).

Templates: ``last first middle…`` and ``first middle… last`` for every length, plus ``first
middle`` for two tokens. Script breaks ties: Cyrillic names prefer surname-first (the official
Russian form), Latin names given-first. When no token gives evidence the best guess is kept and
the row is flagged ``unparsed_name``.

Separate columns
----------------
When ``first_name`` / ``middle_name`` / ``last_name`` columns are given they are used as such; a
patronymic or initial written into the first-name column (``"Иван Сергеевич"``) is split into
the middle name, and a whole name written into the last-name column (first and middle empty) is
parsed as a full name. ``full_name`` fills only the parts the columns leave empty.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import lru_cache, partial
from typing import Any, TypeVar

import pandas as pd

from custmdm.normalise._common import (
    Reasons,
    apply_distinct_multi,
    clean_scalar,
    factorize_objects,
    is_junk,
)
from custmdm.normalise.issues import JUNK_VALUE, MAX_LENGTH, UNPARSED_NAME
from custmdm.normalise.nicknames import formal_name_keys, given_name_keys
from custmdm.normalise.text import fix_mixed_script, fold
from custmdm.normalise.translit import translit_key

_T = TypeVar("_T")

__all__ = [
    "NAME_COLUMNS",
    "NAME_PLACEHOLDERS",
    "is_patronymic",
    "parse_names",
    "patronymic_strength",
    "surname_stem",
]

NAME_COLUMNS: tuple[str, ...] = (
    "first_name",
    "middle_name",
    "last_name",
    "first_key",
    "middle_key",
    "last_key",
    "first_initial",
    "last_stem",
    "full_key",
)

#: Values that stand in for a name in point-of-sale and call-centre systems: treated as missing
#: and flagged ``junk_value`` (compared after folding).
NAME_PLACEHOLDERS: frozenset[str] = frozenset(
    {
        "клиент", "покупатель", "гость", "аноним", "анонимно", "без имени", "без фамилии",
        "без отчества", "б/о", "фамилия", "имя", "отчество", "фио", "тест тестович", "тестов",
        "customer", "client", "guest", "anonymous", "anon", "noname", "no name", "name",
        "first name", "last name", "firstname", "lastname", "nobody", "john doe", "jane doe",
    }
)  # fmt: skip

_TOKEN_RE = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*\.?|,")
_CYRILLIC_RE = re.compile(r"[а-яё]")

_PATRONYMIC_RE = re.compile(
    r"(?:"
    r"[а-я]{2,}(?:ович|евич|овна|евна|ична|инична)"
    r"|[а-я]{2,}[ьи]?ич"
    r"|[a-z]{2,}(?:ovich|evich|ovitch|evitch|ovna|evna|ichna|inichna|ovic|evic)"
    r"|(?:ilyich|ilich|ilych|kuzmich|lukich|fomich|nikitich|savvich)"
    r")"
)
# Titles and suffixes that are not part of the name ("Mr. John Smith Jr.", "г-н Иванов").
_TITLES = frozenset(
    {
        "mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "dame", "lord", "lady",
        "jr", "sr", "ii", "iii", "iv", "phd", "md", "esq",
        "г-н", "г-жа", "гн", "гжа", "господин", "госпожа", "гражданин", "гражданка", "тов",
    }
)  # fmt: skip
# Turkic patronymic particles: "Мамедов Руслан Ильхам оглы" — glued to the preceding token.
_PATRONYMIC_PARTICLES = frozenset({"оглы", "оглу", "кызы", "гызы", "улы", "уулу", "ogly", "kyzy"})

_SURNAME_RE = re.compile(
    r"(?:"
    r"[а-я]{2,}(?:ов|ев|ёв|ин|ын|ова|ева|ёва|ина|ына|ский|цкий|ская|цкая|ской|енко|ук|юк|ых|их"
    r"|швили|дзе|ян|янц|ова|ева)"
    r"|[a-z]{2,}(?:ov|ev|yov|in|yn|ova|eva|ina|yna|sky|skiy|skii|skij|ski|skaya|skaia|skaja"
    r"|enko|uk|yuk|iuk|shvili|dze|yan|ian|son|sen|man|ton|ley|ez|wick|wood|worth|ford)"
    r")"
)


def is_patronymic(token: str) -> bool:
    """True when a folded token looks like a Russian patronymic (Cyrillic or Latin)."""
    return bool(_PATRONYMIC_RE.fullmatch(token))


_PATRONYMIC_KEY_SUFFIX_RE = re.compile(r"(?:ovich|evich|ovic|evic|ovna|evna|inichna|ichna|ich)$")
_GIVEN_FROM_STEM = ("", "i", "a", "ei", "ia", "e")


@lru_cache(maxsize=1 << 18)
def patronymic_strength(token: str) -> int:
    """How sure we are that a folded token is a patronymic: 0 no, 1 by ending, 2 sure.

    Sure means a female ending (``-овна``, ``-евна``, ``-ична``: no surname ends so) or a male
    ending on the stem of a known given name (``Сергеевич`` ← Сергей, ``Ильич`` ← Илья).
    ``Шостакович`` and ``Бабич`` end like patronymics but are surnames: strength 1.
    """
    if len(token) < 4 or not is_patronymic(token):
        return 0
    if token.endswith(("овна", "евна", "ична", "ovna", "evna", "ichna")):
        return 2
    key = translit_key(token)
    stem = _PATRONYMIC_KEY_SUFFIX_RE.sub("", key)
    # "-ич" alone comes from names ending in -а/-я (Никита → Никитич, Илья → Ильич).
    suffixes = _GIVEN_FROM_STEM if key.endswith(("vich", "vic")) else ("a", "ia")
    if len(stem) >= 2:
        formal = formal_name_keys()
        # Fleeting vowel: Лев → Львович, Павел → Павлович.
        stems = (stem, f"{stem[:-1]}e{stem[-1]}")
        if any(s + suffix in formal for s in stems for suffix in suffixes):
            return 2
    return 1


def _is_surname_like(token: str) -> bool:
    return bool(_SURNAME_RE.fullmatch(token))


@lru_cache(maxsize=1 << 18)
def _is_given(token: str) -> bool:
    key = translit_key(token)
    return bool(key) and key in given_name_keys()


_STEM_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p), r)
    for p, r in (
        (r"(ov|ev|in|on)a$", r"\1"),  # Иванова → Иванов, Petrova → Petrov
        (
            r"(?<=[bcdfghklmnprstvz])(aia|aa|ai|oi|ia|i|a)$",
            "",
        ),  # Ковальская/Ковальский, Толстая/Толстой
    )
)


@lru_cache(maxsize=1 << 18)
def surname_stem(key: str) -> str:
    """Gender-neutral stem of a surname translit key (token-wise).

    Examples
    --------
    >>> surname_stem(translit_key("Иванова")) == surname_stem(translit_key("Ivanov"))
    True
    >>> surname_stem(translit_key("Ковальская")) == surname_stem(translit_key("Kovalsky"))
    True
    """
    out = []
    for token in key.split():
        stem = token
        for pattern, repl in _STEM_RULES:
            candidate = pattern.sub(repl, stem)
            if len(candidate) >= 3:
                stem = candidate
        out.append(stem)
    return " ".join(out)


def _tokens(text: str) -> list[str]:
    """Folded tokens; ``","`` kept as a marker; initials lose their dot."""
    return list(_analyse(text)[1])


def _split_tokens(folded: str) -> list[str]:
    """The tokens of folded, script-fixed text, before Turkic particles are glued."""
    out: list[str] = []
    for tok in _TOKEN_RE.findall(folded):
        if tok == ",":
            out.append(",")
            continue
        tok = tok.rstrip(".").strip("-'’")
        if tok and tok not in _TITLES:
            out.append(tok)
    return out


def _glue_particles(tokens: Sequence[str]) -> tuple[str, ...]:
    """Glue Turkic patronymic particles to the preceding token ("ильхам оглы")."""
    if _PATRONYMIC_PARTICLES.isdisjoint(tokens):
        return tuple(tokens)
    glued: list[str] = []
    for tok in tokens:
        if tok in _PATRONYMIC_PARTICLES and glued and glued[-1] != ",":
            glued[-1] = f"{glued[-1]} {tok}"
        else:
            glued.append(tok)
    return tuple(glued)


@lru_cache(maxsize=1 << 18)
def _tokens_cached(text: str) -> tuple[str, ...]:
    return _glue_particles(_split_tokens(fix_mixed_script(fold(text))))


# Plain text: printable ASCII and the basic Cyrillic letters in runs separated by single
# spaces. Its fold is lower-casing with ё → е (these letters are NFKC-stable, case-fold as
# they lower-case, carry no accents), and fix_mixed_script and the token pattern never look
# across a space, so its tokens are its folded words' ones in turn (tests compare both with
# the whole-text path).
_PLAIN_NAME_RE = re.compile(r"[!-~А-яЁё]+(?: [!-~А-яЁё]+)*")


@lru_cache(maxsize=1 << 18)
def _word_tokens(folded_word: str) -> tuple[str, ...]:
    """The unglued tokens of one folded, space-free word of plain text."""
    return tuple(_split_tokens(fix_mixed_script(folded_word)))


def _analyse(text: str) -> tuple[str, tuple[str, ...], bool]:
    """``fold(text)``, the tokens of ``text`` and whether its fold has a Cyrillic letter.

    Plain text (see ``_PLAIN_NAME_RE``) is tokenised word by word, the words (which repeat
    across names) cached; anything else takes the general path on the whole text.
    """
    if _PLAIN_NAME_RE.fullmatch(text):
        return _analyse_plain(text)
    folded = fold(text)
    return folded, _tokens_cached(text), bool(_CYRILLIC_RE.search(folded))


def _analyse_plain(text: str) -> tuple[str, tuple[str, ...], bool]:
    """:func:`_analyse` of plain text."""
    folded = text.lower().replace("ё", "е")
    # Names have a few words: concatenating their token tuples is the cheapest flattening.
    tokens: tuple[str, ...] = sum(map(_word_tokens, folded.split(" ")), ())
    return folded, _glue_particles(tokens), _CYRILLIC_RE.search(folded) is not None


# Score of a token by patronymic strength (0 none, 1 ending only, 2 sure) for each role.
_F_PATR = (0.0, 1.0, 2.5)
_M_PATR = (0.0, 0.5, 3.0)
_L_PATR = (0.0, 1.0, -2.0)


@lru_cache(maxsize=1 << 18)
def _role_score(token: str, role: str) -> float:
    if " " in token and token.split()[-1] in _PATRONYMIC_PARTICLES:
        return 3.0 if role == "M" else -3.0
    initial = len(token) == 1
    strength = 0 if initial else patronymic_strength(token)
    given = not initial and _is_given(token)
    surname = not initial and (strength < 2) and _is_surname_like(token)
    # A weak patronymic ending (Шостакович, Бабич) is as much a surname ending.
    if role == "F":
        return 2.0 * given + 0.75 * initial - _F_PATR[strength] - 1.0 * (surname and not given)
    if role == "M":
        return _M_PATR[strength] + 0.75 * initial + 0.25 * given - 1.0 * (surname and not given)
    # role == "L": a surname ending counts less on a known given name (Кристина, Марина).
    surname_score = (0.0 if given else 1.5) * surname
    return surname_score + _L_PATR[strength] - 1.5 * (given and not surname) - 1.0 * initial


@lru_cache(maxsize=1 << 18)
def _token_scores(token: str) -> tuple[float, float, float, bool]:
    """A token's scores as first, middle and last name, and whether it is evidence (an
    initial, a patronymic, given-name or surname ending)."""
    evidence = (
        len(token) == 1 or is_patronymic(token) or _is_given(token) or _is_surname_like(token)
    )
    return _role_score(token, "F"), _role_score(token, "M"), _role_score(token, "L"), evidence


def _assign_scored(
    tokens: list[str] | tuple[str, ...], cyrillic: bool, surname_first_bias: float = 0.0
) -> tuple[dict[str, list[str]], bool, str, float]:
    """Assign roles to tokens: the parts, whether the result is confident, the winning order
    (``"lfm"``, ``"fml"``, ``""``) and its margin.

    Candidate orders, each with a prior, are scored by summing their tokens' role scores (in
    the order L F M for surname first, F M L otherwise); the best wins, the earlier candidate
    on a tie.
    """
    if "," in tokens:
        i = tokens.index(",")
        before = [t for t in tokens[:i] if t != ","]
        after = [t for t in tokens[i + 1 :] if t != ","]
        if before and after:
            first, *middle = after
            return {"L": before, "F": [first], "M": middle}, True, "lfm", 9.0
        tokens = [t for t in before or after if t != ","]
    else:
        tokens = list(tokens)
    n = len(tokens)
    if n == 0:
        return {"L": [], "F": [], "M": []}, True, "", 0.0
    if n == 2 and len(tokens[1]) == 1 and len(tokens[0]) > 1 and not is_patronymic(tokens[0]):
        # "Иван С." / "Ваня И.": a given name with the surname's initial.
        if _is_given(tokens[0]) or not _is_surname_like(tokens[0]):
            return {"L": [tokens[1]], "F": [tokens[0]], "M": []}, True, "", 0.0
        return {"L": [tokens[0]], "F": [tokens[1]], "M": []}, True, "", 0.0
    if n == 1:
        tok = tokens[0]
        if patronymic_strength(tok) == 2:
            return {"L": [], "F": [], "M": [tok]}, True, "", 0.0
        if len(tok) > 1 and _is_given(tok):
            # A known given name alone is a given name, even with a surname-like ending
            # (Марина, Ashley).
            return {"L": [], "F": [tok], "M": []}, True, "", 0.0
        return {"L": [tok], "F": [], "M": []}, _is_surname_like(tok), "", 0.0
    scores = list(map(_token_scores, tokens))
    bias = surname_first_bias
    # Surname first: L F M...
    lfm = (0.3 if cyrillic else 0.0) + bias + scores[0][2] + scores[1][0]
    for sc in scores[2:]:
        lfm += sc[1]
    # Given first: F M... L
    fml = (0.0 if cyrillic else 0.3) - bias + scores[0][0]
    for sc in scores[1:-1]:
        fml += sc[1]
    fml += scores[-1][2]
    if n == 2 and patronymic_strength(tokens[1]) > 0:
        # Given name and patronymic without a surname ("Константин Артёмович").
        extra = -0.1 + scores[0][0] + scores[1][1]
    elif n >= 4:
        # Double given name or compound surname: F F M L is rare; L L F M (two-word surname).
        extra = -0.2 + bias + scores[0][2] + scores[1][2] + scores[2][0]
        for sc in scores[3:]:
            extra += sc[1]
    else:
        extra = None
    # Best score first, the earlier candidate on a tie; the margin is over the runner-up.
    if extra is None:
        best, margin = (0, lfm - fml) if lfm >= fml else (1, fml - lfm)
    else:
        ranked = sorted(((lfm, 0), (fml, -1), (extra, -2)), reverse=True)
        best, margin = -ranked[0][1], ranked[0][0] - ranked[1][0]
    evidence = any([sc[3] for sc in scores])
    if best == 0:
        parts = {"L": [tokens[0]], "F": [tokens[1]], "M": tokens[2:]}
        kind = "lfm"
    elif best == 1:
        parts = {"F": [tokens[0]], "M": tokens[1:-1], "L": [tokens[-1]]}
        kind = "fml"
    elif n == 2:
        parts = {"F": [tokens[0]], "M": [tokens[1]], "L": []}
        kind = ""
    else:
        parts = {"L": tokens[:2], "F": [tokens[2]], "M": tokens[3:]}
        kind = "lfm"
    return parts, evidence and margin > 0.2, kind, margin


def _join(tokens: Sequence[str]) -> str | None:
    return _part(tokens[0] if len(tokens) == 1 else " ".join(tokens))


# Name parts repeat (first names, patronymics, common surnames): cached with their junk test.
@lru_cache(maxsize=1 << 18)
def _part(joined: str) -> str | None:
    value = joined.strip()
    # A part reduced to a placeholder ("0X" → "x") is no name.
    return value if value and not is_junk(value) else None


def _name_parts(
    tokens: list[str] | tuple[str, ...], cyrillic: bool, surname_first_bias: float = 0.0
) -> tuple[str | None, str | None, str | None, bool]:
    """The tokens of a whole name as first, middle and last name, and whether confident."""
    parts, confident, _, _ = _assign_scored(tokens, cyrillic, surname_first_bias)
    return _join(parts["F"]), _join(parts["M"]), _join(parts["L"]), confident


def _split_given(text: str) -> tuple[str | None, str | None]:
    """A first-name column value: split a trailing patronymic or initial into the middle."""
    toks = [t for t in _tokens(text) if t != ","]
    if len(toks) >= 2 and (is_patronymic(toks[-1]) or len(toks[-1]) == 1 or " " in toks[-1]):
        # Everything after the first token goes to the middle name, so that splitting the
        # output again changes nothing ("Иван Сергеевич" → иван + сергеевич).
        return _join(toks[:1]), _join(toks[1:])
    return _join(toks), None


def _plain(text: str) -> str | None:
    return _join([t for t in _tokens(text) if t != ","])


_Analysis = tuple[str, tuple[str, ...], bool]


def _clean_field(raw: Any, field: str) -> tuple[str | None, Reasons, _Analysis]:
    """A raw value cleaned (``None`` when missing, junk or a placeholder), its reasons and
    the :func:`_analyse` of the cleaned text."""
    text: str | None
    reasons: Reasons
    if (
        type(raw) is str
        and len(raw) <= MAX_LENGTH
        and _PLAIN_NAME_RE.fullmatch(raw)
        and not is_junk(raw)
    ):
        # Plain text that is no placeholder: cleaning leaves it as it is.
        text, reasons, analysis = raw, (), _analyse_plain(raw)
    else:
        text, reasons = clean_scalar(raw, field)
        if text is None:
            return None, reasons, ("", (), False)
        analysis = _analyse(text)
    if analysis[0].strip(" .") in NAME_PLACEHOLDERS:
        return None, (*reasons, (field, JUNK_VALUE)), analysis
    return text, reasons, analysis


@lru_cache(maxsize=1 << 16)
def _first_column(raw: str) -> tuple[Reasons, str | None, str | None]:
    """A first-name column value: its reasons, first name and the middle name split off."""
    text, reasons, _ = _clean_field(raw, "first_name")
    return (reasons, *_split_given(text)) if text else (reasons, None, None)


@lru_cache(maxsize=1 << 16)
def _middle_column(raw: str) -> tuple[Reasons, str | None]:
    text, reasons, _ = _clean_field(raw, "middle_name")
    return reasons, (_plain(text) if text else None)


@lru_cache(maxsize=1 << 16)
def _last_column(
    raw: str,
) -> tuple[Reasons, tuple[str, ...], str | None, tuple[str | None, str | None, str | None, bool]]:
    """A last-name column value: its reasons, its tokens (no commas), the value as a last
    name, and the value parsed as a whole name (first, middle, last, confident)."""
    text, reasons, (_, tokens, cyrillic) = _clean_field(raw, "last_name")
    if not text:
        return reasons, (), None, (None, None, None, True)
    last_tokens = tuple(t for t in tokens if t != ",")
    whole: tuple[str | None, str | None, str | None, bool] = (None, None, None, True)
    if len(last_tokens) >= 2:
        whole = _name_parts(tokens, cyrillic)
    return reasons, last_tokens, _join(last_tokens), whole


def _column(raw: Any, cached: Callable[[str], _T], general: Callable[[str], _T]) -> _T:
    """A column value's parse: cached for strings (which repeat), computed otherwise."""
    return cached(raw) if type(raw) is str else general(raw)


def _name_values(f_name: str | None, m_name: str | None, l_name: str | None) -> tuple[Any, ...]:
    """The output row of parsed name parts: the parts, their keys, initial, stem, full key."""
    f_key = translit_key(f_name) if f_name else ""
    m_key = translit_key(m_name) if m_name else ""
    l_key = translit_key(l_name) if l_name else ""
    all_tokens = sorted((f"{f_key} {m_key} {l_key}").split())
    values = (
        f_name,
        m_name,
        l_name,
        f_key or None,
        m_key or None,
        l_key or None,
        f_key[0] if f_key else None,
        (surname_stem(l_key) or None) if l_key else None,
        " ".join(all_tokens) or None,
    )
    return values


def _parse_one(
    full: Any, first: Any, middle: Any, last: Any, bias: dict[bool, float] | None = None
) -> tuple[tuple[Any, ...], Reasons]:
    if first is None and middle is None and last is None and full is not None:
        # A full name alone, the usual case.
        text, rs, (_, tokens, cyrillic) = _clean_field(full, "full_name")
        if text and tokens:
            first_part, middle_part, last_part, confident = _name_parts(
                tokens, cyrillic, bias.get(cyrillic, 0.0) if bias else 0.0
            )
            if not confident:
                rs = (*rs, ("full_name", UNPARSED_NAME))
            values = _name_values(first_part, middle_part, last_part)
            return values, tuple(dict.fromkeys(rs)) if rs else ()
    reasons: list[tuple[str, str]] = []
    full_text: str | None = None
    if full is not None:
        full_text, rs, (_, full_tokens, full_cyrillic) = _clean_field(full, "full_name")
        reasons.extend(rs)

    f_name: str | None = None
    m_name: str | None = None
    l_name: str | None = None
    if first is not None:
        rs, f_name, m_name = _column(first, _first_column, _first_column.__wrapped__)
        reasons.extend(rs)
    if middle is not None:
        rs, m_plain = _column(middle, _middle_column, _middle_column.__wrapped__)
        reasons.extend(rs)
        m_name = m_plain or m_name
    if last is not None:
        rs, last_tokens, l_plain, whole = _column(last, _last_column, _last_column.__wrapped__)
        reasons.extend(rs)
        # A whole name typed into the last-name column: parse it when the other columns are
        # empty, or when it repeats the first name and carries a patronymic ("Петрова Мария
        # Ивановна" beside "Мария").
        whole_name_in_last = len(last_tokens) >= 2 and (
            (not f_name and not m_name)
            or (
                f_name is not None
                and m_name is None
                and len(last_tokens) >= 3
                and f_name in last_tokens
                and any(len(t) > 1 and is_patronymic(t) for t in last_tokens)
            )
        )
        if whole_name_in_last:
            f_whole, m_whole, l_name, confident = whole
            f_name = f_name or f_whole
            m_name = m_name or m_whole
            if not confident:
                reasons.append(("last_name", UNPARSED_NAME))
        else:
            l_name = l_plain
    if full_text and not (f_name and l_name):
        if full_tokens:
            cyrillic = full_cyrillic
            f_full, m_full, l_full, confident = _name_parts(
                full_tokens, cyrillic, bias.get(cyrillic, 0.0) if bias else 0.0
            )
            f_name = f_name or f_full
            m_name = m_name or m_full
            l_name = l_name or l_full
            if not confident:
                reasons.append(("full_name", UNPARSED_NAME))
        elif not (f_name or l_name or m_name):
            reasons.append(("full_name", UNPARSED_NAME))

    return _name_values(f_name, m_name, l_name), tuple(dict.fromkeys(reasons))


def parse_names(
    full_name: pd.Series | None = None,
    first_name: pd.Series | None = None,
    middle_name: pd.Series | None = None,
    last_name: pd.Series | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Parse person names into folded parts and matching keys.

    Parameters
    ----------
    full_name, first_name, middle_name, last_name : pandas.Series or None
        At least one must be given; given Series share one index.

    Returns
    -------
    frame : pandas.DataFrame
        Columns ``first_name``, ``middle_name``, ``last_name`` (folded: case-folded, ``ё`` →
        ``е``, script kept, punctuation cleaned; one letter = an initial), ``first_key``,
        ``middle_key``, ``last_key`` (translit keys), ``first_initial``, ``last_stem``
        (gender-neutral surname key) and ``full_key`` (sorted keys of all name tokens).
    issues : pandas.DataFrame
        ``row``, ``field``, ``reason``.

    Examples
    --------
    >>> frame, _ = parse_names(pd.Series(["ИВАНОВ ИВАН СЕРГЕЕВИЧ", "Ivan S. Ivanov"]))
    >>> frame[["first_name", "middle_name", "last_name"]].values.tolist()
    [['иван', 'сергеевич', 'иванов'], ['ivan', 's', 'ivanov']]
    >>> frame["full_key"].tolist()
    ['ivan ivanov sergevich', 'ivan ivanov s']
    """
    bias = _column_order_bias(full_name) if full_name is not None else {}
    return apply_distinct_multi(
        [full_name, first_name, middle_name, last_name],
        partial(_parse_one, bias=bias),
        NAME_COLUMNS,
    )


#: How many distinct full names are read to learn a column's name order.
_ORDER_SAMPLE = 20_000
#: Share of confident rows in one order that makes it the column's habit.
_ORDER_SHARE = 0.75
_ORDER_MIN_ROWS = 10
_ORDER_BIAS = 1.0


def _column_order_bias(full_name: pd.Series) -> dict[bool, float]:
    """Learn each script's habitual name order in a column from its unambiguous names.

    Departments write names one way ("ИВАНОВ ИВАН" in billing, "Ivan Ivanov" in the web
    shop). Names whose order is clear (patronymic, known given name, surname ending) vote; when
    at least three quarters of them, per script, agree, that order breaks ties for the rest
    ("Thomas Andrew" in a surname-first column). Returns a bias per script (``True`` =
    Cyrillic): positive for surname first, negative for given first.
    """
    _, uniques = factorize_objects(full_name.to_numpy(dtype=object))
    values = uniques[:_ORDER_SAMPLE]
    votes: dict[bool, list[int]] = {True: [0, 0], False: [0, 0]}
    for value in values:
        text, _ = clean_scalar(value, "full_name")
        if text is None:
            continue
        _, toks, cyrillic = _analyse(text)
        if "," in toks or not 2 <= len(toks) <= 4:
            continue
        _, confident, kind, margin = _assign_scored(toks, cyrillic)
        if confident and kind and margin >= 1.0:
            votes[cyrillic][0 if kind == "lfm" else 1] += 1
    bias: dict[bool, float] = {}
    for script, (lfm, fml) in votes.items():
        total = lfm + fml
        if total >= _ORDER_MIN_ROWS:
            if lfm / total >= _ORDER_SHARE:
                bias[script] = _ORDER_BIAS
            elif fml / total >= _ORDER_SHARE:
                bias[script] = -_ORDER_BIAS
    return bias
