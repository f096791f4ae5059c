"""Divergence: the run stops at the diverged epoch with one line naming it and the likely cause,
keeps its last good checkpoint untouched, never saves the diverged state, and exits 1."""

from __future__ import annotations

import hashlib
import math
import re
from pathlib import Path

import numpy as np
import pytest
from conftest import synthetic_splits

from nnjax import checkpoint, run
from nnjax.config import Config
from nnjax.errors import DivergedError

SPLITS = synthetic_splits()
GOOD = Config(name="div", batch_size=16, epochs=6, lr=0.01, checkpoint_every=1)
HUGE_LR = ["--optimizer", "sgd", "--lr", "1000"]


@pytest.fixture
def patched_data(monkeypatch):
    monkeypatch.setattr(run, "load_splits", lambda *args, **kwargs: SPLITS)


def digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def sane(**changes) -> dict:
    return {"train_loss": 1.5, "finite": True, "grad_norm": 0.4, "param_norm": 12.0, **changes}


def test_divergence_cause():
    init = 2.3
    assert run.divergence_cause(sane(), init) is None
    assert run.divergence_cause(sane(train_loss=50 * init), init) is None  # bad, but below the factor
    assert "non-finite" in run.divergence_cause(sane(finite=False), init)
    assert "non-finite" in run.divergence_cause(sane(train_loss=math.nan), init)
    assert "non-finite" in run.divergence_cause(sane(train_loss=math.inf), init)
    assert "overflowed" in run.divergence_cause(sane(param_norm=math.inf), init)
    assert "overflowed" in run.divergence_cause(sane(grad_norm=math.nan), init)
    assert "exploded to 500x" in run.divergence_cause(sane(train_loss=500 * init), init)
    # The factor is a strict bound: exactly 100x the untrained loss still trains, the next float above it stops.
    assert run.divergence_cause(sane(train_loss=100 * 2.0), 2.0) is None
    assert "exploded to 100x" in run.divergence_cause(sane(train_loss=math.nextafter(200.0, math.inf)), 2.0)
    # A badly scaled init starts from a huge loss: the yardstick is the untrained network, not chance.
    assert run.divergence_cause(sane(train_loss=135.0), 7673.0) is None
    assert run.divergence_cause(sane(train_loss=1e9), math.nan) is None  # no yardstick: only non-finite counts
    assert run.divergence_cause(sane(train_loss=1e9), 0.0) is None  # nor is a zero one


def test_lr_1e3_sgd_stops_at_epoch_1(tmp_path):
    out = tmp_path / "run"
    with pytest.raises(DivergedError) as e:
        run.train_and_evaluate(GOOD.replace(lr=1e3, optimizer="sgd"), out, progress=False, splits=SPLITS)
    msg = str(e.value)
    assert "\n" not in msg
    assert msg.startswith("training diverged at epoch 1: ") and "lr=1000.0 is too high" in msg
    assert "no checkpoint was written" in msg
    # Nothing of the diverged state is kept: no checkpoint, no metrics line, no result.
    assert checkpoint.list_checkpoints(out / "checkpoints") == []
    assert (out / "metrics.jsonl").read_text() == ""
    assert not (out / "result.json").exists()


def test_non_finite_values_stop_the_run(tmp_path):
    with pytest.raises(DivergedError, match=r"epoch 1: the loss or the parameters became non-finite"):
        run.train_and_evaluate(GOOD.replace(lr=1e30, optimizer="sgd"), tmp_path / "r", progress=False, splits=SPLITS)


def test_cli_exits_1_with_one_line(tmp_path, cli_error, patched_data):
    line = cli_error(
        "train", "--out", tmp_path / "run", "--epochs", "3", "--batch-size", "16", *HUGE_LR, "--no-progress"
    )
    assert re.fullmatch(r"nnjax: error: training diverged at epoch 1: .*lr=1000\.0 is too high.*", line), line


def test_divergence_keeps_the_last_good_checkpoint(tmp_path, cli, patched_data, monkeypatch):
    out = tmp_path / "run"
    real_save = checkpoint.save

    def save_then_stop(folder, epoch, *args, **kwargs):
        path = real_save(folder, epoch, *args, **kwargs)
        if epoch == 3:
            raise KeyboardInterrupt  # Ctrl-C right after the third checkpoint
        return path

    monkeypatch.setattr(checkpoint, "save", save_then_stop)
    with pytest.raises(KeyboardInterrupt):
        run.train_and_evaluate(GOOD, out, progress=False, splits=SPLITS)
    monkeypatch.setattr(checkpoint, "save", real_save)
    saved = digests(out / "checkpoints")
    _, params_3, _ = run.load_run(out)

    # Continue the run with a learning rate that blows it up at its next epoch.
    rc, _, err = cli("train", "--resume", out, "--lr", "1000", "--force", "--no-progress")
    said, line = err.strip().splitlines()  # what the --force changes, said before training; then the one error
    assert rc == 1 and said.startswith("nnjax: --force: lr 0.01 → 1000 after epoch 3 (epochs 1–3 trained with"), err
    assert line.startswith("nnjax: error: training diverged at epoch 4:"), err
    assert f"last good checkpoint: {checkpoint.checkpoint_path(out / 'checkpoints', 3)}" in line
    assert digests(out / "checkpoints") == saved  # untouched, and no checkpoint of the diverged state
    cfg, params, epoch = run.load_run(out)
    assert epoch == 3 and cfg.lr == 1000.0
    for a, b in zip(params, params_3):
        assert np.array_equal(a["W"], b["W"]) and np.array_equal(a["b"], b["b"])
    assert [m["epoch"] for m in run.read_metrics(out / "metrics.jsonl")] == [1, 2, 3]
    assert not (out / "result.json").exists()

    # The last good checkpoint carries on with a sane learning rate.
    rc, _, err = cli("train", "--resume", out, "--lr", "0.01", "--force", "--no-progress")
    assert rc == 0, err
    assert [m["epoch"] for m in run.read_metrics(out / "metrics.jsonl")] == [1, 2, 3, 4, 5, 6]
    assert run.load_run(out)[2] == 6
