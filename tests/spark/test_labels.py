"""The Spark engine says how to use labelled pairs instead of ignoring them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from custmdm.exceptions import ConfigError
from custmdm.pipeline import Resolver


def test_spark_engine_refuses_labels_and_says_what_to_do(spark: Any, company_2k_dir: Path) -> None:
    labels = pd.DataFrame(
        {
            "left_source": ["billing"],
            "left_record_id": ["A"],
            "right_source": ["billing"],
            "right_record_id": ["B"],
            "match": ["yes"],
        }
    )
    resolver = Resolver(company_2k_dir, engine="spark", spark=spark, labelled_pairs=labels)
    with pytest.raises(ConfigError, match=r"model\.json"):
        resolver.run()
