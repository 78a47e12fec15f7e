"""Configuration as data: sources, mappings, blocking rules, comparisons, thresholds.

A config is a YAML or JSON file, or the same pydantic models built in Python.
Only ``sources`` is required: blocking rules and comparisons left out are
derived from the canonical fields the sources map (see
:func:`custmdm.matchers.library.default_comparisons` and
:func:`custmdm.blocking.rules.default_blocking_rules`).

Examples
--------
>>> cfg = ResolverConfig.model_validate(
...     {"sources": [{"name": "billing", "id": "account_no",
...                   "fields": {"full_name": "name", "phone": "phone"}}]})
>>> cfg.sources[0].phone_regions
['RU', 'US']
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from custmdm.exceptions import ConfigError
from custmdm.schema import CANONICAL_FIELDS


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SourceConfig(_Model):
    """One departmental source: where it is and how its columns map to canonical fields."""

    name: str = Field(min_length=1, description="Source system name, used in every output.")
    path: str | None = Field(
        default=None,
        description="CSV or Parquet file; relative paths resolve against the config file.",
    )
    id: str = Field(min_length=1, description="Record id column, unique within the source.")
    phone_regions: list[str] = Field(
        default_factory=lambda: ["RU", "US"],
        description="Default phone region first, fallbacks after (ISO 3166 alpha-2).",
    )
    date_format: str | None = Field(default=None, description="strptime format tried first.")
    trust: int = Field(default=0, description="Survivorship rank; higher wins.")
    updated_at: str | None = Field(default=None, description="Column with the last change.")
    fields: dict[str, str] = Field(description="Canonical field -> source column.")
    duplicate_ids: Literal["error", "last_wins"] = Field(
        default="error",
        description=(
            "What to do when a record id occurs twice in the source: 'error' stops, "
            "'last_wins' keeps the most recent version (by updated_at, else the last row)."
        ),
    )

    @field_validator("fields")
    @classmethod
    def _known_fields(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(value) - set(CANONICAL_FIELDS))
        if unknown:
            msg = (
                f"unknown canonical field(s) {unknown}; "
                f"known fields are: {', '.join(CANONICAL_FIELDS)}"
            )
            raise ValueError(msg)
        if not value:
            raise ValueError("'fields' must map at least one canonical field to a column")
        return value

    @field_validator("phone_regions")
    @classmethod
    def _regions(cls, value: list[str]) -> list[str]:
        bad = [r for r in value if not (len(r) == 2 and r.isalpha())]
        if bad:
            msg = f"phone_regions must be two-letter region codes like 'RU'; got {bad}"
            raise ValueError(msg)
        return [r.upper() for r in value]


# --- blocking ---------------------------------------------------------------------------


class BlockingRule(_Model):
    """Records that agree on every key in ``on`` become candidate pairs.

    Keys are columns of the prepared record table, e.g. ``phone``, ``email``,
    ``last_phonetic``, ``birth_date`` (see ``docs/config.md`` for the list).
    """

    on: list[str] = Field(min_length=1)
    name: str | None = None
    max_block_size: int | None = Field(
        default=None,
        ge=2,
        description=(
            "Blocks of more records than this build no pairs under this rule (their records "
            "still meet through the other rules): for weak keys such as a full name, whose "
            "largest blocks grow with the square of the data."
        ),
    )
    max_pairs_per_record: float | None = Field(
        default=None,
        gt=0,
        description=(
            "Pair budget of the rule relative to the data: blocks build pairs smallest first, "
            "and the largest blocks are skipped until the rule builds at most this many pairs "
            "per record of the table (a block-size limit that tightens as the data grows)."
        ),
    )

    @property
    def label(self) -> str:
        return self.name or "+".join(self.on)


# --- comparisons ------------------------------------------------------------------------


class _Level(_Model):
    column: str | None = Field(
        default=None, description="Compare this prepared column instead of the comparison's."
    )


class ExactLevel(_Level):
    kind: Literal["exact"] = "exact"


class JaroWinklerLevel(_Level):
    kind: Literal["jaro_winkler"] = "jaro_winkler"
    threshold: float

    @field_validator("threshold")
    @classmethod
    def _unit(cls, v: float) -> float:
        if not 0 < v <= 1:
            msg = (
                f"The 'threshold' parameter of JaroWinklerLevel must be in (0, 1]. Got {v} instead."
            )
            raise ValueError(msg)
        return v


class TokenSetLevel(_Level):
    kind: Literal["token_set"] = "token_set"
    threshold: float

    @field_validator("threshold")
    @classmethod
    def _unit(cls, v: float) -> float:
        if not 0 < v <= 1:
            msg = f"The 'threshold' parameter of TokenSetLevel must be in (0, 1]. Got {v} instead."
            raise ValueError(msg)
        return v


class LevenshteinLevel(_Level):
    kind: Literal["levenshtein"] = "levenshtein"
    max_distance: int = Field(ge=1)
    transpositions: bool = True


class NicknameLevel(_Level):
    kind: Literal["nickname"] = "nickname"


class InitialLevel(_Level):
    kind: Literal["initial"] = "initial"


class DateTypoLevel(_Level):
    kind: Literal["date_typo"] = "date_typo"


class SharedValueLevel(_Level):
    """Multi-valued columns ('|'-joined): the two records share at least one value."""

    kind: Literal["shared_value"] = "shared_value"


Level = Annotated[
    ExactLevel
    | JaroWinklerLevel
    | TokenSetLevel
    | LevenshteinLevel
    | NicknameLevel
    | InitialLevel
    | DateTypoLevel
    | SharedValueLevel,
    Field(discriminator="kind"),
]


class Comparison(_Model):
    """An ordered list of levels; the first that holds gives the pair its level.

    A pair where either side is missing gets the null level (no evidence);
    a pair that satisfies no level gets the implicit last 'else' level.
    """

    name: str = Field(min_length=1)
    column: str = Field(min_length=1)
    levels: list[Level] = Field(min_length=1)
    tf_adjust: bool = Field(
        default=False,
        description="Adjust the exact level's weight by how common the value is.",
    )
    strong: bool = Field(
        default=False,
        description="A strong identifier: its disagreement m is guarded during EM.",
    )
    household_shared: bool = Field(
        default=False,
        description=(
            "Members of one household often agree on this field (surname, address, home "
            "phone) without being one person; the household class models that."
        ),
    )
    same_value_levels: list[int] | None = Field(
        default=None,
        min_length=1,
        description=(
            "Levels (0-based) at which both records hold the same value written another way "
            "(a nickname, a transliteration, a typo); by default the first level only. On the "
            "name comparisons they say 'the same name' where an identifier depends on the name "
            "(an email built from it)."
        ),
    )

    @model_validator(mode="after")
    def _same_value_levels_exist(self) -> Comparison:
        bad = [k for k in self.same_value_levels or [] if not 0 <= k < len(self.levels)]
        if bad:
            msg = (
                f"The 'same_value_levels' of comparison '{self.name}' must be level positions "
                f"from 0 to {len(self.levels) - 1}. Got {bad} instead."
            )
            raise ValueError(msg)
        return self

    @property
    def same_values(self) -> frozenset[int]:
        """The levels that say 'the same value' (``same_value_levels``, by default ``{0}``)."""
        return frozenset(self.same_value_levels if self.same_value_levels is not None else (0,))

    @property
    def n_levels(self) -> int:
        """Number of non-null levels including the final 'else'."""
        return len(self.levels) + 1

    def level_labels(self) -> list[str]:
        labels: list[str] = []
        for level in self.levels:
            text: str = level.kind
            for attr in ("threshold", "max_distance"):
                if hasattr(level, attr):
                    text += (
                        f">={getattr(level, attr)}"
                        if attr == "threshold"
                        else f"<={getattr(level, attr)}"
                    )
            if level.column:
                text += f"({level.column})"
            labels.append(text)
        labels.append("else")
        return labels


# --- the whole config -------------------------------------------------------------------


class ClusterSettings(_Model):
    """How edges become clusters and how over-merged clusters are split."""

    max_cluster_size: int = Field(
        default=50,
        ge=2,
        description="Components larger than this are split by the pivot rule (docs/stages.md).",
    )
    exclusive_link_threshold: float | None = Field(
        default=0.1,
        gt=0,
        lt=1,
        description=(
            "After clustering, two clusters joined by candidate pairs of at least this "
            "probability (below the link threshold) become one when each has no other such "
            "partner and no pair between them disagrees on a strong identifier "
            "(docs/stages.md). null turns the step off."
        ),
    )


class ResolverConfig(_Model):
    """Everything a resolution needs. Only ``sources`` is required."""

    sources: list[SourceConfig] = Field(min_length=1)
    blocking: list[BlockingRule] | None = None
    comparisons: list[Comparison] | None = None
    threshold: float | None = Field(
        default=None,
        gt=0,
        lt=1,
        description=(
            "Match probability at or above which pairs are linked. Left out, the threshold "
            "with the best expected F1 under the fitted model is chosen (docs/stages.md) and "
            "saved in model.json."
        ),
    )
    labelled_pairs: str | None = Field(
        default=None,
        description=(
            "CSV of labelled record pairs (left_source, left_record_id, right_source, "
            "right_record_id, match). When the threshold is not set, the candidate threshold "
            "whose clusters agree best with these labels is used; report.json shows the "
            "effect. Relative paths resolve against the config file."
        ),
    )
    max_pairs_per_rule: int = Field(
        default=300_000_000,
        ge=1,
        description="A blocking rule that would build more pairs than this stops the run.",
    )
    max_identifier_share: int = Field(
        default=25,
        ge=2,
        description=(
            "A phone, email or national id carried by more records than this is a generic "
            "value: reported, never used as a blocking key, and weak evidence when compared."
        ),
    )
    email_provider_rules: bool = Field(
        default=False, description="Collapse gmail dots and +tags before matching."
    )
    pseudonymise_key_env: str | None = Field(
        default=None,
        description=(
            "Name of an environment variable holding a secret key. When set, every normalised "
            "value is replaced by its keyed HMAC-SHA256 right after normalisation, so matching, "
            "outputs and pairs never hold the personal values; exact comparisons still agree. "
            "The key itself is never logged or written."
        ),
    )
    clustering: ClusterSettings = Field(default_factory=ClusterSettings)
    household_model: bool = Field(
        default=True,
        description=(
            "Model 'same household, different person' as a class of its own, so that a "
            "shared surname, address and phone do not add up to a match (docs/stages.md)."
        ),
    )
    workers: int | None = Field(
        default=None,
        ge=1,
        description=(
            "Processes that normalise sources and build golden records in parallel "
            "(default: up to 2 for large inputs)."
        ),
    )
    u_sample_pairs: int = Field(default=1_000_000, ge=1000)
    em_max_iterations: int = Field(default=100, ge=1)
    base_dir: str | None = Field(
        default=None, exclude=True, description="Directory that relative source paths resolve to."
    )

    @model_validator(mode="after")
    def _unique_sources(self) -> ResolverConfig:
        names = [s.name for s in self.sources]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            msg = f"source names must be unique; repeated: {dupes}"
            raise ValueError(msg)
        return self

    def source(self, name: str) -> SourceConfig:
        for s in self.sources:
            if s.name == name:
                return s
        msg = f"no source named {name!r} in the config"
        raise ConfigError(msg)

    def _resolve(self, given: str | None) -> Path | None:
        """A path from the config; a relative one resolves against the config's folder."""
        if given is None:
            return None
        path = Path(given)
        if not path.is_absolute() and self.base_dir is not None:
            path = Path(self.base_dir) / path
        return path

    def resolve_path(self, source: SourceConfig) -> Path | None:
        return self._resolve(source.path)

    def resolve_labels_path(self) -> Path | None:
        return self._resolve(self.labelled_pairs)

    def to_yaml(self) -> str:
        return yaml.safe_dump(
            self.model_dump(mode="json", exclude_none=True), sort_keys=False, allow_unicode=True
        )


def _format_validation_error(err: ValidationError, where: str) -> str:
    first = err.errors()[0]
    loc = ".".join(str(p) for p in first["loc"])
    more = f" (and {err.error_count() - 1} more)" if err.error_count() > 1 else ""
    return f"{where}: {loc}: {first['msg']}{more}"


def parse_config(
    data: Any, *, base_dir: str | Path | None = None, where: str = "config"
) -> ResolverConfig:
    """Validate a config given as a dict (as loaded from YAML/JSON)."""
    if not isinstance(data, dict):
        msg = f"{where}: expected a mapping with a 'sources' list at the top level"
        raise ConfigError(msg)
    if base_dir is not None:
        data = {**data, "base_dir": str(base_dir)}
    try:
        return ResolverConfig.model_validate(data)
    except ValidationError as err:
        raise ConfigError(_format_validation_error(err, where)) from None


def load_config(path: str | Path) -> ResolverConfig:
    """Load a YAML or JSON config file; relative source paths resolve against its folder."""
    path = Path(path)
    if not path.is_file():
        msg = f"config file not found: {path}"
        raise ConfigError(msg)
    text = path.read_text(encoding="utf-8")
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except (yaml.YAMLError, json.JSONDecodeError) as err:
        mark = getattr(err, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        msg = f"{path}: not valid {'JSON' if path.suffix.lower() == '.json' else 'YAML'}{at}"
        raise ConfigError(msg) from None
    return parse_config(data, base_dir=path.parent.resolve(), where=str(path))
