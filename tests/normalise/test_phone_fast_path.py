"""The fast path of phone parsing gives exactly what phonenumbers gives.

``fast_e164`` answers for the commonest clean forms without calling phonenumbers; whenever it
answers, the answer must be the one of the full parse (first region, validity, E.164). Random
numbers of every handled form (valid and invalid alike) are compared with the slow path.
Set ``CUSTMDM_PHONE_SAMPLE`` to a larger size (e.g. 200000) for a thorough run.
"""

from __future__ import annotations

import os
import random
import re

import numpy as np
import pandas as pd
import pytest

from custmdm.normalise.phones import (
    _BULK_RE,
    _bulk_e164,
    _normalise_one,
    _parse_candidate,
    fast_e164,
    normalise_phones,
    preferred_regions,
)

SAMPLE = int(os.environ.get("CUSTMDM_PHONE_SAMPLE", "3000"))

REGION_ORDERS = [("RU", "US"), ("US", "RU"), ("RU",), ("US",), ("KZ", "RU"), ("CA", "US")]


def _national(rng: random.Random, first: str) -> str:
    return rng.choice(first) + "".join(rng.choice("0123456789") for _ in range(9))


# (prefix, first digits of the ten-digit national number)
FORMS = [
    ("+7", "9"),
    ("+7", "0123456789"),
    ("8", "9"),
    ("8", "0123456789"),
    ("7", "9"),
    ("7", "0123456789"),
    ("", "9"),
    ("", "0123456789"),
    ("+1", "23456789"),
    ("+1", "0123456789"),
    ("1", "23456789"),
    ("1", "0123456789"),
]


@pytest.mark.parametrize(("prefix", "first"), FORMS)
def test_fast_path_equals_phonenumbers(prefix: str, first: str) -> None:
    rng = random.Random(f"{prefix}/{first}")
    answered = 0
    for i in range(SAMPLE):
        regions = REGION_ORDERS[i % len(REGION_ORDERS)]
        compact = prefix + _national(rng, first)
        fast = fast_e164(compact, regions)
        if fast is None:
            continue
        answered += 1
        assert (fast, None) == _parse_candidate(compact, regions), (compact, regions)
    if first == "9" or (first == "23456789" and prefix):
        # the fast path must actually answer for the common forms
        assert answered > SAMPLE // 10


EDGE = [
    "+79161234567",
    "+74951234567",
    "+78001234567",
    "+73012345678",
    "+77012345678",
    "89161234567",
    "88001234567",
    "81012345678",
    "8101234567",
    "79161234567",
    "9161234567",
    "3012345678",
    "4951234567",
    "7012345678",
    "12125550147",
    "2125550147",
    "+12125550147",
    "+18005550147",
    "+19005550147",
    "+14165550147",
    "4165550147",
    "9005550147",
    "9831234567",
    "+7916123456",
    "+791612345678",
    "916123456",
    "+7９161234567",
    "٩١٦١٢٣٤٥٦٧",
    "+0079161234567",
    "",
    "+",
]


@pytest.mark.parametrize("compact", EDGE)
@pytest.mark.parametrize("regions", REGION_ORDERS)
def test_fast_path_edge_cases(compact: str, regions: tuple[str, ...]) -> None:
    fast = fast_e164(compact, regions)
    if fast is not None:
        assert (fast, None) == _parse_candidate(compact, regions)


def test_fast_path_answers_common_forms() -> None:
    assert fast_e164("+79161234567", ("US",)) == "+79161234567"
    assert fast_e164("89161234567", ("RU", "US")) == "+79161234567"
    assert fast_e164("2125550147", ("US", "RU")) == "+12125550147"
    assert fast_e164("9161234567", ("US", "RU")) is None  # US first: phonenumbers decides
    assert fast_e164("0079161234567", ("RU",)) is None


# Spellings of numbers as departmental systems write them: groupings, brackets, dashes,
# dots, odd spaces, labels, extensions, two numbers in one cell, placeholders.
_GROUPINGS = [
    "{a}{b}{c}{d}{e}",
    "{a} {b} {c}-{d}-{e}",
    "({a}) {b}-{c}{d}{e}",
    "{a}.{b}.{c}{d}.{e}",
    "{a}-{b}-{c}{d}{e}",
    "({a}){b}{c}{d}{e}",
    "{a}  {b} {c} {d} {e}",
    " {a} {b}{c}{d}{e}",
    "({a}) {b}-{c}-{d}-{e}",
    "{a}{b} {c}{d}{e}",
    "{a} {b}{c} {d}{e}",
    "({a} {b} {c}{d}{e}",
]
_PREFIXES = [
    "",
    "+7 ",
    "+7",
    "8 ",
    "8",
    "7 ",
    "+1 ",
    "1-",
    "1 ",
    "+44 ",
    "00 7 ",
    "+ 7 ",
    "+(7) ",
    "(8) ",
    "8-",
    "тел. ",
]
_SUFFIXES = ["", " ", " доб. 12", " x12", ", 89161234567", " или 8 916 765 43 21", ")", "-"]
_ODD = [
    "0000000000",
    "1234567890",
    "9999999999",
    "+7 999 999 99 99",
    "8 (000) 000-00-00",
    "-",
    "n/a",
    "12345",
    "9161234567a",
    "９１６１２３４５６７",
    "916\u00a0123 45 67",
    "+79161234567+7916",
    "",
    "  ",
    "7(916)1234567",
    "+1 (212) 555-0147",
    "2125550147",
    "(212) 555-0147",
]


def _spelling(rng: random.Random) -> str:
    national = rng.choice("0123456789" if rng.random() < 0.2 else "23489") + "".join(
        rng.choice("0123456789") for _ in range(9)
    )
    groups = dict(
        zip("abcde", (national[:3], national[3:6], national[6:8], national[8:10], ""), strict=True)
    )
    if rng.random() < 0.1:
        national = national[: rng.randint(5, 9)]  # too short
        return rng.choice(_PREFIXES) + national
    suffix = rng.choice(_SUFFIXES) if rng.random() < 0.3 else ""
    return rng.choice(_PREFIXES) + rng.choice(_GROUPINGS).format(**groups) + suffix


@pytest.mark.parametrize("regions", REGION_ORDERS)
def test_column_path_gives_what_the_scalar_path_gives(regions: tuple[str, ...]) -> None:
    rng = random.Random("+".join(regions))
    raw = [_spelling(rng) for _ in range(SAMPLE)] + _ODD + [None, 79161234567, 89161234567.0]
    raw_series = pd.Series(raw * 2, dtype=object)  # every value twice: parsed once
    frame, issues = normalise_phones(raw_series, regions)
    bulk = _bulk_e164(np.asarray(raw, dtype=object), regions)
    flagged: dict[int, tuple[tuple[str, str], ...]] = {}
    for row, field, reason in issues.itertuples(index=False):
        flagged[row] = (*flagged.get(row, ()), (field, reason))
    for i, value in enumerate(raw):
        expected, reasons = _normalise_one(value, regions)
        assert tuple(frame.iloc[i]) == tuple(frame.iloc[i + len(raw)]) == expected, value
        got = flagged.get(i, ())
        assert got == reasons, value
        if bulk[i] is not None:
            assert (bulk[i], bulk[i]) == expected, value
        elif isinstance(value, str) and re.fullmatch(_BULK_RE, value) and not reasons:
            # a clean form the scalar fast path answers is answered by the column path too
            compact = re.sub(r"[ ().-]", "", value)
            assert fast_e164(compact, preferred_regions(value, regions)) is None, value
    assert sum(e is not None for e in bulk) > SAMPLE // 50
