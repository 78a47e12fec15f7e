"""parse_names: orders, patronymics, initials, separate columns, stems and keys."""

from __future__ import annotations

import pandas as pd
import pytest

from custmdm.normalise import parse_names, translit_key

FULL_NAMES = [
    # (raw full name, first, middle, last)
    ("Иванов Иван Сергеевич", "иван", "сергеевич", "иванов"),
    ("ИВАНОВ ИВАН СЕРГЕЕВИЧ", "иван", "сергеевич", "иванов"),
    ("  иванов   иван  сергеевич ", "иван", "сергеевич", "иванов"),
    ("Иван Сергеевич Иванов", "иван", "сергеевич", "иванов"),
    ("Иванова Мария Петровна", "мария", "петровна", "иванова"),
    ("Мария Петровна Иванова", "мария", "петровна", "иванова"),
    ("Петров Иван", "иван", None, "петров"),
    ("Иван Петров", "иван", None, "петров"),
    ("Константин Артёмович", "константин", "артемович", None),
    ("Ольга Николаевна", "ольга", "николаевна", None),
    ("Иванов И.С.", "и", "с", "иванов"),
    ("Иванов И. С.", "и", "с", "иванов"),
    ("И.С. Иванов", "и", "с", "иванов"),
    ("Иван С.", "иван", None, "с"),
    ("Ринат Х.", "ринат", None, "х"),
    ("Хабибуллин Р.Х.", "р", "х", "хабибуллин"),
    ("Ваня И.", "ваня", None, "и"),
    ("Ivan S. Ivanov", "ivan", "s", "ivanov"),
    ("Ivanov, Ivan", "ivan", None, "ivanov"),
    ("Ivanov, Ivan Sergeevich", "ivan", "sergeevich", "ivanov"),
    ("Ivanov Ivan Sergeevich", "ivan", "sergeevich", "ivanov"),
    ("Ivan Sergeyevich Ivanov", "ivan", "sergeyevich", "ivanov"),
    ("John Smith", "john", None, "smith"),
    ("Smith, John", "john", None, "smith"),
    ("Mary Ann Smith", "mary", "ann", "smith"),
    ("Абрамович Роман Аркадьевич", "роман", "аркадьевич", "абрамович"),
    ("Мамедов Руслан Ильхам оглы", "руслан", "ильхам оглы", "мамедов"),
    ("Ёлкина Алёна", "алена", None, "елкина"),
    ("Петров-Водкин Кузьма Сергеевич", "кузьма", "сергеевич", "петров-водкин"),
    ("Ковальская Анна", "анна", None, "ковальская"),
    ("Анна Ковальская", "анна", None, "ковальская"),
    ("Цой Виктор Робертович", "виктор", "робертович", "цой"),
    ("Шостакович Дмитрий Дмитриевич", "дмитрий", "дмитриевич", "шостакович"),
    ("Дмитрий Шостакович", "дмитрий", None, "шостакович"),
    ("Иван Карпович", "иван", None, "карпович"),
    ("Бабич Анна Ильинична", "анна", "ильинична", "бабич"),
    ("Ленин Владимир Ильич", "владимир", "ильич", "ленин"),
    ("Mr. John Smith Jr.", "john", None, "smith"),
    ("г-н Иванов И.И.", "и", "и", "иванов"),
    ("IVANOV IVAN", "ivan", None, "ivanov"),
    ("Roman Ivanov", "roman", None, "ivanov"),
    ("Ivanov Roman", "roman", None, "ivanov"),
    ("Olga Smirnova", "olga", None, "smirnova"),
    ("Ivan\u043ev Ivan", "ivan", None, "ivanov"),  # homoglyph fixed
    ("\u041fетрoв Пётр", "петр", None, "петров"),
    ("Иван", "иван", None, None),
    ("Сергеевич", None, "сергеевич", None),
]


@pytest.mark.parametrize(("raw", "first", "middle", "last"), FULL_NAMES)
def test_full_name_parsing(raw, first, middle, last):
    frame, _ = parse_names(pd.Series([raw]), None, None, None)
    row = frame.iloc[0]
    assert (row["first_name"], row["middle_name"], row["last_name"]) == (first, middle, last)


@pytest.mark.parametrize(
    ("first", "middle", "last", "expected"),
    [
        ("Иван", "Сергеевич", "Иванов", ("иван", "сергеевич", "иванов")),
        ("Иван Сергеевич", None, "Иванов", ("иван", "сергеевич", "иванов")),
        ("ИВАН С.", None, "ИВАНОВ", ("иван", "с", "иванов")),
        ("Иван", None, "Иванов Иван Сергеевич", ("иван", "сергеевич", "иванов")),
        (None, None, "Иванов Иван Сергеевич", ("иван", "сергеевич", "иванов")),
        ("Mary Ann", None, "Smith", ("mary ann", None, "smith")),
        ("Анна-Мария", None, "Петрова", ("анна-мария", None, "петрова")),
        (None, None, "Петрова", (None, None, "петрова")),
    ],
)
def test_separate_columns(first, middle, last, expected):
    frame, _ = parse_names(
        None,
        pd.Series([first], dtype=object),
        pd.Series([middle], dtype=object),
        pd.Series([last], dtype=object),
    )
    row = frame.iloc[0]
    assert (row["first_name"], row["middle_name"], row["last_name"]) == expected


def test_separate_columns_win_over_full_name():
    frame, _ = parse_names(
        pd.Series(["Петров Пётр"]), pd.Series(["Иван"]), None, pd.Series([None], dtype=object)
    )
    assert frame.loc[0, "first_name"] == "иван"
    assert frame.loc[0, "last_name"] == "петров"


def test_keys_meet_across_scripts():
    frame, _ = parse_names(
        pd.Series(["ЩУКИНА Юлия Сергеевна", "Yuliya Sergeyevna Shchukina", "Iuliia Shchukina"])
    )
    assert frame["first_key"].nunique() == 1
    assert frame["last_key"].nunique() == 1
    assert frame["first_initial"].tolist() == ["i", "i", "i"]
    assert frame.loc[0, "full_key"] == frame.loc[1, "full_key"]
    assert set(frame.loc[2, "full_key"].split()) < set(frame.loc[0, "full_key"].split())


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Иванов", "Иванова"),
        ("Petrov", "Петрова"),
        ("Ковальский", "Ковальская"),
        ("Kovalsky", "Kovalskaya"),
        ("Толстой", "Толстая"),
        ("Смирнов", "Smirnova"),
        ("Белый", "Белая"),
        ("Ильин", "Ильина"),
    ],
)
def test_gendered_surnames_share_stem_but_not_key(a, b):
    frame, _ = parse_names(None, None, None, pd.Series([a, b]))
    assert frame.loc[0, "last_stem"] == frame.loc[1, "last_stem"]
    assert frame.loc[0, "last_key"] != frame.loc[1, "last_key"]


@pytest.mark.parametrize(("a", "b"), [("Иванов", "Ивашов"), ("Петров", "Петренко")])
def test_different_surnames_different_stems(a, b):
    frame, _ = parse_names(None, None, None, pd.Series([a, b]))
    assert frame.loc[0, "last_stem"] != frame.loc[1, "last_stem"]


def test_outputs_are_folded_and_keyed():
    frame, issues = parse_names(pd.Series(["ЁЛКИН Пётр Семёнович"]))
    row = frame.iloc[0]
    assert row["last_name"] == "елкин"
    assert row["first_key"] == translit_key("Petr")
    assert row["full_key"] == " ".join(
        sorted([translit_key(x) for x in ("елкин", "петр", "семенович")])
    )
    assert issues.empty


def test_unparsed_name_flag_keeps_best_guess():
    frame, issues = parse_names(pd.Series(["Qwzx Blorp", "Иванов Иван"], index=["a", "b"]))
    assert frame.loc["a", "first_name"] is not None or frame.loc["a", "last_name"] is not None
    assert issues.to_dict("records") == [
        {"row": "a", "field": "full_name", "reason": "unparsed_name"}
    ]


def test_missing_and_junk():
    frame, issues = parse_names(pd.Series([None, "", "N/A", "-"], dtype=object))
    assert frame.isna().all().all()
    assert all(v is None for v in frame.to_numpy().ravel())
    assert issues["reason"].tolist() == ["junk_value", "junk_value"]


def test_requires_one_series():
    with pytest.raises(ValueError, match="At least one"):
        parse_names(None, None, None, None)


@pytest.mark.parametrize(
    ("token", "strength"),
    [
        ("сергеевич", 2),
        ("sergeyevich", 2),
        ("ильич", 2),
        ("никитична", 2),
        ("петровна", 2),
        ("шостакович", 1),
        ("бабич", 1),
        ("иванов", 0),
    ],
)
def test_patronymic_strength(token, strength):
    from custmdm.normalise.names import patronymic_strength

    assert patronymic_strength(token) == strength


@pytest.mark.parametrize("raw", ["Клиент", "ПОКУПАТЕЛЬ", "Guest", "Anonymous", "б/о", "John Doe"])
def test_name_placeholders_are_junk(raw):
    frame, issues = parse_names(pd.Series([raw]), None, pd.Series([raw]), None)
    assert all(v is None for v in frame.iloc[0])
    assert issues["reason"].tolist() == ["junk_value", "junk_value"]
    assert issues["field"].tolist() == ["full_name", "middle_name"]


def test_column_habit_breaks_ties_between_two_given_names():
    """In a surname-first column, "Thomas Andrew" is Andrew Thomas; in a given-first one not."""
    surname_first = ["Henderson Steven", "ROBINSON LISA", "Jackson Linda", "Ortiz Gregory"] * 3
    frame, _ = parse_names(
        pd.Series([*[f"{n}{i}" for i, n in enumerate(surname_first)], "Thomas Andrew"])
    )
    assert frame.iloc[-1][["first_name", "last_name"]].tolist() == ["andrew", "thomas"]

    given_first = ["Steven Henderson", "Lisa Robinson", "Linda Jackson", "Gregory Ortiz"] * 3
    frame, _ = parse_names(pd.Series([*given_first, "Thomas Andrew"]))
    assert frame.iloc[-1][["first_name", "last_name"]].tolist() == ["thomas", "andrew"]


def test_two_given_names_are_not_first_and_middle():
    frame, _ = parse_names(pd.Series(["Douglas Susan", "Кристина Петрова", "Петрова Кристина"]))
    assert frame["middle_name"].tolist() == [None, None, None]
    assert frame["last_name"].tolist()[1:] == ["петрова", "петрова"]


def test_parsed_once_per_distinct_combination(monkeypatch):
    from custmdm.normalise import names

    calls = []
    real = names._parse_one

    def counting(*args, **kwargs):
        calls.append(args[:4])
        return real(*args, **kwargs)

    monkeypatch.setattr(names, "_parse_one", counting)
    full = pd.Series(["Иванов Иван", "Petrov Petr", None] * 5_000)
    frame, _ = parse_names(full)
    assert len(calls) == 3
    assert frame["last_name"].tolist()[:3] == ["иванов", "petrov", None]
