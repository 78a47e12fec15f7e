"""Masking: table-driven cases and the property that a mask never shows the value."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from custmdm.report.mask import mask_date, mask_email, mask_name, mask_phone, mask_text, mask_value


@pytest.mark.parametrize(
    ("func", "value", "expected"),
    [
        (mask_name, "Иван Иванов", "Ив*** И***"),
        (mask_name, "ИВАНОВ ИВАН СЕРГЕЕВИЧ", "ИВ*** И*** С***"),
        (mask_name, "Ваня", "Ва***"),
        (mask_name, None, ""),
        (mask_name, float("nan"), ""),
        (mask_name, "   ", ""),
        (mask_phone, "+79161234567", "+7916*****67"),
        (mask_phone, "+7 (916) 123-45-67", "+7916*****67"),
        (mask_phone, "89161234567", "891******67"),
        (mask_phone, "12345", "*****"),
        (mask_phone, "no digits", "***"),
        (mask_email, "ivanov@mail.ru", "i***@mail.ru"),
        (mask_email, "not-an-email", "n*** a*** e***"),
        (mask_date, "1986-02-10", "1986-**-**"),
        (mask_date, "10.02.1986", "**.**.1986"),
        (mask_date, "10/02/86", "**/**/**"),
        (mask_text, "г. Уфа, ул. Луговая, д. 45", "г*** У*** у*** Л*** д*** ***"),
        (mask_text, "7124 Oak Ct", "*** O*** C***"),
    ],
)
def test_masks(func, value, expected):
    assert func(value) == expected


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("full_name", "Иван Иванов", "Ив*** И***"),
        ("phones", "+79161234567|+15202134967", "+7916*****67 | +1520*****67"),
        ("emails", "a@x.ru|bb@y.com", "a***@x.ru | b***@y.com"),
        ("birth_date", "1970-11-22", "1970-**-**"),
        ("segment", "SMB", "S***"),
        ("address", None, ""),
    ],
)
def test_mask_value_by_field(field, value, expected):
    assert mask_value(field, value) == expected


words = st.text(alphabet=st.characters(categories=["L"]), min_size=3, max_size=12)


@given(st.lists(words, min_size=1, max_size=4))
def test_a_masked_name_never_contains_a_word_of_three_letters_or_more(parts):
    masked = mask_name(" ".join(parts))
    for part in parts:
        assert part not in masked.replace("***", "\x00")


@given(st.from_regex(r"\+?[0-9]{10,13}", fullmatch=True))
def test_a_masked_phone_hides_all_but_six_digits(phone):
    masked = mask_phone(phone)
    assert sum(ch.isdigit() for ch in masked) <= 6
    assert len(masked.lstrip("+")) == len(phone.lstrip("+"))
