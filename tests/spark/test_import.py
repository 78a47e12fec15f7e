"""custmdm works without PySpark; asking for the Spark engine then says how to install it."""

from __future__ import annotations

import subprocess
import sys

import pytest

from custmdm.backends import load_spark_backend
from custmdm.config import ResolverConfig
from custmdm.pipeline import Resolver

BLOCK_PYSPARK = "import sys; sys.modules['pyspark'] = None\n"


def test_import_without_pyspark() -> None:
    code = BLOCK_PYSPARK + (
        "import custmdm, custmdm.pipeline, custmdm.cli, custmdm.backends\n"
        "assert 'pyspark' not in {m for m, v in sys.modules.items() if v is not None}\n"
        "print('ok')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


def test_spark_engine_without_pyspark_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pyspark", None)
    with pytest.raises(ImportError, match=r'pip install "custmdm\[spark\]"'):
        load_spark_backend()
    config = ResolverConfig.model_validate(
        {"sources": [{"name": "a", "id": "id", "fields": {"full_name": "name"}}]}
    )
    resolver = Resolver(config, engine="spark")
    with pytest.raises(ImportError, match=r'pip install "custmdm\[spark\]"'):
        resolver.run({})
