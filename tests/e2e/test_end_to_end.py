"""End to end: planted customers inside a generated company come out as expected golden records."""

from __future__ import annotations

import copy

import pandas as pd
import pytest

import custmdm
from custmdm.config import parse_config
from custmdm.datasets.synthetic import SyntheticCompany

BILLING = pd.DataFrame(
    {
        "account_no": ["T-ACC-1", "T-ACC-2"],
        "full_name": ["ЗАГОРУЙКО ЕВЛАМПИЙ СЕРАФИМОВИЧ", "Брусникина Аглая Феоктистовна"],
        "phone": ["+7 (916) 700-45-67", "+7 (903) 700-12-34"],
        "email": ["zagoruyko.evl@mail.ru", "aglaya.b@yandex.ru"],
        "birth_date": ["12.03.1985", "01.07.1990"],
        "address": ["г. Москва, ул. Ленина, д. 5, кв. 12", "г. Казань, ул. Баумана, д. 10"],
        "modified": ["2024-01-10", "2023-05-01"],
        "segment": ["VIP", "B2C"],
    }
)
WEBSHOP = pd.DataFrame(
    {
        "user_id": ["T-W-1", "T-W-2", "T-W-3"],
        "first_name": ["Evlampiy", "Aglaia", "Pelageya"],
        "last_name": ["Zagoruiko", "Brusnikina", "Zagoruyko"],
        "email": ["ZAGORUYKO.EVL@MAIL.RU", "aglaya.b@yandex.ru", "pelageya.z@gmail.com"],
        "phone": ["89167004567", "9037001234", "+79167004567"],
        "birth_date": ["1985-03-12", "1990-07-01", "1987-05-05"],
    }
)
POS = pd.DataFrame(
    {
        "card_no": ["T-P-1"],
        "holder_name": ["Евлампий З."],
        "phone": ["9167004567"],
        "birth_date": ["12.03.1985"],
    }
)


def planted_config(company: SyntheticCompany) -> custmdm.ResolverConfig:
    data = copy.deepcopy(company.config)
    data["sources"] += [
        {
            "name": "t_billing",
            "id": "account_no",
            "trust": 5,
            "updated_at": "modified",
            "date_format": "%d.%m.%Y",
            "fields": {
                "full_name": "full_name",
                "phone": "phone",
                "email": "email",
                "birth_date": "birth_date",
                "address": "address",
            },
        },
        {
            "name": "t_webshop",
            "id": "user_id",
            "trust": 3,
            "fields": {
                "first_name": "first_name",
                "last_name": "last_name",
                "email": "email",
                "phone": "phone",
                "birth_date": "birth_date",
            },
        },
        {
            "name": "t_pos",
            "id": "card_no",
            "trust": 2,
            "fields": {"full_name": "holder_name", "phone": "phone", "birth_date": "birth_date"},
        },
    ]
    return parse_config(data)


@pytest.fixture(scope="module")
def result(company_2k: SyntheticCompany) -> custmdm.ResolutionResult:
    tables = dict(company_2k.tables) | {"t_billing": BILLING, "t_webshop": WEBSHOP, "t_pos": POS}
    return custmdm.resolve(planted_config(company_2k), tables)


def customer_of(result: custmdm.ResolutionResult, source: str, record_id: str) -> str:
    cw = result.crosswalk
    return cw.loc[(cw["source"] == source) & (cw["record_id"] == record_id), "customer_id"].item()


def test_every_input_record_is_in_the_crosswalk_once(
    result: custmdm.ResolutionResult, company_2k: SyntheticCompany
) -> None:
    expected = (
        sum(len(t) for t in company_2k.tables.values()) + len(BILLING) + len(WEBSHOP) + len(POS)
    )
    cw = result.crosswalk
    assert list(cw.columns) == ["source", "record_id", "customer_id"]
    assert len(cw) == expected
    assert not cw.duplicated(["source", "record_id"]).any()
    assert cw["customer_id"].notna().all()


def test_planted_clusters(result: custmdm.ResolutionResult) -> None:
    evlampiy = {
        customer_of(result, s, r)
        for s, r in [("t_billing", "T-ACC-1"), ("t_webshop", "T-W-1"), ("t_pos", "T-P-1")]
    }
    aglaya = {
        customer_of(result, s, r) for s, r in [("t_billing", "T-ACC-2"), ("t_webshop", "T-W-2")]
    }
    pelageya = customer_of(result, "t_webshop", "T-W-3")
    assert len(evlampiy) == 1 and len(aglaya) == 1
    # the wife shares surname and phone but has another first name and birth date
    assert pelageya not in evlampiy | aglaya
    assert evlampiy != aglaya


def test_golden_record_and_lineage(result: custmdm.ResolutionResult) -> None:
    cid = customer_of(result, "t_billing", "T-ACC-1")
    golden = result.golden.set_index("customer_id").loc[cid]
    assert golden["n_records"] == 3
    assert golden["sources"] == "t_billing|t_pos|t_webshop"
    # the most trusted source (billing) gives the name, in its own script
    assert golden["full_name"] == "Евлампий Серафимович Загоруйко"
    assert golden["birth_date"] == "1985-03-12"
    assert golden["phones"] == "+79167004567"
    assert golden["emails"] == "zagoruyko.evl@mail.ru"
    assert golden["segment"] == "VIP"
    lineage = result.lineage[result.lineage["customer_id"] == cid]
    by_attr = {
        a: (s, r)
        for a, s, r in lineage[["attribute", "source", "record_id"]].itertuples(index=False)
    }
    assert by_attr["full_name"] == ("t_billing", "T-ACC-1")
    assert by_attr["birth_date"] == ("t_billing", "T-ACC-1")
    assert by_attr["segment"] == ("t_billing", "T-ACC-1")
    # every golden value has a lineage row
    for attr in ("full_name", "birth_date", "phones", "emails", "address"):
        assert attr in by_attr


def test_explain_adds_up(result: custmdm.ResolutionResult) -> None:
    exp = result.explain(("t_billing", "T-ACC-1"), ("t_webshop", "T-W-1"))
    frame = exp.to_frame()
    assert frame["weight"].sum() + frame["tf_adjustment"].sum() == pytest.approx(exp.match_weight)
    assert exp.match_probability > 0.99
    pairs = result.pairs
    row = pairs[(pairs["left_record_id"] == "T-ACC-1") & (pairs["right_record_id"] == "T-W-1")]
    assert row["match_weight"].item() == pytest.approx(exp.match_weight)


def test_outputs_written(result: custmdm.ResolutionResult, tmp_path) -> None:
    out = result.write(tmp_path / "out")
    for name in (
        "crosswalk.csv",
        "golden.csv",
        "lineage.csv",
        "pairs.parquet",
        "quality.csv",
        "model.json",
        "report.json",
    ):
        assert (out / name).is_file(), name
    assert pd.read_csv(out / "crosswalk.csv", dtype=str).shape[0] == len(result.crosswalk)


def test_exclusive_partners_only_join_whole_customers(company_2k: SyntheticCompany) -> None:
    """With the step off, no join; with it on, each customer is at most two of those."""
    on = custmdm.resolve(parse_config(copy.deepcopy(company_2k.config)), company_2k.tables)
    off_config = copy.deepcopy(company_2k.config)
    off_config["clustering"] = {"exclusive_link_threshold": None}
    off = custmdm.resolve(parse_config(off_config), company_2k.tables)
    assert off.report["exclusive_joins"] == 0
    assert on.report["exclusive_joins"] > 0
    keys = ["source", "record_id"]
    both = on.crosswalk.merge(off.crosswalk, on=keys, suffixes=("_on", "_off"))
    assert len(both) == len(on.crosswalk) == len(off.crosswalk)
    parts = both.groupby("customer_id_on")["customer_id_off"].nunique()
    assert parts.max() == 2
    assert int((parts == 2).sum()) == on.report["exclusive_joins"]
    # no customer of the run without the step is cut in two
    assert both.groupby("customer_id_off")["customer_id_on"].nunique().max() == 1
