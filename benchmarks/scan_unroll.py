"""Epoch time against the epoch loop's unroll (config field ``scan_unroll``), and XLA flag variants.

    python benchmarks/scan_unroll.py                                  # video and wide 1024, unroll 1 2 4 8 16
    python benchmarks/scan_unroll.py --runs wide1024 --unrolls 1,8 --epochs 5 \\
        --xla cmdbuf_off=--xla_gpu_enable_command_buffer=

Each (run, XLA variant, unroll) trains in its own process through ``nnjax train`` (the real entry point)
and reports run.py's compile time, median epoch time and final test accuracy, as a Markdown table with
the device. An accelerator pays a fixed cost per iteration of the epoch's ``lax.scan`` (launching the
step's kernels, the loop's own bookkeeping); unrolling the loop shares it among several mini-batch steps.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from nnjax.cli import OneLineParser, int_list, integer, name_list, positive_float
from nnjax.config import MAX_UNROLL

ROOT = Path(__file__).resolve().parent.parent
RUNS = {
    "video": ["--config", "video"],
    "video_relu": ["--config", "video_relu"],
    "wide": ["--config", "wide"],
    "wide1024": ["--config", "wide", "--hidden", "1024,1024"],
}


def xla_variant(text: str) -> tuple[str, str]:
    """``--xla NAME=FLAGS`` (an argparse ``type``): (NAME, FLAGS); anything else is a usage error."""
    name, eq, flags = text.partition("=")
    if not eq or not name:
        raise argparse.ArgumentTypeError(
            f"{text!r}: expected NAME=FLAGS, e.g. cmdbuf_off=--xla_gpu_enable_command_buffer="
        )
    if name == "default":
        raise argparse.ArgumentTypeError(f"{text!r}: 'default' names the run without extra flags; choose another NAME")
    return name, flags


def parser() -> OneLineParser:
    """The script's argument parser."""
    p = OneLineParser(description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--runs",
        type=name_list(RUNS, "run"),
        default="video,wide1024",
        help="comma-separated subset of " + ",".join(RUNS),
    )
    p.add_argument(
        "--unrolls",
        type=int_list(0, MAX_UNROLL, distinct=True),
        default="1,2,4,8,16",
        help=f"scan_unroll values, 0 (auto) to {MAX_UNROLL} [1,2,4,8,16]",
    )
    p.add_argument("--epochs", type=integer, default=10, help="epochs per process; the median is of epochs 2.. [10]")
    p.add_argument(
        "--xla",
        action="append",
        type=xla_variant,
        default=[],
        metavar="NAME=FLAGS",
        help="an extra XLA_FLAGS variant (repeatable)",
    )
    p.add_argument("--timeout", type=positive_float, default=300, help="seconds allowed per process [300]")
    return p


def main(argv: list[str] | None = None) -> int:
    p = parser()
    args = p.parse_args(argv)
    runs, unrolls = args.runs, args.unrolls
    if args.epochs < 2:
        p.error("--epochs must be at least 2: the median is of epochs 2..")
    variants = {"default": os.environ.get("XLA_FLAGS", "")}
    for name, flags in args.xla:
        if name in variants:
            p.error(f"--xla: variant {name!r} is named twice")
        variants[name] = f"{variants['default']} {flags}".strip()

    # Asked in a child: JAX in this process would hold the accelerator (and most of its memory) meanwhile.
    probe = (  # as nnjax train sees them: on a CPU, one device per core (a single run uses the first)
        "from nnjax.parallel import split_cpu_cores; split_cpu_cores(); import jax; "
        "print(f'{jax.device_count()} × {jax.devices()[0].device_kind}, jax {jax.__version__}')"
    )
    device = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.strip()
    print(
        f"Epoch loop unroll on {device}; {args.epochs} epochs per process; "
        f"`python benchmarks/scan_unroll.py {' '.join(sys.argv[1:] if argv is None else argv)}`\n"
    )
    print(
        "| run | XLA variant | scan_unroll | compile s | median epoch s | epoch ÷ steps (ms) | test accuracy | wall s |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|", flush=True)
    with tempfile.TemporaryDirectory(prefix="nnjax-unroll-") as tmp:
        for run in runs:
            for variant, flags in variants.items():
                for u in unrolls:
                    out = Path(tmp) / f"{run}-{variant}-{u}"
                    cmd = [
                        sys.executable,
                        "-m",
                        "nnjax.cli",
                        "train",
                        *RUNS[run],
                        "--scan-unroll",
                        str(u),
                        "--epochs",
                        str(args.epochs),
                        "--checkpoint-every",
                        "0",
                        "--out",
                        str(out),
                        "--json",
                        "--no-progress",
                    ]
                    # compile_s is a compile: no JAX_COMPILATION_CACHE_DIR (as compare.py's children)
                    env = {k: v for k, v in os.environ.items() if k != "JAX_COMPILATION_CACHE_DIR"}
                    env.update(XLA_FLAGS=flags, PYTHONPATH=str(ROOT))
                    t0 = time.perf_counter()
                    try:
                        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=args.timeout)
                        rc = proc.returncode
                    except subprocess.TimeoutExpired:
                        rc, proc = "timeout", None
                    wall = time.perf_counter() - t0
                    if rc != 0:
                        why = proc.stderr.strip().splitlines()[-1][:120] if proc and proc.stderr.strip() else rc
                        print(f"| {run} | {variant} | {u} | failed: {why} | | | | {wall:.0f} |", flush=True)
                        continue
                    r = json.loads(proc.stdout)
                    cfg = json.loads((out / "config.json").read_text())
                    steps = 60000 // cfg["batch_size"]
                    # steady state: epoch 1 carries first-call costs (as compare.py: epochs 2..)
                    epoch_s = [json.loads(line)["epoch_s"] for line in (out / "metrics.jsonl").read_text().splitlines()]
                    median = statistics.median(epoch_s[1:])
                    print(
                        f"| {run} | {variant} | {u} | {r['compile_s']:.2f} | {median:.4f} "
                        f"| {1000 * median / steps:.4f} | {100 * r['test_accuracy']:.2f} % "
                        f"| {wall:.0f} |",
                        flush=True,
                    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
