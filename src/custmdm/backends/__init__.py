"""Engines that move data; the algorithms live in the stage modules and exist once.

``local`` (the default) runs in-process with numpy/pandas. ``spark`` runs the same
stage functions on Apache Spark and needs the optional extra ``custmdm[spark]``.
"""

from __future__ import annotations

import importlib
from types import ModuleType


def load_spark_backend() -> ModuleType:
    """The Spark backend module, or an ImportError that says how to install it."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        msg = 'The Spark engine needs PySpark: pip install "custmdm[spark]"'
        raise ImportError(msg) from None
    return importlib.import_module("custmdm.backends.spark")
