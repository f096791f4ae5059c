"""What one more ensemble member costs: epoch time of K members of the video's network trained at once.

    python benchmarks/ensemble_scaling.py [--ks 1,4,16,64] [--epochs 3] [--data mnist|synthetic] [--set F=V ...]

For each K: one compiled epoch program (``train.make_epoch``: shuffle, lax.scan over the mini-batches,
evaluation on the 10,000 test images) with K members of the video config (seeds 0..K-1, same batch
size), compiled once, then ``--epochs`` timed epochs; the median is reported. Prints a Markdown table:
ensemble epoch time, time per member, and per member relative to K = 1 (a single run's epoch).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

import jax
import numpy as np

from nnjax.config import apply_overrides
from nnjax.configs import video
from nnjax.train import epoch_key, init_state, make_epoch, to_device


def cpu_name() -> str:
    """The CPU model from /proc/cpuinfo (Linux), else platform.processor()."""
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def load_data(kind: str):
    """(x_train, y_train, x_test, y_test): real MNIST, or random arrays of the same shapes."""
    if kind == "mnist":
        from nnjax.data import load_splits

        s = load_splits("mnist")
        return s.x_train, s.y_train, s.x_test, s.y_test
    rng = np.random.default_rng(0)
    return (
        rng.integers(0, 256, (60_000, 784), dtype=np.uint8),
        rng.integers(0, 10, 60_000).astype(np.int32),
        rng.integers(0, 256, (10_000, 784), dtype=np.uint8),
        rng.integers(0, 10, 10_000).astype(np.int32),
    )


def time_ensemble(k: int, epochs: int, data, overrides: dict[str, str]) -> dict[str, float]:
    """Compile time and median epoch time (s) of a K-member ensemble of the video network."""
    cfg = apply_overrides(video(), overrides)
    n_train = len(data[0])
    state = init_state([cfg.replace(seed=i) for i in range(k)], n_train)
    arrays = to_device(*data)
    t0 = time.perf_counter()
    step = make_epoch(cfg, n_train).lower(state, epoch_key(cfg, 0), *arrays).compile()
    compile_s = time.perf_counter() - t0
    times = []
    for e in range(epochs):
        t0 = time.perf_counter()
        state, m = step(state, epoch_key(cfg, e), *arrays)
        jax.block_until_ready((state, m))
        times.append(time.perf_counter() - t0)
    return {"k": k, "compile_s": compile_s, "epoch_s": statistics.median(times), "batch_size": cfg.batch_size}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--ks", default="1,4,16,64", help="ensemble sizes K (comma-separated)")
    p.add_argument("--epochs", type=int, default=3, help="timed epochs per K (median reported)")
    p.add_argument("--data", choices=("mnist", "synthetic"), default="mnist", help="real MNIST or random arrays")
    p.add_argument(
        "--set",
        nargs="*",
        default=[],
        metavar="FIELD=VALUE",
        help="config overrides, e.g. batch_size=128 optimizer=sgd",
    )
    args = p.parse_args()
    overrides = dict(item.split("=", 1) for item in args.set)
    data = load_data(args.data)
    rows = [time_ensemble(int(k), args.epochs, data, overrides) for k in args.ks.split(",")]
    ref = next((r for r in rows if r["k"] == 1), rows[0])  # a single run's epoch
    base = ref["epoch_s"] / ref["k"]
    device = jax.devices()[0]
    print(
        f"Video network 784-16-16-10{' with ' + ' '.join(args.set) if args.set else ''}, "
        f"batch {rows[0]['batch_size']}, {len(data[0]):,} training images "
        f"({args.data}), median of {args.epochs} epochs after compilation; "
        f"{device.platform} {device.device_kind}, {os.cpu_count()} CPU cores visible ({cpu_name()}).\n"
    )
    print(f"| K | compile (s) | epoch, whole ensemble (s) | epoch per member (s) | per member ÷ K={ref['k']} |")
    print("|---|---|---|---|---|")
    for r in rows:
        per = r["epoch_s"] / r["k"]
        print(f"| {r['k']} | {r['compile_s']:.2f} | {r['epoch_s']:.3f} | {per:.4f} | {per / base:.3f}× |")


if __name__ == "__main__":
    main()
