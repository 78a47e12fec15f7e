"""One local SparkSession for all Spark tests (small shuffles, no UI).

The tests skip when PySpark or Java is missing, unless ``CUSTMDM_REQUIRE_SERVICES`` is set
(CI sets it), in which case a missing Spark is a failure.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest


def _spark_missing() -> str | None:
    if importlib.util.find_spec("pyspark") is None:
        return "pyspark is not installed"
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        return "no Java runtime (java on PATH or JAVA_HOME)"
    return None


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    missing = _spark_missing()
    if missing is not None:
        if os.environ.get("CUSTMDM_REQUIRE_SERVICES"):
            pytest.fail(f"Spark tests are required here (CUSTMDM_REQUIRE_SERVICES): {missing}")
        pytest.skip(missing)
    from custmdm.backends.spark import local_session

    session = local_session("local[2]", shuffle_partitions=4)
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()
