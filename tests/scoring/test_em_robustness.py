"""Unsupervised estimation under stress: a field built from the name, many namesakes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import custmdm
from custmdm.config import parse_config
from custmdm.evaluation import pairwise_metrics

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
