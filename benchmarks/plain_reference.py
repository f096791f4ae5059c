"""The goal's yardstick taken apart: a plain JAX ensemble beside nnjax's, timed in the same process.

    python benchmarks/plain_reference.py [--k 16] [--rounds 7] [--processes 3]

Issue #3 states its 0.3× goal after "a plain reference" on which 16 networks sharing one data stream cost
0.26× of one network each. This script writes such a reference out in ~30 lines of JAX and optax, with
nothing of nnjax's training code: the video's 784-16-16-10 sigmoid network, parameters stacked on a leading
member axis, ``jax.vmap`` of ``jax.grad`` and of the optimiser's update, one ``lax.scan`` over the epoch's
mini-batches of 32 with one shared shuffle, evaluation on the test images; no schedule, weight decay or
per-step metrics. Its variants:

- optimiser: ``adam`` (optax.adam, lr 0.01: nnjax's default optimiser) or ``sgd`` (lr 0.1);
- gather: each step indexes its 32 images (``step``: the plain form) or the epoch's images are gathered
  in batch order once before the loop (``epoch``: what nnjax does);
- placement: K = 16 on one device, or its members split over one device per core (as ``nnjax sweep`` does).

Next to them, nnjax's own programs (``train.compile_ensemble``, the default config, K = 1 and K = 16
placed as ``nnjax sweep`` places them). All programs are compiled first, then timed round-robin — one
epoch of each per round — in ``--processes`` fresh processes. Reported: each program's median epoch, and
K = 16 per member ÷ the K = 1 of its own kind (plain: same optimiser and gather) and ÷ nnjax's single run.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import optax  # noqa: E402
from ensemble_scaling import cpu_name, load_data, prepare, run_json_child, time_epoch  # noqa: E402 (splits the CPU first)

from nnjax.cli import OneLineParser, int_at_least, integer  # noqa: E402
from nnjax.data import Splits  # noqa: E402
from nnjax.parallel import usable_cores  # noqa: E402

SIZES = (784, 16, 16, 10)
BATCH = 32


def plain_program(k: int, optimizer: str, gather: str, split: bool, data: Splits) -> dict:
    """The plain K-member epoch, compiled; returns what ``time_epoch`` runs."""
    opt = optax.adam(0.01) if optimizer == "adam" else optax.sgd(0.1)
    x_train, y_train = jnp.asarray(data.x_train), jnp.asarray(data.y_train)
    x_test, y_test = jnp.asarray(data.x_test), jnp.asarray(data.y_test)
    n, steps = len(data.x_train), len(data.x_train) // BATCH

    def init(key):
        keys = jax.random.split(key, len(SIZES) - 1)
        return [
            (jax.random.normal(kk, (o, i)) * jnp.sqrt(2 / (i + o)), jnp.zeros(o))
            for kk, i, o in zip(keys, SIZES[:-1], SIZES[1:])
        ]

    def forward(params, a):  # a: [784, B] -> z: [10, B]; a' = σ(W a + b), the last layer's z unsquashed
        for i, (w, b) in enumerate(params):
            z = w @ a + b[:, None]
            a = jax.nn.sigmoid(z) if i < len(params) - 1 else z
        return z

    def loss(params, x, y):
        return optax.softmax_cross_entropy_with_integer_labels(forward(params, x).T, y).mean()

    def step(carry, batch):
        params, opt_state = carry
        grads = jax.vmap(jax.grad(loss), (0, None, None))(params, *batch)
        updates, opt_state = jax.vmap(opt.update)(grads, opt_state, params)
        return (optax.apply_updates(params, updates), opt_state), None

    def epoch(params, opt_state, key, x_train, y_train, x_test, y_test):
        order = jax.random.permutation(key, n)[: steps * BATCH].reshape(steps, BATCH)
        images = x_train[order] if gather == "epoch" else None

        def body(carry, i):
            x = images[i] if gather == "epoch" else x_train[order[i]]
            return step(carry, ((x.astype(jnp.float32) / 255).T, y_train[order[i]]))

        (params, opt_state), _ = jax.lax.scan(body, (params, opt_state), jnp.arange(steps))
        z = jax.vmap(forward, (0, None))(params, (x_test.astype(jnp.float32) / 255).T)
        return params, opt_state, (z.argmax(1) == y_test).mean(-1)

    params = jax.vmap(init)(jax.random.split(jax.random.key(0), k))
    opt_state = jax.vmap(opt.init)(params)
    arrays = (x_train, y_train, x_test, y_test)
    if split:  # members split over the devices; the data whole on each, placed once (as nnjax places it)
        mesh = jax.sharding.Mesh(np.array(jax.devices()), ("members",))
        on_members = jax.sharding.NamedSharding(mesh, jax.sharding.PartitionSpec("members"))
        params, opt_state = jax.tree.map(lambda t: jax.device_put(t, on_members) if t.ndim else t, (params, opt_state))
        arrays = jax.device_put(arrays, jax.sharding.NamedSharding(mesh, jax.sharding.PartitionSpec()))
    t0 = time.perf_counter()
    fn = jax.jit(epoch).lower(params, opt_state, jax.random.key(0), *arrays).compile()
    where = "one device" if not split else f"members over {len(jax.devices())} devices"
    return {
        "name": f"plain {optimizer}, {gather} gather",
        "kind": (optimizer, gather),
        "k": k,
        "where": where,
        "compile_s": time.perf_counter() - t0,
        "run": lambda e: fn(params, opt_state, jax.random.key(e), *arrays),
        "times": [],
    }


def measure(args: argparse.Namespace) -> list[dict]:
    """In this process: compile every program, time them round-robin; one row per program."""
    data = load_data("mnist")
    jobs = []
    for optimizer in ("adam", "sgd"):
        for gather in ("step", "epoch"):
            jobs.append(plain_program(1, optimizer, gather, False, data))
            jobs.append(plain_program(args.k, optimizer, gather, False, data))
            if len(jax.devices()) > 1:
                jobs.append(plain_program(args.k, optimizer, gather, True, data))
    for k in (1, args.k):
        job = prepare(k, "sweep", data, {})
        job.update(name="nnjax (default config)", kind="nnjax", run=None)
        jobs.append(job)
    for r in range(args.rounds + 1):  # round 0 untimed (first-call effects)
        for job in jobs:
            if job["run"] is None:
                time_epoch(job, r)
            else:
                t0 = time.perf_counter()
                jax.block_until_ready(job["run"](r))
                job["times"].append(time.perf_counter() - t0)
            if r == 0:
                job["times"].clear()
    singles = {job["kind"]: job for job in jobs if job["k"] == 1}
    nnjax_single = singles["nnjax"]
    return [
        {
            "name": job["name"],
            "k": job["k"],
            "where": job["where"],
            "epoch_s": statistics.median(job["times"]),
            "own": statistics.median(t / job["k"] / b for t, b in zip(job["times"], singles[job["kind"]]["times"])),
            "nnjax": statistics.median(t / job["k"] / b for t, b in zip(job["times"], nnjax_single["times"])),
        }
        for job in jobs
    ]


def parser() -> OneLineParser:
    """The script's argument parser (``main`` parses ``sys.argv`` with it)."""
    p = OneLineParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--k", type=integer, default=16, help="ensemble members")
    p.add_argument(
        "--rounds", type=int_at_least(1), default=7, help="timed epochs per program and process, interleaved"
    )
    p.add_argument(
        "--processes", type=int_at_least(1), default=3, help="fresh processes to measure in (medians over them)"
    )
    p.add_argument("--json", action="store_true", help=argparse.SUPPRESS)  # one process's rows (the parent reads them)
    return p


def main() -> None:
    p = parser()
    args = p.parse_args()
    if args.k < 2:
        p.error(f"--k {args.k}: an ensemble needs at least 2 members")
    if args.json or args.processes == 1:
        runs = [measure(args)]
        if args.json:
            import json

            print(json.dumps(runs[0]))
            return
    else:
        argv = ["--k", str(args.k), "--rounds", str(args.rounds), "--json"]
        runs = [run_json_child([sys.executable, __file__, *argv]) for _ in range(args.processes)]
    print(
        f"Video network 784-16-16-10, sigmoid, batch {BATCH}, real MNIST; {args.rounds} interleaved epochs per "
        f"program after compilation in each of {len(runs)} process(es); {len(jax.devices())} JAX CPU device(s), "
        f"{usable_cores()} cores ({cpu_name()}); jax {jax.__version__}.\n"
    )
    print("| program | K | placement | epoch (s) | per member ÷ its own K=1 | per member ÷ nnjax's K=1 |")
    print("|---|---|---|---|---|---|")
    for i, row in enumerate(runs[0]):
        rows = [run[i] for run in runs]
        med = {key: statistics.median(r[key] for r in rows) for key in ("epoch_s", "own", "nnjax")}
        each = ", ".join(f"{r['own']:.2f}" for r in rows)
        print(
            f"| {row['name']} | {row['k']} | {row['where']} | {med['epoch_s']:.3f} | "
            f"{med['own']:.3f}× ({each}) | {med['nnjax']:.3f}× |"
        )


if __name__ == "__main__":
    main()
