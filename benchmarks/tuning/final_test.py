"""Final check: each chosen recipe (selected on validation) trained ONCE on the full 60k training
images, evaluated on the test set, seeds 0,1,2, each seed as its own single-member run (K=1), so the
epoch time is that of a plain run. Run only after selection; results are not used for tuning.

usage: python final_test.py [video video_relu wide]
"""

import json

import numpy as np
from harness import pick, run_group
from recipes import RECIPES

names = pick(__doc__, tuple(RECIPES), many=True)
for name in names:
    accs, times = [], []
    for seed in (0, 1, 2):
        (row,) = run_group(f"final_{name}", [RECIPES[name].replace(validation=False, seed=seed)])
        accs.append(row["final"])
        times.append(row["epoch_s_ensemble"])
    a = np.array(accs) * 100
    print(
        json.dumps(
            {
                "config": name,
                "test_mean": round(a.mean(), 2),
                "test_min": round(a.min(), 2),
                "test_max": round(a.max(), 2),
                "per_seed": [round(x, 2) for x in a],
                "epoch_s": round(float(np.median(times)), 3),
            }
        ),
        flush=True,
    )
