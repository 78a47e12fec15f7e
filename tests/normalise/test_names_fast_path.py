"""parse_names' fast paths against its general path.

Plain names are folded and tokenised word by word (cached per word), token role scores are
summed from a per-token cache, and the values of first/middle/last-name columns are parsed once
per distinct value. These tests check each shortcut gives what the general rule gives.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from custmdm.normalise import names
from custmdm.normalise.names import parse_names, patronymic_strength
from custmdm.normalise.text import fold

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Real-world spellings: both scripts, both orders, patronymic only, initials, upper case,
# extra spaces, commas, titles, Turkic particles, mixed-script look-alikes, accents, hyphens.
SPELLINGS = [
    "Овчинников Сергей Денисович",
    "ОВЧИННИКОВ СЕРГЕЙ ДЕНИСОВИЧ",
    "  овчинников   сергей  денисович ",
    "Денис Антонович Рогук",
    "Сергей Денисович",
    "Ольга Николаевна",
    "Иванов И.С.",
    "Иванов И. С.",
    "И.С. Иванов",
    "Ринат Х.",
    "Ваня И.",
    "Garcia Teresa",
    "Teresa Garcia",
    "GARCIA, TERESA",
    "Ivanov, Ivan Sergeevich",
    "Ivan Sergeyevich Ivanov",
    "Mr. John Smith Jr.",
    "г-н Иванов Иван",
    "Мамедов Руслан Ильхам оглы",
    "Руслан Ильхам.оглы",
    "Ильхам.оглы",
    "Mamedov Ruslan Ilham ogly",
    "Ёлкина Алёна",
    "Петров-Водкин Кузьма Сергеевич",
    "O'Brien Sean",
    "Ivanоv Petr",  # Cyrillic о in a Latin word
    "Петрoв Иван",  # Latin o in a Cyrillic word
    "Renée Müller",
    "José García Márquez",
    "Иванов\u00a0Иван",
    "Иванов\tИван",
    "Мария-Луиза Петрова",
    "Ким Ен Сун Петровна",
    "Сан Саныч",
    "Шостакович Дмитрий",
    "Бабич",
    "Марина",
    "Ashley",
    "Тест Тестович",
    "Клиент",
    "N/A",
    "-",
    "0X",
    "12345",
    "Иванов 2",
    ",",
    "Иванов,",
    ", Иван",
    "A. B.",
    "x",
]


def general_analysis(text: str) -> tuple[str, tuple[str, ...], bool]:
    """What the whole-text path gives: fold, tokens, Cyrillic letter in the fold."""
    folded = fold(text)
    return folded, names._tokens_cached(text), bool(re.search("[а-яё]", folded))


def reference_scored(
    tokens: list[str], cyrillic: bool, bias: float
) -> tuple[dict[str, list[str]], bool, str, float]:
    """The candidate rule stated directly: every order built, scored in its role order."""
    n = len(tokens)
    candidates: list[tuple[float, str, dict[str, list[str]]]] = [
        ((0.3 if cyrillic else 0.0) + bias, "lfm", {"L": [tokens[0]], "F": [tokens[1]], "M": tokens[2:]}),
        ((0.0 if cyrillic else 0.3) - bias, "fml", {"F": [tokens[0]], "M": tokens[1:-1], "L": [tokens[-1]]}),
    ]  # fmt: skip
    if n == 2 and patronymic_strength(tokens[1]) > 0:
        candidates.append((-0.1, "", {"F": [tokens[0]], "M": [tokens[1]], "L": []}))
    if n >= 4:
        candidates.append(
            (-0.2 + bias, "lfm", {"L": tokens[:2], "F": [tokens[2]], "M": tokens[3:]})
        )
    scored = []
    for order, (prior, kind, parts) in enumerate(candidates):
        score = prior
        for role, toks in parts.items():
            for tok in toks:
                score += names._role_score(tok, role)
        scored.append((score, -order, kind, parts))
    scored.sort(key=lambda x: (x[0], x[1]), reverse=True)
    margin = scored[0][0] - scored[1][0]
    evidence = any(
        len(t) == 1 or names.is_patronymic(t) or names._is_given(t) or names._is_surname_like(t)
        for t in tokens
    )
    return scored[0][3], evidence and margin > 0.2, scored[0][2], margin


def _general_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """Send every text through the whole-text path (no word-by-word shortcut) and every
    column value through its uncached parse."""
    monkeypatch.setattr(names, "_PLAIN_NAME_RE", re.compile(r"(?!)"))
    monkeypatch.setattr(names, "_column", lambda raw, cached, general: general(raw))
    _clear_caches()


def _clear_caches() -> None:
    for func in (
        names._first_column,
        names._middle_column,
        names._last_column,
        names._word_tokens,
        names._part,
        names._token_scores,
        names._tokens_cached,
    ):
        func.cache_clear()


def test_plain_letters_fold_by_lower_casing():
    plain = [chr(c) for c in range(0x21, 0x7F)] + [chr(c) for c in range(0x410, 0x450)] + ["Ё", "ё"]
    for ch in plain:
        assert names._PLAIN_NAME_RE.fullmatch(ch)
        assert fold(ch) == ch.lower().replace("ё", "е")
        assert fold(ch + ch) == fold(ch) * 2


@pytest.mark.parametrize("text", SPELLINGS)
def test_word_by_word_analysis_is_the_whole_text_one(text):
    assert names._analyse(text) == general_analysis(text)


def _assert_scorer_matches(tokens: list[str], cyrillic: bool, bias: float) -> None:
    toks = [t for t in tokens if t != ","]
    if len(toks) < 2 or "," in tokens:
        return
    if (
        len(toks) == 2
        and len(toks[1]) == 1
        and len(toks[0]) > 1
        and not names.is_patronymic(toks[0])
    ):
        return  # the given-name-and-initial rule, decided before any scoring
    assert names._assign_scored(toks, cyrillic, bias) == reference_scored(toks, cyrillic, bias)
    assert names._assign_scored(tuple(toks), cyrillic, bias) == reference_scored(
        toks, cyrillic, bias
    )


@pytest.mark.parametrize("text", SPELLINGS)
@pytest.mark.parametrize("bias", [0.0, 1.0, -1.0])
def test_scorer_is_the_candidate_rule(text, bias):
    _, tokens, cyrillic = general_analysis(text)
    _assert_scorer_matches(list(tokens), cyrillic, bias)


def test_scorer_ties_go_to_the_earlier_candidate(monkeypatch):
    """Role scores in whole units and priors that cancel make exact ties between orders."""
    monkeypatch.setattr(names, "_role_score", lambda tok, role: float(len(tok) % 2))
    names._token_scores.cache_clear()
    try:
        for tokens in (["ab", "cd"], ["ab", "c", "de"], ["ab", "cd", "ef", "g"], ["a", "bc"]):
            for cyrillic in (True, False):
                for bias in (-0.15, 0.0, 0.15, -0.05, 0.1, -0.3, 0.3):
                    _assert_scorer_matches(tokens, cyrillic, bias)
    finally:
        names._token_scores.cache_clear()


def _frames(full=None, first=None, middle=None, last=None):
    def series(values):
        return None if values is None else pd.Series(values, dtype=object)

    return parse_names(series(full), series(first), series(middle), series(last))


def _assert_same_as_general(monkeypatch, **columns):
    fast = _frames(**columns)
    with monkeypatch.context() as m:
        _general_path(m)
        general = _frames(**columns)
    _clear_caches()
    for a, b in zip(fast, general, strict=True):
        pd.testing.assert_frame_equal(a, b, check_exact=True)
        assert a.isna().equals(b.isna())


def test_full_names_fast_equals_general(monkeypatch):
    _assert_same_as_general(monkeypatch, full=[*SPELLINGS, None, ""])


def test_name_columns_fast_equals_general(monkeypatch):
    first = ["Иван", "Иван Сергеевич", "ivan s.", "Клиент", None, "N/A", "Мария", "Ann"] * 6
    last = ["Иванов", "Петрова Мария Ивановна", "IVANOV", "", "Ivanov Ivan", None, "x", "Smith"]
    middle = [None, "Сергеевич", "S.", "-", None, "Петрович"]
    n = len(first)
    _assert_same_as_general(
        monkeypatch,
        full=(SPELLINGS * 2)[:n],
        first=first,
        middle=(middle * n)[:n],
        last=(last * n)[::-1][:n],
    )


GOLDEN = [
    # (full, first, middle, last) -> first, middle, last names and reasons, as parsed before
    # the fast paths were added
    ((None, "Иван", None, "Иванов"), ("иван", None, "иванов"), ()),
    ((None, "Иван Сергеевич", None, "Иванов"), ("иван", "сергеевич", "иванов"), ()),
    ((None, "ivan s.", None, "IVANOV"), ("ivan", "s", "ivanov"), ()),
    ((None, "Мария", None, "Петрова Мария Ивановна"), ("мария", "ивановна", "петрова"), ()),
    ((None, "Мария", None, "Петрова Мария"), ("мария", None, "петрова мария"), ()),
    ((None, None, None, "Ivanov Ivan Petrovich"), ("ivan", "petrovich", "ivanov"), ()),
    ((None, None, None, "Smith John"), ("john", None, "smith"), ()),
    ((None, "", None, "Ivanov Ivan"), ("ivan", None, "ivanov"), ()),
    ((None, "Клиент", None, "Иванов"), (None, None, "иванов"), (("first_name", "junk_value"),)),
    ((None, "N/A", None, "x"), (None, None, "x"), (("first_name", "junk_value"),)),
    ((None, "Ann", "Mary", "Smith"), ("ann", "mary", "smith"), ()),
    ((None, "Иван", "С.", "Иванов Иван"), ("иван", "с", "иванов иван"), ()),
    ((None, "Иван", None, "Ivanov Ivan"), ("иван", None, "ivanov ivan"), ()),
    ((None, "Иван", None, "Иванов, Иван"), ("иван", None, "иванов иван"), ()),
    (
        (None, "Руслан", None, "Мамедов Руслан Ильхам оглы"),
        ("руслан", None, "мамедов руслан ильхам оглы"),
        (),
    ),
    (("Иванов Иван Сергеевич", "Иван", None, None), ("иван", "сергеевич", "иванов"), ()),
    (("Иванов Иван Сергеевич", None, None, "Петров"), ("иван", "сергеевич", "петров"), ()),
    (("Иванов Иван Сергеевич", "Пётр", None, "Петров"), ("петр", None, "петров"), ()),
    (("Клиент", "Иван", None, None), ("иван", None, None), (("full_name", "junk_value"),)),
    ((None, "Иван", "Петрович", None), ("иван", "петрович", None), ()),
    ((None, None, "Петрович", None), (None, "петрович", None), ()),
    ((None, None, None, "Фамилия"), (None, None, None), (("last_name", "junk_value"),)),
    (
        ("Иванов\u200b Иван", None, None, None),
        ("иван", None, "иванов"),
        (("full_name", "control_characters"),),
    ),
    (("Иван С.", None, None, None), ("иван", None, "с"), ()),
    (("Руслан Ильхам.оглы", None, None, None), ("руслан", None, "ильхам оглы"), ()),
    (("Garcia Teresa", None, None, None), ("teresa", None, "garcia"), ()),
    (("Денис Антонович Рогук", None, None, None), ("денис", "антонович", "рогук"), ()),
    (("Сергей Денисович", None, None, None), ("сергей", "денисович", None), ()),
    (("ИВАНОВ, ИВАН", None, None, None), ("иван", None, "иванов"), ()),
    ((None, "Sergey", None, "Ovchinnikov"), ("sergey", None, "ovchinnikov"), ()),
    ((None, "Иван", None, "Иван Сергеевич"), ("иван", None, "иван сергеевич"), ()),
]


@pytest.mark.parametrize(("raw", "expected", "reasons"), GOLDEN)
def test_golden_rows(raw, expected, reasons):
    _clear_caches()
    for _ in range(2):  # cold, then from the caches
        values, got_reasons = names._parse_one(*raw, {})
        assert values[:3] == expected
        assert got_reasons == reasons


def test_cached_column_values_do_not_depend_on_the_batch():
    """A first/last-name value parsed once and reused gives what a fresh parse gives."""
    first = ["Иван", "Иван Сергеевич", "Мария", None]
    last = ["Петрова Мария Ивановна", "Иванов", "Ivanov Ivan Petrovich", "Smith"]
    _clear_caches()
    batch, _ = _frames(first=first * 3, last=last + last[::-1] + last)
    for i in range(len(batch)):
        _clear_caches()
        row, _ = _frames(first=[(first * 3)[i]], last=[(last + last[::-1] + last)[i]])
        assert batch.iloc[[i]].reset_index(drop=True).equals(row)


# Random names from real tokens, written in random case, spacing and punctuation.
SURNAMES = ["Овчинников", "Рогук", "Иванова", "Шостакович", "Ковальская", "Garcia", "Ivanov",
            "Smith", "Kovalskaya", "Петров-Водкин", "O'Brien", "Ким", "Бабич", "Thomas"]  # fmt: skip
GIVEN = ["Сергей", "Денис", "Мария", "Алёна", "Teresa", "John", "Ivan", "Саша", "Марина",
         "Ashley", "Andrew", "Ким", "Ринат"]  # fmt: skip
PATRONYMICS = ["Денисович", "Антонович", "Петровна", "Ильич", "Sergeevich", "Ivanovna",
               "Ильхам оглы", "Кузьмич"]  # fmt: skip
OTHER = ["И.", "С.", "X.", "Mr.", "г-н", "Jr.", "оглы", ",", "-", "N/A", "2", "Ivanоv"]
token = st.sampled_from(SURNAMES + GIVEN + PATRONYMICS + OTHER)
cased = st.tuples(token, st.sampled_from(["keep", "upper", "lower", "title"])).map(
    lambda tc: tc[0] if tc[1] == "keep" else getattr(tc[0], tc[1])()
)
separator = st.sampled_from([" ", " ", " ", "  ", ", ", ".", "\u00a0", "\t"])
raw_name = st.tuples(
    st.lists(st.tuples(cased, separator), min_size=0, max_size=5), st.sampled_from(["", " "])
).map(lambda parts: parts[1] + "".join(t + s for t, s in parts[0]).rstrip())


@SETTINGS
@given(raw_name)
def test_analysis_property(text):
    assert names._analyse(text) == general_analysis(text)


@SETTINGS
@given(raw_name, st.sampled_from([0.0, 1.0, -1.0]))
def test_scorer_property(text, bias):
    _, tokens, cyrillic = general_analysis(text)
    _assert_scorer_matches(list(tokens), cyrillic, bias)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(
            st.one_of(st.none(), raw_name),
            st.one_of(st.none(), raw_name),
            st.one_of(st.none(), raw_name),
            st.one_of(st.none(), raw_name),
        ),
        min_size=1,
        max_size=12,
    )
)
def test_parse_names_property(rows):
    with pytest.MonkeyPatch.context() as monkeypatch:
        full, first, middle, last = (list(col) for col in zip(*rows, strict=True))
        _assert_same_as_general(monkeypatch, full=full, first=first, middle=middle, last=last)
