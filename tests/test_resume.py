"""Exact resume of a run folder, and failed starts that leave the folder untouched.

The centre piece kills a real training process (``nnjax train`` in a subprocess) with SIGKILL after
its first checkpoint, resumes it with ``nnjax train --resume``, and checks that the final checkpoint
(parameters, optimiser state, data-order key) is bit-identical to an uninterrupted run's and that the
metrics file has the same lines (timings aside). The data is a small synthetic, learnable set.
"""

from __future__ import annotations

import collections
import fcntl
import hashlib
import inspect
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import jax
import numpy as np
import pytest
from conftest import synthetic_splits

from nnjax import checkpoint, run, train
from nnjax.config import Config, load_json
from nnjax.errors import CheckpointError, ConfigError

SPLITS = synthetic_splits()
CFG = Config(name="resume", batch_size=16, epochs=12, lr=0.01, checkpoint_every=2, keep_checkpoints=2)
FLAGS = ["--batch-size", "16", "--epochs", "12", "--lr", "0.01", "--checkpoint-every", "2", "--keep-checkpoints", "2"]

# `nnjax train` with the synthetic data in place of a tfds data set; EPOCH_DELAY slows every epoch
# down (without changing a number) so that a kill lands mid-run.
SCRIPT = f"""
import os, sys, time
from nnjax.data import Splits
import nnjax.run as run
from nnjax import cli

{inspect.getsource(synthetic_splits)}
SPLITS = synthetic_splits()
run.load_splits = lambda *args, **kwargs: SPLITS
delay = float(os.environ.get("EPOCH_DELAY", "0"))
if delay:
    real_epoch_key = run.epoch_key

    def slow_epoch_key(cfg, epoch):
        time.sleep(delay)
        return real_epoch_key(cfg, epoch)

    run.epoch_key = slow_epoch_key
sys.exit(cli.main(sys.argv[1:]))
"""


def folder_digest(folder: Path) -> dict[str, str]:
    """SHA-256 of every file under ``folder`` by relative path (to prove nothing was written)."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def final_state(run_dir: Path) -> dict:
    """The whole saved state of the newest checkpoint (parameters, optimiser state, data key)."""
    epoch, path = checkpoint.list_checkpoints(run_dir / "checkpoints")[-1]
    return {"epoch": epoch, **checkpoint.decode(path.read_bytes())}


def assert_bit_identical(a: dict, b: dict, where: str = "") -> None:
    assert a.keys() == b.keys(), where
    for k in a:
        if isinstance(a[k], dict):
            assert_bit_identical(a[k], b[k], f"{where}/{k}")
        else:
            assert np.asarray(a[k]).dtype == np.asarray(b[k]).dtype, f"{where}/{k}"
            assert np.array_equal(a[k], b[k]), f"{where}/{k} differs"


def metric_lines(run_dir: Path) -> list[dict]:
    """metrics.jsonl without the timing field."""
    return [{k: v for k, v in m.items() if k != "epoch_s"} for m in run.read_metrics(run_dir / "metrics.jsonl")]


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> tuple[Path, dict]:
    """An uninterrupted run of CFG (in this process) and its result."""
    out = tmp_path_factory.mktemp("reference") / "run"
    return out, run.train_and_evaluate(CFG, out, progress=False, splits=SPLITS)


@pytest.fixture(scope="module")
def interrupted(tmp_path_factory) -> Path:
    """CFG stopped by Ctrl-C as epoch 8 starts: checkpoints 4 and 6, metrics lines up to epoch 7."""
    out = tmp_path_factory.mktemp("interrupted") / "run"
    real_epoch_key = run.epoch_key

    def interrupting_epoch_key(cfg, epoch):
        if epoch == 7:  # 0-based: the 8th epoch
            raise KeyboardInterrupt
        return real_epoch_key(cfg, epoch)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(run, "epoch_key", interrupting_epoch_key)
        with pytest.raises(KeyboardInterrupt):
            run.train_and_evaluate(CFG, out, progress=False, splits=SPLITS)
    assert [e for e, _ in checkpoint.list_checkpoints(out / "checkpoints")] == [4, 6]
    assert [m["epoch"] for m in run.read_metrics(out / "metrics.jsonl")] == list(range(1, 8))
    assert not (out / "result.json").exists()
    return out


@pytest.fixture
def cut(interrupted, tmp_path) -> Path:
    """A fresh copy of the interrupted run folder."""
    return Path(shutil.copytree(interrupted, tmp_path / "run"))


@pytest.fixture
def patched_data(monkeypatch):
    """In-process `nnjax train/eval` read the synthetic splits."""
    monkeypatch.setattr(run, "load_splits", lambda *args, **kwargs: SPLITS)


def nnjax_process(script: Path, *argv, delay: float = 0.0) -> subprocess.Popen:
    env = {**os.environ, "EPOCH_DELAY": str(delay)}
    return subprocess.Popen(
        [sys.executable, str(script), *map(str, argv)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_sigkill_then_resume_is_bit_identical(reference, tmp_path):
    ref_dir, ref_result = reference
    script = tmp_path / "nnjax_synthetic.py"
    script.write_text(SCRIPT)
    out = tmp_path / "killed"

    proc = nnjax_process(script, "train", "--out", out, *FLAGS, "--no-progress", delay=0.08)
    deadline = time.monotonic() + 120
    while not checkpoint.list_checkpoints(out / "checkpoints"):
        assert proc.poll() is None, f"training ended before its first checkpoint: {proc.communicate()}"
        assert time.monotonic() < deadline, "no checkpoint within 120 s"
        time.sleep(0.005)
    time.sleep(0.12)  # into the epochs after the checkpoint: their metrics lines must be dropped on resume
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    assert proc.returncode == -signal.SIGKILL
    newest = checkpoint.list_checkpoints(out / "checkpoints")[-1][0]
    assert newest < CFG.epochs and not (out / "result.json").exists(), "the kill came too late to test anything"

    resumed = nnjax_process(script, "train", "--resume", out, "--no-progress", "--json")
    stdout, stderr = resumed.communicate(timeout=300)
    assert resumed.returncode == 0, stderr
    result = json.loads(stdout)

    assert_bit_identical(final_state(out), final_state(ref_dir))
    assert metric_lines(out) == metric_lines(ref_dir)
    assert [m["epoch"] for m in metric_lines(out)] == list(range(1, CFG.epochs + 1))
    assert result["test_accuracy"] == ref_result["test_accuracy"]
    assert result["test_loss"] == ref_result["test_loss"]
    assert not list((out / "checkpoints").glob(".*.tmp"))


def test_ctrl_c_is_one_line_exit_130_and_the_run_resumes(reference, tmp_path):
    """The console script (cli.entry) on Ctrl-C: one line saying how to continue, exit status 130 — never a
    traceback, an ignored interrupt or a crash in Python's shutdown — and the run resumes bit-identical."""
    ref_dir, _ = reference
    script = tmp_path / "nnjax_entry.py"
    # SIGINT as an interactive shell leaves it (pytest may itself run with it ignored, e.g. started with `&`)
    start = "import signal\nsignal.signal(signal.SIGINT, signal.default_int_handler)\ncli.entry()"
    script.write_text(SCRIPT.replace("sys.exit(cli.main(sys.argv[1:]))", start))
    out = tmp_path / "interrupted"
    proc = nnjax_process(script, "train", "--out", out, *FLAGS, "--no-progress", delay=0.08)
    deadline = time.monotonic() + 120
    while len(run.read_metrics(out / "metrics.jsonl")) < 3:
        assert proc.poll() is None, f"training ended before its third epoch: {proc.communicate()}"
        assert time.monotonic() < deadline, "no third epoch within 120 s"
        time.sleep(0.005)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert stderr.splitlines() == [f"nnjax: interrupted (continue with: nnjax train --resume {out})"]
    assert not (out / "result.json").exists(), "the interrupt came too late to test anything"
    resumed = nnjax_process(script, "train", "--resume", out, "--no-progress")
    _, stderr = resumed.communicate(timeout=300)
    assert resumed.returncode == 0, stderr
    assert_bit_identical(final_state(out), final_state(ref_dir))
    assert metric_lines(out) == metric_lines(ref_dir)


def test_parameters_of_an_unfinished_run_are_named_by_their_epoch(cut, cli, patched_data, tmp_path):
    """export/eval of a run interrupted after its epoch-6 checkpoint (of 12): a warning says so, and the
    exported file records the epoch (it could otherwise be shared as the run's trained weights)."""
    rc, out, err = cli("export", cut, tmp_path / "w.npz")
    assert rc == 0, err
    assert err == f"nnjax: warning: {cut} has trained 6 of its 12 epochs; these are its epoch-6 parameters\n"
    with np.load(tmp_path / "w.npz", allow_pickle=False) as z:
        assert int(z["epoch"]) == 6
    rc, out, err = cli("eval", cut)
    assert rc == 0 and "has trained 6 of its 12 epochs" in err and "epoch 6 parameters" in out


def test_resume_in_process_matches_and_drops_lines_past_the_checkpoint(reference, cut):
    ref_dir, ref_result = reference
    # The interrupted run logged epochs 1-7 and checkpointed 6; a kill may also leave a line cut short.
    with (cut / "metrics.jsonl").open("a") as f:
        f.write(json.dumps({**run.read_metrics(ref_dir / "metrics.jsonl")[7], "epoch_s": 0.5}) + "\n")
        f.write('{"epoch": 9, "train_lo')
    result = run.train_and_evaluate(CFG, cut, resume=True, progress=False, splits=SPLITS)
    assert_bit_identical(final_state(cut), final_state(ref_dir))
    assert metric_lines(cut) == metric_lines(ref_dir)
    assert result["test_accuracy"] == ref_result["test_accuracy"]


def test_resume_falls_back_past_a_damaged_checkpoint(reference, cut, capsys):
    ref_dir, _ = reference
    newest = checkpoint.checkpoint_path(cut / "checkpoints", 6)
    newest.write_bytes(newest.read_bytes()[:-100])
    run.train_and_evaluate(CFG, cut, resume=True, progress=False, splits=SPLITS)
    err = capsys.readouterr().err
    assert "skipping" in err
    assert f"nnjax: resumed {cut} after epoch 4 (epoch_000004.msgpack)" in err.splitlines()
    # set aside, not pruned as good; the checkpoint the run resumed from is kept as it is
    assert [p.name for p in (cut / "checkpoints").glob("*.damaged")] == ["epoch_000006.msgpack.damaged"]
    assert_bit_identical(final_state(cut), final_state(ref_dir))
    assert metric_lines(cut) == metric_lines(ref_dir)


def test_a_checkpoint_renamed_to_another_epoch_is_skipped_with_a_warning(reference, cut, capsys):
    """A file's name is the epoch it claims: epoch 6's checkpoint renamed to epoch 9 is not the newest, and a
    resume says why it skips it (it was set aside without a word) and trains on from the one before."""
    ref_dir, _ = reference
    ckpts = cut / "checkpoints"
    checkpoint.checkpoint_path(ckpts, 6).rename(checkpoint.checkpoint_path(ckpts, 9))
    run.train_and_evaluate(CFG, cut, resume=True, progress=False, splits=SPLITS)
    err = capsys.readouterr().err.splitlines()
    renamed = checkpoint.checkpoint_path(ckpts, 9)
    assert f"nnjax: warning: skipping {renamed}: holds epoch 6, but its name says epoch 9" in err
    assert f"nnjax: resumed {cut} after epoch 4 (epoch_000004.msgpack)" in err
    assert [p.name for p in ckpts.glob("*.damaged")] == ["epoch_000009.msgpack.damaged"]
    assert_bit_identical(final_state(cut), final_state(ref_dir))


def test_resume_with_a_result_changing_override_is_refused(cut, cli_error, patched_data):
    before = folder_digest(cut)
    line = cli_error("train", "--resume", cut, "--lr", "0.05", "--no-progress")
    assert "--resume with lr=0.05 but the run used lr=0.01" in line and "--force" in line
    assert folder_digest(cut) == before
    with pytest.raises(ConfigError, match="epochs=20"):
        run.train_and_evaluate(CFG.replace(epochs=20), cut, resume=True, progress=False, splits=SPLITS)
    assert folder_digest(cut) == before


def test_resume_keeps_the_runs_train_size_and_refuses_another_even_with_force(tmp_path, cli, cli_error, patched_data):
    """A run on the first 100 training images, stopped after its epoch-2 checkpoint, resumes on those 100 (its
    config.json's) and ends bit-identical to an uninterrupted one; another train_size (or none, all of them) is
    refused, --force or not, and the folder is left as it was."""
    cfg = CFG.replace(train_size=100, epochs=4)
    ref = run.train_and_evaluate(cfg, tmp_path / "ref", progress=False, splits=SPLITS)
    real_epoch_key = run.epoch_key

    def interrupting_epoch_key(cfg, epoch):
        if epoch == 2:
            raise KeyboardInterrupt
        return real_epoch_key(cfg, epoch)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(run, "epoch_key", interrupting_epoch_key)
        with pytest.raises(KeyboardInterrupt):
            run.train_and_evaluate(cfg, tmp_path / "cut", progress=False, splits=SPLITS)
    before = folder_digest(tmp_path / "cut")
    for flags in (["--train-size", "200"], ["--train-size", "none", "--force"], ["--train-size", "50", "--force"]):
        line = cli_error("train", "--resume", tmp_path / "cut", *flags, "--no-progress")
        assert "but the run used train_size=100; not even --force changes it" in line, line
        assert folder_digest(tmp_path / "cut") == before
    rc, out, err = cli("train", "--resume", tmp_path / "cut", "--no-progress")
    assert rc == 0 and " train_size=100 " in out and "resumed" in err
    assert load_json(tmp_path / "cut" / "config.json").train_size == 100
    result = json.loads((tmp_path / "cut" / "result.json").read_text())
    assert result["n_train"] == ref["n_train"] == 100 and result["test_accuracy"] == ref["test_accuracy"]
    assert_bit_identical(final_state(tmp_path / "cut"), final_state(tmp_path / "ref"))
    assert metric_lines(tmp_path / "cut") == metric_lines(tmp_path / "ref")


def test_resume_to_fewer_epochs_than_its_newest_checkpoint_is_refused(cut, cli_error, patched_data):
    newest = checkpoint.list_checkpoints(cut / "checkpoints")[-1][0]
    before = folder_digest(cut)
    line = cli_error("train", "--resume", cut, "--force", "--epochs", newest - 1, "--no-progress")
    assert line.endswith(f"epoch_{newest:06d}.msgpack: the run is already past epochs={newest - 1}")
    assert folder_digest(cut) == before


def test_resume_to_fewer_epochs_than_its_listed_epochs_says_to_pass_keep_epochs_too(cut, cli_error, patched_data):
    """The run keeps epoch 10's checkpoint (config.json); --force --epochs 8 leaves it out of the run: the line says
    the list is config.json's and to pass --keep-epochs too, and the folder is left as it was."""
    saved = json.loads((cut / "config.json").read_text())
    (cut / "config.json").write_text(json.dumps({**saved, "keep_epochs": [10]}))
    before = folder_digest(cut)
    line = cli_error("train", "--resume", cut, "--force", "--epochs", "8", "--no-progress")
    assert line == (
        "nnjax: error: config field 'keep_epochs' = (10,): epoch 10 is not one of the run's epochs, 1 to 8 "
        f"(keep_epochs is {cut / 'config.json'}'s; pass --keep-epochs too, one that fits --epochs 8)"
    )
    assert folder_digest(cut) == before


def test_resume_cannot_extend_a_run_past_the_optimisers_step_count(cut, cli_error, patched_data):
    before = folder_digest(cut)
    line = cli_error("train", "--resume", cut, "--force", "--epochs", 2**31, "--no-progress")
    assert line.startswith(f"nnjax: error: config field 'epochs' = {2**31}: ") and "optimiser's step count" in line
    assert folder_digest(cut) == before


def test_resume_with_force_continues_with_the_new_config(cut, cli, patched_data):
    rc, out, err = cli("train", "--resume", cut, "--lr", "0.05", "--force", "--no-progress", "--json")
    assert rc == 0, err
    assert json.loads((cut / "config.json").read_text())["lr"] == 0.05
    # The learning rate lives in the optimiser state: the checkpoint's 0.01 must not carry on.
    hyperparams = final_state(cut)["state"]["train"]["opt_state"]["hyperparams"]
    assert hyperparams["learning_rate"].tolist() == [np.float32(0.05)]
    assert [m["epoch"] for m in run.read_metrics(cut / "metrics.jsonl")] == list(range(1, CFG.epochs + 1))
    assert json.loads(out)["epochs"] == CFG.epochs


def forced_metas(run_dir: Path) -> dict[int, list]:
    """epoch → the ``forced`` list its checkpoint's meta carries (None: none, as an older nnjax wrote it)."""
    return {e: m.get("forced") for e, m in checkpoint.readable_metas(run_dir / "checkpoints")}


def test_a_forced_extension_says_what_it_changed_and_every_later_checkpoint_and_result_keeps_it(
    reference, tmp_path, cli, patched_data
):
    """--resume --force --epochs 16 --lr 0.02 on the finished 12-epoch run: one stderr line names the changes and
    the epochs trained with the old values, and result.json's ``forced`` lists them ([] for a run never forced).
    The list survives the rotation of every checkpoint that recorded the old config, a second --force (appended),
    and a plain resume that writes result.json again from the last checkpoint (printing no --force line)."""
    ref_dir, ref_result = reference
    assert ref_result["forced"] == [] and json.loads((ref_dir / "result.json").read_text())["forced"] == []
    done = Path(shutil.copytree(ref_dir, tmp_path / "done"))
    rc, _, err = cli("train", "--resume", done, "--force", "--epochs", "16", "--lr", "0.02", "--no-progress")
    assert rc == 0, err
    said = (
        "nnjax: --force: lr 0.01 → 0.02, epochs 12 → 16 after epoch 12 (epochs 1–12 trained with the old values; "
        'result.json\'s "forced" lists every change)'
    )
    assert [line for line in err.splitlines() if "--force:" in line] == [said], err
    first = {"after_epoch": 12, "changed": {"lr": [0.01, 0.02], "epochs": [12, 16]}}
    assert json.loads((done / "result.json").read_text())["forced"] == [first]
    assert forced_metas(done) == {16: [first], 14: [first]}  # 10 and 12 (lr 0.01, 12 epochs) rotated away
    rc, _, err = cli("train", "--resume", done, "--force", "--epochs", "20", "--lr", "0.005", "--no-progress")
    assert rc == 0, err
    second = {"after_epoch": 16, "changed": {"lr": [0.02, 0.005], "epochs": [16, 20]}}
    assert "nnjax: --force: lr 0.02 → 0.005, epochs 16 → 20 after epoch 16 (epochs 1–16 trained with" in err, err
    assert forced_metas(done) == {20: [first, second], 18: [first, second]}
    (done / "result.json").unlink()
    rc, out, err = cli("train", "--resume", done, "--no-progress", "--json")
    assert rc == 0 and "--force:" not in err, err
    assert json.loads(out)["forced"] == json.loads((done / "result.json").read_text())["forced"] == [first, second]


def test_a_run_cut_back_with_force_records_its_old_epochs_even_from_an_older_nnjaxs_checkpoint(cut, cli, patched_data):
    """--resume --force --epochs 6 on a 12-epoch run stopped after its epoch-6 checkpoint ends it there: its
    learning rate never annealed to 0 as a 6-epoch run's does, which the line and result.json say. A checkpoint of
    an nnjax before ``forced`` (none in its meta) resumes as one with an empty list."""
    path = cut / "checkpoints" / "epoch_000006.msgpack"
    epoch, tree, meta = checkpoint.restore(path, run._shape_target(CFG))
    meta.pop("forced", None)
    path.write_bytes(checkpoint.encode(epoch, tree, meta))
    rc, _, err = cli("train", "--resume", cut, "--force", "--epochs", "6", "--no-progress")
    assert rc == 0, err
    said = (
        "nnjax: --force: epochs 12 → 6 after epoch 6 (epochs 1–6 trained with the old values; "
        'result.json\'s "forced" lists every change)'
    )
    assert [line for line in err.splitlines() if "--force:" in line] == [said], err
    result = json.loads((cut / "result.json").read_text())
    assert (result["epochs"], result["forced"]) == (6, [{"after_epoch": 6, "changed": {"epochs": [12, 6]}}])


@pytest.mark.parametrize(
    "flag, value",
    [
        ("--data-seed", "1"), ("--validation", None), ("--batch-size", "32"), ("--dataset", "fashion_mnist"),
        ("--hidden", "8"), ("--optimizer", "sgd"), ("--optimizer", "adamw"), ("--seed", "5"), ("--init", "he"),
    ],
)  # fmt: skip
def test_resume_never_changes_the_data_order_or_the_split(
    reference, tmp_path, cut, cli_error, patched_data, flag, value
):
    """Not even --force continues with another data_seed or --validation: the checkpoints hold the old data
    order (a forced new seed, once interrupted, left a run no resume could load) and the metrics lines the
    old split (a finished run resumed with --validation crashed on its lines). Nor another batch size, whose
    steps the schedule would misread (a larger batch trained on at learning rate 0), or another data set. Nor
    other layer sizes or another optimiser, whose parameters and state the checkpoints cannot give (that read
    as a damaged checkpoint, in the words of flax's field names). Nor another seed or init: they chose the
    starting parameters, so a forced one changed nothing but config.json, which then described another run."""
    done = Path(shutil.copytree(reference[0], tmp_path / "done"))
    for folder in (cut, done):
        before = folder_digest(folder)
        line = cli_error("train", "--resume", folder, flag, *([value] if value else []), "--force", "--no-progress")
        field = flag[2:].replace("-", "_")
        assert f"--resume with {field}=" in line and "not even --force changes it" in line, line
        assert folder_digest(folder) == before


def test_a_finished_run_with_a_damaged_result_is_finished_again(reference, tmp_path, cli, patched_data, monkeypatch):
    """A result.json that lacks what a finished run reports is rewritten from the final checkpoint (no
    epoch trains again), as an unreadable or lost one is, with or without --force: never a KeyError. With no epoch
    left to train no epoch program is compiled (it took 2-3 s for the video network), and result.json
    (compile_skipped, compile_s 0) and nnjax train's line say so; everything else is the finished run's."""
    ref_dir, ref_result = reference
    saved = json.loads((ref_dir / "result.json").read_text())
    assert saved["compile_skipped"] is False and saved["compile_s"] > 0
    # the epoch program is the one nnjax compiles ahead of time (``train.compile_epoch``), and none compiled
    # earlier in this process (the reference's) is at hand to be reused
    monkeypatch.setattr(train, "_compiled_epochs", collections.OrderedDict())
    monkeypatch.setattr(jax.stages.Lowered, "compile", lambda *a, **k: pytest.fail("an epoch program compiled"))
    damaged = json.dumps({"epochs": CFG.epochs, "test_accuracy": 0.9})
    for i, (result_json, flags) in enumerate(
        ((damaged, ["--json"]), ("{", ["--json"]), (None, []), (None, ["--force", "--json"]))
    ):
        done = Path(shutil.copytree(ref_dir, tmp_path / f"done{i}"))
        if result_json is None:
            (done / "result.json").unlink()
        else:
            (done / "result.json").write_text(result_json)
        before = {k: v for k, v in folder_digest(done).items() if k != "result.json"}
        rc, out, err = cli("train", "--resume", done, "--no-progress", *flags)
        assert rc == 0, err
        assert f"after epoch {CFG.epochs}" in err and "from scratch" not in err, err
        # not one epoch trained again (epoch_s would differ), and config.json and the checkpoints as they were
        assert {k: v for k, v in folder_digest(done).items() if k != "result.json"} == before
        written = json.loads((done / "result.json").read_text())
        assert (written["compile_s"], written["compile_skipped"]) == (0.0, True)
        assert (written["compile_cached"], written["compile_reused"]) == (False, False)
        # epoch_s_median: the reference's is of its unrounded epoch times, a resume's of metrics.jsonl's
        same = ("run_dir", "compile_s", "compile_skipped", "epoch_s_median")
        assert {k: v for k, v in written.items() if k not in same} == {k: v for k, v in saved.items() if k not in same}
        assert written["test_accuracy"] == ref_result["test_accuracy"]
        if "--json" in flags:
            assert json.loads(out) == written
        else:
            median = f"median epoch {written['epoch_s_median']:.4f} s"
            assert f"epochs: {CFG.epochs}, epoch program not compiled: nothing left to train, {median}" in out, out


def test_a_result_json_with_true_for_an_integer_is_damaged(reference, tmp_path, cli, patched_data):
    """JSON true is an int to Python, and equal to 1: "n_test": true printed "official 1-image test split", and
    "epochs": true passed as a finished 1-epoch run's."""
    ref_dir, ref_result = reference
    done = Path(shutil.copytree(ref_dir, tmp_path / "done"))
    saved = json.loads((done / "result.json").read_text())
    assert run._is_result(saved, CFG) and run._is_result({**saved, "epochs": 1}, CFG.replace(epochs=1))
    assert not run._is_result({**saved, "epochs": True}, CFG.replace(epochs=1))
    (done / "result.json").write_text(json.dumps({**saved, "n_test": True}))
    rc, out, err = cli("train", "--resume", done, "--no-progress")
    assert rc == 0, err
    assert f"after epoch {CFG.epochs}" in err, err  # finished again from the final checkpoint
    assert f"({len(SPLITS.y_test):,}-image" not in out and "official 1-image" not in out
    assert json.loads((done / "result.json").read_text())["n_test"] == len(SPLITS.y_test)


def test_a_result_json_is_a_finished_runs_only_when_it_reports_what_that_run_reports():
    """A finished run of CFG reports its epochs, a positive test-image count (null: none given), the test
    accuracy, compile time, median epoch time (null: none measured), the device, and a validation run its
    validation accuracy. A result.json short of that, or one of other epochs (a run extended with --force and
    killed before it wrote its result.json again), is not taken as the finished run's: it is finished again."""
    good = {"epochs": CFG.epochs, "n_test": 256, "test_accuracy": 0.9, "compile_s": 1.5, "epoch_s_median": 0.1,
            "device": "cpu"}  # fmt: skip
    assert run._is_result(good, CFG) and run._is_result({**good, "n_test": None, "epoch_s_median": None}, CFG)
    for bad in ({"epochs": CFG.epochs - 2}, {"n_test": 0}, {"compile_s": None}, {"device": 1}, {"test_accuracy": "x"}):
        assert not run._is_result({**good, **bad}, CFG), bad
    validation = CFG.replace(validation=True)
    assert run._is_result({**good, "val_accuracy": 0.91}, validation) and not run._is_result(good, validation)


def test_a_result_json_with_a_bad_train_count_or_train_accuracy_is_not_a_finished_runs():
    """``nnjax train`` prints result.json's ``n_train`` and ``train_set_accuracy`` for a finished run: "0.9" for
    the accuracy was a ValueError traceback ("Unknown format code 'f'"), "n_train": true "the 1 images it trained
    on". Such a result.json is finished again from the final checkpoint, as one with a bad ``n_test`` is; an older
    nnjax's, without them, is still a finished run's."""
    good = {"epochs": CFG.epochs, "n_test": 256, "test_accuracy": 0.9, "compile_s": 1.5, "epoch_s_median": 0.1,
            "device": "cpu", "n_train": 1000, "train_set_accuracy": 0.95}  # fmt: skip
    assert run._is_result(good, CFG)
    older = {k: v for k, v in good.items() if k not in ("n_train", "train_set_accuracy")}
    assert run._is_result(older, CFG)
    for bad in ({"n_train": True}, {"n_train": 0}, {"n_train": "1000"}, {"train_set_accuracy": "0.9"},
                {"train_set_accuracy": True}):  # fmt: skip
        assert not run._is_result({**good, **bad}, CFG), bad


def test_resume_with_a_non_result_override_needs_no_force(cut, reference, cli, patched_data):
    rc, _, err = cli("train", "--resume", cut, "--checkpoint-every", "3", "--no-progress")
    assert rc == 0, err
    assert json.loads((cut / "config.json").read_text())["checkpoint_every"] == 3
    assert_bit_identical(final_state(cut), final_state(reference[0]))


def test_a_resumed_run_keeps_the_listed_epochs_it_wrote_and_may_change_the_list(reference, tmp_path, cli, monkeypatch):
    """CFG with --keep-epochs 1,3,9 stopped as epoch 8 starts: its checkpoints 1 and 3 and the newest two of the
    others (4, 6). Resumed with another list (no --force: it changes no result), it keeps 1 and 3, writes 9 and 11,
    rotates the rest as before (10, 12), and trains what the uninterrupted run trained, bit for bit; an epoch added
    that it trained before without keeping it (2) is a warning: it cannot be written any more."""
    out = tmp_path / "run"
    real_epoch_key = run.epoch_key

    def interrupting_epoch_key(cfg, epoch):
        if epoch == 7:
            raise KeyboardInterrupt
        return real_epoch_key(cfg, epoch)

    monkeypatch.setattr(run, "epoch_key", interrupting_epoch_key)
    with pytest.raises(KeyboardInterrupt):
        run.train_and_evaluate(CFG.replace(keep_epochs=(1, 3, 9)), out, progress=False, splits=SPLITS)
    assert [e for e, _ in checkpoint.list_checkpoints(out / "checkpoints")] == [1, 3, 4, 6]
    monkeypatch.setattr(run, "epoch_key", real_epoch_key)
    monkeypatch.setattr(run, "load_splits", lambda *args, **kwargs: SPLITS)
    rc, _, err = cli("train", "--resume", out, "--keep-epochs", "1,2,3,9,11", "--no-progress")
    assert rc == 0, err
    assert err.splitlines()[0] == (
        f"nnjax: warning: --keep-epochs: {out} resumes after epoch 6, and no checkpoint of epoch 2 was kept; it cannot "
        "be written now"
    )
    assert [e for e, _ in checkpoint.list_checkpoints(out / "checkpoints")] == [1, 3, 9, 10, 11, 12]
    assert json.loads((out / "config.json").read_text())["keep_epochs"] == [1, 2, 3, 9, 11]
    assert_bit_identical(final_state(out), final_state(reference[0]))
    assert metric_lines(out) == metric_lines(reference[0])
    lines = run.read_metrics(out / "metrics.jsonl")
    for epoch in (1, 9):
        assert run.eval_run(out, SPLITS, epoch=epoch)["test_accuracy"] == lines[epoch - 1]["test_accuracy"]


def test_resume_with_scan_unroll_1_is_the_same_program_as_auto(cut, reference, cli, patched_data, tmp_path):
    """scan_unroll 1 compiles what 0 (auto) does: a run trained with 0 resumes with --scan-unroll 1 without
    --force, bit for bit, and a finished run's --resume --force --scan-unroll 1 is not "other results"."""
    assert json.loads((cut / "config.json").read_text())["scan_unroll"] == 0
    rc, _, err = cli("train", "--resume", cut, "--scan-unroll", "1", "--no-progress")
    assert rc == 0, err
    assert json.loads((cut / "config.json").read_text())["scan_unroll"] == 1
    assert_bit_identical(final_state(cut), final_state(reference[0]))
    done = Path(shutil.copytree(reference[0], tmp_path / "done"))
    rc, _, err = cli("train", "--resume", done, "--scan-unroll", "1", "--force", "--no-progress")
    assert rc == 0 and "nothing to resume" in err, err


def test_a_run_saved_by_an_older_nnjax_resumes_as_it_was_saved(cut, reference, cli, patched_data):
    """An older nnjax saved warmup_epochs 2 with schedule cosine (which ignores it); a new run is refused
    that (test_config), but the saved one resumes, bit for bit."""
    saved = json.loads((cut / "config.json").read_text())
    assert saved["schedule"] == "cosine"
    (cut / "config.json").write_text(json.dumps({**saved, "warmup_epochs": 2}))
    rc, _, err = cli("train", "--resume", cut, "--no-progress")
    assert rc == 0, err
    assert_bit_identical(final_state(cut), final_state(reference[0]))


def test_eval_of_a_damaged_newest_checkpoint_says_resume_would_mend_it(reference, tmp_path, cli_error, patched_data):
    """eval reads the newest checkpoint only (an older one is not the run's result), so a damaged newest is
    an error; the line says that --resume goes back to the newest that loads."""
    done = Path(shutil.copytree(reference[0], tmp_path / "done"))
    newest = checkpoint.list_checkpoints(done / "checkpoints")[-1][1]
    newest.write_bytes(newest.read_bytes()[:1000])
    line = cli_error("eval", done)
    assert line.startswith(f"nnjax: error: {newest}") and "truncated" in line
    for _, older in checkpoint.list_checkpoints(done / "checkpoints")[:-1]:  # none loads either: no such hint
        older.write_bytes(older.read_bytes()[:1000])
    assert "--resume" not in cli_error("eval", done)
    for _, older in checkpoint.list_checkpoints(done / "checkpoints")[:-1]:  # nothing to go back to: no such hint
        older.unlink()
    assert "--resume" not in cli_error("eval", done)
    assert line.endswith(
        f"(nnjax train --resume {done} goes back to the newest checkpoint that loads and trains on from it)"
    )


def test_resume_of_a_finished_run_is_a_no_op(reference, tmp_path, cli, monkeypatch):
    done = Path(shutil.copytree(reference[0], tmp_path / "done"))
    before = folder_digest(done)

    def no_data(*args, **kwargs):
        raise AssertionError("a finished run needs no data")

    monkeypatch.setattr(run, "load_splits", no_data)
    # Flags that only say how to save (no --force needed) change nothing either: no epoch is left to save.
    rc, out, err = cli("train", "--resume", done, "--no-progress", "--json", "--checkpoint-every", "1")
    assert rc == 0, err
    assert err == f"nnjax: {done} already trained all {CFG.epochs} epochs; nothing to resume\n"
    saved = json.loads((done / "result.json").read_text())
    assert json.loads(out) == {**saved, "run_dir": str(done)}  # the folder it is in now, not where it trained
    assert saved["run_dir"] != str(done)
    assert folder_digest(done) == before


def test_a_finished_run_resumed_with_another_keep_epochs_says_what_became_of_the_list(reference, tmp_path, cli, capsys):
    """No epoch is left to save: an epoch of the new list trained past without a checkpoint cannot be kept, and
    config.json keeps its list (the folder is untouched); where a --force rewrites config.json for another field
    (an extension taken back), the new list goes with it. One line either way."""
    from nnjax.config import save_json

    done = Path(shutil.copytree(reference[0], tmp_path / "done"))
    before = folder_digest(done)
    rc, _, err = cli("train", "--resume", done, "--keep-epochs", "3,9,10", "--no-progress")
    assert rc == 0, err
    assert err == (
        f"nnjax: {done} already trained all 12 epochs; nothing to resume; --keep-epochs 3,9,10: epochs 3 and 9 were "
        "trained past without a checkpoint and cannot be kept now; config.json still lists keep_epochs [], and no "
        "checkpoint is removed\n"
    )
    assert folder_digest(done) == before
    save_json(CFG.replace(epochs=40, lr=1000.0), done / "config.json")  # a --force extension taken back
    run.train_and_evaluate(CFG.replace(keep_epochs=(10,)), done, resume=True, force=True, progress=False)
    assert capsys.readouterr().err.endswith(
        "nothing to resume; --keep-epochs 10: config.json now lists keep_epochs [10]\n"
    )
    assert load_json(done / "config.json").keep_epochs == (10,)


def _as_saved_by_hand(text: str) -> bytes:
    """metrics.jsonl as an editor may save it: CRLF line ends, a note in non-ASCII text, no space after ':'."""
    lines = [json.loads(line) for line in text.splitlines()]
    lines[0]["note"] = "café — première époque"
    return b"".join(json.dumps(m, ensure_ascii=False, separators=(",", ":")).encode() + b"\r\n" for m in lines)


def test_the_kept_lines_keep_their_bytes_across_blank_lines_and_a_nan(tmp_path):
    """Blank lines between the lines a resume keeps (an editor's) and a NaN in one (JSON's NaN, as an evaluation
    that overflowed writes it) do not make the file be written afresh: it is only cut after the kept lines."""
    path = tmp_path / "metrics.jsonl"
    lines = [{"epoch": 1, "test_loss": float("nan")}, {"epoch": 2, "test_loss": 0.5}, {"epoch": 3, "test_loss": 0.4}]
    first, second, third = (json.dumps(m, separators=(",", ":")).encode() for m in lines)
    path.write_bytes(first + b"\r\n\r\n" + second + b"\r\n\r\n" + third + b"\r\n")
    run._keep_metrics(path, run._metrics_until(path, 2))
    assert path.read_bytes() == first + b"\r\n\r\n" + second + b"\r\n"


@pytest.mark.parametrize("last_newline", [True, False])
def test_resume_of_a_finished_run_keeps_a_metrics_file_saved_by_hand(reference, tmp_path, cli, last_newline):
    """A resume that trains nothing wrote metrics.jsonl again as json.dumps lines: CRLF became LF, the note's
    text became \\u escapes. Every file stays as it was."""
    done = Path(shutil.copytree(reference[0], tmp_path / "done"))
    saved = _as_saved_by_hand((done / "metrics.jsonl").read_text())
    (done / "metrics.jsonl").write_bytes(saved if last_newline else saved.removesuffix(b"\r\n"))
    before = folder_digest(done)
    rc, _, err = cli("train", "--resume", done, "--no-progress")
    assert rc == 0 and "nothing to resume" in err, err
    assert folder_digest(done) == before


@pytest.mark.parametrize("lost", ["", "epoch 7's line and the last newline"])
def test_resume_keeps_the_lines_before_its_checkpoint_as_saved(reference, cut, cli, patched_data, lost):
    """Resuming cuts the lines past the checkpoint (epoch 7 of the interrupted run, after epoch 6's) and appends
    the epochs it trains; the lines it keeps are kept byte for byte, and one that lost its newline gets one."""
    saved = _as_saved_by_hand((cut / "metrics.jsonl").read_text())
    first_six = b"".join(saved.splitlines(keepends=True)[:6])
    (cut / "metrics.jsonl").write_bytes(first_six.removesuffix(b"\r\n") if lost else saved)
    rc, _, err = cli("train", "--resume", cut, "--no-progress")
    assert rc == 0 and "after epoch 6" in err, err
    data = (cut / "metrics.jsonl").read_bytes()
    assert data.startswith(first_six.removesuffix(b"\r\n")) and data.count(b"\r\n") == (5 if lost else 6)
    assert [{k: v for k, v in m.items() if k != "note"} for m in metric_lines(cut)] == metric_lines(reference[0])


def test_a_run_whose_metrics_an_older_nnjax_wrote_in_float64_digits_resumes_and_keeps_them(
    reference, cut, cli, patched_data, tmp_path
):
    """An older nnjax wrote each float32 metric with float()'s digits (0.9553999900817871 for 0.9554). A resume
    keeps those lines byte for byte and writes the epochs it trains in float32's own digits (``short_float``),
    the numbers of the run never stopped; a finished run saved so resumes as the no-op it is."""
    from nnjax.config import short_float

    metrics = [name.replace("eval", "test") for name in run.LINE_METRICS]

    def as_float64(path: Path) -> str:
        lines = [json.loads(line) for line in path.read_text().splitlines()]
        old = "".join(
            json.dumps({k: float(np.float32(v)) if k in metrics else v for k, v in m.items()}) + "\n" for m in lines
        )
        path.write_text(old)
        return old

    old = as_float64(cut / "metrics.jsonl")
    first_six = "".join(old.splitlines(keepends=True)[:6])
    assert first_six not in (reference[0] / "metrics.jsonl").read_text()  # (else this would prove nothing)
    rc, _, err = cli("train", "--resume", cut, "--no-progress")
    assert rc == 0 and "after epoch 6" in err, err
    assert (cut / "metrics.jsonl").read_text().startswith(first_six)
    trained = metric_lines(cut)[6:]
    assert trained == metric_lines(reference[0])[6:]
    assert all(m[k] == short_float(np.float32(m[k])) for m in trained for k in metrics), trained
    assert_bit_identical(final_state(cut), final_state(reference[0]))

    done = Path(shutil.copytree(reference[0], tmp_path / "done"))
    as_float64(done / "metrics.jsonl")
    saved = json.loads((done / "result.json").read_text())
    (done / "result.json").write_text(json.dumps({**saved, "test_accuracy": float(np.float32(saved["test_accuracy"]))}))
    before = folder_digest(done)
    rc, _, err = cli("train", "--resume", done, "--no-progress")
    assert rc == 0 and "nothing to resume" in err, err
    assert folder_digest(done) == before


def test_a_force_extension_taken_back_leaves_the_finished_run_as_it_was(reference, tmp_path, monkeypatch):
    """--resume --force --epochs 40 --lr 1000 diverged (or was killed) before its first checkpoint, leaving
    its config.json and two epochs past the end; --resume --force back to the run's own settings finishes
    nothing, but tidies both. Other results for a finished run are refused: no epoch is left to train."""
    from nnjax.config import save_json

    ref_dir, ref_result = reference
    done = Path(shutil.copytree(ref_dir, tmp_path / "done"))
    metrics, checkpoints = (done / "metrics.jsonl").read_bytes(), folder_digest(done / "checkpoints")
    last = json.loads(metrics.decode().splitlines()[-1])
    with open(done / "metrics.jsonl", "a") as f:
        f.writelines(json.dumps({**last, "epoch": e}) + "\n" for e in (13, 14))
    save_json(CFG.replace(epochs=40, lr=1000.0), done / "config.json")
    monkeypatch.setattr(run, "load_splits", lambda *a, **k: pytest.fail("a finished run needs no data"))
    with pytest.raises(ConfigError, match=r"already trained all 12 epochs with lr=0.01; --resume --force changes only"):
        run.train_and_evaluate(CFG.replace(lr=0.5), done, resume=True, force=True, progress=False)
    result = run.train_and_evaluate(CFG, done, resume=True, force=True, progress=False)
    assert result["test_accuracy"] == ref_result["test_accuracy"]
    assert (done / "metrics.jsonl").read_bytes() == metrics and folder_digest(done / "checkpoints") == checkpoints
    assert (done / "config.json").read_bytes() == (ref_dir / "config.json").read_bytes()


def test_a_run_ended_early_with_force_can_be_resumed_again_but_not_given_other_results(reference, tmp_path):
    """A 12-epoch run stopped at its epoch-10 checkpoint and ended there (--force --epochs 10): repeating
    that is a no-op, although the checkpoint's own config says 12 epochs. Another lr is refused for it
    whether or not its result.json is intact, and where its checkpoint records no config (older nnjax),
    against config.json."""
    ref_dir, _ = reference
    done = Path(shutil.copytree(ref_dir, tmp_path / "done"))
    (done / "checkpoints" / "epoch_000012.msgpack").unlink()
    (done / "result.json").unlink()
    ten = CFG.replace(epochs=10)
    ended = run.train_and_evaluate(ten, done, resume=True, force=True, progress=False, splits=SPLITS)
    assert ended["epochs"] == 10 and load_json(done / "config.json").epochs == 10
    again = run.train_and_evaluate(ten, done, resume=True, force=True, progress=False, splits=SPLITS)
    assert again == {**ended, "run_dir": str(done)}
    refusal = r"already trained all 10 epochs with lr=0.01; --resume --force changes only epochs still to train"
    for result_json in ("intact", "damaged"):
        if result_json == "damaged":
            (done / "result.json").write_text("{}")
        with pytest.raises(ConfigError, match=refusal):
            run.train_and_evaluate(ten.replace(lr=0.5), done, resume=True, force=True, progress=False, splits=SPLITS)
    path = done / "checkpoints" / "epoch_000010.msgpack"  # as an older nnjax wrote it: no config in its meta
    _, tree, _ = checkpoint.restore(path, run._shape_target(ten))
    path.write_bytes(checkpoint.encode(10, tree, {}))
    before = folder_digest(done)
    with pytest.raises(ConfigError, match=refusal):
        run.train_and_evaluate(ten.replace(lr=0.5), done, resume=True, force=True, progress=False, splits=SPLITS)
    assert folder_digest(done) == before


def test_resume_of_a_run_killed_before_its_result_was_written(reference, tmp_path):
    ref_dir, ref_result = reference
    done = Path(shutil.copytree(ref_dir, tmp_path / "done"))
    (done / "result.json").unlink()
    result = run.train_and_evaluate(CFG, done, resume=True, progress=False, splits=SPLITS)
    assert result["test_accuracy"] == ref_result["test_accuracy"]
    assert metric_lines(done) == metric_lines(ref_dir)
    assert json.loads((done / "result.json").read_text())["test_accuracy"] == ref_result["test_accuracy"]


def test_resume_without_any_checkpoint_starts_over(reference, tmp_path):
    ref_dir, _ = reference
    early = tmp_path / "early"
    early.mkdir()
    shutil.copy(ref_dir / "config.json", early / "config.json")
    (early / "metrics.jsonl").write_text((ref_dir / "metrics.jsonl").read_text().splitlines()[0] + "\n")
    run.train_and_evaluate(CFG, early, resume=True, progress=False, splits=SPLITS)
    assert_bit_identical(final_state(early), final_state(ref_dir))
    assert metric_lines(early) == metric_lines(ref_dir)


def test_resume_of_a_finished_run_whose_checkpoints_are_gone_is_refused(reference, tmp_path, cli_error, patched_data):
    """Trained again from scratch, it would replace its metrics and result (which a later --force extension,
    say, had made): refused, and the folder left as it was."""
    done = Path(shutil.copytree(reference[0], tmp_path / "done"))
    shutil.rmtree(done / "checkpoints")
    before = folder_digest(done)
    line = cli_error("train", "--resume", done, "--no-progress")
    assert "checkpoints: no checkpoint, but the run had finished (result.json): resuming would train" in line, line
    assert f"nnjax train --config-file {done / 'config.json'} --out NEW_FOLDER" in line
    assert folder_digest(done) == before


def test_a_run_whose_only_checkpoint_was_renamed_by_hand_is_refused_naming_it(cut, cli_error, patched_data):
    """Its newest checkpoint renamed (the older one removed): the line names the file and the name that resumes
    from it, read from the file; the folder is left as it was."""
    ckpts = cut / "checkpoints"
    (ckpts / "epoch_000004.msgpack").unlink()
    (ckpts / "epoch_000006.msgpack").rename(ckpts / "best.msgpack")
    before = folder_digest(cut)
    assert cli_error("train", "--resume", cut, "--no-progress") == (
        f"nnjax: error: {ckpts / 'best.msgpack'}: not named as nnjax names a checkpoint, and {ckpts} holds no other: "
        "renamed by hand? rename it epoch_000006.msgpack to resume from it, or start a new run from its config "
        f"(nnjax train --config-file {cut / 'config.json'} --out NEW_FOLDER)"
    )
    assert folder_digest(cut) == before
    # the other way the line once offered, the file moved out, trains nothing from scratch either: it is refused
    (ckpts / "best.msgpack").rename(cut / "best.msgpack")
    assert "checkpoints: no checkpoint, but metrics.jsonl records 7 epochs, past the first checkpoint" in cli_error(
        "train", "--resume", cut, "--no-progress"
    )


def test_a_checkpoint_renamed_by_hand_beside_an_older_one_is_named_by_the_resume(reference, cut, interrupted, capsys):
    """Epoch 6's checkpoint renamed best.msgpack beside epoch 4's: the resume trains on from epoch 4 as before
    (nothing lost, bit-identical), but no longer without a word: a warning line names the file, the epoch it holds,
    the epochs trained again and the name that resumes from it; the file is left as it is. One holding an earlier
    epoch than the one resumed from (kept by hand) is no news."""
    ref_dir, _ = reference
    ckpts = cut / "checkpoints"
    best = ckpts / "best.msgpack"
    checkpoint.checkpoint_path(ckpts, 6).rename(best)
    kept = best.read_bytes()
    run.train_and_evaluate(CFG, cut, resume=True, progress=False, splits=SPLITS)
    err = capsys.readouterr().err.splitlines()
    assert (
        f"nnjax: warning: {best}: holds epoch 6, but is not named as nnjax names a checkpoint (renamed by hand?), so "
        "it is not resumed from: resuming from epoch_000004.msgpack, epochs 5 to 6 are trained again, and it is left "
        "as it is (renamed epoch_000006.msgpack before a resume, it would be resumed from)"
    ) in err
    assert f"nnjax: resumed {cut} after epoch 4 (epoch_000004.msgpack)" in err
    assert best.read_bytes() == kept
    assert_bit_identical(final_state(cut), final_state(ref_dir))
    older = Path(shutil.copytree(interrupted, cut.parent / "older"))
    shutil.copy(checkpoint.checkpoint_path(older / "checkpoints", 4), older / "checkpoints" / "epoch4.msgpack")
    run.train_and_evaluate(CFG, older, resume=True, progress=False, splits=SPLITS)
    assert "warning" not in capsys.readouterr().err


def test_the_renamed_checkpoint_warning_names_no_rename_that_the_next_resume_refuses(cut, capsys, monkeypatch):
    """The warning is said as the resume cuts metrics.jsonl back to epoch 4; it told the reader to stop and rename
    the file epoch_000006.msgpack, but stopped there and renamed so, the next resume is refused (metrics.jsonl has
    no lines for epochs 5 and 6). It now says the file is left as it is, and which name would have been resumed
    from before the resume."""
    before = Path(shutil.copytree(cut, cut.parent / "before"))  # the file as it was named before the resume
    ckpts = cut / "checkpoints"
    best = ckpts / "best.msgpack"
    checkpoint.checkpoint_path(ckpts, 6).rename(best)
    real_epoch_key, calls = run.epoch_key, []

    def stopped_as_warned(cfg, epoch):  # Ctrl-C on reading the warning: as epoch 5 starts (not its compile)
        calls.append(epoch)
        if calls.count(4) == 2:
            raise KeyboardInterrupt
        return real_epoch_key(cfg, epoch)

    monkeypatch.setattr(run, "epoch_key", stopped_as_warned)
    with pytest.raises(KeyboardInterrupt):
        run.train_and_evaluate(CFG, cut, resume=True, progress=False, splits=SPLITS)
    (line,) = [w for w in capsys.readouterr().err.splitlines() if w.startswith("nnjax: warning: ")]
    assert "stop and rename" not in line
    assert line.endswith(
        "epochs 5 to 6 are trained again, and it is left as it is (renamed epoch_000006.msgpack before a resume, it "
        "would be resumed from)"
    )
    monkeypatch.undo()
    best.rename(checkpoint.checkpoint_path(ckpts, 6))  # what the old line said to do
    with pytest.raises(CheckpointError, match=r"metrics\.jsonl"):
        run.train_and_evaluate(CFG, cut, resume=True, progress=False, splits=SPLITS)
    run.train_and_evaluate(CFG, before, resume=True, progress=False, splits=SPLITS)
    assert f"nnjax: resumed {before} after epoch 6 (epoch_000006.msgpack)" in capsys.readouterr().err


def test_the_renamed_checkpoint_warning_counts_no_epoch_past_the_runs_end(reference, cut, capsys):
    """A renamed file holding epoch 10 (this run's, kept by hand) beside a run resumed after epoch 6 as 8 epochs
    (--resume --force --epochs 8) was said to have "epochs 7 to 10" trained again, and the name to resume from it
    given: only epochs 7 and 8 are trained, and a resume refuses a checkpoint past the run's epochs. The line says
    so; resumed with all its epochs trained (its result.json lost), that no epoch is trained again."""
    ckpts = cut / "checkpoints"
    best = ckpts / "best.msgpack"
    shutil.copy(checkpoint.checkpoint_path(reference[0] / "checkpoints", 10), best)
    short = CFG.replace(epochs=8)
    head = (
        f"nnjax: warning: {best}: holds epoch 10 (past the run's 8 epochs), but is not named as nnjax names a "
        "checkpoint (renamed by hand?), so it is not resumed from: resuming from"
    )
    for start, again in ((6, "epochs 7 to 8 are"), (8, "no epoch is")):
        (cut / "result.json").unlink(missing_ok=True)  # after epoch 8: finished again, nothing trained
        run.train_and_evaluate(short, cut, resume=True, force=True, progress=False, splits=SPLITS)
        (line,) = [w for w in capsys.readouterr().err.splitlines() if w.startswith("nnjax: warning: ")]
        name = checkpoint.checkpoint_path(ckpts, start).name
        assert line == f"{head} {name}, {again} trained again, and it is left as it is"
        assert [m["epoch"] for m in run.read_metrics(cut / "metrics.jsonl")] == list(range(1, 9))
    best.rename(checkpoint.checkpoint_path(ckpts, 10))  # the name the line offered
    with pytest.raises(ConfigError, match=re.escape("epoch_000010.msgpack: the run is already past epochs=8")):
        run.train_and_evaluate(short, cut, resume=True, force=True, progress=False, splits=SPLITS)


def _damage_config(d: Path) -> None:
    (d / "config.json").write_text('{"lr": 0.01,')


def _future_config(d: Path) -> None:
    cfg = json.loads((d / "config.json").read_text())
    (d / "config.json").write_text(json.dumps({**cfg, "config_format": 99}))


def _damage_checkpoints(d: Path) -> None:
    for _, p in checkpoint.list_checkpoints(d / "checkpoints"):
        p.write_bytes(p.read_bytes()[:50])


def _future_checkpoints(d: Path) -> None:
    for _, p in checkpoint.list_checkpoints(d / "checkpoints"):
        data = p.read_bytes()
        p.write_bytes(data[:8] + (3).to_bytes(4, "big") + data[12:])


def _foreign_checkpoints(d: Path) -> None:
    # Checkpoints of the same network trained with another data order.
    other = d.parent / "other"
    run.train_and_evaluate(CFG.replace(data_seed=1, epochs=2, checkpoint_every=1), other, progress=False, splits=SPLITS)
    for _, p in checkpoint.list_checkpoints(d / "checkpoints"):
        p.unlink()
    for _, p in checkpoint.list_checkpoints(other / "checkpoints"):
        shutil.copy(p, d / "checkpoints" / p.name)


def _drop_metrics_line(d: Path) -> None:
    lines = (d / "metrics.jsonl").read_text().splitlines(keepends=True)
    (d / "metrics.jsonl").write_text("".join(lines[:2] + lines[3:]))


def _repeat_metrics_line(d: Path) -> None:
    lines = (d / "metrics.jsonl").read_text().splitlines(keepends=True)
    (d / "metrics.jsonl").write_text("".join(lines[:5] + lines[4:]))


def _drop_checkpoints_metrics_line(d: Path) -> None:
    # the line of epoch 6, the checkpoint's (epoch 7's, past it, is trained again anyway)
    lines = (d / "metrics.jsonl").read_text().splitlines(keepends=True)
    (d / "metrics.jsonl").write_text("".join(lines[:5] + lines[6:]))


def _epoch_true_in_metrics(d: Path) -> None:
    # JSON true is an int to Python, and equal to 1: it passed as epoch 1
    text = (d / "metrics.jsonl").read_text()
    (d / "metrics.jsonl").write_text(text.replace('{"epoch": 1,', '{"epoch": true,', 1))


def _epoch_0_in_metrics(d: Path) -> None:
    # no epoch at all: it repeats none (it was named "line 1 repeats epoch 0")
    text = (d / "metrics.jsonl").read_text()
    (d / "metrics.jsonl").write_text(text.replace('{"epoch": 1,', '{"epoch": 0,', 1))


def _delete_checkpoints(d: Path) -> None:
    shutil.rmtree(d / "checkpoints")


def _checkpoints_a_file(d: Path) -> None:
    shutil.rmtree(d / "checkpoints")
    (d / "checkpoints").write_text("not a folder")


def _garble_metrics(d: Path) -> None:
    lines = (d / "metrics.jsonl").read_text().splitlines(keepends=True)
    (d / "metrics.jsonl").write_text("".join(lines[:2] + ["{not json\n"] + lines[2:]))


@pytest.mark.parametrize(
    ("damage", "expected"),
    [
        (_damage_config, "config.json: not valid JSON"),
        (_future_config, "config_format 99 is not supported"),
        (_damage_checkpoints, "no checkpoint loads"),
        (_future_checkpoints, "checkpoint format 3 is not supported"),
        (_foreign_checkpoints, "data-order key"),
        # the first line out of place, what it holds and what was expected there (not a list of epochs)
        (_drop_metrics_line, "metrics.jsonl: line 3 is epoch 4, expected 3; the checkpoint is after epoch 6, so"),
        (_repeat_metrics_line, "metrics.jsonl: line 6 repeats epoch 5; the checkpoint is after epoch 6, so"),
        (_drop_checkpoints_metrics_line, "metrics.jsonl: no line for epoch 6 (the last before it, line 5, is epoch 5)"),
        (_garble_metrics, "line 3 is not valid JSON"),
        (_epoch_true_in_metrics, "metrics.jsonl: line 1 has no integer 'epoch'"),
        (_epoch_0_in_metrics, "metrics.jsonl: line 1 is epoch 0, expected 1; the checkpoint is after epoch 6, so"),
        # training from scratch would replace the 7 epochs' metrics lines, which had checkpoints
        (_delete_checkpoints, "no checkpoint, but metrics.jsonl records 7 epochs, past the first checkpoint's (epo"),
        (_checkpoints_a_file, "checkpoints: is a file, not a folder"),
    ],
)
def test_failed_start_leaves_the_folder_untouched(cut, cli_error, patched_data, damage, expected):
    damage(cut)
    before = folder_digest(cut)
    line = cli_error("train", "--resume", cut, "--no-progress")
    assert expected in line, line
    assert folder_digest(cut) == before


def test_parameters_are_used_with_the_config_they_were_trained_with(cut, cli, patched_data):
    """A --resume --force rewrites config.json before its first checkpoint: stopped then (diverged, Ctrl-C),
    the folder holds sigmoid parameters under a relu config.json. eval (and predict, viz, export) use the
    checkpoint's recorded activation, and say so; relu on them reported another accuracy as the run's."""
    rc, out, _ = cli("eval", cut, "--json")
    assert rc == 0
    trained = json.loads(out)["test_accuracy"]
    saved = json.loads((cut / "config.json").read_text())
    (cut / "config.json").write_text(json.dumps({**saved, "activation": "relu", "lr": 1e5}))
    rc, out, err = cli("eval", cut, "--json")
    assert rc == 0 and json.loads(out)["test_accuracy"] == trained
    assert "parameters were trained with activation='sigmoid', which config.json no longer says" in err
    cfg, _, _ = run.load_run(cut)
    assert (cfg.activation, cfg.lr) == ("sigmoid", 1e5)  # lr does not change how parameters are used


def test_bad_flags_on_resume_leave_the_folder_untouched(cut, cli_error, patched_data):
    before = folder_digest(cut)
    assert "cannot parse 'fast'" in cli_error("train", "--resume", cut, "--lr", "fast")
    assert "'batch_size' = 0" in cli_error("train", "--resume", cut, "--batch-size", "0", "--force")
    assert "different folders" in cli_error("train", "--resume", cut, "--out", cut.parent / "elsewhere")
    assert "continues with its saved config" in cli_error("train", "--resume", cut, "--config", "wide")
    assert "continues with its saved config" in cli_error("train", "--resume", cut, "--config-file", cut / "x.json")
    assert folder_digest(cut) == before


def test_a_second_process_cannot_train_in_the_same_folder(cut):
    fd = os.open(cut, os.O_RDONLY)  # another holder of the folder's lock
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        before = folder_digest(cut)
        with pytest.raises(CheckpointError, match="another nnjax process"):
            run.train_and_evaluate(CFG, cut, resume=True, progress=False, splits=SPLITS)
        assert folder_digest(cut) == before
    finally:
        os.close(fd)


def test_a_kill_mid_write_keeps_the_previous_checkpoint(tmp_path, monkeypatch):
    tree = {"w": np.arange(6.0, dtype=np.float32)}
    folder = tmp_path / "checkpoints"
    checkpoint.save(folder, 1, tree, {})

    def killed(*args):
        raise KeyboardInterrupt  # stands in for the process dying between write and rename

    monkeypatch.setattr(os, "replace", killed)
    with pytest.raises(KeyboardInterrupt):
        checkpoint.save(folder, 2, {"w": tree["w"] + 1}, {})
    monkeypatch.undo()
    assert sorted(p.name for p in folder.iterdir()) == ["epoch_000001.msgpack"]  # nor a temporary file
    epoch, restored, _ = checkpoint.restore(checkpoint.checkpoint_path(folder, 1), tree)
    assert epoch == 1 and np.array_equal(restored["w"], tree["w"])
    (folder / ".epoch_000002.msgpack.4242.tmp").write_bytes(b"half")  # another process's, killed mid-write
    checkpoint.save(folder, 2, tree, {})  # the next save clears it
    assert sorted(p.name for p in folder.iterdir()) == ["epoch_000001.msgpack", "epoch_000002.msgpack"]


def test_a_failed_write_names_its_target_and_leaves_no_temporary_file(tmp_path):
    target = tmp_path / "out.npz"
    target.mkdir()  # os.replace cannot put a file there
    with pytest.raises(OSError) as e:
        checkpoint.write_atomic(target, b"data")
    assert e.value.filename == str(target)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.npz"]


def test_a_write_removes_temporaries_of_its_file_left_by_ended_processes(tmp_path):
    """A process ended mid-write (a kill, or Ctrl-C: the command line exits at once) leaves .NAME.PID.tmp;
    the next write of NAME removes it, but never one of a live process or of another file."""
    dead = subprocess.Popen([sys.executable, "-c", ""])
    dead.wait()
    target = tmp_path / "metrics.jsonl"
    stale = tmp_path / checkpoint._temp_name(target, dead.pid)
    kept = [
        tmp_path / checkpoint._temp_name(target, os.getppid()),  # pytest's parent: alive
        tmp_path / checkpoint._temp_name(tmp_path / "result.json", dead.pid),  # another file's
        tmp_path / f".metrics.jsonl.another-host.{dead.pid}.tmp",  # a shared folder: not this machine's
        tmp_path / ".metrics.jsonl.1700000000000.tmp",  # names of other forms: never a failed write
        tmp_path / f".metrics.jsonl.{checkpoint.socket.gethostname()}.\u00b2.tmp",
    ]
    for p in (stale, *kept):
        p.write_bytes(b"half")
    checkpoint.write_atomic(target, b"lines\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["metrics.jsonl", *(p.name for p in kept)])


def test_eval_prints_the_accuracy_of_result_json(reference, cli, patched_data):
    ref_dir, ref_result = reference
    assert run.eval_run(ref_dir, splits=SPLITS)["test_accuracy"] == ref_result["test_accuracy"]
    rc, out, err = cli("eval", ref_dir)
    assert rc == 0, err
    assert f"test accuracy: {100 * ref_result['test_accuracy']:.2f} %" in out
    rc, out, _ = cli("eval", ref_dir, "--json")
    assert json.loads(out)["test_accuracy"] == json.loads((ref_dir / "result.json").read_text())["test_accuracy"]


def test_eval_and_viz_read_the_data_where_their_flags_say(reference, cli, monkeypatch, tmp_path):
    """A run copied to another machine: its config.json's data folders are not there. The error says to
    pass --data-dir, which eval and viz did not accept (only NNJAX_DATA_DIR worked)."""
    import nnjax.data

    asked = []

    def load_splits(dataset, data_dir=None, tfds_dir=None, **kwargs):
        asked.append((data_dir, tfds_dir))
        return SPLITS

    monkeypatch.setattr(run, "load_splits", load_splits)
    monkeypatch.setattr(nnjax.data, "load_splits", load_splits)
    cfg = json.loads((reference[0] / "config.json").read_text())
    rc, _, err = cli("eval", reference[0], "--data-dir", "/raw/here", "--tfds-dir", "/built/here")
    assert rc == 0, err
    rc, _, err = cli("viz", reference[0], "--out", tmp_path / "figs", "--tfds-dir", "/built/here")
    assert rc == 0, err
    rc, _, err = cli("eval", reference[0])
    assert rc == 0, err
    assert asked == [("/raw/here", "/built/here"), (cfg["data_dir"], "/built/here"), (cfg["data_dir"], cfg["tfds_dir"])]


@pytest.mark.parametrize("verb", ["eval", "export"])
def test_eval_and_export_of_a_damaged_checkpoint_give_one_line(reference, tmp_path, cli_error, patched_data, verb):
    d = Path(shutil.copytree(reference[0], tmp_path / "run"))
    _, newest = checkpoint.list_checkpoints(d / "checkpoints")[-1]
    newest.write_bytes(newest.read_bytes()[: len(newest.read_bytes()) // 2])
    before = folder_digest(d)
    argv = [verb, d] + ([tmp_path / "w.npz"] if verb == "export" else [])
    line = cli_error(*argv)
    assert str(newest) in line and "truncated" in line
    assert folder_digest(d) == before and not (tmp_path / "w.npz").exists()


def test_data_order_key_is_saved_with_the_epoch(reference):
    # The data-order position is the epoch: the saved key is the next epoch's shuffle key.
    state = final_state(reference[0])
    want = jax.random.key_data(run.epoch_key(CFG, state["epoch"]))
    assert np.array_equal(state["state"]["data_key"], want)


def test_load_run_follows_a_newest_checkpoint_pruned_while_it_is_read(tmp_path, monkeypatch):
    """A run still training prunes old checkpoints: the file listed as newest may be gone when it is read
    (nnjax eval/viz on a running run). load_run then reads the newer one, never an older one."""
    d = tmp_path / "r"
    run.train_and_evaluate(CFG.replace(epochs=2, checkpoint_every=1), d, progress=False, splits=SPLITS)
    ckpts = d / "checkpoints"
    _, want, _ = run.load_run(d)
    real_restore, calls = checkpoint.restore, []

    def restore_while_training(path, target):
        if not calls:  # the training process saves epoch 3 and prunes epoch 2 just before this read
            saved = checkpoint.decode(Path(path).read_bytes())
            checkpoint.checkpoint_path(ckpts, 3).write_bytes(checkpoint.encode(3, saved["state"], saved["meta"]))
            os.remove(path)
        calls.append(Path(path).name)
        return real_restore(path, target)

    monkeypatch.setattr(checkpoint, "restore", restore_while_training)
    _, got, _ = run.load_run(d)
    assert calls == ["epoch_000002.msgpack", "epoch_000003.msgpack"]
    for a, b in zip(jax.tree_util.tree_leaves(got), jax.tree_util.tree_leaves(want)):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    # a damaged newest checkpoint is still an error, not a silent fall-back to an older one
    monkeypatch.setattr(checkpoint, "restore", real_restore)
    checkpoint.checkpoint_path(ckpts, 3).write_bytes(b"damaged")
    with pytest.raises(CheckpointError, match="epoch_000003.msgpack"):
        run.load_run(d)


@pytest.mark.parametrize("damage", ["missing", "repeated", "not json", "deleted"])
def test_resume_of_a_finished_run_with_damaged_metrics_is_an_error(reference, tmp_path, cli_error, damage):
    """A finished run whose metrics.jsonl lost or repeated lines is not reported as a success."""
    done = Path(shutil.copytree(reference[0], tmp_path / "done"))
    path = done / "metrics.jsonl"
    lines = path.read_text().splitlines(keepends=True)
    if damage == "missing":
        path.write_text("".join(lines[:3] + lines[4:]))
        why = "line 4 is epoch 5, expected 4; the checkpoint is after epoch 12"
    elif damage == "repeated":
        path.write_text("".join(lines + lines[-1:]))
        why = "line 13 repeats epoch 12; the checkpoint is after epoch 12"
    elif damage == "not json":
        path.write_text("".join(lines[:5] + ["{oops\n"] + lines[6:]))
        why = "line 6 is not valid JSON"
    else:
        path.unlink()
        why = "no line for epoch 1; the checkpoint is after epoch 12, so the lines up to it must be epochs 1 to 12"
    before = folder_digest(done)
    line = cli_error("train", "--resume", done, "--no-progress")
    assert line.startswith(f"nnjax: error: {path}: {why}"), line
    assert folder_digest(done) == before


def test_an_epoch_time_of_json_true_is_not_counted_as_one_second(cut, cli, patched_data):
    """The resumed run's train_s sums the epoch times of its metrics lines; a line whose epoch_s is ``true``
    (bool is an int in Python) has no time to add."""
    lines = [json.loads(t) for t in (cut / "metrics.jsonl").read_text().splitlines()][:6]  # up to checkpoint 6
    lines[0]["epoch_s"] = True
    (cut / "metrics.jsonl").write_text("".join(json.dumps(m) + "\n" for m in lines))
    rc, _, err = cli("train", "--resume", cut, "--no-progress")
    assert rc == 0, err
    kept = [json.loads(t)["epoch_s"] for t in (cut / "metrics.jsonl").read_text().splitlines()]
    assert kept[0] is True
    result = json.loads((cut / "result.json").read_text())
    assert result["train_s"] == pytest.approx(sum(kept[1:]), abs=2e-3)


def test_a_forced_resume_keeps_what_an_older_nnjax_recorded_for_a_field_the_run_ignores(cut, cli, patched_data):
    """Found by a mutation audit (unchecked): config.json rewritten by ``--resume --force`` records the new value
    and keeps the others as saved, warmup_epochs 2 of an older nnjax (ignored by cosine) too, rather than the
    "none of it" a new run's config.json records."""
    saved = json.loads((cut / "config.json").read_text())
    assert saved["schedule"] == "cosine"
    (cut / "config.json").write_text(json.dumps({**saved, "warmup_epochs": 2}))
    rc, _, err = cli("train", "--resume", cut, "--lr", "0.05", "--force", "--no-progress")
    assert rc == 0, err
    assert json.loads((cut / "config.json").read_text()) == {**saved, "warmup_epochs": 2, "lr": 0.05}
