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


def test_the_store_package_gives_its_names_and_loads_sqlalchemy_only_when_asked() -> None:
    import subprocess
    import sys

    code = (
        "import sys, custmdm.cli\n"
        "custmdm.cli.build_parser()\n"
        "import custmdm.pipeline\n"
        "assert 'sqlalchemy' not in sys.modules, 'resolve should not load the store'\n"
        "from custmdm.store import IngestReport, Store\n"
        "import custmdm.store.store as impl\n"
        "assert Store is impl.Store and IngestReport is impl.IngestReport\n"
        "import custmdm.store\n"
        "try:\n"
        "    custmdm.store.Nothing\n"
        "except AttributeError:\n"
        "    pass\n"
        "else:\n"
        "    raise SystemExit('no AttributeError')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
