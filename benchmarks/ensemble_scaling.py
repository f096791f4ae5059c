"""What one more ensemble member costs: epoch time of K members of the video's network trained at once.

    python benchmarks/ensemble_scaling.py [--ks 1,4,16,64] [--rounds 7] [--processes 3]
                                          [--data mnist|synthetic] [--placement sweep|one-device|both]
                                          [--set F=V ...]

Each K is one compiled epoch program (``train.compile_epoch``: shuffle, lax.scan over the mini-batches,
evaluation on the 10,000 test images) with K members of the video config (seeds 0..K-1, same batch
size), placed as ``nnjax sweep`` places it: with one JAX CPU device per core (``split_cpu_cores``) the
members are split over the cores (``train.compile_ensemble``, padded to an even split), and K = 1 — a single
run — is one device. ``--placement one-device`` puts every K on one device instead (XLA's own threads
over both cores, the placement before ``split_cpu_cores``); ``both`` measures both.

Under ``taskset -c 0`` (one usable core) every K runs on one device on that core: the per-member cost of
the arithmetic itself, without any splitting (benchmarks/README.md, "The floor").

All programs are compiled first, then timed round-robin — one epoch of each per round, ``--rounds``
rounds — so a slow spell of a shared machine hits every K alike; all of that in ``--processes`` fresh
processes, because on the dev VM a process's single-run epoch is either ~0.065 s or ~0.095 s for its
whole life. Reported: per K the median over processes of the median epoch, and of the per-member
ratio to K = 1 within the process (itself the median over rounds of each round's ratio), with each
process's ratio and K = 1 epoch listed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time

import jax

from nnjax.parallel import split_cpu_cores, usable_cores

split_cpu_cores()  # before anything touches a device, as the sweep command does

import numpy as np  # noqa: E402

from nnjax.cli import OneLineParser, int_at_least, int_list  # noqa: E402
from nnjax.config import apply_overrides, validate  # noqa: E402
from nnjax.configs import video  # noqa: E402
from nnjax.data import Splits  # noqa: E402
from nnjax.errors import NnjaxError  # noqa: E402
from nnjax.train import compile_ensemble, epoch_key, init_state  # noqa: E402


def cpu_name() -> str:
    """The CPU model from /proc/cpuinfo (Linux), else platform.processor()."""
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def load_data(kind: str) -> Splits:
    """Real MNIST, or random arrays of the same shapes."""
    if kind == "mnist":
        from nnjax.data import load_splits

        return load_splits("mnist")
    rng = np.random.default_rng(0)
    x_tr, x_te = (rng.integers(0, 256, (n, 784), dtype=np.uint8) for n in (60_000, 10_000))
    y_tr, y_te = (rng.integers(0, 10, n).astype(np.int32) for n in (60_000, 10_000))
    return Splits(x_tr, y_tr, x_te, y_te, x_te, y_te, "test")


def prepare(k: int, placement: str, data: Splits, overrides: dict[str, str]) -> dict:
    """Compile the K-member epoch program under ``placement``; returns what ``time_epoch`` runs."""
    cfg = apply_overrides(video(), overrides)
    state = init_state([cfg.replace(seed=i) for i in range(k)], len(data.x_train))
    # "one-device": each mini-batch split over parallel.batch_devices(), one device on a core-split CPU
    compiled, state, arrays, compile_s, _, placed = compile_ensemble(
        cfg, data, state, 0, shard_members=None if placement == "sweep" else False
    )
    n = placed["n_devices"]
    where = "one device" if n == 1 else f"{'members' if placed['split'] == 'members' else 'batch'} over {n} devices"
    return {
        "k": k,
        "placement": placement,
        "where": where,
        "cfg": cfg,
        "fn": compiled,
        "state": state,
        "arrays": arrays,
        "compile_s": compile_s,
        "times": [],
    }


def time_epoch(job: dict, epoch: int) -> None:
    """Run one epoch of ``job`` and append its wall time."""
    t0 = time.perf_counter()
    out = job["fn"](job["state"], epoch_key(job["cfg"], epoch), *job["arrays"])
    jax.block_until_ready(out)
    job["times"].append(time.perf_counter() - t0)


def measure(args: argparse.Namespace) -> tuple[str, list[dict]]:
    """In this process: compile every (placement, K), time them round-robin; (header, rows)."""
    overrides = dict(item.split("=", 1) for item in args.set)
    ks = sorted({1, *args.ks})
    placements = ["sweep", "one-device"] if args.placement == "both" else [args.placement]
    data = load_data(args.data)
    jobs = [prepare(k, pl, data, overrides) for pl in placements for k in ks]
    base = next(j for j in jobs if j["k"] == 1)  # a single run: one member on one device
    for job in jobs:  # one untimed epoch each (first-call effects)
        time_epoch(job, 0)
        job["times"].clear()
    for r in range(args.rounds):
        for job in jobs:
            time_epoch(job, r + 1)
    header = (
        f"Video network 784-16-16-10{' with ' + ' '.join(args.set) if args.set else ''}, batch "
        f"{base['cfg'].batch_size}, {len(data.x_train):,} training images ({args.data}); {args.rounds} interleaved "
        f"epochs per K after compilation in each of {args.processes} process(es); {jax.devices()[0].platform}, "
        f"{len(jax.devices())} JAX device(s), {usable_cores()} of {os.cpu_count()} CPU cores usable "
        f"({cpu_name()}); jax {jax.__version__}."
    )
    rows = [
        {
            "k": job["k"],
            "where": job["where"],
            "compile_s": job["compile_s"],
            "epoch_s": statistics.median(job["times"]),
            "ratio": statistics.median(t / job["k"] / b for t, b in zip(job["times"], base["times"])),
        }
        for job in jobs
        if job["k"] > 1 or job is base
    ]
    return header, rows


def run_json_child(cmd: list[str]) -> dict:
    """The last stdout line of ``cmd`` as JSON; a child that fails ends this script with its own error output.
    The child compiles its programs: ``JAX_COMPILATION_CACHE_DIR`` is not passed on (as compare.py's children),
    so its compile column is never a load from JAX's persistent cache."""
    env = {k: v for k, v in os.environ.items() if k != "JAX_COMPILATION_CACHE_DIR"}
    out = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if out.returncode != 0:
        sys.exit(f"{' '.join(cmd[1:])} failed (exit {out.returncode}):\n{out.stderr.strip()}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def parser() -> OneLineParser:
    """The script's argument parser (``main`` parses ``sys.argv`` with it)."""
    p = OneLineParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--ks", type=int_list(1), default="1,4,16,64", help="ensemble sizes K (comma-separated)")
    p.add_argument("--rounds", type=int_at_least(1), default=7, help="timed epochs per K and process, interleaved")
    p.add_argument(
        "--processes", type=int_at_least(1), default=3, help="fresh processes to measure in (medians over them)"
    )
    p.add_argument("--data", choices=("mnist", "synthetic"), default="mnist", help="real MNIST or random arrays")
    p.add_argument(
        "--placement",
        choices=("sweep", "one-device", "both"),
        default="sweep",
        help="members split over the cores as nnjax sweep does, all on one device, or both",
    )
    p.add_argument("--set", nargs="*", default=[], metavar="FIELD=VALUE", help="config overrides, e.g. optimizer=sgd")
    p.add_argument("--json", action="store_true", help=argparse.SUPPRESS)  # one process's rows (the parent reads them)
    return p


def main() -> None:
    p = parser()
    args = p.parse_args()
    bad = [item for item in args.set if "=" not in item]
    if bad:
        p.error(f"--set {bad[0]!r}: expected FIELD=VALUE")
    try:  # a bad value: one line here, not a traceback from each child
        validate(apply_overrides(video(), dict(item.split("=", 1) for item in args.set)))
    except NnjaxError as e:
        p.error(f"--set: {e}")
    if args.json or args.processes == 1:
        header, rows = measure(args)
        runs = [rows]
        if args.json:
            print(json.dumps({"header": header, "rows": rows}))
            return
    else:
        argv = ["--ks", ",".join(map(str, args.ks)), "--rounds", str(args.rounds), "--processes", str(args.processes)]
        argv += ["--data", args.data, "--placement", args.placement]
        argv += ["--set", *args.set, "--json"] if args.set else ["--json"]
        runs = []
        for _ in range(args.processes):
            got = run_json_child([sys.executable, __file__, *argv])
            header, rows = got["header"], got["rows"]
            runs.append(rows)
    print(header + "\n")
    print(
        "| K | placement | compile (s) | epoch, whole ensemble (s) | epoch per member (s) | per member ÷ K=1 "
        "| ÷ K=1 in each process |"
    )
    print("|---|---|---|---|---|---|---|")
    for i, row in enumerate(runs[0]):
        per_process = [rows[i] for rows in runs]
        epoch = statistics.median(r["epoch_s"] for r in per_process)
        print(
            f"| {row['k']} | {row['where']} | {statistics.median(r['compile_s'] for r in per_process):.2f} | "
            f"{epoch:.3f} | {epoch / row['k']:.4f} | {statistics.median(r['ratio'] for r in per_process):.3f}× | "
            + ", ".join(f"{r['ratio']:.3f}" for r in per_process)
            + " |"
        )
    print(
        "\nA single run's epoch (K = 1) in each process: "
        + ", ".join(f"{rows[0]['epoch_s']:.3f} s" for rows in runs)
        + ". The ratios are taken within each process (its K = 1), then the median over processes."
    )


if __name__ == "__main__":
    main()
