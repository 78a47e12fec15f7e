"""Nicknames: Russian diminutives (Cyrillic and Latin), English nicknames, non-transitivity."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from custmdm.normalise import canonical_given_names, nickname_match, translit_key

MATCHES = [
    ("Саша", "Александр"),
    ("Саша", "Александра"),
    ("Sasha", "Aleksandr"),
    ("Sasha", "Alexander"),
    ("Шура", "Александр"),
    ("Саша", "Шура"),  # both stand for Александр
    ("Ваня", "Иван"),
    ("Vanya", "Ivan"),
    ("Женя", "Евгений"),
    ("Женя", "Евгения"),
    ("Zhenya", "Evgeniy"),
    ("Вова", "Владимир"),
    ("Володя", "Владимир"),
    ("Vova", "Vladimir"),
    ("Дима", "Дмитрий"),
    ("Лёша", "Алексей"),
    ("Леша", "Alexey"),
    ("Катя", "Екатерина"),
    ("Katya", "Ekaterina"),
    ("Таня", "Татьяна"),
    ("Наташа", "Наталья"),
    ("Наташа", "Наталия"),
    ("Наталья", "Наталия"),
    ("Серёжа", "Сергей"),
    ("Коля", "Николай"),
    ("Миша", "Михаил"),
    ("Маша", "Мария"),
    ("Настя", "Анастасия"),
    ("Лена", "Елена"),
    ("Оля", "Ольга"),
    ("Юля", "Юлия"),
    ("Yulya", "Iuliia"),
    ("Bob", "Robert"),
    ("Liz", "Elizabeth"),
    ("Bill", "William"),
    ("Bob", "Rob"),  # both stand for Robert
    ("Кеша", "Иннокентий"),
    ("Данила", "Даниил"),
    ("Настасья", "Анастасия"),
    ("Марья", "Мария"),
    ("Гоша", "Георгий"),
    ("Гоша", "Егор"),
    ("Киря", "Кирилл"),
    ("Фима", "Ефим"),
    ("Сёма", "Семён"),
    ("Barb", "Barbara"),
    ("Liv", "Olivia"),
    ("Иван", "Ivan"),  # equal keys always match
    ("ИВАН", "иван"),
]

NON_MATCHES = [
    ("Евгений", "Евгения"),  # Женя stands for both, but that is not transitive
    ("Александр", "Александра"),
    ("Иван", "Степан"),
    ("Robin", "Robert"),
    ("Маша", "Даша"),
    ("Bob", "William"),
    ("Егор", "Георгий"),  # Гоша stands for both; not transitive
]


@pytest.mark.parametrize(("a", "b"), MATCHES)
def test_nickname_pairs_match(a, b):
    assert nickname_match(np.array([a]), np.array([b]))[0]
    assert nickname_match(np.array([b]), np.array([a]))[0]


@pytest.mark.parametrize(("a", "b"), NON_MATCHES)
def test_non_nickname_pairs_do_not_match(a, b):
    assert not nickname_match(np.array([a]), np.array([b]))[0]
    assert not nickname_match(np.array([b]), np.array([a]))[0]


def test_canonical_set_includes_the_name_itself():
    assert translit_key("Саша") in canonical_given_names("Саша")
    assert canonical_given_names("Иван") == frozenset({translit_key("Иван")})
    assert canonical_given_names("") == frozenset()


def test_latin_transliterations_of_russian_nicknames():
    assert translit_key("Иван") in canonical_given_names("Vanya")
    assert translit_key("Александр") in canonical_given_names("Sasha")
    assert translit_key("Евгения") in canonical_given_names("Zhenya")


def test_not_transitive_through_a_nickname(monkeypatch):
    """Rob → Robert and Robin → Rob must not make Robin match Robert."""
    from custmdm.normalise import nicknames as nk

    data = nk._NicknameData()
    data.add("rob", "robert")
    data.add("robin", "rob")
    monkeypatch.setattr(nk, "_data", lambda: data)
    nk.canonical_given_names.cache_clear()
    try:
        got = nk.nickname_match(
            np.array(["Rob", "Robin", "Robin"]), np.array(["Robert", "Rob", "Robert"])
        )
        assert got.tolist() == [True, True, False]
    finally:
        nk.canonical_given_names.cache_clear()


def test_vectorised_with_missing_values():
    a = np.array(["Саша", None, "Bob", "", np.nan], dtype=object)
    b = np.array(["Александр", "Иван", None, "", "Bob"], dtype=object)
    assert nickname_match(a, b).tolist() == [True, False, False, False, False]
    assert nickname_match(np.array([], dtype=object), np.array([], dtype=object)).shape == (0,)


def test_shape_mismatch_raises():
    with pytest.raises(ValueError, match="one shape"):
        nickname_match(np.array(["a"]), np.array(["a", "b"]))


def test_russian_data_is_big_enough():
    import csv
    from importlib import resources

    from custmdm.normalise import nicknames as nk

    text = resources.files("custmdm.normalise").joinpath("data/ru_nicknames.csv").read_text("utf-8")
    rows = list(csv.DictReader(text.splitlines()))
    assert {r["kind"] for r in rows} == {"diminutive", "spelling"}
    assert {r["gender"] for r in rows} <= {"m", "f"}
    diminutives = {n for r in rows if r["kind"] == "diminutive" for n in r["names"].split()}
    assert len(diminutives) >= 150
    # Every formal name in the file is recognised as a given name.
    given = nk.given_name_keys()
    assert all(translit_key(r["formal"]) in given for r in rows)


_NAME_POOL = [
    "Саша",
    "Александр",
    "Александра",
    "Alexander",
    "Sasha",
    "Shura",
    "Ваня",
    "Иван",
    "Ivan",
    "Vanya",
    "Bob",
    "Robert",
    "Rob",
    "Robin",
    "Liz",
    "Elizabeth",
    "Beth",
    "Женя",
    "Евгений",
    "Евгения",
    "Zhenya",
    "Yevgeny",
    "Катя",
    "Екатерина",
    "Kate",
    "Katherine",
    "Qwzx",
    "",
    "Юлия",
    "Iuliia",
    "Yulia",
    "Julia",
    "Tom",
    "Thomas",
    "Ёжик",
    "Ежик",
    "Mary",
    "Maria",
]


@settings(max_examples=200, deadline=None)
@given(
    pairs=st.lists(st.tuples(st.sampled_from(_NAME_POOL), st.sampled_from(_NAME_POOL)), max_size=40)
)
def test_vectorised_match_is_the_pair_rule(pairs):
    from custmdm.normalise import nicknames as nk

    a = np.array([x for x, _ in pairs], dtype=object)
    b = np.array([y for _, y in pairs], dtype=object)
    want = [nk._pair_match(x, y) for x, y in pairs]
    assert nickname_match(a, b).tolist() == want
