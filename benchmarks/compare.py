"""nnjax vs PyTorch eager vs a NumPy network (Nielsen's way), side by side on this machine.

    python benchmarks/compare.py                   # full run: writes benchmarks/RESULTS.md
    python benchmarks/compare.py --quick           # tiny smoke run (6,000 images, 2 epochs, 1 rep)
    python benchmarks/compare.py --configs a,b --reps 3 --epochs 5
    python benchmarks/compare.py --device cuda     # on a GPU: nnjax vs PyTorch on CUDA, RESULTS_gpu.md

Every contender trains the same network with the same optimiser, batch size, constant learning rate,
cross-entropy, initial weights (nnjax's ``init_params``, exported) and batch order (nnjax's
``epoch_key`` permutations, exported) on the same real-MNIST arrays (``nnjax.data.load_splits``),
each in its own process so that its peak memory (ru_maxrss from ``os.wait4``) is its own. Contenders
run interleaved (A B C A B C ...) so that drifting load on a shared machine hits all of them alike.

Steady-state epoch time: the median over epochs 2..E of one process (epoch 1 carries warm-up), then
the median over repetitions. An epoch is: shuffle, every full mini-batch, evaluation on the 10,000
test images. nnjax's compile time is reported separately (run.py's compile_s).

With ``--device cuda`` both nnjax (jax for CUDA) and PyTorch train on the GPU; the NumPy contenders are
CPU-only and left out unless named, and the issue's speed targets (set for the 2-core CPU) are not checked.

Needs torch (``pip install -e ".[bench]"``); the library itself never imports it.
"""

from __future__ import annotations

import argparse
import datetime
import importlib.metadata
import importlib.util
import json
import multiprocessing
import os
import platform
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from nnjax.cli import OneLineParser, int_at_least, integer, name_list

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CONTENDER_SCRIPTS = {
    "nnjax": HERE / "contenders" / "nnjax_run.py",
    "torch": HERE / "contenders" / "torch_mlp.py",
    "numpy": HERE / "contenders" / "numpy_mlp.py",
    "nielsen": HERE / "contenders" / "numpy_mlp.py",  # numpy_mode per_example
}
CONTENDER_NAMES = {
    "nnjax": "nnjax",
    "torch": "PyTorch eager (CPU)",
    "numpy": "NumPy, batch-vectorised backprop",
    "nielsen": "NumPy, network.py's per-image loop",
}
# The per-image loop is too slow for the wide network (a Python loop of 1024×1024 mat-vecs).
SKIP = {("nielsen", "c")}

# The three configs of issue 6. "nnjax_config" is the named nnjax config the others are derived from.
CONFIGS: dict[str, dict[str, Any]] = {
    "a": {
        "title": "video 784-16-16-10, sigmoid, SGD, batch 10",
        "nnjax_config": "video",
        "hidden": [16, 16],
        "activation": "sigmoid",
        "optimizer": "sgd",
        "lr": 0.5,
        "batch_size": 10,
    },
    "b": {
        "title": "video 784-16-16-10, ReLU, Adam, batch 32",
        "nnjax_config": "video_relu",
        "hidden": [16, 16],
        "activation": "relu",
        "optimizer": "adam",
        "lr": 0.003,
        "batch_size": 32,
    },
    "c": {
        "title": "wide 784-1024-1024-10, ReLU, Adam, batch 128",
        "nnjax_config": "wide",
        "hidden": [1024, 1024],
        "activation": "relu",
        "optimizer": "adam",
        "lr": 0.001,
        "batch_size": 128,
    },
}
MOMENTUM = 0.9  # Adam's b1 (nnjax config field "momentum")
SEED = 0
DATA_SEED = 0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = OneLineParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument(
        "--device",
        choices=("cpu", "cuda"),
        default="cpu",
        help="where nnjax and PyTorch train: cpu, or cuda (jax for CUDA and a CUDA PyTorch) [cpu]",
    )
    p.add_argument(
        "--configs",
        type=name_list(CONFIGS, "config"),
        default="a,b,c",
        help="comma-separated subset of: " + ", ".join(CONFIGS),
    )
    p.add_argument(
        "--contenders",
        type=name_list(CONTENDER_SCRIPTS, "contender"),
        default=None,
        help="comma-separated subset of " + ",".join(CONTENDER_SCRIPTS) + " [cpu: all; cuda: nnjax,torch]",
    )
    p.add_argument("--reps", type=int_at_least(1), default=3, help="repetitions of every (config, contender) [3]")
    p.add_argument(
        "--epochs", type=integer, default=5, help="epochs per process; steady state = median of epochs 2.. [5]"
    )
    p.add_argument("--train-limit", type=int_at_least(1), default=None, help="use only the first N training images")
    p.add_argument("--quick", action="store_true", help="smoke run: --train-limit 6000 --epochs 2 --reps 1, no extras")
    p.add_argument("--no-default-run", action="store_true", help="skip the default `nnjax train` memory/compile run")
    p.add_argument("--no-ensemble", action="store_true", help="skip benchmarks/ensemble_scaling.py")
    p.add_argument(
        "--out", default=None, help="Markdown output [benchmarks/RESULTS.md, cuda: RESULTS_gpu.md; --quick: none]"
    )
    p.add_argument("--threads", type=int_at_least(1), default=os.cpu_count(), help="torch.set_num_threads [all cores]")
    args = p.parse_args(argv)
    if args.epochs < 2:
        p.error("--epochs must be at least 2: the steady state is the median of epochs 2..")
    chosen = args.contenders is not None  # named on the command line: each one must run
    if args.contenders is None:
        args.contenders = ["nnjax", "torch"] if args.device == "cuda" else ["nnjax", "torch", "numpy", "nielsen"]
    if args.device == "cuda":
        args.no_ensemble = True  # ensemble_scaling.py measures the CPU's cores; gpu.sh times a GPU ensemble
    if args.quick:
        args.train_limit = args.train_limit or 6000
        args.epochs, args.reps = 2, 1
        args.no_default_run = args.no_ensemble = True
    elif args.out is None:
        args.out = str(HERE / ("RESULTS_gpu.md" if args.device == "cuda" else "RESULTS.md"))
    if args.out is not None and (why := unwritable(args.out)):  # now, not after the whole run
        p.error(f"--out {args.out!r}: {why}")
    if "torch" in args.contenders and importlib.util.find_spec("torch") is None:
        if chosen:
            p.error('--contenders names torch, which is not installed (pip install -e ".[bench]")')
        print('compare: torch is not installed (pip install -e ".[bench]"); skipping its contender', file=sys.stderr)
        args.contenders.remove("torch")
    return args


def unwritable(out: str) -> str | None:
    """Why the Markdown file ``out`` and its raw numbers (``out`` with .json) could not be written at the end
    of a run, or None."""
    if not out:
        return "empty: name a file"
    path = Path(out)
    if not path.name or path.is_dir():
        return "is a folder: name a file"
    raw = path.with_suffix(".json")
    if raw == path:
        return "the raw numbers go to the same name with .json: name a .md file"
    if raw.is_dir():
        return f"{raw} (the raw numbers) is a folder"
    if not path.parent.is_dir():
        return f"folder {path.parent} does not exist"
    if not os.access(path.parent, os.W_OK):
        return f"folder {path.parent} is not writable"
    return None


def export_inputs(tmp: Path, args: argparse.Namespace) -> tuple[dict[str, Path], dict[str, str]]:
    """Write data.npz (the arrays every contender trains on) and start_<config>.npz (nnjax's initial
    weights and per-epoch batch order) into ``tmp``; return their paths and each config's init scheme.

    Run in a child process (``main``): this loads JAX and the data set, and every later child inherits
    its parent's resident-set high-water mark across fork + exec, so a heavy parent would inflate every
    contender's peak RSS (on a GPU host, to the CUDA runtime's 2.7 GB)."""
    import jax

    from nnjax.config import Config
    from nnjax.data import load_splits
    from nnjax.model import init_params
    from nnjax.train import epoch_key

    splits = load_splits("mnist")
    n = args.train_limit or len(splits.x_train)
    paths = {"data": tmp / "data.npz"}
    np.savez(
        paths["data"],
        x_train=splits.x_train[:n],
        y_train=splits.y_train[:n],
        x_test=splits.x_test,
        y_test=splits.y_test,
    )
    inits = {}
    for name in args.configs:
        spec = CONFIGS[name]
        cfg = Config(activation=spec["activation"], seed=SEED, data_seed=DATA_SEED)
        params = init_params(jax.random.key(SEED), spec["hidden"], cfg.resolved_init())
        arrays = {}
        for i, layer in enumerate(jax.device_get(params)):
            arrays[f"layer{i}_W"], arrays[f"layer{i}_b"] = np.asarray(layer["W"]), np.asarray(layer["b"])
        arrays["perm_ExN"] = np.stack(
            [np.asarray(jax.random.permutation(epoch_key(cfg, e), n)) for e in range(args.epochs)]
        )
        paths[name] = tmp / f"start_{name}.npz"
        np.savez(paths[name], **arrays)
        inits[name] = cfg.resolved_init()
    return paths, inits


def run_child(cmd: list[str], log: Path, device: str = "cpu") -> tuple[int, float, float]:
    """Run ``cmd`` in its own process; (exit code, wall seconds, peak RSS in MB of that process).
    With ``device`` "cpu" the child's JAX sees only the CPU, even on a host with jax for CUDA. The child compiles
    every program: ``JAX_COMPILATION_CACHE_DIR`` is not passed on (a program loaded from JAX's persistent cache
    would make its compile_s a load, and "compile < 2 s" true of any program)."""
    env = {k: v for k, v in os.environ.items() if k != "JAX_COMPILATION_CACHE_DIR"}
    if device == "cpu":
        env["JAX_PLATFORMS"] = "cpu"
    t0 = time.perf_counter()
    with log.open("w") as f:
        proc = subprocess.Popen(cmd, stdout=f, stderr=subprocess.STDOUT, cwd=ROOT, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped by wait4; tell Popen
    return proc.returncode, time.perf_counter() - t0, usage.ru_maxrss / 1024  # Linux: ru_maxrss in KiB


def run_contender(
    contender: str, config: str, rep: int, tmp: Path, paths: dict[str, Path], args: argparse.Namespace
) -> dict[str, Any]:
    spec = CONFIGS[config]
    job = {
        "contender": contender,
        "config": config,
        **{k: spec[k] for k in ("nnjax_config", "hidden", "activation", "optimizer", "lr", "batch_size", "init")},
        "momentum": MOMENTUM,
        "numpy_mode": "per_example" if contender == "nielsen" else "matrix",
        "epochs": args.epochs,
        "seed": SEED,
        "data_seed": DATA_SEED,
        "threads": args.threads,
        "device": args.device,
        "data": str(paths["data"]),
        "start": str(paths[config]),
        "run_dir": str(tmp / f"run_{config}_{rep}"),
    }
    stem = tmp / f"{contender}_{config}_{rep}"
    job["t_launch"] = time.time()  # the child's startup time is measured from here
    Path(f"{stem}.job.json").write_text(json.dumps(job))
    cmd = [sys.executable, str(CONTENDER_SCRIPTS[contender]), f"{stem}.job.json", f"{stem}.result.json"]
    rc, wall_s, rss_mb = run_child(cmd, Path(f"{stem}.log"), args.device)
    if rc != 0:
        sys.exit(f"{contender} on config {config} failed (exit {rc}); its output:\n{Path(f'{stem}.log').read_text()}")
    result = json.loads(Path(f"{stem}.result.json").read_text())
    if args.device == "cuda" and contender == "nnjax" and "cpu" in str(result.get("device", "")).lower():
        sys.exit(f"--device cuda, but nnjax trained on {result['device']}: install jax for CUDA")
    result.update(rep=rep, wall_s=round(wall_s, 3), peak_rss_mb=round(rss_mb, 1))
    result["steady_epoch_s"] = statistics.median(result["epoch_s"][1:] or result["epoch_s"])
    return result


def default_run(tmp: Path, device: str) -> dict[str, Any]:
    """`nnjax train` with the default config (video): its peak RSS, compile time and result."""
    out = tmp / "default_run"
    cmd = [sys.executable, "-m", "nnjax.cli", "train", "--out", str(out), "--no-progress", "--json"]
    rc, wall_s, rss_mb = run_child(cmd, tmp / "default_run.log", device)
    text = (tmp / "default_run.log").read_text()
    if rc != 0:
        sys.exit(f"default `nnjax train` failed (exit {rc}):\n{text}")
    result = json.loads((out / "result.json").read_text())
    return {
        "command": "nnjax train --out DIR --no-progress --json",
        "peak_rss_mb": round(rss_mb, 1),
        "wall_s": round(wall_s, 2),
        **{k: result[k] for k in ("compile_s", "epoch_s_median", "train_s", "test_accuracy", "epochs")},
    }


FAILED = "FAILED"


def ensemble_scaling(tmp: Path) -> str | None:
    """Output of ``benchmarks/ensemble_scaling.py --placement both`` (members split over the cores, as
    ``nnjax sweep`` does, and all members on one device), or None when the script does not exist.
    A failed run is ``FAILED`` (its output on stderr): not a result for RESULTS.md."""
    script = HERE / "ensemble_scaling.py"
    if not script.exists():
        return None
    log = tmp / "ensemble_scaling.log"
    rc, wall_s, rss_mb = run_child([sys.executable, str(script), "--placement", "both"], log)
    text = log.read_text().strip()
    if rc != 0:
        print(f"ensemble_scaling.py failed (exit {rc}); its output:\n{text}", file=sys.stderr)
        return FAILED
    return f"{text}\n\n({wall_s:.0f} s wall, peak RSS {rss_mb:.0f} MB)"


def gpu_name() -> str:
    """The first GPU's name as nvidia-smi gives it, or a note that there is none."""
    try:
        out = subprocess.run(
            ["nvidia-smi", "--query-gpu=name,driver_version", "--format=csv,noheader"],
            capture_output=True,
            text=True,
            check=True,
        )
        name, driver = out.stdout.strip().splitlines()[0].split(", ")
        return f"{name} (driver {driver})"
    except (OSError, subprocess.CalledProcessError, ValueError, IndexError):
        return "no GPU found by nvidia-smi"


def machine() -> dict[str, Any]:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = {}
    for pkg in ("jax", "jaxlib", "optax", "torch", "numpy"):
        try:
            versions[pkg] = importlib.metadata.version(pkg)
        except importlib.metadata.PackageNotFoundError:
            versions[pkg] = "not installed"
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "os": platform.platform(),
        "versions": versions,
    }


def summarise(results: list[dict[str, Any]], configs: list[str], contenders: list[str]) -> list[dict[str, Any]]:
    """One row per (config, contender): medians over repetitions and nnjax's speed-up."""
    rows = []
    for config in configs:
        by = {c: [r for r in results if r["config"] == config and r["contender"] == c] for c in contenders}
        by = {c: rs for c, rs in by.items() if rs}
        med = {c: statistics.median(r["steady_epoch_s"] for r in rs) for c, rs in by.items()}
        for c, rs in by.items():
            row = {
                "config": config,
                "contender": c,
                "reps": len(rs),
                "epoch_s": med[c],
                "epoch_s_all": [round(r["steady_epoch_s"], 4) for r in rs],
                "peak_rss_mb": statistics.median(r["peak_rss_mb"] for r in rs),
                "test_accuracy": statistics.median(r["test_accuracy"] for r in rs),
                "startup_s": statistics.median(r["startup_s"] for r in rs),
                "compile_s": statistics.median(r["compile_s"] for r in rs) if "compile_s" in rs[0] else None,
            }
            if "nnjax" in by and c != "nnjax":
                row["speedup"] = med[c] / med["nnjax"]
                # per repetition: the ratio within one interleaved round (A B C of the same rep)
                row["speedup_per_rep"] = [
                    round(r["steady_epoch_s"] / n["steady_epoch_s"], 2) for r, n in zip(rs, by["nnjax"])
                ]
            rows.append(row)
    return rows


def contender_name(contender: str, device: str) -> str:
    """The table's name for a contender; PyTorch's says where it ran."""
    if contender == "torch" and device == "cuda":
        return "PyTorch eager (CUDA)"
    return CONTENDER_NAMES[contender]


def markdown(rows: list[dict[str, Any]], extras: dict[str, Any], info: dict[str, Any], args: argparse.Namespace) -> str:
    v = info["versions"]
    if args.device == "cuda":
        head = [
            "# nnjax vs PyTorch on a GPU: measured side by side",
            "",
            f"- Date: {info['date']}",
            f"- GPU: **{info['gpu']}**; host: {info['cpu']}, {info['cores']} cores; {info['os']}, "
            f"Python {info['python']}",
            f"- Libraries: jax {v['jax']}, jaxlib {v['jaxlib']}, optax {v['optax']}, torch {v['torch']}, "
            f"numpy {v['numpy']}",
            f"- Command: `{info['command']}` (data: {info['data_env']})",
        ]
    else:
        head = [
            "# nnjax vs PyTorch vs NumPy: measured side by side",
            "",
            f"- Date: {info['date']}",
            f"- Machine: {info['cpu']}, {info['cores']} cores (`os.cpu_count()`); "
            f"{info['os']}, Python {info['python']}",
            f"- Libraries: jax {v['jax']}, jaxlib {v['jaxlib']}, optax {v['optax']}, torch {v['torch']}, "
            f"numpy {v['numpy']}",
            f"- Command: `{info['command']}` (data: {info['data_env']})",
        ]
    lines = [
        *head,
        f"- {args.epochs} epochs per process, {args.reps} repetitions, contenders interleaved "
        f"({' '.join(args.contenders)}) within every repetition; "
        f"{info['n_train']} training images, 10,000 test images (real MNIST, `nnjax.data.load_splits`).",
        f"- Load average (1/5/15 min) before: {info['load_before']}, after: {info['load_after']}. The machine is "
        "shared: other processes may have been running during the measurement.",
        "",
        "Epoch = shuffle + every full mini-batch + evaluation on the 10,000 test images; the time is the median "
        "over epochs 2.. of one process, then the median over repetitions. Speed-up = contender's epoch time / "
        "nnjax's (per repetition in brackets). Peak RSS = the process's resident-set high-water mark "
        "(`ru_maxrss` via `os.wait4`), including the interpreter, libraries and data. Test accuracy after "
        f"{args.epochs} epochs, constant learning rate, identical initial weights and batch order.",
        "",
        "| config | contender | epoch (s) | nnjax speed-up | nnjax compile (s) | startup (s) | peak RSS (MB) "
        "| test acc. (%) |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        sp = (
            f"**{r['speedup']:.1f}×** ({', '.join(f'{x:.1f}' for x in r['speedup_per_rep'])})"
            if "speedup" in r
            else "—"
        )
        comp = f"{r['compile_s']:.2f}" if r["compile_s"] is not None else "—"
        lines.append(
            f"| {r['config']}: {CONFIGS[r['config']]['title']} | {contender_name(r['contender'], args.device)} | "
            f"{r['epoch_s']:.3f} | {sp} | {comp} | {r['startup_s']:.1f} | {r['peak_rss_mb']:.0f} | "
            f"{100 * r['test_accuracy']:.2f} |"
        )
    lines += [
        "",
        "Learning rates (constant): "
        + "; ".join(f"{k}: {CONFIGS[k]['optimizer']} {CONFIGS[k]['lr']}" for k in args.configs)
        + f". Adam: b1 {MOMENTUM}, b2 0.999, eps 1e-8 everywhere. Initialisation: nnjax's default for the activation "
        "(" + "; ".join(f"{k}: {CONFIGS[k].get('init', '?')}" for k in args.configs) + ").",
        "",
    ]
    d = extras.get("default_run")
    if d:
        lines += [
            "## Default `nnjax train` run",
            "",
            f"`{d['command']}` (the default config: video 784-16-16-10, sigmoid, Adam, batch 32, cosine, "
            f"{d['epochs']} epochs), in its own process:",
            "",
            f"- peak RSS: **{d['peak_rss_mb']:.0f} MB** (target < 1,500 MB)",
            f"- compile of the epoch program: **{d['compile_s']:.2f} s** (target < 2 s)",
            f"- median epoch {d['epoch_s_median']} s, training {d['train_s']} s, whole process {d['wall_s']} s, "
            f"test accuracy {100 * d['test_accuracy']:.2f} %",
            "",
        ]
    targets = extras.get("targets")
    if targets:
        lines += ["## Targets", "", "| target | measured | met |", "|---|---|---|"]
        lines += [f"| {t} | {m} | {'yes' if ok else '**no**'} |" for t, m, ok in targets]
        lines.append("")
    lines += ["## Ensemble scaling (benchmarks/ensemble_scaling.py)", ""]
    ens = extras.get("ensemble")
    if args.device == "cuda":
        lines.append("Not part of the GPU run: benchmarks/gpu.sh times a 1,024-member ensemble on the GPU.")
    elif ens is None:
        lines.append(
            "Not run in this command (--quick or --no-ensemble): `python benchmarks/ensemble_scaling.py` measures it."
        )
    else:
        lines += ["```", ens, "```"]
    lines.append("")
    return "\n".join(lines)


def targets(rows: list[dict[str, Any]], extras: dict[str, Any]) -> list[tuple[str, str, bool]]:
    out = []
    sp = {(r["config"], r["contender"]): r.get("speedup") for r in rows}
    if sp.get(("a", "torch")):
        out.append(("nnjax ≥ 6× PyTorch, batch 10 (a)", f"{sp[('a', 'torch')]:.1f}×", sp[("a", "torch")] >= 6))
    if sp.get(("b", "torch")):
        out.append(("nnjax ≥ 4× PyTorch, batch 32 (b)", f"{sp[('b', 'torch')]:.1f}×", sp[("b", "torch")] >= 4))
    # The 8× names "a NumPy network trained the way Nielsen's network.py does": its per-image
    # backprop loop. The batch-vectorised NumPy network is our own stricter contender, held to the same bar.
    for who, role in (("nielsen", "the issue's NumPy contender"), ("numpy", "stricter extra contender")):
        for c in ("a", "b", "c"):
            if sp.get((c, who)):
                what = f"nnjax ≥ 8× {CONTENDER_NAMES[who]} ({c}; {role})"
                out.append((what, f"{sp[(c, who)]:.1f}×", sp[(c, who)] >= 8))
    d = extras.get("default_run")
    if d:
        out.append(("default config compile < 2 s", f"{d['compile_s']:.2f} s", d["compile_s"] < 2))
        out.append(("default run peak RSS < 1.5 GB", f"{d['peak_rss_mb']:.0f} MB", d["peak_rss_mb"] < 1500))
    return out


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    info = machine()
    if args.device == "cuda":
        info["gpu"] = gpu_name()
    info["date"] = datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    cli = sys.argv[1:] if argv is None else argv
    info["command"] = "python benchmarks/compare.py " + " ".join(map(shlex.quote, cli))
    env = {k: os.environ[k] for k in ("TFDS_DATA_DIR", "NNJAX_DATA_DIR") if k in os.environ}
    info["data_env"] = ", ".join(f"{k}={v}" for k, v in env.items()) or "tfds default folder"
    info["load_before"] = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    results, extras = [], {}
    with tempfile.TemporaryDirectory(prefix="nnjax-compare-") as tmp_name:
        tmp = Path(tmp_name)
        with multiprocessing.get_context("spawn").Pool(1) as pool:  # keeps JAX and the data out of this process
            paths, inits = pool.apply(export_inputs, (tmp, args))
        for name, init in inits.items():
            CONFIGS[name]["init"] = init
        with np.load(paths["data"]) as f:
            info["n_train"] = len(f["y_train"])
        for rep in range(args.reps):
            for config in args.configs:
                for contender in args.contenders:
                    if (contender, config) in SKIP:
                        continue
                    r = run_contender(contender, config, rep, tmp, paths, args)
                    results.append(r)
                    print(
                        f"rep {rep} config {config} {contender:6s} epoch {r['steady_epoch_s']:.3f} s "
                        f"(all {r['epoch_s']}) rss {r['peak_rss_mb']:.0f} MB acc {100 * r['test_accuracy']:.2f} %"
                        + (f" compile {r['compile_s']:.2f} s" if "compile_s" in r else ""),
                        flush=True,
                    )
        if not args.no_default_run:
            extras["default_run"] = default_run(tmp, args.device)
            print("default run:", extras["default_run"], flush=True)
        if not args.no_ensemble:
            extras["ensemble"] = ensemble_scaling(tmp)
    failed = extras.get("ensemble") == FAILED
    if failed:  # the contenders' results are still written; the exit status says a part failed
        extras["ensemble"] = None
    info["load_after"] = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    rows = summarise(results, args.configs, args.contenders)
    # The targets are set for the 2-core CPU (RESULTS.md); a GPU run reports its ratios only.
    extras["targets"] = targets(rows, extras) if args.device == "cpu" else []
    text = markdown(rows, extras, info, args)
    print(text)
    if args.out:
        Path(args.out).write_text(text)
        raw = Path(args.out).with_suffix(".json")
        raw.write_text(json.dumps({"machine": info, "rows": rows, "runs": results, "extras": extras}, indent=1) + "\n")
        print(f"wrote {args.out} and {raw}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
