"""normalise_emails: case, mailto, syntax, several per value, provider rules."""

from __future__ import annotations

import random

import numpy as np
import pandas as pd
import pytest

from custmdm.normalise import normalise_emails
from custmdm.normalise.emails import _bulk_emails, _normalise_one


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Ivan.Petrov@Mail.RU", "ivan.petrov@mail.ru"),
        ("  ivan@mail.ru  ", "ivan@mail.ru"),
        ("mailto:ivan@mail.ru", "ivan@mail.ru"),
        ("MAILTO:Ivan@Mail.ru", "ivan@mail.ru"),
        ("<ivan@mail.ru>", "ivan@mail.ru"),
        ("i.van+shop@gmail.com", "i.van+shop@gmail.com"),  # no provider rules by default
        ("o'brien@example.co.uk", "o'brien@example.co.uk"),
        ("иван@почта.рф", "иван@почта.рф"),
        ("user_name-1@sub.domain.org", "user_name-1@sub.domain.org"),
        ("Иван Петров <Ivan@Mail.ru>", "ivan@mail.ru"),
        ("ivan@mail.ru (work)", "ivan@mail.ru"),
        ("iv\u0430n@mail.ru", "ivan@mail.ru"),  # Cyrillic а typed inside a Latin address
    ],
)
def test_valid(raw, expected):
    frame, issues = normalise_emails(pd.Series([raw]))
    assert frame.loc[0, "email"] == expected
    assert frame.loc[0, "emails"] == expected
    assert issues.empty


@pytest.mark.parametrize(
    "raw",
    [
        "ivan",
        "ivan@",
        "@mail.ru",
        "ivan@mail",
        "ivan@@mail.ru",
        "ivan@mail..ru",
        ".ivan@mail.ru",
        "ivan.@mail.ru",
        "iv..an@mail.ru",
        "ivan@-mail.ru",
        "ivan@mail.r",
        "ivan@mail.123",
        "ivan mail.ru",
    ],
)
def test_invalid(raw):
    frame, issues = normalise_emails(pd.Series([raw], index=["r"]))
    assert frame.loc["r", "email"] is None
    assert issues.to_dict("records") == [{"row": "r", "field": "email", "reason": "invalid_email"}]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("I.Vanov+shop@googlemail.com", "ivanov@gmail.com"),
        ("i.v.a.n.o.v@gmail.com", "ivanov@gmail.com"),
        ("ivan.petrov+news@ya.ru", "ivan-petrov@yandex.ru"),
        ("ivan-petrov@yandex.com", "ivan-petrov@yandex.ru"),
        ("ivan.petrov+x@mail.ru", "ivan.petrov+x@mail.ru"),  # other providers untouched
    ],
)
def test_provider_rules(raw, expected):
    frame, _ = normalise_emails(pd.Series([raw]), provider_rules=True)
    assert frame.loc[0, "email"] == expected


def test_several_addresses_and_junk():
    raw = pd.Series(
        ["a@x.ru, b@y.ru; a@x.ru", "a@x.ru or bad", "N/A", None, "a@x.ru, Бухгалтерия <c@z.ru>"],
        dtype=object,
    )
    frame, issues = normalise_emails(raw)
    assert frame["emails"].tolist() == ["a@x.ru|b@y.ru", "a@x.ru", None, None, "a@x.ru|c@z.ru"]
    assert frame["email"].tolist() == ["a@x.ru", "a@x.ru", None, None, "a@x.ru"]
    assert issues.to_dict("records") == [
        {"row": 1, "field": "email", "reason": "invalid_email"},
        {"row": 2, "field": "email", "reason": "junk_value"},
    ]


_LOCALS = [
    "ivan.petrov",
    "Ivan.Petrov",
    "i_petrov+shop",
    "-x",
    "a..b",
    ".a",
    "a.",
    "ivan",
    "o'neil",
    "иван",
    "x" * 65,
    "a b",
    "j.smith-1",
    "+tag",
]
_DOMAINS = [
    "mail.ru",
    "Gmail.com",
    "googlemail.com",
    "ya.ru",
    "yandex.ru",
    "sub.example.co.uk",
    "-bad.com",
    "bad-.com",
    "x" * 64 + ".com",
    "example.c0m",
    "example.c",
    "EXAMPLE.COM",
    "пример.рф",
    "a_b.com",
]
_WRAPS = [
    "{}",
    "{}",
    "{}",
    " {} ",
    "mailto:{}",
    "<{}>",
    "Иван <{}>",
    "{}, other@mail.ru",
    "{} (work)",
    "{}|x@y.ru",
    "{};",
    "{} or a@b.ru",
]


@pytest.mark.parametrize("provider_rules", [False, True])
def test_column_path_gives_what_the_scalar_path_gives(provider_rules: bool) -> None:
    rng = random.Random(int(provider_rules))
    raw: list[object] = [
        rng.choice(_WRAPS).format(f"{rng.choice(_LOCALS)}@{rng.choice(_DOMAINS)}")
        for _ in range(3000)
    ]
    raw += ["", "n/a", "test", "@", "a@b", None, 42, "a@b.c@d.com", "a@@b.com"]
    frame, issues = normalise_emails(pd.Series(raw, dtype=object), provider_rules=provider_rules)
    flagged: dict[int, tuple[tuple[str, str], ...]] = {}
    for row, field, reason in issues.itertuples(index=False):
        flagged[row] = (*flagged.get(row, ()), (field, reason))
    bulk = _bulk_emails(np.asarray(raw, dtype=object), provider_rules)
    for i, value in enumerate(raw):
        expected, reasons = _normalise_one(value, provider_rules)
        assert tuple(frame.iloc[i]) == expected, value
        assert flagged.get(i, ()) == reasons, value
        if bulk[i] is not None:
            assert (bulk[i], bulk[i]) == expected, value
    assert sum(b is not None for b in bulk) > 50  # the plain forms are answered by columns
    plain = np.array(["Ivan.Petrov@Mail.RU", "j_smith+1@sub.example.co.uk"], dtype=object)
    assert _bulk_emails(plain, provider_rules).tolist() == [
        "ivan.petrov@mail.ru",
        "j_smith+1@sub.example.co.uk",
    ]
