"""Phase 2 (validation only): optimizer, weight decay, batch size, epochs for the 16-16 net.

usage: python p2_optim.py sigmoid|relu      (init 'auto', standardize False)
"""

from harness import pick, run_group, summarize

from nnjax.config import Config

(act,) = pick(__doc__, ("sigmoid", "relu"))
lo = {"sigmoid": (0.003, 0.01), "relu": (0.001, 0.003)}[act]  # adam lrs from phase 1
seeds = (0, 1)
B = Config(activation=act, validation=True, batch_size=32, epochs=30, schedule="cosine")


def grid(base, **axes):
    out = [base]
    for k, vs in axes.items():
        out = [c.replace(**{k: v}) for c in out for v in vs]
    return out


rows = []
# A: adamw (decoupled wd)
rows += run_group(
    f"p2A_{act}", grid(B.replace(optimizer="adamw"), lr=lo, weight_decay=(0.0, 0.01, 0.03, 0.1, 0.3), seed=seeds)
)
# B: adam + L2
rows += run_group(f"p2B_{act}", grid(B.replace(optimizer="adam"), lr=lo, weight_decay=(1e-5, 1e-4, 1e-3), seed=seeds))
# C: sgd and momentum
rows += run_group(f"p2C_{act}", grid(B.replace(optimizer="sgd"), lr=(0.1, 0.3, 1.0), seed=seeds))
rows += run_group(f"p2C_{act}", grid(B.replace(optimizer="momentum"), lr=(0.01, 0.03, 0.1), seed=seeds))
# D: batch size (adam, same epochs)
for bs, lrs in ((10, (lo[0] / 3, lo[0])), (64, lo), (128, (lo[0], lo[1], lo[1] * 3))):
    rows += run_group(f"p2D_{act}", grid(B.replace(batch_size=bs), lr=lrs, seed=seeds))
# E: longer (adam, bs32, 60 epochs)
rows += run_group(f"p2E_{act}", grid(B.replace(epochs=60), lr=(lo[0] / 3, *lo), seed=seeds))
print("summary (mean over seeds 0,1)")
summarize(rows, ["optimizer", "batch_size", "epochs", "lr", "weight_decay"])
