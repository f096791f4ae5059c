"""The last levers tried for issue #3's K = 16 goal, each against the stock program in the same process.

    python benchmarks/adam_variants.py [--rounds 9] [--processes 2]

Variants of the video config, each compiled for K = 1 and K = 16 (placed as ``nnjax sweep`` places them):

- ``stock``: nnjax as shipped (``scan_unroll`` 1, ``optax.scale_by_adam``);
- ``recip``: Adam's two bias corrections applied as multiplications by reciprocals (one scalar division
  per step instead of two per weight; not bit-equal to optax's Adam);
- ``…+no-norm``: and no per-step gradient-norm metric (``optax.tree.norm``, which ``train.make_epoch`` calls
  for it, returns 0, which also zeroes the once-per-epoch ``param_norm``);
- ``unroll2+…``: and the epoch loop unrolled 2× (``scan_unroll=2``).

The changes are patched in only while their programs are traced; nothing in ``nnjax`` is changed. All ten
programs are compiled first, then timed round-robin (one epoch of each per round), in ``--processes`` fresh
processes. Reported per variant: its K = 16 epoch and the per-member ratio against the *stock* single run of
the same process (the goal's yardstick) and against the variant's own single run.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import sys
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import optax  # noqa: E402
from ensemble_scaling import cpu_name, load_data, prepare, run_json_child, time_epoch  # noqa: E402 (splits the CPU first)

from nnjax.cli import OneLineParser, int_at_least  # noqa: E402

VARIANTS = ("stock", "recip", "recip+no-norm", "unroll2+recip", "unroll2+recip+no-norm")


def scale_by_adam_reciprocal(
    b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8, eps_root: float = 0.0, **_: object
) -> optax.GradientTransformation:
    """``optax.scale_by_adam`` with the bias corrections as multiplications by 1 / (1 - β^t)."""

    def init(params):
        zeros = jax.tree.map(jnp.zeros_like, params)
        return optax.ScaleByAdamState(count=jnp.zeros([], jnp.int32), mu=zeros, nu=jax.tree.map(jnp.zeros_like, params))

    def update(updates, state, params=None):
        mu = jax.tree.map(lambda g, m: (1 - b1) * g + b1 * m, updates, state.mu)
        nu = jax.tree.map(lambda g, v: (1 - b2) * g * g + b2 * v, updates, state.nu)
        count = optax.safe_increment(state.count)
        r1 = 1 / (1 - jnp.asarray(b1, jnp.float32) ** count)
        r2 = 1 / (1 - jnp.asarray(b2, jnp.float32) ** count)
        new = jax.tree.map(lambda m, v: (m * r1) / (jnp.sqrt(v * r2 + eps_root) + eps), mu, nu)
        return new, optax.ScaleByAdamState(count=count, mu=mu, nu=nu)

    return optax.GradientTransformation(init, update)


@contextlib.contextmanager
def patched(variant: str) -> Iterator[None]:
    """The variant's changes, in force while its programs are traced and compiled."""
    saved = optax.scale_by_adam, optax.tree.norm
    if "recip" in variant:
        optax.scale_by_adam = scale_by_adam_reciprocal
    if variant.endswith("no-norm"):
        optax.tree.norm = lambda tree: jnp.zeros((), jnp.float32)
    try:
        yield
    finally:
        optax.scale_by_adam, optax.tree.norm = saved


def measure(rounds: int) -> dict:
    """In this process: compile every (variant, K), time them round-robin; per-variant figures."""
    data = load_data("mnist")
    jobs = {}
    for variant in VARIANTS:
        overrides = {"scan_unroll": "2"} if variant.startswith("unroll2") else {}
        with patched(variant):
            for k in (1, 16):
                jobs[variant, k] = prepare(k, "sweep", data, overrides)
    for job in jobs.values():  # one untimed epoch each (first-call effects)
        time_epoch(job, 0)
        job["times"].clear()
    for r in range(rounds):
        for job in jobs.values():
            time_epoch(job, r + 1)
    stock_1 = statistics.median(jobs["stock", 1]["times"])
    out = {}
    for variant in VARIANTS:
        e1, e16 = (statistics.median(jobs[variant, k]["times"]) for k in (1, 16))
        out[variant] = {"k1_s": e1, "k16_s": e16, "vs_stock": e16 / 16 / stock_1, "vs_own": e16 / 16 / e1}
    return out


def parser() -> OneLineParser:
    """The script's argument parser (``main`` parses ``sys.argv`` with it)."""
    p = OneLineParser(description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--rounds", type=int_at_least(1), default=9, help="timed epochs per program and process, interleaved"
    )
    p.add_argument("--processes", type=int_at_least(1), default=2, help="fresh processes to measure in")
    p.add_argument("--json", action="store_true", help=argparse.SUPPRESS)  # one process's figures
    return p


def main() -> None:
    p = parser()
    args = p.parse_args()
    if args.json:
        print(json.dumps(measure(args.rounds)))
        return
    runs = []
    for _ in range(args.processes):
        cmd = [sys.executable, __file__, "--rounds", str(args.rounds), "--json"]
        runs.append(run_json_child(cmd))
    print(
        f"Video network 784-16-16-10, K = 16 placed as `nnjax sweep` places it; {args.rounds} interleaved epochs "
        f"per program in each of {args.processes} fresh process(es); {cpu_name()}; jax {jax.__version__}.\n"
    )
    head = " | ".join(f"process {i + 1}" for i in range(len(runs)))
    print(f"| variant: K = 16 epoch; ÷ stock K = 1; ÷ own K = 1 | {head} |")
    print("|---|" + "---:|" * len(runs))
    for variant in VARIANTS:
        cells = [
            f"{r[variant]['k16_s']:.3f} s; {r[variant]['vs_stock']:.2f}×; {r[variant]['vs_own']:.2f}×" for r in runs
        ]
        print(f"| {variant} | " + " | ".join(cells) + " |")
    print(
        "\nK = 1 epoch per variant and process: "
        + "; ".join(", ".join(f"{v} {r[v]['k1_s']:.3f} s" for v in VARIANTS) for r in runs)
    )


if __name__ == "__main__":
    main()
