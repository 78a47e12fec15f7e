"""custmdm: customer identity resolution and master data management.

From messy departmental tables to golden customer records with lineage:
normalise → block → compare → score → cluster → merge.

Examples
--------
>>> import custmdm
>>> custmdm.__version__
'0.1.0'
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from custmdm._version import __version__
from custmdm.config import (
    BlockingRule,
    Comparison,
    ResolverConfig,
    SourceConfig,
    load_config,
)
from custmdm.exceptions import (
    BlockingError,
    ConfigError,
    CustmdmError,
    NotFittedError,
    SchemaError,
    SourceError,
    StoreError,
)
from custmdm.pipeline import ResolutionResult, Resolver, resolve
from custmdm.scoring.fellegi_sunter import FellegiSunterModel

if TYPE_CHECKING:  # pragma: no cover
    pass

__all__ = [
    "BlockingError",
    "BlockingRule",
    "Comparison",
    "ConfigError",
    "CustmdmError",
    "FellegiSunterModel",
    "NotFittedError",
    "ResolutionResult",
    "Resolver",
    "ResolverConfig",
    "SchemaError",
    "SourceConfig",
    "SourceError",
    "StoreError",
    "__version__",
    "load_config",
    "resolve",
]


def __getattr__(name: str) -> Any:
    raise AttributeError(f"module 'custmdm' has no attribute {name!r}")
