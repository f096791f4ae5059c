#!/usr/bin/env bash
# nnjax on a GPU (H100 / H200): one prepared run of
#   1. the default training (config video: 784-16-16-10 sigmoid, its full recipe),
#   2. the wide config, and the time it takes to pass 98 % test accuracy,
#   3. the issue's reference network 784-1024-1024-10 (config wide with --hidden 1024,1024),
#   4. a 1024-member ensemble of the video network (epoch time),
#   5. the activation sweep (every registered activation × SEEDS seeds, one vmapped ensemble each),
#   6. benchmarks/compare.py --device cuda: nnjax vs PyTorch eager on the same GPU (RESULTS_gpu.md),
# then a Markdown table with the card's name (nvidia-smi) for the README.
#
# Each step runs on its own: once the data are ready, a step that fails or runs out of time is marked so
# in the table and the others still run. Every number it prints is measured by the run that prints it.
# Last run: 2026-11-28 on a lent NVIDIA H100 80GB HBM3, all six steps; its table and notes: benchmarks/GPU.md.
#
# Needs on the GPU machine (the script downloads and installs nothing):
#   - python with jax for CUDA (e.g. installed beforehand with `pip install -U "jax[cuda12]"`) and nnjax's
#     other dependencies: optax numpy tqdm matplotlib pillow, and a CUDA PyTorch for step 6. nnjax itself runs
#     from this checkout (PYTHONPATH); tensorflow-datasets is optional (below).
#   - the data, one of: nnjax's array cache in $TFDS_DATA_DIR/nnjax_cache/mnist.npz (copied from a machine
#     that built it with tfds: the same image order as every CPU run), or NNJAX_DATA_DIR, a folder with the
#     four MNIST IDX files (built with tfds when it is installed, else read with NumPy in the files' order).
# All visible GPUs are used (data parallel); for one card set CUDA_VISIBLE_DEVICES=0.
#
# Usage, from anywhere:
#   NNJAX_DATA_DIR=/path/to/mnist bash benchmarks/gpu.sh [OUT_DIR]
# Knobs (environment): PYTHON (python3), SEEDS (5), SWEEP_EPOCHS (the video config's), ENSEMBLE (1024),
#   ENSEMBLE_EPOCHS (3), COMPARE_REPS (2), COMPARE_EPOCHS (4), DEADLINE (seconds from the start, 3000: a step
#   that would start later is skipped and a running one is stopped there, so the table is always written),
#   SMOKE=1 (allow CPU, 1 epoch everywhere, small sweep, ensemble and comparison: plumbing only).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=${1:-$ROOT/runs/gpu-bench-$(date +%Y%m%d-%H%M%S)}
PY=${PYTHON:-python3}
SMOKE=${SMOKE:-0}
SEEDS=${SEEDS:-5}
ENSEMBLE=${ENSEMBLE:-1024}
ENSEMBLE_EPOCHS=${ENSEMBLE_EPOCHS:-3}
COMPARE_REPS=${COMPARE_REPS:-2}
COMPARE_EPOCHS=${COMPARE_EPOCHS:-4}
DEADLINE=${DEADLINE:-3000}
COMPARE_FLAGS=()
COMPARE_DEVICE=cuda
EPOCHS_FLAG=()
SWEEP_FLAGS=()
if [[ -n "${SWEEP_EPOCHS:-}" ]]; then SWEEP_FLAGS=(--epochs "$SWEEP_EPOCHS"); fi
if [[ "$SMOKE" == 1 ]]; then
  EPOCHS_FLAG=(--epochs 1); SWEEP_FLAGS=(--epochs 1); SEEDS=2; ENSEMBLE=16; ENSEMBLE_EPOCHS=1
  COMPARE_FLAGS=(--train-limit 6000 --configs a,c); COMPARE_REPS=1; COMPARE_EPOCHS=2; COMPARE_DEVICE=cpu
  COMPARE_FLAGS+=(--no-ensemble)
fi
export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"
export TFDS_DATA_DIR=${TFDS_DATA_DIR:-$OUT/tfds}
export TF_CPP_MIN_LOG_LEVEL=2
mkdir -p "$OUT"
NNJAX=("$PY" -m nnjax.cli)  # an array, not a function: `timeout` runs it

if command -v nvidia-smi >/dev/null; then
  CARD=$(nvidia-smi --query-gpu=name --format=csv,noheader | head -n 1)
else
  CARD="no nvidia-smi"
fi

# --- the device -------------------------------------------------------------------------------------
SMOKE=$SMOKE "$PY" - <<'EOF'
import os, sys
import jax
devices = jax.devices()
if devices[0].platform != "gpu" and os.environ["SMOKE"] != "1":
    sys.exit(f"gpu.sh: jax sees {devices}: no GPU (install jax for CUDA, e.g. pip install -U 'jax[cuda12]')")
print(f"jax {jax.__version__}: {len(devices)} × {devices[0].device_kind}", file=sys.stderr)
EOF

# --- the data: nnjax's array cache, from tfds when it is installed, else straight from the IDX files ----
"$PY" - <<'EOF'
import gzip, sys
import numpy as np
from nnjax import data

cache = data._cache_path(data.tfds_root(None), "mnist")
if data._read_cache(cache) is None:
    raw = data.manual_dir(None)
    if raw is None:
        sys.exit("gpu.sh: set NNJAX_DATA_DIR to a folder with the four MNIST IDX .gz files")
    data.check_manual_dir(raw, "mnist")
    try:
        import tensorflow_datasets  # noqa: F401  (builds the tfds copy; the same image order as the CPU runs)
        data.load_arrays("mnist")
    except ImportError:
        def idx(name, header):
            with gzip.open(raw / name, "rb") as f:
                return np.frombuffer(f.read(), np.uint8, offset=header)
        arrays = {
            "x_train": idx("train-images-idx3-ubyte.gz", 16).reshape(-1, 784),
            "y_train": idx("train-labels-idx1-ubyte.gz", 8).astype(np.int32),
            "x_test": idx("t10k-images-idx3-ubyte.gz", 16).reshape(-1, 784),
            "y_test": idx("t10k-labels-idx1-ubyte.gz", 8).astype(np.int32),
        }
        data._write_cache(cache, arrays)
        print("gpu.sh: no tensorflow_datasets: training images in the raw files' order "
              "(tfds stores them in another order, so batches differ from CPU runs)", file=sys.stderr)
print(f"data cache: {cache}", file=sys.stderr)
EOF

# --- the runs: each on its own, with its wall time and exit status in steps.tsv ---------------------------
: >"$OUT/steps.tsv"
step() {  # step NAME COMMAND...: run it (stdout to NAME.json, stderr to the log) before the deadline
  local name=$1; shift
  local left=$((DEADLINE - SECONDS))
  if ((left < 20)); then
    echo "gpu.sh: $name skipped: the deadline ($DEADLINE s) has passed" >&2
    printf '%s\tskipped\t0\n' "$name" >>"$OUT/steps.tsv"; return 0
  fi
  echo "gpu.sh: $name (at most $left s)" >&2
  local t0=$SECONDS rc=0
  timeout -k 10 "$left" "$@" >"$OUT/$name.json" || rc=$?
  printf '%s\t%s\t%s\n' "$name" "$rc" "$((SECONDS - t0))" >>"$OUT/steps.tsv"
  ((rc == 0)) || echo "gpu.sh: $name failed (exit $rc; 124 = stopped at the deadline)" >&2
}
step video "${NNJAX[@]}" train --config video "${EPOCHS_FLAG[@]}" --out "$OUT/video" --json --no-progress
step wide "${NNJAX[@]}" train --config wide "${EPOCHS_FLAG[@]}" --out "$OUT/wide" --json --no-progress
step wide1024 "${NNJAX[@]}" train --config wide --hidden 1024,1024 "${EPOCHS_FLAG[@]}" --out "$OUT/wide1024" --json \
  --no-progress
step ensemble "${NNJAX[@]}" sweep --config video --name ensemble --epochs "$ENSEMBLE_EPOCHS" --checkpoint-every 0 \
  --grid "seed=$(seq -s, 0 $((ENSEMBLE - 1)))" --out "$OUT/ensemble" --json --no-progress
ACTIVATIONS=$("$PY" -c "from nnjax.activations import ACTIVATIONS; print(','.join(ACTIVATIONS))") || ACTIVATIONS=""
step activations "${NNJAX[@]}" sweep --config video --name activations "${SWEEP_FLAGS[@]}" \
  --grid "activation=$ACTIVATIONS" "seed=$(seq -s, 0 $((SEEDS - 1)))" --out "$OUT/activations" --json \
  --no-progress
step compare "$PY" "$ROOT/benchmarks/compare.py" --device "$COMPARE_DEVICE" --reps "$COMPARE_REPS" \
  --epochs "$COMPARE_EPOCHS" --contenders nnjax,torch --no-default-run "${COMPARE_FLAGS[@]}" --out "$OUT/RESULTS_gpu.md"

# --- the table --------------------------------------------------------------------------------------
CARD=$CARD OUT=$OUT ENSEMBLE_EPOCHS=$ENSEMBLE_EPOCHS "$PY" - <<'EOF' | tee "$OUT/table.md"
import json, os
from pathlib import Path
import jax
from nnjax.run import read_metrics

out = Path(os.environ["OUT"])
steps = {}
for line in (out / "steps.tsv").read_text().splitlines():
    name, rc, wall = line.split("\t")
    steps[name] = (rc, int(wall))
missing = {}


def load(name):
    """The step's --json output, or None with the reason in `missing`."""
    rc, _ = steps.get(name, ("not run", 0))
    if rc != "0":
        missing[name] = {"skipped": "skipped (deadline)", "124": "stopped at the deadline"}.get(rc, f"failed ({rc})")
        return None
    return json.loads((out / f"{name}.json").read_text())


def pct(a):
    return "–" if a is None else f"{100 * a:.2f} %"


def to_98(run):
    """First epoch at ≥ 98 % test accuracy: training seconds to there, and with the compile added."""
    seconds = 0.0
    for m in read_metrics(Path(run["run_dir"]) / "metrics.jsonl"):
        seconds += m["epoch_s"]
        if m["test_accuracy"] >= 0.98:
            return f"epoch {m['epoch']}: {seconds:.2f} s training, {seconds + run['compile_s']:.2f} s with compile"
    return "not reached"


rows = []
for name, label, ref in (
    ("video", "video: 784-16-16-10 sigmoid, batch 32", ""),
    ("wide", "wide: 784-256-256-10 ReLU, batch 128", ""),
    ("wide1024", "wide --hidden 1024,1024, batch 128", "98.3 % in 10 epochs of 0.033 s"),
):
    r = load(name)
    if r is None:
        rows.append(f"| {label} | {missing[name]} | | | | | | | {ref} |")
        continue
    reached = to_98(r) if name != "video" else "–"
    rows.append(f"| {label} | {r['epochs']} | {r['compile_s']:.2f} | {r['epoch_s_median']:.4f} | {r['train_s']:.2f} "
                f"| {steps[name][1]} | {pct(r['test_accuracy'])} | {reached} | {ref} |")
e = load("ensemble")
if e is None:
    rows.append(f"| vmapped video networks (one ensemble) | {missing['ensemble']} | | | | | | | 0.58 s per epoch |")
else:
    g = e["groups"][0]
    ref = "0.58 s per epoch (1024 members)" if e["n_members"] == 1024 else ""
    rows.append(f"| {e['n_members']} vmapped video networks (one ensemble) | {os.environ['ENSEMBLE_EPOCHS']} "
                f"| {g['compile_s']:.2f} | {g['epoch_s_median']:.4f} | {g['train_s']:.2f} | {steps['ensemble'][1]} "
                f"| – | – | {ref} |")
s = load("activations")
if s is None:
    rows.append(f"| activation sweep | {missing['activations']} | | | | | | | |")
else:
    best = max(s["rows"], key=lambda r: r["test_accuracy_mean"] or 0)
    epochs = json.loads((out / "activations" / "sweep.json").read_text())["base"]["epochs"]
    epoch_s = sorted(g["epoch_s_median"] for g in s["groups"])[len(s["groups"]) // 2]
    rows.append(f"| activation sweep: {s['n_members']} members in {s['n_groups']} ensembles | {epochs} "
                f"| {s['compile_s']:.2f} | {epoch_s:.4f} (median group) | {s['train_s']:.2f} "
                f"| {steps['activations'][1]} | best: {best['activation']} {pct(best['test_accuracy_mean'])} | – | |")
print(f"nnjax on **{os.environ['CARD']}** ({jax.device_count()} × {jax.devices()[0].device_kind} visible to jax "
      f"{jax.__version__}); `bash benchmarks/gpu.sh`. Times in seconds; test accuracy on the official "
      "10,000-image MNIST test split; median epoch excludes compilation; wall = the whole process (start-up, "
      "data, compile, training, writing); the reference column is the issue's plain-JAX reference on an H100.\n")
print("| run | epochs | compile s | median epoch s | training s | wall s | test accuracy | 98 % reached | reference |")
print("|---|---|---|---|---|---|---|---|---|")
print("\n".join(rows))
rc = steps.get("compare", ("not run",))[0]
if rc == "0" and (out / "RESULTS_gpu.md").exists():
    print("\n" + (out / "RESULTS_gpu.md").read_text())
else:
    print(f"\nbenchmarks/compare.py: exit {rc}, no RESULTS_gpu.md (its output: compare.json, the log)")
EOF
echo "gpu.sh: run folders, steps.tsv and table.md in $OUT" >&2
