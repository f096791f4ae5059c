"""Phase 6 (validation only): which init trains best, at the chosen recipe, seeds 0-4.

usage: python p6_init.py sigmoid|relu
"""

from harness import pick, run_group, summarize
from recipes import RECIPES

(act,) = pick(__doc__, ("sigmoid", "relu"))
base = RECIPES["video" if act == "sigmoid" else "video_relu"].replace(validation=True)
rows = []
for init in ("glorot", "lecun", "he", "standard_normal"):
    rows += run_group(f"p6_{act}", [base.replace(init=init, seed=s) for s in range(5)])
print("summary (mean over seeds 0-4)")
summarize(rows, ["init"])
