"""What every contender shares: the job file, the data, the initial weights, the result file.

A contender is a script run in its own process (so its peak memory is its own):

    python benchmarks/contenders/<name>.py JOB.json RESULT.json

JOB.json (written by ``benchmarks/compare.py``) names the network, the optimiser, the epochs and two
``.npz`` files in a temporary folder: ``data`` (uint8 x_Nx784 / int32 y_N train and test arrays, the
same arrays for every contender) and ``start`` (the initial W and b of every layer as nnjax's
``init_params`` draws them, and ``perm_ExN``: the mini-batch order of every epoch as nnjax's
``epoch_key`` draws it). Every contender thus starts from identical weights and sees identical batches.

This module imports NumPy only: the PyTorch and NumPy contenders never load JAX.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np


def read_job() -> tuple[dict[str, Any], Path]:
    """(job dict, result path) from the command line; a wrong one is one line on stderr, before any training."""
    prog = Path(sys.argv[0]).name
    if len(sys.argv) != 3:
        print(f"{prog}: error: expected JOB.json RESULT.json, got {len(sys.argv) - 1} argument(s)", file=sys.stderr)
        sys.exit(2)
    job_path, out = Path(sys.argv[1]), Path(sys.argv[2])
    try:
        job = json.loads(job_path.read_text())
    except OSError as e:
        sys.exit(f"{prog}: error: {job_path}: {e.strerror}")
    except ValueError as e:
        sys.exit(f"{prog}: error: {job_path}: not a JSON job file ({e})")
    if not out.parent.is_dir():  # found now, not once the training is done
        sys.exit(f"{prog}: error: {out}: folder {out.parent} does not exist")
    return job, out


def load_data(job: dict[str, Any]) -> dict[str, np.ndarray]:
    """x_train (uint8 Nx784), y_train (int32 N), x_test, y_test."""
    with np.load(job["data"], allow_pickle=False) as f:
        return {k: f[k] for k in ("x_train", "y_train", "x_test", "y_test")}


def load_start(job: dict[str, Any]) -> tuple[list[tuple[np.ndarray, np.ndarray]], np.ndarray]:
    """([(W_outxin, b_out) per layer], perm_ExN int64) — nnjax's initial weights and batch order."""
    with np.load(job["start"], allow_pickle=False) as f:
        n_layers = len(job["hidden"]) + 1
        layers = [(f[f"layer{i}_W"], f[f"layer{i}_b"]) for i in range(n_layers)]
        return layers, f["perm_ExN"].astype(np.int64)


def startup_s(job: dict[str, Any]) -> float:
    """Seconds from the parent's launch of this process to now (interpreter, imports, data, model)."""
    return time.time() - job["t_launch"]


def write_result(path: Path, job: dict[str, Any], epoch_s: list[float], test_accuracy: float, **extra: Any) -> None:
    """The contender's numbers as JSON (peak memory is measured by the parent process)."""
    result = {
        "contender": job["contender"],
        "config": job["config"],
        "epoch_s": [round(t, 5) for t in epoch_s],
        "test_accuracy": test_accuracy,
        "startup_s": round(extra.pop("startup_s", float("nan")), 3),
        **extra,
    }
    path.write_text(json.dumps(result, indent=2) + "\n")
