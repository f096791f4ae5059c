"""Wide relu MLP (validation only): width x epochs x lr, adam + cosine, batch 128, seeds 0,1."""

from harness import pick, run_group, summarize, wide_base

pick(__doc__)

rows = []
for hidden, epochs in (((128, 128), 20), ((256, 256), 10), ((256, 256), 20), ((512, 512), 10)):
    B = wide_base(hidden, epochs)
    rows += run_group("pw", [B.replace(lr=lr, seed=s) for lr in (0.001, 0.003) for s in (0, 1)])
print("summary (mean over seeds 0,1)")
summarize(rows, ["hidden", "epochs", "lr", "weight_decay"])
