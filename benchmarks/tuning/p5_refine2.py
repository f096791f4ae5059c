"""Phase 5 (validation only): second refinement on seeds 0,1,2 (edges of the phase-3 grids) + wide.

usage: python p5_refine2.py sigmoid|relu|wide
"""

from harness import pick, run_group, summarize, wide_base

from nnjax.config import Config

(which,) = pick(__doc__, ("sigmoid", "relu", "wide"))
seeds = (0, 1, 2)


def grid(base, **axes):
    out = [base]
    for k, vs in axes.items():
        out = [c.replace(**{k: v}) for c in out for v in vs]
    return out


rows = []
if which == "sigmoid":
    B = Config(validation=True, optimizer="adam", batch_size=32, schedule="cosine")
    for ep in (60, 100):
        rows += run_group(
            "p5_sigmoid", grid(B.replace(epochs=ep), lr=(0.01, 0.02), weight_decay=(2e-4, 3e-4), seed=seeds)
        )
    rows += run_group(
        "p5_sigmoid",
        grid(B.replace(epochs=60, standardize=True), lr=(0.005, 0.01), weight_decay=(2e-4, 5e-4), seed=seeds),
    )
    keys = ["standardize", "epochs", "lr", "weight_decay"]
elif which == "relu":
    B = Config(activation="relu", validation=True, optimizer="adam", batch_size=32, schedule="cosine", standardize=True)
    rows += run_group(
        "p5_relu", grid(B.replace(epochs=30), lr=(0.003, 0.005, 0.01), weight_decay=(1e-3, 2e-3, 3e-3), seed=seeds)
    )
    rows += run_group("p5_relu", grid(B.replace(epochs=60), lr=(0.003, 0.005), weight_decay=(1e-3, 2e-3), seed=seeds))
    keys = ["standardize", "epochs", "lr", "weight_decay"]
else:
    for hidden, epochs in (((128, 128), 20), ((256, 256), 10)):
        B = wide_base(hidden, epochs)
        for std in (False, True):
            rows += run_group(
                "p5_wide", grid(B.replace(standardize=std), lr=(0.003, 0.005), weight_decay=(0.0, 1e-4), seed=(0, 1))
            )
    keys = ["hidden", "standardize", "epochs", "lr", "weight_decay"]
print("summary (mean over seeds)")
summarize(rows, keys)
