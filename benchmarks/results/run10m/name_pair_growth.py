"""Pairs a first + last name key (either order, lower-cased) builds within webshop.csv.

Run at 1M and 10M generator records; output in name_pair_growth.txt.
"""

import numpy as np
import pandas as pd

for folder in ("/work/main/benchmarks/data/gen_1m", "/tmp/gen10m"):
    frame = pd.read_csv(f"{folder}/webshop.csv", usecols=["first_name", "last_name"], dtype=str)
    first = frame["first_name"].str.lower().str.strip()
    last = frame["last_name"].str.lower().str.strip()
    both = (first.notna() & last.notna()).to_numpy()
    key = np.where(first < last, first + " " + last, last + " " + first)[both]
    blocks = pd.Series(key).value_counts().to_numpy().astype(np.int64)
    pairs = int((blocks * (blocks - 1) // 2).sum())
    print(folder, "rows", len(frame), "pairs", pairs, "largest block", int(blocks.max()))
