"""Phase 3 (validation only): refine adam + L2 weight decay for the 16-16 net on seeds 0,1,2.

usage: python p3_refine.py sigmoid|relu
"""

from harness import pick, run_group, summarize

from nnjax.config import Config

(act,) = pick(__doc__, ("sigmoid", "relu"))
seeds = (0, 1, 2)
B = Config(activation=act, validation=True, optimizer="adam", batch_size=32, epochs=30, schedule="cosine")


def grid(base, **axes):
    out = [base]
    for k, vs in axes.items():
        out = [c.replace(**{k: v}) for c in out for v in vs]
    return out


rows = []
if act == "sigmoid":
    rows += run_group("p3_sigmoid", grid(B, lr=(0.005, 0.01, 0.02), weight_decay=(3e-5, 1e-4, 2e-4, 4e-4), seed=seeds))
    rows += run_group("p3_sigmoid", grid(B.replace(epochs=60), lr=(0.01,), weight_decay=(1e-4, 2e-4), seed=seeds))
    rows += run_group(
        "p3_sigmoid", grid(B.replace(batch_size=64), lr=(0.01, 0.02), weight_decay=(1e-4, 2e-4), seed=seeds)
    )
    rows += run_group(
        "p3_sigmoid", grid(B.replace(optimizer="momentum"), lr=(0.03, 0.1), weight_decay=(1e-4, 3e-4), seed=seeds)
    )
else:
    for std in (False, True):
        rows += run_group(
            "p3_relu",
            grid(
                B.replace(standardize=std), lr=(0.001, 0.002, 0.003, 0.005), weight_decay=(1e-4, 3e-4, 1e-3), seed=seeds
            ),
        )
    rows += run_group("p3_relu", grid(B.replace(epochs=60), lr=(0.002, 0.003), weight_decay=(1e-4, 3e-4), seed=seeds))
    rows += run_group(
        "p3_relu", grid(B.replace(optimizer="sgd"), lr=(0.05, 0.1), weight_decay=(1e-4, 3e-4), seed=seeds)
    )
print("summary (mean over seeds 0,1,2)")
summarize(rows, ["optimizer", "standardize", "batch_size", "epochs", "lr", "weight_decay"])
