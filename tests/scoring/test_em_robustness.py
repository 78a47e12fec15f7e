"""Unsupervised estimation under stress: a field built from the name, many namesakes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import custmdm
from custmdm.config import Comparison, ExactLevel, NicknameLevel, parse_config
from custmdm.evaluation import pairwise_metrics
from custmdm.scoring.fellegi_sunter import (
    FellegiSunterModel,
    PatternCounts,
    TrainingSession,
    probability,
)

FIRST = [
    "Иван",
    "Пётр",
    "Анна",
    "Мария",
    "Олег",
    "Ольга",
    "Сергей",
    "Елена",
    "Дмитрий",
    "Наталья",
    "John",
    "Mary",
    "James",
    "Linda",
    "Robert",
    "Susan",
    "Michael",
    "Karen",
    "David",
    "Nancy",
]
LAST = [
    "Иванов",
    "Петров",
    "Смирнов",
    "Кузнецов",
    "Попов",
    "Соколов",
    "Лебедев",
    "Козлов",
    "Новиков",
    "Морозов",
    "Smith",
    "Johnson",
    "Brown",
    "Taylor",
    "Miller",
    "Wilson",
    "Moore",
    "Clark",
    "Lewis",
    "Young",
]


def correlated_people(n_people: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    """Records whose email is built from the name, so namesakes share an email address.

    Birth dates (always there) and phones (70%) tell namesakes apart; the email, shared
    by every namesake, must not.
    """
    rng = np.random.default_rng(seed)
    first = rng.choice(FIRST, n_people)
    last = rng.choice(LAST, n_people)
    birth = pd.to_datetime("1940-01-01") + pd.to_timedelta(
        rng.integers(0, 60 * 365, n_people), unit="D"
    )
    phone = 9_000_000_000 + rng.choice(999_999_999, n_people, replace=False)
    rows = []
    for p in range(n_people):
        email = f"{last[p].lower()}.{first[p].lower()}@mail.example"  # same for every namesake
        for k in range(int(rng.integers(1, 4))):
            dob = birth[p].strftime("%d.%m.%Y")
            tel = f"+7{phone[p]}" if rng.random() > 0.3 else ""
            rows.append(
                {
                    "id": f"R{p}-{k}",
                    "first": first[p],
                    "last": last[p],
                    "dob": dob,
                    "phone": tel,
                    "email": email,
                    "person": p,
                }
            )
    table = pd.DataFrame(rows)
    return table.drop(columns="person"), table["person"].to_numpy()


def resolve(table: pd.DataFrame) -> custmdm.ResolutionResult:
    config = parse_config(
        {
            "sources": [
                {
                    "name": "crm",
                    "id": "id",
                    "fields": {
                        "first_name": "first",
                        "last_name": "last",
                        "birth_date": "dob",
                        "phone": "phone",
                        "email": "email",
                    },
                }
            ]
        }
    )
    return custmdm.resolve(config, {"crm": table})


@pytest.fixture(scope="module")
def correlated() -> tuple[pd.DataFrame, np.ndarray, custmdm.ResolutionResult]:
    table, person = correlated_people(1500, seed=4)
    return table, person, resolve(table)


def test_correlated_email_does_not_merge_namesakes(correlated) -> None:
    table, person, result = correlated
    # 400 name combinations for 1500 people: almost everyone has a namesake sharing the email
    assert table.groupby(["first", "last"]).ngroups <= 400
    labels = result.crosswalk.set_index("record_id").loc[table["id"], "customer_id"].to_numpy()
    metrics = pairwise_metrics(person, labels)
    assert metrics.precision >= 0.98, metrics
    assert metrics.recall >= 0.98, metrics


def test_parameters_do_not_depend_on_row_order(correlated) -> None:
    table, _, result = correlated
    again = resolve(table.iloc[np.random.default_rng(9).permutation(len(table))])
    assert again.model.to_dict() == result.model.to_dict()


def test_diagnostics_are_reported(correlated) -> None:
    _, _, result = correlated
    model = result.report["model"]
    assert model["diagnostics"]["sessions"], "EM per blocking rule is listed"
    assert all("m" in lv and "u" in lv for c in model["comparisons"] for lv in c["levels"])
    assert result.report["threshold_curve"], (
        "the expected-F1 curve behind the threshold is reported"
    )


# -- a name-dependent email that random pairs cannot show --------------------------------

NAME_EMAIL_COMPARISONS = ["first_name", "last_name", "birth_date", "phone", "email"]
#: agreement on the top level: matches, and strangers who share the full name
MATCH_TOP = np.array([1.0, 1.0, 0.95, 0.85, 0.90])


def name_email_comparisons() -> list[Comparison]:
    strong = {"birth_date", "phone", "email"}
    return [
        Comparison(name=name, column=name, levels=[ExactLevel()], strong=name in strong)
        for name in NAME_EMAIL_COMPARISONS
    ]


def _top_or_else(rng: np.random.Generator, n: int, top: np.ndarray) -> np.ndarray:
    return (rng.random((n, top.size)) >= top).astype(np.int8)


def fit_name_email(shared_email: float, seed: int = 0) -> FellegiSunterModel:
    """A model fitted where ``shared_email`` of same-name strangers share an email.

    Random pairs almost never share a full name, so only the rule that pairs equal full
    names shows strangers agreeing on the email.
    """
    rng = np.random.default_rng(seed)
    comps = name_email_comparisons()
    random_top = np.array([0.01, 0.01, 0.0005, 0.00001, 0.00002])
    random_pairs = _top_or_else(rng, 300_000, random_top)
    matches = _top_or_else(rng, 15_000, MATCH_TOP)
    strangers = _top_or_else(rng, 35_000, np.array([1.0, 1.0, 0.0005, 0.0002, shared_email]))
    by_name = np.vstack([matches, strangers])
    by_phone = _top_or_else(rng, 12_000, np.array([0.95, 0.9, 0.95, 1.0, 0.9]))
    return _fit(comps, random_pairs, {"names": (by_name, [0, 1]), "phone": (by_phone, [3])})


def _fit(
    comps: list[Comparison],
    random_pairs: np.ndarray,
    rules: dict[str, tuple[np.ndarray, list[int]]],
) -> FellegiSunterModel:
    """A model without the household class fitted on level arrays: each rule's pairs and
    the comparisons it blocks on; the candidates are all the rules' pairs."""
    n_levels = [c.n_levels for c in comps]
    sessions = [
        TrainingSession(rule, PatternCounts.from_levels(pairs, n_levels), on, on)
        for rule, (pairs, on) in rules.items()
    ]
    candidates = PatternCounts.from_levels(np.vstack([p for p, _ in rules.values()]), n_levels)
    model = FellegiSunterModel(comps, household=False)
    return model.fit(sessions, PatternCounts.from_levels(random_pairs, n_levels), candidates, 10**9)


def _probability(model: FellegiSunterModel, pattern: list[int]) -> float:
    return float(probability(model.match_weight(np.array([pattern], dtype=np.int8)))[0])


def test_em_learns_an_email_shared_by_namesakes_that_random_pairs_never_show() -> None:
    model = fit_name_email(shared_email=0.06)
    assert [model.comparisons[d.comparison].name for d in model.dependencies_] == ["email"]
    assert 0.04 <= model.dependencies_[0].u_given_names <= 0.08
    # same name and email, different birth date and phone: namesakes, not one person
    assert _probability(model, [0, 0, 1, 1, 0]) < 0.5
    # same name and email, same birth date: one person
    assert _probability(model, [0, 0, 0, -1, 0]) > 0.99
    assert any("depends on the name" in w for w in model.diagnostics_.warnings)


def test_no_dependency_when_namesakes_do_not_share_emails() -> None:
    model = fit_name_email(shared_email=0.0)
    assert model.dependencies_ == []
    # without the dependency a shared email is strong evidence, as it should be
    assert _probability(model, [0, 0, -1, -1, 0]) > 0.99


# --- namesakes who share an email, some under a nickname, in an email-blocked rule ---------

#: first name (exact, nickname), last name, birth date, phone, email
NICKNAME_COMPARISONS = ["first_name", "last_name", "birth_date", "phone", "email"]


def nickname_comparisons() -> list[Comparison]:
    first = Comparison(
        name="first_name",
        column="first_name",
        levels=[ExactLevel(), NicknameLevel()],
        same_value_levels=[0, 1],
    )
    rest = [
        Comparison(name=name, column=name, levels=[ExactLevel()], strong=name != "last_name")
        for name in NICKNAME_COMPARISONS[1:]
    ]
    return [first, *rest]


def _levels(rng: np.random.Generator, n: int, first: list[float], rest: list[float]) -> np.ndarray:
    """``n`` patterns: the first name's level drawn from ``first`` (exact, nickname, else),
    each other comparison at its top level with the probability in ``rest``."""
    out = np.empty((n, 1 + len(rest)), dtype=np.int8)
    out[:, 0] = rng.choice(3, size=n, p=first)
    out[:, 1:] = _top_or_else(rng, n, np.array(rest))
    return out


def fit_nickname_namesakes(seed: int = 0) -> FellegiSunterModel:
    """Namesakes share an email (6% of same-name strangers); 30% of those pairs write one
    first name as a nickname. Matches disagree on the birth date 1% of the time."""
    rng = np.random.default_rng(seed)
    comps = nickname_comparisons()
    random_pairs = _levels(rng, 300_000, [0.01, 0.004, 0.986], [0.01, 0.0005, 0.00001, 0.00002])
    match_first = [0.8, 0.15, 0.05]
    by_name = np.vstack(
        [
            _levels(rng, 15_000, [1.0, 0.0, 0.0], [1.0, 0.99, 0.85, 0.9]),
            _levels(rng, 35_000, [1.0, 0.0, 0.0], [1.0, 0.0005, 0.0002, 0.06]),
        ]
    )
    by_email = np.vstack(
        [
            _levels(rng, 20_000, match_first, [0.95, 0.99, 0.85, 1.0]),
            _levels(rng, 4_000, [0.7, 0.3, 0.0], [1.0, 0.0005, 0.0002, 1.0]),
        ]
    )
    return _fit(comps, random_pairs, {"names": (by_name, [0, 1]), "email": (by_email, [4])})


def test_namesakes_sharing_an_email_do_not_inflate_the_birth_date_disagreement() -> None:
    model = fit_nickname_namesakes()
    (dep,) = model.dependencies_
    # the email-blocked rule's strangers are all namesakes: EM learns that they share a name
    assert dep.u_names_given > 0.9
    # matches disagree on the birth date 1% of the time; namesakes taken for matches would
    # push this m towards the 4,000 namesakes' share of the rule (about 15%)
    assert model.m_ is not None
    assert model.m_[2][-1] < 0.02
    # a namesake under a nickname, sharing the email, with another birth date and phone
    assert _probability(model, [1, 0, 1, 1, 0]) < 0.5
    # the same under a nickname with the same birth date: one person
    assert _probability(model, [1, 0, 0, -1, 0]) > 0.9


def test_same_value_levels_must_exist() -> None:
    with pytest.raises(ValueError, match="same_value_levels"):
        Comparison(name="first_name", column="first", levels=[ExactLevel()], same_value_levels=[1])
