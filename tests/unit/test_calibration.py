"""Labelled pairs calibrate the threshold: the recalibration fit, the pipeline and the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from custmdm.clustering.threshold import recalibrate_weights
from custmdm.datasets.synthetic import SyntheticCompany
from custmdm.exceptions import ConfigError
from custmdm.labels import check_labelled_pairs
from custmdm.pipeline import Resolver


def test_recalibration_recovers_a_known_miscalibration() -> None:
    rng = np.random.default_rng(3)
    weights = rng.uniform(-10, 10, 5000)
    # the truth: the model's weights are twice too confident and 3 bits too low
    true_logit2 = 0.5 * weights + 3.0
    answers = rng.random(weights.size) < 1 / (1 + 2.0 ** (-true_logit2))
    scale, shift = recalibrate_weights(weights, answers)
    assert scale == pytest.approx(0.5, abs=0.05)
    assert shift == pytest.approx(3.0, abs=0.25)


def test_a_few_uninformative_labels_keep_the_model_calibration() -> None:
    scale, shift = recalibrate_weights(np.array([8.0, -8.0]), np.array([True, False]))
    assert scale == pytest.approx(1.0, abs=0.1)
    assert shift == pytest.approx(0.0, abs=0.5)


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (pd.DataFrame({"left_source": ["a"]}), "missing"),
        (
            pd.DataFrame(
                {
                    "left_source": ["a"],
                    "left_record_id": ["1"],
                    "right_source": ["a"],
                    "right_record_id": ["2"],
                    "match": ["maybe"],
                }
            ),
            "data rows 1",
        ),
    ],
)
def test_bad_label_files_are_named(frame: pd.DataFrame, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        check_labelled_pairs(frame)


def _borderline_labels(result_pairs: pd.DataFrame, truth: pd.DataFrame, n: int) -> pd.DataFrame:
    person = dict(zip(truth["source"] + ":" + truth["record_id"], truth["person_id"], strict=True))
    border = result_pairs[result_pairs["match_probability"].between(0.05, 0.99)]
    sample = border.sample(n=min(n, len(border)), random_state=1)
    labels = sample[["left_source", "left_record_id", "right_source", "right_record_id"]].copy()
    labels["match"] = [
        person[f"{a}:{b}"] == person[f"{c}:{d}"]
        for a, b, c, d in labels.itertuples(index=False, name=None)
    ]
    return labels


def test_labels_move_the_threshold_and_the_report_shows_the_effect(
    company_2k: SyntheticCompany, company_2k_dir: Path, tmp_path: Path
) -> None:
    plain = Resolver(company_2k_dir).run()
    labels = _borderline_labels(plain.pairs, company_2k.truth, 60)
    # a user who says every borderline pair is the same customer wants a lower threshold
    eager = labels.assign(match=True)
    result = Resolver(company_2k_dir, labelled_pairs=eager).run()
    calibration = result.report["threshold_calibration"]
    assert calibration["labelled_pairs"] == len(eager)
    assert result.report["threshold"] < plain.report["threshold"]
    assert calibration["with_labels"]["recall"] >= calibration["without_labels"]["recall"]
    assert len(result.crosswalk) == len(plain.crosswalk)  # no record lost

    # the CLI reads a labels file and prints the effect
    path = tmp_path / "labels.csv"
    labels.to_csv(path, index=False)
    out = tmp_path / "out"
    run = subprocess.run(
        [sys.executable, "-m", "custmdm.cli", "resolve", str(company_2k_dir), "--out", str(out)]
        + ["--labels", str(path), "--no-report"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert "labelled pairs (F1 on them" in run.stdout
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["threshold_calibration"]["labelled_matches"] == int(labels["match"].sum())


def test_a_label_naming_an_unknown_record_is_an_error(company_2k_dir: Path) -> None:
    labels = pd.DataFrame(
        {
            "left_source": ["billing"],
            "left_record_id": ["NO-SUCH-ID"],
            "right_source": ["billing"],
            "right_record_id": ["NO-SUCH-ID-2"],
            "match": ["yes"],
        }
    )
    with pytest.raises(ConfigError, match="record billing:NO-SUCH-ID is not among"):
        Resolver(company_2k_dir, labelled_pairs=labels).run()
