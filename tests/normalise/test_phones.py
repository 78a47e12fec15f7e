"""normalise_phones: Russian and US formats, several numbers per value, junk and invalid."""

from __future__ import annotations

import pandas as pd
import pytest

from custmdm.normalise import normalise_phones

RU = "+79161234567"

VALID = [
    ("8 916 123-45-67", ("RU",), RU),
    ("+7 (916) 123-45-67", ("RU",), RU),
    ("+7(916)1234567", ("RU",), RU),
    ("89161234567", ("RU",), RU),
    ("79161234567", ("RU",), RU),
    ("9161234567", ("RU",), RU),
    ("8-916-123-45-67", ("RU",), RU),
    ("8 (916) 123 45 67", ("RU",), RU),
    (" +7 916 123 45 67 доб. 123", ("RU",), RU),
    ("0079161234567", ("US",), RU),
    (89161234567, ("RU",), RU),
    (9161234567.0, ("RU",), RU),
    ("8 495 123 45 67", ("RU",), "+74951234567"),
    ("(212) 555-0147", ("US",), "+12125550147"),
    ("(212) 555-0147", ("RU", "US"), "+12125550147"),  # fallback region
    ("(702) 529-5831", ("RU", "US"), "+17025295831"),  # 3-3-4: North American first
    ("702-529-5831", ("RU", "US"), "+17025295831"),
    ("702.529.5831", ("RU", "US"), "+17025295831"),
    ("(812) 555-0147", ("RU", "US"), "+18125550147"),  # also a valid St Petersburg number
    ("8 (812) 555-01-47", ("RU", "US"), "+78125550147"),  # 3-3-2-2: Russian
    ("+1 212 555 0147", ("RU",), "+12125550147"),
    ("212.555.0147", ("US",), "+12125550147"),
    ("+44 20 7946 0958", ("RU",), "+442079460958"),
    # a Kazakh +7 number is valid, but not in Russia: a listed region that claims it wins
    ("7079728378", ("RU", "US"), "+17079728378"),
    ("7079728378", ("RU",), "+77079728378"),
    ("+7 707 972 83 78", ("RU", "US"), "+77079728378"),
    # a Russian toll-free number and a Virginia line: a customer's own phone is the line
    ("8043498535", ("RU", "US"), "+18043498535"),
    ("8043498535", ("RU",), "+78043498535"),  # no other listed region: as written
    ("8001234567", ("RU", "US"), "+78001234567"),  # toll-free in both: the first region
    ("+7 804 349 85 35", ("RU", "US"), "+78043498535"),  # an explicit code is kept
    ("тел. 8 916 123 45 67", ("RU",), RU),
    ("tel:+79161234567", ("RU",), RU),
    ("моб. 89161234567", ("RU",), RU),
    ("8-916-123-45-67 (Иван)", ("RU",), RU),
]


@pytest.mark.parametrize(("raw", "regions", "expected"), VALID)
def test_valid_numbers(raw, regions, expected):
    frame, issues = normalise_phones(pd.Series([raw], dtype=object), regions)
    assert frame.loc[0, "phone"] == expected
    assert frame.loc[0, "phones"] == expected
    assert issues.empty


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("0000000000", "junk_phone"),
        ("1111111111", "junk_phone"),
        ("1234567890", "junk_phone"),
        ("+7 111 111 11 11", "junk_phone"),
        ("8 000 000 00 00", "junk_phone"),
        ("9876543210", "junk_phone"),
        ("12345", "junk_phone"),
        ("123", "junk_phone"),
        ("0", "junk_phone"),
        ("N/A", "junk_value"),
        ("нет", "junk_value"),
        ("abc", "invalid_phone"),
        ("+7 916 123", "invalid_phone"),
        ("8 916 123 45 67 89 01", "invalid_phone"),
        ("+999 123 456 789", "invalid_phone"),
    ],
)
def test_junk_and_invalid_are_flagged_never_raise(raw, reason):
    frame, issues = normalise_phones(pd.Series([raw], index=["r"]))
    assert frame.loc["r", "phone"] is None
    assert frame.loc["r", "phones"] is None
    assert issues.to_dict("records") == [{"row": "r", "field": "phone", "reason": reason}]


@pytest.mark.parametrize(
    ("raw", "phones"),
    [
        ("8 916 123-45-67, 8 495 123 45 67", "+79161234567|+74951234567"),
        ("8 916 123-45-67; +7 916 123 45 67", "+79161234567"),
        ("89161234567 / 84951234567", "+79161234567|+74951234567"),
        ("89161234567 or 84951234567", "+79161234567|+74951234567"),
        ("89161234567 или 84951234567", "+79161234567|+74951234567"),
        ("+79161234567+74951234567", "+79161234567|+74951234567"),
        ("раб. 8(495)1234567, моб. 8(916)1234567", "+74951234567|+79161234567"),
    ],
)
def test_several_numbers_in_one_value(raw, phones):
    frame, issues = normalise_phones(pd.Series([raw]))
    assert frame.loc[0, "phones"] == phones
    assert frame.loc[0, "phone"] == phones.split("|")[0]
    assert issues.empty


def test_one_bad_part_is_flagged_but_good_part_kept():
    frame, issues = normalise_phones(pd.Series(["89161234567, 0000000"]))
    assert frame.loc[0, "phone"] == RU
    assert issues["reason"].tolist() == ["junk_phone"]


def test_missing_is_not_an_issue():
    frame, issues = normalise_phones(pd.Series([None, "", "  ", float("nan")], dtype=object))
    assert frame["phone"].tolist() == [None] * 4
    assert issues.empty


def test_parses_each_distinct_value_once(monkeypatch):
    import phonenumbers

    calls = []
    real = phonenumbers.parse

    def counting(*args, **kwargs):
        calls.append(args[0])
        return real(*args, **kwargs)

    from custmdm.normalise.phones import _parse_cached

    _parse_cached.cache_clear()
    monkeypatch.setattr(phonenumbers, "parse", counting)
    # forms the fast path leaves to phonenumbers (toll-free 8 800, a British number)
    raw = ["88001234567"] * 1000 + ["8 (800) 123-45-67"] * 1000 + ["+44 20 7946 0958"] * 1000
    normalise_phones(pd.Series(raw))
    assert len(calls) == 2  # two numbers, whatever the spelling
    calls.clear()
    # the commonest clean forms never reach phonenumbers
    normalise_phones(
        pd.Series(["89161234567", "+7 (916) 123-45-67", "(212) 555-0147"]), ("RU", "US")
    )
    assert calls == []
    _parse_cached.cache_clear()


def test_empty_regions_rejected():
    with pytest.raises(ValueError, match="at least one region"):
        normalise_phones(pd.Series(["89161234567"]), ())


def _reference(raw: str, regions: tuple[str, ...]) -> str | None:
    """phonenumbers applied directly to the raw text, region by region: the first number
    valid for its region as a fixed line or mobile, else the first valid for its region
    (toll-free...), else the first valid anywhere (a Kazakh +7 number under RU)."""
    import phonenumbers

    from custmdm.normalise.phones import preferred_regions

    personal = {
        phonenumbers.PhoneNumberType.FIXED_LINE,
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    }
    text = "+" + raw[2:] if raw.startswith("00") else raw
    regions = preferred_regions(raw, regions)
    valid_for_region = []
    valid_elsewhere = []
    for region in regions if not text.startswith("+") else (None,):
        try:
            number = phonenumbers.parse(text, region)
        except phonenumbers.NumberParseException:
            continue
        if not phonenumbers.is_valid_number(number):
            continue
        e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        if region is None:
            return e164
        if phonenumbers.is_valid_number_for_region(number, region):
            if phonenumbers.number_type(number) in personal:
                return e164
            valid_for_region.append(e164)
        else:
            valid_elsewhere.append(e164)
    found = valid_for_region + valid_elsewhere
    return found[0] if found else None


def _formats(digits: str, rng) -> list[str]:
    d = digits
    return [
        f"+7 ({d[:3]}) {d[3:6]}-{d[6:8]}-{d[8:]}",
        f"8 {d[:3]} {d[3:6]}-{d[6:8]}-{d[8:]}",
        f"8{d}",
        f"7{d}",
        d,
        f"+7{d}",
        f"8({d[:3]}){d[3:]}",
        f"+7.{d[:3]}.{d[3:6]}.{d[6:]}",
        f"({d[:3]}) {d[3:6]}-{d[6:]}",
        f"+1 {d[:3]} {d[3:6]} {d[6:]}",
        f"00 7 {d}",
        f"{d[:5]} {d[5:]}",
        f"+{d}",
    ]


@pytest.mark.parametrize("regions", [("RU",), ("RU", "US"), ("US",), ("GB", "RU")])
def test_compact_parse_path_equals_phonenumbers_on_raw_text(regions):
    """The digits-only cache path must give exactly what phonenumbers gives on the raw text."""
    import numpy as np

    from custmdm.normalise.phones import is_junk_phone_digits

    rng = np.random.default_rng(7)
    raws: list[str] = []
    for _ in range(150):
        prefix = rng.choice(["9", "4", "8", "3", "2", "7", "1", "5"])
        digits = prefix + "".join(str(x) for x in rng.integers(0, 10, 9))
        raws.extend(_formats(digits, rng))
    frame, _ = normalise_phones(pd.Series(raws), regions)
    for raw, got in zip(raws, frame["phone"], strict=True):
        digits = "".join(ch for ch in raw if ch.isdigit())
        expected = None if is_junk_phone_digits(digits) else _reference(raw, regions)
        assert got == expected, (raw, regions)
