"""clean_text and fold."""

from __future__ import annotations

import pandas as pd
import pytest

from custmdm.normalise import clean_text, fold, fold_series


@pytest.mark.parametrize(
    ("raw", "value", "reasons"),
    [
        ("  Иван  Петров ", "Иван Петров", []),
        ("Иван\tПетров\n", "Иван Петров", []),
        ("Иван\u00a0Петров", "Иван Петров", []),
        ("Иван\x00", "Иван", ["control_characters"]),
        ("Ив\u200bан", "Иван", ["control_characters"]),
        ("\u202eИван\u202c", "Иван", ["control_characters"]),
        ("\ufeffИван", "Иван", ["control_characters"]),
        ("Ｉｖａｎ", "Ivan", []),  # NFKC: full-width letters
        ("ИВАН", "ИВАН", []),  # case kept
        ("Renée 😀", "Renée 😀", []),
        (42, "42", []),
        (19560909.0, "19560909", []),
        (1.5, "1.5", []),
        ("", None, []),
        ("   ", None, []),
        (None, None, []),
        (float("nan"), None, []),
        (pd.NA, None, []),
        ("N/A", None, ["junk_value"]),
        ("n/a", None, ["junk_value"]),
        ("NULL", None, ["junk_value"]),
        ("None", None, ["junk_value"]),
        ("-", None, ["junk_value"]),
        ("---", None, ["junk_value"]),
        ("?", None, ["junk_value"]),
        ("xxx", None, ["junk_value"]),
        ("XXXX", None, ["junk_value"]),
        ("unknown", None, ["junk_value"]),
        ("Нет", None, ["junk_value"]),
        ("не указано", None, ["junk_value"]),
        ("Н/Д", None, ["junk_value"]),
        ("0", None, ["junk_value"]),
        ("\x00N/A", None, ["control_characters", "junk_value"]),
        ("x" * 513, None, ["too_long"]),
        ("x" * 1_000_000, None, ["too_long"]),
        ("Nina", "Nina", []),  # not junk although it starts like "n/a"
        ("Xenia", "Xenia", []),
    ],
)
def test_clean_text(raw, value, reasons):
    frame, issues = clean_text(pd.Series([raw], index=["r"], dtype=object), "extra")
    assert frame.loc["r", "value"] == value
    assert issues["reason"].tolist() == reasons
    assert (issues["field"] == "extra").all()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Ёлкина", "елкина"),
        ("ЁЛКИНА", "елкина"),
        ("Renée", "renee"),
        ("Straße", "strasse"),
        ("Łukasz Żółć", "lukasz zolc"),
        ("Йогурт", "йогурт"),  # й keeps its breve
        ("  A   b ", "a b"),
        ("Ｉｖａｎ", "ivan"),
    ],
)
def test_fold(raw, expected):
    assert fold(raw) == expected


def test_fold_series_keeps_index_and_missing():
    s = pd.Series(["ИВАНОВ", None, "Ёж", "N/A"], index=list("abcd"))
    out = fold_series(s)
    assert out.index.equals(s.index)
    assert out.tolist() == ["иванов", None, "еж", None]


def test_computed_once_per_distinct_value(monkeypatch):
    from custmdm.normalise import _common

    calls = []
    real = _common.clean_scalar

    def counting(value, field):
        calls.append(value)
        return real(value, field)

    monkeypatch.setattr("custmdm.normalise.text.clean_scalar", counting)
    # values off the plain-text column path, which clean_scalar itself cleans
    clean_text(pd.Series(["a ", " b", "a ", None, "c"] * 10_000), "x")
    assert sorted(calls) == [" b", "a "]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Ivan\u043ev", "Ivanov"),  # Cyrillic о in a Latin word
        ("\u041fетрoв", "Петров"),  # Latin o in a Cyrillic word
        ("Иван Ivan", "Иван Ivan"),  # one script per word: untouched
        ("Щ1", "Щ1"),
    ],
)
def test_fix_mixed_script(raw, expected):
    from custmdm.normalise.text import fix_mixed_script

    assert fix_mixed_script(raw) == expected
