"""The ``nnjax`` command line: help, bad input as one line on stderr, and train → eval → export on mock data."""

from __future__ import annotations

import collections
import dataclasses
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import nnjax.compare
import nnjax.run
import nnjax.sweep
import nnjax.train
from nnjax import sweep_grid
from nnjax.cli import build_parser
from nnjax.config import Config
from nnjax.configs import get_config
from nnjax.errors import CheckpointError, ConfigError

VERBS = ("train", "eval", "export", "sweep", "summary", "viz", "compare", "predict")
HEAVY = ("jax", "jaxlib", "tensorflow", "tensorflow_datasets", "optax", "flax")


def _python(code: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, **kw)


def test_help_imports_no_jax_or_tensorflow():
    code = (
        "import sys\n"
        "from nnjax.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit as e:\n    assert e.code == 0, e.code\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r}))\n"
    )
    r = _python(code)
    assert r.returncode == 0, r.stderr
    assert "train" in r.stdout and "eval" in r.stdout
    assert r.stdout.strip().splitlines()[-1] == "[]", "nnjax --help imported: " + r.stdout.splitlines()[-1]


def test_console_script_help():
    script = Path(sys.executable).with_name("nnjax")
    assert script.exists(), f"console script not installed beside {sys.executable}"
    r = subprocess.run([str(script), "--help"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and all(verb in r.stdout for verb in VERBS), r.stdout + r.stderr


@pytest.mark.parametrize("verb", ["train", "sweep"])
def test_help_lists_every_registered_activation_init_and_cost(verb, capsys):
    """The names come from the registries when help is shown (a new activation needs no help edit)."""
    from nnjax.activations import ACTIVATIONS
    from nnjax.costs import COSTS
    from nnjax.model import INITS

    with pytest.raises(SystemExit):
        build_parser().parse_args([verb, "--help"])
    text = " ".join(capsys.readouterr().out.split())  # argparse wraps lines
    for field, names in (("activation", ACTIVATIONS), ("init", ("auto", *INITS)), ("cost", COSTS)):
        assert f"(one of: {', '.join(names)})" in text, field
    assert "{names}" not in text


@pytest.mark.parametrize("verb", ["train", "sweep"])
def test_help_shows_the_values_of_the_config_the_command_line_names(verb, tmp_path, capsys):
    """``nnjax sweep --config nielsen --help`` showed the video's value beside each flag ([video: 0.01]), not
    nielsen's, which that command starts from; a --config-file's the same. Help shows the values of the config
    the command line names, given before or after --help; one it cannot read leaves the video's (the command
    says why when run)."""
    from nnjax.cli import train_named

    def help_text(*argv: str) -> str:
        with pytest.raises(SystemExit) as e:
            build_parser().parse_args([verb, *argv])
        assert e.value.code == 0
        return " ".join(capsys.readouterr().out.split())  # argparse wraps lines

    for argv in (["--config", "nielsen", "--help"], ["--help", "--config=nielsen"]):
        text = help_text(*argv)
        assert "config fields (override the named config 'nielsen'):" in text, argv
        assert "peak learning rate [nielsen: 3.0]" in text and "[nielsen: 30]" in text and "[video:" not in text
    f = tmp_path / "mine.json"
    f.write_text('{"lr": 0.123, "hidden": [64]}')
    text = help_text("--config-file", str(f), "--help")
    assert f"config fields (override the config file '{f}'):" in text
    assert "peak learning rate [mine.json: 0.123]" in text and "[mine.json: 64]" in text
    for argv in (["--config", "nosuch", "--help"], ["--config-file", str(tmp_path / "nope.json"), "--help"]):
        text = help_text(*argv)
        assert (
            "config fields (override the named config 'video'):" in text and "peak learning rate [video: 0.01]" in text
        )
    assert "{names}" not in text and "(one of: sigmoid, relu" in text  # the registries' names still filled in
    with pytest.raises(SystemExit):
        train_named("wide", ["--help", "--config-file", str(f)], prog="train_wide.py")
    text = " ".join(capsys.readouterr().out.split())
    assert "peak learning rate [mine.json: 0.123]" in text and "[wide:" not in text


@pytest.mark.parametrize("verb", VERBS)
def test_every_verb_has_help(verb, capsys):
    with pytest.raises(SystemExit) as e:
        build_parser().parse_args([verb, "--help"])
    assert e.value.code == 0
    assert capsys.readouterr().out.startswith(f"usage: nnjax {verb}")


@pytest.mark.parametrize("verb", ["train", "sweep"])
def test_every_config_field_is_a_documented_flag(verb, capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args([verb, "--help"])
    text = capsys.readouterr().out
    for f in dataclasses.fields(Config):
        assert "--" + f.name.replace("_", "-") in text, f.name


def test_flags_reach_the_config():
    from nnjax.cli import config_from_args

    args = build_parser().parse_args(["train", "--hidden", "32x8", "--lr", "0.1", "--standardize", "--epochs", "2"])
    cfg = config_from_args(args)
    assert (cfg.hidden, cfg.lr, cfg.standardize, cfg.epochs) == ((32, 8), 0.1, True, 2)
    cfg = config_from_args(build_parser().parse_args(["train", "--config", "wide", "--validation", "false"]))
    assert cfg == get_config("wide").replace(validation=False)


def test_a_runs_config_json_as_a_start_gives_what_it_ignored_the_default(tmp_path):
    """A run's config.json records momentum 0 for sgd ("none of it"): started from it, a flag or grid that
    uses momentum gets the default 0.9, not the 0 that was never chosen; a resume keeps the file as it is."""
    from nnjax.cli import config_from_args
    from nnjax.config import save_json, without_unused

    path = tmp_path / "config.json"
    save_json(without_unused(Config(optimizer="sgd", lr=0.1)), path)
    assert json.loads(path.read_text())["momentum"] == 0.0
    cfg = config_from_args(build_parser().parse_args(["train", "--config-file", str(path), "--optimizer", "momentum"]))
    assert (cfg.optimizer, cfg.momentum, cfg.lr) == ("momentum", 0.9, 0.1)
    grid = sweep_grid.parse_grid(["optimizer=sgd,momentum"])
    argv = ["sweep", "--config-file", str(path), "--grid", "optimizer=sgd,momentum"]
    base = config_from_args(build_parser().parse_args(argv))
    assert [c.momentum for c in sweep_grid.expand(base, grid) if c.optimizer == "momentum"] == [0.9]
    save_json(Config(optimizer="momentum", momentum=0.0), path)  # used by its optimiser: a choice, kept
    assert config_from_args(build_parser().parse_args(["train", "--config-file", str(path)])).momentum == 0.0
    path.write_text('{"optimizer": "sgd", "momentum": 0.0}')  # written by hand: it means what it says
    cfg = config_from_args(build_parser().parse_args(["train", "--config-file", str(path), "--optimizer", "adam"]))
    assert cfg.momentum == 0.0


def test_a_config_file_is_read_once_so_a_pipe_works(tmp_path):
    """``--config-file <(...)`` or /dev/stdin: a pipe gives its bytes once."""
    import threading

    from nnjax.cli import config_from_args

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    # Daemon threads, so that a regression fails instead of hanging: the writer blocks until the file is
    # opened, and the timer ends a second read's wait with an empty file.
    writer = threading.Thread(target=fifo.write_text, args=('{"optimizer": "sgd", "lr": 0.1}',), daemon=True)
    writer.start()
    unblock = threading.Timer(10, fifo.write_text, args=("",))
    unblock.daemon = True
    unblock.start()
    try:
        cfg = config_from_args(build_parser().parse_args(["train", "--config-file", str(fifo)]))
    finally:
        unblock.cancel()
    writer.join(timeout=10)
    assert not writer.is_alive(), "the config file was never read"
    assert (cfg.optimizer, cfg.lr) == ("sgd", 0.1)


def test_a_sweep_over_activations_with_one_fixed_init_says_what_auto_would_choose():
    """A run's config.json holds its resolved init (glorot for sigmoid): a sweep started from it over
    activations gives relu glorot too; said, since auto would give it he."""
    grid = {"activation": ["sigmoid", "relu"]}
    lines = sweep_grid.ignored_by(sweep_grid.expand(Config(init="glorot"), grid), grid)
    assert lines == ["init glorot is every member's, where auto would choose he for relu; init auto gives each its own"]
    assert sweep_grid.ignored_by(sweep_grid.expand(Config(), grid), grid) == []  # auto
    grid = {"activation": ["sigmoid", "tanh"]}
    assert sweep_grid.ignored_by(sweep_grid.expand(Config(init="glorot"), grid), grid) == []  # auto's own anyway


# ---- bad config: an error before any data is loaded or anything compiled --------------------------------


@pytest.fixture
def no_data(monkeypatch):
    """Fail the test if the command gets as far as loading data."""
    monkeypatch.setattr(nnjax.run, "load_splits", lambda *a, **k: pytest.fail("loaded data despite bad input"))


@pytest.mark.parametrize(
    "flags, message",
    [
        (["--hidden", "16,0"], "config field 'hidden' = (16, 0): layer sizes must be positive"),
        (["--hidden", "-16"], "config field 'hidden'"),
        (["--lr", "0"], "config field 'lr' = 0.0: must be a positive finite number"),
        (["--lr", "-0.5"], "config field 'lr' = -0.5"),
        (["--batch-size", "0"], "config field 'batch_size' = 0: must be positive"),
        (["--epochs", "0"], "config field 'epochs' = 0: must be positive"),
        (["--epochs", "-3"], "config field 'epochs' = -3"),
        (["--activation", "sigmod"], "config field 'activation' = 'sigmod': unknown; valid: sigmoid, relu"),
        (["--optimizer", "adamm"], "config field 'optimizer' = 'adamm': unknown; valid: sgd, momentum, adam, adamw"),
        (["--cost", "mse"], "config field 'cost' = 'mse': unknown; valid: cross_entropy, quadratic"),
        (["--lr", "fast"], "config field 'lr': cannot parse 'fast' as a number"),
        (["--hidden", "16,a"], "config field 'hidden': cannot parse '16,a'"),
        (["--epochs", "2.5"], "config field 'epochs': cannot parse '2.5' as an integer"),
        (["--standardize", "maybe"], "config field 'standardize': cannot parse 'maybe' as true/false"),
        (["--config", "huge"], "unknown config 'huge'"),
        (["--config", ""], "unknown config ''"),  # it trained video
        (["--epochs", "99999999999999999999"], "config field 'epochs' = 99999999999999999999: must be at most"),
        (["--scan-unroll", "2000"], "config field 'scan_unroll' = 2000: must be at most 64"),
        (["--force"], "--force without --resume: it accepts config changes to a run being continued"),
    ],
)
def test_bad_config_flag(tmp_path, cli_error, no_data, flags, message):
    out = tmp_path / "run"
    line = cli_error("train", *flags, "--out", out)
    assert line.startswith("nnjax: error: ") and message in line
    assert not out.exists()


@pytest.mark.parametrize(
    "flags, message",
    [
        (["--lr", "-1"], "config field 'lr' = -1.0"),
        (["--name", "a/b"], "config field 'name' = 'a/b': must be a plain folder name (no '/', not '.' or '..')"),
        (["--name", ""], "config field 'name' = '': must not be empty"),
        (["--name", ".."], "config field 'name' = '..'"),
        (["--name", "a\nb"], "config field 'name' = 'a\\nb': must not hold a control character (a newline, a tab, …)"),
        (["--name", "a\0b"], "config field 'name' = 'a\\x00b': must not hold a control character"),
        (["--hidden", "100000000"], "a network with hidden=100000000 and batch_size=32 needs about "),
        (["--optimizer", "sgd", "--momentum", "0.5"], "config field 'momentum' = 0.5: optimizer sgd does not use it"),
    ],
)
def test_a_refused_start_leaves_no_default_folder(tmp_path, monkeypatch, cli_error, no_data, flags, message):
    """Checked before the default runs/NAME-... folder (and runs/ itself) is made; a network too large for
    memory is refused as sweeps refuse it (it aborted in XLA with a C++ stack trace)."""
    monkeypatch.chdir(tmp_path)
    line = cli_error("train", *flags)
    assert message in line
    assert list(tmp_path.iterdir()) == []


def test_out_and_resume_may_name_one_folder_in_two_ways(tmp_path, monkeypatch):
    from nnjax.cli import check_resume_flags

    monkeypatch.chdir(tmp_path)
    args = build_parser().parse_args(["train", "--resume", str(tmp_path / "run"), "--out", "run"])
    check_resume_flags(args, "run")  # the same folder, typed relative and absolute
    args.out = "other"
    with pytest.raises(ConfigError, match="--out and --resume name different folders"):
        check_resume_flags(args, "run")


def test_a_config_files_relative_folders_are_kept_as_the_folders_they_name(tmp_path, monkeypatch):
    """As flags do: a run's config.json then names them from anywhere (it named them from the start folder)."""
    from nnjax.config import load_json

    monkeypatch.chdir(tmp_path)
    (tmp_path / "c.json").write_text('{"tfds_dir": "tfds_rel", "data_dir": "~/raw", "epochs": 2}')
    cfg = load_json("c.json")
    assert cfg.tfds_dir == str(tmp_path / "tfds_rel") and cfg.data_dir == str(Path.home() / "raw")
    (tmp_path / "d.json").write_text('{"tfds_dir": null}')
    assert load_json("d.json").tfds_dir is None


def test_bad_config_file(tmp_path, cli_error, no_data):
    bad = tmp_path / "c.json"
    bad.write_text('{"lr": 0.1, "hiden": [16]}')
    assert cli_error("train", "--config-file", bad) == f"nnjax: error: {bad}: unknown config field 'hiden'"
    bad.write_text('{"lr": 0.1')
    assert f"{bad}: not valid JSON" in cli_error("train", "--config-file", bad)
    # a value the file holds is named with the file; one a flag overrides, by the flag alone
    bad.write_text('{"seed": -1, "lr": 0.1}')
    line = cli_error("train", "--config-file", bad)
    assert line == f"nnjax: error: {bad}: config field 'seed' = -1: must be in [0, 2**32)"
    line = cli_error("train", "--config-file", bad, "--seed", "-2")
    assert line == "nnjax: error: config field 'seed' = -2: must be in [0, 2**32)"
    bad.write_text('{"epochs": 40000, "batch_size": 10}')  # fine; with the flag, too many steps: not the file's
    line = cli_error("train", "--config-file", bad, "--batch-size", "1")
    assert line.startswith("nnjax: error: config field 'epochs' = 40000: 40,000 epochs of 60,000 mini-batches")
    # the run's name (a default folder's first part) and a batch larger than the data set, from the file too
    bad.write_text('{"name": "a/b"}')
    why = "must be a plain folder name (no '/', not '.' or '..')"
    assert cli_error("train", "--config-file", bad) == f"nnjax: error: {bad}: config field 'name' = 'a/b': {why}"
    assert (
        cli_error("train", "--config-file", bad, "--name", "c/d") == f"nnjax: error: config field 'name' = 'c/d': {why}"
    )
    bad.write_text('{"batch_size": 50001, "validation": true}')
    line = cli_error("train", "--config-file", bad)
    assert line == f"nnjax: error: {bad}: config field 'batch_size' = 50001: larger than the 50000 training images"
    line = cli_error("train", "--config-file", bad, "--batch-size", "50002")
    assert line == "nnjax: error: config field 'batch_size' = 50002: larger than the 50000 training images"
    assert list(tmp_path.iterdir()) == [bad]  # no run folder made


def test_bad_config_file_of_a_sweep(tmp_path, cli_error, no_data):
    """Every member inherits a bad value the file holds: named with the file, not as one member's fault."""
    bad = tmp_path / "c.json"
    bad.write_text('{"lr": -1, "name": "a/b"}')
    why = "must be a positive finite number (at most 3.4e+38, float32's max)"
    line = cli_error("sweep", "--config-file", bad, "--grid", "seed=0,1")
    assert line == f"nnjax: error: {bad}: config field 'lr' = -1.0: {why}"
    # a value from the grid or a flag is not the file's
    line = cli_error("sweep", "--config-file", bad, "--grid", "lr=-2,1")
    assert line == f"nnjax: error: sweep member lr=-2: config field 'lr' = -2.0: {why}"
    line = cli_error("sweep", "--config-file", bad, "--grid", "seed=0,1", "--lr", "-3")
    assert line == f"nnjax: error: config field 'lr' = -3.0: {why}"  # every member's, from the flag
    line = cli_error("sweep", "--config-file", bad, "--grid", "seed=0,1", "--lr", "1")  # the sweep's folder name
    assert (
        line
        == f"nnjax: error: {bad}: config field 'name' = 'a/b': must be a plain folder name (no '/', not '.' or '..')"
    )
    bad.write_text('{"warmup_epochs": 1}')  # the file's warm-up, which no schedule of the grid uses: no member's
    line = cli_error("sweep", "--config-file", bad, "--grid", "schedule=cosine,constant")
    assert line == (
        f"nnjax: error: {bad}: config field 'warmup_epochs' = 1: only schedule warmup_cosine "
        "uses it (schedule is cosine; schedule is constant)"
    )
    line = cli_error("sweep", "--config-file", bad, "--schedule", "constant", "--grid", "seed=0,1")
    assert line == (  # the flag's schedule leaves the file's warm-up unused: not the file's doing alone
        "nnjax: error: config field 'warmup_epochs' = 1: only schedule warmup_cosine uses it (schedule is constant)"
    )
    for flags in (  # a warm-up no member uses, from a flag or the grid: named by no member
        ["--warmup-epochs", "2", "--grid", "schedule=constant,cosine"],
        ["--schedule", "constant", "--grid", "warmup_epochs=2", "seed=0,1"],
    ):
        line = cli_error("sweep", *flags)
        assert line == "nnjax: error: config field 'warmup_epochs' = 2: only schedule warmup_cosine uses it (" + (
            "schedule is constant; schedule is cosine)" if "--warmup-epochs" in flags else "schedule is constant)"
        )
    assert list(tmp_path.iterdir()) == [bad]  # no sweep folder made


def test_a_config_files_field_made_bad_by_a_flag_or_the_grid_says_which_flag_to_pass_too(tmp_path, cli_error, no_data):
    """A config file keeping epoch 5, trained or swept for 3 epochs (by a flag or a grid over epochs): the error
    names the file and the flag to pass too, as train's does, not the bare error of one member."""
    f = tmp_path / "c.json"
    f.write_text('{"epochs": 6, "keep_epochs": [5]}')
    bad = "config field 'keep_epochs' = (5,): epoch 5 is not one of the run's epochs, 1 to 3"
    hint = f"keep_epochs is {f}'s; pass --keep-epochs too, one that fits"
    for verb in (["train"], ["sweep", "--grid", "seed=0,1"]):
        line = cli_error(*verb, "--config-file", f, "--epochs", "3", "--out", tmp_path / "x")
        assert line == f"nnjax: error: {bad} ({hint} --epochs 3)"
    line = cli_error("sweep", "--config-file", f, "--grid", "epochs=3,6", "--out", tmp_path / "x")
    assert line == f"nnjax: error: sweep member epochs=3: {bad} ({hint} the epochs of every member of the grid)"
    line = cli_error("sweep", "--config-file", f, "--grid", "epochs=3,6", "--keep-epochs", "4", "--out", tmp_path / "x")
    assert line.endswith("epoch 4 is not one of the run's epochs, 1 to 3")  # the flag's own value: no hint
    assert list(tmp_path.iterdir()) == [f]  # no folder made


@pytest.mark.parametrize("field, value", [("name", "a\ud800"), ("tfds_dir", "/t/\udfff"), ("data_dir", "/d/\ud800")])
def test_a_lone_surrogate_in_a_config_files_folder_field_is_one_line(
    tmp_path, monkeypatch, cli_error, no_data, field, value
):
    """A JSON \\ud800 escape on its own (a broken tool's output) is text that no file name can hold: refused,
    naming the file and field, not a UnicodeEncodeError traceback when the default folder is made (name) or
    the data folder is looked up (tfds_dir). The surrogates of a command line's undecodable bytes still work."""
    monkeypatch.chdir(tmp_path)
    bad = tmp_path / "c.json"
    bad.write_text(json.dumps({field: value}))  # json.dumps writes the lone surrogate as its \\u escape
    for verb in (["train"], ["sweep", "--grid", "seed=0,1"]):
        line = cli_error(*verb, "--config-file", bad)
        assert line.startswith(f"nnjax: error: {bad}: field {field!r} = {value!r}: {value[-1]!r} is half of a UTF-16")
    assert list(tmp_path.iterdir()) == [bad]  # no default folder made
    from nnjax.config import typed

    assert typed(Config(name="a\udcff")).name == "a\udcff"  # os.fsdecode(b"a\xff"): a folder can have that name


def test_json_output_is_standard_json_with_null_for_a_nan(cli, monkeypatch):
    """eval --json of a diverged sweep member (NaN parameters) printed "test_loss": NaN, which is no JSON
    (strict readers refuse it); null, as in the files nnjax writes."""

    def eval_run(*args, **kwargs):
        return {"sweep_dir": "s", "member": 1, "epoch": 2, "test_accuracy": 0.098, "test_loss": float("nan")}

    monkeypatch.setattr(nnjax.run, "eval_run", eval_run)
    rc, out, _ = cli("eval", "s", "--member", "1", "--json")

    def refuse(constant: str):
        raise AssertionError(f"not JSON: {constant}")

    assert rc == 0 and json.loads(out, parse_constant=refuse)["test_loss"] is None


def test_out_under_a_file_fails_before_loading_data(tmp_path, cli_error, no_data):
    (tmp_path / "afile").write_text("mine")
    line = cli_error("train", "--out", tmp_path / "afile" / "run")
    afile = tmp_path / "afile"
    assert line == f"nnjax: error: --out {afile / 'run'}: {afile}: is a file, not a folder"
    assert (tmp_path / "afile").read_text() == "mine"


def test_out_that_is_a_dangling_symlink_fails_before_loading_data(tmp_path, cli_error, no_data):
    """A symbolic link to a folder that does not exist: mkdir through it said "File exists", and only after
    the data had loaded and the program compiled."""
    link = tmp_path / "LINK"
    link.symlink_to(tmp_path / "nonexistent" / "x")
    said = f"a symbolic link to {tmp_path / 'nonexistent' / 'x'}, which does not exist"
    assert cli_error("train", "--out", link, "--epochs", "1") == f"nnjax: error: --out {link}: {said}"
    line = cli_error("train", "--out", link / "run", "--epochs", "1")  # a folder to create through it
    assert line == f"nnjax: error: --out {link / 'run'}: {link}: {said}"
    loop = tmp_path / "loop"
    loop.symlink_to(loop)
    line = cli_error("train", "--out", loop, "--epochs", "1")
    assert line == f"nnjax: error: --out {loop}: a symbolic link to {loop}, which does not exist"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["LINK", "loop"] and link.is_symlink()


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux's /proc, where no folder can be made")
@pytest.mark.parametrize("argv", [["train"], ["sweep", "--grid", "seed=0,1"]])
def test_out_that_cannot_be_created_names_the_flag_before_loading_data(argv, cli_error, no_data, monkeypatch):
    """``--out /proc/x``: /proc looks writable to root, but mkdir fails there. The line was
    "/proc/x: No such file or directory" (after loading the data and compiling, for train), naming no flag."""
    monkeypatch.setattr("nnjax.data.load_splits", lambda *a, **k: pytest.fail("loaded data despite bad --out"))
    line = cli_error(*argv, "--epochs", "1", "--out", "/proc/nnjax-out/run")
    root = os.geteuid() == 0  # root may write in /proc (mkdir fails there); anyone else may not
    blocked = "/proc/nnjax-out: cannot be created (No such file or directory)" if root else "/proc: not writable"
    assert line == f"nnjax: error: --out /proc/nnjax-out/run: {blocked}"
    assert not Path("/proc/nnjax-out").exists()


@pytest.mark.skipif(not Path("/proc/self").is_dir() or os.geteuid() != 0, reason="needs root and Linux's /proc")
def test_a_folder_the_file_system_will_not_create_is_refused_before_loading_data(tmp_path, no_data):
    """train_and_evaluate to /proc/x loaded the data and compiled, then failed making the folder; the check
    made for it now makes the missing folders (and removes them again)."""
    from nnjax.checkpoint import check_writable_folder

    said = r"^/proc/nnjax-out: cannot be created \(No such file or directory\); cannot write /proc/nnjax-out/run there$"
    with pytest.raises(CheckpointError, match=said):
        nnjax.run.train_and_evaluate(Config(epochs=1), "/proc/nnjax-out/run", progress=False)
    check_writable_folder(tmp_path / "a" / "b" / "c")  # can be made: nothing left of it
    assert list(tmp_path.iterdir()) == []


def test_config_and_config_file_together_are_refused(tmp_path, cli_error, no_data):
    f = tmp_path / "c.json"
    f.write_text("{}")
    line = cli_error("train", "--config", "wide", "--config-file", f, "--out", tmp_path / "run")
    assert line == "nnjax: error: --config and --config-file both name a starting config; give one"


@pytest.mark.parametrize(
    "argv, line",
    [
        (["train", "--foo", "1"], "nnjax train: error: unrecognized arguments: --foo 1 (see nnjax train --help)"),
        (["train", "--out"], "nnjax train: error: argument --out: expected one argument (see nnjax train --help)"),
        (["train", "--epoch", "2"], "nnjax train: error: unrecognized arguments: --epoch 2 (see nnjax train --help)"),
        ([], "nnjax: error: the following arguments are required: VERB (see nnjax --help)"),
    ],
)
def test_usage_errors_are_one_line_naming_the_verb(argv, line, capsys):
    from nnjax.cli import main

    with pytest.raises(SystemExit) as e:
        main(argv)
    assert e.value.code == 2
    assert capsys.readouterr().err == line + "\n"


def test_experiment_scripts_name_their_config_unless_resuming(tmp_path, monkeypatch, capsys):
    import nnjax.cli
    from nnjax.cli import train_named

    seen = []

    def capture(args):
        seen.append((args.config, args.config_file))
        raise nnjax.cli.NnjaxError("stop here")

    monkeypatch.setattr(nnjax.cli, "config_from_args", capture)
    assert train_named("wide", ["--epochs", "1"]) == 1
    f = tmp_path / "c.json"
    assert train_named("wide", ["--config-file", str(f)]) == 1
    assert train_named("wide", [f"--config-file={f}"]) == 1
    assert seen == [("wide", None), (None, str(f)), (None, str(f))]
    capsys.readouterr()
    assert train_named("wide", ["--resume", str(tmp_path / "nope")], prog="train_wide.py") == 1  # not refused
    # for --config; the script's own name says it, as its argument errors do
    assert capsys.readouterr().err == f"train_wide.py: error: {tmp_path / 'nope'}: run folder not found\n"
    with pytest.raises(SystemExit) as e:  # a script trains its own config: --config is no flag of it
        train_named("wide", ["--config", "video"], prog="train_wide.py")
    assert e.value.code == 2
    assert capsys.readouterr().err.startswith("train_wide.py: error: unrecognized arguments: --config video")
    with pytest.raises(SystemExit):
        train_named("wide", ["--help"], prog="train_wide.py")
    help_text = " ".join(capsys.readouterr().out.split())
    assert "usage: train_wide.py" in help_text and "[wide: 0.003]" in help_text and "[wide: 256,256]" in help_text


def test_existing_run_folder(tmp_path, cli_error, no_data):
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "notes.txt").write_text("mine")
    line = cli_error("train", "--out", tmp_path / "run")
    assert line == f"nnjax: error: {tmp_path / 'run'}: folder already exists and is not empty; use another --out"
    assert (tmp_path / "run" / "notes.txt").read_text() == "mine"
    # what it holds decides the advice: only a folder of the same kind can be resumed
    (tmp_path / "run" / "config.json").write_text("{}")
    line = cli_error("train", "--out", tmp_path / "run")
    assert line == f"nnjax: error: {tmp_path / 'run'}: run folder already exists; use --resume or another --out"
    line = cli_error("sweep", "--grid", "seed=0,1", "--out", tmp_path / "run")
    assert line == f"nnjax: error: {tmp_path / 'run'}: already holds a run, not a sweep; use another --out"
    (tmp_path / "sweep").mkdir()
    (tmp_path / "sweep" / "sweep.json").write_text("{}")
    line = cli_error("train", "--out", tmp_path / "sweep")
    assert line == f"nnjax: error: {tmp_path / 'sweep'}: already holds a sweep, not a run; use another --out"
    assert (tmp_path / "run" / "notes.txt").read_text() == "mine"


@pytest.mark.parametrize("verb", [["eval"], ["export"], ["train", "--resume"]])
def test_verbs_on_a_missing_run_folder(tmp_path, cli_error, verb):
    extra = [tmp_path / "w.npz"] if verb == ["export"] else []
    line = cli_error(*verb, tmp_path / "nope", *extra)
    assert line == f"nnjax: error: {tmp_path / 'nope'}: run folder not found"
    (tmp_path / "empty").mkdir()
    assert cli_error(*verb, tmp_path / "empty", *extra) == (
        f"nnjax: error: {tmp_path / 'empty'}: not a run folder (no config.json) nor a sweep folder (no sweep.json)"
        + (" to resume" if verb[0] == "train" else "")
    )
    (tmp_path / "f.txt").write_text("x")
    assert (
        cli_error(*verb, tmp_path / "f.txt", *extra)
        == f"nnjax: error: {tmp_path / 'f.txt'}: is a file, not a run folder"
    )
    (tmp_path / "sweep").mkdir()
    (tmp_path / "sweep" / "sweep.json").write_text("{}")
    line = cli_error(*verb, tmp_path / "sweep", *extra)
    assert (
        line.startswith(f"nnjax: error: {tmp_path / 'sweep'}: a sweep folder, not a run folder") and "--member" in line
    )
    group = tmp_path / "sweep" / "groups" / "g00"
    group.mkdir(parents=True)
    (group / "group.json").write_text("{}")
    line = cli_error(*verb, group, *extra)
    assert line.startswith(f"nnjax: error: {group}: a compiled group of the sweep {tmp_path / 'sweep'}, not a run")
    assert f"{tmp_path / 'sweep'} --member N" in line


def test_out_that_is_a_file_is_named_as_such(tmp_path, cli_error, no_data):
    (tmp_path / "notes.txt").write_text("mine")
    line = cli_error("train", "--out", tmp_path / "notes.txt")
    assert line == f"nnjax: error: {tmp_path / 'notes.txt'}: is a file; --out names the run folder to create"
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_an_interrupt_is_one_line_and_says_how_to_continue(tmp_path, monkeypatch, capsys):
    import nnjax.cli
    import nnjax.run

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(nnjax.run, "train_and_evaluate", interrupted)
    monkeypatch.setattr(nnjax.run, "load_run", interrupted)
    run = tmp_path / "run"
    assert nnjax.cli.main(["train", "--out", str(run)]) == 130
    assert capsys.readouterr().err == "nnjax: interrupted\n"  # before the folder was started: nothing to resume
    run.mkdir()
    (run / "config.json").write_text("{}")  # started
    assert nnjax.cli.main(["train", "--out", str(run)]) == 130
    assert capsys.readouterr().err == f"nnjax: interrupted (continue with: nnjax train --resume {run})\n"
    assert nnjax.cli.main(["eval", str(run)]) == 130
    assert capsys.readouterr().err == "nnjax: interrupted\n"

    # without --out: the default folder is chosen before training, so the hint can name it
    def interrupted_once_started(cfg, out, **kwargs):
        Path(out).mkdir(parents=True, exist_ok=True)  # the default folder is created when chosen
        (Path(out) / "config.json").write_text("{}")
        raise KeyboardInterrupt

    monkeypatch.setattr(nnjax.run, "train_and_evaluate", interrupted_once_started)
    monkeypatch.chdir(tmp_path)
    assert nnjax.cli.main(["train"]) == 130
    (folder,) = (tmp_path / "runs").iterdir()
    assert capsys.readouterr().err == f"nnjax: interrupted (continue with: nnjax train --resume runs/{folder.name})\n"

    import nnjax.sweep

    def sweep_interrupted_once_started(base, grid, out, **kwargs):
        Path(out).mkdir(parents=True, exist_ok=True)  # the default folder is created when chosen
        (Path(out) / "sweep.json").write_text("{}")
        raise KeyboardInterrupt

    monkeypatch.setattr(nnjax.sweep, "run_sweep", sweep_interrupted_once_started)
    assert nnjax.cli.main(["sweep", "--grid", "seed=0,1"]) == 130
    (folder,) = (tmp_path / "sweeps").iterdir()
    assert capsys.readouterr().err == f"nnjax: interrupted (continue with: nnjax sweep --resume sweeps/{folder.name})\n"


def test_ctrl_c_while_starting_is_one_line_and_exit_130(tmp_path):
    """Ctrl-C during the console script's start (importing JAX) is one line and exit 130, not an
    ImportError traceback or an interrupt that JAX's garbage-collector hook swallows (the run then
    trained to the end and exited 0)."""
    from importlib.metadata import entry_points

    assert entry_points(group="console_scripts")["nnjax"].value == "nnjax.cli:entry"
    done = _interrupt_at(tmp_path, ["train", "--out", "run", "--epochs", "1"])
    assert (done.returncode, done.stdout, done.stderr) == (130, "", "nnjax: interrupted\n")
    assert not (tmp_path / "run").exists()
    # SIGTERM (kill, a batch system ending the job) alike, with its own status: 128 + 15
    done = _interrupt_at(tmp_path, ["train", "--out", "run", "--epochs", "1"], sig=signal.SIGTERM)
    assert (done.returncode, done.stdout, done.stderr) == (143, "", "nnjax: interrupted\n")


# The console script, with a mark written once ``entry`` has set (or, SIGINT being ignored, kept) its
# handler: the interrupt is sent then, not after a fixed sleep that a loaded machine's start-up outlasts.
ENTRY_MARKED = """
import pathlib, sys
import nnjax.cli as cli
set_handler = cli.exit_at_once_on_interrupt

def set_and_mark(line):
    set_handler(line)
    pathlib.Path(sys.argv.pop(1)).touch()

cli.exit_at_once_on_interrupt = set_and_mark
cli.entry()
"""


def _interrupt_at(
    tmp_path, argv: list[str], ignored: bool = False, sig: int = signal.SIGINT
) -> subprocess.CompletedProcess:
    """``nnjax ARGV`` sent ``sig`` as soon as its handler is set (``ignored``: started with SIGINT ignored,
    as by nohup). Loading JAX and failing to find data (the tests' $TFDS_DATA_DIR is empty) takes seconds."""
    env = {**os.environ, "TFDS_DATA_DIR": str(tmp_path / "tfds")}
    # SIGINT ignored as nohup leaves it, or as an interactive shell does not (pytest may run with it ignored)
    start = "SIG_IGN" if ignored else "default_int_handler"
    start = f"import signal; signal.signal(signal.SIGINT, signal.{start})\n"
    mark = tmp_path / "handler-set"
    mark.unlink(missing_ok=True)  # an earlier call's
    proc = subprocess.Popen(
        [sys.executable, "-c", start + ENTRY_MARKED, str(mark), *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    deadline = time.monotonic() + 120
    while not mark.exists():
        assert proc.poll() is None, f"ended before its handler was set: {proc.communicate()}"
        assert time.monotonic() < deadline, "no handler within 120 s"
        time.sleep(0.005)
    proc.send_signal(sig)
    stdout, stderr = proc.communicate(timeout=120)
    return subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr)


def test_the_console_script_sets_its_handler_before_parsing(monkeypatch):
    """Ctrl-C while the command line is parsed is already the one-line exit (checked in this process: a
    timed subprocess would race the interpreter's start-up)."""
    import nnjax.cli

    seen = []

    def parse(argv):
        seen.append(signal.getsignal(signal.SIGINT))
        raise SystemExit(2)

    monkeypatch.setattr(nnjax.cli, "_parse", parse)
    before = signal.signal(signal.SIGINT, signal.default_int_handler)  # not ignored, even if pytest's is
    try:
        with pytest.raises(SystemExit):
            nnjax.cli.entry()
    finally:
        signal.signal(signal.SIGINT, before)
    assert len(seen) == 1 and callable(seen[0]) and seen[0] is not before
    assert seen[0].__qualname__ == "exit_at_once_on_interrupt.<locals>.handler"


def test_ctrl_c_removes_an_empty_default_folder_and_names_a_started_one(tmp_path):
    """What the interrupt line does for the command line's folder: a default one still empty is removed
    (os._exit skips removed_if_left_empty), one with a run in it is named in the --resume hint."""
    from nnjax.cli import _interrupt_line

    folder = tmp_path / "runs" / "video-sigmoid-1"
    folder.mkdir(parents=True)
    args = build_parser().parse_args(["train"])
    args.out, args.default_out = str(folder), [folder, folder.parent]  # runs/ made for it too
    assert _interrupt_line(args) == "nnjax: interrupted" and list(tmp_path.iterdir()) == []
    folder.mkdir(parents=True)
    (folder / "config.json").write_text("{}")
    assert _interrupt_line(args) == f"nnjax: interrupted (continue with: nnjax train --resume {folder})"
    assert folder.exists()


def test_the_interrupt_line_starts_a_line_of_its_own_after_a_progress_bar():
    """stderr redirected to a log: a bar still open has not ended its line, so the interrupt line must
    (it was appended to the bar's last update: `...test_acc=0.9433]nnjax: interrupted`)."""
    import io

    from tqdm import tqdm

    from nnjax.cli import interrupt_lead

    assert interrupt_lead() == ""  # pytest's stderr is no terminal, and no bar is open
    bar = tqdm(total=3, file=io.StringIO())
    bar.update(1)
    assert interrupt_lead() == "\n"
    bar.close()
    assert interrupt_lead() == ""


def test_ctrl_c_after_a_run_finished_says_so(tmp_path, monkeypatch):
    """Between the result and the process's end (printing, JAX's teardown) there is nothing to resume."""
    from nnjax.cli import _interrupt_line

    folder = tmp_path / "run"
    folder.mkdir()
    (folder / "config.json").write_text("{}")
    args = build_parser().parse_args(["train", "--out", str(folder)])
    assert _interrupt_line(args) == f"nnjax: interrupted (continue with: nnjax train --resume {folder})"

    def finished(cfg, out, **kwargs):
        assert _interrupt_line(args).startswith("nnjax: interrupted (continue with")  # still training
        return {"run_dir": str(out), "epochs": 1, "compile_s": 0.1, "epoch_s_median": 0.1, "device": "cpu",
                "test_accuracy": 0.5}  # fmt: skip

    monkeypatch.setattr(nnjax.run, "train_and_evaluate", finished)
    assert nnjax.cli._run(args) == 0
    assert _interrupt_line(args) == f"nnjax: interrupted after the run finished (in {folder})"

    summary = {"sweep_dir": "s", "table": "", "n_members": 2, "n_groups": 1, "device": "cpu", "wall_s": 1.0}
    summary |= {"train_s": 0.5, "compile_s": 0.2}
    monkeypatch.setattr(nnjax.sweep, "run_sweep", lambda *args, **kwargs: summary)
    args = build_parser().parse_args(["sweep", "--grid", "seed=0,1", "--out", str(tmp_path / "s")])
    assert nnjax.cli._run(args) == 0
    assert _interrupt_line(args) == f"nnjax: interrupted after the sweep finished (in {tmp_path / 's'})"


def test_a_process_started_with_ctrl_c_ignored_keeps_ignoring_it(tmp_path):
    """nohup or `cmd &` in a script start a process with SIGINT ignored; the handler does not undo that."""
    done = _interrupt_at(tmp_path, ["train", "--epochs", "1", "--out", "r", "--data-dir", "nowhere"], True)
    assert done.returncode == 1 and "data folder" in done.stderr and "interrupted" not in done.stderr, done.stderr


def test_bad_input_in_a_real_process(tmp_path):
    """The installed entry point: exit 1, exactly one stderr line, no traceback."""
    env = {**os.environ, "NNJAX_DATA_DIR": str(tmp_path / "missing")}
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "nnjax.cli",
            "train",
            "--tfds-dir",
            str(tmp_path / "tfds"),
            "--out",
            str(tmp_path / "r"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert r.returncode == 1
    missing = tmp_path / "missing"
    assert r.stderr.strip().splitlines() == [f"nnjax: error: {missing}: data folder not found (from NNJAX_DATA_DIR)"]


# the console script, its data set the tests' synthetic one (loading it, no verb prints anything)
ENTRY_SYNTHETIC = f"""
import sys
sys.path.insert(0, {str(Path(__file__).parent)!r})
from conftest import synthetic_splits
import nnjax.data
splits = synthetic_splits()
nnjax.data.load_splits = lambda *a, **k: splits
from nnjax import cli
cli.entry()
"""


def _reader_gone(argv: list, stderr: int | None = subprocess.PIPE) -> subprocess.CompletedProcess:
    """``nnjax ARGV`` with its stdout (and ``stderr=subprocess.STDOUT``: its stderr too) a pipe whose reader has
    gone before it starts, as after ``| head -1`` (deterministic: its first write fails)."""
    read, write = os.pipe()
    os.close(read)
    try:
        cmd = [sys.executable, "-c", ENTRY_SYNTHETIC, *map(str, argv)]
        return subprocess.run(cmd, stdout=write, stderr=stderr, text=True, timeout=300)
    finally:
        os.close(write)


def test_a_verb_whose_reader_has_gone_does_its_work_and_exits_0_without_an_error(tmp_path):
    """``nnjax sweep ... 2>&1 | head -1``: the sweep trains and writes every file (its output, progress on stderr
    included, goes nowhere) and exits 0; ``nnjax summary S | head -3``: exit 0, no error line and nothing at the
    interpreter's exit (both printed 'nnjax: error: Broken pipe' and exited 1)."""
    s = tmp_path / "s"
    grid = ["--grid", "seed=0,1", "--hidden", "8", "--epochs", "2", "--batch-size", "64", "--data-dir", tmp_path]
    swept = _reader_gone(["sweep", *grid, "--out", s], stderr=subprocess.STDOUT)
    assert swept.returncode == 0
    assert {"sweep.json", "metrics.jsonl", "members.csv", "summary.md", "accuracy.png"} <= {p.name for p in s.iterdir()}
    assert len((s / "metrics.jsonl").read_text().splitlines()) == 2 * 2
    for argv in (["summary", s], ["summary", s, "--json"]):
        r = _reader_gone(argv)
        assert (r.returncode, r.stderr) == (0, ""), r.stderr
    bad = _reader_gone(["summary", tmp_path / "nowhere"])  # its own status and error line, as before
    assert (bad.returncode, bad.stderr) == (1, f"nnjax: error: {tmp_path / 'nowhere'}: sweep folder not found\n")


# ---- on mock data ----------------------------------------------------------------------------------------


@pytest.fixture
def mock64():
    import tensorflow_datasets as tfds

    with tfds.testing.mock_data(num_examples=64):
        yield


def test_train_says_its_recipe_with_the_fields_kept_from_the_named_config(tmp_path, cli, mock64, monkeypatch, capsys):
    """A researcher trial typed network.py's flags (--optimizer sgd --lr 3 ...) and trained the video's cosine
    schedule, weight decay and Glorot init without a word: train's first line now names every field that trains.
    It is said before the first epoch (it came with the summary, after a 100-epoch run), and only once."""
    before_training = []  # stdout as the first epoch starts
    real_train_epochs = nnjax.run.train_epochs

    def train_epochs(*a, **k):
        before_training.append(capsys.readouterr().out)
        return real_train_epochs(*a, **k)

    monkeypatch.setattr(nnjax.run, "train_epochs", train_epochs)
    flags = ["--hidden", "30", "--cost", "quadratic", "--optimizer", "sgd", "--lr", "3", "--batch-size", "16"]
    rc, out, err = cli("train", *flags, "--epochs", "1", "--tfds-dir", tmp_path / "tfds", "--no-progress", "--out",
                       tmp_path / "run")  # fmt: skip
    assert rc == 0, err
    recipe = (
        "recipe: mnist 784-30-10 sigmoid init=glorot cost=quadratic optimizer=sgd lr=3 weight_decay=0.0002 "
        "schedule=cosine batch_size=16 epochs=1 seed=0 data_seed=0"
    )
    assert before_training == [f"{recipe}\n"]
    assert "recipe:" not in out and out.startswith("run folder: "), out  # not again with the summary
    rc, out, err = cli("train", "--resume", tmp_path / "run", "--force", "--epochs", "2", "--no-progress")
    assert rc == 0 and before_training[1] == f"{recipe.replace(' epochs=1 ', ' epochs=2 ')}\n", (out, err)
    assert "recipe:" not in out, out
    rc, out, err = cli("train", "--resume", tmp_path / "run", "--no-progress")  # finished: nothing trains
    assert rc == 0 and len(before_training) == 2 and out.count("recipe: ") == 1, (out, err)
    assert out.splitlines()[0] == before_training[1].strip()


def test_sweep_says_its_recipe_before_the_first_group_trains(tmp_path, cli, cli_error, mock64, monkeypatch, capsys):
    """A researcher's seed-only sweep printed a table that named neither its activation nor its lr: the sweep
    now prints a recipe line, the grid's fields as swept, once every check has passed and before the first
    group trains (also on --resume); nothing on stdout when a check fails, and none with --json."""
    import nnjax.sweep

    before_training = []  # stdout as each group starts
    real_run_group = nnjax.sweep._run_group

    def run_group(*a, **k):
        before_training.append(capsys.readouterr().out)
        return real_run_group(*a, **k)

    monkeypatch.setattr(nnjax.sweep, "_run_group", run_group)
    flags = ["--hidden", "8", "--epochs", "1", "--batch-size", "16", "--tfds-dir", tmp_path / "tfds", "--no-progress"]
    rc, out, err = cli("sweep", *flags, "--activation", "relu", "--lr", "0.03", "--grid", "seed=0,1", "--out",
                       tmp_path / "s")  # fmt: skip
    assert rc == 0, err
    recipe = (
        "recipe: mnist 784-8-10 relu init=he cost=cross_entropy optimizer=adam lr=0.03 momentum=0.9 "
        "weight_decay=0.0002 schedule=cosine batch_size=16 epochs=1 seed=0,1 data_seed=0"
    )
    assert before_training == [f"{recipe}\n"] and "recipe:" not in out and out.startswith("sweep folder: "), out
    rc, out, err = cli("sweep", "--resume", tmp_path / "s", "--no-progress")
    assert rc == 0 and before_training[1] == f"{recipe}\n" and "recipe:" not in out, (out, err)
    rc, out, err = cli("sweep", *flags, "--grid", "seed=0,1", "--out", tmp_path / "j", "--json")
    assert rc == 0 and before_training[2] == "" and json.loads(out)["n_members"] == 2, err
    rc, out, err = cli("sweep", *flags, "--batch-size", "100", "--grid", "seed=0,1", "--out", tmp_path / "big")
    assert rc == 1 and "larger than the 64 training images" in err and out == "", (out, err)


def test_a_sweep_of_linked_fields_says_its_item_as_given_and_compares_with_one_tuple(tmp_path, cli, cli_error, mock64):
    """``--grid activation,lr=relu:0.03,tanh:0.01 seed=0,1``: the recipe line shows the linked item as given,
    the table has one row per tuple, ``--baseline activation=relu`` names relu's; a flag of a linked field is
    refused naming the item, before any folder is made."""
    flags = ["--hidden", "8", "--epochs", "1", "--batch-size", "16", "--tfds-dir", tmp_path / "tfds", "--no-progress"]
    grid = ["--grid", "activation,lr=relu:0.03,tanh:0.01", "seed=0,1"]
    rc, out, err = cli("sweep", *flags, *grid, "--baseline", "activation=relu", "--out", tmp_path / "s")
    assert rc == 0, err
    assert out.startswith(
        "recipe: mnist 784-8-10 activation,lr=relu:0.03,tanh:0.01 init=auto cost=cross_entropy optimizer=adam "
        "momentum=0.9 weight_decay=0.0002 schedule=cosine batch_size=16 epochs=1 seed=0,1 data_seed=0\n"
    ), out
    rows = [line.split(" | ") for line in out.splitlines() if line.startswith(("| relu", "| tanh"))]
    assert [r[:3] for r in rows] == [["| relu", "0.03", "2"], ["| tanh", "0.01", "2"]]
    assert rows[0][4] == "baseline" and re.fullmatch(r"[+-]\d+\.\d\d", rows[1][4]), rows
    assert "4 members in 2 groups, 1 epoch:" in out
    assert json.loads((tmp_path / "s" / "sweep.json").read_text())["baseline"] == {"activation": "relu", "lr": 0.03}
    line = cli_error("sweep", *flags, "--lr", "0.1", *grid, "--out", tmp_path / "t")
    assert line == (
        "nnjax: error: --lr 0.1: lr is swept by the grid (activation,lr=relu:0.03,tanh:0.01), whose values would "
        "replace the flag's; give lr once"
    )
    assert not (tmp_path / "t").exists()


def test_batch_larger_than_the_data(tmp_path, cli_error, mock64):
    out = tmp_path / "run"
    line = cli_error("train", "--batch-size", "100", "--epochs", "1", "--tfds-dir", tmp_path / "tfds", "--out", out)
    assert line == "nnjax: error: config field 'batch_size' = 100: larger than the 64 training images"
    assert not out.exists()


def test_train_says_when_jax_loaded_its_epoch_program_from_the_compilation_cache(
    tmp_path, cli, mock64, monkeypatch, jax_disk_cache
):
    """With JAX's persistent compilation cache on (README, Performance), a later run of the same program loads it
    from disk instead of compiling it: train says so, and result.json (``compile_cached``); the first run, which
    filled the cache, says it compiled. Both train the same numbers, and no jax.monitoring listener is left."""
    from jax._src import monitoring

    flags = ["--epochs", "2", "--batch-size", "16", "--tfds-dir", tmp_path / "tfds", "--no-progress"]
    listeners = monitoring.get_event_listeners()
    said, results, lines = [], [], []
    for run in ("filled", "loaded"):
        # as in a new process: no program this process compiled before (nnjax's reuse would find it first)
        monkeypatch.setattr(nnjax.train, "_compiled_epochs", collections.OrderedDict())
        rc, out, err = cli("train", *flags, "--out", tmp_path / run)
        assert rc == 0, err
        said += re.findall(r"^epochs: 2, epoch program (.+), median epoch \d+\.\d{4} s on cpu$", out, re.M)
        results.append(json.loads((tmp_path / run / "result.json").read_text()))
        metrics = (tmp_path / run / "metrics.jsonl").read_text().splitlines()
        lines.append([{k: v for k, v in json.loads(x).items() if k != "epoch_s"} for x in metrics])
    assert re.fullmatch(r"compiled in \d+\.\d\d s", said[0]), said
    assert re.fullmatch(r"loaded from JAX's compilation cache in \d+\.\d\d s", said[1]), said
    assert [(r["compile_cached"], r["compile_reused"]) for r in results] == [(False, False), (True, False)]
    assert lines[0] == lines[1] and results[0]["test_accuracy"] == results[1]["test_accuracy"]
    assert any(jax_disk_cache.iterdir())
    assert monitoring.get_event_listeners() == listeners


def test_train_eval_export(tmp_path, cli, cli_error, mock64, monkeypatch):
    run = tmp_path / "run"
    flags = ["--epochs", "2", "--batch-size", "16", "--tfds-dir", tmp_path / "tfds", "--no-progress"]
    # none of the programs earlier tests compiled in this process: run 1 compiles its own whatever ran before
    monkeypatch.setattr(nnjax.train, "_compiled_epochs", collections.OrderedDict())
    rc, out, err = cli("train", *flags, "--out", run, "--json")
    assert rc == 0, err
    result = json.loads(out)
    assert result["run_dir"] == str(run) and result["n_params"] == 13_002
    assert result["compile_reused"] is False

    rc, out, _ = cli("train", *flags, "--out", tmp_path / "run2")  # the text summary
    assert rc == 0 and f"run folder: {tmp_path / 'run2'}" in out
    recipe = "mnist 784-16-16-10 sigmoid init=glorot cost=cross_entropy optimizer=adam lr=0.01 momentum=0.9 "
    assert out.startswith(f"recipe: {recipe}weight_decay=0.0002 schedule=cosine batch_size=16 epochs=2 seed=0 ")
    # the program of the run before it, in this process: reused, not compiled again, and said so
    reused = r"reused \(compiled earlier in this process; traced in \d+\.\d\d s\)"
    assert re.search(rf"^epochs: 2, epoch program {reused}, median epoch \d+\.\d{{4}} s on cpu$", out, re.M), out
    result2 = json.loads((tmp_path / "run2" / "result.json").read_text())
    assert result2["compile_reused"] is True
    monkeypatch.setattr(nnjax.run, "train_and_evaluate", lambda *a, **k: {**result2, "compile_reused": False})
    rc, out, _ = cli("train", *flags, "--out", tmp_path / "run4")  # a program this run compiled
    line = r"^epochs: 2, epoch program compiled in \d+\.\d\d s, median epoch \d+\.\d{4} s on cpu$"
    assert rc == 0 and re.search(line, out, re.M), out
    monkeypatch.undo()
    for median, said in ((0.1, "0.1000 s"), (None, "none trained")):  # as the README shows it; no "None s"
        monkeypatch.setattr(nnjax.run, "train_and_evaluate", lambda *a, m=median, **k: {**result2, "epoch_s_median": m})
        rc, out, _ = cli("train", *flags, "--out", tmp_path / "run3")
        assert rc == 0 and f", median epoch {said} on cpu\n" in out, out
    monkeypatch.undo()
    # same config, same numbers; the test split as large as it is (tfds's mock: 64 images)
    assert f"test accuracy: {100 * result['test_accuracy']:.2f} % (official 64-image test split)" in out
    assert result["n_test"] == 64
    # beside it, the final network on the images it trained on (the mock's 64), the line before the test's
    said = f"train accuracy: {100 * result['train_set_accuracy']:.2f} % (final network on the 64 images it trained on)"
    assert f"{said}\ntest accuracy: " in out, out

    rc, out, _ = cli("eval", run, "--json")
    assert rc == 0 and json.loads(out)["test_accuracy"] == result["test_accuracy"]
    rc, out, _ = cli("eval", run)
    assert rc == 0 and f"test accuracy: {100 * result['test_accuracy']:.2f} %" in out
    saved = json.loads((tmp_path / "run2" / "config.json").read_text())
    (tmp_path / "run2" / "config.json").write_text(json.dumps({**saved, "warmup_epochs": 1}))
    rc, out, err = cli("eval", tmp_path / "run2")  # saved by an older nnjax that ignored it: still reads
    assert rc == 0 and f"test accuracy: {100 * result['test_accuracy']:.2f} %" in out, err

    rc, out, _ = cli("export", run, tmp_path / "w.npz")
    assert rc == 0 and str(tmp_path / "w.npz") in out
    with np.load(tmp_path / "w.npz", allow_pickle=False) as z:
        arrays = dict(z)
    shapes = {k: v.shape for k, v in arrays.items() if k.startswith("layer")}
    assert int(arrays["epoch"]) == result["epochs"]
    assert shapes == {
        "layer0_W": (16, 784),
        "layer0_b": (16,),
        "layer1_W": (16, 16),
        "layer1_b": (16,),
        "layer2_W": (10, 16),
        "layer2_b": (10,),
    }
    assert "must end in .npz" in cli_error("export", run, tmp_path / "w.pkl")
    said = f"{tmp_path / '.npz'}: export file must end in .npz (a name before it, e.g. video.npz)"
    assert cli_error("export", run, tmp_path / ".npz") == f"nnjax: error: {said}"
    # "" is no file name (it was named as ".", the current folder: ".: export file must end in .npz")
    said = "'': the export file's name is empty; name the .npz file to write"
    assert cli_error("export", run, "") == f"nnjax: error: {said}"
    (tmp_path / "w.npz").write_bytes(b"someone's file")
    line = cli_error("export", run, tmp_path / "w.npz")
    assert line == f"nnjax: error: {tmp_path / 'w.npz'}: already exists (--overwrite replaces it)"
    assert (tmp_path / "w.npz").read_bytes() == b"someone's file"
    rc, _, err = cli("export", run, tmp_path / "w.npz", "--overwrite")
    assert rc == 0, err
    with np.load(tmp_path / "w.npz", allow_pickle=False) as z:
        assert np.array_equal(z["layer0_W"], arrays["layer0_W"])
    (tmp_path / "dir.npz").mkdir()
    assert "dir.npz: is a folder" in cli_error("export", run, tmp_path / "dir.npz")

    line = cli_error("train", *flags, "--resume", run, "--lr", "0.123")
    assert f"--resume with lr=0.123 but the run used lr={Config().lr!r}" in line


@pytest.mark.parametrize("standardize", [False, True])
def test_exported_arrays_reproduce_the_forward_pass(tmp_path, cli, splits_256, standardize):
    """Export a run and run its W and b through plain NumPy, scaling the pixels as the file says: the logits
    equal nnjax's forward pass on the pixels scaled as the run trained."""
    import jax

    from nnjax.data import prepare_images
    from nnjax.model import forward_jit
    from nnjax.run import load_run, train_and_evaluate
    from nnjax.train import unstack

    cfg = Config(activation="tanh", hidden=(8,), epochs=1, batch_size=32, standardize=standardize)
    train_and_evaluate(cfg, tmp_path / "run", progress=False, splits=splits_256)
    rc, _, err = cli("export", tmp_path / "run", tmp_path / "w.npz")
    assert rc == 0, err
    with np.load(tmp_path / "w.npz", allow_pickle=False) as z:
        arrays = dict(z)
    assert str(arrays["activation"]) == "tanh" and str(arrays["cost"]) == "cross_entropy"
    assert arrays["standardize"].dtype == bool and bool(arrays["standardize"]) is standardize
    x_Nx784 = splits_256.x_test[:20].astype(np.float32) / 255.0
    if arrays["standardize"]:
        x_Nx784 = (x_Nx784 - 0.1307) / 0.3081
    # the file's own formulas say the same (what a reader outside JAX follows)
    x_uint8 = splits_256.x_test[:20].astype(np.float64)
    np.testing.assert_allclose(eval(str(arrays["pixels_formula"]), {"x": x_uint8}), x_Nx784, rtol=1e-6, atol=1e-6)
    assert str(arrays["activation_formula"]) == "np.tanh(z)"
    hidden_Nx8 = np.tanh(x_Nx784 @ arrays["layer0_W"].T + arrays["layer0_b"])
    z_Nx10 = hidden_Nx8 @ arrays["layer1_W"].T + arrays["layer1_b"]
    _, params_K, _ = load_run(tmp_path / "run")
    pixels = prepare_images(jax.numpy.asarray(splits_256.x_test[:20]), standardize)
    want = forward_jit(unstack(params_K, 0), pixels, jax.numpy.tanh)
    np.testing.assert_allclose(z_Nx10, np.asarray(want), rtol=1e-5, atol=1e-5)


def test_a_validation_run_prints_its_validation_accuracy(tmp_path, cli, monkeypatch):
    """With --validation the summary shows the held-out figure the run reported, above the test figure."""
    from nnjax import run as run_module

    seen = {}

    def fake_train(cfg, out, **kw):
        seen["validation"] = cfg.validation
        base = {"run_dir": str(out), "epochs": 1, "compile_s": 0.1, "epoch_s_median": 0.01, "device": "cpu"}
        return {**base, "test_accuracy": 0.9, **({"val_accuracy": 0.8512} if cfg.validation else {})}

    monkeypatch.setattr(run_module, "train_and_evaluate", fake_train)
    rc, out, _ = cli("train", "--validation", "--out", tmp_path / "r", "--no-progress")
    assert rc == 0 and seen["validation"] is True
    assert "validation accuracy: 85.12 % (last epoch, held-out training images)\ntest accuracy: 90.00 %" in out
    rc, out, _ = cli("train", "--out", tmp_path / "r2", "--no-progress")
    assert rc == 0 and "validation accuracy" not in out


def test_every_import_in_the_readme_exists():
    """The README's Python examples import names that exist (the examples themselves train on MNIST)."""
    import importlib
    import re

    readme = (Path(__file__).parents[1] / "README.md").read_text()
    imports = re.findall(r"^from (nnjax[\w.]*) import ([\w, ]+)$", readme, flags=re.M)
    assert len(imports) >= 8
    for module, names in imports:
        mod = importlib.import_module(module)
        for name in names.split(","):
            assert hasattr(mod, name.strip()), f"README: from {module} import {name.strip()}"


def test_the_readme_names_every_sweep_option_that_sweep_json_keeps():
    """The README's list of what a sweep folder's sweep.json holds names every flag it keeps (``SUMMARY_OPTIONS``:
    it said "`--target` and `--replicates` if given" after --baseline was kept too), and the sweep flags'
    help says each is kept."""
    import re

    from nnjax.cli import build_parser
    from nnjax.sweep import SUMMARY_OPTIONS

    readme = (Path(__file__).parents[1] / "README.md").read_text()
    said = re.search(r"The sweep folder holds `sweep.json` \(([^)]*)\)", readme)
    assert said is not None
    sweep_parser = next(a for a in build_parser()._actions if a.dest == "verb").choices["sweep"]
    helps = {a.dest: a.help for a in sweep_parser._actions}
    for option in SUMMARY_OPTIONS:
        assert f"`--{option}`" in " ".join(said.group(1).split()), option
        assert "kept for --resume" in helps[option], option


def test_the_readmes_tables_sign_their_numbers_as_the_commands_print_them():
    """A signed number in a README table has the ASCII '-' that nnjax's printed tables and lines have (the sweep
    table's "vs baseline", compare's "B - A", viz's "b=": ``f"{x:+.2f}"``), so a figure copied from either reads
    alike; the hand table of each activation at its own lr had "−0.16" beside the sweep table's "-0.13"."""
    readme = (Path(__file__).parents[1] / "README.md").read_text()
    cells = [c.strip().strip("*") for line in readme.splitlines() if line.startswith("|") for c in line.split("|")]
    signed = [c for c in cells if re.fullmatch(r"[+\-−]\d+(\.\d+)?", c)]
    assert len(signed) >= 10
    assert [c for c in signed if not c.startswith(("+", "-"))] == []


def test_the_train_summary_the_readme_and_docs_quote_is_the_one_printed(tmp_path, cli, monkeypatch):
    """README command 1's summary and docs/predict_example.txt's are what ``nnjax train`` prints for their
    numbers, word for word; the compile time it names is the epoch program's (``compile_s``), as it says."""
    root = Path(__file__).parents[1]
    quoted = [  # README's run (Intel Xeon VM) and docs' (Zen 3 VM): their folder, times and accuracies
        (root / "README.md", "runs/video-sigmoid-20261207-020726", 1.56, 0.1194, 0.9746, 0.965),
        (root / "docs" / "predict_example.txt", "/tmp/docs/video", 2.75, 0.1723, 0.9739, 0.9652),
    ]
    for path, run_dir, compile_s, median, train_acc, test_acc in quoted:
        result = {"run_dir": run_dir, "epochs": 100, "compile_s": compile_s, "epoch_s_median": median}
        result |= {"device": "cpu", "test_accuracy": test_acc, "n_test": 10_000}
        result |= {"train_set_accuracy": train_acc, "n_train": 60_000}
        monkeypatch.setattr(nnjax.run, "train_and_evaluate", lambda cfg, *a, r=result, **k: k["on_start"](cfg) or r)
        rc, out, err = cli("train", "--out", tmp_path / path.name, "--no-progress")
        assert rc == 0, err
        said = f"epochs: 100, epoch program compiled in {compile_s:.2f} s, median epoch {median} s on cpu"
        assert out.splitlines()[2] == said, out
        assert out in path.read_text(), f"{path.name} quotes another summary than nnjax train prints:\n{out}"


def test_default_folders_started_in_the_same_second_differ(tmp_path, monkeypatch):
    """Two runs (or sweeps) of one config started in the same second, e.g. seeds launched in parallel, get
    their own folders: the default name is created when chosen, the second one with a suffix."""
    import time

    from nnjax.config import Config
    from nnjax.run import default_run_dir
    from nnjax.sweep import default_sweep_dir

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(time, "strftime", lambda fmt: "20261202-081016")
    runs = [default_run_dir(Config()) for _ in range(3)]
    assert [str(r) for r in runs] == [
        "runs/video-sigmoid-20261202-081016",
        "runs/video-sigmoid-20261202-081016-2",
        "runs/video-sigmoid-20261202-081016-3",
    ]
    assert all(r.is_dir() and not any(r.iterdir()) for r in runs)
    assert str(default_sweep_dir(Config())) == "sweeps/video-20261202-081016"
    assert str(default_sweep_dir(Config())) == "sweeps/video-20261202-081016-2"


def test_a_start_refused_after_its_default_folder_was_made_leaves_no_folder(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NNJAX_DATA_DIR", raising=False)
    missing = ["--data-dir", str(tmp_path / "missing"), "--tfds-dir", str(tmp_path / "tfds")]
    assert nnjax.cli.main(["train", *missing]) == 1
    assert "missing: data folder not found" in capsys.readouterr().err
    assert nnjax.cli.main(["sweep", "--grid", "hidden=60000x60000,16", *missing]) == 1
    assert "GiB available" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []  # runs/ and sweeps/ too: made for the refused start
    (tmp_path / "runs").mkdir()  # made before: kept, empty as it is
    assert nnjax.cli.main(["train", *missing]) == 1
    assert [p.name for p in tmp_path.iterdir()] == ["runs"] and list(tmp_path.glob("runs/*")) == []


@pytest.mark.parametrize(
    "argv, flag",
    [
        (["train", "--out", ""], "--out"),
        (["sweep", "--grid", "seed=0,1", "--out", ""], "--out"),
        (["train", "--resume", ""], "--resume"),
        (["train", "--config-file", ""], "--config-file"),
        (["eval", ""], "RUN_DIR"),
        (["viz", ""], "RUN_DIR"),
    ],
)
def test_an_empty_path_is_refused_not_read_as_the_current_folder(tmp_path, monkeypatch, cli_error, argv, flag):
    monkeypatch.chdir(tmp_path)  # an empty folder: '' would have been it
    assert cli_error(*argv) == f"nnjax: error: {flag} is empty: name a path"
    assert list(tmp_path.iterdir()) == []


def test_grid_given_twice_sweeps_both(monkeypatch, tmp_path, cli_error):
    from nnjax import sweep

    seen = {}

    def fake_run_sweep(base, grid, out, **kw):
        seen["grid"] = grid
        raise ConfigError("stopped before training")

    monkeypatch.setattr(sweep, "run_sweep", fake_run_sweep)
    assert cli_error("sweep", "--grid", "seed=0,1", "--grid", "activation=sigmoid,relu", "--out", tmp_path / "s")
    assert seen["grid"] == {"seed": [0, 1], "activation": ["sigmoid", "relu"]}
    line = cli_error("sweep", "--grid", "seed=0,1", "--grid", "seed=2", "--out", tmp_path / "s")
    assert "field 'seed' is given twice" in line


def test_the_sweeps_closing_line_says_how_many_epochs_when_every_member_trains_as_many(monkeypatch, tmp_path, cli):
    """The table does not say it; a grid over epochs leaves it out (the table's rows say it)."""
    from nnjax import sweep

    summary = {"sweep_dir": "s", "table": "", "n_members": 2, "n_groups": 1, "device": "cpu", "wall_s": 1.0}
    summary |= {"train_s": 0.5, "compile_s": 0.2}
    monkeypatch.setattr(sweep, "run_sweep", lambda *args, **kwargs: summary)
    rc, out, _ = cli("sweep", "--epochs", "1", "--grid", "seed=0,1", "--out", tmp_path / "a")
    assert rc == 0 and out.splitlines()[-1].startswith("2 members in 1 group, 1 epoch: wall 1.0 s"), out
    summary["n_groups"] = 2
    rc, out, _ = cli("sweep", "--grid", "epochs=1,2", "--out", tmp_path / "b")
    assert rc == 0 and out.splitlines()[-1].startswith("2 members in 2 groups: wall 1.0 s"), out


# --------------------------------------------------------------------------------------------------
# added after a mutation audit of cli.py's argparse helpers (mutants no test killed)
# --------------------------------------------------------------------------------------------------


def test_a_default_folder_under_a_file_is_named_as_such(tmp_path, monkeypatch, cli_error, no_data):
    """A file named runs (or sweeps) where the default folder goes: the line says it is a file (found by a mutation
    audit: ``new_folder`` raising "File exists" instead was unchecked), and the file is left as it was."""
    monkeypatch.chdir(tmp_path)
    for argv, parent in ((["train"], "runs"), (["sweep", "--grid", "seed=0,1"], "sweeps")):
        (tmp_path / parent).write_text("mine")
        line = cli_error(*argv, "--epochs", "1")
        assert line.startswith(f"nnjax: error: {tmp_path / parent}: is a file, not a folder; cannot write {parent}/")
        assert (tmp_path / parent).read_text() == "mine"


def test_a_resume_keeps_what_its_config_json_recorded_for_a_field_it_ignored(tmp_path):
    """The other half of the test above (from a mutation audit: unchecked): a resume (``nnjax train --resume``
    reads the run's config.json as its config file) keeps momentum 0 of an sgd run, also when --force makes it
    used, rather than the default 0.9 a new start from the file would get."""
    from nnjax.cli import config_from_args
    from nnjax.config import save_json, without_unused

    path = tmp_path / "config.json"
    save_json(without_unused(Config(optimizer="sgd", lr=0.1)), path)
    argv = ["train", "--resume", str(tmp_path), "--force", "--config-file", str(path), "--optimizer", "momentum"]
    cfg = config_from_args(build_parser().parse_args(argv))
    assert (cfg.optimizer, cfg.momentum, cfg.lr) == ("momentum", 0.0, 0.1)


def test_a_file_system_refusal_is_one_line_that_names_its_file(tmp_path, cli_error, no_data):
    """An OSError not caught earlier (here: an --out whose name is too long) is reported as
    "FILE: why" (found by a mutation audit: a line without the file name passed every test)."""
    from nnjax.cli import error_text

    long = "x" * 300
    line = cli_error("train", "--epochs", "1", "--out", tmp_path / long)
    assert line == f"nnjax: error: {tmp_path / long}: File name too long"
    assert error_text(OSError("no space left")) == "no space left"  # no file named: the reason alone
    assert (
        error_text(ConfigError("config field 'lr' = 0.0: must be positive"))
        == "config field 'lr' = 0.0: must be positive"
    )


def test_list_and_count_types_take_their_bounds_and_refuse_past_them():
    """``int_at_least``, ``int_list`` and ``name_list`` as the benchmark and experiment scripts use them: the
    bound itself is taken, one past it is a usage error naming the value; an empty item is no integer."""
    import argparse

    from nnjax.cli import int_at_least, int_list, name_list, parse_seeds

    def refused(parse, text: str) -> str:
        with pytest.raises(argparse.ArgumentTypeError) as e:
            parse(text)
        return str(e.value)

    assert parse_seeds("0,-1,7") == [0, -1, 7]
    for text in ("0,,1", "", "1,"):
        assert refused(parse_seeds, text) == f"{text!r}: expected integers separated by commas, e.g. 0,1,2"
    assert int_at_least(1)("1") == 1 and int_at_least(0)("0") == 0
    assert refused(int_at_least(1), "0") == "'0': must be at least 1"
    assert refused(int_at_least(1), "1.5") == "'1.5': expected an integer"
    assert int_list(0, 8)("0,8") == [0, 8] and int_list(1)("1,1,1000000") == [1, 1, 1000000]  # repeats allowed
    assert refused(int_list(0, 8), "-1,3") == "'-1,3': -1 is below 0"
    assert refused(int_list(0, 8), "3,9") == "'3,9': 9 is above 8"
    assert refused(int_list(0, 8, distinct=True), "2,4,2") == "'2,4,2': 2 is given twice"
    assert name_list(["a", "b"], "config")("b,a") == ["b", "a"]
    assert refused(name_list(["a", "b"], "config"), "a,c") == "'a,c': unknown config 'c'; valid: a, b"
    assert refused(name_list(["a", "b"], "config"), "a,b,a") == "'a,b,a': 'a' is named twice"


def test_every_selection_flag_says_that_a_list_value_takes_commas_in_the_same_words():
    """``--baseline`` (sweep, summary) did not say what ``--member``'s help does: that values are read as --grid
    reads them and a list's also parted by commas (hidden=32,32). Every flag that takes a FIELD=VALUE selection
    says it, in the same words."""
    import argparse

    words = "values as --grid takes them, a list's also parted by commas: hidden=32x32 or hidden=32,32"
    verbs = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)).choices
    helps = {
        (verb, flag): action.help
        for verb, parser in verbs.items()
        for action in parser._actions
        for flag in action.option_strings
        if flag in ("--baseline", "--member", "--member-a", "--member-b")
    }
    assert {("sweep", "--baseline"), ("summary", "--baseline"), ("viz", "--member"), ("compare", "--member-b")} <= set(
        helps
    )
    for where, text in helps.items():
        assert words in " ".join(text.split()), where


def test_a_full_width_digit_is_refused_by_every_reader_of_numbers_naming_it(tmp_path, cli_error):
    """Python's int() reads a full-width ４ (U+FF14) as 4: ``--seed ４``, ``--grid hidden=4x４``, a config file's
    ``"seed": "４"``, ``--member hidden=4,４`` and ``--epoch ４`` were taken, where ``--standardize １`` was refused.
    Every number nnjax reads from text now takes ASCII digits only, and the line names the value and the character."""
    import argparse

    from nnjax import cli
    from nnjax.config import from_dict, parse_value
    from nnjax.target import target_flag
    from nnjax.viz import parse_digits

    note = "'４' is U+FF14, not ASCII (numbers are written in 0-9)"
    for field, text, what in (
        ("seed", "４", "an integer"),
        ("hidden", "4,４", "layer sizes like 16,16 or 16x16 (in a grid: 16x16), or none"),
        ("hidden", "4x４", "layer sizes like 16,16 or 16x16 (in a grid: 16x16), or none"),
        ("keep_epochs", "1,４", "epochs like 1,2,5,10, or none"),
        ("train_size", "４", "an integer or none"),
        ("lr", "0.0４", "a number"),
    ):
        why = f"config field {field!r}: cannot parse {text!r} as {what}; {note}"
        with pytest.raises(ConfigError, match=f"^{re.escape(why)}$"):
            parse_value(field, text)
        with pytest.raises(ConfigError, match=f"^{re.escape('c.json: ' + why)}$"):
            from_dict({field: text}, source="c.json")
    assert parse_value("seed", "4") == 4 and parse_value("hidden", "4x4") == (4, 4)  # ASCII as before
    with pytest.raises(ConfigError, match=re.escape("grid item 'hidden=4x４': config field 'hidden': cannot parse")):
        sweep_grid.parse_grid(["hidden=4x４"])
    why = "config field 'hidden': cannot parse '4,４' as layer sizes like 16,16 or 16x16 (in a grid: 16x16), or none"
    with pytest.raises(ConfigError, match=f"^{re.escape(f'--baseline hidden=4,４: {why}; {note}')}$"):
        sweep_grid.baseline_flag("hidden=4,４", {"hidden": [(4, 4), (4,)], "seed": [0, 1]}, ("seed",))
    with pytest.raises(ConfigError, match=re.escape("--target ０.9: the accuracy to reach, a fraction in (0, 1]")):
        target_flag("０.9")
    with pytest.raises(
        ConfigError, match=re.escape(f"--digits: '４' is not a test-image index (e.g. --digits 0,1,2); {note}")
    ):
        parse_digits("1,４", 10)
    for parse in (cli.integer, cli.int_at_least(0), cli.member_arg, cli.parse_seeds, cli.positive_float):
        with pytest.raises(argparse.ArgumentTypeError, match=re.escape(note)):
            parse("４")
    assert cli_error("train", "--seed", "４", "--out", tmp_path / "r") == (
        f"nnjax: error: config field 'seed': cannot parse '４' as an integer; {note}"
    )
    assert not (tmp_path / "r").exists()


# --------------------------------------------------------------------------------------------------
# added after a mutation audit of cli.py's cmd_* verbs (mutants no test killed)
# --------------------------------------------------------------------------------------------------


def test_eval_passes_its_flags_on_and_names_the_epoch_and_the_member(tmp_path, monkeypatch, cli):
    """``nnjax eval`` hands --member, --epoch, --data-dir and --tfds-dir to eval_run (a run evaluated on another
    machine finds its data there), and its line says which epoch's parameters of which run, or which sweep
    member; epoch 0's says they are the network as initialised. The inert neurons per hidden layer follow (a
    researcher read them off neurons.png's title, epoch by epoch)."""
    seen = []

    def fake_eval_run(run_dir, **kw):
        seen.append(kw)
        where = {"run_dir": str(run_dir)} if kw["member"] is None else {"sweep_dir": str(run_dir)}
        inert = [2, 0] if kw["member"] == 2 else None  # none: a network whose reach is not finite
        return {**where, "test_accuracy": 0.9125, "epoch": 3 if kw["epoch"] is None else kw["epoch"], "inert": inert}

    monkeypatch.setattr(nnjax.run, "eval_run", fake_eval_run)
    folders = ["--data-dir", tmp_path / "raw", "--tfds-dir", tmp_path / "tfds"]
    rc, out, _ = cli("eval", tmp_path / "s", "--member", "2", *folders)
    said = "inert neurons per hidden layer: 2, 0 (on the test images, as neurons.png counts them)"
    assert rc == 0 and out == f"test accuracy: 91.25 % (epoch 3 parameters of {tmp_path / 's'} member 2)\n{said}\n"
    want = {"member": 2, "data_dir": str(tmp_path / "raw"), "tfds_dir": str(tmp_path / "tfds"), "epoch": None}
    want |= {"neurons": False}
    assert seen.pop() == want
    rc, out, _ = cli("eval", tmp_path / "run")
    assert rc == 0 and out == f"test accuracy: 91.25 % (epoch 3 parameters of {tmp_path / 'run'})\n", out
    assert seen.pop() == {"member": None, "data_dir": None, "tfds_dir": None, "epoch": None, "neurons": False}
    rc, out, _ = cli("eval", tmp_path / "run", "--epoch", "0")
    said = f"test accuracy: 91.25 % (epoch 0 parameters of {tmp_path / 'run'}, as initialised: untrained)\n"
    assert rc == 0 and out == said, out
    assert seen.pop()["epoch"] == 0
    rc, out, _ = cli("eval", tmp_path / "s", "--member", "1", "--epoch", "2")
    assert rc == 0 and out == f"test accuracy: 91.25 % (epoch 2 parameters of {tmp_path / 's'} member 1)\n", out
    assert seen.pop()["epoch"] == 2


def test_eval_neurons_prints_a_wide_layers_first_max_neurons_and_a_line_of_the_rest(tmp_path, monkeypatch, cli):
    """``nnjax eval --neurons`` printed every neuron: a 1024-wide layer was a 1024-number line. A layer wider than
    --max-neurons (viz's flag; default 64, as viz's) prints its first N, then a line of the others: their reach's
    range and median, and their inert ones by number (N at most); --json keeps every value. --max-neurons with no
    printed reach to cap warns, as viz warns of a flag it has no use for."""
    reach_1 = np.linspace(0.1, 3.0, 1024)
    reach_1[[3, 70, 512, 900]] = 0.001
    r = {"run_dir": str(tmp_path / "run"), "test_accuracy": 0.97, "epoch": 5, "inert": [4, 0]}
    r |= {"reach": [reach_1.tolist(), [1.0] * 16], "inert_neurons": [[3, 70, 512, 900], []]}
    monkeypatch.setattr(nnjax.run, "eval_run", lambda *a, **kw: r)
    rc, out, err = cli("eval", tmp_path / "run", "--neurons")
    layer_1, rest, layer_2 = out.splitlines()[3:]
    assert rc == 0 and err == "" and len(out.splitlines()) == 6
    words = layer_1.removeprefix("  layer 1: ").split(" ")
    assert words == [f"{x:.2g}" + "*" * (k == 3) for k, x in enumerate(reach_1[:64])]
    assert rest == (
        f"    neurons 64–1023 (--max-neurons 1024 prints each): reach 0.001 to 3, median "
        f"{np.median(reach_1[64:]):.2g}; 3 inert: 70, 512, 900"
    )
    assert layer_2 == "  layer 2: " + " ".join(["1"] * 16)  # no wider than 64: as before
    rc, out, _ = cli("eval", tmp_path / "run", "--neurons", "--max-neurons", "1024")
    assert rc == 0 and len(out.splitlines()[3].split(" ")) == 2 + 2 + 1024 and len(out.splitlines()) == 5
    rc, out, _ = cli("eval", tmp_path / "run", "--neurons", "--max-neurons", "2")
    assert out.splitlines()[4] == (
        "    neurons 2–1023 (--max-neurons 1024 prints each): reach 0.001 to 3, median "
        f"{np.median(reach_1[2:]):.2g}; 4 inert: 3, 70 and 2 more"
    )
    assert out.splitlines()[6] == "    neurons 2–15 (--max-neurons 16 prints each): reach 1 to 1, median 1; none inert"
    rc, out, err = cli("eval", tmp_path / "run", "--neurons", "--json", "--max-neurons", "2")
    assert rc == 0 and json.loads(out)["reach"] == r["reach"]  # every value
    assert err == "nnjax: warning: --max-neurons applies to --neurons' printed lines (--json has every neuron)\n"
    rc, out, err = cli("eval", tmp_path / "run", "--max-neurons", "2")
    assert rc == 0 and "reach" not in out and err.startswith("nnjax: warning: --max-neurons applies to --neurons'")


def test_member_flags_take_a_member_named_by_its_values_and_the_header_gives_its_number(tmp_path, monkeypatch, cli):
    """``--member activation=relu,seed=1`` (and --member-a/-b) reach the Python functions as given, which resolve
    it in the sweep folder (``sweep.resolve_member``); eval's line names the member's number they chose. Text that
    is neither a number nor FIELD=VALUE is argparse's one line."""
    seen = []

    def fake_eval_run(run_dir, **kw):
        seen.append(kw["member"])
        return {"sweep_dir": str(run_dir), "member": 5, "test_accuracy": 0.9125, "epoch": 3, "inert": None}

    monkeypatch.setattr(nnjax.run, "eval_run", fake_eval_run)
    rc, out, _ = cli("eval", tmp_path / "s", "--member", "activation=relu,seed=1")
    assert rc == 0 and out == f"test accuracy: 91.25 % (epoch 3 parameters of {tmp_path / 's'} member 5)\n", out
    assert seen.pop() == "activation=relu,seed=1"
    rc, out, _ = cli("eval", tmp_path / "s", "--member", "-1")  # a number, as before (load_member refuses it)
    assert rc == 0 and seen.pop() == -1
    for verb in ("eval", "viz", "predict", "export"):
        args = {"eval": [], "viz": [], "predict": ["digit.png"], "export": ["m.npz"]}[verb]
        with pytest.raises(SystemExit):
            build_parser().parse_args([verb, "s", *args, "--member", "relu"])
        assert build_parser().parse_args([verb, "s", *args, "--member", "lr=0.1"]).member == "lr=0.1"
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "sweep.json").write_text("{}")  # a sweep folder, as cmd_compare checks it
    given = {}
    result = {"folder": str(tmp_path / "s"), "member": 5, "epoch": 3, "test_accuracy": 0.5, "diverged_epoch": None}
    r = {"a": result, "b": {**result, "member": 0}, "n_test": 2, "both_right": 1, "only_a_right": 0}
    r |= {"only_b_right": 0, "both_wrong": 1, "p_value": 1.0, "only_a_right_digits": [], "only_b_right_digits": []}
    monkeypatch.setattr(nnjax.compare, "compare_networks", lambda a, b, **kw: given.update(kw) or r)
    rc, out, err = cli("compare", tmp_path / "s", tmp_path / "s", "--member-a", "seed=1", "--member-b", "0")
    assert rc == 0 and (given["member_a"], given["member_b"]) == ("seed=1", 0), err
    assert out.startswith(f"A: 50.00 % of 2 test images ({tmp_path / 's'} member 5, epoch 3)"), out


def test_export_passes_the_member_and_overwrite_on(tmp_path, monkeypatch, cli):
    """``nnjax export SWEEP FILE --member N`` writes member N's network, not the sweep's default refusal."""
    seen = []
    monkeypatch.setattr(nnjax.run, "export_run", lambda run_dir, file, **kw: seen.append(kw) or Path(file))
    rc, out, _ = cli("export", tmp_path / "s", tmp_path / "m.npz", "--member", "3", "--overwrite")
    assert rc == 0 and out == f"wrote {tmp_path / 'm.npz'}\n"
    assert seen == [{"overwrite": True, "member": 3, "epoch": None}]
    rc, out, _ = cli("export", tmp_path / "run", tmp_path / "start.npz", "--epoch", "0")
    assert rc == 0 and out == f"wrote {tmp_path / 'start.npz'} (epoch 0 parameters, as initialised: untrained)\n"
    assert seen[-1] == {"overwrite": False, "member": None, "epoch": 0}


def test_sweep_passes_shard_members_on_and_its_json_is_the_summary_without_the_table(monkeypatch, tmp_path, cli):
    """--shard-members / --no-shard-members reach run_sweep (absent: None, the device's default); --json prints
    the summary's numbers, not the text table a script would have to skip."""
    from nnjax import sweep

    summary = {"sweep_dir": "s", "table": "a table\n", "n_members": 2, "n_groups": 1, "device": "cpu", "wall_s": 1.0}
    seen = []
    monkeypatch.setattr(sweep, "run_sweep", lambda *args, **kwargs: seen.append(kwargs) or summary)
    for flag, want in (("--shard-members", True), ("--no-shard-members", False), (None, None)):
        argv = ["sweep", "--grid", "seed=0,1", "--out", tmp_path / str(flag), "--json", *([flag] if flag else [])]
        rc, out, _ = cli(*argv)
        assert rc == 0 and seen.pop()["shard_members"] is want, flag
        assert json.loads(out) == {k: v for k, v in summary.items() if k != "table"}


def test_sweep_prints_what_its_tables_numbers_are_below_the_table(monkeypatch, tmp_path, cli):
    """``nnjax sweep``'s table on stdout comes with the notes summary.md has below it (which split a best epoch
    was picked on, the kind of std), not bare: a reader of the terminal sees what the numbers are; --json, whose
    rows name their fields, leaves the text out."""
    from nnjax import sweep

    summary = {"sweep_dir": "s", "table": "| a table |\n", "notes": "Test accuracy: what the numbers are."}
    summary |= {"n_members": 2, "n_groups": 1, "device": "cpu", "wall_s": 1.0, "train_s": 0.5, "compile_s": 0.2}
    monkeypatch.setattr(sweep, "run_sweep", lambda *args, **kwargs: summary)
    rc, out, err = cli("sweep", "--grid", "seed=0,1", "--out", tmp_path / "a")
    assert rc == 0, err
    assert "| a table |\nTest accuracy: what the numbers are.\n2 members in 1 group" in out, out
    rc, out, err = cli("sweep", "--grid", "seed=0,1", "--out", tmp_path / "b", "--json")
    assert rc == 0 and "notes" not in json.loads(out) and "table" not in json.loads(out), out


def test_wrapped_notes_keep_a_number_with_its_percent_sign():
    """The stalled-members sentence broke as "(93.00" at a line's end and "%)" at the next one's start."""
    from nnjax.cli import NOTES_WIDTH, wrapped

    for pad in range(NOTES_WIDTH - 12, NOTES_WIDTH + 2):  # the " %" at every column around the edge
        text = "x" * pad + " (93.00 %) and " + "word " * 30 + "\n\n| a | b |"
        out = wrapped(text)
        assert not any(line.startswith("%") for line in out.splitlines()), pad
        assert " ".join(out.split("\n\n")[0].splitlines()) == text.split("\n\n")[0].rstrip()
        assert out.endswith("\n\n| a | b |") and "\u00a0" not in out


def test_sweep_wraps_the_notes_it_prints_at_100_columns_and_summary_md_keeps_one_paragraph(monkeypatch, tmp_path, cli):
    """The notes under the table, one paragraph of several hundred characters, came out as one line a trial had
    to filter out to read the table: printed, they are wrapped at 100 columns, words (and --flags) kept whole;
    the summary's notes (summary.md's) are the same text unwrapped."""
    from nnjax import sweep, sweep_summary

    notes = sweep_summary.table_notes("test", 0.96, cosine=True, baseline={"lr": 0.1}, fewest=2)
    assert len(notes) > 700 and "\n" not in notes
    summary = {"sweep_dir": "s", "table": "| a table |\n", "notes": notes}
    summary |= {"n_members": 2, "n_groups": 1, "device": "cpu", "wall_s": 1.0, "train_s": 0.5, "compile_s": 0.2}
    monkeypatch.setattr(sweep, "run_sweep", lambda *args, **kwargs: summary)
    rc, out, err = cli("sweep", "--grid", "seed=0,1", "--out", tmp_path / "a")
    assert rc == 0, err
    lines = out.splitlines()
    printed = lines[lines.index("| a table |") + 1 : -1]  # up to the timing line
    assert len(printed) > 5 and all(60 < len(line) <= 100 for line in printed[:-1]), printed
    assert len(printed[-1]) <= 100 and " ".join(printed) == notes and "--epochs" in out


def test_a_sweep_whose_grid_asks_for_warmup_cosine_needs_a_warm_up(monkeypatch, tmp_path, cli, cli_error):
    """warmup_cosine named in the grid, not only by --schedule, with no warm-up given trains plain cosine under
    another name: refused as ``nnjax train --schedule warmup_cosine`` is; with --warmup-epochs it runs."""
    from nnjax import sweep

    summary = {"sweep_dir": "s", "table": "", "n_members": 2, "n_groups": 2, "device": "cpu", "wall_s": 1.0}
    summary |= {"train_s": 0.5, "compile_s": 0.2}
    monkeypatch.setattr(sweep, "run_sweep", lambda *args, **kwargs: summary)
    grid = ["--grid", "schedule=cosine,warmup_cosine"]
    line = cli_error("sweep", *grid, "--out", tmp_path / "a")
    assert line == (
        "nnjax: error: config field 'schedule' = 'warmup_cosine': warmup_epochs is 0, which trains plain cosine; "
        "give the warm-up (--warmup-epochs N)"
    )
    assert not (tmp_path / "a").exists()
    rc, _, err = cli("sweep", *grid, "--warmup-epochs", "1", "--out", tmp_path / "b")
    assert rc == 0, err


def test_viz_draws_at_most_64_neurons_unless_told_and_a_sweep_member_as_a_run(monkeypatch, tmp_path, cli):
    """``nnjax viz RUN`` draws the first 64 first-layer neurons at most, as its help says (--max-neurons N: N);
    ``nnjax viz SWEEP --member N`` draws member N's network, not the sweep's learning curves."""
    from nnjax import viz

    seen = []
    monkeypatch.setattr(viz, "render_run", lambda run_dir, out, **kw: seen.append((Path(run_dir), kw)))
    monkeypatch.setattr(viz, "render_sweep", lambda *a, **kw: pytest.fail("a member drawn as the whole sweep"))
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "sweep.json").write_text("{}")
    for argv, folder, max_neurons, member in (
        ([tmp_path / "run"], tmp_path / "run", 64, None),
        ([tmp_path / "run", "--max-neurons", "9"], tmp_path / "run", 9, None),
        ([tmp_path / "s", "--member", "2"], tmp_path / "s", 64, 2),
    ):
        rc, _, err = cli("viz", *argv)
        assert rc == 0 and err == "", err
        run_dir, kw = seen.pop()
        assert run_dir == folder and (kw["max_neurons"], kw["member"]) == (max_neurons, member), argv


def test_viz_help_says_max_neurons_also_caps_each_hidden_layer_in_neurons_png(capsys):
    """--max-neurons caps the neurons of every hidden layer in neurons.png too (render_run passes it to
    plot_neurons); its help said only "first-layer neurons"."""
    with pytest.raises(SystemExit):
        build_parser().parse_args(["viz", "--help"])
    text = " ".join(capsys.readouterr().out.split())  # argparse wraps lines
    assert "--max-neurons MAX_NEURONS neurons to draw at most: of the first layer (weights.png) and of each " in text
    assert "hidden layer (neurons.png) (default: 64)" in text


def test_sweep_grid_help_says_what_the_readme_says_of_hidden_none_and_flag_or_grid(tmp_path, capsys, cli_error):
    """--grid's help gave hidden's form (16x16,32x32) but not that ``none`` is no hidden layer, nor that a field
    goes either as its flag or in the grid (the README says both; a researcher read the help alone). Both hold."""
    from nnjax.sweep_grid import parse_grid

    with pytest.raises(SystemExit):
        build_parser().parse_args(["sweep", "--help"])
    text = " ".join(capsys.readouterr().out.split())  # argparse wraps lines
    assert "(hidden: layers joined by x, none for no hidden layer: 16x16,64,none)" in text
    assert "a field goes either as its flag or in the grid, not both" in text
    assert parse_grid(["hidden=16x16,64,none"]) == {"hidden": [(16, 16), (64,), ()]}
    both = cli_error("sweep", "--lr", "0.1", "--grid", "lr=0.01,0.03", "--out", tmp_path / "s")
    assert "lr is swept by the grid" in both


@pytest.mark.parametrize("verb", ["eval", "viz", "export", "predict"])
def test_epoch_help_names_every_flag_that_keeps_a_checkpoint(verb, monkeypatch, capsys):
    """--epoch N needs epoch N's checkpoint: the help names the three flags that keep one, --keep-epochs too (it
    named --checkpoint-every and --keep-checkpoints only)."""
    monkeypatch.setenv("COLUMNS", "400")  # argparse would wrap a line inside --keep-epochs
    with pytest.raises(SystemExit):
        build_parser().parse_args([verb, "--help"])
    text = " ".join(capsys.readouterr().out.split())  # argparse wraps lines
    assert "needs its checkpoint kept (--checkpoint-every, --keep-checkpoints, --keep-epochs)" in text


def test_a_sweep_resume_continues_with_the_flags_given(monkeypatch, tmp_path, cli):
    """``nnjax sweep --resume S --checkpoint-every 2``: the saved config with the flag applied goes on (run_sweep
    then refuses a flag that would change results), in place and as a resume."""
    from nnjax import sweep

    base = Config(epochs=3, checkpoint_every=1)
    monkeypatch.setattr(sweep, "load_sweep_spec", lambda folder: (base, {"seed": [0, 1]}))
    summary = {"sweep_dir": "s", "table": "", "n_members": 2, "n_groups": 1, "device": "cpu", "wall_s": 1.0}
    seen = []
    monkeypatch.setattr(sweep, "run_sweep", lambda *args, **kwargs: seen.append((args, kwargs)) or summary)
    rc, _, err = cli("sweep", "--resume", tmp_path / "s", "--checkpoint-every", "2", "--json")
    assert rc == 0, err
    ((got, grid, out), kwargs) = seen.pop()
    assert got == base.replace(checkpoint_every=2) and grid == {"seed": [0, 1]}
    assert Path(out) == tmp_path / "s" and kwargs["resume"] is True


def test_a_sweep_asks_for_one_cpu_device_per_core_unless_multi_host(monkeypatch, tmp_path, cli):
    """``nnjax sweep`` splits the CPU into one device per core before anything touches a device (its members are
    placed over them); a multi-host process keeps the devices distributed start-up gave it. (In this process jax
    has started already, so the split itself is test_parallel's, in a fresh process.)"""
    import nnjax.parallel
    from nnjax import sweep

    summary = {"sweep_dir": "s", "table": "", "n_members": 2, "n_groups": 1, "device": "cpu", "wall_s": 1.0}
    calls = []
    monkeypatch.setattr(sweep, "run_sweep", lambda *args, **kwargs: calls.append("run_sweep") or summary)
    monkeypatch.setattr(nnjax.parallel, "split_cpu_cores", lambda: calls.append("split") or 1)
    for multi_host, want in ((False, ["split", "run_sweep"]), (True, ["run_sweep"])):
        monkeypatch.setattr(nnjax.parallel, "maybe_initialize_distributed", lambda m=multi_host: m)
        rc, _, err = cli("sweep", "--grid", "seed=0,1", "--out", tmp_path / str(multi_host), "--json")
        assert rc == 0 and calls == want, err
        calls.clear()


# ---- --epoch: the network at an earlier epoch, epoch 0 as initialised ------------------------------------------


def _spy_init_state(monkeypatch, module) -> list:
    """The parameters (on the host) of every TrainState that ``module``'s ``init_state`` returns, in call order."""
    import jax

    real, made = module.init_state, []

    def spy(configs, n_train):
        state = real(configs, n_train)
        made.append(jax.device_get(state.params))
        return state

    monkeypatch.setattr(module, "init_state", spy)
    return made


def _bit_for_bit(a, b) -> bool:
    import jax

    leaves_a, leaves_b = jax.tree_util.tree_leaves(jax.device_get(a)), jax.tree_util.tree_leaves(jax.device_get(b))
    return len(leaves_a) == len(leaves_b) and all(
        x.dtype == y.dtype and np.array_equal(x, y) for x, y in zip(leaves_a, leaves_b)
    )


def test_epoch_0_is_the_start_training_used_bit_for_bit(tmp_path, splits_256, monkeypatch, cli):
    """``--epoch 0`` regenerates the parameters from the config: they must be the very ones init_state handed to
    training (a run's and each sweep member's), bit for bit, and not the trained ones; export writes them."""
    import nnjax.train
    from nnjax.run import load_network, train_and_evaluate

    started = _spy_init_state(monkeypatch, nnjax.run)
    cfg = Config(epochs=2, batch_size=32, seed=7, activation="relu", checkpoint_every=0)
    run = tmp_path / "run"
    train_and_evaluate(cfg, run, progress=False, splits=splits_256)
    got, params_K, epoch = load_network(run, epoch=0)
    assert epoch == 0 and (got.seed, got.activation) == (7, "relu")
    assert _bit_for_bit(params_K, started[0])
    _, trained_K, newest = load_network(run)
    assert newest == 2 and not _bit_for_bit(trained_K, params_K)

    rc, out, err = cli("export", run, tmp_path / "start.npz", "--epoch", "0")
    assert rc == 0 and "(epoch 0 parameters, as initialised: untrained)" in out, err
    with np.load(tmp_path / "start.npz", allow_pickle=False) as z:
        assert int(z["epoch"]) == 0
        assert np.array_equal(z["layer0_W"], started[0][0]["W"][0])
        assert np.array_equal(z["layer2_b"], started[0][2]["b"][0])

    made = _spy_init_state(monkeypatch, nnjax.train)  # the sweep imports it when it trains a group
    base = Config(hidden=(8,), epochs=1, batch_size=32, checkpoint_every=0)
    nnjax.sweep.run_sweep(base, {"seed": [3, 4]}, tmp_path / "sweep", progress=False, splits=splits_256)
    group = made[0]  # both members in one ensemble: its stacked start
    for member in (0, 1):
        got, params_K, epoch = load_network(tmp_path / "sweep", member, epoch=0)
        assert epoch == 0 and got.seed == 3 + member
        assert _bit_for_bit(params_K, [{k: v[member : member + 1] for k, v in layer.items()} for layer in group])


def test_a_kept_epoch_is_the_one_trained_and_one_not_kept_names_those_kept(
    tmp_path, splits_256, cli, cli_error, capsys
):
    """An intermediate checkpoint loads as that epoch's network (its test accuracy is the one its metrics line
    recorded when it was trained); an epoch not kept, or past the run's, is one line naming what is kept and how to
    keep more, in every verb; a negative one is a usage error."""
    from nnjax.run import eval_run, load_network, read_metrics, train_and_evaluate

    run = tmp_path / "run"
    train_and_evaluate(
        Config(epochs=4, batch_size=32, checkpoint_every=1, keep_checkpoints=2), run, progress=False, splits=splits_256
    )
    lines = read_metrics(run / "metrics.jsonl")
    for epoch in (3, 4):
        r = eval_run(run, splits_256, epoch=epoch)
        assert r["epoch"] == epoch and r["test_accuracy"] == lines[epoch - 1]["test_accuracy"]
        assert r["test_loss"] == pytest.approx(lines[epoch - 1]["test_loss"], rel=1e-5)
    assert not _bit_for_bit(load_network(run, epoch=3)[1], load_network(run, epoch=4)[1])

    kept = (
        f"nnjax: error: {run}: no checkpoint of epoch 2 is kept (kept: epochs 3 and 4; epoch 0, as initialised, "
        "needs none); it saved one every epoch and keeps the newest 2; one trained with --keep-epochs 2 keeps that "
        "epoch (--checkpoint-every 1 --keep-checkpoints 4: every epoch)"
    )
    assert cli_error("eval", run, "--epoch", "2") == kept
    assert cli_error("viz", run, "--epoch", "2", "--out", tmp_path / "figs") == kept
    assert cli_error("export", run, tmp_path / "w.npz", "--epoch", "2") == kept
    assert cli_error("compare", run, run, "--epoch-b", "2") == kept
    assert not (tmp_path / "figs").exists() and not (tmp_path / "w.npz").exists()
    past = f"nnjax: error: {run}: no epoch 5: it trains 4 epochs (epoch 0: as initialised)"
    assert cli_error("eval", run, "--epoch", "5") == past
    stopped = tmp_path / "stopped"  # stopped after epoch 3: epoch 4 is not saved yet, and no keeping would help
    shutil.copytree(run, stopped)
    (stopped / "result.json").unlink()
    (stopped / "checkpoints" / "epoch_000004.msgpack").unlink()
    not_yet = (
        f"nnjax: error: {stopped}: no checkpoint of epoch 4 yet (the newest is of epoch 3; epoch 0, as initialised, "
    )
    assert cli_error("eval", stopped, "--epoch", "4") == not_yet + "needs none)"
    with pytest.raises(SystemExit) as stop:
        cli("eval", run, "--epoch", "-1")
    assert stop.value.code == 2
    assert "argument --epoch: '-1': must be at least 0" in capsys.readouterr().err
    for bad in (-1, True, 1.0):
        with pytest.raises(ConfigError, match=rf"^epoch={bad!r}: expected an epoch number"):
            load_network(run, epoch=bad)
        with pytest.raises(ConfigError, match=rf"^epoch={bad!r}: expected an epoch number"):  # the public load_run too
            nnjax.run.load_run(run, epoch=bad)

    sweep_dir = tmp_path / "sweep"
    base = Config(hidden=(8,), epochs=3, batch_size=32, checkpoint_every=1, keep_checkpoints=2)
    nnjax.sweep.run_sweep(base, {"seed": [0, 1]}, sweep_dir, progress=False, splits=splits_256)
    member_lines = {m["epoch"]: m for m in read_metrics(sweep_dir / "metrics.jsonl") if m["member"] == 1}
    capsys.readouterr()  # the sweep's own lines
    r = eval_run(sweep_dir, splits_256, member=1, epoch=2)
    assert (r["member"], r["epoch"], r["test_accuracy"]) == (1, 2, member_lines[2]["test_accuracy"])
    line = cli_error("eval", sweep_dir, "--member", "1", "--epoch", "1")
    assert line.startswith(
        f"nnjax: error: {sweep_dir} member 1: no checkpoint of epoch 1 is kept (kept: epochs 2 and 3;"
    )


def test_an_epoch_from_before_a_forced_change_says_when_it_changed(tmp_path, splits_256, capsys):
    """--epoch N of a checkpoint from before a ``--resume --force`` that changed the activation: used as trained,
    and the warning says the change came after that epoch (the run has saved checkpoints since)."""
    from nnjax.run import load_network, train_and_evaluate

    run = tmp_path / "run"
    cfg = Config(epochs=1, batch_size=32, checkpoint_every=1)
    train_and_evaluate(cfg, run, progress=False, splits=splits_256)
    train_and_evaluate(cfg.replace(activation="tanh", epochs=2), run, resume=True, force=True, progress=False,
                       splits=splits_256)  # fmt: skip
    capsys.readouterr()
    assert load_network(run, epoch=1)[0].activation == "sigmoid"
    err = capsys.readouterr().err
    assert err == (
        f"nnjax: warning: {run}'s epoch-1 parameters were trained with activation='sigmoid', which config.json no "
        "longer says (a --resume --force after epoch 1); they are used as trained\n"
    )
    assert load_network(run)[0].activation == "tanh" and capsys.readouterr().err == ""


def test_epoch_0_is_shown_as_the_run_started_or_not_at_all(tmp_path, splits_256, monkeypatch, capsys, cli_error):
    """A ``--resume --force`` that changed the activation: epoch 0 keeps the activation the run started with (its
    checkpoints record the start; config.json and every kept checkpoint say the new one), and says so. Parameters
    regenerated otherwise than the run's own (another JAX's random numbers), or a run of an older nnjax whose
    checkpoints contradict config.json, are one line, never another network shown as this run's start."""
    import jax

    from nnjax import checkpoint
    from nnjax.run import load_network, train_and_evaluate
    from nnjax.train import initial_params

    run = tmp_path / "run"
    cfg = Config(epochs=1, batch_size=32, checkpoint_every=1, keep_checkpoints=1)
    train_and_evaluate(cfg, run, progress=False, splits=splits_256)
    tanh = cfg.replace(activation="tanh", epochs=3)
    train_and_evaluate(tanh, run, resume=True, force=True, progress=False, splits=splits_256)
    assert [e for e, _ in checkpoint.list_checkpoints(run / "checkpoints")] == [3]
    capsys.readouterr()
    got, params_K, _ = load_network(run, epoch=0)
    assert got.activation == "sigmoid" and _bit_for_bit(params_K, initial_params([cfg]))
    err = capsys.readouterr().err
    assert f"nnjax: warning: {run} started with activation='sigmoid', which config.json no longer says" in err
    assert load_network(run)[0].activation == "tanh"

    real = nnjax.run.initial_params  # as another JAX would draw them: one float off by one step
    other = lambda configs: jax.tree_util.tree_map(lambda x: np.nextafter(x, np.inf), real(configs))  # noqa: E731
    monkeypatch.setattr(nnjax.run, "initial_params", other)
    line = cli_error("eval", run, "--epoch", "0")
    assert line.startswith(f"nnjax: error: {run}: its epoch-0 parameters regenerated here (JAX {jax.__version__} on")
    assert line.endswith("epoch 0 cannot be shown")
    monkeypatch.undo()

    # a checkpoint of an nnjax before the record, whose config.json says another activation than it trained with
    path = checkpoint.list_checkpoints(run / "checkpoints")[-1][1]
    body = checkpoint.read(path)
    meta = {k: v for k, v in body["meta"].items() if k != "start"}
    checkpoint.write_atomic(path, checkpoint.encode(body["epoch"], body["state"], meta))
    assert load_network(run, epoch=0)[0].activation == "tanh"  # nothing says otherwise: config.json's
    saved = json.loads((run / "config.json").read_text())
    (run / "config.json").write_text(json.dumps({**saved, "activation": "relu", "init": "glorot"}))
    line = cli_error("eval", run, "--epoch", "0")
    assert line == (
        f"nnjax: error: {run}: its epoch-3 checkpoint was trained with activation='tanh', config.json says "
        "activation='relu', and its checkpoints (of an older nnjax) do not record which the run started with: "
        "epoch 0 cannot be shown"
    )


def test_train_target_says_when_the_run_reached_and_held_it_from_its_metrics(tmp_path):
    """``--target``'s line from a hand-written metrics.jsonl: the first epoch at or above it and the training
    seconds until then (the epochs' own times), the epoch from which it stayed there, or that it was not held
    or not reached (with the best epoch); the validation split under --validation."""
    from nnjax.cli import reached_text

    curve = [(0.90, 0.5), (0.961, 0.25), (0.95, 0.5), (0.96, 0.5), (0.97, 0.5)]
    lines = [
        {"epoch": e, "test_accuracy": a, "val_accuracy": a - 0.1, "epoch_s": s} for e, (a, s) in enumerate(curve, 1)
    ]
    (tmp_path / "metrics.jsonl").write_text("".join(json.dumps(m) + "\n" for m in lines))
    text, got = reached_text(tmp_path, 0.96, "test")
    assert text == (
        "96 % test accuracy: first reached at epoch 2 after 0.75 s of training; held from epoch 4 after 1.75 s of "
        "training"
    )
    assert got == {"target": 0.96, "first_epoch_at_target": 2, "target_held_from": 4, "train_s_to_target": 0.75,
                   "train_s_to_held": 1.75}  # fmt: skip
    text, got = reached_text(tmp_path, 0.965, "test")
    assert text == (
        "96.5 % test accuracy: first reached at epoch 5 after 2.25 s of training; held from epoch 5 after 2.25 s of "
        "training"
    )
    text, got = reached_text(tmp_path, 0.855, "val")  # 0.8, 0.861, 0.85, 0.86, 0.87
    assert text == (
        "85.5 % validation accuracy: first reached at epoch 2 after 0.75 s of training; held from epoch 4 after "
        "1.75 s of training"
    )
    text, got = reached_text(tmp_path, 0.99, "test")
    assert text == "99 % test accuracy: not reached (best 97.00 % at epoch 5)"
    assert got == {"target": 0.99, "first_epoch_at_target": None, "target_held_from": None, "train_s_to_target": None,
                   "train_s_to_held": None}  # fmt: skip
    (tmp_path / "metrics.jsonl").write_text("".join(json.dumps(m) + "\n" for m in [*lines, {**lines[0], "epoch": 6}]))
    text, got = reached_text(tmp_path, 0.96, "test")
    assert (
        text
        == "96 % test accuracy: first reached at epoch 2 after 0.75 s of training; not held: below it at the last epoch"
    )
    assert (got["train_s_to_target"], got["target_held_from"], got["train_s_to_held"]) == (0.75, None, None)


def test_train_target_is_said_after_training_and_refused_in_one_line_when_bad(tmp_path, cli, cli_error, mock64):
    out_dir = tmp_path / "run"
    line = cli_error("train", "--epochs", "1", "--tfds-dir", tmp_path / "tfds", "--out", out_dir, "--target", "96")
    assert line == "nnjax: error: --target 96: the accuracy to reach, a fraction in (0, 1], e.g. 0.96 for 96 %"
    assert not out_dir.exists()
    rc, out, err = cli("train", "--epochs", "2", "--tfds-dir", tmp_path / "tfds", "--out", out_dir, "--no-progress",
                       "--target", "1")  # fmt: skip
    assert rc == 0, err
    accs = [json.loads(m)["test_accuracy"] for m in (out_dir / "metrics.jsonl").read_text().splitlines()]
    assert max(accs) < 1  # random mock images: not all right after 2 epochs
    best = max(range(2), key=lambda i: (accs[i], -i))
    assert (
        out.splitlines()[-1] == f"100 % test accuracy: not reached (best {100 * accs[best]:.2f} % at epoch {best + 1})"
    )
    rc, out, err = cli("train", "--resume", out_dir, "--json", "--target", "0.000001")
    assert rc == 0, err
    summary = json.loads(out)
    assert (summary["target"], summary["first_epoch_at_target"], summary["target_held_from"]) == (1e-6, 1, 1)


FIGURES = ("first_epoch_at_target", "train_s_to_target", "target_held_from", "train_s_to_held")


def kept_by_hand(run: Path, target: float) -> dict:
    """What the finished run's target.json keeps for ``target``, worked out here from its metrics.jsonl: the
    target, split and epochs, the first epoch at or above it, the first of those it stayed at or above to the
    end, and the epochs' own seconds summed through each."""
    lines = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    at = [m["test_accuracy"] >= target for m in lines]
    first = next((m["epoch"] for m, ok in zip(lines, at) if ok), None)
    held = next((m["epoch"] for i, m in enumerate(lines) if all(at[i:])), None)

    def seconds(epoch):
        return None if epoch is None else round(sum(m["epoch_s"] for m in lines[:epoch]), 4)

    figures = (first, seconds(first), held, seconds(held))
    return {"target": target, "split": "test", "epochs": len(lines), **dict(zip(FIGURES, figures))}


def test_a_finished_runs_target_json_keeps_when_it_reached_it_and_the_seconds_to_it(tmp_path, cli, mock64):
    """A researcher trial scraped 30 runs' stdout for "after S s of training": --target's seconds were printed,
    kept nowhere, and "held from" had none. A finished run's target.json now keeps them (the first epoch at the
    target, the epoch it held from, the training seconds to each: what --json prints, one computation), for
    its own target or a --resume's new one; a folder of an older nnjax (target.json with the target alone)
    still resumes and says when it reached it, untouched."""
    run = tmp_path / "run"
    tfds = ("--tfds-dir", tmp_path / "tfds", "--no-progress")
    rc, out, err = cli("train", "--epochs", "3", "--out", run, *tfds, "--target", "0.05", "--json")
    assert rc == 0, err
    kept = json.loads((run / "target.json").read_text())
    assert kept == kept_by_hand(run, 0.05) and kept["first_epoch_at_target"] == 1
    assert {k: json.loads(out)[k] for k in ("target", *FIGURES)} == {k: kept[k] for k in ("target", *FIGURES)}
    assert nnjax.run.load_run_target(run) == 0.05  # as viz reads it
    rc, out, err = cli("train", "--resume", run, *tfds)  # finished, its own target: the line agrees
    assert rc == 0, err
    assert out.splitlines()[-1] == (
        f"5 % test accuracy: first reached at epoch 1 after {kept['train_s_to_target']:.2f} s of training; "
        f"held from epoch {kept['target_held_from']} after {kept['train_s_to_held']:.2f} s of training"
    )
    rc, out, err = cli("train", "--resume", run, *tfds, "--json", "--target", "1")  # finished: another target's
    assert rc == 0, err
    assert json.loads((run / "target.json").read_text()) == kept_by_hand(run, 1.0)
    assert kept_by_hand(run, 1.0)["train_s_to_held"] is None and json.loads(out)["train_s_to_held"] is None
    (run / "target.json").write_text('{"target": 0.05}')  # as an older nnjax kept it
    rc, out, err = cli("train", "--resume", run, *tfds, "--json")
    assert rc == 0, err
    assert {k: json.loads(out)[k] for k in FIGURES} == {k: kept[k] for k in FIGURES}
    assert (run / "target.json").read_text() == '{"target": 0.05}'


def test_a_finished_older_run_resumed_with_its_own_target_gets_its_figures(tmp_path, cli, mock64):
    """A finished run of an older nnjax (target.json with the target alone) resumed with that same --target got
    no figures (the target was unchanged, so nothing was written); now they are filled in from its metrics.jsonl,
    as a finished run's, with nothing trained and nothing said about another target."""
    run = tmp_path / "run"
    tfds = ("--tfds-dir", tmp_path / "tfds", "--no-progress")
    rc, out, err = cli("train", "--epochs", "2", "--out", run, *tfds, "--target", "0.05")
    assert rc == 0, err
    kept = json.loads((run / "target.json").read_text())
    (run / "target.json").write_text('{"target": 0.05}')  # as an older nnjax kept it
    before = {p.name: p.read_bytes() for p in (run / "metrics.jsonl", run / "result.json")}
    rc, out, err = cli("train", "--resume", run, *tfds, "--target", "0.05")
    assert rc == 0, err
    assert json.loads((run / "target.json").read_text()) == kept == kept_by_hand(run, 0.05)
    assert {p.name: p.read_bytes() for p in (run / "metrics.jsonl", run / "result.json")} == before
    assert "already trained all 2 epochs" in err and "instead of" not in err


def test_a_runs_target_is_kept_in_its_folder_reused_on_resume_and_replaced_with_a_word(tmp_path, cli, mock64):
    """`nnjax train --target` printed when the run reached it but kept it nowhere: `--resume` forgot it (and viz
    could not draw it). The run folder now keeps it in target.json, written with config.json before the first
    epoch; a --resume without --target says when the run reached its own, one with another uses that one, keeps
    it instead and says so on stderr, as a sweep does with sweep.json."""
    run = tmp_path / "run"
    tfds = ("--tfds-dir", tmp_path / "tfds", "--no-progress")
    rc, out, err = cli("train", "--epochs", "2", "--out", run, *tfds, "--target", "0.05")
    assert rc == 0, err
    assert json.loads((run / "target.json").read_text()) == kept_by_hand(run, 0.05)  # the figures, once finished
    assert out.splitlines()[-1].startswith("5 % test accuracy: first reached at epoch 1")
    rc, out, err = cli("train", "--resume", run, *tfds)  # finished: nothing trains, its target is said
    assert rc == 0, err
    assert out.splitlines()[-1].startswith("5 % test accuracy: first reached at epoch 1")
    assert "instead of" not in err
    rc, out, err = cli("train", "--resume", run, "--epochs", "3", "--force", *tfds, "--target", "1")  # one more epoch
    assert rc == 0, err
    assert f"nnjax: {run}: target 100 % instead of the run's 5 %, kept in its target.json" in err.splitlines()
    assert json.loads((run / "target.json").read_text()) == kept_by_hand(run, 1.0)
    assert out.splitlines()[-1].startswith("100 % test accuracy: not reached (best ")
    rc, out, err = cli("train", "--resume", run, "--json", *tfds, "--target", "1")  # the same: no word, no write
    assert rc == 0 and "instead of" not in err and json.loads(out)["target"] == 1.0
    rc, out, err = cli("train", "--resume", run, "--json", *tfds, "--target", "0.5")  # a finished run's, replaced
    assert rc == 0 and "target 50 % instead of the run's 100 %" in err and json.loads(out)["target"] == 0.5
    assert json.loads((run / "target.json").read_text()) == kept_by_hand(run, 0.5)
    plain = tmp_path / "plain"
    rc, out, err = cli("train", "--epochs", "1", "--out", plain, *tfds)
    assert rc == 0 and not (plain / "target.json").exists() and "test accuracy:" in out.splitlines()[-1]


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ('{"target": 96}', "target 96: the accuracy to reach, a fraction in (0, 1], e.g. 0.96 for 96 %"),
        ('{"target": "0.96"}', "target '0.96': the accuracy to reach, a fraction in (0, 1], e.g. 0.96 for 96 %"),
        ('{"goal": 0.96}', "not an nnjax target file (needs 'target')"),
        ('{"target": 0.9', "not valid JSON (line 1: Expecting ',' delimiter)"),
    ],
)
def test_a_damaged_target_file_is_one_line_unless_a_new_target_replaces_it(tmp_path, cli, cli_error, mock64, text, why):
    """A run's target.json edited by hand: --resume without --target refuses it in one line naming the file,
    before anything is written; viz (which refused it too) draws without it, one warning line naming the file, as
    for a sweep.json's bad option; a bad --target is refused as before, the file untouched. A --resume with a
    new --target (it blocked that too) replaces it, saying on stderr what was wrong, and touches nothing else:
    of a finished run, and of one that trains on."""
    run = tmp_path / "run"
    tfds = ("--tfds-dir", tmp_path / "tfds", "--no-progress")
    rc, _, err = cli("train", "--epochs", "1", "--out", run, *tfds, "--target", "0.5")
    assert rc == 0, err
    (run / "target.json").write_text(text)

    def files() -> dict[Path, bytes]:
        return {p.relative_to(run): p.read_bytes() for p in run.rglob("*") if p.is_file()}

    before = files()
    want = f"nnjax: error: {run / 'target.json'}: {why}"
    assert cli_error("train", "--resume", run, "--epochs", "2", "--force", *tfds) == want
    rc, out, err = cli("viz", run, "--out", tmp_path / "figs", "--tfds-dir", tmp_path / "tfds")
    assert rc == 0 and err.splitlines() == [
        f"nnjax: warning: {run / 'target.json'}: {why}; drawn without it (edited by hand?)"
    ]
    assert (tmp_path / "figs" / "learning_curves.png").is_file() and str(tmp_path / "figs" / "weights.png") in out
    line = cli_error("train", "--resume", run, *tfds, "--target", "96")
    assert line == "nnjax: error: --target 96: the accuracy to reach, a fraction in (0, 1], e.g. 0.96 for 96 %"
    assert files() == before
    rc, out, err = cli("train", "--resume", run, *tfds, "--json", "--target", "0.6")  # finished: nothing trains
    assert rc == 0, err
    assert f"nnjax: {run / 'target.json'}: {why}; replaced with target 60 %" in err.splitlines()
    assert json.loads(out)["target"] == 0.6
    after = files()
    assert after == {**before, Path("target.json"): after[Path("target.json")]}
    assert json.loads(after[Path("target.json")]) == kept_by_hand(run, 0.6)  # a finished run: with its figures
    (run / "target.json").write_text(text)
    rc, out, err = cli("train", "--resume", run, "--epochs", "2", "--force", *tfds, "--json", "--target", "0.7")
    assert rc == 0, err
    assert f"nnjax: {run / 'target.json'}: {why}; replaced with target 70 %" in err.splitlines()
    assert json.loads((run / "target.json").read_text()) == kept_by_hand(run, 0.7) and json.loads(out)["epochs"] == 2
