"""No personal value reaches logs, warnings or exception messages; pseudonymisation works."""

from __future__ import annotations

import logging
import warnings

import pandas as pd
import pytest

import custmdm
from custmdm.config import parse_config
from custmdm.exceptions import CustmdmError

CANARIES = {
    "full_name": "Канареечкина Зинаида Евграфовна",
    "phone": "+7 (916) 987-65-43",
    "email": "zinaida.kanareechkina@example.org",
    "birth_date": "17.09.1961",
    "address": "г. Тверь, ул. Канареечная, д. 77, кв. 13",
}
CANARY_FRAGMENTS = [
    "Канареечкина",
    "канареечкина",
    "kanareechkina",
    "987-65-43",
    "9169876543",
    "1961-09-17",
    "17.09.1961",
    "Канареечная",
    "канареечная",
]


def canary_tables(n_copies: int = 2, duplicate: bool = False) -> dict[str, pd.DataFrame]:
    rows = [dict(CANARIES, id=f"K{k}") for k in range(n_copies)]
    if duplicate:
        rows.append(dict(CANARIES, id="K0"))
    other = pd.DataFrame(
        {
            "id": ["X1", "X2"],
            "full_name": ["Петров Пётр", "Сидоров Сидор"],
            "phone": ["+79031234567", "+79261234567"],
            "email": ["p@example.org", "s@example.org"],
            "birth_date": ["01.01.1980", "02.02.1970"],
            "address": ["г. Омск", "г. Томск"],
        }
    )
    return {"s": pd.concat([pd.DataFrame(rows), other], ignore_index=True)}


def config(**extra: object) -> custmdm.ResolverConfig:
    return parse_config(
        {"sources": [{"name": "s", "id": "id", "fields": {k: k for k in CANARIES}}], **extra}
    )


def emitted_text(
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
    caught: list[warnings.WarningMessage],
    errors: list[str],
) -> str:
    out = capsys.readouterr()
    return "\n".join([caplog.text, out.out, out.err, *(str(w.message) for w in caught), *errors])


def run_paths() -> list[str]:
    """Run success and failure paths; return the exception messages."""
    errors = []
    custmdm.resolve(config(), canary_tables())
    for bad in (
        lambda: custmdm.resolve(config(), canary_tables(duplicate=True)),
        lambda: custmdm.resolve(
            config(max_pairs_per_rule=1, blocking=[{"on": ["birth_date"]}]),
            canary_tables(n_copies=3),
        ),
    ):
        try:
            bad()
        except CustmdmError as err:
            errors.append(str(err))
            errors.append(repr(err))
    assert len(errors) == 4, "both failure paths must fail"
    return errors


def test_canaries_never_emitted(
    caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        errors = run_paths()
    text = emitted_text(caplog, capsys, caught, errors)
    assert "stage" in text  # logging was captured at all
    for fragment in CANARY_FRAGMENTS:
        assert fragment not in text, f"personal value leaked: {fragment!r}"


def test_pseudonymised_partition_equals_plain_on_exact_rules(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from custmdm.datasets.synthetic import generate

    company = generate(600, seed=3)
    exact = {
        "blocking": [{"on": ["phone"]}, {"on": ["email"]}],
        "comparisons": [
            {"name": "phone", "column": "phone", "levels": [{"kind": "exact"}]},
            {"name": "email", "column": "email", "levels": [{"kind": "exact"}]},
            {"name": "birth_date", "column": "birth_date", "levels": [{"kind": "exact"}]},
            {"name": "last", "column": "last_key", "levels": [{"kind": "exact"}]},
        ],
    }
    plain = custmdm.resolve(parse_config(company.config | exact), company.tables)
    monkeypatch.setenv("CUSTMDM_TEST_KEY", "s3cret-key-never-logged")
    hashed = custmdm.resolve(
        parse_config(company.config | exact | {"pseudonymise_key_env": "CUSTMDM_TEST_KEY"}),
        company.tables,
    )
    key = ["source", "record_id"]
    a = plain.crosswalk.sort_values(key).reset_index(drop=True)
    b = hashed.crosswalk.sort_values(key).reset_index(drop=True)
    assert (a["customer_id"] == b["customer_id"]).all()
    hashed_text = hashed.golden.to_csv() + hashed.pairs.to_csv() + hashed.lineage.to_csv()
    for column in ("phones", "emails", "last_name", "birth_date"):
        for value in [v for v in plain.golden[column].dropna() if len(str(v)) >= 4][:50]:
            assert str(value) not in hashed_text, (
                f"a plain {column} value is in the pseudonymised outputs"
            )
    assert "s3cret" not in repr(hashed.report)
