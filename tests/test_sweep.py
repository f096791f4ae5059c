"""Sweeps: grid parsing, grouping, the memory check, and the ensemble's promise — a member trained
inside a vmapped ensemble ends where it would alone — plus divergence and resume of sweep folders.

Everything trains tiny networks (784-8-10) on a few hundred synthetic images passed as ``splits``.
"""

from __future__ import annotations

import csv
import json
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

import jax
import numpy as np
import pytest

from nnjax import checkpoint, config, sweep, sweep_grid, sweep_summary, target
from nnjax.cli import main as cli_main
from nnjax.config import Config
from nnjax.data import Splits
from nnjax.errors import CheckpointError, ConfigError
from nnjax.run import load_run, train_and_evaluate

jax.config.update("jax_numpy_rank_promotion", "raise")

N_TRAIN, N_EVAL = 256, 64


def make_splits(seed: int = 0) -> Splits:
    """Random uint8 images whose label is a function of the pixels (so accuracy can move)."""
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 256, (N_TRAIN + N_EVAL, 784), dtype=np.uint8)
    y = (x[:, :10].argmax(axis=1)).astype(np.int32)
    return Splits(x[:N_TRAIN], y[:N_TRAIN], x[N_TRAIN:], y[N_TRAIN:], x[N_TRAIN:], y[N_TRAIN:], "test")


SPLITS = make_splits()
# a member's times (summary["members"]), which differ from session to session
TIMES = ("train_s", "ensemble_epoch_s", "ensemble_epoch_s_per_member")
TINY = Config(hidden=(8,), epochs=2, batch_size=32, checkpoint_every=1)


def run_tiny(base: Config, grid: dict, out: Path, **kw) -> dict:
    return sweep.run_sweep(base, grid, out, progress=False, splits=SPLITS, **kw)


def test_the_progress_bar_names_its_accuracy_a_mean_over_the_groups_members(tmp_path, capsys):
    """A group's members may differ in lr or seed: the bar's one accuracy is their mean (it read
    'test_acc=0.9433', as a single run's bar does), and it is the mean of the epoch's metrics lines."""
    sweep.run_sweep(TINY.replace(epochs=1), {"lr": [0.01, 0.001]}, tmp_path / "s", splits=SPLITS)
    err = capsys.readouterr().err
    lines = [json.loads(line) for line in (tmp_path / "s" / "metrics.jsonl").read_text().splitlines()]
    mean = np.mean([m["test_accuracy"] for m in lines])
    assert f"diverged=0, mean_test_acc={mean:.4f}]" in err  # tqdm sorts the fields
    assert " test_acc=" not in err


def without(d: dict, *keys: str) -> dict:
    return {k: v for k, v in d.items() if k not in keys}


# --------------------------------------------------------------------------------------------------
# grid parsing
# --------------------------------------------------------------------------------------------------


def test_parse_grid_types_each_field():
    grid = sweep_grid.parse_grid(
        ["activation=sigmoid,relu", "seed=0,1,2", "lr=0.1,3e-1", "hidden=16x16,32", "standardize=true,false"]
    )
    assert grid == {
        "activation": ["sigmoid", "relu"],
        "seed": [0, 1, 2],
        "lr": [0.1, 0.3],
        "hidden": [(16, 16), (32,)],
        "standardize": [True, False],
    }
    assert isinstance(grid["lr"][0], float) and isinstance(grid["seed"][0], int)
    assert sweep_grid.parse_grid(sweep_grid.grid_text(grid).split(" ")) == grid  # as summary.md and errors give it
    assert sweep_grid.grid_text({"hidden": [(), (8,)]}) == "hidden=none,8"
    # a float in its shortest form, as typed (lr=1000, not 1000.0), that parses back to the same value
    floats = {"lr": [1000.0, 0.001, 1e-05, 2.5e20], "weight_decay": [0.0, 1e-4]}
    assert sweep_grid.grid_text(floats) == "lr=1000,0.001,1e-05,2.5e+20 weight_decay=0,0.0001"
    assert sweep_grid.parse_grid(sweep_grid.grid_text(floats).split(" ")) == floats
    assert sweep_grid.parse_grid(["weight-decay=0,1e-4"]) == {"weight_decay": [0.0, 1e-4]}  # flag spelling works
    # --grid "activation=sigmoid, relu": quoted, with a space after the comma
    assert sweep_grid.parse_grid(["activation=sigmoid, relu"]) == {"activation": ["sigmoid", "relu"]}


def test_a_grid_of_max_members_is_taken_and_one_more_refused(monkeypatch):
    """MAX_MEMBERS is the most one sweep takes, not the first it refuses (here 6, to keep the grids small)."""
    monkeypatch.setattr(sweep_grid, "MAX_MEMBERS", 6)
    assert len(sweep_grid.expand(TINY, {"seed": [0, 1, 2], "lr": [0.1, 0.2]})) == 6
    with pytest.raises(ConfigError, match="^grid: 7 members"):
        sweep_grid.normalize_grid({"seed": list(range(7))})


@pytest.mark.parametrize(
    "items, needle",
    [
        ([], "empty grid"),
        (["seed"], "expected FIELD=V1,V2"),
        (["=1,2"], "expected FIELD=V1,V2"),
        (["colour=red"], "unknown config field 'colour'"),
        (["seed=a"], "cannot parse 'a' as an integer"),
        (["lr=0.1,fast"], "cannot parse 'fast' as a number"),
        (["hidden=16xa"], "'hidden'"),
        (["standardize=maybe"], "true/false"),
        (["lr=0.1,,0.3"], "empty value"),
        (["seed="], "empty value"),
        (["seed=1,1"], "given twice"),
        (["seed=1", "seed=2"], "given twice"),
        (["name=a,b"], "cannot be swept"),
    ],
)
def test_parse_grid_rejects(items, needle):
    with pytest.raises(ConfigError, match=needle.replace("(", r"\(")) as e:
        sweep_grid.parse_grid(items)
    assert "\n" not in str(e.value)


@pytest.mark.parametrize(
    "grid, needle",
    [
        ({}, "empty grid"),
        ({"seed": []}, "non-empty list"),
        ({"seed": 3}, "non-empty list"),
        ({"seed": [0.5]}, "wrong type"),
        ({"lr": ["fast"]}, "cannot parse"),
        ({"hidden": [[16, "a"]]}, "list of integers"),
        ({"activation": ["sigmoid", "swish2"]}, "activation=swish2: config field 'activation'"),
        ({"lr": [0.1, -1.0]}, "must be a positive"),
        ({"colour": [1, 2]}, "^grid: unknown config field 'colour'; valid: "),
        ({"name": ["a", "b"]}, r"^grid: field 'name' cannot be swept \(members are named by the grid\)$"),
    ],
)
def test_python_grid_rejects(grid, needle, tmp_path):
    with pytest.raises(ConfigError, match=needle):
        sweep.run_sweep(TINY, grid, tmp_path / "s", progress=False, splits=SPLITS)
    assert not (tmp_path / "s").exists()  # nothing written by a failed start


def test_a_grid_of_millions_is_refused_before_its_members_are_made(tmp_path, capsys, monkeypatch):
    """A grid's size is counted from its values: 4 million members were once made and checked one by one
    (minutes, or out of memory) before the memory estimate refused their group."""
    made = []
    monkeypatch.setattr(Config, "replace", lambda *a, **k: made.append(1))  # no member may be made
    values = ",".join(str(1 + i) for i in range(2000))
    out = tmp_path / "s"
    assert cli_main(["sweep", "--out", str(out), "--grid", f"seed={values}", f"lr={values}", "--no-progress"]) == 1
    err = capsys.readouterr().err.strip()
    assert err == (
        "nnjax: error: grid: 4,000,000 members (seed 2,000 × lr 2,000), more than the 100,000 one sweep takes; "
        "split it into several sweeps (fewer values per field)"
    )
    with pytest.raises(ConfigError, match="grid: 100,001 members"):
        sweep.run_sweep(TINY, {"seed": range(100_001)}, out, progress=False, splits=SPLITS)
    assert not made and not out.exists()


def test_cli_bad_grid_is_one_line_before_any_work(tmp_path, capsys):
    out = tmp_path / "s"
    assert cli_main(["sweep", "--out", str(out), "--grid", "seed=0,x", "--no-progress"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("nnjax: error: grid item 'seed=0,x'") and "\n" not in err
    assert cli_main(["sweep", "--out", str(out), "--no-progress"]) == 1
    assert "empty grid" in capsys.readouterr().err
    assert not out.exists()


def test_a_field_that_no_member_uses_is_refused_in_the_grid_and_as_a_flag(tmp_path, capsys):
    """Momentum under sgd: its grid values would train identical networks, reported as a comparison."""
    sgd = TINY.replace(optimizer="sgd")
    why = "optimizer sgd does not use it (momentum, adam and adamw do)"
    with pytest.raises(ConfigError, match=rf"^grid field 'momentum': {re.escape(why)}, so its values would train"):
        sweep.run_sweep(sgd, {"momentum": [0.0, 0.9]}, tmp_path / "s", progress=False, splits=SPLITS)
    assert not (tmp_path / "s").exists()
    # a warm-up under schedules that have none: the grid's field, not a member, is named, each schedule said
    warm = r"only schedule warmup_cosine uses it \(schedule is constant; schedule is cosine\)"
    with pytest.raises(ConfigError, match=rf"^grid field 'warmup_epochs': {warm}, so its values would train"):
        sweep_grid.expand(TINY.replace(epochs=3), {"schedule": ["constant", "cosine"], "warmup_epochs": [1, 2]})
    # a value that is wrong in itself, or a schedule that does not exist, says so, not that no member uses it
    for base, grid, said in (
        (TINY.replace(warmup_epochs=-1), {"seed": [0, 1]}, "config field 'warmup_epochs' = -1: must not be negative"),
        (sgd.replace(momentum=1.5), {"seed": [0, 1]}, r"config field 'momentum' = 1.5: must be in \[0, 1\)"),
        (TINY.replace(schedule="warmup-cosine"), {"warmup_epochs": [1, 2]}, "config field 'schedule' = 'warmup-cos"),
    ):
        with pytest.raises(ConfigError, match=said):
            sweep_grid.expand(base, grid)
    out = tmp_path / "s2"
    assert cli_main(["sweep", "--out", str(out), "--optimizer", "sgd", "--momentum", "0.5", "--grid", "seed=0,1"]) == 1
    assert capsys.readouterr().err == f"nnjax: error: config field 'momentum' = 0.5: {why}\n"  # as train says
    assert cli_main(["sweep", "--out", str(out), "--warmup-epochs", "2", "--grid", "schedule=cosine,constant"]) == 1
    said = "config field 'warmup_epochs' = 2: only schedule warmup_cosine uses it (schedule is cosine; schedule is"
    assert capsys.readouterr().err == f"nnjax: error: {said} constant)\n"
    assert not out.exists()


def test_a_field_that_only_some_members_use_is_a_warning():
    """optimizer=sgd,momentum momentum=0.5,0.9 is a fair cross-product; its two sgd members are one network.
    One momentum value for several optimizers makes no twins at all."""
    mixed = sweep_grid.expand(TINY, {"optimizer": ["momentum", "sgd"], "momentum": [0.5, 0.9]})
    assert sweep_grid.ignored_by(mixed, {"optimizer": ["momentum", "sgd"], "momentum": [0.5, 0.9]}) == [
        "2 members ignore grid field 'momentum' (optimizer sgd does not use it (momentum, adam and adamw do)): "
        "e.g. optimizer=sgd,momentum=0.5 and optimizer=sgd,momentum=0.9 train the same network"
    ]
    one = {"optimizer": ["sgd", "momentum", "adam"], "momentum": [0.9]}
    assert sweep_grid.ignored_by(sweep_grid.expand(TINY, one), one) == []
    warm = {"schedule": ["cosine", "warmup_cosine"], "warmup_epochs": [1]}
    assert len(sweep_grid.expand(TINY.replace(epochs=3), warm)) == 2


class _Started(Exception):
    """Raised by a stubbed run_sweep: the sweep passed every check and would train."""


def sweep_base(argv: list[str], monkeypatch) -> Config:
    """The base config ``nnjax sweep ARGV`` would train from, its checks passed, without training."""

    def started(base, *args, **kwargs):
        raise _Started(base)

    monkeypatch.setattr(sweep, "run_sweep", started)
    with pytest.raises(_Started) as e:
        cli_main(argv)
    return e.value.args[0]


def test_members_that_train_the_same_network_by_another_name_are_refused_or_reported(tmp_path, capsys, monkeypatch):
    """warmup_cosine without warm-up is cosine, momentum 0 is sgd, adamw without weight decay is adam, and a
    network with no hidden layer has no activation (auto's init still depends on it), scan_unroll 1 is auto: the
    same training under two names (tests/test_train.py trains each pair). Every member with such a twin: refused;
    some: a warning naming two of them. A note every member has (the base's) is not what tells twins apart."""
    refused = (
        (TINY, {"schedule": ["cosine", "warmup_cosine"], "seed": [0, 1]}, "schedule warmup_cosine with warmup_epo"),
        (TINY.replace(momentum=0.0), {"optimizer": ["sgd", "momentum"]}, "optimizer momentum with momentum 0 is sgd"),
        (TINY.replace(weight_decay=0.0), {"optimizer": ["adam", "adamw"]}, "optimizer adamw with weight_decay 0 is"),
        (TINY.replace(hidden=()), {"activation": ["sigmoid", "tanh"]}, "a network with no hidden layer has no act"),
        (TINY, {"scan_unroll": [0, 1]}, r"scan_unroll 1 is what 0 \(auto\) compiles"),
    )
    for base, grid, why in refused:
        with pytest.raises(ConfigError, match=rf"^grid: {why}.*, so every member trains the same network as another"):
            sweep_grid.expand(base, grid)
    capsys.readouterr()
    hand = tmp_path / "warm.json"  # a file's schedule that the grid replaces asks for nothing
    hand.write_text('{"schedule": "warmup_cosine"}')
    argv = ["sweep", "--config-file", str(hand), "--grid", "schedule=cosine,constant", "--out", str(tmp_path / "s")]
    base = sweep_base(argv, monkeypatch)
    assert base.schedule == "warmup_cosine"
    for schedules in ("cosine,warmup_cosine", "warmup_cosine,constant"):  # the grid asks for a warm-up: give it
        assert cli_main(["sweep", "--out", str(tmp_path / "s"), "--grid", f"schedule={schedules}"]) == 1
        assert capsys.readouterr().err == (
            "nnjax: error: config field 'schedule' = 'warmup_cosine': warmup_epochs is 0, which trains plain cosine; "
            "give the warm-up (--warmup-epochs N)\n"
        )
    assert not (tmp_path / "s").exists()
    # distinct networks: weight decay, a momentum, a warm-up, or auto's init (he for relu, glorot for sigmoid)
    for base, grid in (
        (TINY, {"optimizer": ["adam", "adamw"]}),
        (TINY, {"optimizer": ["sgd", "momentum"]}),
        (TINY.replace(epochs=3, warmup_epochs=1), {"schedule": ["cosine", "warmup_cosine"]}),
        (TINY.replace(hidden=()), {"activation": ["sigmoid", "relu"]}),
    ):
        configs = sweep_grid.expand(base, grid)
        assert sweep_grid.ignored_by(configs, grid) == [], grid
    grid = {"optimizer": ["sgd", "momentum"], "momentum": [0.0, 0.9]}
    assert sweep_grid.ignored_by(sweep_grid.expand(TINY, grid), grid)[-1] == (
        "optimizer momentum with momentum 0 is sgd: e.g. optimizer=sgd,momentum=0 and "
        "optimizer=momentum,momentum=0 train the same network"
    )
    with pytest.raises(ConfigError, match=r"^grid field 'init': auto is glorot for sigmoid, so its values would"):
        sweep_grid.expand(TINY.replace(hidden=()), {"init": ["auto", "glorot"]})
    with pytest.raises(ConfigError, match=r"^grid field 'init': auto is glorot for sigmoid, so its values would"):
        sweep_grid.expand(TINY, {"init": ["auto", "glorot"], "hidden": [(), (8,)]})  # no activation varies: init's
    # each group's own reason: the weight-decay members are twins through init alone
    grid = {"init": ["auto", "glorot"], "optimizer": ["adam", "adamw"], "weight_decay": [0.0, 1e-4]}
    with pytest.raises(ConfigError, match=r"^grid: optimizer adamw with weight_decay 0 is adam; init auto is glorot"):
        sweep_grid.expand(TINY, grid)
    grid = {"optimizer": ["sgd", "momentum"], "momentum": [0.5, 0.9]}
    lines = sweep_grid.ignored_by(sweep_grid.expand(TINY.replace(hidden=()), grid), grid)
    assert len(lines) == 1  # momentum's line only
    grid = {"hidden": [(8,), ()], "activation": ["sigmoid", "relu", "tanh"]}
    assert sweep_grid.ignored_by(sweep_grid.expand(TINY, grid), grid) == [
        "a network with no hidden layer has no activation: e.g. hidden=none,activation=sigmoid and "
        "hidden=none,activation=tanh train the same network"
    ]


def test_a_grid_over_init_warns_where_auto_is_one_of_its_values():
    grid = {"activation": ["sigmoid", "relu", "tanh"], "init": ["auto", "glorot"]}
    assert sweep_grid.ignored_by(sweep_grid.expand(TINY, grid), grid) == [
        "grid field 'init': auto is glorot for sigmoid and tanh: e.g. activation=sigmoid,init=auto and "
        "activation=sigmoid,init=glorot train the same network"
    ]
    grid = {"activation": ["relu"], "init": ["glorot", "auto"]}
    assert sweep_grid.ignored_by(sweep_grid.expand(TINY, grid), grid) == []  # auto is he for relu: two networks
    grid = {"activation": ["relu", "tanh"], "init": ["he", "glorot", "auto"]}
    assert sweep_grid.ignored_by(sweep_grid.expand(TINY, grid), grid)[0].startswith(
        "grid field 'init': auto is he for relu, glorot for tanh: e.g. activation=relu,init=auto and"
    )
    # every member with a twin: refused, as a grid over a field no member uses is
    for grid, why in (
        ({"init": ["auto", "glorot"], "seed": [0, 1]}, "auto is glorot for sigmoid"),
        ({"activation": ["sigmoid", "tanh"], "init": ["glorot", "auto"]}, "auto is glorot for sigmoid and tanh"),
    ):
        with pytest.raises(ConfigError, match=rf"^grid field 'init': {why}, so its values would train identical"):
            sweep_grid.expand(TINY, grid)
    assert len(sweep_grid.expand(TINY, {"init": ["auto", "glorot"]}, new=False)) == 2  # a saved sweep still reads


def test_a_warmup_only_some_members_use_is_accepted_and_one_none_uses_refused():
    """A warm-up set for a grid over schedules is used by its warmup_cosine members (the others ignore it, as
    sgd members ignore momentum); set where no member warms up, it would do nothing and is refused."""
    base = TINY.replace(epochs=3, warmup_epochs=1)
    mixed = sweep_grid.expand(base, {"schedule": ["cosine", "warmup_cosine"]})
    assert [(c.schedule, c.warmup_epochs) for c in mixed] == [("cosine", 1), ("warmup_cosine", 1)]
    grid = {"schedule": ["cosine", "warmup_cosine"], "warmup_epochs": [0, 1]}
    assert len(sweep_grid.expand(TINY.replace(epochs=3), grid)) == 4
    assert (
        "e.g. schedule=cosine,warmup_epochs=0 and schedule=cosine,warmup_epochs=1 train the same network"
        in (sweep_grid.ignored_by(sweep_grid.expand(TINY.replace(epochs=3), grid), grid)[0])
    )
    no_member = (
        r"^config field 'warmup_epochs' = 1: only schedule warmup_cosine uses it "
        r"\(schedule is cosine; schedule is constant\)$"
    )
    with pytest.raises(ConfigError, match=no_member):  # no member's doing: named by none
        sweep_grid.expand(base, {"schedule": ["cosine", "constant"]})
    with pytest.raises(ConfigError, match="must be fewer than epochs"):  # the members that use it are checked
        sweep_grid.expand(base.replace(warmup_epochs=3), {"schedule": ["cosine", "warmup_cosine"]})


def test_cli_refuses_a_field_given_as_flag_and_in_the_grid(tmp_path, capsys):
    out = tmp_path / "s"
    assert cli_main(["sweep", "--out", str(out), "--weight-decay", "0.1", "--grid", "weight_decay=0,0.01"]) == 1
    err = capsys.readouterr().err
    assert err == (
        "nnjax: error: --weight-decay 0.1: weight_decay is swept by the grid (weight_decay=0,0.01), whose values "
        "would replace the flag's; give weight_decay once\n"
    )
    assert not out.exists()
    # a resumed sweep keeps its grid: the same flag is refused without --grid too, and nothing is touched
    run_tiny(TINY, {"seed": [0, 1]}, out)
    capsys.readouterr()  # the sweep's own line
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert cli_main(["sweep", "--resume", str(out), "--seed", "5"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("nnjax: error: --seed 5: seed is swept by the grid (seed=0,1)") and err.count("\n") == 1
    assert "leave out --seed" in err
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


# --------------------------------------------------------------------------------------------------
# expansion and grouping
# --------------------------------------------------------------------------------------------------


def test_expand_names_members_and_groups_by_program():
    grid = {"activation": ["relu", "tanh"], "seed": [0, 1], "lr": [0.1, 0.3], "weight_decay": [0.0, 1e-4]}
    configs = sweep_grid.expand(TINY, grid)
    assert len(configs) == 16
    assert configs[0].name == "activation=relu,seed=0,lr=0.1,weight_decay=0"
    assert configs[-1].name == "activation=tanh,seed=1,lr=0.3,weight_decay=0.0001"
    groups = sweep_grid.group(configs)
    # seed, lr and weight decay are data inside one program; the activation changes the program
    assert [len(g) for g in groups] == [8, 8]
    assert {c.activation for c in groups[0]} == {"relu"} and {c.activation for c in groups[1]} == {"tanh"}

    hidden = sweep_grid.group(sweep_grid.expand(TINY, {"hidden": [(8,), (4, 4)], "seed": [0, 1]}))
    assert [[c.hidden for c in g] for g in hidden] == [[(8,), (8,)], [(4, 4), (4, 4)]]
    # the init scheme only sets the starting parameters (data): one program for all three
    same = sweep_grid.group(sweep_grid.expand(TINY.replace(activation="relu"), {"init": ["auto", "he", "lecun"]}))
    assert [[c.init for c in g] for g in same] == [["auto", "he", "lecun"]]


# --------------------------------------------------------------------------------------------------
# the ensemble promise
# --------------------------------------------------------------------------------------------------


def test_member_in_ensemble_equals_member_trained_alone(tmp_path):
    base = TINY.replace(optimizer="momentum", lr=0.05, momentum=0.5)
    grid = {"seed": [0, 1], "lr": [0.05, 0.2], "momentum": [0.5, 0.9]}  # K = 8 in one program
    summary = run_tiny(base, grid, tmp_path / "sweep")
    assert summary["n_groups"] == 1 and summary["groups"][0]["k"] == 8

    members = [sweep.load_member(tmp_path / "sweep", i) for i in range(8)]
    firsts = [np.asarray(p[0]["W"][0]) for _, p, _ in members]
    assert all(not np.allclose(firsts[0], f) for f in firsts[1:])  # members really differ

    for mid in (0, 7):  # (seed 0, lr .05, momentum .5) and (seed 1, lr .2, momentum .9)
        cfg, params_in, epoch = members[mid]
        assert epoch == base.epochs
        alone = train_and_evaluate(cfg, tmp_path / f"alone{mid}", progress=False, splits=SPLITS)
        _, params_alone, _ = load_run(tmp_path / f"alone{mid}")
        for a, b in zip(jax.tree_util.tree_leaves(params_in), jax.tree_util.tree_leaves(params_alone)):
            np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-5, atol=1e-6)
        row = summary["members"][mid]
        assert row["final_test_accuracy"] == pytest.approx(alone["test_accuracy"], abs=1e-6)


# --------------------------------------------------------------------------------------------------
# divergence
# --------------------------------------------------------------------------------------------------


def test_diverged_member_is_marked_while_others_finish(tmp_path):
    # A linear network (identity σ) with plain SGD at lr 1e3 overflows in its first epoch.
    base = TINY.replace(activation="identity", optimizer="sgd", schedule="constant", lr=0.01)
    summary = run_tiny(base, {"lr": [0.01, 1000.0], "seed": [0, 1]}, tmp_path / "mixed")
    rows = {r["name"]: r for r in summary["members"]}
    for seed in (0, 1):
        bad, good = rows[f"lr=1000,seed={seed}"], rows[f"lr=0.01,seed={seed}"]  # as --grid lr=1000 names it
        assert bad["diverged_epoch"] == 1 and bad["final_test_accuracy"] is None
        assert good["diverged_epoch"] is None and 0 <= good["final_test_accuracy"] <= 1
        assert bad["final_train_accuracy"] is None  # as its final test accuracy: past its divergence
    lines = [json.loads(s) for s in (tmp_path / "mixed" / "metrics.jsonl").read_text().splitlines()]
    # the last epoch's train accuracy, from metrics.jsonl: a member's underfitting read without parsing it
    last_train = {m["member"]: m["train_accuracy"] for m in lines if m["epoch"] == base.epochs}
    for row in summary["members"]:
        if row["diverged_epoch"] is None:
            assert row["final_train_accuracy"] == last_train[row["member"]] and 0 < row["final_train_accuracy"] <= 1
    assert len(lines) == 4 * base.epochs
    assert all(m["finite"] and m["train_loss"] is not None for m in lines if m["lr"] == 0.01)
    assert any(not m["finite"] for m in lines if m["lr"] == 1000.0)

    with open(tmp_path / "mixed" / "members.csv") as f:
        csv_rows = {r["name"]: r for r in csv.DictReader(f)}
    assert csv_rows["lr=1000,seed=0"]["diverged_epoch"] == "1" and csv_rows["lr=1000,seed=0"]["lr"] == "1000"
    assert csv_rows["lr=1000,seed=0"]["final_test_accuracy"] == csv_rows["lr=1000,seed=0"]["final_train_accuracy"] == ""
    assert float(csv_rows["lr=0.01,seed=0"]["final_train_accuracy"]) == rows["lr=0.01,seed=0"]["final_train_accuracy"]
    assert csv_rows["lr=0.01,seed=0"]["diverged_epoch"] == ""
    table = {r["lr"]: r for r in summary["rows"]}
    assert table[1000.0]["n_diverged"] == 2 and table[1000.0]["test_accuracy_mean"] is None
    assert table[0.01]["n_diverged"] == 0 and "| 1000 | 2 | — | — |" in summary["table"]  # not 1000.0

    # the NaNs stayed in their own members: the good ones end exactly as in a sweep without them
    clean = run_tiny(base, {"lr": [0.01], "seed": [0, 1]}, tmp_path / "clean")
    for mid_mixed, mid_clean in ((0, 0), (1, 1)):
        _, a, _ = sweep.load_member(tmp_path / "mixed", mid_mixed)
        _, b, _ = sweep.load_member(tmp_path / "clean", mid_clean)
        for x, y in zip(jax.tree_util.tree_leaves(a), jax.tree_util.tree_leaves(b)):
            np.testing.assert_allclose(np.asarray(x), np.asarray(y), rtol=1e-5, atol=1e-6)
    assert [r["final_test_accuracy"] for r in clean["members"]] == pytest.approx(
        [rows["lr=0.01,seed=0"]["final_test_accuracy"], rows["lr=0.01,seed=1"]["final_test_accuracy"]], abs=1e-6
    )


# --------------------------------------------------------------------------------------------------
# resume
# --------------------------------------------------------------------------------------------------


def _metric_lines(path: Path) -> list[dict]:
    return [without(json.loads(s), "epoch_s") for s in (path / "metrics.jsonl").read_text().splitlines()]


def _interrupted(base: Config, grid: dict, out: Path, monkeypatch, epoch: int, group: str | None = None, **kw) -> None:
    """A sweep into ``out`` (``run_tiny``'s ``kw``: ``resume=True`` too) killed (KeyboardInterrupt) while saving the
    checkpoint of ``epoch``: of group ``group`` (``"g01"``) only, or of any group."""
    real_save = checkpoint.save

    def dying_save(folder, at, *args, **save_kw):
        if at == epoch and group in (None, Path(folder).parent.name):
            raise KeyboardInterrupt
        return real_save(folder, at, *args, **save_kw)

    with monkeypatch.context() as m:
        m.setattr(checkpoint, "save", dying_save)
        with pytest.raises(KeyboardInterrupt):
            run_tiny(base, grid, out, **kw)


def _interrupt_at_g01_epoch_4(base: Config, grid: dict, out: Path, monkeypatch) -> None:
    """A sweep into ``out`` killed (KeyboardInterrupt) while saving group g01's epoch-4 checkpoint: after its
    epoch-3 and -4 metrics lines, with its epoch-2 checkpoint the last one kept."""
    _interrupted(base, grid, out, monkeypatch, 4, "g01")


def test_resume_after_interruption_matches_uninterrupted(tmp_path, monkeypatch):
    base = TINY.replace(epochs=4, checkpoint_every=2)
    grid = {"activation": ["relu", "tanh"], "seed": [0, 1]}
    full = run_tiny(base, grid, tmp_path / "full")

    _interrupt_at_g01_epoch_4(base, grid, tmp_path / "cut", monkeypatch)
    cut = tmp_path / "cut"
    assert [e for e, _ in checkpoint.list_checkpoints(cut / "groups/g01/checkpoints")] == [2]
    assert max(m["epoch"] for m in _metric_lines(cut) if m["group"] == "g01") == 4  # lines past the checkpoint
    assert not (cut / "members.csv").exists()

    finished = (cut / "groups/g00/result.json").stat().st_mtime_ns
    with pytest.raises(ConfigError, match=r"started with \(activation=relu,tanh seed=0,1\)"):
        sweep.run_sweep(base, {**grid, "seed": [0, 1, 2]}, cut, resume=True, progress=False, splits=SPLITS)
    with pytest.raises(ConfigError, match="would change its results"):
        sweep.run_sweep(base.replace(lr=0.1), grid, cut, resume=True, progress=False, splits=SPLITS)
    # "auto" is glorot for the base's sigmoid, but he for the relu members: glorot changes them
    with pytest.raises(ConfigError, match=r"init='glorot' but the sweep used init='auto' \(member activation=relu,"):
        sweep.run_sweep(base.replace(init="glorot"), grid, cut, resume=True, progress=False, splits=SPLITS)

    with open(cut / "metrics.jsonl", "a") as f:  # a line cut short by the kill
        f.write('{"member": 2, "group": "g01", "epo')
    resumed = run_tiny(base.replace(scan_unroll=1), grid, cut, resume=True)  # 1 compiles what 0 (auto) does
    assert (cut / "groups/g00/result.json").stat().st_mtime_ns == finished  # finished group skipped
    assert resumed["resumed"] and not full["resumed"]  # wall time is this session's; training times are all
    assert "for this --resume" in (cut / "summary.md").read_text()
    assert "for this --resume" not in (tmp_path / "full" / "summary.md").read_text()
    assert _metric_lines(cut) == _metric_lines(tmp_path / "full")  # no duplicated or missing epochs
    drop = TIMES
    assert [without(r, *drop) for r in resumed["members"]] == [without(r, *drop) for r in full["members"]]
    for mid in range(4):
        _, a, _ = sweep.load_member(cut, mid)
        _, b, _ = sweep.load_member(tmp_path / "full", mid)
        for x, y in zip(jax.tree_util.tree_leaves(a), jax.tree_util.tree_leaves(b)):
            np.testing.assert_array_equal(np.asarray(x), np.asarray(y))


def test_sweep_folder_files(tmp_path):
    summary = run_tiny(TINY, {"activation": ["relu", "tanh"], "seed": [0, 1]}, tmp_path / "s")
    s = tmp_path / "s"
    spec = json.loads((s / "sweep.json").read_text())
    assert spec["grid"] == {"activation": ["relu", "tanh"], "seed": [0, 1]} and spec["base"]["hidden"] == [8]
    with open(s / "members.csv") as f:
        rows = list(csv.DictReader(f))
    assert [r["name"] for r in rows] == [
        "activation=relu,seed=0",
        "activation=relu,seed=1",
        "activation=tanh,seed=0",
        "activation=tanh,seed=1",
    ]
    assert {"member", "group", "activation", "seed", "final_test_accuracy", "best_epoch", "train_s"} <= set(rows[0])
    md = (s / "summary.md").read_text()
    assert "| activation | members | test accuracy (%) mean ± std |" in md and "| relu | 2 |" in md
    base_line = next(line for line in md.splitlines() if line.startswith("Base config fields"))
    base_fields = json.loads(base_line.split("`")[1])
    assert "activation" not in base_fields and "seed" not in base_fields  # the grid's values, not the base's
    assert base_fields["hidden"] == [8] and base_fields["lr"] == TINY.lr
    assert (s / "accuracy.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    accs = [r["final_test_accuracy"] for r in summary["members"][:2]]
    relu = summary["rows"][0]
    assert relu["activation"] == "relu" and relu["test_accuracy_mean"] == pytest.approx(np.mean(accs))
    assert accs[0] != accs[1] and relu["test_accuracy_std"] == pytest.approx(np.std(accs, ddof=1))  # sample std
    assert f"| relu | 2 | {100 * np.mean(accs):.2f} ± {100 * np.std(accs, ddof=1):.2f} |" in md
    lines = [json.loads(line) for line in (s / "metrics.jsonl").read_text().splitlines()]
    for m in summary["members"]:  # the best epoch: the highest test accuracy, the earliest of ties
        curve = [(line["epoch"], line["test_accuracy"]) for line in lines if line["member"] == m["member"]]
        assert [e for e, _ in curve] == [1, 2]
        best = max(a for _, a in curve)
        assert (m["best_epoch"], m["best_test_accuracy"]) == (min(e for e, a in curve if a == best), best)
    relu_best = [m["best_epoch"] for m in summary["members"][:2]]
    assert (relu["best_epoch_min"], relu["best_epoch_max"]) == (min(relu_best), max(relu_best))
    assert relu["best_epoch_median"] == np.median(relu_best)
    with pytest.raises(ConfigError, match="already exists"):
        run_tiny(TINY, {"seed": [0]}, s)
    assert "4 members in 2 groups" in md


def test_a_data_set_that_cannot_load_fails_before_any_group_trains(tmp_path, monkeypatch):
    import nnjax.data
    from nnjax.errors import DataError

    def load_splits(dataset, *args, **kwargs):
        if dataset == "fashion_mnist":
            raise DataError("building fashion_mnist from /raw failed: checksum")
        return SPLITS

    monkeypatch.setattr(nnjax.data, "load_splits", load_splits)
    monkeypatch.setattr(sweep, "_run_group", lambda *a, **k: pytest.fail("a group trained"))
    with pytest.raises(DataError, match="fashion_mnist"):
        sweep.run_sweep(TINY, {"dataset": ["mnist", "fashion_mnist"]}, tmp_path / "s", progress=False)
    assert not (tmp_path / "s").exists()  # made for the sweep and still empty: removed, as a refused train leaves none


def test_a_sweep_over_train_size_trains_one_group_per_size_each_on_its_first_images(tmp_path):
    """train_size changes the steps per epoch (the program): one group per size, each member trained on the first
    N training images, as the same config alone and as the whole splits cut to N by hand; the table and
    members.csv have a train_size column, and the evaluation split is the whole one for every size."""
    grid = {"train_size": [64, 128, None], "seed": [0, 1]}
    assert [[c.train_size for c in g] for g in sweep_grid.group(sweep_grid.expand(TINY, grid))] == [
        [64, 64], [128, 128], [None, None]
    ]  # fmt: skip
    summary = run_tiny(TINY, grid, tmp_path / "s")
    assert summary["n_groups"] == 3 and [g["k"] for g in summary["groups"]] == [2, 2, 2]
    assert [r["train_size"] for r in summary["rows"]] == [64, 128, None]
    assert (
        "| train_size |" in summary["table"] and "| 64 | 2 |" in summary["table"] and "| none | 2 |" in summary["table"]
    )
    with open(tmp_path / "s" / "members.csv") as f:
        rows = list(csv.DictReader(f))
    # none as --grid takes it and the table writes it (hidden none too), not the empty cell of a missing number
    assert [r["train_size"] for r in rows] == ["64", "64", "128", "128", "none", "none"]
    assert all(r["final_test_accuracy"] and r["diverged_epoch"] == "" for r in rows)  # a missing number: empty
    cfg, params_in, _ = sweep.load_member(tmp_path / "s", 1)  # train_size 64, seed 1
    assert cfg.train_size == 64
    alone = train_and_evaluate(cfg, tmp_path / "alone", progress=False, splits=SPLITS)
    first_64 = Splits(SPLITS.x_train[:64], SPLITS.y_train[:64], *[getattr(SPLITS, f) for f in
                      ("x_eval", "y_eval", "x_test", "y_test", "eval_split")])  # fmt: skip
    by_hand = train_and_evaluate(cfg.replace(train_size=None), tmp_path / "by_hand", progress=False, splits=first_64)
    assert alone["n_train"] == by_hand["n_train"] == 64 and alone["test_accuracy"] == by_hand["test_accuracy"]
    assert json.loads((tmp_path / "alone" / "config.json").read_text())["train_size"] == 64
    for run_dir in ("alone", "by_hand"):
        _, params_run, _ = load_run(tmp_path / run_dir)
        for a, b in zip(jax.tree.leaves(params_in), jax.tree.leaves(params_run)):
            np.testing.assert_allclose(a, b, atol=2e-5)
    assert sweep.load_member(tmp_path / "s", 5)[1][0]["W"].shape == params_in[0]["W"].shape


def test_a_train_size_grid_is_checked_before_anything_is_made(tmp_path, cli_error):
    for grid, said in (
        ("train_size=0,100", "train_size=0: config field 'train_size' = 0: must be positive"),
        ("train_size=100,60001", "train_size=60001: config field 'train_size' = 60001: more than the 60,000 images"),
        ("train_size=1.5", "grid item 'train_size=1.5': config field 'train_size': cannot parse '1.5' as an integer"),
        ("train_size=16,100", "train_size=16: config field 'batch_size' = 32: larger than the 16 training images"),
    ):
        line = cli_error("sweep", "--grid", grid, "--out", tmp_path / "s", "--no-progress")
        assert said in line, line
    assert not (tmp_path / "s").exists()
    with pytest.raises(ConfigError, match="train_size of the whole training split is none, so every member trains"):
        sweep_grid.expand(TINY, {"train_size": [None, 60_000]})


def test_summary_holds_grid_values_typed_and_files_as_the_grid_writes_them(tmp_path):
    summary = run_tiny(TINY.replace(epochs=1), {"hidden": [(8,), (4, 4)], "lr": [0.01]}, tmp_path / "s")
    assert [(r["hidden"], r["lr"]) for r in summary["members"]] == [([8], 0.01), ([4, 4], 0.01)]
    assert [r["hidden"] for r in summary["rows"]] == [[8], [4, 4]]
    assert "| 8 | 6,370 | 1 |" in summary["table"] and "| 4x4 | 3,210 | 1 |" in summary["table"]  # and parameters
    with open(tmp_path / "s" / "members.csv") as f:
        assert [(r["hidden"], r["lr"]) for r in csv.DictReader(f)] == [("8", "0.01"), ("4x4", "0.01")]
    json.dumps(summary["members"])  # as nnjax sweep --json prints it


def test_a_validation_sweep_reports_the_validation_split_in_its_table(tmp_path):
    rng = np.random.default_rng(1)
    x_val = rng.integers(0, 256, (N_EVAL, 784), dtype=np.uint8)
    val = Splits(SPLITS.x_train, SPLITS.y_train, x_val, x_val[:, :10].argmax(1).astype(np.int32),
                 SPLITS.x_test, SPLITS.y_test, "val")  # fmt: skip
    summary = sweep.run_sweep(
        TINY.replace(validation=True), {"seed": [0, 1]}, tmp_path / "s", progress=False, splits=val
    )
    last = {m["member"]: m["val_accuracy"] for m in _metric_lines(tmp_path / "s") if m["epoch"] == TINY.epochs}
    members = summary["members"]
    assert [m["final_val_accuracy"] for m in members] == [last[0], last[1]]
    assert all(m["final_test_accuracy"] is not None for m in members)  # still there, as in a single run's result
    (row,) = summary["rows"]
    assert "test_accuracy_mean" not in row
    assert row["val_accuracy_mean"] == pytest.approx((last[0] + last[1]) / 2)
    assert summary["table"].startswith("| members | validation accuracy (%) mean ± std |")
    assert "Validation accuracy: final parameters on the 10,000 held-out" in (tmp_path / "s" / "summary.md").read_text()
    with open(tmp_path / "s" / "members.csv") as f:
        assert float(next(csv.DictReader(f))["final_val_accuracy"]) == last[0]


def test_one_member_has_no_spread_and_one_group_is_singular(tmp_path):
    summary = run_tiny(TINY, {"lr": [0.01, 0.02]}, tmp_path / "s")
    assert [r["test_accuracy_std"] for r in summary["rows"]] == [None, None]  # one member each: no std
    md = (tmp_path / "s" / "summary.md").read_text()
    assert md.count(" ± — |") + md.count(" ± —** |") == 2 and "2 members in 1 group (" in md  # one in bold


def test_damaged_sweep_folder_files_are_one_line_errors(tmp_path, monkeypatch):
    s = tmp_path / "s"
    run_tiny(TINY, {"seed": [0, 1]}, s)
    spec_text = (s / "sweep.json").read_text()
    spec = json.loads(spec_text)
    for base in ([1], "video", None):
        (s / "sweep.json").write_text(json.dumps({**spec, "base": base}))
        with pytest.raises(CheckpointError, match="'base' and 'grid' must be JSON objects"):
            sweep.load_sweep_spec(s)
    (s / "sweep.json").write_text(json.dumps({**spec, "base": without(spec["base"], "activation")}))
    with pytest.raises(ConfigError, match="config field 'activation' missing"):  # not silently sigmoid
        sweep.load_sweep_spec(s)
    (s / "sweep.json").write_text(spec_text.replace('"grid"', '"grid",', 1))
    with pytest.raises(CheckpointError, match=r"sweep.json: not valid JSON \(line \d+"):
        sweep.load_sweep_spec(s)
    (s / "sweep.json").write_text(spec_text)

    lines = (s / "metrics.jsonl").read_text().splitlines()
    first = json.loads(lines[0])

    def compiled(*args, **kw):
        raise AssertionError("compiled before the damaged metrics file was refused")

    monkeypatch.setattr("nnjax.train.compile_ensemble", compiled)
    (s / "groups" / "g00" / "result.json").unlink()  # as if killed after the last checkpoint: g00 trains on
    for key, damaged in (
        ("group", {k: v for k, v in first.items() if k != "group"}),
        ("member", {**first, "member": "0"}),
    ):
        (s / "metrics.jsonl").write_text("\n".join([json.dumps(damaged), *lines[1:]]) + "\n")
        before = {p: p.read_bytes() for p in s.rglob("*") if p.is_file()}
        with pytest.raises(CheckpointError, match=f"metrics.jsonl: line 1: '{key}' missing or not"):
            run_tiny(TINY, {"seed": [0, 1]}, s, resume=True)
        assert {p: p.read_bytes() for p in s.rglob("*") if p.is_file()} == before  # refused before any write


@pytest.mark.parametrize("lost", ["", "the kept last line's newline"])
def test_a_resume_that_trains_keeps_the_metrics_lines_before_its_checkpoint_as_saved(tmp_path, monkeypatch, lost):
    """Resuming drops g01's lines past its checkpoint (epochs 3 and 4) and appends what it trains; the lines it
    keeps were written again as json.dumps lines (CRLF became LF, non-ASCII text \\u escapes). They keep their
    bytes now, and one that lost its newline gets one."""
    base = TINY.replace(epochs=4, checkpoint_every=2)
    grid = {"seed": [0, 1], "activation": ["relu", "tanh"]}
    _interrupt_at_g01_epoch_4(base, grid, tmp_path / "cut", monkeypatch)
    path = tmp_path / "cut" / "metrics.jsonl"
    lines = [json.loads(s) for s in path.read_text().splitlines()]
    lines[0]["note"] = "café — première époque"
    saved = [json.dumps(m, ensure_ascii=False, separators=(",", ":")).encode() + b"\r\n" for m in lines]
    kept = b"".join(line for line, m in zip(saved, lines) if m["group"] == "g00" or m["epoch"] <= 2)
    assert len(kept.splitlines()) == len(lines) - 4  # g01's two members at epochs 3 and 4 are dropped
    assert b"".join(saved).startswith(kept)  # groups train in turn: the dropped lines are the last
    path.write_bytes(kept.removesuffix(b"\r\n") if lost else b"".join(saved))  # lost: dropped lines cut by hand
    run_tiny(base, grid, tmp_path / "cut", resume=True)
    data = path.read_bytes()
    assert data.startswith(kept.removesuffix(b"\r\n") + (b"\n" if lost else b"\r\n"))
    assert data.count(b"\r\n") == len(kept.splitlines()) - (1 if lost else 0)
    assert data.count("café".encode()) == 1
    run_tiny(base, grid, tmp_path / "full")
    assert [without(m, "note") for m in _metric_lines(tmp_path / "cut")] == _metric_lines(tmp_path / "full")


def test_resume_trains_again_a_finished_group_whose_final_checkpoint_is_damaged(tmp_path, capsys):
    s = tmp_path / "s"
    full = run_tiny(TINY, {"seed": [0, 1]}, s)
    final = s / "groups" / "g00" / "checkpoints" / "epoch_000002.msgpack"
    good = final.read_bytes()
    final.write_bytes(good[:500])
    resumed = run_tiny(TINY, {"seed": [0, 1]}, s, resume=True)  # from epoch 1's checkpoint
    err = capsys.readouterr().err
    assert "g00 had finished, but" in err and "truncated checkpoint" in err and "training it again" in err
    assert final.read_bytes() == good
    # the damaged one was set aside before training (as a run's resume does): pruning never counts it
    assert final.with_name(final.name + ".damaged").read_bytes() == good[:500]
    assert [m["final_test_accuracy"] for m in resumed["members"]] == [m["final_test_accuracy"] for m in full["members"]]
    # a final checkpoint deleted (older ones kept) is not finished either: eval would read epoch 1's parameters
    final.unlink()
    run_tiny(TINY, {"seed": [0, 1]}, s, resume=True)
    assert "no checkpoint of its last epoch (2)" in capsys.readouterr().err and final.read_bytes() == good
    # with no good checkpoint left, one line that says how to start the group again
    for p in final.parent.iterdir():
        p.write_bytes(b"damaged")
    with pytest.raises(CheckpointError, match=r"no checkpoint loads of the 2 .* \(delete .* to train group g00 again"):
        run_tiny(TINY, {"seed": [0, 1]}, s, resume=True)


def test_a_group_checkpoint_renamed_by_hand_beside_an_older_one_is_named_by_the_resume(tmp_path, capsys):
    """As for a run: an unfinished group's newest checkpoint renamed by hand is passed over with a warning line
    naming it and the name that resumes from it, and the group trains on from the one before, to the same result."""
    base, grid = TINY.replace(epochs=3), {"seed": [0, 1]}
    s = tmp_path / "s"
    full = run_tiny(base, grid, s)
    ckpts = s / "groups" / "g00" / "checkpoints"
    (s / "groups" / "g00" / "result.json").unlink()  # stopped as it saved its last epoch
    checkpoint.checkpoint_path(ckpts, 3).rename(ckpts / "last.msgpack")
    capsys.readouterr()
    resumed = run_tiny(base, grid, s, resume=True)
    assert (
        f"nnjax: warning: {ckpts / 'last.msgpack'}: holds epoch 3, but is not named as nnjax names a checkpoint "
        "(renamed by hand?), so it is not resumed from: resuming from epoch_000002.msgpack, epoch 3 is trained again, "
        "and it is left as it is (renamed epoch_000003.msgpack before a resume, it would be resumed from)"
    ) in capsys.readouterr().err.splitlines()
    assert [m["final_test_accuracy"] for m in resumed["members"]] == [m["final_test_accuracy"] for m in full["members"]]


def test_a_group_checkpoint_renamed_to_another_epoch_is_not_its_newest(tmp_path, capsys):
    """A group's checkpoint whose name and contents disagree on the epoch (renamed by hand) counts as
    damaged wherever a sweep resume looks at checkpoints, as it does for eval and a run's resume: a finished
    group whose final file is epoch 2's renamed is trained again (it was taken as finished, and eval then
    refused it), and an unfinished group's renamed file does not make its metrics lines look lost."""
    base, grid = TINY.replace(epochs=3), {"seed": [0, 1]}
    s = tmp_path / "s"
    full = run_tiny(base, grid, s)
    ckpts = s / "groups" / "g00" / "checkpoints"
    final = checkpoint.checkpoint_path(ckpts, 3)
    good = final.read_bytes()
    final.unlink()
    checkpoint.checkpoint_path(ckpts, 2).rename(final)
    capsys.readouterr()
    resumed = run_tiny(base, grid, s, resume=True)  # from epoch 1's checkpoint
    err = capsys.readouterr().err
    assert f"{s / 'groups' / 'g00'} had finished, but {final}: holds epoch 2, but its name says epoch 3" in err
    assert final.read_bytes() == good and final.with_name(final.name + ".damaged").exists()
    assert [m["final_test_accuracy"] for m in resumed["members"]] == [m["final_test_accuracy"] for m in full["members"]]
    # unfinished (stopped before its result.json): epoch 1's file renamed to epoch 4 is skipped, not trusted
    (s / "groups" / "g00" / "result.json").unlink()
    checkpoint.checkpoint_path(ckpts, 1).rename(checkpoint.checkpoint_path(ckpts, 4))
    resumed = run_tiny(base, grid, s, resume=True)
    err = capsys.readouterr().err
    assert f"nnjax: warning: skipping {checkpoint.checkpoint_path(ckpts, 4)}: holds epoch 1, but its name" in err
    assert [m["final_test_accuracy"] for m in resumed["members"]] == [m["final_test_accuracy"] for m in full["members"]]


def test_cli_resume_refuses_a_new_starting_config(tmp_path, capsys):
    s = tmp_path / "s"
    run_tiny(TINY, {"seed": [0]}, s)
    capsys.readouterr()  # the sweep's own line
    before = {p: p.read_bytes() for p in s.rglob("*") if p.is_file()}
    assert cli_main(["sweep", "--resume", str(s), "--config", "wide"]) == 1
    err = capsys.readouterr().err
    assert (
        err.startswith("nnjax: error: --config/--config-file with --resume: a sweep continues") and err.count("\n") == 1
    )
    assert {p: p.read_bytes() for p in s.rglob("*") if p.is_file()} == before


def test_a_second_process_cannot_write_the_same_sweep_folder(tmp_path):
    import fcntl

    s = tmp_path / "s"
    run_tiny(TINY, {"seed": [0, 1]}, s)
    fd = os.open(s, os.O_RDONLY)  # another holder of the folder's lock
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        before = {p: p.read_bytes() for p in s.rglob("*") if p.is_file()}
        with pytest.raises(CheckpointError, match="another nnjax process"):
            run_tiny(TINY, {"seed": [0, 1]}, s, resume=True)
        assert {p: p.read_bytes() for p in s.rglob("*") if p.is_file()} == before
    finally:
        os.close(fd)


def test_resume_refuses_another_placement(tmp_path, monkeypatch):
    """Members split over devices and mini-batches split over devices round differently: a group continued
    on another placement would not end as it would have. (One device here: the group.json of a group
    that trained split over 2 devices stands in for the other placement.)"""
    s = tmp_path / "s"
    run_tiny(TINY, {"seed": [0, 1]}, s)
    gdir = s / "groups" / "g00"
    info = json.loads((gdir / "group.json").read_text())
    here = info["placement"]
    assert set(here) == {"split", "n_devices", "k_run"} and here["k_run"] == 2
    other = {"split": "members", "n_devices": 2, "k_run": 2}
    (gdir / "group.json").write_text(json.dumps({**info, "placement": other}))
    assert run_tiny(TINY, {"seed": [0, 1]}, s, resume=True)["n_members"] == 2  # finished: it never trains again
    (gdir / "result.json").unlink()  # unfinished: it continues from its last checkpoint
    with monkeypatch.context() as m:  # refused before anything of the group is built or compiled
        m.setattr("nnjax.train.init_state", lambda *a, **k: pytest.fail("initialised"))
        m.setattr("nnjax.train.compile_ensemble", lambda *a, **k: pytest.fail("compiled"))
        with pytest.raises(ConfigError, match="trained with its 2 members split over 2 devices, and resuming with one"):
            run_tiny(TINY, {"seed": [0, 1]}, s, resume=True)
    # on one device the split is moot: members or mini-batches, the same program
    moot = {**here, "split": "members" if here["split"] == "batch" else "batch"}
    (gdir / "group.json").write_text(json.dumps({**info, "placement": moot}))
    assert run_tiny(TINY, {"seed": [0, 1]}, s, resume=True)["n_members"] == 2
    # an older group.json without a placement: resumed, and the placement stays unknown rather than guessed
    (gdir / "result.json").unlink()
    (gdir / "group.json").write_text(json.dumps(without(info, "placement")))
    assert run_tiny(TINY, {"seed": [0, 1]}, s, resume=True)["n_members"] == 2
    assert json.loads((gdir / "group.json").read_text())["placement"] is None


def test_resume_refuses_a_group_checkpoint_of_another_data_order(tmp_path):
    s, other = tmp_path / "s", tmp_path / "other"
    run_tiny(TINY, {"seed": [0, 1]}, s)
    run_tiny(TINY.replace(data_seed=1), {"seed": [0, 1]}, other)
    ckpts = s / "groups" / "g00" / "checkpoints"
    for _, p in checkpoint.list_checkpoints(ckpts):
        p.unlink()
    for _, p in checkpoint.list_checkpoints(other / "groups" / "g00" / "checkpoints"):
        (ckpts / p.name).write_bytes(p.read_bytes())
    (s / "groups" / "g00" / "result.json").unlink()  # unfinished: the group resumes from its checkpoint
    with pytest.raises(CheckpointError, match="member 0 was trained with data_seed=1, but the sweep now gives it"):
        run_tiny(TINY, {"seed": [0, 1]}, s, resume=True)


def test_resume_refuses_a_group_folder_that_holds_other_members(tmp_path):
    """A sweep grouped differently (e.g. by an nnjax that split groups by init scheme) is not continued
    from the wrong checkpoint."""
    s = tmp_path / "s"
    grid = {"init": ["lecun", "he"], "seed": [0]}
    summary = run_tiny(TINY, grid, s)
    assert summary["n_groups"] == 1  # the init scheme is data: one program
    gdir = s / "groups" / "g00"
    info = json.loads((gdir / "group.json").read_text())
    assert info["members"] == [0, 1]
    (gdir / "group.json").write_text(json.dumps({**info, "members": [0], "configs": info["configs"][:1]}))
    (gdir / "result.json").unlink()
    with pytest.raises(CheckpointError, match=r"holds members \[0\], but this grid groups members \[0, 1\]"):
        run_tiny(TINY, grid, s, resume=True)

    # g00 right, but a second group folder this grid does not make: refused before g00 trains again
    (gdir / "group.json").write_text(json.dumps(info))
    (s / "groups" / "g01").mkdir()
    (s / "groups" / "g01" / "group.json").write_text(json.dumps({**info, "members": [1]}))
    metrics = (s / "metrics.jsonl").read_text()
    with pytest.raises(CheckpointError) as e:
        run_tiny(TINY, grid, s, resume=True)
    assert str(e.value) == (
        f"{s / 'groups' / 'g01' / 'group.json'}: holds members [1], but this grid makes no group g01 (only g00): the "
        f"sweep was started by another version of nnjax, or the folder was put there by hand (move it out of "
        f"{s / 'groups'} to continue)"
    )
    assert (s / "metrics.jsonl").read_text() == metrics and not (gdir / "result.json").exists()


def test_stray_entries_under_groups_are_left_alone(tmp_path, cli_error, capsys):
    """A notes file, a scratch folder, a backup copy of a group: not nnjax's groups. An empty g99 made
    `eval --member 1` say "g99/group.json: missing or not valid JSON (nnjax sweep --resume writes it again)",
    a file gnotes.txt the same of "gnotes.txt/group.json", and a copy g00.bak stopped the resume as "a sweep
    started by another version of nnjax"."""
    s = tmp_path / "s"
    grid = {"activation": ["relu", "tanh"]}
    run_tiny(TINY.replace(epochs=1), grid, s)
    capsys.readouterr()  # the sweep's own lines
    done = sweep.load_member(s, 0)[1]
    shutil.rmtree(s / "groups" / "g01")  # as a sweep interrupted during its first group leaves it
    groups = s / "groups"
    (groups / "notes.txt").write_text("lr 0.1 looked best\n")
    (groups / "gnotes.txt").write_text("ideas\n")
    (groups / "g99").mkdir()
    (groups / "tmp").mkdir()
    (groups / "tmp" / "scratch.npz").write_bytes(b"x")
    shutil.copytree(groups / "g00", groups / "g00.bak")
    stray = {p: b for p, b in folder_bytes(groups).items() if not p.is_relative_to(groups / "g00")}

    assert_same_params(sweep.load_member(s, 0)[1], done)
    with pytest.raises(CheckpointError, match=r"member 1 is not trained yet \(its group has not started\)$"):
        sweep.load_member(s, 1)
    line = cli_error("eval", s, "--member", "5")
    assert line == f"nnjax: error: {s}: no member 5 in this sweep folder (its members: 0–1, as in members.csv)"
    assert sweep.diverged_epochs(s) == {}

    summary = run_tiny(TINY.replace(epochs=1), grid, s, resume=True)  # trains g01, leaves the rest as it was
    assert summary["n_groups"] == 2 and (groups / "g01" / "result.json").exists()
    assert {p: b for p, b in folder_bytes(groups).items() if p in stray} == stray
    assert sorted(p.name for p in groups.iterdir()) == [
        "g00",
        "g00.bak",
        "g01",
        "g99",
        "gnotes.txt",
        "notes.txt",
        "tmp",
    ]
    assert [p.name for p in sweep.group_dirs(s)] == ["g00", "g01", "g99"]
    sweep.load_member(s, 1)


def test_group_folders_are_those_named_as_nnjax_names_them_in_group_order(tmp_path):
    """g00 … g99, then g100: numbered folders in their number's order (not their names', where g100 comes
    before g99); g1, g000 and a file g05 are no group of nnjax's."""
    groups = tmp_path / "groups"
    for name in ("g100", "g99", "g10", "g09", "g02", "g01", "g00", "g1", "g000"):
        (groups / name).mkdir(parents=True)
    (groups / "g05").write_text("notes\n")
    assert [p.name for p in sweep.group_dirs(tmp_path)] == [sweep.group_id(i) for i in (0, 1, 2, 9, 10, 99, 100)]
    assert sweep.group_dirs(tmp_path / "nothing") == []


def test_dropping_a_groups_metrics_lines_keeps_every_other_byte(tmp_path):
    """What a resume drops of metrics.jsonl (a group's lines past its checkpoint) goes; every other byte stays:
    blank lines, CRLF line ends, a note's bytes that are not UTF-8 (é in Latin-1). A missing file is made, empty."""
    path = tmp_path / "metrics.jsonl"

    def line(member: int, epoch: int, note: bytes = b"") -> bytes:
        return b'{"group":"g00","member":%d,"epoch":%d,"note":"%s"}' % (member, epoch, note)

    path.write_bytes(line(0, 1, b"caf\xe9") + b"\r\n\r\n" + line(0, 2) + b"\r\n" + line(1, 1) + b"\r\n")
    sweep._drop_metrics(path, lambda m: m["epoch"] > 1)
    assert path.read_bytes() == line(0, 1, b"caf\xe9") + b"\r\n\r\n" + line(1, 1) + b"\r\n"
    missing = tmp_path / "new" / "metrics.jsonl"
    missing.parent.mkdir()
    sweep._drop_metrics(missing, lambda m: True)
    assert missing.read_bytes() == b""


def test_a_finished_group_without_its_group_file_and_checkpoints_is_not_called_unstarted(tmp_path):
    """Only its result.json left: the group trained, so "not trained yet (its group has not started)" is untrue."""
    s = tmp_path / "s"
    run_tiny(TINY.replace(epochs=1), {"seed": [0, 1]}, s)
    (s / "groups" / "g00" / "group.json").unlink()
    shutil.rmtree(s / "groups" / "g00" / "checkpoints")
    with pytest.raises(CheckpointError, match=r"g00/group.json: missing or not valid JSON"):
        sweep.load_member(s, 0)


def test_a_file_where_the_resume_makes_a_group_folder_is_named(tmp_path):
    s = tmp_path / "s"
    grid = {"activation": ["relu", "tanh"]}
    run_tiny(TINY.replace(epochs=1), grid, s)
    shutil.rmtree(s / "groups" / "g01")
    (s / "groups" / "g01").write_text("not a folder")
    with pytest.raises(CheckpointError) as e:
        run_tiny(TINY.replace(epochs=1), grid, s, resume=True)
    assert str(e.value) == f"{s / 'groups' / 'g01'}: is a file, not the sweep's g01 folder; move it elsewhere"


def folder_bytes(folder: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def refused_before_training(monkeypatch, s: Path, grid: dict, error, match: str) -> None:
    """A resume of ``s`` with ``grid`` fails with ``error`` before anything compiles or is written."""
    before = folder_bytes(s)
    with monkeypatch.context() as m:
        m.setattr("nnjax.train.compile_ensemble", lambda *a, **k: pytest.fail("compiled before the refusal"))
        with pytest.raises(error, match=match):
            run_tiny(TINY, grid, s, resume=True)
    assert folder_bytes(s) == before


@pytest.mark.parametrize("finished", [True, False])
def test_resume_refuses_to_label_members_with_values_they_did_not_train_with(tmp_path, monkeypatch, finished):
    """The grid's field order numbers the members, and sweep.json states their values: a resume with
    the fields in another order, or after sweep.json was edited, would put one member's results under
    another's label (or train an epoch with one learning rate and report another)."""
    s = tmp_path / "s"
    grid = {"seed": [0, 1], "lr": [0.01, 0.1]}
    run_tiny(TINY, grid, s)
    if not finished:
        (s / "groups" / "g00" / "result.json").unlink()
    refused_before_training(monkeypatch, s, {"lr": [0.01, 0.1], "seed": [0, 1]}, ConfigError, "another order")
    spec = json.loads((s / "sweep.json").read_text())
    spec["grid"]["lr"] = [0.01, 0.3]
    (s / "sweep.json").write_text(json.dumps(spec))
    edited = {"seed": [0, 1], "lr": [0.01, 0.3]}
    match = "g00: member 1 was trained with lr=0.1, but the sweep now gives it lr=0.3"
    refused_before_training(monkeypatch, s, edited, CheckpointError, match)


def lines_of(s: Path) -> list[dict]:
    return [json.loads(line) for line in (s / "metrics.jsonl").read_text().splitlines()]


def write_lines(s: Path, lines: list[dict]) -> None:
    (s / "metrics.jsonl").write_text("".join(json.dumps(m) + "\n" for m in lines))


def test_resume_refuses_lost_repeated_or_edited_metrics_lines(tmp_path, monkeypatch):
    """members.csv and summary.md are rebuilt from metrics.jsonl (best epochs, times): a resume that
    finds lines missing, repeated or without their numbers refuses in one line, as a single run does,
    instead of reporting a best epoch or training time the members never had."""
    s = tmp_path / "s"
    grid = {"seed": [0, 1]}
    full = run_tiny(TINY, grid, s)
    good = lines_of(s)
    assert [(m["member"], m["epoch"]) for m in good] == [(0, 1), (1, 1), (0, 2), (1, 2)]
    # a finished group needs every member's every epoch
    # the error names the first line out of place, what it holds and what was expected there
    write_lines(s, good[1:])
    match = (
        r"metrics.jsonl: line 2 is member 0's epoch 2, expected its epoch 1; group g00 finished epoch 2, so "
        r"member 0's lines up to it must be its epochs 1 to 2 in order \(lines missing or repeated"
    )
    refused_before_training(monkeypatch, s, grid, CheckpointError, match)
    (s / "metrics.jsonl").unlink()
    refused_before_training(monkeypatch, s, grid, CheckpointError, r"jsonl: not found, though group g00 trained")
    write_lines(s, good + good[3:])
    match = r"jsonl: line 5 repeats member 1's epoch 2; group g00 finished epoch 2"
    refused_before_training(monkeypatch, s, grid, CheckpointError, match)
    write_lines(s, good[:3])  # member 1's epoch-2 line lost at the end
    match = r"jsonl: no line for member 1's epoch 2 \(its last before it, line 2, is epoch 1\); group g00 finished"
    refused_before_training(monkeypatch, s, grid, CheckpointError, match)
    # numbered as the file's lines (blank ones too), not as the member's or the JSON lines' count
    (s / "metrics.jsonl").write_text("\n" + "".join(json.dumps(m) + "\n\n" for m in [good[0], *good]))
    match = r"jsonl: line 4 repeats member 0's epoch 1"
    refused_before_training(monkeypatch, s, grid, CheckpointError, match)
    write_lines(s, [*good[:2], {**good[2], "test_accuracy": "0.5"}, good[3]])
    match = r"line 3: 'test_accuracy' missing or not float or int or null \('0.5'\)"
    refused_before_training(monkeypatch, s, grid, CheckpointError, match)
    write_lines(s, [*good[:2], without(good[2], "epoch_s"), good[3]])
    (s / "metrics.jsonl").write_text("\n" + (s / "metrics.jsonl").read_text())  # numbered as the file's lines
    match = r"line 4: 'epoch_s' missing or not float or int \(missing\)"
    refused_before_training(monkeypatch, s, grid, CheckpointError, match)
    # an unfinished group needs the lines up to its newest checkpoint; later ones are trained again
    gdir = s / "groups" / "g00"
    (gdir / "result.json").unlink()
    (gdir / "checkpoints" / "epoch_000002.msgpack").unlink()
    write_lines(s, [good[1], good[2]])  # member 0 lost epoch 1 (its epoch-2 line is past the checkpoint)
    match = r"no line for member 0's epoch 1; g00's checkpoint is after epoch 1, so member 0's lines up to it"
    refused_before_training(monkeypatch, s, grid, CheckpointError, match)
    write_lines(s, good[:3])  # lines past the checkpoint, for some members only: a kill between them
    resumed = run_tiny(TINY, grid, s, resume=True)
    assert [m["final_test_accuracy"] for m in resumed["members"]] == [m["final_test_accuracy"] for m in full["members"]]
    assert [(m["member"], m["epoch"]) for m in lines_of(s)] == [(0, 1), (1, 1), (0, 2), (1, 2)]
    # checkpoints of epochs 1 and 2 but no result: the lines up to the NEWEST checkpoint are needed
    (gdir / "result.json").unlink()
    write_lines(s, good[:3])
    match = r"no line for member 1's epoch 2 \(its last .*, is epoch 1\); g00's checkpoint is after epoch 2"
    refused_before_training(monkeypatch, s, grid, CheckpointError, match)


def test_a_sweep_whose_metrics_file_is_missing_is_one_line_naming_it(tmp_path, cli_error, capsys):
    """nnjax summary and sweep --resume of a sweep whose metrics.jsonl was moved away name the file as missing (not
    as a member's line lost); before any group started it is no error: the resume trains and writes it."""
    s = tmp_path / "s"
    run_tiny(TINY, {"seed": [0, 1]}, s)
    (s / "metrics.jsonl").rename(tmp_path / "metrics.jsonl")
    capsys.readouterr()
    for argv in (["summary", s], ["sweep", "--resume", s, "--no-progress"]):
        assert cli_error(*argv) == (
            f"nnjax: error: {s / 'metrics.jsonl'}: not found, though group g00 trained and wrote its lines there "
            "(moved or deleted? every member's epochs are read from it: put it back, or start a new sweep)"
        )
    shutil.rmtree(s / "groups")  # as a sweep killed before its first group
    assert len(run_tiny(TINY, {"seed": [0, 1]}, s, resume=True)["members"]) == 2
    assert (s / "metrics.jsonl").exists()


def test_a_later_group_that_cannot_start_is_refused_before_the_first_trains(tmp_path, monkeypatch):
    """Every group's mini-batch size, and on resume every group's checkpoints, are checked before any
    group trains: else a sweep fails hours in, and one whose grid cannot change could never finish."""
    grid = {"batch_size": [32, N_TRAIN + 1]}
    with pytest.raises(ConfigError, match=rf"sweep member batch_size={N_TRAIN + 1}: .* larger than the {N_TRAIN}"):
        run_tiny(TINY, grid, tmp_path / "big")
    assert not (tmp_path / "big" / "groups").exists()

    s, grid = tmp_path / "s", {"activation": ["sigmoid", "relu"]}
    run_tiny(TINY, grid, s)
    (s / "groups" / "g00" / "result.json").unlink()  # g00 would train on first
    for p in (s / "groups" / "g01" / "checkpoints").iterdir():
        p.write_bytes(b"damaged")
    refused_before_training(monkeypatch, s, grid, CheckpointError, r"no checkpoint loads of the 2 .*g01/checkpoints")


def test_a_damaged_group_result_is_finished_again(tmp_path, capsys, monkeypatch):
    """A group result.json without the numbers the summary reads is finished again from the group's final
    checkpoint (no training), as an unreadable one is: never a KeyError. With no epoch left, no epoch program is
    compiled (nor loaded from JAX's cache): its result.json, --no-progress line and the sweep's compilation total
    say so, not "compiled in 0.00 s"."""
    import jax

    from nnjax.sweep_summary import summary_timing

    s = tmp_path / "s"
    full = run_tiny(TINY, {"seed": [0, 1]}, s)
    path = s / "groups" / "g00" / "result.json"
    good = json.loads(path.read_text())
    assert good["compile_skipped"] is False and good["compile_s"] > 0
    # the epoch program is the one nnjax compiles ahead of time (``train.compile_epoch``): compiled or loaded
    monkeypatch.setattr(jax.stages.Lowered, "compile", lambda *a, **k: pytest.fail("an epoch program compiled"))
    skipped = "; 1 of 1 group: no epoch program compiled, nothing left to train)"
    for damaged in (
        {"group": "g00", "members": [0, 1], "k": 2},
        {**good, "test_accuracy": [0.5]},
        {**good, "diverged_epoch": ["2", None]},
        {**good, "diverged_epoch": [True, None]},
        {**good, "test_accuracy": ["0.5", 0.5]},
        {**good, "test_loss": [[1.0], 0.5]},
        {**good, "members": [1, 0]},  # another group's result (a sweep grouped otherwise)
        {**good, "eval_split": "validation"},  # the summary's name of the split, not the metrics lines'
        {**good, "diverged_epoch": [0, None]},  # epochs count from 1: 0 is no epoch
        without(good, "train_s"),
        {**good, "compile_s": None},
        {**good, "epoch_s_median": "0.1"},  # the table divides it by the group's members
        {**good, "inert": [[0]]},  # one member's inert neurons for two members
        {**good, "inert": [[-1], None]},
        {**good, "inert": [8, 8]},  # a count per hidden layer: a list, even of one layer
        {**good, "compile_skipped": "false"},  # the compilation total counts the groups that say true
        {**good, "compile_cached": 1},
    ):
        path.write_text(json.dumps(damaged))
        capsys.readouterr()
        again = run_tiny(TINY, {"seed": [0, 1]}, s, resume=True)
        assert again["members"] == full["members"]
        finished = json.loads(path.read_text())
        compiles = ("compile_s", "compile_cached", "compile_skipped")
        assert without(finished, *compiles) == without(good, *compiles)
        assert (finished["compile_s"], finished["compile_cached"], finished["compile_skipped"]) == (0.0, False, True)
        err = capsys.readouterr().err
        # a group finished again is a resume that did something: the summary is this session's
        assert "nothing to resume" not in err
        # it trained no epoch now: its training time is the earlier session's
        said = f"finished from its epoch 2 checkpoint, trained in {good['train_s']:.1f} s before this --resume"
        assert f"{said} (epoch program not compiled: nothing left to train)\n" in err
        assert "for this --resume" in (s / "summary.md").read_text()
        # the compilation total (nnjax sweep's last line, summary.md, nnjax summary): 0, and why
        assert summary_timing(again).endswith(f"compilation 0.0 s at each group's last start{skipped}")
        assert f"{skipped} on cpu" in (s / "summary.md").read_text()
        assert summary_timing(sweep.summarize(s)).endswith(skipped)


def test_resume_of_a_finished_sweep_keeps_its_summary(tmp_path, capsys):
    """Resuming a sweep whose groups all finished writes nothing (its summary.md keeps the wall time of the
    session that trained it, not the no-op resume's), as for runs; a summary file lost is written again."""
    s = tmp_path / "s"
    full = run_tiny(TINY, {"activation": ["sigmoid", "relu"]}, s)
    before = folder_bytes(s)
    capsys.readouterr()
    again = run_tiny(TINY, {"activation": ["sigmoid", "relu"]}, s, resume=True)
    assert capsys.readouterr().err == f"nnjax: {s} already trained every group; nothing to resume\n"
    assert folder_bytes(s) == before
    assert again["members"] == full["members"] and again["table"] == full["table"]
    (s / "summary.md").unlink()
    run_tiny(TINY, {"activation": ["sigmoid", "relu"]}, s, resume=True)
    assert "for this --resume" in (s / "summary.md").read_text()


def test_resume_refuses_a_base_field_that_only_some_members_use(tmp_path):
    """The base (schedule cosine) ignores warmup_epochs, but the warmup_cosine member of the grid uses it."""
    grid = {"schedule": ["cosine", "warmup_cosine"]}
    spec = {"sweep_format": sweep.SWEEP_FORMAT, "base": TINY.to_dict(), "grid": grid}
    (tmp_path / "sweep.json").write_text(json.dumps(spec))

    def check(base):
        sweep._check_resume_spec(tmp_path, base, grid, sweep_grid.expand(base, grid, new=False))

    check(TINY)  # unchanged: accepted
    check(TINY.replace(keep_checkpoints=9))  # changes no result
    check(TINY.replace(scan_unroll=1))  # what 0 (auto) compiles
    with pytest.raises(ConfigError, match=r"scan_unroll=2 but the sweep used scan_unroll=0"):
        check(TINY.replace(scan_unroll=2))
    with pytest.raises(ConfigError, match=r"warmup_epochs=1 but the sweep used warmup_epochs=0 \(member schedule=warm"):
        check(TINY.replace(warmup_epochs=1))


def test_an_edited_sweep_json_is_named_in_its_errors(tmp_path):
    s = tmp_path / "s"
    run_tiny(TINY, {"seed": [0, 1]}, s)
    spec = json.loads((s / "sweep.json").read_text())
    for key, value, needle in (
        ("grid", {"seed": "x"}, "grid field 'seed': expected a non-empty list"),
        ("grid", {"hidden": [[8], [8]]}, "grid field 'hidden': value 8 is given twice"),
        ("base", {**spec["base"], "batch_size": 0}, "config field 'batch_size' = 0: must be positive"),
    ):
        (s / "sweep.json").write_text(json.dumps({**spec, key: value}))
        with pytest.raises(ConfigError) as e:
            sweep.load_sweep_spec(s)
        assert str(e.value).startswith(f"{s / 'sweep.json'}: ") and needle in str(e.value), e.value


def test_a_sweep_folder_filled_while_waiting_for_the_lock_is_not_overwritten(tmp_path, monkeypatch):
    s = tmp_path / "s"
    real_locked = checkpoint.locked

    def locked_after_another_process_wrote(folder):
        (Path(folder) / "sweep.json").write_text("another process's sweep")
        return real_locked(folder)

    monkeypatch.setattr(checkpoint, "locked", locked_after_another_process_wrote)
    with pytest.raises(ConfigError, match="sweep folder already exists"):
        run_tiny(TINY, {"seed": [0]}, s)
    assert [p.name for p in s.iterdir()] == ["sweep.json"]
    assert (s / "sweep.json").read_text() == "another process's sweep"


def test_eval_export_and_predict_take_a_sweep_member(tmp_path, capsys):
    from nnjax import images
    from nnjax.run import eval_run, export_run

    s = tmp_path / "s"
    summary = run_tiny(TINY, {"activation": ["relu", "tanh"], "seed": [0, 1]}, s)
    for member in (1, 3):
        r = eval_run(s, splits=SPLITS, member=member)
        assert r["test_accuracy"] == summary["members"][member]["final_test_accuracy"]
        assert (r["sweep_dir"], r["member"], r["epoch"]) == (str(s), member, TINY.epochs)
        export_run(s, tmp_path / f"m{member}.npz", member=member)
        cfg, params_K, _ = sweep.load_member(s, member)
        with np.load(tmp_path / f"m{member}.npz", allow_pickle=False) as z:
            assert str(z["activation"]) == cfg.activation
            np.testing.assert_array_equal(z["layer0_W"], np.asarray(params_K[0]["W"][0]))
    digit = tmp_path / "digit.png"
    from PIL import Image

    one = np.full((28, 28), 255, np.uint8)
    one[4:24, 12:16] = 0  # a dark "1" on white paper
    Image.fromarray(one).save(digit)
    (p1,) = images.predict_files(s, [str(digit)], member=1)
    (p3,) = images.predict_files(s, [str(digit)], member=3)
    assert p1.probabilities_10 != p3.probabilities_10  # two members, two networks
    with pytest.raises(CheckpointError, match="is not a sweep folder"):
        eval_run(tmp_path, splits=SPLITS, member=0)
    assert cli_main(["eval", str(s)]) == 1  # a sweep folder without --member: says how
    assert "--member N" in capsys.readouterr().err


def test_predict_of_a_sweep_member_says_which_member_answered(tmp_path, cli):
    """``nnjax predict SWEEP --member ..`` printed the answers with no member number (eval's line has it): a line
    naming the member first, also where it is named by its values, and ``member`` in each --json object (a failed
    file's too); and, as eval's line, the epoch whose parameters answered (``--epoch`` or the newest), in the line
    and as ``epoch`` in each --json object. A run folder's output is as it was."""
    from PIL import Image

    from nnjax import images

    s = tmp_path / "s"
    run_tiny(TINY, {"activation": ["relu", "tanh"], "seed": [0, 1]}, s)
    digit, blank = tmp_path / "digit.png", tmp_path / "blank.png"
    one = np.full((28, 28), 255, np.uint8)
    one[4:24, 12:16] = 0  # a dark "1" on white paper
    Image.fromarray(one).save(digit)
    Image.fromarray(np.full((28, 28), 255, np.uint8)).save(blank)  # no ink: an error line
    (p3,) = images.predict_files(s, [str(digit)], member=3)
    for member in ("3", "activation=tanh,seed=1"):
        rc, out, _ = cli("predict", s, digit, "--member", member)
        assert rc == 0 and out == f"{s} member 3 (epoch 2 parameters):\n{p3.line()}\n", member
        rc, out, _ = cli("predict", s, digit, blank, "--member", member, "--json")
        got = [json.loads(line) for line in out.splitlines()]
        assert rc == 1 and got[0] == {**p3.to_json(), "member": 3, "epoch": 2, "diverged_epoch": None}
        assert got[1]["member"] == 3
        assert got[1]["file"] == str(blank) and "error" in got[1] and got[1]["epoch"] == 2
    for epoch, start in (("1", ""), ("0", ", as initialised: untrained")):  # the epoch that answered, not the newest
        (p,) = images.predict_files(s, [str(digit)], member=3, epoch=int(epoch))
        rc, out, _ = cli("predict", s, digit, "--member", "3", "--epoch", epoch)
        assert rc == 0 and out == f"{s} member 3 (epoch {epoch} parameters{start}):\n{p.line()}\n"
        rc, out, _ = cli("predict", s, digit, "--member", "3", "--epoch", epoch, "--json")
        assert json.loads(out) == {**p.to_json(), "member": 3, "epoch": int(epoch), "diverged_epoch": None}
    run = tmp_path / "run"
    train_and_evaluate(TINY.replace(epochs=1), run, progress=False, splits=SPLITS)
    (alone,) = images.predict_files(run, [str(digit)])
    assert cli("predict", run, digit)[1] == f"{alone.line()}\n"
    assert json.loads(cli("predict", run, digit, "--json")[1]) == alone.to_json()


def test_predict_of_a_diverged_member_says_so_in_its_first_line_as_eval_does(tmp_path, monkeypatch, cli):
    """``nnjax predict SWEEP --member N`` of a member that diverged (and trained on inside its ensemble) named it
    as if its answers were its config's, while eval's line says ", which diverged at epoch E: not a result of its
    config": predict's first line says it the same way, and --json has ``diverged_epoch`` (None where it had not
    diverged by the epoch whose parameters answered)."""
    from PIL import Image

    import nnjax.run
    from nnjax import images

    monkeypatch.setattr(nnjax.run, "load_splits", lambda *a, **k: SPLITS)  # eval's test images
    s = tmp_path / "s"
    summary = run_tiny(TINY.replace(schedule="constant"), {"lr": [0.01, 1000.0]}, s)
    gone = [r["diverged_epoch"] for r in summary["members"]]
    assert gone[0] is None and gone[1] is not None, "the recipe no longer diverges: pick a harsher one"
    digit = tmp_path / "digit.png"
    one = np.full((28, 28), 255, np.uint8)
    one[4:24, 12:16] = 0  # a dark "1" on white paper
    Image.fromarray(one).save(digit)
    said = f", which diverged at epoch {gone[1]}: not a result of its config"
    for member in ("1", "lr=1000"):
        rc, out, err = cli("predict", s, digit, "--member", member)
        assert rc == 0 and out.splitlines()[0] == f"{s} member 1{said} (epoch 2 parameters):", out
        assert said in cli("eval", s, "--member", member)[1]  # the same words
        rc, out, _ = cli("predict", s, digit, "--member", member, "--json")
        assert rc == 0 and json.loads(out)["diverged_epoch"] == gone[1]
    (p0,) = images.predict_files(s, [str(digit)], member=0)
    rc, out, _ = cli("predict", s, digit, "--member", "0")
    assert rc == 0 and out == f"{s} member 0 (epoch 2 parameters):\n{p0.line()}\n"
    rc, out, _ = cli("predict", s, digit, "--member", "1", "--epoch", "0")  # from before it diverged
    assert rc == 0 and out.splitlines()[0] == f"{s} member 1 (epoch 0 parameters, as initialised: untrained):"
    rc, out, _ = cli("predict", s, digit, "--member", "1", "--epoch", "0", "--json")
    assert json.loads(out)["diverged_epoch"] is None


# standardize (a bool), a linked item (batch_size with lr) and the seed: 8 members in 2 groups (one per batch size)
NAMED_GRID = {"standardize": [False, True], "batch_size,lr": [(16, 0.01), (32, 0.1)], "seed": [0, 1]}


def test_a_member_named_by_its_grid_values_is_that_members_network(tmp_path):
    """A researcher had to look members up in members.csv to use one; ``member="standardize=true,lr=0.1,seed=1"``
    names it by its values (parsed as --grid parses them; a linked item by either field or both), everywhere a
    member is used, and gives the same network as its number, which the results name."""
    from nnjax import images
    from nnjax.compare import compare_networks
    from nnjax.run import eval_run, export_run
    from nnjax.viz import render_run

    s = tmp_path / "s"
    summary = run_tiny(TINY, NAMED_GRID, s)
    n = 7  # standardize true, batch_size=32 with lr=0.1, seed=1: the last of the product
    assert summary["members"][n]["name"] == "standardize=true,batch_size=32,lr=0.1,seed=1"  # as --member takes it
    for sel in (
        "standardize=true,lr=0.1,seed=1",
        "standardize=True,batch_size=32,seed=1",
        "seed=1,batch-size=32,lr=0.1,standardize=yes",  # any order, a flag's spelling, any bool text
        "standardize=1,batch_size=32,lr=1e-1,seed=1,epochs=2",  # a field every member shares
    ):
        assert sweep.resolve_member(s, sel) == n, sel
    assert sweep.resolve_member(s, "standardize=false,lr=0.01,seed=0") == 0
    assert sweep.resolve_member(s, 3) == 3 and sweep.resolve_member(s, None) is None  # numbers as given
    sel = "standardize=true,lr=0.1,seed=1"
    cfg, params_K, epoch = sweep.load_member(s, sel)
    cfg_n, params_n, epoch_n = sweep.load_member(s, n)
    assert (cfg, epoch) == (cfg_n, epoch_n)
    jax.tree_util.tree_map(np.testing.assert_array_equal, params_K, params_n)
    assert sweep.load_member(s, sel, epoch=1)[0] == cfg_n
    r = eval_run(s, splits=SPLITS, member=sel)
    assert r == eval_run(s, splits=SPLITS, member=n) and r["member"] == n
    assert r["test_accuracy"] == summary["members"][n]["final_test_accuracy"]
    c = compare_networks(s, s, member_a=sel, member_b=n, splits=SPLITS)
    assert (c["a"]["member"], c["b"]["member"], c["only_a_right"], c["only_b_right"]) == (n, n, 0, 0)
    export_run(s, tmp_path / "sel.npz", member=sel)
    export_run(s, tmp_path / "n.npz", member=n)
    with np.load(tmp_path / "sel.npz") as a, np.load(tmp_path / "n.npz") as b:
        assert a.files == b.files and all(np.array_equal(a[k], b[k]) for k in a.files)
    digit = tmp_path / "digit.png"
    from PIL import Image

    Image.fromarray(np.random.default_rng(0).integers(0, 256, (28, 28), dtype=np.uint8)).save(digit)
    assert images.predict_files(s, [str(digit)], sel) == images.predict_files(s, [str(digit)], n)
    written = render_run(s, member=sel, splits=SPLITS, max_neurons=4)
    assert {p.parent for p in written} == {s / "figures" / f"member-{n}"}  # its number names its figures


def test_a_sweep_folder_an_older_nnjax_named_with_python_bools_resumes_summarises_merges_and_selects(
    tmp_path, monkeypatch, cli, capsys
):
    """A bool grid value names a member as the flags take it, standardize=true, as the table and members.csv's
    columns write it; an nnjax before 2026-12-07 wrote Python's standardize=True into its group.json and members.csv.
    Such a folder, interrupted in its second group, resumes (its finished group not trained again), is summarised
    alone and with a new folder (nnjax summary A B, its kept baseline taken, or another given), and answers --member
    in either spelling."""
    grid = {"standardize": [False, True], "seed": [0]}
    old, new = tmp_path / "old", tmp_path / "new"
    _interrupted(TINY, grid, old, monkeypatch, 2, "g01", baseline={"standardize": False})
    for path in old.glob("groups/g*/group.json"):  # each member's name as the older nnjax wrote it
        info = json.loads(path.read_text())
        for c in info["configs"]:
            c["name"] = f"standardize={c['standardize']},seed=0"
        path.write_text(json.dumps(info))
    finished = (old / "groups/g00/result.json").stat().st_mtime_ns
    resumed = run_tiny(TINY, grid, old, resume=True)
    assert (old / "groups/g00/result.json").stat().st_mtime_ns == finished  # not trained again
    names = ["standardize=false,seed=0", "standardize=true,seed=0"]
    assert [m["name"] for m in resumed["members"]] == names
    with open(old / "members.csv") as f:
        assert [(r["name"], r["standardize"]) for r in csv.DictReader(f)] == [(n, n[12:-7]) for n in names]
    assert [(r["standardize"], r["baseline"]) for r in resumed["rows"]] == [(False, True), (True, False)]
    assert [m["name"] for m in sweep.summarize(old)["members"]] == names

    run_tiny(TINY, {"standardize": [False, True], "seed": [1]}, new)
    both = sweep.summarize([old, new])
    assert [m["name"] for m in both["members"]] == [*names, *(n.replace("seed=0", "seed=1") for n in names)]
    assert [(r["members"], r["baseline"]) for r in both["rows"]] == [([0, 2], True), ([1, 3], False)]
    capsys.readouterr()
    rc, out, err = cli("summary", old, new, "--baseline", "standardize=true")
    rows = [line.split(" | ") for line in out.splitlines() if line.startswith(("| false |", "| true |"))]
    assert rc == 0 and err == ""
    assert [(r[0], r[3] == "baseline") for r in rows] == [("| false", False), ("| true", True)]
    assert "baseline row (standardize=true)" in " ".join(out.split())
    for sel in ("standardize=true", "standardize=True"):
        assert sweep.resolve_member(old, sel) == 1
    cfg, _, epoch = sweep.load_member(old, "standardize=True,seed=0")
    assert (cfg.standardize, epoch) == (True, 2)


def test_a_member_selection_that_names_no_one_member_is_one_line(tmp_path, capsys):
    """No member, several, a field that is not a config field, a value its field cannot take, an item that is
    not FIELD=VALUE: one line naming the selection and what the folder has, before anything is written."""
    from nnjax import images
    from nnjax.compare import compare_networks
    from nnjax.run import eval_run, export_run
    from nnjax.viz import render_run

    s = tmp_path / "s"
    run_tiny(TINY, NAMED_GRID, s)
    capsys.readouterr()  # the sweep's progress lines
    for sel, why in (
        (
            "standardize=true,lr=0.03",
            "no member matches standardize=true,lr=0.03: its members have standardize false, true; lr 0.01, 0.1",
        ),
        (
            "lr=0.01,batch_size=32",
            "no member matches lr=0.01,batch_size=32: its members have lr 0.01, 0.1; "
            "batch_size 16, 32 (each value is some member's, but no member has them all)",
        ),
        (
            "standardize=true,seed=1",
            "2 members match standardize=true,seed=1 (members 5, 7): add batch_size= (16, 32) or lr= (0.01, 0.1)",
        ),
        (
            "standardize=true,batch_size=32",
            "2 members match standardize=true,batch_size=32 (members 6, 7): add seed= (0, 1)",
        ),
        ("lr=0.1", "4 members match lr=0.1 (members 2, 3, 6, 7): add standardize= (false, true), seed= (0, 1)"),
        (
            "activation=sigmoid",
            "8 members match activation=sigmoid (members 0, 1, 2, 3, 4, 5, 6, 7): add standardize= "
            "(false, true), batch_size= (16, 32) or lr= (0.01, 0.1), seed= (0, 1)",
        ),  # not in the grid: every member's
        ("width=16", "member width=16: 'width' is not a config field (the grid's: standardize, batch_size, lr, seed)"),
        ("seed=one", "member seed=one: config field 'seed': "),
        ("seed=1,relu", "member seed=1,relu: 'relu' is not FIELD=VALUE (e.g. activation=relu,seed=1 or hidden="),
        ("seed=1,seed=0", "member seed=1,seed=0: 'seed' is given twice"),
        ("hidden=16,16", "no member matches hidden=16,16: its members have hidden 8"),  # a list's commas: one value
        ("hidden=8,relu", "member hidden=8,relu: 'relu' is not FIELD=VALUE"),
    ):
        with pytest.raises(ConfigError, match="^" + re.escape(f"{s}: {why}")):
            sweep.resolve_member(s, sel)
        for use, kw in (
            (sweep.load_member, {"sweep_dir": s, "member": sel}),
            (eval_run, {"run_dir": s, "splits": SPLITS, "member": sel}),
            (export_run, {"run_dir": s, "out_file": tmp_path / "m.npz", "member": sel}),
            (render_run, {"run_dir": s, "member": sel, "splits": SPLITS}),
            (images.predict_files, {"run_dir": s, "files": [str(tmp_path / "none.png")], "member": sel}),
            (compare_networks, {"a": s, "b": s, "member_a": 0, "member_b": sel, "splits": SPLITS}),
        ):
            with pytest.raises(ConfigError, match="^" + re.escape(f"{s}: {why}")):
                use(**kw)
        assert cli_main(["eval", str(s), "--member", sel]) == 1
        err = capsys.readouterr().err
        assert err.startswith(f"nnjax: error: {s}: {why}") and err.count("\n") == 1, err
    assert not (tmp_path / "m.npz").exists() and not (s / "figures").exists()
    run = tmp_path / "run"
    run.mkdir()
    with pytest.raises(CheckpointError, match=rf"^--member seed=1: {re.escape(str(run))} is not a sweep folder"):
        eval_run(run, splits=SPLITS, member="seed=1")


def test_a_member_and_a_baseline_are_named_by_their_hidden_sizes_with_commas_too(tmp_path):
    """``--member hidden=32,32`` was refused ('32' is not FIELD=VALUE): a list's sizes may be parted by commas, as
    the --hidden flag takes them, beside the grid's 32x32, before or after other fields; --baseline reads it so too."""
    grid = {"hidden": [(4, 4), (4,)], "seed": [0, 1]}
    s = tmp_path / "s"
    run_tiny(TINY, grid, s)
    for sel in ("hidden=4,4,seed=1", "seed=1,hidden=4,4", "hidden=4x4,seed=1", "seed=1,hidden=4x4"):
        assert sweep.resolve_member(s, sel) == 1, sel
    assert sweep.resolve_member(s, "hidden=4,seed=1") == 3
    with pytest.raises(ConfigError, match=re.escape("2 members match hidden=4,4 (members 0, 1): add seed= (0, 1)")):
        sweep.resolve_member(s, "hidden=4,4")
    assert sweep_grid.baseline_flag("hidden=4,4", grid, ("seed",)) == {"hidden": (4, 4)}


def test_a_selection_with_a_negative_or_second_number_names_the_field_and_its_value(tmp_path, capsys, cli_error):
    """``--member hidden=4,-4`` (or ``seed=1,-1``) said '-4' is not FIELD=VALUE: the number is its field's, so the
    line names the field, the value and what the field takes (a layer size positive, a seed in [0, 2**32), one
    seed a member), as ``--hidden`` and ``--seed`` say it; ``--baseline`` reads a selection so too."""
    grid = {"hidden": [(4, 4), (4,)], "seed": [0, 1]}
    s = tmp_path / "s"
    run_tiny(TINY, grid, s)
    capsys.readouterr()  # the sweep's progress lines
    for sel, why in (
        ("hidden=4,-4", "config field 'hidden' = (4, -4): layer sizes must be positive"),
        ("seed=1,hidden=-4", "config field 'hidden' = (-4,): layer sizes must be positive"),
        ("hidden=4,4,seed=-1", "config field 'seed' = -1: must be in [0, 2**32)"),
        ("seed=1,-1", "config field 'seed': cannot parse '1,-1' as an integer"),
        ("hidden=4,seed=1,2", "config field 'seed': cannot parse '1,2' as an integer"),
    ):
        with pytest.raises(ConfigError, match="^" + re.escape(f"{s}: member {sel}: {why}") + "$"):
            sweep.resolve_member(s, sel)
        assert (
            cli_error("predict", s, tmp_path / "none.png", "--member", sel) == f"nnjax: error: {s}: member {sel}: {why}"
        )
        with pytest.raises(ConfigError, match="^" + re.escape(f"--baseline {sel}: {why}") + "$"):
            sweep_grid.baseline_flag(sel, grid, ("seed",))
    assert sweep.resolve_member(s, "hidden=4,seed=1") == 3  # a number's own item, as before


def test_a_selection_with_a_character_outside_ascii_names_it_as_the_number_readers_do(tmp_path, capsys, cli_error):
    """``--member hidden=4,²`` (or ``seed=1,²``) said '²' is not FIELD=VALUE: a superscript ² (U+00B2), unlike a
    full-width ４, is no number to Python, so it was an item of its own. Such a part is its field's value, refused
    with the field, the value and the character, as ``--seed ４`` is (``config.non_ascii_note``); an item without '='
    that holds such a character (one before the first field's) names the character too. ``--baseline`` reads so too."""
    grid = {"hidden": [(4, 4), (4,)], "seed": [0, 1]}
    s = tmp_path / "s"
    run_tiny(TINY, grid, s)
    capsys.readouterr()  # the sweep's progress lines
    sizes = "layer sizes like 16,16 or 16x16 (in a grid: 16x16), or none"
    for sel, why in (
        ("hidden=4,²", f"config field 'hidden': cannot parse '4,²' as {sizes}; '²' is U+00B2"),
        ("seed=1,²", "config field 'seed': cannot parse '1,²' as an integer; '²' is U+00B2"),
        ("hidden=4,−4", f"config field 'hidden': cannot parse '4,−4' as {sizes}; '−' is U+2212"),
        ("²,seed=1", "'²' is not FIELD=VALUE (e.g. activation=relu,seed=1 or hidden=16x16); '²' is U+00B2"),
    ):
        line = f"{why}, not ASCII (numbers are written in 0-9)"
        with pytest.raises(ConfigError, match="^" + re.escape(f"{s}: member {sel}: {line}") + "$"):
            sweep.resolve_member(s, sel)
        assert cli_error("eval", s, "--member", sel) == f"nnjax: error: {s}: member {sel}: {line}"
        line = line.replace("activation=relu,seed=1 or hidden=16x16", "activation=sigmoid,lr=0.03")
        with pytest.raises(ConfigError, match="^" + re.escape(f"--baseline {sel}: {line}") + "$"):
            sweep_grid.baseline_flag(sel, grid, ("seed",))
    assert sweep.resolve_member(s, "hidden=4,4,seed=1") == 1  # an ASCII list, as before


def test_load_member_of_a_damaged_group_file_is_one_line(tmp_path):
    s = tmp_path / "s"
    run_tiny(TINY, {"seed": [0, 1]}, s)
    info = json.loads((s / "groups" / "g00" / "group.json").read_text())
    for text in ("[1, 2]", '{"members": [0, 1]}', '{"members": 0, "configs": []}'):
        (s / "groups" / "g00" / "group.json").write_text(text)
        with pytest.raises(CheckpointError, match="not an nnjax group file"):
            sweep.load_member(s, 1)
    info["configs"][1] = without(info["configs"][1], "activation")  # not silently drawn as sigmoid
    (s / "groups" / "g00" / "group.json").write_text(json.dumps(info))
    with pytest.raises(ConfigError, match="config field 'activation' missing"):
        sweep.load_member(s, 1)


def test_group_files_with_true_for_a_member_number_are_damaged(tmp_path, capsys):
    """JSON true and false are ints to Python, equal to 1 and 0: members [false, true] passed as [0, 1] in
    group.json (load_member, the resume) and in a group's result.json (a finished group)."""
    s = tmp_path / "s"
    run_tiny(TINY, {"seed": [0, 1]}, s)
    _, params, _ = sweep.load_member(s, 1)
    path = s / "groups" / "g00" / "group.json"
    info = json.loads(path.read_text())
    path.write_text(json.dumps({**info, "members": [False, True]}))
    with pytest.raises(CheckpointError, match="group.json: not an nnjax group file"):
        sweep.load_member(s, 1)
    assert sweep._group_result(s / "groups" / "g00" / "result.json", [0, 1]) is not None
    result = json.loads((s / "groups" / "g00" / "result.json").read_text())
    (s / "groups" / "g00" / "result.json").write_text(json.dumps({**result, "members": [False, True]}))
    assert sweep._group_result(s / "groups" / "g00" / "result.json", [0, 1]) is None
    (s / "groups" / "g00" / "result.json").write_text(json.dumps(result))
    capsys.readouterr()
    run_tiny(TINY, {"seed": [0, 1]}, s, resume=True)  # a finished group: its group.json written again
    assert "group.json: not an nnjax group file of these members; written again" in capsys.readouterr().err
    assert json.loads(path.read_text())["members"] == [0, 1]
    assert_same_params(sweep.load_member(s, 1)[1], params)


def test_load_member_refuses_a_group_file_that_its_checkpoint_contradicts(tmp_path):
    """group.json's member list and configs were trusted: reordered, `eval --member 0` printed member 1's
    accuracy; an edited activation evaluated the weights with another function. Both silently."""
    s = tmp_path / "s"
    run_tiny(TINY, {"seed": [0, 1]}, s)
    path = s / "groups" / "g00" / "group.json"
    good = path.read_text()
    _, params, _ = sweep.load_member(s, 1)
    info = json.loads(good)
    for edit, said in (
        ({"members": [1, 0]}, "lists members [1, 0], but its checkpoint holds members [0, 1]"),
        ({"members": [1, 1]}, "lists members [1, 1], but its checkpoint holds members [0, 1]"),
        (
            {"configs": [{**c, "activation": "relu"} for c in info["configs"]]},
            "says member 1 has activation='relu', but it trained with activation='sigmoid'",
        ),
        (
            {"configs": [info["configs"][0], {**info["configs"][1], "activation": "relu"}]},
            "ensemble members differ in 'activation' ('sigmoid' vs 'relu'): that needs separate compiled programs",
        ),
    ):
        path.write_text(json.dumps({**info, **edit}))
        with pytest.raises(CheckpointError) as e:
            sweep.load_member(s, 1)
        assert str(e.value) == (
            f"{path}: {said} (edited or damaged? delete it and run nnjax sweep --resume {s} to write it again)"
        )
    path.unlink()  # as the error says
    run_tiny(TINY, {"seed": [0, 1]}, s, resume=True)
    assert json.loads(path.read_text()) == {**info, "placement": None}  # where it ran is not guessed
    assert_same_params(sweep.load_member(s, 1)[1], params)


def test_load_member_of_what_is_not_a_sweep_folder_says_what_it_is(tmp_path):
    """A run folder was "no member 0 in this sweep folder"."""
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "config.json").write_text(json.dumps(TINY.to_dict()))
    (tmp_path / "empty").mkdir()
    for folder, said in (
        ("run", "a run folder (load it with nnjax.run.load_run), no sweep.json"),
        ("empty", "not a sweep folder, no sweep.json"),
        ("gone", "sweep folder not found"),
    ):
        with pytest.raises(CheckpointError) as e:
            sweep.load_member(tmp_path / folder, 0)
        assert str(e.value) == f"{tmp_path / folder}: {said}"


def assert_same_params(a, b) -> None:
    for x, y in zip(jax.tree_util.tree_leaves(a), jax.tree_util.tree_leaves(b), strict=True):
        np.testing.assert_array_equal(np.asarray(x), np.asarray(y))


def test_resume_writes_again_a_finished_groups_damaged_group_json(tmp_path, capsys):
    """A finished group is not trained again, but its group.json is what eval, export, predict and viz read
    (``load_member``): a damaged one is written again from sweep.json, whose members and configs the resume
    checks found in its result, final checkpoint and metrics lines (as an unfinished group's is written
    again when it trains), with a warning naming the file; not left for ``eval --member`` to fail on after
    a resume that reported success. An intact one is left as it is."""
    s = tmp_path / "s"
    grid = {"activation": ["relu", "tanh"], "seed": [0, 1]}
    run_tiny(TINY, grid, s)
    path = s / "groups" / "g00" / "group.json"
    good = json.loads(path.read_text())
    _, params, _ = sweep.load_member(s, 1)
    edited = {**good, "configs": [{**good["configs"][0], "activation": "tanh"}, good["configs"][1]]}
    for damage, why in (
        ("[]", "not an nnjax group file of these members"),
        ('{"group": "g00", "members": [0', "missing or not valid JSON"),
        (None, "missing or not valid JSON"),
        ('{"group": "g00"}', "not an nnjax group file of these members"),
        (json.dumps(without(good, "configs")), "not an nnjax group file of these members"),
        (json.dumps({**good, "configs": good["configs"][:1]}), "1 configs for 2 members"),
        (json.dumps(edited), "member 0's config says activation='tanh', but it trained with activation='relu'"),
    ):
        if damage is None:
            path.unlink()
        else:
            path.write_text(damage)
        capsys.readouterr()
        run_tiny(TINY, grid, s, resume=True)
        err = capsys.readouterr().err
        assert err == (
            f"nnjax: warning: {path}: {why}; written again from sweep.json (the group's result, final checkpoint "
            f"and metrics are intact)\nnnjax: {s} already trained every group; nothing to resume\n"
        ), damage
        assert json.loads(path.read_text()) == {**good, "placement": None}  # where it ran is not guessed
        cfg, again, epoch = sweep.load_member(s, 1)
        assert (cfg.activation, cfg.seed, epoch) == ("relu", 1, 2)
        assert_same_params(again, params)
    written = path.read_bytes()
    run_tiny(TINY, grid, s, resume=True)
    assert "warning" not in capsys.readouterr().err and path.read_bytes() == written


def test_an_interrupted_resume_writes_again_a_finished_groups_damaged_group_json(tmp_path, capsys):
    """As above while a later group still trains: g00 finished, g01 was stopped after its epoch-1 checkpoint."""
    s = tmp_path / "s"
    grid = {"activation": ["relu", "tanh"], "seed": [0, 1]}
    full = run_tiny(TINY, grid, s)
    _, params, _ = sweep.load_member(s, 0)
    good = json.loads((s / "groups" / "g00" / "group.json").read_text())
    (s / "groups" / "g01" / "result.json").unlink()
    (s / "groups" / "g01" / "checkpoints" / "epoch_000002.msgpack").unlink()
    (s / "groups" / "g00" / "group.json").write_text("[]")
    capsys.readouterr()
    resumed = run_tiny(TINY, grid, s, resume=True)
    assert "g00/group.json: not an nnjax group file of these members; written again" in capsys.readouterr().err
    assert json.loads((s / "groups" / "g00" / "group.json").read_text()) == {**good, "placement": None}
    assert_same_params(sweep.load_member(s, 0)[1], params)
    assert [m["final_test_accuracy"] for m in resumed["members"]] == [m["final_test_accuracy"] for m in full["members"]]


@pytest.mark.parametrize(
    "field, values, flag",
    [
        ("data_dir", ["/x", "/y"], "--data-dir"),
        ("tfds_dir", ["/x"], "--tfds-dir"),
        ("checkpoint_every", [1, 2], "--checkpoint-every"),
        ("keep_checkpoints", [1, 2], "--keep-checkpoints"),
        ("keep_epochs", [(1,), (2,)], "--keep-epochs"),
    ],
)
def test_a_grid_over_a_field_that_changes_no_result_is_refused_before_training(tmp_path, field, values, flag):
    """Where the data are read from and how a sweep is saved change no number: a grid over them would train
    identical networks and report them as a comparison."""
    match = rf"^grid field '{field}': .* changes no result \(a grid over it trains identical networks\); give it once"
    with pytest.raises(ConfigError, match=rf"{match} for the whole sweep \({flag}\)$"):
        run_tiny(TINY, {field: values, "seed": [0, 1]}, tmp_path / "s")
    assert not (tmp_path / "s").exists()


def test_cli_grid_over_a_field_that_changes_no_result_is_one_line(tmp_path, capsys):
    out = tmp_path / "s"
    argv = ["sweep", "--hidden", "8", "--epochs", "1", "--grid", "data_dir=/x,/y", "--out", str(out), "--no-progress"]
    assert cli_main(argv) == 1
    err = capsys.readouterr().err
    assert err.startswith("nnjax: error: grid field 'data_dir': where the raw files are read from changes no result")
    assert err.count("\n") == 1 and not out.exists()
    # a sweep.json with such a grid (made by an older nnjax) still reads, as it was made
    s = tmp_path / "old"
    run_tiny(TINY, {"seed": [0]}, s)
    spec = json.loads((s / "sweep.json").read_text())
    (s / "sweep.json").write_text(json.dumps({**spec, "grid": {"keep_checkpoints": [1, 2]}}))
    assert sweep.load_sweep_spec(s)[1] == {"keep_checkpoints": [1, 2]}


def test_out_that_is_a_file_is_refused_before_training(tmp_path):
    (tmp_path / "afile").write_text("keep me")
    with pytest.raises(ConfigError, match="afile: is a file; --out names the sweep folder to create"):
        run_tiny(TINY, {"seed": [0]}, tmp_path / "afile")
    with pytest.raises(CheckpointError, match="is a file, not a folder"):
        run_tiny(TINY, {"seed": [0]}, tmp_path / "afile" / "sweep")
    assert (tmp_path / "afile").read_text() == "keep me"


def test_members_split_over_two_cpu_devices(tmp_path):
    """One CPU device per core (split_cpu_cores(2)): by default a group's members are split over the
    devices, K=3 padded to 4 with a copy that appears nowhere; the results match one device's.
    --no-shard-members (False) and single runs use one device: a CPU core split is for ensembles."""
    script = f"""
import sys, json
sys.path.insert(0, {str(Path(__file__).parent)!r})
from nnjax.parallel import split_cpu_cores
assert split_cpu_cores(2) == 2
import jax
assert jax.device_count() == 2
from test_sweep import SPLITS, TINY
from nnjax import sweep, checkpoint
s = sweep.run_sweep(TINY, {{"seed": [0, 1, 2]}}, {str(tmp_path / "auto")!r}, progress=False, splits=SPLITS)
g = json.load(open({str(tmp_path / "auto" / "groups" / "g00" / "result.json")!r}))
print("AUTO", json.dumps([[r["final_test_accuracy"] for r in s["members"]], g["n_devices"], g["split"]]))
import os, shutil
cut = {str(tmp_path / "cut")!r}  # stopped after epoch 1: resume rebuilds the padding copy and trains epoch 2
shutil.copytree({str(tmp_path / "auto")!r}, cut)
os.remove(cut + "/groups/g00/checkpoints/epoch_000002.msgpack")
os.remove(cut + "/groups/g00/result.json")
lines = open(cut + "/metrics.jsonl").read().splitlines(keepends=True)
open(cut + "/metrics.jsonl", "w").writelines(x for x in lines if json.loads(x)["epoch"] == 1)
sweep.run_sweep(TINY, {{"seed": [0, 1, 2]}}, cut, progress=False, splits=SPLITS, resume=True)
os.remove({str(tmp_path / "auto" / "groups" / "g00" / "result.json")!r})  # resume restores the K=3 checkpoint
r = sweep.run_sweep(TINY, {{"seed": [0, 1, 2]}}, {str(tmp_path / "auto")!r}, progress=False, splits=SPLITS,
                    resume=True)
print("RESUMED", json.dumps([m["final_test_accuracy"] for m in r["members"]]))
b = sweep.run_sweep(TINY, {{"seed": [0, 1]}}, {str(tmp_path / "batch")!r}, progress=False, splits=SPLITS,
                    shard_members=False)
g = json.load(open({str(tmp_path / "batch" / "groups" / "g00" / "result.json")!r}))
print("BATCH", json.dumps([[r["final_test_accuracy"] for r in b["members"]], g["n_devices"], g["split"]]))
from nnjax.run import train_and_evaluate
r = train_and_evaluate(TINY, {str(tmp_path / "single")!r}, progress=False, splits=SPLITS)
print("SINGLE", json.dumps(r["devices"]))
"""
    env = {**os.environ, "JAX_PLATFORMS": "cpu"}
    env.pop("XLA_FLAGS", None)
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    lines = dict(line.split(" ", 1) for line in out.stdout.splitlines() if line[:4] in ("AUTO", "BATC", "RESU", "SING"))
    auto_acc, auto_n, auto_split = json.loads(lines["AUTO"])
    batch_acc, batch_n, batch_split = json.loads(lines["BATCH"])
    assert (auto_n, auto_split) == (2, "members") and (batch_n, batch_split) == (1, "batch")
    assert json.loads(lines["SINGLE"]) == 1
    single = run_tiny(TINY, {"seed": [0, 1, 2]}, tmp_path / "one")  # this process: one device
    single_acc = [r["final_test_accuracy"] for r in single["members"]]
    assert auto_acc == pytest.approx(single_acc, abs=1e-6)
    assert batch_acc == pytest.approx(single_acc[:2], abs=1e-6)
    # The padding copy is in no checkpoint (resume restores 3 members), metric line or result.
    assert json.loads(lines["RESUMED"]) == auto_acc
    metrics = [json.loads(x) for x in (tmp_path / "auto" / "metrics.jsonl").read_text().splitlines()]
    assert sorted({m["member"] for m in metrics}) == [0, 1, 2] and len(metrics) == 3 * TINY.epochs
    # Resumed mid-group, the split ensemble continues exactly as it ran uninterrupted.
    cut = [json.loads(x) for x in (tmp_path / "cut" / "metrics.jsonl").read_text().splitlines()]
    assert [without(m, "epoch_s") for m in cut] == [without(m, "epoch_s") for m in metrics]


def test_a_diverged_members_best_epoch_comes_from_before_it_diverged(tmp_path, capsys):
    """Sigmoid at lr 1000 explodes its loss without reaching inf: the member trains on inside its ensemble
    with finite accuracies, which must not become its 'best' epoch; using its parameters warns."""
    base = TINY.replace(epochs=4, lr=1000.0, schedule="constant")
    summary = run_tiny(base, {"seed": [0, 1]}, tmp_path / "s")
    diverged = [r for r in summary["members"] if r["diverged_epoch"] is not None]
    assert diverged, "the recipe no longer diverges: pick a harsher one"
    lines = [json.loads(s) for s in (tmp_path / "s" / "metrics.jsonl").read_text().splitlines()]
    for r in diverged:
        later = [m for m in lines if m["member"] == r["member"] and m["epoch"] >= r["diverged_epoch"]]
        assert any(m["test_accuracy"] is not None for m in later)  # finite numbers after the divergence
        assert r["best_epoch"] is None or r["best_epoch"] < r["diverged_epoch"]
    capsys.readouterr()
    sweep.load_member(tmp_path / "s", diverged[0]["member"])
    assert f"sweep member {diverged[0]['member']} diverged at epoch {diverged[0]['diverged_epoch']}" in (
        capsys.readouterr().err
    )


def test_eval_of_a_diverged_member_says_it_diverged(tmp_path, capsys, monkeypatch):
    """``nnjax eval SWEEP --member N`` of a member that diverged (its loss exploded, its parameters trained on
    to finite numbers inside the ensemble) printed a plain test accuracy, and --json gave no sign of the
    divergence that members.csv records by leaving its accuracy empty: both now name the epoch it diverged at;
    a member that did not diverge has diverged_epoch None."""
    from nnjax.run import eval_run

    base = TINY.replace(epochs=4, lr=1000.0, schedule="constant")
    summary = run_tiny(base, {"seed": [0, 1]}, tmp_path / "s")
    gone = {r["member"]: r["diverged_epoch"] for r in summary["members"] if r["diverged_epoch"] is not None}
    assert gone, "the recipe no longer diverges: pick a harsher one"
    member, epoch = next(iter(gone.items()))
    r = eval_run(tmp_path / "s", SPLITS, member)
    assert r["diverged_epoch"] == epoch and r["member"] == member
    good = run_tiny(TINY, {"seed": [0]}, tmp_path / "good")["members"][0]["member"]
    assert eval_run(tmp_path / "good", SPLITS, good)["diverged_epoch"] is None
    capsys.readouterr()
    # the command's line, with the member's numbers as eval_run gives them (no data set to load here)
    monkeypatch.setattr("nnjax.run.eval_run", lambda *a, **k: r)
    assert cli_main(["eval", str(tmp_path / "s"), "--member", str(member)]) == 0
    inert = "" if not r["inert"] else f"inert neurons per hidden layer: {', '.join(map(str, r['inert']))} (on the "
    assert capsys.readouterr().out.startswith(
        f"test accuracy: {100 * r['test_accuracy']:.2f} % (epoch 4 parameters of {tmp_path / 's'} member {member}, "
        f"which diverged at epoch {epoch}: not a result of its config)\n{inert}"
    )


def test_a_grid_over_the_evaluation_split_is_refused_before_training():
    with pytest.raises(ConfigError, match="grid field 'validation': a sweep reports every member on one split"):
        sweep_grid.normalize_grid({"validation": [False, True], "seed": [0]})
    assert sweep_grid.normalize_grid({"validation": [True]}) == {"validation": [True]}


def test_summary_of_validation_curves_reports_the_last_epoch_and_the_best_before_divergence():
    """``write_summary``'s numbers from hand-made curves (no training): a member's final validation accuracy is
    its last epoch's (not the one before), its best epoch the earliest of the highest accuracies before it
    diverged, and a setting's mean and spread leave a diverged member out."""
    base = Config(name="v", epochs=3, validation=True)
    configs = [base.replace(name=f"seed={s}", seed=s) for s in (0, 1, 2)]
    curves = {0: [0.5, 0.6, 0.7], 1: [0.4, 0.4, 0.9], 2: [0.2, 0.9, 0.8]}  # member 1 diverges at epoch 3
    lines = [{"member": m, "epoch": e + 1, "val_accuracy": a} for m, c in curves.items() for e, a in enumerate(c)]
    results = [
        {"group": "g00", "members": [0, 1, 2], "k": 3, "test_accuracy": [0.71, None, 0.79],
         "diverged_epoch": [None, 3, None], "train_s": 1.5, "compile_s": 0.5, "eval_split": "val",
         "device": "cpu", "n_devices": 1},
    ]  # fmt: skip
    summary = sweep_summary.write_summary(Path("unused"), base, configs, {"seed": [0, 1, 2]}, results, lines, 2.0,
                                          write=False)  # fmt: skip
    got = [(m["final_val_accuracy"], m["best_epoch"], m["best_val_accuracy"]) for m in summary["members"]]
    assert got == [(0.7, 3, 0.7), (None, 1, 0.4), (0.8, 2, 0.9)]
    (row,) = summary["rows"]
    assert (row["n"], row["n_diverged"]) == (3, 1)
    assert row["val_accuracy_mean"] == pytest.approx(0.75) and row["val_accuracy_std"] == pytest.approx(
        np.std([0.7, 0.8], ddof=1)
    )
    assert (row["best_epoch_median"], row["best_epoch_min"], row["best_epoch_max"]) == (2.5, 2, 3)


def test_members_csv_has_every_rows_columns():
    """Rows need not share columns (a member without a value leaves its cell empty)."""
    rows = [
        {"member": 0, "best_test_accuracy": 0.9, "diverged_epoch": None},
        {"member": 1, "best_val_accuracy": 0.8, "diverged_epoch": None},
    ]
    text = sweep_summary.members_csv(rows)
    assert text.splitlines()[0] == "member,best_test_accuracy,diverged_epoch,best_val_accuracy"
    assert text.splitlines()[1:] == ["0,0.9,,", "1,,,0.8"]


# --------------------------------------------------------------------------------------------------
# added after a mutation audit (mutants of sweep.py and config.py that no test killed)
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", [sweep.SWEEP_FORMAT + 1, None, True])  # JSON true is an int to Python, == 1
def test_a_sweep_json_of_another_format_is_refused(tmp_path, fmt):
    spec = {"sweep_format": fmt, "base": TINY.to_dict(), "grid": {"seed": [0, 1]}}
    (tmp_path / "sweep.json").write_text(json.dumps({k: v for k, v in spec.items() if v is not None}))
    with pytest.raises(CheckpointError, match=rf"sweep.json: sweep_format {fmt!r} is not supported"):
        sweep.load_sweep_spec(tmp_path)


def test_every_field_of_the_compiled_program_splits_the_groups():
    """Members that differ in a PROGRAM_FIELDS field cannot share one compiled ensemble: put together, the
    group would train every member with its first member's epochs, optimizer, batch size, …"""
    other = {"dataset": "fashion_mnist", "standardize": True, "hidden": (4,), "activation": "relu",
             "cost": "quadratic", "optimizer": "sgd", "schedule": "constant", "batch_size": 16, "epochs": 3,
             "data_seed": 1, "scan_unroll": 2, "train_size": 1000}  # fmt: skip
    assert set(other) | {"validation", "warmup_epochs"} == set(config.PROGRAM_FIELDS)
    for field, value in other.items():
        groups = sweep_grid.group(sweep_grid.expand(TINY, {field: [getattr(TINY, field), value], "seed": [0, 1]}))
        assert [[getattr(c, field) for c in g] for g in groups] == [[getattr(TINY, field)] * 2, [value] * 2], field
    warm = sweep_grid.expand(TINY.replace(schedule="warmup_cosine", epochs=3), {"warmup_epochs": [0, 1]})
    assert len(sweep_grid.group(warm)) == 2
    # a saved sweep's grid over how groups are saved or where data comes from (older nnjax made such grids):
    # one group per value, each saved and read as its members say
    for field, values in (("checkpoint_every", [1, 2]), ("keep_checkpoints", [1, 2]), ("data_dir", ["/x", "/y"])):
        groups = sweep_grid.group(sweep_grid.expand(TINY, {field: values, "seed": [0, 1]}, new=False))
        assert [[getattr(c, field) for c in g] for g in groups] == [[v, v] for v in values], field


def test_a_sweeps_keep_epochs_are_kept_for_every_group_and_read_by_eval_epoch(tmp_path, cli, monkeypatch):
    """--keep-epochs 1 with --checkpoint-every 0 --keep-checkpoints 1: each group writes epoch 1 besides its final
    one and keeps both; eval --member M --epoch 1 reads member M's as it was trained (its metrics line)."""
    out = tmp_path / "s"
    base = TINY.replace(epochs=3, checkpoint_every=0, keep_checkpoints=1, keep_epochs=(1,))
    run_tiny(base, {"lr": [0.01, 0.001], "batch_size": [32, 64]}, out)
    groups = sorted((out / "groups").iterdir())
    assert len(groups) == 2
    for g in groups:
        assert [e for e, _ in checkpoint.list_checkpoints(g / "checkpoints")] == [1, 3]
    lines = {(m["member"], m["epoch"]): m for m in _metric_lines(out)}
    import nnjax.run as run_module

    monkeypatch.setattr(run_module, "load_splits", lambda *args, **kwargs: SPLITS)
    for member in (0, 3):
        rc, stdout, err = cli("eval", out, "--member", member, "--epoch", "1", "--json")
        assert rc == 0, err
        got = json.loads(stdout)
        assert (got["epoch"], got["test_accuracy"]) == (1, lines[member, 1]["test_accuracy"])
    assert json.loads((out / "sweep.json").read_text())["base"]["keep_epochs"] == [1]


def test_a_resumes_keep_epochs_are_kept_in_sweep_json_for_the_next_resume(tmp_path, monkeypatch):
    """A resume given --keep-epochs 3 keeps epoch 3 in sweep.json: the next resume (sweep.json's base, as ``nnjax
    sweep --resume`` without the flag) keeps that checkpoint instead of rotating it out with --keep-checkpoints 1."""
    base = TINY.replace(epochs=8, checkpoint_every=2, keep_checkpoints=1)
    grid = {"lr": [0.05, 0.1]}
    s = tmp_path / "s"

    def kept():
        return [e for e, _ in checkpoint.list_checkpoints(s / "groups" / "g00" / "checkpoints")]

    for cut, given in ((4, base), (6, base.replace(keep_epochs=(3,)))):  # killed as it saves epoch 4, then 6
        _interrupted(given, grid, s, monkeypatch, cut, resume=cut == 6)
    assert kept() == [3, 4]
    assert json.loads((s / "sweep.json").read_text())["base"]["keep_epochs"] == [3]
    saved, _ = sweep.load_sweep_spec(s)
    run_tiny(saved, grid, s, resume=True)
    assert kept() == [3, 8]


def test_a_resume_given_another_target_and_keep_epochs_writes_sweep_json_once_before_it_trains(tmp_path, monkeypatch):
    """Both are kept for the next resume in one write of sweep.json (a kill between two writes kept one of them);
    the only later write is the session's wall time, known once it has trained (``record_wall``)."""
    base = TINY.replace(epochs=4, checkpoint_every=2, keep_checkpoints=1)
    grid = {"lr": [0.05, 0.1]}
    s = tmp_path / "s"
    _interrupted(base, grid, s, monkeypatch, 4, target=0.5)
    writes, real_write = [], checkpoint.write_json

    def counted_write(path, obj):
        if Path(path).name == "sweep.json":
            writes.append(json.loads(json.dumps(obj)))
        return real_write(path, obj)

    monkeypatch.setattr(checkpoint, "write_json", counted_write)
    run_tiny(base.replace(keep_epochs=(2,)), grid, s, resume=True, target=0.25, on_start=lambda: writes.append("start"))
    assert writes.index("start") == 1, writes
    assert writes[0]["target"] == 0.25 and writes[0]["base"]["keep_epochs"] == [2]
    assert [list(w) for w in writes[2:]] == [[*writes[0], "wall_s"]]  # the wall time alone, after training
    assert json.loads((s / "sweep.json").read_text()) == {**writes[0], "wall_s": writes[2]["wall_s"]}


def test_a_resumed_group_warns_of_a_listed_epoch_it_trained_without_keeping(tmp_path, monkeypatch, capsys):
    """As a resumed run does: each group resumed after epoch 4 with --keep-epochs 1,6 says that epoch 1's
    checkpoint cannot be written any more (6 is still to train)."""
    base = TINY.replace(epochs=6, checkpoint_every=4, keep_checkpoints=1)
    grid = {"lr": [0.05, 0.1], "batch_size": [32, 64]}
    s = tmp_path / "s"
    _interrupted(base, grid, s, monkeypatch, 6)
    capsys.readouterr()
    run_tiny(base.replace(keep_epochs=(1, 6)), grid, s, resume=True)
    warnings = [line for line in capsys.readouterr().err.splitlines() if "--keep-epochs" in line]
    assert warnings == [
        f"nnjax: warning: --keep-epochs: {s / 'groups' / 'g00'} resumes after epoch 4, and no checkpoint of epoch 1 "
        "was kept; it cannot be written now"
    ]


def test_a_group_saves_its_last_epoch_and_is_timed_once(tmp_path):
    """epochs=3, checkpoint_every=2: the final epoch is checkpointed too (eval, export and a resume read it).
    A group's train_s is the ensemble's wall time (its epoch times once, not once per member), and a table
    row of members from one group reports that time once."""
    s = tmp_path / "s"
    summary = run_tiny(TINY.replace(epochs=3, checkpoint_every=2), {"seed": [0, 1]}, s)
    assert [e for e, _ in checkpoint.list_checkpoints(s / "groups" / "g00" / "checkpoints")] == [2, 3]
    assert sweep.load_member(s, 1)[2] == 3
    (group,) = summary["groups"]
    from conftest import epoch_times_sum

    times = [m["epoch_s"] for m in lines_of(s) if m["member"] == 0]
    assert len(times) == 3 and group["train_s"] == epoch_times_sum(times)
    assert group["epoch_s_median"] == round(statistics.median(times), 4)  # of those epochs: not their mean
    (row,) = summary["rows"]
    assert row["members"] == [0, 1] and row["train_s"] == group["train_s"]
    assert [m["train_s"] for m in summary["members"]] == [group["train_s"]] * 2


def test_a_validation_sweeps_final_test_numbers_are_the_test_splits(tmp_path):
    """With --validation the epochs are evaluated on the held-out rows, but each group's test_accuracy and
    test_loss (members.csv's final_test_accuracy) are the final parameters' on the official test split."""
    from nnjax.run import eval_run

    s = SPLITS
    val = Splits(s.x_train[:192], s.y_train[:192], s.x_train[192:], s.y_train[192:], s.x_test, s.y_test, "val")
    summary = sweep.run_sweep(
        TINY.replace(validation=True), {"seed": [0, 1]}, tmp_path / "s", progress=False, splits=val
    )
    result = summary["groups"][0]
    assert result["eval_split"] == "val"
    for j, row in enumerate(summary["members"]):
        again = eval_run(tmp_path / "s", splits=val, member=row["member"])
        assert row["final_test_accuracy"] == result["test_accuracy"][j] == pytest.approx(again["test_accuracy"])
        assert result["test_loss"][j] == pytest.approx(again["test_loss"], rel=1e-6)
    assert any(r["final_val_accuracy"] != r["final_test_accuracy"] for r in summary["members"])
    # its accuracy on the images it trained on counts the 192 not held out, and the gap is to the validation split's
    from nnjax.images import predict
    from nnjax.train import unstack

    for row in summary["members"]:
        _, params_K, _ = sweep.load_member(tmp_path / "s", row["member"])
        digits, _ = predict(unstack(params_K, 0), TINY, val.x_train)
        assert row["final_train_set_accuracy"] == pytest.approx(float(np.mean(digits == val.y_train)), abs=1e-6)
    (table_row,) = summary["rows"]
    pairs = [(r["final_train_set_accuracy"], r["final_val_accuracy"]) for r in summary["members"]]
    assert table_row["train_gap_mean"] == pytest.approx(float(np.mean([t - v for t, v in pairs])))


def test_a_sweeps_files_hold_its_float32_numbers_in_their_own_digits(tmp_path):
    """metrics.jsonl, each group's result.json and members.csv write each number the networks computed (float32)
    as ``config.short_float`` does: a final test accuracy of k of 10,000 images reads k/10000 in members.csv
    (0.1234, not float()'s 0.1234000027179718, which a spreadsheet shows)."""
    rng = np.random.default_rng(2)
    x = rng.integers(0, 256, (10_000, 784), dtype=np.uint8)
    y = x[:, :10].argmax(axis=1).astype(np.int32)
    splits = Splits(SPLITS.x_train, SPLITS.y_train, x, y, x, y, "test")
    summary = sweep.run_sweep(TINY, {"seed": [0, 1]}, tmp_path / "s", progress=False, splits=splits)
    with open(tmp_path / "s" / "members.csv") as f:
        rows = list(csv.DictReader(f))
    for row, member in zip(rows, summary["members"]):
        k = round(member["final_test_accuracy"] * 10_000)
        assert k % 625, k  # k/10000 is no multiple of 1/16, which float32 holds exactly (else this proves nothing)
        assert row["final_test_accuracy"] == repr(k / 10_000) and member["final_test_accuracy"] == k / 10_000
        best = round(member["best_test_accuracy"] * 10_000)
        assert row["best_test_accuracy"] == repr(best / 10_000)
    result = json.loads((tmp_path / "s" / "groups" / "g00" / "result.json").read_text())
    lines = lines_of(tmp_path / "s")
    numbers = [*result["test_accuracy"], *result["test_loss"]]
    numbers += [m[k] for m in lines for k in ("train_loss", "train_accuracy", "test_loss", "grad_norm", "param_norm")]
    assert all(v == config.short_float(np.float32(v)) for v in numbers), numbers


def test_epoch_times_are_written_to_the_tenth_of_a_millisecond(tmp_path, monkeypatch):
    """Each metrics line's epoch_s is the epoch's time rounded to 4 decimals (a tiny network's epoch takes
    milliseconds: fewer decimals would write 0.0), and a group's train_s sums them."""
    import types
    from itertools import count

    import nnjax.run

    ticks = count()  # the epoch loop's clock: each epoch takes 0.0123456 s
    monkeypatch.setattr(nnjax.run, "time", types.SimpleNamespace(perf_counter=lambda: 0.0123456 * next(ticks)))
    summary = run_tiny(TINY, {"seed": [0, 1]}, tmp_path / "s")
    assert [m["epoch_s"] for m in lines_of(tmp_path / "s")] == [pytest.approx(0.0123, abs=1e-12)] * 4
    assert summary["groups"][0]["train_s"] == pytest.approx(0.025, abs=1e-12)


def test_a_new_sweep_warns_of_members_that_ignore_a_grid_field(tmp_path, capsys):
    grid = {"optimizer": ["momentum", "sgd"], "momentum": [0.5, 0.9]}
    run_tiny(TINY.replace(epochs=1), grid, tmp_path / "s")
    assert capsys.readouterr().err.split("\n", 1)[0] + "\n" == (
        "nnjax: warning: 2 members ignore grid field 'momentum' (optimizer sgd does not use it (momentum, adam and "
        "adamw do)): e.g. optimizer=sgd,momentum=0.5 and optimizer=sgd,momentum=0.9 train the same network\n"
    )


def test_out_that_is_a_dangling_symlink_is_refused_before_loading_data(tmp_path, monkeypatch, cli_error):
    """A symbolic link to a folder that does not exist: mkdir through it said "LINK: File exists"."""
    import nnjax.data

    monkeypatch.setattr(nnjax.data, "load_splits", lambda *a, **k: pytest.fail("loaded data despite bad --out"))
    link = tmp_path / "LINK"
    link.symlink_to("/nonexistent/x")
    line = cli_error("sweep", "--out", link, "--epochs", "1", "--grid", "seed=0,1")
    assert line == f"nnjax: error: --out {link}: a symbolic link to /nonexistent/x, which does not exist"
    with pytest.raises(CheckpointError, match=r"LINK: a symbolic link to /nonexistent/x, which does not exist; cann"):
        run_tiny(TINY, {"seed": [0]}, link / "sweep")
    assert [p.name for p in tmp_path.iterdir()] == ["LINK"] and link.is_symlink()


def test_cli_accepts_a_flag_no_member_uses_set_to_none_of_it(tmp_path, capsys):
    """--momentum 0 with sgd says "no momentum", which is what sgd does: not refused (as by nnjax train)."""
    (tmp_path / "afile").write_text("")
    argv = ["sweep", "--out", tmp_path / "afile", "--optimizer", "sgd", "--momentum", "0", "--grid", "seed=0,1"]
    assert cli_main([str(a) for a in argv]) == 1
    assert capsys.readouterr().err == (
        f"nnjax: error: {tmp_path / 'afile'}: is a file; --out names the sweep folder to create\n"
    )  # refused for the folder only, after the flags were accepted


def test_cli_resume_with_another_grid_says_to_leave_it_out(tmp_path, capsys):
    spec = {"sweep_format": sweep.SWEEP_FORMAT, "base": TINY.to_dict(), "grid": {"seed": [0, 1]}}
    (tmp_path / "sweep.json").write_text(json.dumps(spec))
    assert cli_main(["sweep", "--resume", str(tmp_path), "--grid", "seed=0,1,2"]) == 1
    assert capsys.readouterr().err == (
        f"nnjax: error: {tmp_path}: --resume with a different --grid than the sweep was started with (seed=0,1; "
        "leave --grid out to continue it)\n"
    )
    assert [p.name for p in tmp_path.iterdir()] == ["sweep.json"]


def test_cli_resume_of_a_missing_folder_says_it_is_not_found(tmp_path, capsys):
    assert cli_main(["sweep", "--resume", str(tmp_path / "nosuch")]) == 1
    assert capsys.readouterr().err == f"nnjax: error: {tmp_path / 'nosuch'}: sweep folder not found\n"
    assert not (tmp_path / "nosuch").exists()


def test_epoch_0_of_a_member_whose_group_has_not_started_is_its_network_as_initialised(tmp_path, capsys):
    """Epoch 0 is regenerated from a member's config, as for a member whose group started: one of a group not
    started yet said "not trained yet", though nothing trained is needed. Unchecked (no checkpoint records its
    start yet), as a run's epoch 0 before its first checkpoint; later epochs still say "not trained yet"."""
    from nnjax.run import eval_run

    s = tmp_path / "s"
    run_tiny(TINY.replace(epochs=1), {"activation": ["relu", "tanh"], "seed": [0, 1]}, s)
    started = {m: sweep.load_member(s, m, epoch=0) for m in (2, 3)}  # group g01, from its checkpoint's record
    evals = {m: eval_run(s, SPLITS, m, epoch=0) for m in (2, 3)}
    shutil.rmtree(s / "groups" / "g01")  # as a sweep interrupted during its first group leaves it
    capsys.readouterr()
    for m in (2, 3):
        cfg, params, epoch = sweep.load_member(s, m, epoch=0)
        assert epoch == 0 and cfg == started[m][0]
        assert_same_params(params, started[m][1])
        assert eval_run(s, SPLITS, m, epoch=0) == evals[m]  # as nnjax eval SWEEP --member N --epoch 0 gives it
    assert capsys.readouterr().err == ""
    for epoch in (None, 1):
        with pytest.raises(CheckpointError, match=r"member 2 is not trained yet \(its group has not started\)$"):
            sweep.load_member(s, 2, epoch)
    with pytest.raises(CheckpointError, match=r"no member 4 in this sweep folder"):
        sweep.load_member(s, 4, 0)


def test_a_member_of_a_group_not_started_yet_is_named_so(tmp_path, cli_error, capsys):
    s = tmp_path / "s"
    run_tiny(TINY.replace(epochs=1), {"activation": ["relu", "tanh"]}, s)
    capsys.readouterr()  # the sweep's own lines
    shutil.rmtree(s / "groups" / "g01")  # as a sweep interrupted during its first group leaves it
    with pytest.raises(CheckpointError, match=r"member 1 is not trained yet \(its group has not started\)$"):
        sweep.load_member(s, 1)
    with pytest.raises(CheckpointError, match=r"no member 2 in this sweep folder \(its members: 0–1, as in"):
        sweep.load_member(s, 2)
    line = cli_error("eval", tmp_path / "nosuch", "--member", "1")
    assert line == f"nnjax: error: --member 1: {tmp_path / 'nosuch'}: sweep folder not found"


def test_the_python_api_takes_numpy_values_and_names_a_wrong_base_or_grid(tmp_path):
    """np.arange seeds and float32 learning rates are what a notebook has at hand; a wrong argument is one
    ConfigError, not a TypeError from deep inside."""
    grid = {"seed": np.arange(2), "lr": [np.float32(0.1), np.array(0.3, np.float32)], "hidden": [np.array([8])]}
    assert sweep_grid.normalize_grid(grid) == {"seed": [0, 1], "lr": [0.1, 0.3], "hidden": [(8,)]}
    assert sweep_grid.normalize_grid({"lr": np.logspace(-3, -1, 3)}) == {"lr": [0.001, 0.01, 0.1]}
    widths = {"hidden": [(w, w) for w in np.arange(16, 49, 16)]}
    assert sweep_grid.normalize_grid(widths) == {"hidden": [(16, 16), (32, 32), (48, 48)]}
    assert all(type(s) is int for s in sweep_grid.normalize_grid(grid)["seed"])
    assert sweep_grid.normalize_grid({"seed": jax.numpy.arange(2), "lr": [jax.numpy.float32(0.1)]}) == {
        "seed": [0, 1],
        "lr": [0.1],
    }
    with pytest.raises(ConfigError, match=r"^base: expected a Config \(e.g. nnjax.configs.video\(\)\), got 'video'"):
        sweep.run_sweep("video", {"seed": [0]}, tmp_path / "s")
    # a base built in Python is checked as a config file's fields are: standardize=1 trained, then no
    # nnjax command could read the sweep's saved configs back
    with pytest.raises(ConfigError, match=r"^base: field 'standardize' has the wrong type: 1 \(expected True or"):
        sweep.run_sweep(TINY.replace(standardize=1), {"seed": [0]}, tmp_path / "s", splits=SPLITS)
    assert not (tmp_path / "s").exists()
    with pytest.raises(ConfigError, match=r"^grid: expected a dict of field: \[values\]"):
        sweep.run_sweep(TINY, [("seed", [0])], tmp_path / "s")
    with pytest.raises(ConfigError, match=r"field 'seed' has the wrong type: \[1\] \(expected an integer\)"):
        sweep_grid.normalize_grid({"seed": [np.int64(0), [1]]})
    with pytest.raises(ConfigError, match=r"value 16 is given twice \(a value's layers are joined by 'x'"):
        sweep_grid.parse_grid(["hidden=16,16"])
    assert not (tmp_path / "s").exists()


def test_summary_placement_is_what_the_groups_did():
    """A group on one device splits nothing: it does not decide the sweep's line (a sweep begun on one
    device and resumed over two said "each mini-batch split" though no group did); groups that split
    differently are each named."""
    one = {"group": "g00", "n_devices": 1, "split": "batch"}
    members = {"group": "g01", "n_devices": 2, "split": "members"}
    batch = {"group": "g02", "n_devices": 2, "split": "batch"}
    assert sweep_summary._placement([one]) == "1 device"
    assert sweep_summary._placement([one, members]) == "members split over up to 2 devices"
    assert sweep_summary._placement([one, members, batch]) == (
        "g00 1 device; g01 members split over 2 devices; g02 each mini-batch split over 2 devices"
    )


def test_a_refused_start_leaves_no_folder_behind(tmp_path):
    """A sweep refused once its folder was made (here: a data set smaller than one mini-batch) left the
    folder and the parents made for it, where nnjax train leaves nothing."""
    out = tmp_path / "new" / "a" / "b"
    with pytest.raises(ConfigError, match="sweep member seed=0: "):
        sweep.run_sweep(TINY.replace(batch_size=SPLITS.n_train + 1), {"seed": [0, 1]}, out, splits=SPLITS)
    assert list(tmp_path.iterdir()) == []


def test_a_metrics_file_that_lost_only_its_last_newline_is_read_whole(tmp_path, capsys):
    """Its complete last line was dropped as if cut short by a kill: viz left out an epoch and --resume of the
    finished sweep refused it ('no line for member 1's epoch 2') although the line was there."""
    from nnjax.run import read_metrics

    s = tmp_path / "s"
    run_tiny(TINY, {"seed": [0, 1]}, s)
    metrics = s / "metrics.jsonl"
    whole = read_metrics(metrics)
    metrics.write_text(metrics.read_text().rstrip("\n"))
    assert read_metrics(metrics) == whole
    capsys.readouterr()
    run_tiny(TINY, {"seed": [0, 1]}, s, resume=True)
    assert "nothing to resume" in capsys.readouterr().err
    metrics.write_text(metrics.read_text() + '\n{"member": 0, "group": "g00", "epo')  # a kill mid-write: dropped
    assert read_metrics(metrics, sweep.SWEEP_KEYS) == whole


# --------------------------------------------------------------------------------------------------
# added after a mutation audit of sweep_summary.py (mutants no test killed)
# --------------------------------------------------------------------------------------------------


def test_summary_table_rows_and_timing_from_hand_made_results(tmp_path, monkeypatch):
    """``write_summary`` from hand-made results (no training): two settings of three seeds in one shared group.
    The table's cells (sample std, median best epoch of an even count, a tie's earliest epoch, a group's time
    counted once per row, "diverged n/N"), members.csv's empty cell for a diverged member, the figure told which
    member diverged, and a resumed sweep's timing and counts."""
    import nnjax.viz

    drawn = {}
    monkeypatch.setattr(nnjax.viz, "plot_sweep_accuracy", lambda lines, varied, path, split, diverged, target, over:
        drawn.update(varied=varied, diverged=diverged, target=target, over=over))  # fmt: skip
    base = Config(name="b", hidden=(8,), epochs=2)
    grid = {"lr": [0.1, 0.2], "seed": [0, 1, 2]}
    configs = sweep_grid.expand(base, grid)
    curves = {0: [0.5, 0.5], 1: [0.3, 0.6], 2: [0.2, 0.9], 3: [0.5, 0.9], 4: [0.4, 0.8], 5: [0.6, 0.6]}
    lines = [{"member": m, "epoch": e + 1, "test_accuracy": a} for m, c in curves.items() for e, a in enumerate(c)]
    results = [
        {"group": "g00", "members": [0, 1, 2, 3, 4, 5], "k": 6, "test_accuracy": [0.5, 0.6, 0.9, None, 0.8, 0.6],
         "diverged_epoch": [None, None, None, 2, None, None], "train_s": 1.5, "compile_s": 0.5,
         "eval_split": "test", "device": "cpu", "n_devices": 1, "split": "batch"},
    ]  # member 3 diverges at epoch 2: its best epoch is 1, and it is left out of its row  # fmt: skip
    summary = sweep_summary.write_summary(tmp_path, base, configs, grid, results, lines, 2.0, resumed=True)
    assert [(m["best_epoch"], m["best_test_accuracy"]) for m in summary["members"]] == [
        (1, 0.5), (2, 0.6), (2, 0.9), (1, 0.5), (2, 0.8), (1, 0.6)
    ]  # fmt: skip
    assert all("final_val_accuracy" not in m for m in summary["members"])  # a test-split sweep has none

    def acc(values):
        return f"{100 * np.mean(values):.2f} ± {100 * np.std(values, ddof=1):.2f}"

    assert summary["table"] == (
        "| lr | members | test accuracy (%) mean ± std | train accuracy (%) (gap) | best epoch | train time (s) "
        "| ensemble epoch (s) | ÷ members (s) | diverged |\n"
        "|---|---|---|---|---|---|---|---|---|\n"
        f"| 0.1 | 3 | {acc([0.5, 0.6, 0.9])} | — | 2 (1–2) | 1.5 | — | — | 0/3 |\n"
        f"| 0.2 | 3 | **{acc([0.8, 0.6])}** | — | 1.5 (1–2) | 1.5 | — | — | 1/3 |\n"
    )  # the highest mean in bold
    assert drawn == {"varied": ["lr"], "diverged": {3}, "target": None, "over": "seeds"}
    with open(tmp_path / "members.csv") as f:
        assert [r["final_test_accuracy"] for r in csv.DictReader(f)] == ["0.5", "0.6", "0.9", "", "0.8", "0.6"]
    assert (summary["n_members"], summary["n_groups"], summary["wall_s"], summary["resumed"]) == (6, 1, 2.0, True)
    assert sweep_summary.summary_timing(summary) == (
        "wall 2.0 s for this --resume (training 1.5 s over every session, compilation 0.5 s at each group's last start)"
    )
    md = (tmp_path / "summary.md").read_text()
    assert "6 members in 1 group (one compiled ensemble each)" in md
    assert "Wall time: 2.0 s for this --resume (training 1.5 s over every session" in md
    base_line = next(line for line in md.splitlines() if line.startswith("Base config fields"))
    assert json.loads(base_line.split("`")[1])["init"] == base.init  # as given ("auto"), not resolved
    two, four = ({"group": g, "n_devices": n, "split": "members"} for g, n in (("g00", 2), ("g01", 4)))
    assert sweep_summary._placement([two, four]) == "members split over up to 4 devices"  # the most any group used


def test_the_table_gives_each_rows_ensemble_epoch_and_its_share_per_member_and_older_results_a_dash(
    tmp_path, monkeypatch
):
    """A researcher comparing shapes divided each group's ``epoch_s_median`` (result.json) by its members by hand:
    each row now has its ensemble's median epoch and that ÷ its members, in the table (so in summary.md and what
    ``nnjax sweep`` and ``nnjax summary`` print), the rows and members of --json, members.csv, and notes that say
    the share is not a single run's epoch; a result.json without the time (an older nnjax's) gets a dash."""
    import nnjax.viz

    monkeypatch.setattr(nnjax.viz, "plot_sweep_accuracy", lambda *a, **k: None)
    base = Config(name="b", epochs=1)
    grid = {"hidden": [(16, 16), (64,), ()], "seed": [0, 1]}
    configs = sweep_grid.expand(base, grid)
    lines = [{"member": m, "epoch": 1, "test_accuracy": 0.9} for m in range(6)]
    results = [
        {"group": f"g0{g}", "members": [2 * g, 2 * g + 1], "k": 2, "test_accuracy": [0.9, 0.9],
         "diverged_epoch": [None, None], "train_s": 1.0, "compile_s": 0.5, "eval_split": "test", "device": "cpu",
         "n_devices": 1, "split": "batch", "epoch_s_median": t}
        for g, t in enumerate([0.39, 1.18, None])
    ]  # fmt: skip
    summary = sweep_summary.write_summary(tmp_path, base, configs, grid, results, lines, 2.0)
    head, _, *rows = summary["table"].splitlines()
    assert head.endswith("| train time (s) | ensemble epoch (s) | ÷ members (s) | diverged |")
    assert [r.split(" | ")[-4:] for r in rows] == [
        ["1.0", "0.39", "0.20", "0/2 |"], ["1.0", "1.18", "0.59", "0/2 |"], ["1.0", "—", "—", "0/2 |"]
    ]  # fmt: skip
    times = [(r["ensemble_epoch_s"], r["ensemble_epoch_s_per_member"]) for r in summary["rows"]]
    assert times == [(0.39, 0.195), (1.18, 0.59), (None, None)]
    assert [(m["ensemble_epoch_s"], m["ensemble_epoch_s_per_member"]) for m in summary["members"]] == [
        t for t in times for _ in range(2)
    ]
    with open(tmp_path / "members.csv") as f:
        got = [(r["ensemble_epoch_s"], r["ensemble_epoch_s_per_member"]) for r in csv.DictReader(f)]
    assert got == [("0.39", "0.195")] * 2 + [("1.18", "0.59")] * 2 + [("", "")] * 2
    assert sweep_summary.ENSEMBLE_EPOCH_NOTE in summary["notes"]
    assert "not the epoch time of the same network trained alone" in (tmp_path / "summary.md").read_text()
    # a row whose members trained in two ensembles (a replicate field that splits the groups): their median
    grid = {"batch_size": [16, 32], "seed": [0, 1]}
    configs = sweep_grid.expand(base, grid)
    results = [{**results[g], "k": len(m), "members": m, "epoch_s_median": t, "test_accuracy": [0.9] * len(m),
                "diverged_epoch": [None] * len(m)} for g, m, t in ((0, [0, 1, 2], 0.3), (1, [3], 0.2))]  # fmt: skip
    lines = [{"member": m, "epoch": 1, "test_accuracy": 0.9} for m in range(4)]
    (row,) = sweep_summary.write_summary(
        tmp_path, base, configs, grid, results, lines, 2.0, write=False, replicates=("batch_size", "seed")
    )["rows"]
    assert (row["ensemble_epoch_s"], row["ensemble_epoch_s_per_member"]) == (0.25, 0.15)


def test_a_figure_that_fails_to_draw_leaves_the_table_written(tmp_path, monkeypatch):
    """accuracy.png is drawn after summary.md and members.csv are written: a figure that raised (five equal
    members' error bar, 2026-12-06) ended a 12-minute sweep with no summary.md; a --resume redraws it."""
    import nnjax.viz

    def broken(*a, **k):
        raise ValueError("'xerr' must not contain negative values")

    monkeypatch.setattr(nnjax.viz, "plot_sweep_accuracy", broken)
    with pytest.raises(ValueError, match="xerr"):
        run_tiny(TINY.replace(epochs=1), {"seed": [0, 1]}, tmp_path / "s")
    assert "| 2 |" in (tmp_path / "s" / "summary.md").read_text()
    assert len((tmp_path / "s" / "members.csv").read_text().splitlines()) == 3
    assert not (tmp_path / "s" / "accuracy.png").exists()
    monkeypatch.undo()
    run_tiny(TINY.replace(epochs=1), {"seed": [0, 1]}, tmp_path / "s", resume=True)
    assert (tmp_path / "s" / "accuracy.png").is_file()


def test_the_tables_notes_say_a_best_epoch_on_the_test_set_is_test_set_selection(tmp_path, monkeypatch):
    """Below the table (summary.md, and the summary's ``notes``, which ``nnjax sweep`` prints under its table):
    the std is the sample std (n − 1), and a best epoch picked on the test split is named test-set selection,
    no basis for choosing epochs; a --validation sweep's best epochs are picked on held-out training images."""
    import nnjax.viz

    monkeypatch.setattr(nnjax.viz, "plot_sweep_accuracy", lambda *a, **k: None)
    base = Config(name="b", hidden=(8,), epochs=2)
    configs = sweep_grid.expand(base, {"seed": [0, 1]})
    for split in ("test", "val"):
        lines = [{"member": m, "epoch": e, f"{split}_accuracy": 0.5} for m in (0, 1) for e in (1, 2)]
        results = [
            {"group": "g00", "members": [0, 1], "k": 2, "test_accuracy": [0.5, 0.6], "diverged_epoch": [None, None],
             "train_s": 1.0, "compile_s": 0.5, "eval_split": split, "device": "cpu", "n_devices": 1, "split": "batch"}
        ]  # fmt: skip
        out = tmp_path / split
        out.mkdir()
        summary = sweep_summary.write_summary(out, base, configs, {"seed": [0, 1]}, results, lines, 2.0)
        notes = summary["notes"]
        assert notes in (out / "summary.md").read_text()
        assert "mean ± sample std (n − 1) over the members that did not diverge" in notes
        picked = "picked on the test set: it describes the curves and is no basis for choosing a number of epochs"
        assert (picked in notes) == (split == "test"), notes
        assert f"the highest {sweep_summary.SPLIT_NAMES[split]} accuracy" in notes


def test_summary_counts_each_members_parameters_and_the_table_shows_them_for_a_grid_over_hidden(tmp_path, monkeypatch):
    """Width against depth: members.csv has every member's parameter count, and a grid over ``hidden`` puts
    it in the table beside the layer sizes (13,002 for the video's 784-16-16-10); other grids' tables keep
    their columns."""
    import nnjax.viz

    monkeypatch.setattr(nnjax.viz, "plot_sweep_accuracy", lambda *a, **k: None)
    base = Config(name="b", epochs=1)
    grid = {"hidden": [(16, 16), (64,), (16, 16, 16), ()], "seed": [0, 1]}
    configs = sweep_grid.expand(base, grid)
    lines = [{"member": m, "epoch": 1, "test_accuracy": 0.9} for m in range(8)]
    results = [
        {"group": f"g0{g}", "members": [2 * g, 2 * g + 1], "k": 2, "test_accuracy": [0.9, 0.9],
         "diverged_epoch": [None, None], "train_s": 1.0, "compile_s": 0.5, "eval_split": "test", "device": "cpu",
         "n_devices": 1, "split": "batch"}
        for g in range(4)
    ]  # fmt: skip
    summary = sweep_summary.write_summary(tmp_path, base, configs, grid, results, lines, 2.0)
    sizes = [13_002, 13_002, 50_890, 50_890, 13_274, 13_274, 7_850, 7_850]
    assert [m["n_params"] for m in summary["members"]] == sizes
    with open(tmp_path / "members.csv") as f:
        assert [int(r["n_params"]) for r in csv.DictReader(f)] == sizes
    head, _, *rows = summary["table"].splitlines()
    assert head.startswith("| hidden | parameters | members |")
    assert [r.split(" | ")[:2] for r in rows] == [
        ["| 16x16", "13,002"], ["| 64", "50,890"], ["| 16x16x16", "13,274"], ["| none", "7,850"]
    ]  # fmt: skip
    lr_grid = {"lr": [0.1, 0.2]}
    lr_summary = sweep_summary.write_summary(
        tmp_path, base, sweep_grid.expand(base, lr_grid), lr_grid, [{**results[0], "members": [0, 1]}], lines, 1.0
    )
    assert lr_summary["table"].startswith("| lr | members |")
    assert [m["n_params"] for m in lr_summary["members"]] == [13_002, 13_002]


def test_a_member_that_is_not_an_int_is_refused_before_anything_is_written(tmp_path):
    """member=True was read as member 1 (True == 1) and its figures went to figures/member-True; "1" and None
    failed with a TypeError comparing them to ints."""
    from nnjax.run import eval_run, export_run
    from nnjax.viz import render_run

    s = tmp_path / "s"
    run_tiny(TINY, {"seed": [0, 1]}, s)
    assert sweep.load_member(s, np.int64(1))[0].seed == 1  # NumPy's integers are member numbers too
    assert sweep.load_member(s, jax.numpy.argmax(jax.numpy.array([0.1, 0.9])))[0].seed == 1  # and JAX's
    result = eval_run(s, splits=SPLITS, member=np.int64(1))
    assert type(result["member"]) is int and json.loads(json.dumps(result))["member"] == 1  # JSON-ready
    for bad in (True, np.True_, 1.0, "1", None):
        with pytest.raises(ConfigError, match=rf"^member={bad!r}: expected a member number, an int as in members.csv"):
            sweep.load_member(s, bad)
        if bad is None:  # the others' default: a run folder, not a member
            continue
        with pytest.raises(ConfigError, match=rf"^member={bad!r}: "):
            eval_run(s, splits=SPLITS, member=bad)
        with pytest.raises(ConfigError, match=rf"^member={bad!r}: "):
            export_run(s, tmp_path / "m.npz", member=bad)
        with pytest.raises(ConfigError, match=rf"^member={bad!r}: "):
            render_run(s, member=bad, splits=SPLITS)
    assert not (tmp_path / "m.npz").exists() and not (s / "figures").exists()


def test_a_resumed_group_keeps_the_epoch_its_member_diverged_at(tmp_path, monkeypatch):
    """A member that diverged before the checkpoint a resume starts from keeps its first diverged epoch
    (restored from the checkpoint), not the first epoch the resume trains it on."""
    base = TINY.replace(activation="identity", optimizer="sgd", schedule="constant", epochs=3)
    grid = {"lr": [0.01, 1000.0]}
    full = run_tiny(base, grid, tmp_path / "full")
    assert [m["diverged_epoch"] for m in full["members"]] == [None, 1]
    result = json.loads((tmp_path / "full" / "groups" / "g00" / "result.json").read_text())
    assert result["diverged_epoch"] == [None, 1] and result["test_accuracy"][1] is None
    assert isinstance(result["test_loss"][0], float) and result["test_loss"][1] is None  # not its exploded loss

    _interrupted(base, grid, tmp_path / "cut", monkeypatch, 3)
    assert not (tmp_path / "cut" / "groups" / "g00" / "result.json").exists()
    assert sweep.diverged_epochs(tmp_path / "cut") == {1: 1}  # from the group's newest checkpoint (epoch 2)
    resumed = run_tiny(base, grid, tmp_path / "cut", resume=True)
    assert [m["diverged_epoch"] for m in resumed["members"]] == [None, 1]
    assert json.loads((tmp_path / "cut" / "groups" / "g00" / "result.json").read_text())["diverged_epoch"] == [None, 1]
    assert sweep.diverged_epochs(tmp_path / "cut") == {1: 1}
    drop = TIMES
    assert [without(r, *drop) for r in resumed["members"]] == [without(r, *drop) for r in full["members"]]


def test_a_group_json_placement_without_its_fields_is_unknown(tmp_path):
    """A saved placement that lacks one of its fields is not compared (it would be a KeyError): the group is
    resumed with its placement unknown, as a group.json of an older nnjax."""
    s = tmp_path / "s"
    run_tiny(TINY, {"seed": [0, 1]}, s)
    gdir = s / "groups" / "g00"
    info = json.loads((gdir / "group.json").read_text())
    (gdir / "group.json").write_text(json.dumps({**info, "placement": {"split": info["placement"]["split"]}}))
    (gdir / "result.json").unlink()
    assert run_tiny(TINY, {"seed": [0, 1]}, s, resume=True)["n_members"] == 2
    assert json.loads((gdir / "group.json").read_text())["placement"] is None


def test_a_diverged_members_test_loss_is_none_as_its_accuracy(tmp_path):
    """Sigmoid at lr 1000 explodes its loss without reaching inf: the group's result.json reports no test loss
    (None) for a diverged member, as no accuracy, not the finite loss its parameters end with."""
    summary = run_tiny(TINY.replace(epochs=4, lr=1000.0, schedule="constant"), {"seed": [0, 1]}, tmp_path / "s")
    result = json.loads((tmp_path / "s" / "groups" / "g00" / "result.json").read_text())
    assert any(d is not None for d in result["diverged_epoch"]), "the recipe no longer diverges"
    for d, acc, loss in zip(result["diverged_epoch"], result["test_accuracy"], result["test_loss"]):
        assert (acc is None, loss is None) == (d is not None,) * 2
    assert [r["final_test_accuracy"] for r in summary["members"]] == result["test_accuracy"]


def test_each_members_last_metrics_line_is_its_final_parameters(tmp_path):
    """Each member's last line: its test accuracy and loss are its group result's (the final parameters on the
    test split), param_norm the norm of its saved parameters; train_* and grad_norm are the epoch's own (not the
    test's, nor param_norm)."""
    import optax

    from nnjax.train import unstack

    s = tmp_path / "s"
    run_tiny(TINY, {"seed": [0, 1], "lr": [0.1, 0.3]}, s)
    result = json.loads((s / "groups" / "g00" / "result.json").read_text())
    last = {m["member"]: m for m in lines_of(s) if m["epoch"] == TINY.epochs}
    for j, mid in enumerate(result["members"]):
        line = last[mid]
        assert line["test_accuracy"] == pytest.approx(result["test_accuracy"][j], abs=1e-6)
        assert line["test_loss"] == pytest.approx(result["test_loss"][j], rel=1e-5)
        _, params_1, _ = sweep.load_member(s, mid)
        assert line["param_norm"] == pytest.approx(float(optax.tree.norm(unstack(params_1, 0))), rel=1e-5)
        assert line["train_loss"] != pytest.approx(line["test_loss"], rel=1e-3)
        assert line["train_accuracy"] != line["test_accuracy"]
        assert 0 < line["grad_norm"] != line["param_norm"]


def test_group_json_records_no_value_for_a_field_a_member_does_not_use(tmp_path, capsys):
    """A grid over optimizer=sgd,adam gives every member the default momentum 0.9 (adam uses it as b1):
    group.json recorded 0.9 for the sgd members too, and load_member handed it on, as if sgd had momentum.
    An older sweep whose group.json says 0.9 still resumes as it is: momentum changes no sgd result."""
    out = tmp_path / "s"
    run_tiny(TINY.replace(epochs=1), {"optimizer": ["sgd", "adam"]}, out)
    infos = [json.loads((g / "group.json").read_text()) for g in sweep.group_dirs(out)]
    assert [(c["optimizer"], c["momentum"]) for info in infos for c in info["configs"]] == [("sgd", 0.0), ("adam", 0.9)]
    assert sweep.load_member(out, 0)[0].momentum == 0.0 and sweep.load_member(out, 1)[0].momentum == 0.9
    sgd_only = tmp_path / "sgd"  # sweep.json's base, from Python as from nnjax sweep: none for no member's field
    run_tiny(TINY.replace(epochs=1, optimizer="sgd"), {"seed": [0]}, sgd_only)
    assert json.loads((sgd_only / "sweep.json").read_text())["base"]["momentum"] == 0.0
    assert json.loads((out / "sweep.json").read_text())["base"]["momentum"] == 0.9  # adam's b1: used by a member
    sgd_info = sweep.group_dirs(out)[0] / "group.json"
    sgd_info.write_text(sgd_info.read_text().replace('"momentum": 0.0', '"momentum": 0.9'))  # an older nnjax's
    before = sgd_info.read_bytes()
    capsys.readouterr()
    sweep.run_sweep(*sweep.load_sweep_spec(out), out, resume=True, progress=False, splits=SPLITS)
    assert "group.json" not in capsys.readouterr().err and sgd_info.read_bytes() == before


def test_a_group_says_when_jax_loaded_its_epoch_program_from_the_compilation_cache(tmp_path, capsys, jax_disk_cache):
    """As nnjax train says it: a group whose epoch program JAX loaded from its persistent compilation cache (a
    later sweep of the same program) says so on its --no-progress line and in its result.json
    (``compile_cached``); the group that filled the cache says it compiled."""
    for name in ("filled", "loaded"):
        run_tiny(TINY.replace(epochs=1), {"seed": [0, 1]}, tmp_path / name)
    said = [ln.split(": trained in ")[1] for ln in capsys.readouterr().err.splitlines() if " trained in " in ln]
    assert re.fullmatch(r"\d+\.\d s \(epoch program compiled in \d+\.\d\d s\)", said[0]), said
    assert re.fullmatch(r"\d+\.\d s \(epoch program loaded from JAX's compilation cache in \d+\.\d\d s\)", said[1])
    cached = [json.loads((tmp_path / n / "groups" / "g00" / "result.json").read_text()) for n in ("filled", "loaded")]
    assert [r["compile_cached"] for r in cached] == [False, True] and len(said) == 2


def test_a_sweeps_compilation_time_says_how_many_groups_loaded_their_program_from_the_cache(
    tmp_path, capsys, cli, jax_disk_cache
):
    """A group's compile_s is a load where JAX loaded its program from its persistent compilation cache: the
    sweep's "compilation" total (its last line, summary.md, nnjax summary) summed loads as compiles, unsaid. It
    says how many of its groups loaded theirs; a sweep that compiled every program says it as before."""
    from nnjax.sweep_summary import summary_timing

    run_tiny(TINY.replace(epochs=1), {"batch_size": [16]}, tmp_path / "filled")
    summary = run_tiny(TINY.replace(epochs=1), {"batch_size": [16, 32]}, tmp_path / "s")  # g00 as filled's
    assert [g["compile_cached"] for g in summary["groups"]] == [True, False]
    said = "; 1 of 2 groups: epoch program loaded from JAX's compilation cache)"
    assert summary_timing(summary).endswith(f"compilation {summary['compile_s']:.1f} s{said}")
    wall = [ln for ln in (tmp_path / "s" / "summary.md").read_text().splitlines() if ln.startswith("Wall time:")]
    assert f"compilation {summary['compile_s']:.1f} s{said} on cpu" in wall[0], wall
    capsys.readouterr()
    rc, out, _ = cli("summary", tmp_path / "s")
    assert rc == 0 and f"{said} on cpu\n" in out, out
    rc, out, _ = cli("summary", tmp_path / "filled")  # its one group compiled
    assert rc == 0 and "compilation cache" not in out and re.search(r"compilation \d+\.\d s\) on cpu\n", out), out


def test_a_groups_label_names_the_program_fields_the_grid_varies_or_all_members(tmp_path, capsys):
    """--grid init=lecun,glorot seed=0,1 varies no field of the compiled program: its one group, every member,
    was labelled "sigmoid" beside its progress bar, the activation they share, as if the grid varied it. The
    label names the program fields the grid varies, or says the group holds all members."""
    grid = {"init": ["lecun", "glorot"], "seed": [0, 1]}
    sweep.run_sweep(TINY.replace(epochs=1), grid, tmp_path / "s", splits=SPLITS)  # with its progress bar
    err = capsys.readouterr().err
    assert "g00 (1/1) K=4 all members: " in err and "sigmoid" not in err, err
    run_tiny(TINY.replace(epochs=1), grid, tmp_path / "s2")
    said = [ln for ln in capsys.readouterr().err.splitlines() if " trained in " in ln]
    assert len(said) == 1 and said[0].startswith("nnjax: g00 (1/1) K=4 all members: trained in "), said
    run_tiny(TINY.replace(epochs=1), {"activation": ["relu", "tanh"], **grid}, tmp_path / "s3")
    said = [ln for ln in capsys.readouterr().err.splitlines() if " trained in " in ln]
    assert [ln.split(": trained in ")[0] for ln in said] == [
        "nnjax: g00 (1/2) K=4 activation=relu",
        "nnjax: g01 (2/2) K=4 activation=tanh",
    ]


def test_a_groups_label_leaves_out_a_program_field_the_grid_gives_one_value(tmp_path, capsys):
    """--grid cost=sigmoid_cross_entropy lr=0.5 seed=0,1,2 labelled its one group
    "cost=sigmoid_cross_entropy", a value every member shares, as if the grid varied it; with a second program
    field it varies, the label named both. The label names only the program fields with several values."""
    run_tiny(TINY.replace(epochs=1), {"cost": ["sigmoid_cross_entropy"], "lr": [0.5], "seed": [0, 1]}, tmp_path / "s")
    said = [ln for ln in capsys.readouterr().err.splitlines() if " trained in " in ln]
    assert len(said) == 1 and said[0].startswith("nnjax: g00 (1/1) K=2 all members: trained in "), said
    grid = {"cost": ["sigmoid_cross_entropy"], "activation": ["relu", "tanh"], "seed": [0]}
    run_tiny(TINY.replace(epochs=1), grid, tmp_path / "s2")
    said = [ln for ln in capsys.readouterr().err.splitlines() if " trained in " in ln]
    assert [ln.split(": trained in ")[0] for ln in said] == [
        "nnjax: g00 (1/2) K=1 activation=relu",
        "nnjax: g01 (2/2) K=1 activation=tanh",
    ]


def test_without_a_progress_bar_each_trained_group_is_one_line_on_stderr(tmp_path, capsys):
    """``nnjax sweep --no-progress`` (as a log to a file is advised) printed nothing until the table: a sweep of
    minutes looked hung. Each group it trains is now one line; a resume that trains nothing prints none."""
    run_tiny(TINY, {"activation": ["sigmoid", "relu"], "seed": [0, 1]}, tmp_path / "s")
    err = capsys.readouterr().err.splitlines()
    said = [ln for ln in err if " trained in " in ln]
    assert len(said) == 2, err
    assert said[0].startswith("nnjax: g00 (1/2) K=2 ") and said[1].startswith("nnjax: g01 (2/2) K=2 ")
    # loaded: where the tests run with a JAX_COMPILATION_CACHE_DIR that holds the program
    compiled = r"(compiled|loaded from JAX's compilation cache) in \d+\.\d\d s"
    assert all(re.fullmatch(rf".*: trained in \d+\.\d s \(epoch program {compiled}\)", ln) for ln in said), said
    base, grid = sweep.load_sweep_spec(tmp_path / "s")
    sweep.run_sweep(base, grid, tmp_path / "s", resume=True, progress=False, splits=SPLITS)
    assert not [ln for ln in capsys.readouterr().err.splitlines() if " trained in " in ln]


# --------------------------------------------------------------------------------------------------
# --target: epochs to an accuracy
# --------------------------------------------------------------------------------------------------


def test_a_target_adds_each_members_first_epoch_that_reached_it_and_each_rows_median_and_range():
    """From hand-made curves (no training): the first epoch at or above the target (not the best one), none
    for a member that never reached it, only epochs before a divergence counted, and a diverged member left
    out of its row as the accuracy leaves it out; the cell says how many reached it where not all did. Held
    from: the epoch from which a member stays at or above the target (a second trial's member first reached
    95 % at epoch 6 and ended at 94.44 %)."""
    base = Config(name="t", hidden=(8,), epochs=4)
    grid = {"lr": [0.1, 0.2], "seed": [0, 1, 2]}
    configs = sweep_grid.expand(base, grid)
    curves = {
        0: [0.5, 0.96, 0.95, 0.97],  # first reached at 2, though it dips after
        1: [0.97, 0.9, 0.9, 0.9],  # at 1
        2: [0.5, 0.6, 0.7, 0.96],  # at 4 (exactly the target)
        3: [0.96, 0.97, 0.98, 0.99],  # diverges at epoch 2: left out of its row
        4: [0.5, 0.6, 0.7, 0.8],  # never
        5: [0.1, 0.2, 0.961, 0.5],  # at 3
    }
    lines = [{"member": m, "epoch": e + 1, "test_accuracy": a} for m, c in curves.items() for e, a in enumerate(c)]
    results = [
        {"group": "g00", "members": [0, 1, 2, 3, 4, 5], "k": 6, "test_accuracy": [0.97, 0.9, 0.96, None, 0.8, 0.5],
         "diverged_epoch": [None, None, None, 2, None, None], "train_s": 1.5, "compile_s": 0.5,
         "eval_split": "test", "device": "cpu", "n_devices": 1, "split": "batch"},
    ]  # fmt: skip
    summary = sweep_summary.write_summary(Path("unused"), base, configs, grid, results, lines, 2.0, write=False,
                                          target=0.96)  # fmt: skip
    assert [m["first_epoch_at_target"] for m in summary["members"]] == [2, 1, 4, 1, None, 3]
    assert [m["target_held_from"] for m in summary["members"]] == [4, None, 4, 1, None, None]
    first, second = summary["rows"]

    def stats(row, name):
        return tuple(row[k] for k in (f"n_{name}", f"{name}_epoch_median", f"{name}_epoch_min", f"{name}_epoch_max"))

    assert stats(first, "reached") == (3, 2, 1, 4) and stats(first, "held") == (2, 4, 4, 4)
    assert (second["n_reached"], second["reached_epoch_median"]) == (1, 3)  # member 3 diverged: not counted
    assert second["n_held"] == 0 and second["held_epoch_median"] is None
    header, _, row_1, row_2 = summary["table"].splitlines()
    assert header.split(" | ")[5:7] == ["epochs to 96 %", "held ≥ 96 % from"]
    assert row_1.split(" | ")[5:7] == ["2 (1–4)", "4 (4–4), 2 of 3"]
    assert row_2.split(" | ")[5:7] == ["3 (3–3), 1 of 2", "never (0 of 2)"]
    assert "Epochs to 96 %: median (min–max) of the first epoch whose test accuracy reached 96 %" in summary["notes"]
    assert "held from: of the epoch from which it stayed at or above 96 % through the last" in summary["notes"]
    assert "cosine" in summary["notes"]  # Config's default schedule
    assert summary["target"] == 0.96
    constant = [c.replace(schedule="constant") for c in configs]
    notes = sweep_summary.write_summary(Path("unused"), base, constant, grid, results, lines, 2.0, write=False,
                                        target=0.96)["notes"]  # fmt: skip
    assert "cosine" not in notes  # a trial read the cosine caveat under constant-schedule sweeps

    never = [{**line, "test_accuracy": 0.5} for line in lines]
    table = sweep_summary.write_summary(Path("unused"), base, configs, grid, results, never, 2.0, write=False,
                                        target=0.965)["table"]  # fmt: skip
    assert table.splitlines()[0].split(" | ")[5] == "epochs to 96.5 %"
    assert [r.split(" | ")[5] for r in table.splitlines()[2:]] == ["never (0 of 3)", "never (0 of 2)"]

    plain = sweep_summary.write_summary(Path("unused"), base, configs, grid, results, lines, 2.0, write=False)
    assert "epochs to" not in plain["table"] and "Epochs to" not in plain["notes"]
    assert all("first_epoch_at_target" not in m for m in plain["members"]) and plain["target"] is None


@pytest.mark.parametrize("bad", [96, 0, -0.5, 1.5, float("nan"), True, "0.96"])
def test_a_target_that_is_not_a_fraction_in_0_1_is_refused_before_anything_trains(bad, tmp_path):
    with pytest.raises(ConfigError, match=r"^target .*: the accuracy to reach, a fraction in \(0, 1\], e\.g\. 0\.96"):
        sweep.run_sweep(Config(epochs=1), {"seed": [0, 1]}, tmp_path / "s", target=bad)
    assert not (tmp_path / "s").exists()
    assert target.check_target(1) == 1.0 and target.check_target(None) is None


def test_the_sweep_command_passes_its_target_on_and_refuses_a_bad_one_in_one_line(
    monkeypatch, tmp_path, cli, cli_error
):
    summary = {"sweep_dir": "s", "table": "a table\n", "n_members": 2, "n_groups": 1, "device": "cpu", "wall_s": 1.0,
               "train_s": 1.0, "compile_s": 0.5}  # fmt: skip
    seen = []
    monkeypatch.setattr(sweep, "run_sweep", lambda *args, **kwargs: seen.append(kwargs) or summary)
    rc, _, _ = cli("sweep", "--grid", "seed=0,1", "--out", tmp_path / "a", "--target", "0.96")
    assert rc == 0 and seen.pop()["target"] == 0.96
    rc, _, _ = cli("sweep", "--grid", "seed=0,1", "--out", tmp_path / "b")
    assert rc == 0 and seen.pop()["target"] is None
    for bad in ("96", "ninety", "0"):
        line = cli_error("sweep", "--grid", "seed=0,1", "--out", tmp_path / "c", "--target", bad)
        assert line == f"nnjax: error: --target {bad}: the accuracy to reach, a fraction in (0, 1], e.g. 0.96 for 96 %"
    assert not seen and not (tmp_path / "c").exists()


# --------------------------------------------------------------------------------------------------
# --replicates: the fields each row averages over, and their variance split
# --------------------------------------------------------------------------------------------------


def _sums_of_squares_by_least_squares(y_AxB: np.ndarray) -> dict[str, float]:
    """A two-way table's sums of squares from least-squares fits of nested models: each main effect is what
    adding its indicator columns to the grand mean removes from the residual; the rest is the additive model's
    residual."""
    n_a, n_b = y_AxB.shape
    v = y_AxB.ravel()  # cell (i, j) at i * n_b + j
    ones = np.ones((n_a * n_b, 1))
    rows, cols = np.repeat(np.eye(n_a), n_b, axis=0), np.tile(np.eye(n_b), (n_a, 1))

    def rss(x):
        return float(np.sum((v - x @ np.linalg.lstsq(x, v, rcond=None)[0]) ** 2))

    total = rss(ones)
    return {
        "a": total - rss(np.hstack([ones, rows])),
        "b": total - rss(np.hstack([ones, cols])),
        "rest": rss(np.hstack([ones, rows, cols])),
        "total": total,
    }


def _f_tail_even(f: float, d1: int, d2: int) -> float:
    """P(F(d1, d2) > f) for an even d1, as a finite sum: x^(d2/2) Σ_{k < d1/2} Γ(d2/2 + k) / (Γ(d2/2) k!) (1 − x)^k
    at x = d2 / (d2 + d1 f)."""
    import math

    x = d2 / (d2 + d1 * f)
    terms = (math.exp(math.lgamma(d2 / 2 + k) - math.lgamma(d2 / 2) - math.lgamma(k + 1)) for k in range(d1 // 2))
    return x ** (d2 / 2) * sum(t * (1 - x) ** k for k, t in enumerate(terms))


def test_two_way_anova_matches_least_squares_fits_and_the_f_tail_by_hand():
    """``two_way_anova`` of a 3 × 5 table (and its transpose) against sums of squares from least-squares fits
    and F's upper tail from its finite sum (even numerator degrees of freedom); an additive table has no rest
    (no F), a constant one no shares."""
    rng = np.random.default_rng(3)
    y = 0.9 + rng.normal(0, 0.005, (3, 5)) + np.array([[0], [0.02], [0.04]])  # rows apart, columns alike
    for table in (y, y.T):
        got, want = sweep_summary.two_way_anova(table), _sums_of_squares_by_least_squares(table)
        n_a, n_b = table.shape
        assert got["df"] == {"a": n_a - 1, "b": n_b - 1, "rest": (n_a - 1) * (n_b - 1)}
        assert got["ss"] == pytest.approx(want, rel=1e-9)
        assert got["share"] == pytest.approx({k: want[k] / want["total"] for k in ("a", "b", "rest")}, rel=1e-9)
        assert sum(got["share"].values()) == pytest.approx(1.0)
        d_rest = got["df"]["rest"]
        for k in ("a", "b"):
            f = (want[k] / got["df"][k]) / (want["rest"] / d_rest)
            assert got["F"][k] == pytest.approx(f, rel=1e-9)
            assert got["p"][k] == pytest.approx(_f_tail_even(f, got["df"][k], d_rest), rel=1e-4, abs=1e-7)
    assert 0 < sweep_summary.two_way_anova(y)["p"]["a"] < 0.01 and sweep_summary.two_way_anova(y)["p"]["b"] > 0.05
    additive = sweep_summary.two_way_anova([[0, 4], [1, 5], [2, 6]])  # rows + columns exactly: no rest
    assert additive["ss"]["rest"] == 0 and additive["F"] == {"a": None, "b": None} and additive["p"]["a"] is None
    assert additive["share"] == pytest.approx({"a": 4 / 28, "b": 24 / 28, "rest": 0})
    assert sweep_summary.two_way_anova(np.full((2, 2), 0.9))["share"] == {"a": None, "b": None, "rest": None}
    with pytest.raises(ValueError, match="at least 2 × 2"):
        sweep_summary.two_way_anova([[0.9, 0.8, 0.7]])


def test_two_way_anova_p_keeps_double_precision_down_to_tiny_values():
    """A strong main effect's p is a tiny number, not 0 (float32's incomplete beta gave 0.0, printed "p 0"),
    and every p matches F's upper tail by its finite sum to double precision (it was within 1e-6)."""
    rng = np.random.default_rng(1)
    strong = 0.9 + 0.01 * np.arange(5)[:, None] + 1e-5 * rng.standard_normal((5, 5))
    weak = 0.96 + 1e-3 * rng.standard_normal((3, 5))
    for y in (strong, weak):
        got = sweep_summary.two_way_anova(y)
        for k in ("a", "b"):
            want = _f_tail_even(got["F"][k], got["df"][k], got["df"]["rest"])
            assert got["p"][k] == pytest.approx(want, rel=1e-9)
    assert 0 < sweep_summary.two_way_anova(strong)["p"]["a"] < 1e-40


def test_replicates_set_the_rows_and_two_crossed_ones_split_each_rows_variance(tmp_path, monkeypatch):
    """From hand-made results (no training), a grid lr × seed × data_seed: with replicates seed and data_seed
    the rows are the lr values, each of 9 members; its variance split is the two-way ANOVA of its 3 × 3
    table (checked against least-squares fits and F's tail by hand), under the table in summary.md and in the
    summary; a row with a diverged member has none, and says why. accuracy.png is grouped by lr alone;
    members.csv is the same as with the default (seed only), whose rows are lr × data_seed, without a split."""
    import nnjax.viz

    drawn = []
    monkeypatch.setattr(nnjax.viz, "plot_sweep_accuracy", lambda lines, varied, *a, **k: drawn.append(varied))
    base = Config(name="b", hidden=(8,), epochs=2)
    grid = {"lr": [0.1, 0.2], "seed": [0, 1, 2], "data_seed": [0, 1, 2]}
    configs = sweep_grid.expand(base, grid)  # member m: lr m // 9, seed m // 3 % 3, data_seed m % 3
    acc = np.round(np.random.default_rng(0).uniform(0.9, 0.95, 18), 4)
    lines = [{"member": m, "epoch": e, "test_accuracy": float(acc[m])} for m in range(18) for e in (1, 2)]
    results = [
        {"group": "g00", "members": list(range(18)), "k": 18, "test_accuracy": [*map(float, acc[:13]), None,
         *map(float, acc[14:])], "diverged_epoch": [None] * 13 + [2] + [None] * 4, "train_s": 1.5, "compile_s": 0.5,
         "eval_split": "test", "device": "cpu", "n_devices": 1, "split": "batch"},
    ]  # member 13 (lr 0.2) diverged  # fmt: skip
    (tmp_path / "r").mkdir()
    (tmp_path / "d").mkdir()
    summary = sweep_summary.write_summary(tmp_path / "r", base, configs, grid, results, lines, 2.0,
                                          replicates=("seed", "data_seed"))  # fmt: skip
    assert summary["varied"] == ["lr"] and drawn.pop() == ["lr"] and summary["replicates"] == ["seed", "data_seed"]
    first, second = summary["rows"]
    assert (first["lr"], first["n"], first["members"]) == (0.1, 9, list(range(9)))
    assert first["test_accuracy_mean"] == pytest.approx(np.mean(acc[:9]))
    assert first["test_accuracy_std"] == pytest.approx(np.std(acc[:9], ddof=1))
    split = first["variance_split"]
    want = _sums_of_squares_by_least_squares(acc[:9].reshape(3, 3))  # [seed, data_seed]
    f_seed, f_data = ((want[k] / 2) / (want["rest"] / 4) for k in ("a", "b"))
    assert split["fields"] == ["seed", "data_seed"] and split["df"] == {"seed": 2, "data_seed": 2, "rest": 4}
    assert split["share"] == pytest.approx(
        {
            "seed": want["a"] / want["total"],
            "data_seed": want["b"] / want["total"],
            "rest": want["rest"] / want["total"],
        }
    )
    assert split["F"] == pytest.approx({"seed": f_seed, "data_seed": f_data})
    p_seed, p_data = (1 + f_seed / 2) ** -2, (1 + f_data / 2) ** -2  # F(2, 4)'s upper tail
    assert split["p"] == pytest.approx({"seed": p_seed, "data_seed": p_data}, rel=1e-4)
    assert second["variance_split"] == {"fields": ["seed", "data_seed"], "why": "1 of 9 members diverged"}

    def cell(k, f, p):
        return f"{100 * want[k] / want['total']:.1f} % (F {f:.2f}, p {p:.2g})"

    variance, rest = summary["variance"], 100 * want["rest"] / want["total"]
    assert variance.splitlines()[0].startswith("Variance split of the final test accuracy over seed × data_seed")
    assert variance.splitlines()[2:] == [
        "| lr | seed, F(2, 4) | data_seed, F(2, 4) | rest (interaction) |",
        "|---|---|---|---|",
        f"| 0.1 | {cell('a', f_seed, p_seed)} | {cell('b', f_data, p_data)} | {rest:.1f} % |",
        "| 0.2 | — (1 of 9 members diverged) | — | — |",
    ]
    assert "Each row's members differ only in seed and data_seed (--replicates)." in summary["notes"]
    md = (tmp_path / "r" / "summary.md").read_text()
    assert summary["table"] + "\n" + variance + "\n" + summary["notes"] in md

    default = sweep_summary.write_summary(tmp_path / "d", base, configs, grid, results, lines, 2.0)
    assert default["varied"] == ["lr", "data_seed"] and drawn.pop() == ["lr", "data_seed"]
    assert [r["n"] for r in default["rows"]] == [3] * 6 and all("variance_split" not in r for r in default["rows"])
    assert default["variance"] == "" and "Variance split" not in (tmp_path / "d" / "summary.md").read_text()
    assert "--replicates" not in default["notes"]
    assert (tmp_path / "r" / "members.csv").read_bytes() == (tmp_path / "d" / "members.csv").read_bytes()
    one = sweep_summary.write_summary(tmp_path / "d", base, configs, {**grid, "lr": [0.1]}, results[:1], lines, 2.0,
                                      replicates=("seed",), write=False)  # fmt: skip
    assert one["varied"] == ["data_seed"]  # a replicate set, not varied: no split


def test_replicates_are_kept_in_sweep_json_for_a_resume(tmp_path, capsys, monkeypatch):
    """A sweep's replicates are written to sweep.json: a resume without them keeps its table (and writes
    nothing), ``nnjax viz SWEEP_DIR`` groups its curves alike; a resume with others uses them, says so, keeps
    them in sweep.json and writes the summary files again (members.csv to the byte as before)."""
    import nnjax.viz

    s = tmp_path / "s"
    grid = {"seed": [0, 1], "data_seed": [0, 1]}
    crossed = run_tiny(TINY, grid, s, replicates=["seed", "data_seed"])
    spec = json.loads((s / "sweep.json").read_text())
    assert spec["replicates"] == ["seed", "data_seed"]
    assert crossed["varied"] == [] and [r["n"] for r in crossed["rows"]] == [4]
    assert crossed["rows"][0]["variance_split"]["df"] == {"seed": 1, "data_seed": 1, "rest": 1}
    members_csv = (s / "members.csv").read_bytes()
    before = folder_bytes(s)
    capsys.readouterr()
    again = run_tiny(TINY, grid, s, resume=True)
    assert again["rows"] == crossed["rows"] and again["variance"] == crossed["variance"] != ""
    assert folder_bytes(s) == before and "nothing to resume" in capsys.readouterr().err
    curves = []
    monkeypatch.setattr(nnjax.viz, "plot_sweep_curves", lambda lines, varied, *a: curves.append(varied) or [])
    nnjax.viz.render_sweep(s)
    assert curves == [[]]

    seed_only = run_tiny(TINY, grid, s, resume=True, replicates=("seed",))
    assert (
        capsys.readouterr().err
        == f"nnjax: {s}: replicates seed instead of the sweep's seed,data_seed, kept in its sweep.json\n"
    )
    assert seed_only["varied"] == ["data_seed"] and seed_only["variance"] == ""
    assert json.loads((s / "sweep.json").read_text()) == {**spec, "replicates": ["seed"]}
    assert "| data_seed | members |" in (s / "summary.md").read_text()
    assert (s / "members.csv").read_bytes() == members_csv
    assert run_tiny(TINY, grid, s, resume=True)["varied"] == ["data_seed"]

    (s / "sweep.json").write_text(json.dumps({**spec, "replicates": ["lr"]}))
    with pytest.raises(ConfigError, match=rf"^{re.escape(str(s / 'sweep.json'))}: replicates: 'lr' is not a field of"):
        sweep.load_sweep_options(s)
    # a target and replicates both edited wrong: one line names both, so that one edit mends them
    (s / "sweep.json").write_text(json.dumps({**spec, "target": 2, "replicates": ["lr"]}))
    with pytest.raises(ConfigError) as e:
        sweep.load_sweep_options(s)
    assert str(e.value).startswith(f"{s / 'sweep.json'}: target ") and "; replicates: 'lr' is not a field of" in str(
        e.value
    )


@pytest.mark.parametrize(
    "bad, needle",
    [
        (["data_seed"], "replicates: 'data_seed' is not a field of the grid (seed=0,1); the table averages over grid"),
        (["seed", "dataseed"], "replicates: 'dataseed' is not a config field; valid: "),
        ("seed", "replicates: 'seed' is not a list of grid fields"),
        ([], "replicates: [] is not a list of grid fields"),
        (["seed", "seed"], "replicates: 'seed' is given twice"),
    ],
)
def test_replicates_that_are_not_grid_fields_are_refused_before_anything_is_made(tmp_path, bad, needle):
    with pytest.raises(ConfigError) as e:
        sweep.run_sweep(TINY, {"seed": [0, 1]}, tmp_path / "s", splits=SPLITS, replicates=bad)
    assert str(e.value).startswith(needle), e.value
    assert not (tmp_path / "s").exists()


def test_the_sweep_command_passes_its_replicates_on_prints_the_split_and_refuses_bad_ones_in_one_line(
    monkeypatch, tmp_path, cli, cli_error
):
    summary = {"sweep_dir": "s", "table": "a table\n", "variance": "a split\n", "notes": "notes", "n_members": 4,
               "n_groups": 2, "device": "cpu", "wall_s": 1.0, "train_s": 1.0, "compile_s": 0.5}  # fmt: skip
    seen = []
    monkeypatch.setattr(sweep, "run_sweep", lambda *args, **kwargs: seen.append(kwargs) or summary)
    monkeypatch.chdir(tmp_path)
    grid = ("--grid", "seed=0,1", "data_seed=0,1")
    rc, out, _ = cli("sweep", *grid, "--out", "a", "--replicates", "seed,data-seed")
    assert rc == 0 and seen.pop()["replicates"] == ("seed", "data_seed")
    assert out.splitlines()[1:5] == ["a table", "", "a split", "notes"]
    rc, _, _ = cli("sweep", *grid, "--out", "b")
    assert rc == 0 and seen.pop()["replicates"] is None
    rc, out, _ = cli("sweep", *grid, "--out", "b", "--json")
    assert "variance" not in json.loads(out) and seen.pop()  # text: the rows hold its numbers
    for flag, why in (
        ("seed,lr", "'lr' is not a field of the grid (seed=0,1 data_seed=0,1); the table averages over grid fields"),
        ("seed,foo", "'foo' is not a config field; valid: "),
    ):
        line = cli_error("sweep", *grid, "--replicates", flag)  # the default folder: not made
        assert line.startswith(f"nnjax: error: --replicates {flag}: {why}"), line
    assert not seen and not (tmp_path / "sweeps").exists()


def test_a_target_is_kept_in_sweep_json_for_a_resume_and_another_one_replaces_it(tmp_path, capsys, monkeypatch):
    """--target is written to sweep.json and to every member's row of members.csv: a resume without it keeps its
    columns (and writes nothing), a resume with another one uses it, says so, keeps it in sweep.json and writes
    the summary files again; accuracy.png is told the target to draw."""
    import nnjax.viz

    s = tmp_path / "s"
    grid = {"seed": [0, 1]}
    drawn = []
    real = nnjax.viz.plot_sweep_accuracy
    monkeypatch.setattr(nnjax.viz, "plot_sweep_accuracy", lambda *a, **k: drawn.append(k["target"]) or real(*a, **k))
    first = run_tiny(TINY, grid, s, target=0.05)
    spec = json.loads((s / "sweep.json").read_text())
    assert spec["target"] == 0.05 and drawn.pop() == 0.05
    with open(s / "members.csv") as f:
        assert [(r["target"], r["first_epoch_at_target"]) for r in csv.DictReader(f)] == [
            ("0.05", str(m["first_epoch_at_target"])) for m in first["members"]
        ]
    before = folder_bytes(s)
    capsys.readouterr()
    again = run_tiny(TINY, grid, s, resume=True)
    assert again["target"] == 0.05 and again["table"] == first["table"] and "| epochs to 5 % |" in again["table"]
    assert folder_bytes(s) == before and "nothing to resume" in capsys.readouterr().err
    assert run_tiny(TINY, grid, s, resume=True, target=0.05)["table"] == first["table"]  # the same: nothing written
    assert folder_bytes(s) == before and not drawn and "nothing to resume" in capsys.readouterr().err

    other = run_tiny(TINY, grid, s, resume=True, target=0.5)
    assert capsys.readouterr().err == f"nnjax: {s}: target 50 % instead of the sweep's 5 %, kept in its sweep.json\n"
    assert other["target"] == 0.5 and "| epochs to 50 % |" in (s / "summary.md").read_text() and drawn.pop() == 0.5
    assert json.loads((s / "sweep.json").read_text()) == {**spec, "target": 0.5}
    with open(s / "members.csv") as f:
        assert {r["target"] for r in csv.DictReader(f)} == {"0.5"}
    assert run_tiny(TINY, grid, s, resume=True)["target"] == 0.5

    (s / "sweep.json").write_text(json.dumps({**spec, "target": 96}))
    with pytest.raises(ConfigError, match=rf"^{re.escape(str(s / 'sweep.json'))}: target 96: the accuracy to reach"):
        sweep.load_sweep_options(s)
    plain = tmp_path / "plain"
    run_tiny(TINY, grid, plain)
    assert "target" not in json.loads((plain / "sweep.json").read_text()) and drawn.pop() is None


def _welch_by_hand(a, b) -> float:
    """Welch's two-sided p from its t and Welch–Satterthwaite degrees of freedom, the t distribution's tail
    integrated numerically (no scipy.stats)."""
    va, vb = np.var(a, ddof=1) / len(a), np.var(b, ddof=1) / len(b)
    t = abs(np.mean(a) - np.mean(b)) / math.sqrt(va + vb)
    df = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
    x = np.linspace(t, t + 400, 2_000_001)
    log_c = math.lgamma((df + 1) / 2) - math.lgamma(df / 2) - 0.5 * math.log(df * math.pi)
    pdf = np.exp(log_c - (df + 1) / 2 * np.log1p(x**2 / df))
    return 2 * float(np.sum((pdf[1:] + pdf[:-1]) / 2 * np.diff(x)))


def test_welch_p_and_holm_match_hand_computations():
    rng = np.random.default_rng(5)
    for shift in (0.0, 0.002, 0.01):
        a, b = rng.normal(0.96, 0.002, 5), rng.normal(0.96 + shift, 0.004, 4)
        assert sweep_summary.welch_p(list(a), list(b)) == pytest.approx(_welch_by_hand(a, b), rel=1e-4)
    assert sweep_summary.welch_p([0.9, 0.91], [0.95]) is None  # one value: no spread to test against
    assert sweep_summary.welch_p([0.9, 0.9], [0.95, 0.95]) is None
    # sorted 0.01, 0.03, 0.04: × 3, × 2, × 1, each at least the one before it
    assert sweep_summary.holm([0.04, None, 0.01, 0.03]) == pytest.approx([0.06, None, 0.03, 0.06])
    assert sweep_summary.holm([0.5, 0.9]) == [1.0, 1.0] and sweep_summary.holm([None]) == [None]


def test_a_baseline_row_gives_every_other_row_its_difference_and_welch_p_holm_adjusted(tmp_path, monkeypatch):
    """From hand-made results (no training), a grid lr × seed and ``baseline={"lr": 0.2}``: each other row's
    mean minus the baseline's and Welch's p over the members that did not diverge, Holm-adjusted over the two
    rows compared, in the rows, the table's two new columns and the notes; without a baseline, neither."""
    import nnjax.viz

    monkeypatch.setattr(nnjax.viz, "plot_sweep_accuracy", lambda *a, **k: None)
    base = Config(name="b", hidden=(8,), epochs=2)
    grid = {"lr": [0.1, 0.2, 0.3], "seed": [0, 1, 2, 3]}
    configs = sweep_grid.expand(base, grid)  # member m: lr m // 4, seed m % 4
    acc = np.round(np.random.default_rng(1).uniform(0.9, 0.95, 12), 4) + np.repeat([0.0, 0.01, 0.0], 4)
    lines = [{"member": m, "epoch": e, "test_accuracy": float(acc[m])} for m in range(12) for e in (1, 2)]
    diverged = [None] * 11 + [2]  # member 11 (lr 0.3) diverged: left out of its row's test
    results = [
        {"group": "g00", "members": list(range(12)), "k": 12, "test_accuracy": [*map(float, acc[:11]), None],
         "diverged_epoch": diverged, "train_s": 1.5, "compile_s": 0.5, "eval_split": "test", "device": "cpu",
         "n_devices": 1, "split": "batch"},
    ]  # fmt: skip
    (tmp_path / "s").mkdir()
    baseline = sweep_grid.check_baseline({"lr": 0.2}, grid, ("seed",))
    summary = sweep_summary.write_summary(tmp_path / "s", base, configs, grid, results, lines, 2.0, baseline=baseline)
    low, mid, high = summary["rows"]
    rows = {0.1: acc[0:4], 0.3: acc[8:11]}
    p = {lr: _welch_by_hand(rows[lr], acc[4:8]) for lr in rows}
    assert mid["baseline"] and mid["vs_baseline"] is None and mid["p_welch"] is None and mid["p_holm"] is None
    for row in (low, high):
        assert not row["baseline"]
        assert row["vs_baseline"] == pytest.approx(np.mean(rows[row["lr"]]) - np.mean(acc[4:8]))
        assert row["p_welch"] == pytest.approx(p[row["lr"]], rel=1e-4)
    small, large = sorted(p.values())
    adjusted = {lr: 2 * small if v == small else max(2 * small, large) for lr, v in p.items()}
    assert (low["p_holm"], high["p_holm"]) == pytest.approx((adjusted[0.1], adjusted[0.3]), rel=1e-4)
    head, _, *cells = summary["table"].splitlines()
    assert (
        "| test accuracy (%) mean ± std | vs baseline (points) | p (Welch; Holm) | train accuracy (%) (gap) |" in head
    )
    assert cells[1].split(" | ")[3:5] == ["baseline", "—"]
    for line, row in zip((cells[0], cells[2]), (low, high)):
        gap, ps = line.split(" | ")[3:5]
        assert gap == f"{100 * row['vs_baseline']:+.2f}" and ps == f"{row['p_welch']:.2g}; {row['p_holm']:.2g}"
    notes = summary["notes"]
    assert "vs baseline: the row's mean minus that of the baseline row (lr=0.2), in percentage points" in notes
    assert "Holm-adjusted for every row compared" in summary["notes"] and summary["baseline"] == {"lr": 0.2}
    assert "rough guide" not in notes  # 4, 4 and 3 members: no warning that they are few
    assert summary["table"] in (tmp_path / "s" / "summary.md").read_text()
    plain = sweep_summary.write_summary(tmp_path / "s", base, configs, grid, results, lines, 2.0, write=False)
    assert "vs baseline" not in plain["table"] + plain["notes"] and "p_welch" not in plain["rows"][0]


@pytest.mark.parametrize(
    "accs, fewest",
    [
        ([[0.90, 0.91], [0.92, 0.93]], 2),  # two seeds a row: a trial read these p-values with no warning
        ([[0.90, 0.91, 0.92], [0.92, None, 0.93]], 2),  # the baseline row (lr 0.2) lost one of three members
        ([[0.90, None, None], [0.92, 0.93, 0.94]], None),  # one member left: no p, nothing to warn about
    ],
)
def test_the_notes_say_when_a_welch_p_rests_on_fewer_than_three_members(tmp_path, monkeypatch, accs, fewest):
    """Below the table, where a row with a Welch p, or the baseline row, has fewer than 3 members that did not
    diverge: how few, and that the p is then a rough guide; not where no p was computed."""
    import nnjax.viz

    monkeypatch.setattr(nnjax.viz, "plot_sweep_accuracy", lambda *a, **k: None)
    n = len(accs[0])
    base = Config(name="b", hidden=(8,), epochs=1)
    grid = {"lr": [0.1, 0.2], "seed": list(range(n))}
    configs = sweep_grid.expand(base, grid)  # member m: lr m // n, seed m % n
    flat = [a for row in accs for a in row]
    lines = [{"member": m, "epoch": 1, "test_accuracy": a} for m, a in enumerate(flat)]
    results = [
        {"group": "g00", "members": list(range(2 * n)), "k": 2 * n, "test_accuracy": flat,
         "diverged_epoch": [None if a is not None else 1 for a in flat], "train_s": 1.0, "compile_s": 0.5,
         "eval_split": "test", "device": "cpu", "n_devices": 1, "split": "batch"},
    ]  # fmt: skip
    baseline = sweep_grid.check_baseline({"lr": 0.2}, grid, ("seed",))
    summary = sweep_summary.write_summary(tmp_path, base, configs, grid, results, lines, 1.0, write=False,
                                          baseline=baseline)  # fmt: skip
    notes = summary["notes"]
    if fewest is None:
        assert summary["rows"][0]["p_welch"] is None and "rough guide" not in notes, notes
    else:
        assert summary["rows"][0]["p_welch"] is not None
        want = f"As few as {fewest} members (not diverged) in a row compared or the baseline: too few for Welch's"
        assert want in notes and "so its p is a rough guide there." in notes, notes


@pytest.mark.parametrize(
    "grid, baseline, replicates, needle",
    [
        ({"lr": [0.1, 0.2], "seed": [0, 1]}, {"lr": 0.5}, None, "baseline: lr=0.5 is not in the grid (lr=0.1,0.2)"),
        ({"lr": [0.1, 0.2], "seed": [0, 1]}, {"seed": 0}, None, "baseline: 'seed' does not tell the table's rows"),
        ({"lr": [0.1, 0.2], "seed": [0, 1]}, {"l_r": 0.1}, None,
         "baseline: 'l_r' is not a config field (the grid's: lr, seed)"),
        ({"lr": [0.1, 0.2], "seed": [0, 1], "data_seed": [0, 1]}, {"lr": 0.1}, None,
         "baseline: give a value of data_seed too (the rows differ in lr, data_seed)"),
        ({"seed": [0, 1], "data_seed": [0, 1]}, {"data_seed": 0}, ("seed", "data_seed"),
         "baseline: the table has one row (the grid varies only seed, data_seed): nothing to compare"),
        ({"lr": [0.1, 0.2], "seed": [0, 1]}, "lr=0.1", None, "baseline: 'lr=0.1' is not a {field: value} dict"),
    ],
)  # fmt: skip
def test_a_baseline_that_names_no_row_is_refused_before_anything_is_made(tmp_path, grid, baseline, replicates, needle):
    with pytest.raises(ConfigError) as e:
        run_tiny(TINY, grid, tmp_path / "s", baseline=baseline, replicates=replicates)
    assert str(e.value).startswith(needle), e.value
    assert not (tmp_path / "s").exists()


@pytest.mark.parametrize(
    "given, flag, why",
    [
        ({"hidden": (4, -4)}, "hidden=4,-4", "config field 'hidden' = (4, -4): layer sizes must be positive"),
        ({"lr": -0.1}, "lr=-0.1", "config field 'lr' = -0.1: must be a positive finite number"),
        ({"seed": 2**32}, f"seed={2**32}", "config field 'seed' = 4294967296: must be in [0, 2**32)"),
        ({"lr": "x"}, "lr=x", "config field 'lr': cannot parse 'x' as a number"),
    ],
)
def test_a_python_baseline_names_a_bad_value_as_the_baseline_flag_does(tmp_path, given, flag, why):
    """``baseline={"hidden": (4, -4)}`` said "hidden=4x-4 is not in the grid", where ``--baseline hidden=4,-4``
    names the field, the value and what the field takes (``config.check_value``); a value given as text was named
    a "grid field". The Python line is the flag's, with ``baseline:`` for ``--baseline FLAG:``."""
    grid = {"hidden": [(4, 4), (4,)], "lr": [0.01, 0.1], "seed": [0, 1]}
    with pytest.raises(ConfigError) as e:
        run_tiny(TINY, grid, tmp_path / "s", baseline=given)
    assert str(e.value).startswith(f"baseline: {why}"), e.value
    assert not (tmp_path / "s").exists()
    with pytest.raises(ConfigError) as e_flag:
        sweep_grid.baseline_flag(flag, grid, ("seed",))
    assert str(e_flag.value).removeprefix(f"--baseline {flag}: ") == str(e.value).removeprefix("baseline: ")


def test_a_baseline_is_kept_in_sweep_json_for_a_resume_and_checked_against_new_replicates(tmp_path, capsys):
    """A sweep's baseline is written to sweep.json: a resume without it keeps the comparison (and writes
    nothing); one with another baseline uses it, says so and keeps it; replicates under which the stored
    baseline names no row are refused, nothing written."""
    s = tmp_path / "s"
    grid = {"lr": [0.05, 0.1], "seed": [0, 1], "data_seed": [0, 1]}
    first = run_tiny(TINY, grid, s, baseline={"lr": 0.05, "data_seed": 1})
    spec = json.loads((s / "sweep.json").read_text())
    assert spec["baseline"] == {"lr": 0.05, "data_seed": 1} and first["baseline"] == spec["baseline"]
    assert [r["baseline"] for r in first["rows"]] == [False, True, False, False]
    before = folder_bytes(s)
    capsys.readouterr()
    again = run_tiny(TINY, grid, s, resume=True)
    assert again["rows"] == first["rows"] and folder_bytes(s) == before
    assert "nothing to resume" in capsys.readouterr().err
    other = run_tiny(TINY, grid, s, resume=True, baseline={"lr": 0.1, "data_seed": 0})
    assert capsys.readouterr().err == (
        f"nnjax: {s}: baseline lr=0.1,data_seed=0 instead of the sweep's lr=0.05,data_seed=1, kept in its sweep.json\n"
    )
    assert [r["baseline"] for r in other["rows"]] == [False, False, True, False]
    assert json.loads((s / "sweep.json").read_text()) == {**spec, "baseline": {"lr": 0.1, "data_seed": 0}}
    before = folder_bytes(s)
    with pytest.raises(ConfigError, match="names no row with replicates seed,data_seed .'data_seed' does not tell"):
        run_tiny(TINY, grid, s, resume=True, replicates=("seed", "data_seed"))
    assert folder_bytes(s) == before


def test_a_resume_whose_replicates_leave_the_stored_baseline_no_row_names_sweep_json_and_the_remedy(tmp_path):
    """A resume with replicates under which sweep.json's baseline names no row: one line naming the file, the
    stored baseline and what to give (it said only "baseline: 'data_seed' does not tell the table's rows apart",
    naming neither), nothing written; with a baseline for the new rows it goes on."""
    s = tmp_path / "s"
    grid = {"lr": [0.05, 0.1], "seed": [0, 1], "data_seed": [0, 1]}
    run_tiny(TINY, grid, s, baseline={"lr": 0.05, "data_seed": 1})
    before = folder_bytes(s)
    with pytest.raises(ConfigError) as e:
        run_tiny(TINY, grid, s, resume=True, replicates=("seed", "data_seed"))
    assert str(e.value) == (
        f"{s / 'sweep.json'}: its baseline lr=0.05,data_seed=1 names no row with replicates seed,data_seed "
        "('data_seed' does not tell the table's rows apart (they differ in lr)): give a baseline for them"
    )
    assert folder_bytes(s) == before
    again = run_tiny(TINY, grid, s, resume=True, replicates=("seed", "data_seed"), baseline={"lr": 0.1})
    assert [r["baseline"] for r in again["rows"]] == [False, True]


def test_the_sweep_command_passes_its_baseline_on_and_refuses_a_bad_one_in_one_line(
    monkeypatch, tmp_path, cli, cli_error
):
    summary = {"sweep_dir": "s", "table": "a table\n", "notes": "notes", "n_members": 4, "n_groups": 2,
               "device": "cpu", "wall_s": 1.0, "train_s": 1.0, "compile_s": 0.5}  # fmt: skip
    seen = []
    monkeypatch.setattr(sweep, "run_sweep", lambda *args, **kwargs: seen.append(kwargs) or summary)
    monkeypatch.chdir(tmp_path)
    grid = ("--grid", "activation=sigmoid,relu", "hidden=16x16,32", "seed=0,1")
    rc, _, _ = cli("sweep", *grid, "--out", "a", "--baseline", "hidden=16x16,activation=relu")
    assert rc == 0 and seen.pop()["baseline"] == {"activation": "relu", "hidden": (16, 16)}
    rc, _, _ = cli("sweep", *grid, "--out", "b")
    assert rc == 0 and seen.pop()["baseline"] is None
    for flag, why in (
        ("activation=relu", "give a value of hidden too (the rows differ in activation, hidden)"),
        ("activation=tanh,hidden=32", "activation=tanh is not in the grid (activation=sigmoid,relu)"),
        ("activation", "'activation' is not FIELD=VALUE (e.g. activation=sigmoid,lr=0.03)"),
        ("activation=relu,hidden=32,activation=relu", "'activation' is given twice"),
        ("activation=relu,hidden=3.5", "config field 'hidden': cannot parse '3.5' as layer sizes"),
    ):
        line = cli_error("sweep", *grid, "--baseline", flag)  # the default folder: not made
        assert line.startswith(f"nnjax: error: --baseline {flag}: {why}"), line
    for flag, why in (  # as --member names them (sweep_grid.selection_fields): the grid's fields, the item stripped
        ("activation=relu,colour=red", "'colour' is not a config field (the grid's: activation, hidden, seed)"),
        ("activation=relu, hidden", "'hidden' is not FIELD=VALUE (e.g. activation=sigmoid,lr=0.03)"),
    ):
        assert cli_error("sweep", *grid, "--baseline", flag) == f"nnjax: error: --baseline {flag}: {why}"
    assert not seen and not (tmp_path / "sweeps").exists()


# --------------------------------------------------------------------------------------------------
# linked grid fields: activation,lr=sigmoid:0.03,relu:0.01
# --------------------------------------------------------------------------------------------------

LINKED = {"activation,lr": [("sigmoid", 0.03), ("relu", 0.01), ("tanh", 0.01)], "seed": [0, 1]}


def test_a_linked_grid_item_gives_tuples_each_crossed_with_the_other_items():
    """``activation,lr=sigmoid:0.03,relu:0.01,tanh:0.01 seed=0,1`` is 3 tuples × 2 seeds, not 3 × 2 × 2; the
    activation splits the groups, lr is data in each; text, JSON and Python forms give the same grid."""
    items = ["activation,lr=sigmoid:0.03,relu:0.01,tanh:0.01", "seed=0,1"]
    grid = sweep_grid.parse_grid(items)
    assert grid == LINKED and isinstance(grid["activation,lr"][0][1], float)
    assert sweep_grid.grid_text(grid) == " ".join(items)
    assert sweep_grid.grid_json(grid) == {"activation,lr": [["sigmoid", 0.03], ["relu", 0.01], ["tanh", 0.01]],
                                          "seed": [0, 1]}  # fmt: skip
    assert sweep_grid.normalize_grid(json.loads(json.dumps(sweep_grid.grid_json(grid)))) == grid
    assert sweep_grid.field_values(grid) == {"activation": ["sigmoid", "relu", "tanh"], "lr": [0.03, 0.01],
                                             "seed": [0, 1]}  # fmt: skip
    assert sweep_grid.varied_fields(grid) == ["activation", "lr"]
    configs = sweep_grid.expand(TINY, grid)
    assert [c.name for c in configs] == [
        f"activation={a},lr={lr},seed={s}"
        for a, lr in (("sigmoid", 0.03), ("relu", 0.01), ("tanh", 0.01))
        for s in (0, 1)
    ]
    assert [[(c.activation, c.lr, c.seed) for c in g] for g in sweep_grid.group(configs)] == [
        [("sigmoid", 0.03, 0), ("sigmoid", 0.03, 1)], [("relu", 0.01, 0), ("relu", 0.01, 1)],
        [("tanh", 0.01, 0), ("tanh", 0.01, 1)],
    ]  # fmt: skip
    # any field's values link, the layers of hidden as in a crossed item (none: no hidden layer)
    hidden = sweep_grid.parse_grid(["hidden,weight-decay=16x16:0,none:1e-4"])
    assert hidden == {"hidden,weight_decay": [((16, 16), 0.0), ((), 1e-4)]}
    assert sweep_grid.grid_text(hidden) == "hidden,weight_decay=16x16:0,none:0.0001"
    assert sweep_grid.normalize_grid(sweep_grid.grid_json(hidden)) == hidden  # [[16, 16], 0.0] in JSON


@pytest.mark.parametrize(
    "items, needle",
    [
        (["activation,lr=sigmoid:0.03,relu"], "grid item 'activation,lr=sigmoid:0.03,relu': 'relu' has 1 value "
         "for the 2 fields activation,lr (give one of each, joined by ':': V1:V2)"),
        (["activation,lr=sigmoid:0.03:1"], "'sigmoid:0.03:1' has 3 values for the 2 fields"),
        (["activation,lr=sigmoid:0.03", "lr=0.1"], "grid item 'lr=0.1': field 'lr' is linked already "
         "(activation,lr=...); a field is in one grid item only"),
        (["lr=0.1", "activation,lr=sigmoid:0.03"], "grid item 'activation,lr=sigmoid:0.03': field 'lr' is also "
         "crossed (lr=...); a field is either linked with others or crossed"),
        (["activation,lr=sigmoid:0.03", "seed,lr=0:0.1"], "field 'lr' is linked already"),
        (["activation,activation=sigmoid:relu"], "field 'activation' is linked twice"),
        (["activation,lr=sigmoid:0.03,relu:0.01,sigmoid:0.03"], "grid item 'activation,lr': value sigmoid:0.03 is "
         "given twice"),
        (["activation,lr=sigmoid:fast"], "grid item 'activation,lr=sigmoid:fast': config field 'lr': cannot parse "
         "'fast' as a number"),
        (["activation,colour=sigmoid:red"], "grid item 'activation,colour=sigmoid:red': unknown config field 'colour'"),
        (["activation,=sigmoid,relu"], "grid item 'activation,=sigmoid,relu': a linked item of one field "
         "(activation); give it as activation=V1,V2"),
        (["activation,lr=sigmoid:,relu:0.01"], "empty value (tuples are separated by ',', the values of one by ':')"),
        (["activation,lr"], "grid item 'activation,lr': expected FIELD,FIELD=V:W,..."),
        (["activation=sigmoid:0.03"], "grid item 'activation=sigmoid:0.03': ':' joins the values of linked fields"),
        (["name,seed=a:0"], "field 'name' cannot be swept"),
    ],
)  # fmt: skip
def test_a_bad_linked_grid_item_is_one_line_naming_it(items, needle, tmp_path, cli_error):
    with pytest.raises(ConfigError) as e:
        sweep_grid.parse_grid(items)
    assert needle in str(e.value), e.value
    out = tmp_path / "s"
    assert cli_error("sweep", "--out", out, "--grid", *items, "--no-progress") == f"nnjax: error: {e.value}"
    assert not out.exists()


@pytest.mark.parametrize(
    "grid, needle",
    [
        ({"activation,lr": [("sigmoid", 0.03), ("relu",)]}, "grid item 'activation,lr': ('relu',) is not 2 values, "
         "one of each of activation, lr"),
        ({"activation,lr": ["sigmoid"]}, "grid item 'activation,lr': 'sigmoid' is not 2 values"),
        ({"activation,lr": [("sigmoid", 0.03)], "lr": [0.1]}, "grid field 'lr': field 'lr' is linked already"),
        ({"lr": [0.1], "activation,lr": [("sigmoid", 0.03)]}, "field 'lr' is also crossed (lr=...)"),
        ({"activation,lr": [("sigmoid", 0.03), ["sigmoid", 0.03]]}, "grid item 'activation,lr': value sigmoid:0.03 "
         "is given twice"),
        ({"activation,lr": [("sigmoid", "fast")]}, "cannot parse 'fast' as a number"),
        ({"activation,": [("sigmoid",), ("relu",)]}, "grid item 'activation,': a linked item of one field"),
        ({"activation,colour": [("sigmoid", 1)]}, "grid item 'activation,colour': unknown config field 'colour'; "),
        ({"name,seed": [("a", 0)]}, "grid item 'name,seed': field 'name' cannot be swept (members are named by"),
        ({"activation,activation": [("sigmoid", "relu")]}, "grid item 'activation,activation': field 'activation' "
         "is linked twice"),
        ({"activation,lr": []}, "grid field 'activation,lr': expected a non-empty list"),
        ({"activation,checkpoint_every": [("sigmoid", 1), ("relu", 2)]}, "grid field 'checkpoint_every': how often "
         "a group is checkpointed changes no result"),
    ],
)  # fmt: skip
def test_a_bad_linked_python_grid_is_refused_before_anything_is_made(grid, needle, tmp_path):
    with pytest.raises(ConfigError) as e:
        run_tiny(TINY, grid, tmp_path / "s")
    assert needle in str(e.value), e.value
    assert not (tmp_path / "s").exists()


def test_a_linked_grid_counts_its_tuples_toward_max_members(monkeypatch):
    monkeypatch.setattr(sweep_grid, "MAX_MEMBERS", 6)
    assert len(sweep_grid.expand(TINY, LINKED)) == 6
    with pytest.raises(ConfigError, match=r"^grid: 9 members \(activation,lr 3 × seed 3\)"):
        sweep_grid.normalize_grid({**LINKED, "seed": [0, 1, 2]})


def test_a_linked_sweep_has_a_row_per_tuple_its_baseline_by_one_field_and_resumes(tmp_path, capsys, monkeypatch):
    """Trained: members.csv one column per field, a table row per tuple, ``--baseline activation=sigmoid``
    taken as sigmoid's tuple, sweep.json's grid as JSON lists, the curves labelled per tuple; a resume of the
    same grid continues it (an interrupted group trains on), another grid is refused."""
    import nnjax.viz

    drawn = []
    real_plot = nnjax.viz.plot_sweep_accuracy
    monkeypatch.setattr(nnjax.viz, "plot_sweep_accuracy", lambda lines, varied, *a, **k: drawn.append(
        nnjax.viz.group_curves(lines, varied, "test_accuracy")) or real_plot(lines, varied, *a, **k))  # fmt: skip
    base = TINY.replace(epochs=4, checkpoint_every=2)
    s = tmp_path / "s"
    full = run_tiny(base, LINKED, s, baseline={"activation": "sigmoid"})
    assert full["n_members"] == 6 and full["n_groups"] == 3 and full["varied"] == ["activation", "lr"]
    assert [(r["activation"], r["lr"], r["members"]) for r in full["rows"]] == [
        ("sigmoid", 0.03, [0, 1]), ("relu", 0.01, [2, 3]), ("tanh", 0.01, [4, 5])
    ]  # fmt: skip
    assert [r["baseline"] for r in full["rows"]] == [True, False, False]
    assert full["baseline"] == {"activation": "sigmoid", "lr": 0.03}
    assert "(activation=sigmoid,lr=0.03)" in full["notes"]
    head, _, *cells = full["table"].splitlines()
    assert head.startswith("| activation | lr | members |") and [c.split(" | ")[:3] for c in cells] == [
        ["| sigmoid", "0.03", "2"], ["| relu", "0.01", "2"], ["| tanh", "0.01", "2"]
    ]  # fmt: skip
    with open(s / "members.csv") as f:
        rows = list(csv.DictReader(f))
    assert [(r["activation"], r["lr"], r["seed"]) for r in rows] == [
        (a, lr, sd) for a, lr in (("sigmoid", "0.03"), ("relu", "0.01"), ("tanh", "0.01")) for sd in "01"
    ]
    spec = json.loads((s / "sweep.json").read_text())
    assert spec["grid"] == {"activation,lr": [["sigmoid", 0.03], ["relu", 0.01], ["tanh", 0.01]], "seed": [0, 1]}
    assert spec["baseline"] == {"activation": "sigmoid", "lr": 0.03}
    assert sweep.load_sweep_spec(s)[1] == LINKED
    summary_md = (s / "summary.md").read_text()
    assert "with grid `activation,lr=sigmoid:0.03,relu:0.01,tanh:0.01 seed=0,1`" in summary_md
    assert '"lr"' not in summary_md and '"activation"' not in summary_md  # the grid's, not the base's
    assert [(label, n) for label, (*_, n) in drawn[0].items()] == [
        ("activation=sigmoid, lr=0.03", 2), ("activation=relu, lr=0.01", 2), ("activation=tanh, lr=0.01", 2)
    ]  # fmt: skip

    _interrupt_at_g01_epoch_4(base, LINKED, tmp_path / "cut", monkeypatch)
    cut = tmp_path / "cut"
    other = {**LINKED, "activation,lr": [("sigmoid", 0.03), ("relu", 0.03), ("tanh", 0.01)]}
    with pytest.raises(ConfigError, match=r"started with \(activation,lr=sigmoid:0.03,relu:0.01,tanh:0.01 seed="):
        run_tiny(base, other, cut, resume=True)
    resumed = run_tiny(*sweep.load_sweep_spec(cut), cut, resume=True, baseline={"activation": "sigmoid"})
    drop = TIMES
    assert [without(r, *drop) for r in resumed["members"]] == [without(r, *drop) for r in full["members"]]
    assert _metric_lines(cut) == _metric_lines(s)


def test_a_member_of_a_linked_sweep_equals_that_member_of_the_full_product(tmp_path):
    """Where the linked fields both split the groups (activation, hidden), each group of the linked sweep is
    that of the product: the same program over the same members, so the same numbers, bit for bit."""
    linked = {"activation,hidden": [("relu", (8,)), ("tanh", (4, 4))], "seed": [0, 1]}
    product = {"activation": ["relu", "tanh"], "hidden": [(8,), (4, 4)], "seed": [0, 1]}
    base = TINY.replace(epochs=1)
    a = run_tiny(base, linked, tmp_path / "linked")
    b = run_tiny(base, product, tmp_path / "product")
    assert a["n_groups"] == 2 and b["n_groups"] == 4
    by_name = {m["name"]: m for m in b["members"]}
    for m in a["members"]:
        twin = by_name[m["name"]]  # activation=relu,hidden=8,seed=0 in both
        assert m["final_test_accuracy"] == twin["final_test_accuracy"] and m["best_epoch"] == twin["best_epoch"]
        _, p, _ = sweep.load_member(tmp_path / "linked", m["member"])
        _, q, _ = sweep.load_member(tmp_path / "product", twin["member"])
        for x, y in zip(jax.tree_util.tree_leaves(p), jax.tree_util.tree_leaves(q)):
            np.testing.assert_array_equal(np.asarray(x), np.asarray(y))


def test_a_linked_items_fields_are_all_replicates_or_none(tmp_path):
    """seed linked with lr would leave each row one seed of its own: refused, for the default replicates and
    given ones, before anything is made; seed linked with data_seed, both replicates, averages each row over the
    pairs (no variance split: linked, their effects cannot be told apart)."""
    mixed = {"seed,lr": [(0, 0.01), (1, 0.03)], "activation": ["relu", "tanh"]}
    with pytest.raises(ConfigError) as e:
        run_tiny(TINY, mixed, tmp_path / "s")
    assert str(e.value) == (
        "grid item 'seed,lr': seed is a replicate (the default --replicates: each row averages over it) but lr "
        "tells the rows apart; a linked item's fields are all replicates or none: give seed its own grid item "
        "(seed=V1,V2), or name every field of the item in --replicates"
    )
    both = {"seed,data_seed": [(0, 0), (1, 1), (2, 2)], "lr": [0.01, 0.03]}
    with pytest.raises(ConfigError, match=r"^grid item 'seed,data_seed': seed is a replicate \(--replicates: "):
        run_tiny(TINY, both, tmp_path / "s", replicates=("seed", "lr"))
    assert not (tmp_path / "s").exists()
    with pytest.raises(ConfigError, match="^--replicates seed: grid item 'seed,lr': seed is a replicate"):
        sweep_grid.replicates_flag("seed", mixed)
    with pytest.raises(ConfigError, match="^grid item 'seed,lr': seed is a replicate"):
        sweep_grid.replicates_flag(None, mixed)
    summary = run_tiny(TINY.replace(epochs=1), both, tmp_path / "s", replicates=("seed", "data_seed"))
    assert [(r["lr"], r["members"]) for r in summary["rows"]] == [(0.01, [0, 2, 4]), (0.03, [1, 3, 5])]
    assert "variance_split" not in summary["rows"][0] and summary["variance"] == ""


def test_a_baseline_of_a_linked_grid_names_one_of_its_tuples():
    """Fields a tuple fixes may be left out where the others given pick it alone; a combination no tuple
    holds, or a value that picks several, is refused naming the item."""
    grid = sweep_grid.normalize_grid(LINKED)
    check = sweep_grid.check_baseline
    assert check({"activation": "relu"}, grid, ("seed",)) == {"activation": "relu", "lr": 0.01}
    assert check({"lr": 0.03}, grid, ("seed",)) == {"activation": "sigmoid", "lr": 0.03}
    assert check({"lr": 0.01, "activation": "tanh"}, grid, ("seed",)) == {"activation": "tanh", "lr": 0.01}
    with pytest.raises(ConfigError) as e:
        check({"activation": "sigmoid", "lr": 0.01}, grid, ("seed",))
    assert str(e.value) == (
        "baseline: activation=sigmoid,lr=0.01 is no row of the table: grid item "
        "activation,lr=sigmoid:0.03,relu:0.01,tanh:0.01 links other values"
    )
    with pytest.raises(
        ConfigError, match=r"^baseline: give a value of activation too \(the rows differ in activation, lr\)"
    ):
        check({"lr": 0.01}, grid, ("seed",))
    with pytest.raises(ConfigError, match=r"^baseline: lr=0.1 is not in the grid \(lr=0.03,0.01\)"):
        check({"lr": 0.1}, grid, ("seed",))
    # a crossed field beside the item still needs its own value
    wider = sweep_grid.normalize_grid({**LINKED, "weight_decay": [0.0, 1e-4]})
    with pytest.raises(ConfigError, match="^baseline: give a value of weight_decay too"):
        check({"activation": "relu"}, wider, ("seed",))
    assert check({"activation": "relu", "weight_decay": 0}, wider, ("seed",)) == {
        "activation": "relu", "lr": 0.01, "weight_decay": 0.0
    }  # fmt: skip
    assert sweep_grid.baseline_flag("activation=sigmoid", grid, ("seed",)) == {"activation": "sigmoid", "lr": 0.03}


def test_members_a_linked_item_leaves_without_a_twin_are_no_warning():
    """sgd ignores momentum; linked with the optimizer, no other member trains what an sgd member does, so
    there is no pair to warn of (looking for one must not fail), and the grid is taken."""
    grid = {"optimizer,momentum": [("sgd", 0.0), ("momentum", 0.9)], "seed": [0, 1]}
    configs = sweep_grid.expand(TINY, grid)
    assert [(c.optimizer, c.momentum) for c in configs[::2]] == [("sgd", 0.0), ("momentum", 0.9)]
    assert sweep_grid.ignored_by(configs, sweep_grid.normalize_grid(grid)) == []


def test_a_sweep_whose_linked_seeds_are_its_replicates_resumes_without_repeating_them(monkeypatch, tmp_path, cli):
    """``--replicates seed,data_seed`` over ``seed,data_seed=0:0,1:1``: a resume without --replicates keeps the
    sweep's own (sweep.json), not the default seed alone, which such a linked item may not mix with data_seed (it
    was refused: "grid item 'seed,data_seed': seed is a replicate (the default --replicates ...")."""
    grid = {"seed,data_seed": [(0, 0), (1, 1)], "lr": [0.01, 0.03]}
    out = tmp_path / "s"
    first = run_tiny(TINY.replace(epochs=1), grid, out, replicates=["seed", "data_seed"])
    resumed = run_tiny(*sweep.load_sweep_spec(out), out, resume=True)
    assert resumed["table"] == first["table"]
    seen = []
    monkeypatch.setattr(sweep, "run_sweep", lambda *args, **kwargs: seen.append(kwargs) or resumed)
    rc, _, err = cli("sweep", "--resume", out, "--no-progress")
    assert rc == 0, err
    assert seen[0]["resume"] and seen[0]["replicates"] is None  # run_sweep reads the sweep's


# --------------------------------------------------------------------------------------------------
# the best rows marked, stalled members flagged (researcher trials of 2026-12-06)
# --------------------------------------------------------------------------------------------------


def hand_made_summary(grid: dict, finals: list, tmp_path: Path | None = None, monkeypatch=None, **kw) -> dict:
    """``write_summary`` (with ``kw``) of members with the given final test accuracies (None: diverged at epoch
    2), no training: written to ``tmp_path`` (the figure not drawn) where given, else not written."""
    if monkeypatch is not None:
        import nnjax.viz

        monkeypatch.setattr(nnjax.viz, "plot_sweep_accuracy", lambda *a, **k: None)
    base = Config(name="b", hidden=(8,), epochs=2)
    configs = sweep_grid.expand(base, grid)
    assert len(configs) == len(finals)
    lines = [{"member": m, "epoch": e, "test_accuracy": 0.5 if a is None else a}
             for m, a in enumerate(finals) for e in (1, 2)]  # fmt: skip
    results = [
        {"group": "g00", "members": list(range(len(finals))), "k": len(finals), "test_accuracy": finals,
         "diverged_epoch": [2 if a is None else None for a in finals], "train_s": 1.0, "compile_s": 0.5,
         "eval_split": "test", "device": "cpu", "n_devices": 1, "split": "batch"},
    ]  # fmt: skip
    out = Path("unused") if tmp_path is None else tmp_path
    return sweep_summary.write_summary(out, base, configs, grid, results, lines, 2.0, write=tmp_path is not None, **kw)


AxLR = {
    "activation": ["sigmoid", "relu"],
    "lr": [0.1, 0.3],
    "seed": [0, 1],
}  # member m: activation m // 4, lr m // 2 % 2


def test_the_highest_mean_is_bold_and_the_notes_name_the_best_lr_per_activation(tmp_path, monkeypatch):
    """A table of rows that differ in activation and lr: the row of the highest mean has its mean in bold (in
    summary.md and the summary's table, which ``nnjax sweep`` prints), ``best`` in the summary's rows, and the
    notes open with it and the best lr of each activation (the summary's ``best_per`` too, for --json)."""
    s = hand_made_summary(AxLR, [0.95, 0.96, 0.93, 0.94, 0.90, 0.91, 0.97, 0.95], tmp_path, monkeypatch)
    assert [r["best"] for r in s["rows"]] == [False, False, False, True]
    cells = [line.split(" | ")[3] for line in s["table"].splitlines()[2:]]
    assert cells == ["95.50 ± 0.71", "93.50 ± 0.71", "90.50 ± 0.71", "**96.00 ± 1.41**"]
    welch = sweep_summary.welch_p  # each pick against its runner-up, over their members
    assert s["best_per"] == {
        "field": "lr",
        "per": ["activation"],
        "rows": [
            {"activation": "sigmoid", "lr": [0.1], "test_accuracy_mean": pytest.approx(0.955), "edge": None,
             "runner_up": {"lr": 0.3, "test_accuracy_mean": pytest.approx(0.935),
                           "p_welch": welch([0.95, 0.96], [0.93, 0.94]), "within_noise": True, "fewest": 2}},
            {"activation": "relu", "lr": [0.3], "test_accuracy_mean": pytest.approx(0.96), "edge": None,
             "runner_up": {"lr": 0.1, "test_accuracy_mean": pytest.approx(0.905),
                           "p_welch": welch([0.97, 0.95], [0.90, 0.91]), "within_noise": True, "fewest": 2}},
        ],
    }  # fmt: skip
    first = s["notes"].split("\n\n")[0]
    assert first == (
        "Highest mean (in bold): activation=relu,lr=0.3 (runner-up activation=sigmoid,lr=0.1 at 95.50 %, within "
        "noise: p 0.71). "
        "Best lr per activation: sigmoid 0.1 (95.50 %; runner-up 0.3 at 93.50 %, within noise: p 0.11), relu 0.3 "
        "(96.00 %; runner-up 0.1 at 90.50 %, within noise: p 0.069). "
        "Within noise: Welch's two-sided p of the final accuracies of a pick's members and its runner-up's (the row "
        "of the next-highest mean) is 0.05 or more (untested with fewer than 2 members that did not diverge on a "
        "side; as few as 2, a rough guide); such a pick is the highest mean, not shown to be better. "
        "The highest mean and the best lr per activation are picked on the test split: to choose a setting, sweep "
        "with --validation."
    )
    assert s["table"] in (tmp_path / "summary.md").read_text() and first in (tmp_path / "summary.md").read_text()
    assert json.loads(json.dumps(s["rows"]))[3]["best"] is True  # as --json prints it
    # on --validation's split the best values are a choice made as it should be: no such sentence
    val = [{**r, "val_accuracy_mean": r["test_accuracy_mean"]} for r in s["rows"]]
    val_members = [{**m, "final_val_accuracy": m["final_test_accuracy"]} for m in s["members"]]
    per = sweep_summary.best_per(["activation", "lr"], val, "val", val_members, AxLR)
    found = sweep_summary.findings(["activation", "lr"], val, val_members, AxLR, "val", per)
    assert found.startswith("Highest mean (in bold): activation=relu,lr=0.3. Best lr per activation: sigmoid 0.1")
    # the runner-ups are tested on the validation split's accuracies as on the test split's
    assert "(96.00 %; runner-up 0.1 at 90.50 %, within noise: p 0.069)" in found
    assert "picked on the test split" not in found


def test_rows_tied_to_the_printed_digits_are_all_best_and_a_row_of_diverged_members_never_is():
    """Means that print alike (95.50 and 95.50, 2 digits) both get the bold and ``best``, and the notes say
    it is a tie; a row whose members all diverged is never best, and an activation all of whose rows did is
    said to have none."""
    tied = hand_made_summary(AxLR, [0.95, 0.96, 0.93, 0.94, 0.90, 0.91, 0.95502, 0.95499])
    assert [r["best"] for r in tied["rows"]] == [True, False, False, True]
    assert tied["table"].count("**") == 4
    assert tied["notes"].startswith(
        "Highest mean (in bold), 2 rows tied to the printed digits: "
        "activation=sigmoid,lr=0.1 and activation=relu,lr=0.3."
    )
    lost = hand_made_summary(AxLR, [0.90, 0.91, 0.93, 0.94, None, None, None, None])
    assert [r["best"] for r in lost["rows"]] == [False, True, False, False]
    assert lost["best_per"]["rows"][1] == {
        "activation": "relu",
        "lr": [],
        "test_accuracy_mean": None,
        "edge": None,
        "runner_up": None,
    }
    assert (
        "Best lr per activation: sigmoid 0.3 (93.50 %; runner-up 0.1 at 90.50 %, within noise: p 0.051), relu none "
        "(every member diverged)."
    ) in lost["notes"]
    same = hand_made_summary(AxLR, [0.9, 0.9, 0.9, 0.9, 0.9, 0.9, None, None])
    assert "sigmoid 0.1 and 0.3 (90.00 %, tied), relu 0.1 (90.00 %)" in same["notes"]
    one_field = hand_made_summary({"lr": [0.1, 0.3], "seed": [0, 1]}, [0.9, 0.91, None, None])
    # nothing to compare with: no bold, and --json's best agrees with the table
    assert [r["best"] for r in one_field["rows"]] == [False, False] and one_field["best_per"] is None
    assert "**" not in one_field["table"] and "Highest mean" not in one_field["notes"]
    assert "Best lr per" not in one_field["notes"]


def test_the_test_split_sentence_after_the_best_values_names_only_what_was_picked():
    """The notes' "picked on the test split" sentence followed the best values where the highest mean's sentence
    was left out (one row had a mean) and where every member diverged, when nothing was picked at all."""
    one = hand_made_summary(AxLR, [0.90, 0.91, None, None, None, None, None, None])
    assert "Highest mean" not in one["notes"]
    assert one["notes"].split("\n\n")[0] == (
        "Best lr per activation: sigmoid 0.1 (90.50 %), relu none (every member diverged). "
        "The best lr per activation is picked on the test split: to choose a setting, sweep with --validation."
    )
    gone = hand_made_summary(AxLR, [None] * 8)
    none = "Best lr per activation: sigmoid none (every member diverged), relu none (every member diverged)."
    assert none in gone["notes"]
    assert "picked on the test split" not in gone["notes"]


def test_the_highest_mean_of_a_linked_item_or_a_single_field_is_said_to_be_picked_on_the_test_split():
    """A researcher trial's sweep of one linked item (init,lr pairs, seeds, a baseline) had its notes name the
    highest mean without the "picked on the test split" caveat another of his sweeps carried: it followed only the
    best values per field, which a linked item has none of. Every pick on the test split now carries it, worded
    for any field (it said "to choose the standardize"); on --validation's split, none does."""
    linked = {"init,lr": [("he", 0.1), ("lecun", 0.3), ("standard_normal", 0.3)], "seed": [0, 1]}
    s = hand_made_summary(linked, [0.962, 0.9625, 0.964, 0.9645, 0.96, 0.9605], baseline={"init": "he", "lr": 0.1})
    assert s["best_per"] is None
    assert s["notes"].split("\n\n")[0] == (
        "Highest mean (in bold): init=lecun,lr=0.3. "
        "Within noise: Welch's two-sided p of the final accuracies of a pick's members and its runner-up's (the row "
        "of the next-highest mean; p unadjusted, as the table's Welch p of each row against the baseline, not Holm's) "
        "is 0.05 or more (untested with fewer than 2 members that did not diverge on a side; as few as 2, a rough "
        "guide); such a pick is the highest mean, not shown to be better. "
        "The highest mean is picked on the test split: to choose a setting, sweep with --validation."
    )
    tied = hand_made_summary({"lr": [0.1, 0.3]}, [0.95, 0.95])
    assert tied["notes"].split("\n\n")[0] == (
        "Highest mean (in bold), 2 rows tied to the printed digits: lr=0.1 and lr=0.3. The highest mean is picked "
        "on the test split: to choose a setting, sweep with --validation."
    )
    grid = {"standardize": [False, True], "lr": [0.1, 0.3]}
    per = hand_made_summary(grid, [0.95, 0.96, 0.93, 0.94])
    assert "to choose a setting, sweep with --validation." in per["notes"] and "to choose the" not in per["notes"]
    val = [{**r, "val_accuracy_mean": r["test_accuracy_mean"]} for r in s["rows"]]
    found = sweep_summary.findings(["init", "lr"], val, s["members"], linked, "val", None)
    assert found == "Highest mean (in bold): init=lecun,lr=0.3."


def test_a_linked_items_fields_are_one_choice_never_split_into_a_best_value_per_field():
    """A researcher trial's sweep whose rows differ only in one linked item (standardize,lr,weight_decay,epochs
    tuples, seeds) had its notes split it: "Best epochs per (standardize, lr, weight_decay): …", 8 "picks" of which 6
    a single row, named again by the "picked on the test split" sentence. A linked item is one choice: alone, the
    highest mean is the only pick; beside a crossed field, the best tuple per value of it, named by its fields
    (--json's ``best_per``: its ``field`` the item's varied fields, each a list per row, as a crossed field's)."""
    alone = {
        "standardize,lr,weight_decay,epochs": [
            (True, 0.003, 0.001, 2), (False, 0.003, 0.001, 2), (False, 0.003, 0.001, 3), (False, 0.01, 0.0002, 2),
        ],
        "seed": [0, 1],
    }  # fmt: skip
    s = hand_made_summary(alone, [0.95, 0.951, 0.94, 0.942, 0.96, 0.961, 0.93, 0.935])
    assert s["varied"] == ["standardize", "lr", "weight_decay", "epochs"] and s["best_per"] is None
    first = s["notes"].split("\n\n")[0]
    assert first.startswith("Highest mean (in bold): standardize=false,lr=0.003,weight_decay=0.001,epochs=3. ")
    assert "Best " not in first and "per (" not in first
    assert first.endswith("The highest mean is picked on the test split: to choose a setting, sweep with --validation.")
    # beside a crossed field: each activation's best (lr, weight_decay) tuple
    grid = {"activation": ["sigmoid", "relu"], "lr,weight_decay": [(0.01, 1e-4), (0.003, 1e-3)], "seed": [0, 1]}
    s = hand_made_summary(grid, [0.95, 0.951, 0.96, 0.962, 0.97, 0.90, 0.93, 0.935])
    welch = sweep_summary.welch_p
    assert s["best_per"] == {
        "field": "lr,weight_decay",
        "per": ["activation"],
        "rows": [
            {"activation": "sigmoid", "lr": [0.003], "weight_decay": [0.001],
             "test_accuracy_mean": pytest.approx(0.961), "edge": None, "runner_up": {"lr": 0.01, "weight_decay": 0.0001,
                                         "test_accuracy_mean": pytest.approx(0.9505),
                                         "p_welch": welch([0.96, 0.962], [0.95, 0.951]), "within_noise": False,
                                         "fewest": 2}},
            {"activation": "relu", "lr": [0.01], "weight_decay": [0.0001], "test_accuracy_mean": pytest.approx(0.935),
             "edge": None, "runner_up": {"lr": 0.003, "weight_decay": 0.001,
                                         "test_accuracy_mean": pytest.approx(0.9325),
                                         "p_welch": welch([0.97, 0.90], [0.93, 0.935]), "within_noise": True,
                                         "fewest": 2}},
        ],
    }  # fmt: skip
    assert json.loads(json.dumps(s["best_per"]))["rows"][1]["weight_decay"] == [0.0001]  # as --json prints it
    first = s["notes"].split("\n\n")[0]
    assert (
        "Best (lr, weight_decay) per activation: sigmoid lr=0.003,weight_decay=0.001 (96.10 %), relu "
        "lr=0.01,weight_decay=0.0001 (93.50 %; runner-up lr=0.003,weight_decay=0.001 at 93.25 %, within noise: p 0.95)."
    ) in first
    assert first.endswith(
        "The highest mean and the best (lr, weight_decay) per activation are picked on the test split: to choose a "
        "setting, sweep with --validation."
    )
    tied = hand_made_summary(grid, [0.95, 0.951, 0.95, 0.951, 0.97, 0.971, 0.93, 0.935])
    assert "sigmoid lr=0.01,weight_decay=0.0001 and lr=0.003,weight_decay=0.001 (95.05 %, tied)" in tied["notes"]
    # the crossed field last: its best value per tuple, as before
    swapped = {"lr,weight_decay": grid["lr,weight_decay"], "activation": grid["activation"], "seed": [0, 1]}
    s = hand_made_summary(swapped, [0.95, 0.951, 0.96, 0.962, 0.97, 0.90, 0.93, 0.935])
    assert s["best_per"]["field"] == "activation" and s["best_per"]["per"] == ["lr", "weight_decay"]
    assert "Best activation per (lr, weight_decay): (0.01, 0.0001) relu (96.10 %), (0.003, 0.001) sigmoid" in s["notes"]


def test_a_linked_items_best_tuple_per_field_spans_every_folder_summarised(tmp_path, cli):
    """Over two folders, one per activation, each with the same linked lr,weight_decay item: one table whose notes
    and --json give each activation's best tuple (it gave none: split into fields, each lr had one row per
    activation)."""
    a, b = tmp_path / "a", tmp_path / "b"
    pairs = {"lr,weight_decay": [(0.01, 1e-4), (0.03, 1e-3)], "seed": [0, 1]}
    run_tiny(TINY, {"activation": ["sigmoid"], **pairs}, a)
    run_tiny(TINY, {"activation": ["relu"], **pairs}, b)
    for d in (a, b):
        set_final_accuracy(d, {0.01: 0.90, 0.03: 0.95})
    got = sweep.summarize([a, b])
    assert [(g["activation"], g["lr"], g["weight_decay"]) for g in got["best_per"]["rows"]] == [
        ("sigmoid", [0.03], [0.001]),
        ("relu", [0.03], [0.001]),
    ]
    assert (
        "Best (lr, weight_decay) per activation: sigmoid lr=0.03,weight_decay=0.001 (95.05 %), relu "
        "lr=0.03,weight_decay=0.001 (95.05 %)."
    ) in got["notes"]
    rc, out, _ = cli("summary", a, b, "--json")
    assert rc == 0 and json.loads(out)["best_per"]["field"] == "lr,weight_decay"


def test_a_bool_grid_value_prints_as_the_cli_takes_it_in_the_table_notes_and_members_csv(tmp_path, monkeypatch):
    """A researcher trial's ``--grid standardize=false,true`` came back as Python's False/True in the notes ("Best
    standardize per …: (sigmoid, 0.03) False"), the table and members.csv; they print it as the flags take it,
    true/false, and members.csv's cells still parse back to the values (its stalled column, no grid value, keeps
    True/False)."""
    grid = {"standardize": [False, True], "lr": [0.1, 0.3], "seed": [0, 1]}
    s = hand_made_summary(
        grid, [0.95, 0.96, 0.93, 0.94, 0.90, 0.91, 0.97, 0.95], tmp_path, monkeypatch, baseline={"standardize": False,
        "lr": 0.1}
    )  # fmt: skip
    assert [line.split(" | ")[0] for line in s["table"].splitlines()[2:]] == ["| false", "| false", "| true", "| true"]
    assert s["notes"].startswith(
        "Highest mean (in bold): standardize=true,lr=0.3 (runner-up standardize=false,lr=0.1 at 95.50 %, within noise: "
        "p 0.71). Best lr per standardize: false 0.1 (95.50 %; runner-up 0.3 at 93.50 %, within noise: p 0.11), true "
        "0.3 (96.00 %; runner-up 0.1 at 90.50 %"
    )
    assert "baseline row (standardize=false,lr=0.1)" in s["notes"]
    assert "False" not in s["notes"] + s["table"] and "True" not in s["notes"] + s["table"]
    assert "with grid `standardize=false,true lr=0.1,0.3 seed=0,1`" in (tmp_path / "summary.md").read_text()
    with open(tmp_path / "members.csv") as f:
        rows = list(csv.DictReader(f))
    assert [r["standardize"] for r in rows] == ["false"] * 4 + ["true"] * 4
    assert [config.parse_value("standardize", r["standardize"]) for r in rows] == [False] * 4 + [True] * 4
    assert {r["stalled"] for r in rows} == {"False"}
    linked = hand_made_summary({"standardize,lr": [(False, 0.1), (True, 0.3)]}, [0.95, 0.96])
    assert linked["notes"].startswith("Highest mean (in bold): standardize=true,lr=0.3.")
    stalls = hand_made_summary({"standardize": [False, True], "seed": [0, 1, 2]}, [0.95, 0.94, 0.11, 0.9, 0.9, 0.9])
    assert "standardize=false: member 2 (seed=2) 11.00 %" in stalls["notes"]


def test_a_pick_within_noise_of_its_runner_up_says_so_in_the_notes_and_in_json():
    """A researcher trial read "Best lr per init: he 0.003 (96.21 %)" as a choice, where lr 0.01 gave 95.97 % and
    two seeds cannot tell them apart. Each pick (the highest mean, each best value) is tested against its runner-up,
    the row of the next-highest mean, with Welch's p of the two rows' members (the baseline column's test): at 0.05
    or more the notes say it is within noise, and say the rule once; the summary (--json) has each pick's
    ``runner_up`` (values, mean, p, ``within_noise``; None untested, or no runner-up). A pick stays the pick."""
    trial = {"init": ["he", "glorot"], "lr": [0.003, 0.01], "seed": [0, 1]}
    s = hand_made_summary(trial, [0.9614, 0.9628, 0.9585, 0.9609, 0.9590, 0.9600, 0.9605, 0.9621])
    he = s["best_per"]["rows"][0]
    assert he["lr"] == [0.003] and he["runner_up"] == {
        "lr": 0.01,
        "test_accuracy_mean": pytest.approx(0.9597),
        "p_welch": pytest.approx(sweep_summary.welch_p([0.9614, 0.9628], [0.9585, 0.9609])),
        "within_noise": True,
        "fewest": 2,
    }
    assert 0.05 < he["runner_up"]["p_welch"] < 0.5
    assert s["runner_up"]["init"] == "glorot" and s["runner_up"]["within_noise"] is True  # the highest mean's
    assert json.loads(json.dumps(s["runner_up"]))["within_noise"] is True  # as --json prints it
    first = s["notes"].split("\n\n")[0]
    assert first.startswith("Highest mean (in bold): init=he,lr=0.003 (runner-up init=glorot,lr=0.01 at 96.13 %, "
                            "within noise: p 0.53). Best lr per init: he 0.003 (96.21 %; runner-up 0.01 at 95.97 %, "
                            "within noise: p 0.26), glorot 0.01 (96.13 %; runner-up 0.003 at 95.95 %")  # fmt: skip
    assert first.count("Within noise: Welch's two-sided p") == 1
    assert [r["best"] for r in s["rows"]] == [True, False, False, False]  # still the pick
    # three seeds a side, far apart: separable, said by no entry, and the rule still says what was tested
    apart = hand_made_summary(
        {"init": ["he", "glorot"], "lr": [0.003, 0.01], "seed": [0, 1, 2]},
        [0.97, 0.971, 0.972, 0.95, 0.951, 0.952, 0.94, 0.941, 0.942, 0.96, 0.961, 0.962],
    )
    assert [g["runner_up"]["within_noise"] for g in apart["best_per"]["rows"]] == [False, False]
    assert apart["runner_up"]["within_noise"] is False and "within noise: p" not in apart["notes"]
    assert "Within noise: Welch's" in apart["notes"] and "rough guide" not in apart["notes"]  # 3 a side
    # one member a row: nothing to test, and the notes say so
    alone = hand_made_summary({"lr": [0.01, 0.03, 0.1]}, [0.95, 0.96, 0.94])
    assert alone["runner_up"] == {
        "lr": 0.01,
        "test_accuracy_mean": 0.95,
        "p_welch": None,
        "within_noise": None,
        "fewest": 1,
    }
    untested = (
        "Highest mean (in bold): lr=0.03. No pick is tested against its runner-up (the row of the next-highest mean): "
        "that takes 2 members or more on each side that did not diverge (seeds)."
    )
    assert alone["notes"].startswith(untested)
    # seeds enough, but each side's accuracies all alike: Welch's p is undefined, not for want of members
    alike = hand_made_summary({"lr": [0.01, 0.03], "seed": [0, 1, 2]}, [0.95, 0.95, 0.95, 0.96, 0.96, 0.96])
    assert alike["runner_up"]["p_welch"] is None and alike["runner_up"]["fewest"] == 3
    assert alike["notes"].startswith(
        "Highest mean (in bold): lr=0.03. No pick is tested against its runner-up (the row of the next-highest mean): "
        "that takes final accuracies that vary on one side at least."
    )
    # a tie has no runner-up (the tie says it), nor a row alone with a mean
    assert hand_made_summary({"lr": [0.1, 0.3], "seed": [0, 1]}, [0.95, 0.96, 0.96, 0.95])["runner_up"] is None
    lost = hand_made_summary(trial, [0.96, 0.97, None, None, 0.95, 0.96, None, None])
    assert [g["runner_up"] for g in lost["best_per"]["rows"]] == [None, None]
    assert "Best lr per init: he 0.003 (96.50 %), glorot 0.003 (95.50 %)." in lost["notes"]


def test_a_picks_p_against_a_baseline_runner_up_is_said_to_be_the_tables_welch_p_not_its_holm():
    """With --baseline, a pick whose runner-up is the baseline row had its notes give Welch's p (0.52) and the table
    Holm's for the same pair (0.52; 1), unexplained. The rule sentence says a pick's p is the unadjusted one, the
    table's Welch p; without a baseline column it has no such words."""
    grid = {"lr": [0.1, 0.3, 1.0], "seed": [0, 1]}
    finals = [0.95, 0.96, 0.955, 0.968, 0.93, 0.97]
    s = hand_made_summary(grid, finals, baseline={"lr": 0.1})
    pick = s["rows"][1]
    assert pick["best"] and s["runner_up"]["lr"] == 0.1 and s["rows"][0]["baseline"]  # the runner-up: the baseline
    assert s["runner_up"]["p_welch"] == pick["p_welch"] < pick["p_holm"] == 1.0  # one pair, two p's
    assert "| 0.52; 1 |" in s["table"]
    first = s["notes"].split("\n\n")[0]
    assert first.startswith("Highest mean (in bold): lr=0.3 (runner-up lr=0.1 at 95.50 %, within noise: p 0.52). ")
    rule = (
        "Within noise: Welch's two-sided p of the final accuracies of a pick's members and its runner-up's (the row "
        "of the next-highest mean; p unadjusted, as the table's Welch p of each row against the baseline, not "
        "Holm's) is 0.05 or more"
    )
    assert rule in first
    # a baseline that is not the runner-up: the pick's p (0.52, against lr=0.1) is none of the table's, whose Welch
    # p are against lr=1; the rule said "the table's Welch p", as if it were one of them
    other = hand_made_summary(grid, [0.95, 0.96, 0.955, 0.968, 0.93, 0.94], baseline={"lr": 1.0})
    first = other["notes"].split("\n\n")[0]
    assert "(runner-up lr=0.1 at 95.50 %, within noise: p 0.52)" in first and "0.52" not in other["table"]
    assert rule in first and "the table's Welch p, not" not in first
    plain = hand_made_summary(grid, finals)
    assert "(the row of the next-highest mean) is 0.05 or more" in plain["notes"] and "Holm" not in plain["notes"]


def test_the_noise_rule_says_why_a_pick_is_untested_in_every_case():
    """The rule's "(untested with fewer than 2 members …)" left out the picks untested because each side's final
    accuracies were all alike while other picks were tested: it now says that reason too, where some pick had it.
    Every case: each pick tested; some untested for few members, for all alike, for both; none tested for each and
    for both; no runner-up at all."""
    rule = sweep_summary._noise_rule

    def pick(p: float | None, fewest: int) -> dict:
        return {"p_welch": p, "within_noise": None if p is None else p >= 0.05, "fewest": fewest}

    tested, few, alike = pick(0.3, 3), pick(None, 1), pick(None, 3)
    said = "(untested with fewer than 2 members that did not diverge on a side"
    also = said + ", or where each side's final accuracies are all alike)"
    assert said + ")" in rule([tested, None])  # every pick tested
    assert said + ")" in rule([tested, few])  # one untested with a member alone
    assert also in rule([tested, alike])  # one untested with every accuracy alike on each side
    assert also in rule([tested, few, alike])
    none = "No pick is tested against its runner-up (the row of the next-highest mean): that takes "
    assert rule([few, None]) == none + "2 members or more on each side that did not diverge (seeds)."
    assert rule([alike]) == none + "final accuracies that vary on one side at least."
    assert rule([few, alike]) == (
        none + "2 members or more on each side that did not diverge (seeds) and final accuracies that vary on one "
        "side at least."
    )
    assert rule([None, None]) == ""  # no pick had a runner-up
    # from a sweep: sigmoid's best lr tested, relu's untested (2 seeds a row, each row's two accuracies alike)
    s = hand_made_summary(AxLR, [0.95, 0.96, 0.93, 0.94, 0.90, 0.90, 0.95, 0.95])
    assert [g["runner_up"]["p_welch"] is None for g in s["best_per"]["rows"]] == [False, True]
    assert (
        "(untested with fewer than 2 members that did not diverge on a side, or where each side's final accuracies "
        "are all alike; as few as 2, a rough guide)"
    ) in s["notes"]


def test_a_best_value_at_the_edge_of_a_numeric_field_of_three_values_or_more_is_named_in_the_notes():
    """A researcher trial's notes said "512 0.1 (95.75 %)" without saying 0.1 was the largest lr tried, so the
    best lr could lie beyond the grid. Where the best value of a numeric field tried at 3 values or more is its
    smallest or largest, the notes say so (best_per's sentence, with ``edge`` in its rows for --json; a
    single-field sweep's best row); a tie names the value; 2 values, a field that is not a number, a best value
    within the grid and a linked item alone (its fields one choice: no best value per field) are not flagged."""
    grid = {"activation": ["sigmoid", "relu", "tanh"], "lr": [0.01, 0.1, 0.3]}
    s = hand_made_summary(grid, [0.93, 0.95, 0.96, 0.97, 0.96, 0.95, 0.94, 0.96, 0.95])
    assert [(g["lr"], g["edge"]) for g in s["best_per"]["rows"]] == [([0.3], "largest"), ([0.01], "smallest"),
                                                                    ([0.1], None)]  # fmt: skip
    assert s["notes"].split("\n\n")[0] == (
        "Highest mean (in bold): activation=relu,lr=0.01. Best lr per activation: sigmoid 0.3 (96.00 %; the largest "
        "lr tried), relu 0.01 (97.00 %; the smallest lr tried), tanh 0.1 (96.00 %). "
        "No pick is tested against its runner-up (the row of the next-highest mean): that takes 2 members or more "
        "on each side that did not diverge (seeds). "
        "The highest mean and the best lr per activation are picked on the test split: to choose a setting, sweep "
        "with --validation."
    )
    assert json.loads(json.dumps(s["best_per"]))["rows"][0]["edge"] == "largest"  # as --json prints it
    tied = hand_made_summary(grid, [0.93, 0.96, 0.96, 0.96, 0.96, 0.96, None, None, None])
    assert [g["edge"] for g in tied["best_per"]["rows"]] == ["largest", "smallest and largest", None]
    assert (
        "Best lr per activation: sigmoid 0.1 and 0.3 (96.00 %, tied; 0.3 the largest lr tried), relu 0.01 and 0.1 "
        "and 0.3 (96.00 %, tied; 0.01 the smallest and 0.3 the largest lr tried), tanh none (every member diverged)."
    ) in tied["notes"]
    one = hand_made_summary(
        {"batch_size": [8, 32, 128, 512], "seed": [0, 1]}, [0.95, 0.95, 0.96, 0.96, 0.96, 0.96, 0.97, 0.97]
    )
    assert one["best_per"] is None
    assert one["notes"].startswith("Highest mean (in bold): batch_size=512 (the largest batch_size tried).")
    inside = hand_made_summary({"batch_size": [8, 32, 128]}, [0.95, 0.97, 0.96])
    assert inside["notes"].split("\n\n")[0] == (
        "Highest mean (in bold): batch_size=32. "
        "No pick is tested against its runner-up (the row of the next-highest mean): that takes 2 members or more "
        "on each side that did not diverge (seeds). "
        "The highest mean is picked on the test split: to choose a setting, sweep with --validation."
    )
    two = hand_made_summary(AxLR, [0.95, 0.96, 0.93, 0.94, 0.90, 0.91, 0.97, 0.95])  # lr 0.1 and 0.3
    assert [g["edge"] for g in two["best_per"]["rows"]] == [None, None] and "tried" not in two["notes"]
    words = hand_made_summary({"lr": [0.1, 0.3], "activation": ["sigmoid", "relu", "tanh"]}, [0.97] + [0.9] * 5)
    untested = {"activation": "relu", "test_accuracy_mean": 0.9, "p_welch": None, "within_noise": None, "fewest": 1}
    assert words["best_per"]["rows"][0] == {"lr": 0.1, "activation": ["sigmoid"], "test_accuracy_mean": 0.97,
                                            "edge": None, "runner_up": untested}  # fmt: skip
    assert "tried" not in words["notes"]
    assert sweep_summary.grid_edge([[8], [16], [32]], [[8]]) is None  # hidden as a sweep folder's JSON has it
    linked = {"batch_size,lr": [(8, 0.01), (32, 0.01), (32, 0.03), (128, 0.1)]}  # lr: 3 values, 2 at batch 32
    s = hand_made_summary(linked, [0.95, 0.96, 0.97, 0.94])
    assert s["best_per"] is None and "tried" not in s["notes"]  # its fields are one choice: no best lr per batch_size


STALLS = {"lr": [0.1, 0.2, 0.3, 1.0], "seed": [0, 1, 2]}  # member m: lr m // 3, seed m % 3
# lr 0.1: 8.5 points below the others' median, not stalled; lr 0.2: one diverged, one 65 points below the other;
# lr 0.3: two at the 11.35 % of a network that answers every image alike; lr 1: every member there (a real sweep's
# ReLU rows at lr 0.3 and 1: nnjax sweep --grid activation=sigmoid,relu lr=0.1,0.3,1 seed=0,1,2 --epochs 5)
STALL_FINALS = [0.95, 0.94, 0.86, 0.95, None, 0.30, 0.76, 0.1135, 0.1135, 0.1135, 0.1135, 0.1135]


def test_members_that_stall_without_diverging_are_flagged_in_members_csv_the_rows_and_the_notes(tmp_path, monkeypatch):
    """A member that did not diverge but ended more than 10 points below the median of its row's others, or
    under 20 %, is stalled: members.csv's ``stalled`` column says so (empty for a diverged member), each row
    counts them and has its mean without them, and the notes name each with its seed and final accuracy; the
    row's mean and std still count them."""
    s = hand_made_summary(STALLS, STALL_FINALS, tmp_path, monkeypatch)
    want = [False, False, False, False, None, True, False, True, True, True, True, True]
    assert [m["stalled"] for m in s["members"]] == want
    with open(tmp_path / "members.csv") as f:
        assert [r["stalled"] for r in csv.DictReader(f)] == ["" if w is None else str(w) for w in want]
    assert [r["n_stalled"] for r in s["rows"]] == [0, 1, 2, 3]
    without = [r["test_accuracy_mean_without_stalled"] for r in s["rows"]]
    assert without == [pytest.approx(0.9166667), 0.95, 0.76, None]
    assert s["rows"][2]["test_accuracy_mean"] == pytest.approx(np.mean([0.76, 0.1135, 0.1135]))  # counted
    assert s["notes"].split("\n\n")[0] == (
        "Highest mean (in bold): lr=0.1 (the smallest lr tried; runner-up lr=0.2 at 62.50 %, within noise: p 0.53). "
        "Within noise: Welch's two-sided p of the final accuracies of a pick's members and its runner-up's (the row "
        "of the next-highest mean) is 0.05 or more (untested with fewer than 2 members that did not diverge on a "
        "side; as few as 2, a rough guide); such a pick is the highest mean, not shown to be better. "
        "The highest mean is picked on the test split: to "
        "choose a setting, sweep with --validation. Stalled (did not diverge, but ended more than 10 points below the "
        "median "
        "of the other members of its row, or under 20 %, near the 10–11 % of a network that gives every image the "
        "same answer): lr=0.2: member 5 (seed=2) 30.00 %, the row's mean 95.00 % without it; lr=0.3: members 7 "
        "(seed=1) 11.35 %, 8 (seed=2) 11.35 %, the row's mean 76.00 % without them; lr=1: all members 9 (seed=0) "
        "11.35 %, 10 (seed=1) 11.35 %, 11 (seed=2) 11.35 %. The row's mean and std count them."
    )
    healthy = hand_made_summary(STALLS, [0.95, 0.94, 0.86] * 4)
    assert not any(m["stalled"] for m in healthy["members"]) and "Stalled" not in healthy["notes"]


def test_the_notes_name_at_most_12_stalled_members_and_count_the_rest():
    """A big sweep's stalled members are named up to 12; the rest are counted, for members.csv to list."""
    s = hand_made_summary({"lr": [0.3, 1.0], "seed": list(range(8))}, [0.1135] * 16)
    assert sum(m["stalled"] for m in s["members"]) == 16
    text = s["notes"].split("\n\n")[0]
    assert text.count(" 11.35 %") == 12 and "; 4 more in members.csv's stalled column." in text


def test_sweep_wraps_the_variance_split_paragraph_and_each_paragraph_of_the_notes_at_100_columns(
    monkeypatch, tmp_path, cli
):
    """The variance split's opening paragraph (two replicate fields) came out as one line of some 300 characters
    on stdout: it is wrapped at 100 columns as the notes are, its table kept as it is; the notes' paragraphs
    (the best row and stalled members, then what the numbers are) are each wrapped, a blank line between."""
    from nnjax.cli import NOTES_WIDTH

    grid = {"lr": [0.1, 0.3], "seed": [0, 1], "data_seed": [0, 1]}
    s = hand_made_summary(grid, [0.9, 0.91, 0.92, 0.93, 0.94, 0.96, 0.95, 0.1], replicates=("seed", "data_seed"))
    opening, table = s["variance"].split("\n\n")
    found, explained = s["notes"].split("\n\n")
    assert len(opening) > 200 and "Stalled" in found
    monkeypatch.setattr(sweep, "run_sweep", lambda *args, **kwargs: s)
    rc, out, err = cli("sweep", "--grid", "seed=0,1", "--out", tmp_path / "a")
    assert rc == 0, err
    below = out.split(s["table"], 1)[1]
    assert below.startswith("\n")  # a blank line under the table, as before
    printed = below[1:].split("\n\n")  # the split's paragraph; its table and the notes' two paragraphs
    assert printed[1].startswith(table)  # as it is, the notes under it
    paragraphs = [
        printed[0],
        printed[1].removeprefix(table),
        printed[2].rstrip().rsplit("\n", 1)[0],
    ]  # to the timing line
    for text, lines in zip((opening, found, explained), paragraphs):
        assert " ".join(lines.splitlines()) == text and len(lines.splitlines()) > 1
        assert all(len(line) <= NOTES_WIDTH for line in lines.splitlines()), lines


# --------------------------------------------------------------------------------------------------
# nnjax summary: a sweep folder's table again, with other options, writing nothing
# --------------------------------------------------------------------------------------------------


def folder_state(folder: Path) -> dict[Path, tuple[bytes | None, int]]:
    """Every entry under ``folder`` (and itself): its bytes (None for a folder) and its modification time."""
    return {p: (p.read_bytes() if p.is_file() else None, p.stat().st_mtime_ns) for p in [folder, *folder.rglob("*")]}


def resumed_copy(s: Path, tmp_path: Path, grid: dict, **kw) -> dict:
    """What ``run_sweep(..., resume=True, **kw)`` returns of a copy of sweep folder ``s`` (it writes there)."""
    copy = tmp_path / f"copy-{len(list(tmp_path.glob('copy-*')))}"
    shutil.copytree(s, copy)
    return run_tiny(TINY, grid, copy, resume=True, **kw)


SUMMARY_NUMBERS = ("rows", "members", "varied", "target", "replicates", "baseline", "variance", "notes", "table")


def test_a_summary_is_the_sweeps_own_and_one_with_other_options_the_resumes_writing_nothing(tmp_path, capsys):
    """``sweep.summarize`` gives the table ``run_sweep`` gave (the sweep.json's options where none is given),
    and with another baseline or target what a ``--resume`` with it gives, without changing a byte or an mtime
    of the folder (a resume keeps the options in sweep.json and writes the summary files again)."""
    s = tmp_path / "s"
    grid = {"lr": [0.05, 0.1], "seed": [0, 1]}
    first = run_tiny(TINY, grid, s, baseline={"lr": 0.05})
    before = folder_state(s)
    capsys.readouterr()
    again = sweep.summarize(s)
    assert {k: again[k] for k in SUMMARY_NUMBERS} == {k: first[k] for k in SUMMARY_NUMBERS}
    assert again["unfinished"] == [] and again["n_members"] == 4
    assert (again["wall_s"], again["wall_sessions"]) == (first["wall_s"], 1)  # the sweep's, sweep.json records
    other = sweep.summarize(s, baseline={"lr": 0.1}, target=0.2)
    assert [r["baseline"] for r in other["rows"]] == [False, True]
    assert "| epochs to 20 % |" in other["table"]
    assert capsys.readouterr().err == ""
    resumed = resumed_copy(s, tmp_path, grid, baseline={"lr": 0.1}, target=0.2)
    assert {k: other[k] for k in SUMMARY_NUMBERS} == {k: resumed[k] for k in SUMMARY_NUMBERS}
    capsys.readouterr()
    (s / "members.csv").write_text("damaged")  # an output, not read: the summary is made from what made it
    before[s / "members.csv"] = (b"damaged", (s / "members.csv").stat().st_mtime_ns)
    assert sweep.summarize(s)["rows"] == first["rows"]
    assert capsys.readouterr().err == ""
    assert folder_state(s) == before


def test_a_target_is_counted_from_metrics_jsonl_alone(tmp_path):
    """A sweep trained without --target: the epochs to one given now are each member's, counted from its
    metrics lines (every epoch is there), and the table gets the columns; sweep.json still has no target."""
    s = tmp_path / "s"
    run_tiny(TINY.replace(epochs=4), {"seed": [0, 1, 2]}, s)
    before = folder_state(s)
    got = sweep.summarize(s, target=0.15)
    for m in got["members"]:
        points = [(x["epoch"], x["test_accuracy"]) for x in _metric_lines(s) if x["member"] == m["member"]]
        assert {k: m[k] for k in ("first_epoch_at_target", "target_held_from")} == target.target_epochs(points, 0.15)
        assert m["target"] == 0.15
    assert "| epochs to 15 % | held ≥ 15 % from |" in got["table"] and got["target"] == 0.15
    assert "target" not in json.loads((s / "sweep.json").read_text())
    assert folder_state(s) == before


def test_a_summary_with_other_replicates_splits_each_rows_variance_as_a_resume_would(tmp_path):
    """Replicates given to the summary: the rows average over them and, two crossed, each row's variance is
    split, as a resume with them gives; a baseline the sweep keeps that names no row with them is refused in
    one line naming sweep.json, until one for the new rows is given."""
    s = tmp_path / "s"
    grid = {"lr": [0.05, 0.1], "seed": [0, 1], "data_seed": [0, 1]}
    run_tiny(TINY, grid, s, baseline={"lr": 0.05, "data_seed": 1})
    before = folder_state(s)
    got = sweep.summarize(s, replicates=["seed", "data_seed"], baseline={"lr": 0.1})
    assert got["varied"] == ["lr"] and got["replicates"] == ["seed", "data_seed"]
    assert got["rows"][0]["variance_split"]["df"] == {"seed": 1, "data_seed": 1, "rest": 1}
    assert got["variance"].startswith("Variance split of the final test accuracy over seed × data_seed")
    resumed = resumed_copy(s, tmp_path, grid, replicates=("seed", "data_seed"), baseline={"lr": 0.1})
    assert {k: got[k] for k in SUMMARY_NUMBERS} == {k: resumed[k] for k in SUMMARY_NUMBERS}
    with pytest.raises(ConfigError) as e:
        sweep.summarize(s, replicates=["seed", "data_seed"])
    assert str(e.value).startswith(f"{s / 'sweep.json'}: its baseline lr=0.05,data_seed=1 names no row with replicates")
    assert folder_state(s) == before


def test_a_summary_of_a_validation_sweep_reports_the_validation_split(tmp_path):
    rng = np.random.default_rng(1)
    x_val = rng.integers(0, 256, (N_EVAL, 784), dtype=np.uint8)
    val = Splits(SPLITS.x_train, SPLITS.y_train, x_val, x_val[:, :10].argmax(1).astype(np.int32),
                 SPLITS.x_test, SPLITS.y_test, "val")  # fmt: skip
    s = tmp_path / "s"
    first = sweep.run_sweep(TINY.replace(validation=True), {"lr": [0.05, 0.1], "seed": [0, 1]}, s, progress=False,
                            splits=val)  # fmt: skip
    got = sweep.summarize(s, baseline={"lr": 0.1})
    assert [r["val_accuracy_mean"] for r in got["rows"]] == [r["val_accuracy_mean"] for r in first["rows"]]
    assert got["table"].startswith("| lr | members | validation accuracy (%) mean ± std | vs baseline")
    explained = got["notes"].split("\n\n")[-1]  # after the findings' paragraph (best rows, stalled members)
    assert explained.startswith("Validation accuracy: final parameters on the 10,000 held-out")


def test_a_summary_of_a_sweep_still_training_holds_its_finished_groups_and_names_the_others(tmp_path, capsys):
    s = tmp_path / "s"
    grid = {"activation": ["sigmoid", "relu", "tanh"], "seed": [0, 1]}
    first = run_tiny(TINY, grid, s)
    (s / "groups" / "g01" / "result.json").unlink()  # as if training g01's last epoch (written last)
    shutil.rmtree(s / "groups" / "g02")  # and g02 not started: its lines gone too
    write_lines(s, [m for m in lines_of(s) if m["group"] != "g02"])
    before = folder_state(s)
    capsys.readouterr()
    got = sweep.summarize(s)
    assert capsys.readouterr().err == (
        f"nnjax: warning: {s}: 2 groups not finished (g01, g02: 4 of 6 members); the table holds the finished "
        f"groups' members (nnjax sweep --resume {s} trains the rest)\n"
    )
    assert got["unfinished"] == ["g01", "g02"] and got["n_members"] == 2 and got["n_groups"] == 1
    # best: of the rows in the table (one here: none marked)
    assert [without(r, "best") for r in got["rows"]] == [without(r, "best") for r in first["rows"][:1]]
    assert got["members"] == first["members"][:2] and not got["rows"][0]["best"]
    with pytest.raises(ConfigError, match=r"^baseline activation=relu: no member of its row has finished yet"):
        sweep.summarize(s, baseline={"activation": "relu"})
    assert folder_state(s) == before
    (s / "groups" / "g00" / "result.json").unlink()
    before = folder_state(s)
    with pytest.raises(CheckpointError, match=rf"^{re.escape(str(s))}: no group has finished yet"):
        sweep.summarize(s)
    assert folder_state(s) == before


def test_the_summary_command_prints_what_the_sweep_command_prints(tmp_path, cli, capsys, monkeypatch):
    """``nnjax summary`` prints the table, the variance split and the notes as ``nnjax sweep`` does (one code
    path), here with another baseline and replicates than the sweep's, as a ``--resume`` with them prints;
    ``--json`` the numbers; and ``nnjax --help`` lists the verb."""
    resume = sweep.run_sweep
    monkeypatch.setattr(sweep, "run_sweep", lambda *a, **kw: resume(*a, **{**kw, "splits": SPLITS}))  # no MNIST
    s = tmp_path / "s"
    run_tiny(TINY, {"lr": [0.05, 0.1], "seed": [0, 1], "data_seed": [0, 1]}, s, baseline={"lr": 0.05, "data_seed": 0})
    shutil.copytree(s, tmp_path / "copy")
    before = folder_state(s)
    capsys.readouterr()
    flags = ("--baseline", "lr=0.1", "--replicates", "seed,data_seed", "--target", "0.2")
    rc, out, err = cli("summary", s, *flags)
    assert rc == 0 and err == ""
    rc, resumed, _ = cli("sweep", "--resume", tmp_path / "copy", *flags, "--no-progress")
    assert rc == 0
    table = out.splitlines()[1:-1]  # between the folder's line and the one of counts and times
    assert "\n".join(table) in resumed and "| lr | members |" in out and "| rest (interaction) |" in out
    wall = json.loads((s / "sweep.json").read_text())["wall_s"][0]  # the sweep's, as nnjax sweep printed it
    assert out.splitlines()[-1].startswith(f"8 members in 2 groups, 2 epochs: wall {wall:.1f} s (training ")
    rc, out, _ = cli("summary", s, "--json")
    assert rc == 0 and json.loads(out)["baseline"] == {"lr": 0.05, "data_seed": 0}
    assert folder_state(s) == before
    from nnjax.cli import build_parser

    text = build_parser().format_help()  # what nnjax --help prints
    assert re.search(r"^\s+summary\s+print a sweep folder's table again", text, re.M), text


def test_the_summary_command_refuses_bad_input_in_one_line_writing_nothing(tmp_path, cli_error, capsys):
    s = tmp_path / "s"
    run_tiny(TINY, {"lr": [0.05, 0.1], "seed": [0, 1]}, s)
    capsys.readouterr()
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "config.json").write_text("{}")
    before = folder_state(s)
    for argv, line in (
        ([tmp_path / "none"], f"{tmp_path / 'none'}: sweep folder not found"),
        ([tmp_path / "run"], f"{tmp_path / 'run'}: not a sweep folder (no sweep.json)"),
        ([""], "SWEEP_DIR is empty: name a path"),
        ([s, "--baseline", "lr=0.3"], "--baseline lr=0.3: lr=0.3 is not in the grid (lr=0.05,0.1)"),
        ([s, "--baseline", "seed=0"], "--baseline seed=0: 'seed' does not tell the table's rows apart"),
        ([s, "--replicates", "data_seed"], "--replicates data_seed: 'data_seed' is not a field of the grid"),
        ([s, "--target", "96"], "--target 96: the accuracy to reach, a fraction in (0, 1]"),
    ):
        assert cli_error("summary", *argv).startswith(f"nnjax: error: {line}"), argv
    assert folder_state(s) == before
    spec, lines = (s / "sweep.json").read_text(), (s / "metrics.jsonl").read_text()
    result = (s / "groups" / "g00" / "result.json").read_text()
    for path, damaged, line in (
        (s / "sweep.json", spec.replace('"grid"', '"grid",', 1), f"{s / 'sweep.json'}: not valid JSON (line "),
        (s / "sweep.json", spec.replace('"grid"', '"baseline": {"lr": 0.3}, "grid"', 1), f"{s / 'sweep.json'}: "),
        (s / "metrics.jsonl", lines.replace('"group"', '"grp"', 1), f"{s / 'metrics.jsonl'}: line 1: 'group' missing"),
        (s / "metrics.jsonl", lines.split("\n", 1)[1], f"{s / 'metrics.jsonl'}: line 4 is member 0's epoch 2, "),
        (s / "groups" / "g00" / "result.json", result[:-9], f"{s / 'groups' / 'g00' / 'result.json'}: damaged"),
    ):
        path.write_text(damaged)
        state = folder_state(s)
        assert cli_error("summary", s).startswith(f"nnjax: error: {line}"), line
        if "baseline" in damaged:  # the value it names
            assert line + "baseline: lr=0.3 is not in the grid (lr=0.05,0.1)" in cli_error("summary", s)
        assert folder_state(s) == state
        path.write_text({"sweep.json": spec, "metrics.jsonl": lines, "result.json": result}[path.name])


# ----------------------------------------------------------------------------------------------------
def test_a_baseline_whose_row_all_diverged_is_said_in_the_notes_and_another_compares_without_training(
    tmp_path, capsys, monkeypatch
):
    """A baseline row whose members all diverged has no mean: every comparison with it is '—'. The notes say why
    and how to compare with another row (nnjax summary --baseline); the sweep still writes its summary files
    (an older folder with such a stored baseline still summarises), and summarize with another baseline
    compares the rows without training or writing."""
    base = TINY.replace(activation="identity", optimizer="sgd", schedule="constant", lr=0.01)
    grid = {"lr": [0.01, 1000.0], "seed": [0, 1]}  # lr 1000 overflows in its first epoch
    s = tmp_path / "s"
    summary = run_tiny(base, grid, s, baseline={"lr": 1000.0})
    said = "Every member of the baseline row diverged, so no row is compared with it (—)"
    assert said in summary["notes"] and said in (s / "summary.md").read_text()
    assert [r["n_diverged"] for r in summary["rows"]] == [0, 2]
    assert [r["vs_baseline"] for r in summary["rows"]] == [None, None]
    capsys.readouterr()
    before = folder_state(s)
    import nnjax.data

    monkeypatch.setattr(nnjax.data, "load_splits", lambda *a, **k: pytest.fail("summarize loads no data"))
    other = sweep.summarize(s, baseline={"lr": 0.01})
    assert [r["baseline"] for r in other["rows"]] == [True, False] and said not in other["notes"]
    assert folder_state(s) == before


def test_the_table_shows_each_rows_training_accuracy_and_its_gap_and_an_older_folder_a_dash(tmp_path):
    """A researcher computed the train–test gap by hand from members.csv's ``final_train_accuracy`` (a running mean
    over the last epoch's mini-batches). Each member's final parameters are now evaluated once on every image they
    trained on (``train_size``'s first ones): the group's result.json (``train_set_accuracy``), members.csv and
    --json's members (``final_train_set_accuracy``) hold it, and each table row shows its mean and the gap to the
    row's accuracy, over the members that did not diverge. A folder of an older nnjax (no such field) shows "—"."""
    from nnjax.images import predict
    from nnjax.train import unstack

    out = tmp_path / "s"
    grid = {"train_size": [64, None], "lr": [3.0, 1000.0]}
    summary = run_tiny(TINY.replace(checkpoint_every=0), grid, out, replicates=["lr"])
    members = summary["members"]
    gone = [m["diverged_epoch"] is not None for m in members]
    assert gone == [False, True, False, True], "lr 1000 no longer diverges: pick a harsher one"
    independent = []
    for m in members:
        cfg, params_K, _ = sweep.load_member(out, m["member"])
        n = cfg.train_size or N_TRAIN
        digits, _ = predict(unstack(params_K, 0), cfg, SPLITS.x_train[:n])
        independent.append(float(np.mean(digits == SPLITS.y_train[:n])))
    got = [m["final_train_set_accuracy"] for m in members]
    assert got[1] is None and got[3] is None  # diverged: none, as its test accuracy
    assert got[0] == pytest.approx(independent[0], abs=1e-6) and got[2] == pytest.approx(independent[2], abs=1e-6)
    # not the running mean over the last epoch's mini-batches, which lags the final parameters
    assert (got[0], got[2]) != (members[0]["final_train_accuracy"], members[2]["final_train_accuracy"])
    groups = [json.loads((out / "groups" / g / "result.json").read_text()) for g in ("g00", "g01")]
    assert [a for r in groups for a in r["train_set_accuracy"]] == got
    with open(out / "members.csv") as f:
        assert [r["final_train_set_accuracy"] for r in csv.DictReader(f)] == [
            "" if a is None else sweep_grid.format_value(a) for a in got
        ]
    rows = summary["rows"]
    for row, j in zip(rows, (0, 2)):  # the diverged member (lr 1000) left out of the mean, as for test accuracy
        assert row["train_set_accuracy_mean"] == got[j]
        assert row["train_gap_mean"] == pytest.approx(got[j] - members[j]["final_test_accuracy"])
    head, _, *cells = summary["table"].splitlines()
    i = head.split(" | ").index("train accuracy (%) (gap)")
    assert [c.split(" | ")[i] for c in cells] == [
        f"{100 * r['train_set_accuracy_mean']:.2f} ({100 * r['train_gap_mean']:+.2f})" for r in rows
    ]
    assert "Train accuracy: the final parameters on every image they trained on" in summary["notes"]
    assert summary["table"] in (out / "summary.md").read_text()

    for g in ("g00", "g01"):  # as an older nnjax wrote them
        path = out / "groups" / g / "result.json"
        path.write_text(
            json.dumps({k: v for k, v in json.loads(path.read_text()).items() if k != "train_set_accuracy"})
        )
    again = sweep.summarize(out)
    assert [m["final_train_set_accuracy"] for m in again["members"]] == [None] * 4
    assert [r["train_set_accuracy_mean"] for r in again["rows"]] == [None, None]
    assert [c.split(" | ")[i] for c in again["table"].splitlines()[2:]] == ["—", "—"]
    assert [r["test_accuracy_mean"] for r in again["rows"]] == [r["test_accuracy_mean"] for r in rows]


def test_a_runs_result_holds_the_final_networks_accuracy_on_the_images_it_trained_on(tmp_path):
    """``nnjax train``'s result.json: ``train_set_accuracy``, the final network on its ``train_size`` images, as an
    independent evaluation of its parameters counts it."""
    from nnjax.images import predict
    from nnjax.train import unstack

    result = train_and_evaluate(TINY.replace(train_size=96), tmp_path / "run", progress=False, splits=SPLITS)
    cfg, params_K, _ = load_run(tmp_path / "run")
    digits, _ = predict(unstack(params_K, 0), cfg, SPLITS.x_train[:96])
    assert result["train_set_accuracy"] == pytest.approx(float(np.mean(digits == SPLITS.y_train[:96])), abs=1e-6)
    assert (
        json.loads((tmp_path / "run" / "result.json").read_text())["train_set_accuracy"] == result["train_set_accuracy"]
    )


# ----------------------------------------------------------------------------------------------------
def test_a_rows_train_accuracy_over_only_some_of_its_members_says_how_many():
    """A sweep an older nnjax began and this one resumed: only the members trained since have their accuracy on
    the images they trained on. The row's train cell is their mean and gap, and says over how many (review)."""
    members = [
        {"final_train_set_accuracy": 0.99, "final_test_accuracy": 0.95},
        {"final_train_set_accuracy": 0.97, "final_test_accuracy": 0.93},
        {"final_train_set_accuracy": None, "final_test_accuracy": 0.90},  # trained by the older nnjax
    ]
    means = sweep_summary._train_set_means(members, "test")
    assert means == {"train_set_accuracy_mean": pytest.approx(0.98), "train_gap_mean": pytest.approx(0.04),
                     "n_train_set": 2}  # fmt: skip
    assert sweep_summary._train_cell({**means, "n": 4, "n_diverged": 1}) == "98.00 (+4.00), 2 of 3"
    every = sweep_summary._train_set_means(members[:2], "test")
    assert sweep_summary._train_cell({**every, "n": 3, "n_diverged": 1}) == "98.00 (+4.00)"
    assert sweep_summary._train_cell({**sweep_summary._train_set_means(members[2:], "test"), "n": 1}) == "—"


# --------------------------------------------------------------------------------------------------
# nnjax summary DIR DIR ..: one table over several sweep folders (a grid widened in a second folder)
# --------------------------------------------------------------------------------------------------


def set_final_accuracy(s: Path, accuracy: dict[float, float]) -> None:
    """Each member's final test accuracy in sweep folder ``s``'s result.json set to ``accuracy[its lr]`` plus
    0.001 × its seed: a table whose best lr is known, whatever tiny synthetic data made of it."""
    cfgs = sweep_grid.expand(*sweep.load_sweep_spec(s), new=False)
    for path in sorted((s / "groups").glob("g*/result.json")):
        result = json.loads(path.read_text())
        result["test_accuracy"] = [accuracy[cfgs[m].lr] + 0.001 * cfgs[m].seed for m in result["members"]]
        path.write_text(json.dumps(result))


def test_a_summary_of_two_folders_is_one_table_over_their_members_writing_nothing(tmp_path, cli, capsys):
    """A second folder that holds lr fixed (at 0.2) beside one that sweeps it: one table over both, as if one
    sweep over the union grid, lr 0.2 a row of its own. Each member's numbers are its own folder's summary's, each
    row's mean is over its members, members are numbered on from the first folder's (``folders``; each member's
    own folder and number), the wall time is the two sweeps' sum, and nothing is written."""
    a, b = tmp_path / "a", tmp_path / "b"
    run_tiny(TINY, {"lr": [0.05, 0.1], "seed": [0, 1]}, a)
    run_tiny(TINY.replace(lr=0.2), {"seed": [0, 1, 2]}, b)
    before = {a: folder_state(a), b: folder_state(b)}
    own = {str(d): sweep.summarize(d) for d in (a, b)}
    capsys.readouterr()
    got = sweep.summarize([a, b])
    assert capsys.readouterr().err == ""
    assert got["folders"] == [
        {"sweep_dir": str(a), "first_member": 0, "n_members": 4, "wall_s": own[str(a)]["wall_s"], "wall_sessions": 1},
        {"sweep_dir": str(b), "first_member": 4, "n_members": 3, "wall_s": own[str(b)]["wall_s"], "wall_sessions": 1},
    ]
    assert got["sweep_dir"] is None and got["n_members"] == 7 and got["n_groups"] == 2 and got["varied"] == ["lr"]
    assert got["grid"] == {"lr": [0.05, 0.1, 0.2], "seed": [0, 1, 2]}
    assert [(m["member"], m["sweep_dir"], m["folder_member"]) for m in got["members"]] == [
        *((i, str(a), i) for i in range(4)),
        *((4 + i, str(b), i) for i in range(3)),
    ]
    for m in got["members"]:  # its own folder's numbers: accuracies, epochs, times
        mine = own[m["sweep_dir"]]["members"][m["folder_member"]]
        assert {k: m[k] for k in mine if k not in ("member", "group", "stalled")} == without(
            mine, "member", "group", "stalled"
        )
        assert m["lr"] == (0.2 if m["sweep_dir"] == str(b) else mine["lr"])
    assert [r["lr"] for r in got["rows"]] == [0.05, 0.1, 0.2]
    assert [r["members"] for r in got["rows"]] == [[0, 1], [2, 3], [4, 5, 6]]
    for row, theirs in zip(got["rows"], [*own[str(a)]["rows"], *own[str(b)]["rows"]]):
        assert row["test_accuracy_mean"] == theirs["test_accuracy_mean"]
        assert row["test_accuracy_std"] == theirs["test_accuracy_std"] and row["train_s"] == theirs["train_s"]
    assert got["wall_s"] == pytest.approx(own[str(a)]["wall_s"] + own[str(b)]["wall_s"], abs=2e-3)
    assert got["train_s"] == pytest.approx(own[str(a)]["train_s"] + own[str(b)]["train_s"], abs=2e-3)
    rc, out, err = cli("summary", a, b)
    assert rc == 0 and err == ""
    head = out.splitlines()
    assert head[:3] == [
        "sweep folders (members numbered on from one to the next; nnjax viz DIR --member N takes its own N):",
        f"  {a}: members 0–3",
        f"  {b}: members 4–6, its member N − 4",
    ]
    assert got["table"] in out
    assert head[-1].startswith(f"7 members in 2 groups, 2 epochs: wall {got['wall_s']:.1f} s summed over the 2 folders")
    rc, out, _ = cli("summary", a, b, "--json")
    assert rc == 0 and json.loads(out)["folders"] == got["folders"]
    assert {a: folder_state(a), b: folder_state(b)} == before


def test_a_kept_baseline_the_union_grid_makes_ambiguous_is_refused_saying_the_wider_grid_is_why(tmp_path, cli, capsys):
    """Folder a keeps baseline lr=0.05; folder b varies activation, which a holds fixed: over both, the rows differ
    in lr and activation, and lr=0.05 names no one row. The refusal said "names no row with replicates seed", as if
    the replicates were to blame; it names the union of the folders' grids. Replicates a did not keep it with are
    still named as the reason, and a baseline given for the union's rows is taken."""
    a, b = tmp_path / "a", tmp_path / "b"
    run_tiny(TINY, {"lr": [0.05, 0.1], "seed": [0, 1]}, a, baseline={"lr": 0.05})
    run_tiny(TINY.replace(lr=0.2), {"activation": ["sigmoid", "relu"], "seed": [0, 1]}, b)
    why = "(give a value of activation too (the rows differ in lr, activation)): give a baseline for them"
    with pytest.raises(ConfigError) as e:
        sweep.summarize([a, b])
    assert str(e.value) == (
        f"{a / 'sweep.json'}: its baseline lr=0.05 names no row of the union of the 2 folders' grids, whose rows "
        f"differ in more fields than its own {why}"
    )
    capsys.readouterr()
    assert cli("summary", a, b)[::2] == (1, f"nnjax: error: {e.value}\n")
    with pytest.raises(ConfigError, match=r"lr=0.05 names no row with replicates activation \(give a value of seed"):
        sweep.summarize([a, b], replicates=("activation",))
    got = sweep.summarize([a, b], baseline={"lr": 0.05, "activation": "sigmoid"})
    assert [r["baseline"] for r in got["rows"]] == [True, False, False, False]


def test_the_grids_edge_is_judged_over_every_folder_given(tmp_path, cli):
    """A researcher widened a grid whose best lr was its largest ("the largest lr tried") in a second folder: over
    both, the best lr lies inside the union grid, and the notes no longer call it an edge."""
    a, b = tmp_path / "a", tmp_path / "b"
    grid = {"activation": ["sigmoid", "relu"], "seed": [0, 1]}
    run_tiny(TINY, {**grid, "lr": [0.01, 0.03, 0.1]}, a)
    run_tiny(TINY, {**grid, "lr": [0.3, 1.0]}, b)
    accuracy = {0.01: 0.80, 0.03: 0.85, 0.1: 0.90, 0.3: 0.95, 1.0: 0.70}  # peaks at 0.3
    for d in (a, b):
        set_final_accuracy(d, accuracy)
    alone = sweep.summarize(a)
    assert "Best lr per activation: sigmoid 0.1 (90.05 %; the largest lr tried), relu 0.1 (90.05 %; the largest lr " \
        "tried)." in alone["notes"]  # fmt: skip
    both = sweep.summarize([a, b])
    assert [g["edge"] for g in both["best_per"]["rows"]] == [None, None]
    assert "Best lr per activation: sigmoid 0.3 (95.05 %), relu 0.3 (95.05 %)." in both["notes"]
    assert "tried" not in both["notes"].split("\n\n")[0]
    rc, out, _ = cli("summary", a, b)
    assert rc == 0 and "Best lr per activation: sigmoid 0.3 (95.05 %), relu 0.3" in " ".join(out.split())


def test_a_baseline_row_not_finished_in_any_folder_names_the_folder_to_resume(tmp_path):
    """Over several folders, a baseline whose row has no finished member said "nnjax sweep --resume A / B trains
    them", though --resume takes one folder and A had nothing left to train: it names the folders that do."""
    a, b = tmp_path / "a", tmp_path / "b"
    run_tiny(TINY, {"activation": ["sigmoid"], "seed": [0, 1]}, a)
    run_tiny(TINY, {"activation": ["sigmoid", "relu"], "seed": [2, 3]}, b)
    (b / "groups" / "g01" / "result.json").unlink()  # relu's group, as if still training
    want = f"baseline activation=relu: no member of its row has finished yet (nnjax sweep --resume {b} trains them)"
    with pytest.raises(ConfigError) as e:
        sweep.summarize([a, b], baseline={"activation": "relu"})
    assert str(e.value) == want


def test_folders_that_are_not_one_sweep_are_refused_in_one_line(tmp_path, cli, cli_error, capsys):
    """Another epochs (a base field no grid varies), a linked item in one folder only, kept options that differ
    (unless given), a folder given twice: one line naming both folders and values, exit 1, nothing written. A
    member both folders trained counts once, the first folder's, and a warning says so."""
    a = tmp_path / "a"
    run_tiny(TINY, {"lr": [0.05, 0.1], "seed": [0, 1]}, a, target=0.2)
    other = {
        "epochs": (TINY.replace(epochs=1), {"seed": [0, 1]}, {}),
        "linked": (TINY, {"activation,lr": [("sigmoid", 0.3), ("relu", 0.5)], "seed": [0, 1]}, {}),
        "target": (TINY, {"lr": [0.3], "seed": [0, 1]}, {"target": 0.3}),
        "twice": (TINY, {"lr": [0.1, 0.3], "seed": [0, 1]}, {}),
    }
    for name, (base, grid, kw) in other.items():
        run_tiny(base, grid, tmp_path / name, **kw)
    before = {d: folder_state(d) for d in tmp_path.iterdir()}
    e, linked, t = tmp_path / "epochs", tmp_path / "linked", tmp_path / "target"
    capsys.readouterr()
    for argv, line in (
        ([a, e], f"{e}: epochs=1 but {a}: epochs=2; folders whose members differ in a field no grid varies are not "),
        ([a, linked], f"{a}: its grid does not link activation,lr as {linked}'s does (activation,lr=..): "),
        ([a, t], f"{t / 'sweep.json'}: target 30 % but {a / 'sweep.json'}: target 20 %; give --target for the summ"),
        ([a, tmp_path / "a"], f"{a}: sweep folder given twice"),
    ):
        assert cli_error("summary", *argv).startswith(f"nnjax: error: {line}"), argv
    rc, out, _ = cli("summary", a, t, "--target", "0.25", "--json")
    assert rc == 0 and json.loads(out)["target"] == 0.25
    capsys.readouterr()
    got = sweep.summarize([a, tmp_path / "twice"])
    assert capsys.readouterr().err == (
        f"nnjax: warning: {tmp_path / 'twice'}: members 0 (lr=0.1,seed=0), 1 (lr=0.1,seed=1) also trained in "
        f"{a} (its members 2, 3): counted once, as that folder's\n"
    )
    assert [r["members"] for r in got["rows"]] == [[0, 1], [2, 3], [6, 7]] and got["n_members"] == 6
    assert {d: folder_state(d) for d in tmp_path.iterdir()} == before


def test_a_member_two_folders_trained_counts_once_though_a_field_it_does_not_use_differs(tmp_path, capsys):
    """An sgd member's momentum is unused: a folder of sgd members only keeps it as 0, one that also sweeps
    momentum members keeps the base's 0.9. The sgd members both trained are one member each, counted once (they
    were counted twice, four replicates of a row of two seeds), and the group of b's counted as a's is no group
    of the summary."""
    a, b = tmp_path / "a", tmp_path / "b"
    base = TINY.replace(optimizer="sgd", lr=0.05)
    run_tiny(base, {"seed": [0, 1]}, a)
    run_tiny(base, {"optimizer": ["sgd", "momentum"], "seed": [0, 1]}, b)
    assert [json.loads((d / "sweep.json").read_text())["base"]["momentum"] for d in (a, b)] == [0.0, 0.9]
    capsys.readouterr()
    got = sweep.summarize([a, b])
    assert "also trained in" in capsys.readouterr().err
    assert [(r["optimizer"], r["members"]) for r in got["rows"]] == [("sgd", [0, 1]), ("momentum", [4, 5])]
    assert got["n_members"] == 4
    assert got["n_groups"] == 2  # b's sgd group, whose members all count as a's, is not counted again (was 3)


def test_the_wall_time_is_recorded_per_session_and_an_older_folder_still_summarises(
    tmp_path, cli, capsys, no_jax_disk_cache
):
    """``nnjax summary`` prints the sweep's wall time as ``nnjax sweep`` did: sweep.json records it, one entry
    per session that trained (a --resume adds one, summed). A folder of an older nnjax has none: it still
    summarises, and the line says so; beside a folder that has one, the sum says which it counts."""
    a, b = tmp_path / "a", tmp_path / "b"
    grid = {"activation": ["sigmoid", "relu"], "seed": [0, 1]}
    first = run_tiny(TINY, grid, a)
    spec = json.loads((a / "sweep.json").read_text())
    assert spec["wall_s"] == [first["wall_s"]]
    rc, out, _ = cli("summary", a)
    assert out.splitlines()[-1] == (
        f"4 members in 2 groups, 2 epochs: wall {first['wall_s']:.1f} s (training {first['train_s']:.1f} s, "
        f"compilation {first['compile_s']:.1f} s) on {first['device']}"
    )
    shutil.rmtree(a / "groups" / "g01")  # interrupted before g01: a resume trains it
    write_lines(a, [m for m in lines_of(a) if m["group"] != "g01"])
    resumed = run_tiny(TINY, grid, a, resume=True)
    walls = json.loads((a / "sweep.json").read_text())["wall_s"]
    assert walls == [first["wall_s"], resumed["wall_s"]]
    got = sweep.summarize(a)
    assert (got["wall_s"], got["wall_sessions"]) == (pytest.approx(sum(walls), abs=2e-3), 2)
    assert sweep_summary.summary_timing(got).startswith(f"wall {got['wall_s']:.1f} s summed over 2 sessions (training")

    run_tiny(TINY, {"activation": ["tanh"], "seed": [0, 1]}, b)
    (b / "sweep.json").write_text(json.dumps(without(json.loads((b / "sweep.json").read_text()), "wall_s")))
    older = sweep.summarize(b)  # as an nnjax before 2026-12-07 left it
    capsys.readouterr()
    assert older["wall_s"] is None and older["wall_unrecorded"] == [str(b)] and older["n_members"] == 2
    rc, out, err = cli("summary", b)
    assert rc == 0 and err == ""
    assert out.splitlines()[-1] == (
        f"2 members in 1 group, 2 epochs: training {older['train_s']:.1f} s, compilation {older['compile_s']:.1f} s; "
        f"wall time not recorded (a folder made by an nnjax before 2026-12-07, whose summary.md has it) on "
        f"{older['device']}"
    )
    both = sweep.summarize([a, b])
    assert both["wall_s"] == got["wall_s"] and both["wall_unrecorded"] == [str(b)]
    assert sweep_summary.summary_timing(both).endswith(
        f"; not recorded in {b}, a folder made by an nnjax before 2026-12-07, whose summary.md has it"
    )
    said = f"wall {got['wall_s']:.1f} s summed over 1 of 2 folders and 2 sessions (training"
    assert sweep_summary.summary_timing(both).startswith(said)


def test_a_variance_split_over_pairs_two_folders_did_not_all_train_says_so():
    """Two folders merged (``summarize([a, b])``) may leave a row without some seed × data_seed pair: its variance
    split says how many are missing instead of an analysis over a table with holes (NaN)."""
    grid = {"seed": [0, 1, 2], "data_seed": [0, 1]}
    members = [{"seed": s, "data_seed": d, "final_test_accuracy": 0.9 + 0.01 * s + 0.001 * d}
               for s in (0, 1, 2) for d in (0, 1) if (s, d) != (2, 1)]  # fmt: skip
    got = sweep_summary._variance_split(members, members, ["seed", "data_seed"], grid, "test")
    assert got == {"fields": ["seed", "data_seed"], "why": "1 of 6 seed × data_seed pairs not trained"}


# ----------------------------------------------------------------------------------------------------
def test_a_summary_at_an_epoch_is_each_members_metrics_line_there(tmp_path, cli, capsys):
    """``summarize(epoch=N)`` / ``nnjax summary --epoch N``: every member's accuracy is its metrics.jsonl line's
    at epoch N, the rows' means, baseline p-values and best epochs are of those (best and epochs to a target
    among epochs 1..N), a member that diverged after N counts at N, what only the final parameters were
    measured on is '—', and the header says "at epoch N of E"; nothing is written."""
    s = tmp_path / "s"
    run_tiny(TINY.replace(epochs=3), {"lr": [0.05, 0.1], "seed": [0, 1, 2]}, s, baseline={"lr": 0.05})
    result = s / "groups" / "g00" / "result.json"
    saved = json.loads(result.read_text())  # member 5 as if it had diverged at epoch 3: at 2 it had not
    diverged = {"diverged_epoch": [None] * 5 + [3], "test_accuracy": [*saved["test_accuracy"][:5], None]}
    result.write_text(json.dumps({**saved, **diverged}))
    before = folder_state(s)
    capsys.readouterr()
    at = {(m["member"], m["epoch"]): m for m in _metric_lines(s)}
    for n in (1, 2):
        got = sweep.summarize(s, epoch=n, target=0.15)
        assert (got["epoch"], got["of_epochs"]) == (n, 3)
        for m in got["members"]:
            assert m["final_test_accuracy"] == at[(m["member"], n)]["test_accuracy"]
            assert m["final_train_accuracy"] == at[(m["member"], n)]["train_accuracy"]
            assert m["diverged_epoch"] is None and m["final_train_set_accuracy"] is None and m["inert"] is None
            points = [(e, at[(m["member"], e)]["test_accuracy"]) for e in range(1, n + 1)]
            assert m["best_epoch"] == max(points, key=lambda p: (p[1], -p[0]))[0]
            assert m["first_epoch_at_target"] == target.target_epochs(points, 0.15)["first_epoch_at_target"]
        accs = [[at[(i, n)]["test_accuracy"] for i in r["members"]] for r in got["rows"]]
        assert [r["test_accuracy_mean"] for r in got["rows"]] == [statistics.fmean(a) for a in accs]
        assert got["rows"][1]["p_welch"] == sweep_summary.welch_p(accs[1], accs[0])
        head, _, *lines = got["table"].splitlines()
        assert f"| test accuracy (%) at epoch {n} of 3 mean ± std |" in head
        assert all(" | — | — | " in line for line in lines)  # train accuracy (gap) and inert: the final network's
        assert got["notes"].startswith(f"At epoch {n} of 3: each member as it was after epoch {n}, from metrics.jsonl")
    assert sweep.summarize(s)["rows"][1]["n_diverged"] == 1
    rc, out, err = cli("summary", s, "--epoch", "2", "--target", "0.15")
    assert rc == 0 and err == "" and sweep.summarize(s, epoch=2, target=0.15)["table"] in out
    assert folder_state(s) == before


def test_a_summary_at_the_last_epoch_is_the_final_summary(tmp_path, cli):
    s = tmp_path / "s"
    run_tiny(TINY.replace(epochs=3), {"activation": ["sigmoid", "relu"], "seed": [0, 1]}, s, target=0.15)
    final, last = sweep.summarize(s), sweep.summarize(s, epoch=3)
    assert {k: last[k] for k in SUMMARY_NUMBERS} == {k: final[k] for k in SUMMARY_NUMBERS}
    assert (last["epoch"], last["of_epochs"]) == (3, 3) and "epoch" not in final
    rc, out, _ = cli("summary", s, "--epoch", "3")
    assert rc == 0 and out == cli("summary", s)[1]


def test_a_summary_json_at_an_epoch_says_it_on_each_member_and_the_plain_json_keeps_its_keys(tmp_path, cli):
    """``nnjax summary --epoch N --json``'s members had keys named ``final_*`` holding epoch N's values, with
    nothing in a member to say so. Each member now has ``at_epoch`` N beside the same keys (a reader of the plain
    JSON reads both); the plain JSON's members, and those at N = E (the final values), have the keys they had."""
    s = tmp_path / "s"
    run_tiny(TINY.replace(epochs=3), {"lr": [0.05, 0.1], "seed": [0, 1]}, s)
    at = {(m["member"], m["epoch"]): m for m in _metric_lines(s)}
    with open(s / "members.csv") as f:
        columns = next(csv.reader(f))  # the plain summary's member keys, as the sweep wrote them
    rc, out, _ = cli("summary", s, "--json")
    plain = json.loads(out)["members"]
    assert rc == 0 and all(list(m) == columns for m in plain) and "at_epoch" not in columns
    rc, out, _ = cli("summary", s, "--epoch", "2", "--json")
    early = json.loads(out)
    assert rc == 0 and (early["epoch"], early["of_epochs"]) == (2, 3)
    for m in early["members"]:
        assert m["at_epoch"] == 2 and set(m) == {*columns, "at_epoch"}
        assert m["final_test_accuracy"] == at[(m["member"], 2)]["test_accuracy"]
    assert "--json's members have at_epoch 2: their final_* are epoch 2's" in sweep.summarize(s, epoch=2)["notes"]
    rc, out, _ = cli("summary", s, "--epoch", "3", "--json")
    assert rc == 0 and json.loads(out)["members"] == plain


def test_a_summary_at_an_epoch_not_recorded_is_one_line(tmp_path, cli_error, capsys):
    s, e = tmp_path / "s", tmp_path / "e"
    run_tiny(TINY, {"lr": [0.05, 0.1]}, s)
    run_tiny(TINY.replace(epochs=3), {"epochs": [3, 1]}, e)  # member 1 trained one epoch
    capsys.readouterr()
    before = folder_state(tmp_path)
    for argv, line in (
        ([s, "--epoch", "0"], f"epoch 0: outside 1..2, the epochs {s} trained"),
        ([s, "--epoch", "3"], f"epoch 3: outside 1..2, the epochs {s} trained"),
        ([e, "--epoch", "2"], f"epoch 2: {e}'s member 1 ("),
    ):
        assert cli_error("summary", *argv).startswith(f"nnjax: error: {line}"), argv
    assert "trains 1 epoch, so it records none at epoch 2; give an epoch from 1 to 1" in cli_error(
        "summary", e, "--epoch", "2"
    )
    with pytest.raises(ConfigError, match=r"^epoch 1.5: expected a whole number"):
        sweep.summarize(s, epoch=1.5)
    assert sweep.summarize(e, epoch=1)["rows"][0]["test_accuracy_mean"] is not None
    # at epoch 1 of 3, the member that trains just 1 epoch is as the notes say every member is: no final-only values
    at_1 = sweep.summarize(e, epoch=1)["members"]
    assert [m["epochs"] for m in at_1] == [3, 1] and [m["final_train_set_accuracy"] for m in at_1] == [None, None]
    assert sweep.summarize(e)["members"][1]["final_train_set_accuracy"] is not None
    assert folder_state(tmp_path) == before


def test_the_table_has_an_inert_column_only_where_some_member_has_an_inert_neuron(tmp_path):
    """members.csv and --json had each member's inert neurons, the printed table none: it has their mean per
    hidden layer where some member has one; where none has (a sigmoid sweep), or an older folder counted none,
    the table is as narrow as before."""
    s = tmp_path / "s"
    run_tiny(TINY.replace(hidden=(8, 4)), {"seed": [0, 1]}, s)
    got = sweep.summarize(s)
    counts = [m["inert"] for m in got["members"]]
    assert any(any(c) for c in counts), "no member has an inert neuron: pick another recipe"
    head, _, row = got["table"].splitlines()
    cells = dict(zip(head.split(" | "), row.split(" | ")))
    assert cells["inert (per layer)"] == ", ".join(f"{statistics.fmean(layer):g}" for layer in zip(*counts))
    assert "Inert (per layer): each hidden layer's inert neurons" in got["notes"]
    result = s / "groups" / "g00" / "result.json"
    saved = json.loads(result.read_text())
    for inert in ([[0, 0], [0, 0]], None):  # none inert; an older nnjax's result.json, without the key
        result.write_text(json.dumps({**without(saved, "inert"), **({"inert": inert} if inert else {})}))
        got = sweep.summarize(s)
        assert "inert" not in got["table"] and "Inert" not in got["notes"], inert
