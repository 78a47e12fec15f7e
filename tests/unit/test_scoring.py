"""Fellegi–Sunter EM recovers known parameters; the model round-trips through JSON."""

from __future__ import annotations

import json

import numpy as np
import pytest

from custmdm.config import Comparison, ExactLevel, JaroWinklerLevel
from custmdm.exceptions import ConfigError, NotFittedError
from custmdm.scoring.fellegi_sunter import (
    FellegiSunterModel,
    PatternCounts,
    TrainingSession,
    probability,
)

TRUE_M = [
    np.array([0.85, 0.10, 0.05]),
    np.array([0.90, 0.10]),
    np.array([0.70, 0.20, 0.10]),
    np.array([0.95, 0.05]),
]
TRUE_U = [
    np.array([0.01, 0.04, 0.95]),
    np.array([0.05, 0.95]),
    np.array([0.02, 0.08, 0.90]),
    np.array([0.10, 0.90]),
]


def comparisons() -> list[Comparison]:
    out = []
    for k, m in enumerate(TRUE_M):
        levels = [ExactLevel()] + [JaroWinklerLevel(threshold=0.9)] * (m.size - 2)
        out.append(Comparison(name=f"c{k}", column=f"c{k}", levels=levels))
    return out


def fit(levels: np.ndarray, rand: np.ndarray) -> FellegiSunterModel:
    comps = comparisons()
    n_levels = [c.n_levels for c in comps]
    counts = PatternCounts.from_levels(levels, n_levels)
    session = TrainingSession("all pairs", counts, excluded=[])
    model = FellegiSunterModel(comps)
    return model.fit([session], PatternCounts.from_levels(rand, n_levels), counts, len(levels))


def simulate(n: int, lam: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    is_match = rng.random(n) < lam
    levels = np.empty((n, len(TRUE_M)), dtype=np.int8)
    for c, (m, u) in enumerate(zip(TRUE_M, TRUE_U, strict=True)):
        levels[is_match, c] = rng.choice(m.size, size=is_match.sum(), p=m)
        levels[~is_match, c] = rng.choice(u.size, size=(~is_match).sum(), p=u)
    # some missing values
    levels[rng.random(levels.shape) < 0.05] = -1
    return levels, is_match


def test_em_recovers_parameters() -> None:
    comps = comparisons()
    levels, is_match = simulate(200_000, 0.05, seed=1)
    rand, _ = simulate(100_000, 0.0, seed=2)
    model = fit(levels, rand)
    assert model.lambda_ == pytest.approx(0.05, abs=0.005)
    for c in range(len(comps)):
        assert np.allclose(model.m_[c], TRUE_M[c], atol=0.02)
        assert np.allclose(model.u_[c], TRUE_U[c], atol=0.02)
    prob = probability(model.match_weight(levels))
    predicted = prob >= 0.5
    tp = (predicted & is_match).sum()
    assert tp / predicted.sum() > 0.95 and tp / is_match.sum() > 0.9
    assert model.diagnostics_.converged


def test_fit_is_independent_of_pair_order() -> None:
    comparisons()
    levels, _ = simulate(20_000, 0.1, seed=3)
    rand, _ = simulate(10_000, 0.0, seed=4)
    shuffled = levels[np.random.default_rng(5).permutation(len(levels))]
    a = fit(levels, rand)
    b = fit(shuffled, rand)
    assert json.dumps(a.to_dict()) == json.dumps(b.to_dict())


def test_model_round_trips_through_json(tmp_path) -> None:
    comparisons()
    levels, _ = simulate(5_000, 0.1, seed=6)
    model = fit(levels, levels)
    model.save(tmp_path / "model.json")
    again = FellegiSunterModel.load(tmp_path / "model.json")
    assert np.allclose(again.match_weight(levels), model.match_weight(levels))


def test_unfitted_model_says_so() -> None:
    with pytest.raises(NotFittedError, match="not fitted"):
        FellegiSunterModel(comparisons()).match_weight(np.zeros((1, 4), dtype=np.int8))


def test_foreign_model_file_is_refused(tmp_path) -> None:
    path = tmp_path / "model.json"
    path.write_text('{"format": "something-else"}')
    with pytest.raises(ConfigError, match="not a custmdm model file"):
        FellegiSunterModel.load(path)
