"""Quick timing probe: how long an epoch of the 16-16 net takes for various ensemble sizes."""

from harness import pick, run_group

from nnjax.config import Config

pick(__doc__)

for K in (1, 12):
    base = Config(epochs=3, validation=True)
    run_group(f"probe_K{K}", [base.replace(seed=i) for i in range(K)])
