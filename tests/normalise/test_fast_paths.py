"""Fast paths give exactly what the full paths give.

Each shortcut taken for speed (plain text in ``clean_scalar``, postcode removal, cached name
parsing pieces) is compared with the full computation on hypothesis examples and on a table of
tricky values.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from custmdm.normalise import _common
from custmdm.normalise.addresses import _postcode_from
from custmdm.normalise.issues import MAX_LENGTH

SETTINGS = settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Mostly plain-looking text, with the characters that must leave the fast path mixed in.
ALPHABET = (
    "abcxyzXYZ0123456789 .,-'/@+()?!_АБВабвёЁйЙхХх"
    "\t\n\x00\x85\u00a0\u2003\u200b\u202e\ufeff\u0301ﬁ①Ｆ№é"
)
texts = st.one_of(
    st.text(alphabet=ALPHABET, max_size=40),
    st.text(max_size=20),
    st.sampled_from(sorted(_common.JUNK_TOKENS)),
)

TRICKY = [
    "",
    " ",
    "Иван",
    "Иван ",
    " Иван",
    "Иван  Петров",
    "Иван\tПетров",
    "N/A",
    "n/a",
    "Н/Д",
    "не указано",
    "НЕ УКАЗАНО",
    "Not Known",
    "N.A.",
    "x",
    "xx",
    "XXX",
    "ххх",
    "000",
    "0",
    "???",
    "-",
    "--",
    "_",
    "a" * MAX_LENGTH,
    "a" * (MAX_LENGTH + 1),
    "a " * 300,
    "ﬁle",
    "Ёлкина",
    "Йошкар-Ола",
    "№5",
    "a\u00a0b",
    "test",
    "Test",
    "TEST",
    "тест",
    "Тест",
    "null",
    "None",
    "unknown",
]


@pytest.mark.parametrize("text", TRICKY)
def test_clean_scalar_fast_path_tricky(text: str) -> None:
    assert _common.clean_scalar(text, "f") == _common._clean_scalar_full(text, "f")


@SETTINGS
@given(texts)
def test_clean_scalar_fast_path_equals_full(text: str) -> None:
    assert _common.clean_scalar(text, "f") == _common._clean_scalar_full(text, "f")


def _bulk_matches_scalar(values: list[object]) -> int:
    """Assert that ``bulk_clean`` answers only as ``clean_scalar`` does, and for every value
    ``clean_scalar``'s plain-text fast path takes; return how many it answered."""
    uniques = np.empty(len(values), dtype=object)
    uniques[:] = values
    answers = _common.bulk_clean(uniques)
    for value, answer in zip(values, answers, strict=True):
        cleaned = _common.clean_scalar(value, "f")
        if answer is not None:
            assert cleaned == (value, ()), value
            assert answer is value
        else:  # what clean_scalar's own fast path takes, the column path takes too
            assert not (
                type(value) is str
                and len(value) <= MAX_LENGTH
                and _common._PLAIN_TEXT_RE.fullmatch(value)
                and not _common.is_junk(value)
            ), value
    return sum(a is not None for a in answers)


@SETTINGS
@given(st.lists(texts, max_size=20))
def test_bulk_clean_equals_clean_scalar(values: list[str]) -> None:
    _bulk_matches_scalar(values)


def test_bulk_clean_on_tricky_values() -> None:
    answered = _bulk_matches_scalar([*TRICKY, None, 5, 2.5, "x" * 600, "Иван Петров"])
    assert answered >= 5  # "Иван", "Ёлкина", "Йошкар-Ола", "Иван Петров", ...; the rest are tricky


def test_plain_text_characters_are_stable() -> None:
    """Every character the fast path accepts is printable, NFKC-stable and not whitespace."""
    accepted = [chr(c) for c in range(0x110000) if _common._PLAIN_TEXT_RE.fullmatch(chr(c))]
    assert len(accepted) == 94 + 66
    for ch in accepted:
        assert ch.isprintable() and not ch.isspace()
        assert unicodedata.normalize("NFKC", ch) == ch
        assert _common.strip_controls(ch) == (ch, False)


def _postcode_reference(text: str) -> tuple[str | None, str]:
    code: str | None = None
    if m := re.search(r"(?<!\d)(\d{6})(?!\d)", text):
        code = m.group(1)
    elif m := re.search(
        r"(?<![\d-])(\d{5}(?:-\d{4})?)\s*(?:,?\s*(?:usa|us|united states))?\s*$", text
    ):
        code = m.group(1)
        text = text[: m.start()] + " " + text[m.start() :].replace(code, " ", 1)
    if code is None:
        return None, text
    return code, re.sub(rf"(?<![\d-]){re.escape(code)}(?![\d-])", " ", text)


@SETTINGS
@given(st.text(alphabet="0123456-9 ,abc/usa", max_size=40))
def test_postcode_removal_equals_regex(text: str) -> None:
    assert _postcode_from(text) == _postcode_reference(text)


@pytest.mark.parametrize(
    "text",
    [
        "101000, г. Москва, 101000",
        "101000-101000 101000",
        "12 Main St, Springfield 12345-6789",
        "12345 Main St 12345, usa",
        "1-101000 101000-1 101000",
        "٣٤٥٦٧٨ x ٣٤٥٦٧٨",
        "Main St ١٢٣٤٥",
        "Main St 12345\u00a0\n",
        "Main St 12345-6789 \t",
        "Main St 12345, united states \n",
        "Main St 12345 usa",
        "Main St 12345 USA",
        "1234",
        "12345",
    ],
)
def test_postcode_removal_tricky(text: str) -> None:
    assert _postcode_from(text) == _postcode_reference(text)
