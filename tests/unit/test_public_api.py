"""The public surface is exactly the curated ``__all__``."""

from __future__ import annotations

import custmdm

EXPECTED = {
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
}


def test_all_is_exactly_the_public_names() -> None:
    assert set(custmdm.__all__) == EXPECTED
    for name in custmdm.__all__:
        assert hasattr(custmdm, name)


def test_exceptions_are_catchable_by_generic_handlers() -> None:
    assert issubclass(custmdm.ConfigError, ValueError)
    assert issubclass(custmdm.SchemaError, ValueError)
    assert issubclass(custmdm.NotFittedError, AttributeError)
    for name in ("ConfigError", "SchemaError", "SourceError", "BlockingError", "StoreError"):
        assert issubclass(getattr(custmdm, name), custmdm.CustmdmError)
