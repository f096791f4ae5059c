"""The last levers tried for issue #3's K = 16 goal, each against the stock program in the same process.

    python benchmarks/adam_variants.py [--rounds 9] [--processes 2] [--variants stock,mof,...]

Variants of the video config, each compiled for K = 1 and K = 16 (placed as ``nnjax sweep`` places them):

- ``stock``: nnjax as shipped (``scan_unroll`` 1, ``optax.scale_by_adam``);
- ``recip``: Adam's two bias corrections applied as multiplications by reciprocals (one scalar division
  per step instead of two per weight; not bit-equal to optax's Adam);
- ``…+no-norm``: and no per-step gradient-norm metric (``optax.tree.norm``, which ``train.make_epoch`` calls
  for it, returns 0, which also zeroes the once-per-epoch ``param_norm``);
- ``unroll2+…``: and the epoch loop unrolled 2× (``scan_unroll=2``);
- ``mof``: XLA:CPU's multi-output fusion pass (the backend option ``xla_cpu_use_multi_output_fusion``, which
  also stops instruction fusion from duplicating work), for one pass over the first-layer weights instead of
  Adam's three;
- ``dup``: the new moments leave the step multiplied by a runtime 1.0, so that XLA recomputes them inside the
  new-parameter pass instead of reading them back (exact in arithmetic; XLA may contract it otherwise);
- ``dup+mof``: both;
- ``flat``: ``optax.flatten(optax.scale_by_adam(...))``: Adam on one vector of each member's 13,002
  parameters instead of per layer.

The changes are patched in only while their programs are traced; nothing in ``nnjax`` is changed. An XLA
option (``mof``) is process-wide, so those programs are compiled in a child process under ``XLA_FLAGS``,
serialized (``jax.experimental.serialize_executable``) and loaded into the measuring process. All programs
are compiled first, then timed round-robin (one epoch of each per round), in ``--processes`` fresh
processes. Reported per variant: its K = 16 epoch and the per-member ratio against the *stock* single run of
the same process (the goal's yardstick) and against the variant's own single run; and how far its members'
parameters end from stock's after one epoch from the same state (0: bit-equal).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import optax  # noqa: E402
from ensemble_scaling import cpu_name, load_data, prepare, run_json_child, time_epoch  # noqa: E402 (splits the CPU first)
from jax.experimental import serialize_executable  # noqa: E402

from nnjax.cli import OneLineParser, int_at_least, name_list  # noqa: E402
from nnjax.train import epoch_key  # noqa: E402

VARIANTS = (
    "stock",
    "recip",
    "recip+no-norm",
    "unroll2+recip",
    "unroll2+recip+no-norm",
    "mof",
    "dup",
    "dup+mof",
    "flat",
)
MOF_FLAGS = "--xla_backend_extra_options=xla_cpu_use_multi_output_fusion"  # XLA:CPU's multi-output fusion pass
ORIGINAL_SCALE_BY_ADAM = optax.scale_by_adam


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


def scale_by_adam_duplicable(*args, **kwargs) -> optax.GradientTransformation:
    """``optax.scale_by_adam`` whose new moments leave the step multiplied by a runtime 1.0 (``count > -1``):
    the moments' only user in the loop is then a fusible op, so XLA may recompute them inside the
    new-parameter pass rather than materialize them for it."""
    inner = ORIGINAL_SCALE_BY_ADAM(*args, **kwargs)

    def update(updates, state, params=None):
        updates, state = inner.update(updates, state, params)
        one = (state.count > -1).astype(jnp.float32)
        mu, nu = (jax.tree.map(lambda x: x * one, tree) for tree in (state.mu, state.nu))
        return updates, state._replace(mu=mu, nu=nu)

    return optax.GradientTransformation(inner.init, update)


@contextlib.contextmanager
def patched(variant: str) -> Iterator[None]:
    """The variant's changes to the traced program, in force while its programs are traced and compiled
    (XLA options, ``mof``, are the caller's: ``xla_flags``)."""
    saved = optax.scale_by_adam, optax.tree.norm
    if "recip" in variant:
        optax.scale_by_adam = scale_by_adam_reciprocal
    if variant.startswith("dup"):
        optax.scale_by_adam = scale_by_adam_duplicable
    if variant == "flat":
        optax.scale_by_adam = lambda *args, **kwargs: optax.flatten(ORIGINAL_SCALE_BY_ADAM(*args, **kwargs))
    if variant.endswith("no-norm"):
        optax.tree.norm = lambda tree: jnp.zeros((), jnp.float32)
    try:
        yield
    finally:
        optax.scale_by_adam, optax.tree.norm = saved


def xla_flags(variant: str) -> str:
    """The XLA options the variant's programs are compiled under ("" for none)."""
    return MOF_FLAGS if variant.endswith("mof") else ""


def prepare_variant(variant: str, k: int, data) -> dict:
    """``ensemble_scaling.prepare`` of the variant's K-member program, traced under ``patched(variant)``."""
    overrides = {"scan_unroll": "2"} if variant.startswith("unroll2") else {}
    with patched(variant):
        return prepare(k, "sweep", data, overrides)


def compile_in_child(variant: str) -> dict[int, bytes]:
    """The variant's K = 1 and K = 16 executables compiled in a child process under its ``xla_flags``,
    serialized there (``serialize_executable.serialize``'s bytes; its pytrees are this process's program's), by K."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        env = {**os.environ, "XLA_FLAGS": f"{os.environ.get('XLA_FLAGS', '')} {xla_flags(variant)}".strip()}
        cmd = [sys.executable, __file__, "--compile-child", variant, str(out)]
        done = subprocess.run(cmd, capture_output=True, text=True, env=env)
        if done.returncode != 0:
            sys.exit(f"compiling {variant!r} under {env['XLA_FLAGS']!r} failed:\n{done.stderr.strip()}")
        return {k: (out / f"k{k}.bin").read_bytes() for k in (1, 16)}


def measure(rounds: int, variants: list[str]) -> dict:
    """In this process: compile every (variant, K), time them round-robin; per-variant figures."""
    data = load_data("mnist")
    jobs = {}
    for variant in variants:
        built = compile_in_child(variant) if xla_flags(variant) else {}
        for k in (1, 16):
            jobs[variant, k] = job = prepare_variant(variant, k, data)  # placed state and data, this process's program
            if k in built:  # run on the devices this process placed the program's data on
                devices = list(job["arrays"][0].sharding.mesh.devices.flat)
                trees = jax.tree_util.tree_structure(job["fn"].args_info), job["fn"].out_tree  # the same program's
                job["fn"] = serialize_executable.deserialize_and_load(built[k], *trees, execution_devices=devices)
    for job in jobs.values():  # one untimed epoch each (first-call effects)
        time_epoch(job, 0)
        job["times"].clear()
    for r in range(rounds):
        for job in jobs.values():
            time_epoch(job, r + 1)
    stock_1 = statistics.median(jobs["stock", 1]["times"])
    ends = {}  # each variant's K = 16 parameters after one epoch from the same state and data order
    for variant in variants:
        job = jobs[variant, 16]
        state, _ = job["fn"](job["state"], epoch_key(job["cfg"], 1), *job["arrays"])
        ends[variant] = [np.asarray(x) for x in jax.tree_util.tree_leaves(state.params)]
    out = {}
    for variant in variants:
        e1, e16 = (statistics.median(jobs[variant, k]["times"]) for k in (1, 16))
        diff = max(float(np.max(np.abs(a - b))) for a, b in zip(ends[variant], ends["stock"]))
        out[variant] = {
            "k1_s": e1,
            "k16_s": e16,
            "vs_stock": e16 / 16 / stock_1,
            "vs_own": e16 / 16 / e1,
            "max_param_diff": diff,
        }
    return out


def compile_child(variant: str, out: Path) -> None:
    """In a child process (``--compile-child``, its ``XLA_FLAGS`` set by ``compile_in_child``): compile the
    variant's K = 1 and K = 16 programs and write them, serialized, into the folder ``out`` (k1.bin, k16.bin)."""
    data = load_data("mnist")
    for k in (1, 16):
        (out / f"k{k}.bin").write_bytes(serialize_executable.serialize(prepare_variant(variant, k, data)["fn"])[0])


def parser() -> OneLineParser:
    """The script's argument parser (``main`` parses ``sys.argv`` with it)."""
    p = OneLineParser(description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--rounds", type=int_at_least(1), default=9, help="timed epochs per program and process, interleaved"
    )
    p.add_argument("--processes", type=int_at_least(1), default=2, help="fresh processes to measure in")
    p.add_argument(
        "--variants",
        type=name_list(VARIANTS, "variant"),
        default=",".join(VARIANTS),
        help="the variants to measure, comma-separated (stock, the yardstick, is always measured)",
    )
    p.add_argument("--json", action="store_true", help=argparse.SUPPRESS)  # one process's figures
    p.add_argument("--compile-child", nargs=2, metavar=("VARIANT", "OUT"), help=argparse.SUPPRESS)
    return p


def main() -> None:
    p = parser()
    args = p.parse_args()
    if args.compile_child:
        compile_child(args.compile_child[0], Path(args.compile_child[1]))
        return
    variants = ["stock", *(v for v in args.variants if v != "stock")]
    if args.json:
        print(json.dumps(measure(args.rounds, variants)))
        return
    runs = []
    for _ in range(args.processes):
        cmd = [sys.executable, __file__, "--rounds", str(args.rounds), "--variants", ",".join(variants), "--json"]
        runs.append(run_json_child(cmd))
    print(
        f"Video network 784-16-16-10, K = 16 placed as `nnjax sweep` places it; {args.rounds} interleaved epochs "
        f"per program in each of {args.processes} fresh process(es); {cpu_name()}; jax {jax.__version__}.\n"
    )
    head = " | ".join(f"process {i + 1}" for i in range(len(runs)))
    print(f"| variant: K = 16 epoch; ÷ stock K = 1; ÷ own K = 1 | {head} |")
    print("|---|" + "---:|" * len(runs))
    for variant in variants:
        cells = [
            f"{r[variant]['k16_s']:.3f} s; {r[variant]['vs_stock']:.2f}×; {r[variant]['vs_own']:.2f}×" for r in runs
        ]
        print(f"| {variant} | " + " | ".join(cells) + " |")
    print(
        "\nK = 1 epoch per variant and process: "
        + "; ".join(", ".join(f"{v} {r[v]['k1_s']:.3f} s" for v in variants) for r in runs)
    )
    print(
        "Largest difference from stock of any K = 16 parameter after one epoch from the same state, per variant "
        "(0: bit-equal): "
        + ", ".join(f"{v} {max(r[v]['max_param_diff'] for r in runs):.2g}" for v in variants if v != "stock")
    )


if __name__ == "__main__":
    main()
