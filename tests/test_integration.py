"""Real MNIST, end to end: build the tfds data set offline from the raw IDX files, train the video's network
for a few epochs through the command line, pass 90 % test accuracy, and reproduce the figure with ``nnjax eval``.

Needs $NNJAX_DATA_DIR (a folder with the four MNIST .gz files); without it every test here skips.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

# Read at import (collection) time: conftest's session fixture removes it from the environment for unit tests.
REAL_DATA_DIR = os.environ.get("NNJAX_DATA_DIR")

pytestmark = pytest.mark.skipif(
    not REAL_DATA_DIR,
    reason="NNJAX_DATA_DIR not set: point it at a folder with the four MNIST IDX .gz files "
    "(e.g. ../shared/data/mnist) to run the real-MNIST integration test",
)

EPOCHS = 5  # ~93-94 % with the default config; 1 epoch alone is barely 90 %


@pytest.fixture(scope="module")
def real_run(tmp_path_factory):
    """One real run, shared by the tests below: (tfds dir, run dir, parsed --json output, its stderr).

    Its tfds folder already holds, where tfds unpacks raw files by name, another data set's test labels
    (Fashion-MNIST and KMNIST files have MNIST's names): tfds reuses such a file, so the build must not look there.
    """
    from nnjax.cli import main

    root = tmp_path_factory.mktemp("real")
    tfds_dir, run_dir = root / "tfds", root / "run"
    (tfds_dir / "downloads" / "extracted").mkdir(parents=True)
    stale = tfds_dir / "downloads" / "extracted" / "GZIP.t10k-labels-idx1-ubyte.gz"  # tfds's name for it: unpacked
    stale.write_bytes(struct.pack(">II", 0x801, 10_000) + bytes([9]) * 10_000)
    argv = ["train", "--data-dir", REAL_DATA_DIR, "--tfds-dir", str(tfds_dir), "--epochs", str(EPOCHS)]
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        rc = main([*argv, "--out", str(run_dir), "--json", "--no-progress"])
    assert rc == 0, stdout.getvalue() + stderr.getvalue()
    return tfds_dir, run_dir, json.loads(stdout.getvalue()), stderr.getvalue()


def test_mnist_is_built_offline_from_the_raw_files(real_run):
    tfds_dir, _, _, stderr = real_run
    assert list(tfds_dir.glob("mnist/*/dataset_info.json")), "tfds did not build mnist into the given folder"
    # It says what it does, and not tfds's "Downloading and preparing dataset…" (nothing is downloaded).
    raw = os.path.abspath(
        os.path.expanduser(REAL_DATA_DIR)
    )  # a config field holds it absolute; the README gives it relative
    assert f"nnjax: building mnist into {tfds_dir} from the raw files in {raw} (nothing is downloaded)" in stderr
    assert "Downloading" not in stderr and "Dl Completed" not in stderr, stderr
    with np.load(tfds_dir / "nnjax_cache" / "mnist.npz", allow_pickle=False) as z:
        x_train, x_test, y_test = z["x_train"], z["x_test"], z["y_test"]
    assert x_train.shape == (60_000, 784) and x_test.shape == (10_000, 784)
    assert x_train.dtype == np.uint8 and x_train.max() == 255
    assert np.bincount(y_test, minlength=10).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    assert not list(tfds_dir.glob("downloads/unpacking-*")), "the build's unpacked raw files were left behind"


def test_validation_split_holds_out_the_last_10000(real_run):
    from nnjax.data import load_splits

    tfds_dir, _, _, _ = real_run
    s = load_splits("mnist", REAL_DATA_DIR, str(tfds_dir), validation=True)
    assert (len(s.x_train), len(s.x_eval), len(s.x_test), s.eval_split) == (50_000, 10_000, 10_000, "val")
    whole = load_splits("mnist", REAL_DATA_DIR, str(tfds_dir))
    assert np.array_equal(s.x_train, whole.x_train[:50_000]) and np.array_equal(s.y_train, whole.y_train[:50_000])
    assert np.array_equal(s.x_eval, whole.x_train[50_000:]) and np.array_equal(s.y_eval, whole.y_train[50_000:])
    assert np.array_equal(s.x_test, whole.x_test) and np.array_equal(s.y_test, whole.y_test)


def test_short_real_run_passes_90_percent(real_run):
    _, run_dir, result, _ = real_run
    assert result["test_accuracy"] > 0.90, result
    assert result["n_params"] == 13_002 and result["epochs"] == EPOCHS
    metrics = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]
    assert len(metrics) == EPOCHS and metrics[-1]["train_loss"] < metrics[0]["train_loss"]
    assert json.loads((run_dir / "result.json").read_text())["test_accuracy"] == result["test_accuracy"]


def test_eval_reproduces_the_test_accuracy(real_run, cli):
    """``nnjax eval RUN_DIR`` in a fresh process gives exactly the figure training ended with."""
    _, run_dir, result, _ = real_run
    env = {k: v for k, v in os.environ.items() if k != "NNJAX_DATA_DIR"}  # config.json says where the data is
    cmd = [sys.executable, "-m", "nnjax.cli", "eval", str(run_dir), "--json"]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["test_accuracy"] == result["test_accuracy"]
    rc, out, err = cli("eval", run_dir)  # and the text a person reads
    assert rc == 0, err
    assert out.startswith(f"test accuracy: {100 * result['test_accuracy']:.2f} %")


def test_compare_counts_the_real_test_split_as_training_did(real_run, cli):
    """``nnjax compare`` of the run with itself: its image-by-image count of the 10,000 real test images gives
    the accuracy training reported (a separate path: predict's answers, not the evaluator's sum)."""
    _, run_dir, result, _ = real_run
    rc, out, err = cli("compare", run_dir, run_dir, "--json")
    assert rc == 0, err
    r = json.loads(out)
    assert r["n_test"] == 10_000 and r["only_a_right"] == r["only_b_right"] == 0 and r["p_value"] == 1.0
    assert r["both_right"] == round(result["test_accuracy"] * 10_000)
    assert r["a"]["test_accuracy"] == pytest.approx(result["test_accuracy"], abs=1e-7)


def test_real_files_are_what_the_checker_expects():
    from nnjax.data import check_manual_dir

    check_manual_dir(Path(REAL_DATA_DIR), "mnist")
