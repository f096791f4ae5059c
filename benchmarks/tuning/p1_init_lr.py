"""Phase 1 (validation only): init x standardize x lr for the 16-16 net, adam + cosine, bs 32, 30 epochs.

usage: python p1_init_lr.py sigmoid|relu
"""

from harness import pick, run_group, summarize

from nnjax.config import Config

(act,) = pick(__doc__, ("sigmoid", "relu"))
rows = []
for init in ("glorot", "lecun", "he", "standard_normal"):
    for std in (False, True):
        base = Config(
            activation=act,
            init=init,
            standardize=std,
            validation=True,
            optimizer="adam",
            schedule="cosine",
            batch_size=32,
            epochs=30,
        )
        lrs = (0.001, 0.003, 0.01, 0.03)
        rows += run_group(f"p1_{act}", [base.replace(lr=lr, seed=s) for lr in lrs for s in (0, 1)])
print("summary (mean over seeds 0,1)")
summarize(rows, ["init", "standardize", "lr"])
