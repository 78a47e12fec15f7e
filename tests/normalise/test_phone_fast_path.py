"""The fast path of phone parsing gives exactly what phonenumbers gives.

``fast_e164`` answers for the commonest clean forms without calling phonenumbers; whenever it
answers, the answer must be the one of the full parse (first region, validity, E.164). Random
numbers of every handled form (valid and invalid alike) are compared with the slow path.
Set ``CUSTMDM_PHONE_SAMPLE`` to a larger size (e.g. 200000) for a thorough run.
"""

from __future__ import annotations

import os
import random

import pytest

from custmdm.normalise.phones import _parse_candidate, fast_e164

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
