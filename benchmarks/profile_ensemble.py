"""Where a K-member ensemble's epoch goes: the XLA operations of one traced epoch, by total time.

    python benchmarks/profile_ensemble.py [--k 16] [--top 25] [--placement sweep|one-device]
    python benchmarks/profile_ensemble.py --config wide --set hidden=1024,1024 --k 1   # any config, K = 1 too

Compiles the K-member epoch of the video network (or ``--config``) placed as ``nnjax sweep`` places it (members split
over one JAX CPU device per core) or on one device, runs one epoch, then traces a second with
``jax.profiler`` and sums each XLA operation's time over the steps (and devices). Each row names the
operation and what it computes (its shape and the jax op it came from, from the compiled HLO), so the
matrix products, the optimiser's fusions and the metrics can be told apart. Times include the
tracer's own overhead: compare rows with each other, not with untraced epochs. Trace events that are
no operation of the HLO (on a GPU: the kernels, cuBLAS's among them, and the runtime's own work) are
listed after, by name, so an accelerator's step can be taken apart too.
"""

from __future__ import annotations

import collections
import gzip
import json
import re
import tempfile
from pathlib import Path

import jax

from nnjax.parallel import split_cpu_cores

split_cpu_cores()

from nnjax.cli import OneLineParser, int_at_least  # noqa: E402
from nnjax.config import apply_overrides, validate  # noqa: E402
from nnjax.configs import CONFIGS, get_config  # noqa: E402
from nnjax.data import load_splits  # noqa: E402
from nnjax.errors import NnjaxError  # noqa: E402
from nnjax.train import compile_ensemble, epoch_key, init_state  # noqa: E402


def parser() -> OneLineParser:
    """The script's argument parser (``main`` parses ``sys.argv`` with it)."""
    p = OneLineParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--k", type=int_at_least(1), default=16, help="ensemble members")
    p.add_argument("--top", type=int_at_least(1), default=25, help="operations to list")
    p.add_argument("--placement", choices=("sweep", "one-device"), default="sweep")
    p.add_argument("--config", default="video", choices=sorted(CONFIGS), help="named config [video]")
    p.add_argument("--set", nargs="*", default=[], metavar="FIELD=VALUE", help="config overrides")
    return p


def main() -> None:
    p = parser()
    args = p.parse_args()
    bad = [item for item in args.set if "=" not in item]
    if bad:
        p.error(f"--set {bad[0]!r}: expected FIELD=VALUE")
    try:  # a bad value: one line, before the data is loaded
        cfg = validate(apply_overrides(get_config(args.config), dict(item.split("=", 1) for item in args.set)))
    except NnjaxError as e:
        p.error(f"--set: {e}")
    splits = load_splits("mnist")
    state = init_state([cfg.replace(seed=i) for i in range(args.k)], len(splits.x_train))
    compiled, state, data, _, _, placed = compile_ensemble(
        cfg, splits, state, 0, shard_members=None if args.placement == "sweep" else False
    )
    jax.block_until_ready(compiled(state, epoch_key(cfg, 0), *data))
    # What each operation is: "name = shape op(...), ... op_name=..." lines of the compiled HLO.
    what = {}
    for line in compiled.as_text().splitlines():
        m = re.match(r"\s*(?:ROOT )?%?([\w.\-]+) = (\S+) ([\w\-]+)\(", line)
        if m:
            source = re.search(r"op_name=\"([^\"]+)\"", line)
            what[m.group(1)] = f"{m.group(2)} {source.group(1).split('/')[-1] if source else m.group(3)}"
    with tempfile.TemporaryDirectory() as tmp:
        with jax.profiler.trace(tmp):
            jax.block_until_ready(compiled(state, epoch_key(cfg, 1), *data))
        trace = next(Path(tmp).rglob("*.trace.json.gz"))
        events = json.load(gzip.open(trace))["traceEvents"]
    total, count, other = collections.Counter(), collections.Counter(), collections.Counter()
    threads: dict[tuple, list] = collections.defaultdict(list)
    for e in events:
        if e.get("ph") == "X":
            threads[e.get("pid"), e.get("tid")].append(e)
    # Each event's own time: without the part of it that other events on its thread cover (the epoch's
    # while loop spans every step's operations), so nothing is counted twice.
    for evs in threads.values():
        evs.sort(key=lambda e: (e["ts"], -e["dur"]))
        own = [float(e["dur"]) for e in evs]
        stack: list[tuple[float, int]] = []  # (end, index) of the events enclosing the current one
        for i, e in enumerate(evs):
            while stack and stack[-1][0] <= e["ts"]:
                stack.pop()
            if stack:  # only the overlap: an event may outlast the one it started in
                own[stack[-1][1]] -= min(e["ts"] + e["dur"], stack[-1][0]) - e["ts"]
            stack.append((e["ts"] + e["dur"], i))
        for e, us in zip(evs, own):
            if e["name"] in what:
                total[e["name"]] += max(us, 0.0)
                count[e["name"]] += 1
            else:
                other[e["name"][:90]] += e["dur"]
    all_us = sum(total.values())
    n = placed["n_devices"]
    where = f"members split over {n} devices" if placed["split"] == "members" and n > 1 else f"{n} device(s)"
    net = "-".join(map(str, (784, *cfg.hidden, 10)))
    print(
        f"K={args.k} × {cfg.name} ({net} {cfg.activation}, {cfg.optimizer}, batch {cfg.batch_size}) on {where} "
        f"({jax.devices()[0].device_kind}); XLA operations of one traced epoch, own time (an operation that "
        f"contains others without them), {all_us / 1e3:.0f} ms in all\n"
    )
    print("| share | ms | calls | operation | shape and source |")
    print("|---:|---:|---:|---|---|")
    for name, us in total.most_common(args.top):
        print(f"| {100 * us / all_us:.1f} % | {us / 1e3:.1f} | {count[name]} | {name} | {what[name]} |")
    print("\nOther trace events (not an HLO operation's name; they overlap the rows above and each other):\n")
    print("| ms | event |")
    print("|---:|---|")
    for name, us in other.most_common(args.top):
        print(f"| {us / 1e3:.1f} | {name} |")


if __name__ == "__main__":
    main()
