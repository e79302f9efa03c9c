"""Spearman with the truth of a strengths CSV (item,strength), and for an annotators CSV the
flag counts per true kind. python3 score.py DATA_DIR STRENGTHS.csv [ANNOTATORS.csv]"""
import json, sys
import pandas as pd
from scipy.stats import spearmanr
truth = pd.read_csv(f"{sys.argv[1]}/truth.csv", dtype={"item": str}).set_index("item")["strength"]
fit = pd.read_csv(sys.argv[2], dtype={"item": str}).set_index("item")["strength"].reindex(truth.index)
out = {"spearman": float(spearmanr(fit.values, truth.values).statistic)}
if len(sys.argv) > 3:
    kinds = pd.read_csv(f"{sys.argv[1]}/annotators_truth.csv", dtype={"annotator": str}).set_index("annotator")["kind"]
    flags = pd.read_csv(sys.argv[3], dtype={"annotator": str}).set_index("annotator")["flag"]
    table = pd.crosstab(kinds, flags.reindex(kinds.index))
    out["flags_by_kind"] = {k: {f: int(v) for f, v in row.items() if v} for k, row in table.iterrows()}
print(json.dumps(out))
