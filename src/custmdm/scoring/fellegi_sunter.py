"""Fellegi–Sunter scoring: m and u per comparison level, fitted without labels.

The model works on *agreement patterns*: the vector of levels a pair gets, one
per comparison. Candidate pairs collapse to a few thousand distinct patterns
with counts, so EM runs on those counts, not on pairs.

* ``u`` from pairs of records drawn at random (a seeded sample: row positions
  in the id-sorted table, so the sample does not depend on input order);
* ``m`` by EM, once per blocking rule, on the pairs that rule blocks, leaving
  out the comparisons the rule biases;
* the prior match rate over all record pairs, as a fixed point over the
  candidates; guards keep the fit meaningful (see :meth:`FellegiSunterModel.fit`).

Match weight of a pair = log2(prior odds) + sum of log2(m/u) of its levels
(+ term-frequency adjustments); probability = 2**w / (1 + 2**w).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from custmdm.config import Comparison
from custmdm.exceptions import ConfigError, NotFittedError
from custmdm.scoring.term_frequency import TermFrequencies

_EPS = 1e-6
MODEL_FORMAT = "custmdm.fellegi_sunter/1"


def encode_patterns(levels: np.ndarray, n_levels: list[int]) -> np.ndarray:
    """One int64 per pair for its level vector (null encoded as 0, level k as k + 1)."""
    key = np.zeros(levels.shape[0], dtype=np.int64)
    for c, n in enumerate(n_levels):
        key = key * (n + 1) + (levels[:, c].astype(np.int64) + 1)
    return key


def decode_patterns(keys: np.ndarray, n_levels: list[int]) -> np.ndarray:
    out = np.empty((keys.size, len(n_levels)), dtype=np.int8)
    rest = keys.copy()
    for c in range(len(n_levels) - 1, -1, -1):
        base = n_levels[c] + 1
        out[:, c] = (rest % base) - 1
        rest //= base
    return out


@dataclass
class PatternCounts:
    """Distinct agreement patterns of a set of pairs and how many pairs share each."""

    patterns: np.ndarray  # (n_patterns, n_comparisons) int8
    counts: np.ndarray  # (n_patterns,) int64

    @classmethod
    def from_levels(cls, levels: np.ndarray, n_levels: list[int]) -> PatternCounts:
        keys = encode_patterns(levels, n_levels)
        uniq, counts = np.unique(keys, return_counts=True)
        return cls(decode_patterns(uniq, n_levels), counts.astype(np.int64))

    @property
    def total(self) -> int:
        return int(self.counts.sum())


@dataclass
class TrainingSession:
    """The candidate pairs one blocking rule produces, and the comparisons it biases."""

    rule: str
    pairs: PatternCounts
    excluded: list[int]
    #: comparisons whose top level every pair of this rule has (the rule blocks on their key)
    implied_top: list[int] = field(default_factory=list)


#: Comparisons that together say "the same name" for dependency detection.
NAME_GROUP_COMPARISONS = ("first_name", "last_name")
#: Identifiers people build from their name (ivanov.ivan@…); tested for a dependency on it.
NAME_DERIVED_COMPARISONS = ("email",)


def _name_lift(agree: float, present: float, u_top: float) -> tuple[float, float] | None:
    """Strangers' agreement on an identifier given the name, and its lift over ``u_top``.

    ``agree`` of ``present`` stranger pairs sharing a name (counted or expected) agree on
    it. ``None`` unless it is seen at least 3 times in at least 20 pairs with a lift of 10
    or more: the rule for a name dependency, from random pairs or from EM.
    """
    if agree < 3 or present < 20:
        return None
    u_given = (agree + 0.5) / (present + 1.0)
    lift = u_given / u_top
    return (u_given, lift) if lift >= 10 else None


@dataclass(frozen=True)
class Dependency:
    """An identifier that strangers share more often when they share a name."""

    comparison: int
    u_given_names: float  # P(identifier agrees | names agree), strangers
    u_names_given: float  # P(names agree | identifier agrees), strangers
    lift: float


@dataclass
class _SessionFit:
    m: list[np.ndarray]
    h: list[np.ndarray]
    lam_m: float
    lam_h: float
    iterations: int
    converged: bool
    #: strangers' expected pairs per level of the comparisons whose u the session learned
    u_counts: dict[int, np.ndarray] = field(default_factory=dict)
    #: with ``names_given``: P(same name | the identifier agrees, strangers) and the expected
    #: stranger pairs (names present) it was learned from
    names_given: tuple[float, float] | None = None


@dataclass
class EMDiagnostics:
    iterations: int = 0
    converged: bool = False
    sessions: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


class FellegiSunterModel:
    """m/u probabilities per comparison level and a prior match rate.

    Learned state ends in ``_``: ``m_``, ``u_``, ``lambda_`` (match prior), and with
    the household class ``h_`` and ``lambda_h_``.
    """

    def __init__(
        self,
        comparisons: list[Comparison],
        *,
        max_iterations: int = 100,
        tol: float = 1e-7,
        household: bool = True,
    ) -> None:
        self.comparisons = comparisons
        self.shared = [c.household_shared for c in comparisons]
        self.household = household and any(self.shared)
        self.n_levels = [c.n_levels for c in comparisons]
        self.max_iterations = max_iterations
        self.tol = tol
        self.m_: list[np.ndarray] | None = None
        self.u_: list[np.ndarray] | None = None
        self.u_random_: list[np.ndarray] | None = None
        self.lambda_: float | None = None
        self.h_: list[np.ndarray] | None = None
        self.lambda_h_: float = 0.0
        self.threshold_: float | None = None
        self.tf_reference_: dict[str, tuple[float, float]] = {}
        self.dependencies_: list[Dependency] = []
        self.diagnostics_ = EMDiagnostics()
        self.name_group = [
            c for c, comp in enumerate(comparisons) if comp.name in NAME_GROUP_COMPARISONS
        ]
        self._same_levels = {
            c: np.array(sorted(comparisons[c].same_values)) for c in self.name_group
        }

    # -- fitting ---------------------------------------------------------------------------

    def initial_m(self) -> list[np.ndarray]:
        out = []
        for n in self.n_levels:
            # geometric decay from the best level down to 'else'
            raw = np.array([0.5**k for k in range(n)], dtype=float)
            raw[-1] = 0.05
            out.append(raw / raw.sum())
        return out

    def fit(
        self,
        sessions: list[TrainingSession],
        random_pairs: PatternCounts,
        candidates: PatternCounts,
        total_pairs: int,
        progress: Callable[[str, int, int], None] | None = None,
    ) -> FellegiSunterModel:
        """Fit u from random pairs, m (and h) by EM per blocking rule, and the priors.

        ``progress("em", rules_done, rules)`` is called after each blocking rule's EM.

        * ``u`` comes from ``random_pairs`` (agreement among random pairs, nearly all
          non-matches) and is then fixed.
        * ``m`` is estimated by EM once per blocking rule, on the pairs that rule blocks,
          leaving out the comparisons on the rule's own keys (blocking biases them);
          each comparison's ``m`` is the average over the rules that estimated it,
          weighted by the matches each rule found.
        * With the household class, a third class "same household, different person"
          agrees like a match on the household-shared comparisons (surname, address,
          phone, email; its ``h`` is learned) and like a stranger on the personal ones
          (first name, birth date…; its ``h`` is ``u``). A shared surname, address and
          phone then explain each other instead of adding up to a match.
        * The priors (the shares of all N·(N−1)/2 record pairs that match, or are one
          household) are the fixed point of λ = Σ P(class | pattern) / total_pairs over
          the candidate pairs, with pairs outside the candidates counted as strangers.

        Guards: probabilities never reach 0 (pseudo-counts), and the 'else' level of a
        strong identifier keeps a Bayes factor of at most 1/2, so disagreeing on a
        birth date, phone or email always counts against a match.
        """
        diag = EMDiagnostics()
        u = self._level_frequencies(random_pairs, np.ones(len(random_pairs.counts)))
        self.u_random_ = u
        self.u_ = u
        self.dependencies_ = self._merge_dependencies(
            self._detect_dependencies(random_pairs, u),
            self._learn_dependencies(sessions, self.initial_m(), u),
        )
        self.dependencies_ = self._learn_names_given(sessions, self.initial_m(), u)
        for dep in self.dependencies_:
            diag.warnings.append(
                f"comparison '{self.comparisons[dep.comparison].name}' depends on the name: "
                f"strangers with the same name agree on it {dep.lift:.0f}x more often than "
                "strangers in general; it is modelled jointly with the name"
            )
        init = self.initial_m()
        n_comp = len(self.n_levels)
        m_sums = [np.zeros(n) for n in self.n_levels]
        m_weights = np.zeros(n_comp)
        h_sums = [np.zeros(n) for n in self.n_levels]
        h_weights = np.zeros(n_comp)
        for k, session in enumerate(sessions):
            if progress is not None:
                progress("em", k + 1, len(sessions))
            if session.pairs.total == 0:
                continue
            res = self._em_session(session, init, u)
            matches = res.lam_m * session.pairs.total
            households = res.lam_h * session.pairs.total
            active = [c for c in range(n_comp) if c not in session.excluded]
            for c in active:
                m_sums[c] += res.m[c] * matches
                m_weights[c] += matches
                if self.shared[c]:
                    h_sums[c] += res.h[c] * households
                    h_weights[c] += households
            diag.sessions.append(
                {
                    "rule": session.rule,
                    "pairs": session.pairs.total,
                    "estimated_matches": round(float(matches), 2),
                    "estimated_household_pairs": round(float(households), 2),
                    "iterations": res.iterations,
                    "converged": res.converged,
                    "estimated": [self.comparisons[c].name for c in active],
                }
            )
            diag.iterations += res.iterations
            if not res.converged:
                diag.warnings.append(f"EM for blocking rule '{session.rule}' did not converge")
        m: list[np.ndarray] = []
        h: list[np.ndarray] = []
        for c, comp in enumerate(self.comparisons):
            if m_weights[c] > 0:
                m.append(m_sums[c] / m_weights[c])
            else:
                diag.warnings.append(
                    f"comparison '{comp.name}': every blocking rule uses its field, so its m "
                    "could not be estimated; default values are used"
                )
                m.append(init[c])
            if self.shared[c] and h_weights[c] > 0:
                h.append(h_sums[c] / h_weights[c])
            elif self.shared[c]:
                h.append(self._initial_h(c, init, u))
            else:
                h.append(u[c].copy())
        self._guard(m, u)
        diag.converged = all(s["converged"] for s in diag.sessions) if diag.sessions else False
        self.m_, self.u_, self.h_ = m, u, h
        self.lambda_, self.lambda_h_ = self._fit_priors(candidates, m, h, u, total_pairs)
        if not self.household:
            self.lambda_h_ = 0.0
        self.diagnostics_ = diag
        self._check_collapse()
        return self

    def _initial_h(self, c: int, init: list[np.ndarray], u: list[np.ndarray]) -> np.ndarray:
        """Household members agree on shared fields about half as often as matches."""
        mix = 0.5 * init[c] + 0.5 * u[c]
        return mix / mix.sum()

    def _em_session(
        self,
        session: TrainingSession,
        init: list[np.ndarray],
        u: list[np.ndarray],
        free_u: tuple[int, ...] = (),
        household: bool | None = None,
        names_given: Dependency | None = None,
    ) -> _SessionFit:
        """EM on one rule's pairs; the strangers' levels of ``free_u`` are learned too.

        ``household=False`` leaves the household class out of this session. With
        ``names_given`` (a dependency on an identifier the rule blocks on) its
        ``u_names_given``, the strangers' chance of the same name, is learned too.
        """
        household = self.household if household is None else household
        pats = session.pairs.patterns.copy()
        for c in session.excluded:
            pats[:, c] = -1
        counts = session.pairs.counts
        w = counts.astype(float)
        m = [x.copy() for x in init]
        h = [self._initial_h(c, init, u) if self.shared[c] else u[c].copy() for c in range(len(u))]
        u = [x.copy() for x in u]
        learned: dict[int, np.ndarray] = {}
        lam_m, lam_h = (0.4, 0.2) if household else (0.5, 0.0)
        # learned strangers' levels replace any correction for a name dependency
        implied = set(session.implied_top)
        deps = self.dependencies_
        lu = self._log_prob(pats, u)
        if names_given is not None:
            same, present = self._same_names(pats, implied)
            deps = [names_given]
            lu_base = lu
        if not free_u:
            lu = lu + self._u_correction(pats, implied, deps)
        strangers = 0.0  # expected stranger pairs with the names present (names_given)
        prev = -math.inf
        converged = False
        iterations = 0
        for it in range(1, self.max_iterations + 1):
            iterations = it
            if free_u and it > 1:
                lu = self._log_prob(pats, u)
            la = np.log(lam_m) + self._log_prob(pats, m)
            lc = np.log(max(1.0 - lam_m - lam_h, _EPS)) + lu
            if household:
                lb = np.log(lam_h) + self._log_prob(pats, h)
                mx = np.maximum(np.maximum(la, lb), lc)
                total = mx + np.log(np.exp(la - mx) + np.exp(lb - mx) + np.exp(lc - mx))
                r_h = np.exp(lb - total)
            else:
                mx = np.maximum(la, lc)
                total = mx + np.log(np.exp(la - mx) + np.exp(lc - mx))
                r_h = np.zeros_like(la)
            r_m = np.exp(la - total)
            ll = float((w * total).sum())
            if names_given is not None:
                r_u = w * np.clip(1.0 - r_m - r_h, 0.0, 1.0)
                strangers = float(r_u[present].sum())
                share = (float(r_u[same & present].sum()) + 0.5) / (strangers + 1.0)
                names_given = replace(names_given, u_names_given=share)
                deps = [names_given]
                lu = lu_base + self._u_correction(pats, implied, deps)
            if free_u:
                r_u = np.clip(1.0 - r_m - r_h, 0.0, 1.0)
                for c in free_u:
                    learned[c] = self._expected_levels(pats[:, c], w * r_u, self.n_levels[c])
                    u[c] = self._with_pseudo_counts(learned[c])
                    if not self.shared[c]:
                        h[c] = u[c]
            lam_m = float(np.clip((w * r_m).sum() / w.sum(), _EPS, 1 - 2 * _EPS))
            m = self._level_frequencies(PatternCounts(pats, counts), r_m)
            self._guard(m, u)
            if household:
                lam_h = float(np.clip((w * r_h).sum() / w.sum(), _EPS, 1 - lam_m - _EPS))
                h_new = self._level_frequencies(PatternCounts(pats, counts), r_h)
                h = [h_new[c] if self.shared[c] else u[c] for c in range(len(u))]
            if abs(ll - prev) <= self.tol * max(1.0, abs(ll)):
                converged = True
                break
            prev = ll
        fit = _SessionFit(m, h, lam_m, lam_h, iterations, converged, learned)
        if names_given is not None:
            fit.names_given = (names_given.u_names_given, strangers)
        return fit

    @staticmethod
    def _expected_levels(column: np.ndarray, weights: np.ndarray, n: int) -> np.ndarray:
        """Weighted count of pairs per level of one comparison (nulls left out)."""
        mask = column >= 0
        return np.bincount(
            column[mask].astype(np.int64), weights=weights[mask], minlength=n
        ).astype(float)

    @staticmethod
    def _with_pseudo_counts(counts: np.ndarray) -> np.ndarray:
        """Level probabilities from counts; a pseudo-count keeps every level possible."""
        freq = counts + 0.5
        return freq / freq.sum()

    def _learn_dependencies(
        self, sessions: list[TrainingSession], init: list[np.ndarray], u: list[np.ndarray]
    ) -> list[Dependency]:
        """Name-dependent identifiers learned by EM among pairs blocked on the full name.

        Random pairs almost never share a name, so they rarely show strangers who share a
        name *and* a name-built email. On a rule that pairs equal names, the strangers'
        agreement on such an identifier is a free parameter of an extra EM pass, with two
        classes only: a household whose members share one full name is rare, and its class
        would take in the strangers. A lift of 10 or more over random pairs, on at least 3
        expected stranger pairs, makes the identifier a dependency.
        """
        if len(self.name_group) < 2:
            return []
        derived = [
            d for d, comp in enumerate(self.comparisons) if comp.name in NAME_DERIVED_COMPARISONS
        ]
        best: dict[int, tuple[float, Dependency]] = {}
        for session in sessions:
            if not all(g in session.implied_top for g in self.name_group):
                continue
            free = tuple(d for d in derived if d not in session.excluded)
            if not free or session.pairs.total == 0:
                continue
            res = self._em_session(session, init, u, free_u=free, household=False)
            for d in free:
                levels = res.u_counts[d]
                present = float(levels.sum())
                found = _name_lift(float(levels[0]), present, u[d][0])
                if found is None or present <= best.get(d, (0.0, None))[0]:
                    continue
                u_given, lift = found
                names = math.exp(sum(math.log(u[g][0]) for g in self.name_group))
                u_names_given = min(1.0, u_given * names / u[d][0])
                best[d] = (present, Dependency(d, u_given, u_names_given, lift))
        return [dep for _, dep in best.values()]

    def _learn_names_given(
        self, sessions: list[TrainingSession], init: list[np.ndarray], u: list[np.ndarray]
    ) -> list[Dependency]:
        """Each dependency's ``u_names_given`` learned by EM on the rules that block on it.

        Among strangers who share a name-built email, the share with the same name cannot be
        read from random pairs: the few that share an email are mostly one person or one
        household. Left too low, it makes the namesakes of an email-blocked rule look like
        matches that disagree on birth date and phone, and inflates those m. On a rule that
        blocks on the identifier and not on the names, it is a free parameter of that rule's
        EM; the rules' estimates are averaged, weighted by their expected stranger pairs.
        """
        out = []
        for dep in self.dependencies_:
            total = weight = 0.0
            for session in sessions:
                implied = set(session.implied_top)
                if (
                    dep.comparison not in implied
                    or all(g in implied for g in self.name_group)
                    or session.pairs.total == 0
                ):
                    continue
                res = self._em_session(session, init, u, names_given=dep)
                assert res.names_given is not None
                share, strangers = res.names_given
                total += share * strangers
                weight += strangers
            out.append(replace(dep, u_names_given=total / weight) if weight > 0 else dep)
        return out

    @staticmethod
    def _merge_dependencies(
        from_random: list[Dependency], learned: list[Dependency]
    ) -> list[Dependency]:
        """One dependency per identifier; EM's among equal names wins over random pairs'."""
        out = {dep.comparison: dep for dep in from_random}
        out.update({dep.comparison: dep for dep in learned})
        return [out[d] for d in sorted(out)]

    def _fit_priors(
        self,
        candidates: PatternCounts,
        m: list[np.ndarray],
        h: list[np.ndarray],
        u: list[np.ndarray],
        total_pairs: int,
    ) -> tuple[float, float]:
        if candidates.total == 0 or total_pairs <= 0:
            return _EPS, 0.0
        lm = self._log_prob(candidates.patterns, m)
        lh = self._log_prob(candidates.patterns, h)
        lu = self._log_prob(candidates.patterns, u) + self._u_correction(candidates.patterns, set())
        w = candidates.counts.astype(float)
        lam_m = min(0.25, candidates.total / total_pairs)
        lam_h = lam_m if self.household else 0.0
        for _ in range(500):
            a = np.log(lam_m) + lm
            c = np.log(max(1.0 - lam_m - lam_h, _EPS)) + lu
            if self.household:
                b = np.log(max(lam_h, 1e-300)) + lh
                mx = np.maximum(np.maximum(a, b), c)
                tot = mx + np.log(np.exp(a - mx) + np.exp(b - mx) + np.exp(c - mx))
                new_h = float(np.clip((w * np.exp(b - tot)).sum() / total_pairs, 1e-12, 0.25))
            else:
                mx = np.maximum(a, c)
                tot = mx + np.log(np.exp(a - mx) + np.exp(c - mx))
                new_h = 0.0
            new_m = float(np.clip((w * np.exp(a - tot)).sum() / total_pairs, 1e-12, 0.25))
            done = abs(new_m - lam_m) <= 1e-12 + 1e-9 * lam_m and abs(
                new_h - lam_h
            ) <= 1e-12 + 1e-9 * max(lam_h, 1e-12)
            lam_m, lam_h = new_m, new_h
            if done:
                break
        return lam_m, lam_h

    def _detect_dependencies(
        self, random_pairs: PatternCounts, u: list[np.ndarray]
    ) -> list[Dependency]:
        """Identifiers that strangers share because they share a name (email built from it).

        From the random pairs: u(d top | both names top) against u(d top). A lift of 10 or
        more, seen in at least 3 pairs, makes ``d`` depend on the name: the strangers'
        likelihood of agreeing on both is then P(names) x P(d | names), not the product
        of the two, so a shared name-built email does not count twice.
        """
        if len(self.name_group) < 2:
            return []
        pats, counts = random_pairs.patterns, random_pairs.counts
        names_top = np.all(pats[:, self.name_group] == 0, axis=1)
        names_present = np.all(pats[:, self.name_group] >= 0, axis=1)
        strong = [
            c for c, comp in enumerate(self.comparisons) if comp.strong and c not in self.name_group
        ]
        out = []
        for d, comp in enumerate(self.comparisons):
            if d in self.name_group or comp.name not in NAME_DERIVED_COMPARISONS:
                continue
            # random pairs that share a name are often one person; keep the pairs that
            # another strong identifier shows to be strangers (it disagrees)
            others = [c for c in strong if c != d]
            if not others:
                continue
            stranger = np.zeros(len(counts), dtype=bool)
            for c in others:
                stranger |= pats[:, c] == self.n_levels[c] - 1
            present = (pats[:, d] >= 0) & stranger
            top = (pats[:, d] == 0) & stranger
            n_given = int(counts[names_top & present].sum())
            both = int(counts[names_top & top].sum())
            n_top = int(counts[top & names_present].sum())
            found = _name_lift(both, n_given, u[d][0])
            if found is None:
                continue
            u_d_given, lift = found
            u_names_given = (both + 0.5) / (n_top + 1.0)
            out.append(Dependency(d, float(u_d_given), float(u_names_given), float(lift)))
        return out

    def _same_names(
        self, patterns: np.ndarray, implied_top: set[int]
    ) -> tuple[np.ndarray, np.ndarray]:
        """Rows whose every name comparison is at a same-value level, and rows where every
        name is present (names the rule blocks on count as both)."""
        same = np.ones(patterns.shape[0], dtype=bool)
        present = np.ones(patterns.shape[0], dtype=bool)
        for g in self.name_group:
            if g not in implied_top:
                same &= np.isin(patterns[:, g], self._same_levels[g])
                present &= patterns[:, g] >= 0
        return same, present

    def _u_correction(
        self,
        patterns: np.ndarray,
        implied_top: set[int],
        dependencies: list[Dependency] | None = None,
    ) -> np.ndarray:
        """Natural-log correction of the strangers' likelihood for name-dependent identifiers."""
        deps = self.dependencies_ if dependencies is None else dependencies
        corr = np.zeros(patterns.shape[0])
        if not deps or self.u_ is None:
            return corr
        u = self.u_
        names_blocked = all(g in implied_top for g in self.name_group)
        same, present = self._same_names(patterns, implied_top)
        # strangers' chance of the same name, from the levels of each name comparison
        p_same = math.prod(
            float(u[g][self._same_levels[g]].sum()) for g in self.name_group if g not in implied_top
        )
        for dep in deps:
            d = dep.comparison
            if d in implied_top and not names_blocked:
                # the rule guarantees agreement on d: the names' chance is conditional on it
                corr[same] += math.log(dep.u_names_given) - math.log(p_same)
                corr[present & ~same] += math.log1p(-min(dep.u_names_given, 1 - 1e-9)) - (
                    math.log1p(-min(p_same, 1 - 1e-9))
                )
            elif d not in implied_top:
                rows = same & (patterns[:, d] == 0)
                corr[rows] += math.log(dep.u_given_names) - math.log(u[d][0])
        return corr

    def _guard(self, m: list[np.ndarray], u: list[np.ndarray]) -> None:
        for c, comp in enumerate(self.comparisons):
            cap = 0.5 * u[c][-1]
            if comp.strong and m[c][-1] > cap:
                rest = m[c][:-1]
                m[c][-1] = cap
                m[c][:-1] = rest / rest.sum() * (1 - cap)

    def _check_collapse(self) -> None:
        assert self.m_ is not None and self.u_ is not None
        for c, comp in enumerate(self.comparisons):
            bf_best = self.m_[c][0] / self.u_[c][0]
            if bf_best < 2.0:
                self.diagnostics_.warnings.append(
                    f"comparison '{comp.name}': agreement on its top level barely counts "
                    f"(Bayes factor {bf_best:.2f}); the fit may have collapsed"
                )

    def _level_frequencies(self, pc: PatternCounts, weights: np.ndarray) -> list[np.ndarray]:
        return [
            self._with_pseudo_counts(
                self._expected_levels(pc.patterns[:, c], weights * pc.counts, n)
            )
            for c, n in enumerate(self.n_levels)
        ]

    @staticmethod
    def _log_prob(patterns: np.ndarray, probs: list[np.ndarray]) -> np.ndarray:
        total = np.zeros(patterns.shape[0])
        for c, p in enumerate(probs):
            col = patterns[:, c]
            mask = col >= 0
            total[mask] += np.log(p[col[mask]])
        return total

    # -- prediction ------------------------------------------------------------------------

    def _require_fitted(self) -> tuple[list[np.ndarray], list[np.ndarray], float]:
        if self.m_ is None or self.u_ is None or self.lambda_ is None:
            msg = "This FellegiSunterModel is not fitted yet. Call 'fit' or load a saved model."
            raise NotFittedError(msg)
        return self.m_, self.u_, self.lambda_

    def freeze_term_frequencies(
        self, frequencies: TermFrequencies
    ) -> dict[str, tuple[float, float]]:
        """The model's term-frequency reference, frozen from ``frequencies`` on first use.

        Every engine and the store score with this reference, so value-count totals seen
        when the model was fitted stay fixed as unrelated records arrive.
        """
        if not self.tf_reference_:
            self.tf_reference_ = frequencies.snapshot()
        return self.tf_reference_

    @property
    def lambda_u_(self) -> float:
        """Prior share of pairs that are strangers."""
        _, _, lam = self._require_fitted()
        return 1.0 - lam - self.lambda_h_

    def level_weights(self) -> list[np.ndarray]:
        """log2(m/u) per comparison and level."""
        m, u, _ = self._require_fitted()
        return [np.log2(mc / uc) for mc, uc in zip(m, u, strict=True)]

    def household_level_weights(self) -> list[np.ndarray]:
        """log2(h/u) per comparison and level (zero for personal comparisons)."""
        _, u, _ = self._require_fitted()
        h = self.h_ if self.h_ is not None else u
        return [np.log2(hc / uc) for hc, uc in zip(h, u, strict=True)]

    @property
    def prior_weight(self) -> float:
        """log2 of the prior odds of a match against strangers."""
        _, _, lam = self._require_fitted()
        return math.log2(lam / self.lambda_u_)

    @property
    def household_prior_weight(self) -> float:
        if self.lambda_h_ <= 0:
            return -math.inf
        return math.log2(self.lambda_h_ / self.lambda_u_)

    def _sum_levels(
        self, weights: list[np.ndarray], levels: np.ndarray, start: float
    ) -> np.ndarray:
        total = np.full(levels.shape[0], start)
        for c, lw in enumerate(weights):
            col = levels[:, c]
            mask = col >= 0
            total[mask] += lw[col[mask]]
        return total

    def dependency_term(self, levels: np.ndarray) -> np.ndarray:
        """Bits taken off because a name-dependent identifier agrees along with the name."""
        return -self._u_correction(levels, set()) / math.log(2)

    def match_vs_stranger_weight(
        self, levels: np.ndarray, tf_adjustment: np.ndarray | None = None
    ) -> np.ndarray:
        """log2 odds of match against stranger: prior + Σ log2(m/u) + term frequencies.

        Name-dependent identifiers (see :meth:`_detect_dependencies`) are counted given
        the name, not on top of it.
        """
        total = self._sum_levels(self.level_weights(), levels, self.prior_weight)
        total -= self._u_correction(levels, set()) / math.log(2)
        return total if tf_adjustment is None else total + tf_adjustment

    def household_term(
        self, levels: np.ndarray, tf_adjustment: np.ndarray | None = None
    ) -> np.ndarray:
        """Bits taken off a pair's weight because a household explains its agreement too.

        ``-log2(1 + odds(household : stranger))``; zero without the household class.
        """
        if self.lambda_h_ <= 0:
            return np.zeros(levels.shape[0])
        hu = self._sum_levels(self.household_level_weights(), levels, self.household_prior_weight)
        hu -= self._u_correction(levels, set()) / math.log(2)
        if tf_adjustment is not None:
            hu = hu + tf_adjustment
        return -np.logaddexp2(0.0, hu)

    def match_weight(
        self, levels: np.ndarray, tf_adjustment: np.ndarray | None = None
    ) -> np.ndarray:
        """log2 odds of a match against everything else, per pair.

        ``tf_adjustment`` (bits per pair, see :mod:`custmdm.scoring.term_frequency`)
        rescales the strangers' likelihood of an exact agreement on a common value.
        """
        return self.match_vs_stranger_weight(levels, tf_adjustment) + self.household_term(
            levels, tf_adjustment
        )

    # -- persistence -----------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        m, u, lam = self._require_fitted()
        return {
            "format": MODEL_FORMAT,
            "prior_match_probability": lam,
            "prior_household_probability": self.lambda_h_,
            "threshold": self.threshold_,
            "term_frequency_reference": {
                col: {"records": total, "u_exact": u}
                for col, (total, u) in self.tf_reference_.items()
            },
            "dependencies": [
                {
                    "comparison": self.comparisons[d.comparison].name,
                    "given": [self.comparisons[g].name for g in self.name_group],
                    "u_given_names": d.u_given_names,
                    "u_names_given": d.u_names_given,
                    "lift": d.lift,
                }
                for d in self.dependencies_
            ],
            "comparisons": [
                {
                    "comparison": comp.model_dump(mode="json"),
                    "levels": [
                        {
                            "label": label,
                            "m": float(m[c][k]),
                            "u": float(u[c][k]),
                            "h": float((self.h_ or u)[c][k]),
                            "weight": float(math.log2(m[c][k] / u[c][k])),
                        }
                        for k, label in enumerate(comp.level_labels())
                    ],
                }
                for c, comp in enumerate(self.comparisons)
            ],
            "diagnostics": {
                "iterations": self.diagnostics_.iterations,
                "converged": self.diagnostics_.converged,
                "warnings": list(self.diagnostics_.warnings),
                "sessions": list(self.diagnostics_.sessions),
            },
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FellegiSunterModel:
        if data.get("format") != MODEL_FORMAT:
            msg = f"not a custmdm model file (format {data.get('format')!r}, expected {MODEL_FORMAT!r})"
            raise ConfigError(msg)
        comps = [Comparison.model_validate(c["comparison"]) for c in data["comparisons"]]
        model = cls(comps)
        model.m_ = [np.array([lv["m"] for lv in c["levels"]]) for c in data["comparisons"]]
        model.u_ = [np.array([lv["u"] for lv in c["levels"]]) for c in data["comparisons"]]
        model.lambda_ = float(data["prior_match_probability"])
        model.lambda_h_ = float(data.get("prior_household_probability", 0.0))
        names = [c.name for c in comps]
        model.dependencies_ = [
            Dependency(
                names.index(d["comparison"]), d["u_given_names"], d["u_names_given"], d["lift"]
            )
            for d in data.get("dependencies", [])
        ]
        model.tf_reference_ = {
            col: (float(v["records"]), float(v["u_exact"]))
            for col, v in data.get("term_frequency_reference", {}).items()
        }
        threshold = data.get("threshold")
        model.threshold_ = float(threshold) if threshold is not None else None
        model.household = model.lambda_h_ > 0
        model.h_ = [
            np.array([lv.get("h", lv["u"]) for lv in c["levels"]]) for c in data["comparisons"]
        ]
        for comp, mm in zip(comps, model.m_, strict=True):
            if mm.size != comp.n_levels:
                msg = f"model file: comparison '{comp.name}' has {mm.size} levels, expected {comp.n_levels}"
                raise ConfigError(msg)
        return model

    def save(self, path: str | Path) -> None:
        Path(path).write_text(
            json.dumps(self.to_dict(), indent=2, ensure_ascii=False), encoding="utf-8"
        )

    @classmethod
    def load(cls, path: str | Path) -> FellegiSunterModel:
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as err:
            msg = f"cannot read model file {path}: {type(err).__name__}"
            raise ConfigError(msg) from None
        return cls.from_dict(data)


def probability(weight: np.ndarray) -> np.ndarray:
    """Match probability from a match weight (log2 odds)."""
    return 1.0 / (1.0 + np.exp2(-np.asarray(weight, dtype=float)))
