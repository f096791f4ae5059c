"""experiments/time_to_target.py and nnjax.time_to_target: each grid member trained alone, seed-major, and the
table of what the runs' own target.json and result.json say."""

from __future__ import annotations

import csv
import io
import json
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import synthetic_splits

from nnjax.configs import get_config
from nnjax.errors import ConfigError
from nnjax.sweep_grid import parse_grid

EXPERIMENTS = Path(__file__).parents[1] / "experiments"
GRID = parse_grid(["batch_size,lr=32:0.01,64:0.03", "seed=0,1"])


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """Four 3-epoch runs of GRID on synthetic data, with the order ``on_run`` saw them in."""
    from nnjax.time_to_target import train_alone

    root = tmp_path_factory.mktemp("ttt") / "out"
    base = get_config("video").replace(epochs=3, optimizer="adam")
    seen = []
    splits = synthetic_splits()
    records = train_alone(
        base, GRID, 0.5, root, progress=False, splits=splits, on_run=lambda i, n, c, d: seen.append((i, n, c.name))
    )
    return base, root, records, seen, splits


def test_runs_are_trained_seed_major_each_alone_into_its_own_run_folder(trained):
    _, root, records, seen, _ = trained
    names = [
        "batch_size=32,lr=0.01,seed=0",
        "batch_size=64,lr=0.03,seed=0",
        "batch_size=32,lr=0.01,seed=1",
        "batch_size=64,lr=0.03,seed=1",
    ]
    assert seen == [(i, 4, n) for i, n in enumerate(names)]
    assert [r["name"] for r in records] == names and [r["order"] for r in records] == [0, 1, 2, 3]
    for r in records:
        run = root / r["name"]
        assert Path(r["run_dir"]) == run
        cfg = json.loads((run / "config.json").read_text())
        assert (cfg["batch_size"], cfg["lr"], cfg["seed"]) == (r["batch_size"], r["lr"], r["seed"])
        assert json.loads((run / "target.json").read_text())["target"] == 0.5
        assert json.loads((run / "result.json").read_text())["epochs"] == 3  # an ordinary, finished run folder


def test_a_later_seed_reuses_the_program_its_setting_compiled_and_the_csv_says_so(trained):
    """Trained in one process, each setting's second seed reuses the epoch program its first seed compiled (the
    first ones compiled it, or found it compiled by an earlier test of this process); each run's result.json
    and runs.csv say which, and whether JAX loaded it from its compilation cache (``compile_cached``)."""
    from nnjax.time_to_target import CSV_FILE, write_outputs

    _, root, records, _, _ = trained
    assert [r["compile_reused"] for r in records[2:]] == [True, True]
    for r in records:
        result = json.loads((root / r["name"] / "result.json").read_text())
        assert result["compile_reused"] is r["compile_reused"] and result["compile_cached"] is r["compile_cached"]
    write_outputs(records, GRID, 0.5, root)
    rows = list(csv.DictReader(io.StringIO((root / CSV_FILE).read_text())))
    assert [row["compile_reused"] for row in rows[2:]] == ["True", "True"]
    # a reused program was not loaded from JAX's compilation cache (it was not loaded at all)
    assert [row["compile_cached"] for row in rows[2:]] == ["False", "False"]


def test_a_run_finished_again_from_its_last_checkpoint_says_in_runs_csv_that_nothing_compiled(trained, tmp_path):
    """A continued out-root whose run lost its result.json finishes that run again from its last epoch's
    checkpoint, compiling nothing: its record and runs.csv say ``compile_skipped`` (``compile_s`` 0), the
    others' say False, and every other figure is the run's own."""
    from nnjax.time_to_target import CSV_FILE, train_alone, write_outputs

    base, root, records, _, splits = trained
    copy = tmp_path / "out"
    shutil.copytree(root, copy)
    (copy / records[1]["name"] / "result.json").unlink()
    again = train_alone(base, GRID, 0.5, copy, progress=False, splits=splits)
    assert [r["compile_skipped"] for r in again] == [False, True, False, False]
    assert again[1]["compile_s"] == 0.0 and not again[1]["compile_reused"] and not again[1]["compile_cached"]
    skip = ("run_dir", "compile_s", "compile_reused", "compile_cached", "compile_skipped", "epoch_s_median")
    assert [{k: v for k, v in r.items() if k not in skip} for r in again] == [
        {k: v for k, v in r.items() if k not in skip} for r in records
    ]
    write_outputs(again, GRID, 0.5, copy)
    rows = list(csv.DictReader(io.StringIO((copy / CSV_FILE).read_text())))
    assert [row["compile_skipped"] for row in rows] == ["False", "True", "False", "False"]


def test_a_run_whose_program_jax_loaded_from_its_compilation_cache_says_so_in_runs_csv(
    tmp_path, monkeypatch, jax_disk_cache
):
    """A later out-root of the same grid, in a new process (nothing reused), loads its first run's epoch program
    from JAX's persistent compilation cache: that run's result.json, its record and runs.csv say True; its
    second seed reuses it (False); the out-root that filled the cache says False for both."""
    import collections

    import nnjax.train
    from nnjax.time_to_target import CSV_FILE, train_alone, write_outputs

    base, grid, splits = get_config("video").replace(epochs=1), {"seed": [0, 1]}, synthetic_splits()
    # (compile_cached, compile_reused) of seeds 0 and 1
    expected = {"filled": [(False, False), (False, True)], "loaded": [(True, False), (False, True)]}
    for name, want in expected.items():
        monkeypatch.setattr(nnjax.train, "_compiled_epochs", collections.OrderedDict())  # as a new process
        records = train_alone(base, grid, 0.5, tmp_path / name, progress=False, splits=splits)
        write_outputs(records, grid, 0.5, tmp_path / name)
        results = [json.loads((Path(r["run_dir"]) / "result.json").read_text()) for r in records]
        rows = list(csv.DictReader(io.StringIO((tmp_path / name / CSV_FILE).read_text())))
        assert [(res["compile_cached"], res["compile_reused"]) for res in results] == want
        assert [(r["compile_cached"], r["compile_reused"]) for r in records] == want
        assert [(row["compile_cached"], row["compile_reused"]) for row in rows] == [(str(c), str(r)) for c, r in want]


def test_table_and_csv_numbers_are_the_runs_own(trained):
    from nnjax.time_to_target import CSV_FILE, TABLE_FILE, write_outputs

    _, root, records, _, _ = trained
    table = write_outputs(records, GRID, 0.5, root)
    files = {}
    for r in records:
        run = root / r["name"]
        files[r["name"]] = (
            json.loads((run / "result.json").read_text()),
            json.loads((run / "target.json").read_text()),
        )
    rows = table.splitlines()
    assert rows[0] == (
        "| batch_size | lr | runs | median epoch (s) | epochs to 50 % | seconds to 50 % "
        "| test accuracy (%) mean ± std |"
    )
    for line, (b, lr) in zip(rows[2:], [(32, "0.01"), (64, "0.03")]):
        mine = [files[f"batch_size={b},lr={lr},seed={s}"] for s in (0, 1)]
        epoch_s = [res["epoch_s_median"] for res, _ in mine]
        reached = [t for _, t in mine if t["first_epoch_at_target"] is not None]
        if b == 32:
            assert len(reached) == 2, mine  # adam at lr 0.01 learns the synthetic classes in an epoch or two
        first = [t["first_epoch_at_target"] for t in reached]
        secs = [t["train_s_to_target"] for t in reached]
        accs = [100 * res["test_accuracy"] for res, _ in mine]
        of = "" if len(reached) == 2 else f", {len(reached)} of 2"
        epochs_cell = f"{statistics.median(first):g} ({min(first)}–{max(first)}){of}" if first else "none of 2"
        secs_cell = f"{statistics.median(secs):.2f} ({min(secs):.2f}–{max(secs):.2f}){of}" if secs else "none of 2"
        expected = (
            f"| {b} | {lr} | 2 | {statistics.median(epoch_s):.3f} ({min(epoch_s):.3f}–{max(epoch_s):.3f}) "
            f"| {epochs_cell} | {secs_cell} | {statistics.mean(accs):.2f} ± {statistics.stdev(accs):.2f} |"
        )
        assert line == expected
    assert len(rows) == 4
    assert (root / TABLE_FILE).read_text().endswith(table + "\n")
    assert "seed-major" in (root / TABLE_FILE).read_text()
    csv = (root / CSV_FILE).read_text().splitlines()
    assert len(csv) == 5 and csv[0].startswith("order,name,batch_size,lr,seed,run_dir,")
    r = records[2]
    res, t = files[r["name"]]
    assert (r["epoch_s_median"], r["test_accuracy"]) == (res["epoch_s_median"], res["test_accuracy"])
    assert (r["first_epoch_at_target"], r["train_s_to_target"]) == (t["first_epoch_at_target"], t["train_s_to_target"])


def test_some_runs_not_reaching_the_target_say_k_of_n():
    from nnjax.time_to_target import markdown_table

    grid = parse_grid(["seed=0,1,2"])
    rec = {"diverged": False, "epoch_s_median": 0.1, "test_accuracy": 0.9, "train_s_to_target": None}
    records = [
        {**rec, "order": 0, "seed": 0, "first_epoch_at_target": 4, "train_s_to_target": 0.4},
        {**rec, "order": 1, "seed": 1, "first_epoch_at_target": None},
        {**rec, "order": 2, "seed": 2, "first_epoch_at_target": 6, "train_s_to_target": 0.6},
    ]
    assert markdown_table(records, grid, 0.95).splitlines()[2] == (
        "| all | 3 | 0.100 (0.100–0.100) | 5 (4–6), 2 of 3 | 0.50 (0.40–0.60), 2 of 3 | 90.00 ± 0.00 |"
    )


def test_a_bool_grid_value_prints_as_in_runs_csv_and_the_sweep_table():
    """runs.csv (members_csv) and a sweep's table write a bool grid value as the flags take it; this table and its
    note wrote Python's True beside them."""
    from nnjax.time_to_target import markdown_table, order_note

    grid = parse_grid(["standardize=false,true"])
    rec = {"diverged": False, "epoch_s_median": 0.1, "test_accuracy": 0.9, "first_epoch_at_target": None}
    records = [
        {**rec, "order": i, "standardize": v, "seed": 0, "train_s_to_target": None}
        for i, v in enumerate(grid["standardize"])
    ]
    assert [line.split(" | ")[0] for line in markdown_table(records, grid, 0.95).splitlines()[2:4]] == [
        "| false",
        "| true",
    ]
    assert order_note(grid, 2).startswith("2 runs of standardize=false,true, each")


def test_a_second_call_continues_the_same_out_root_and_refuses_other_settings(trained):
    from nnjax.time_to_target import train_alone

    base, root, records, _, splits = trained
    before = {r["name"]: (root / r["name"] / "metrics.jsonl").read_bytes() for r in records}
    again = train_alone(base, GRID, 0.5, root, progress=False, splits=splits)
    assert again == records  # read back: nothing trained again
    assert {n: (root / n / "metrics.jsonl").read_bytes() for n in before} == before
    with pytest.raises(ConfigError, match="started with another grid, config or target"):
        train_alone(base, GRID, 0.6, root, progress=False, splits=splits)
    with pytest.raises(ConfigError, match="started with another grid, config or target"):
        train_alone(base.replace(epochs=4), GRID, 0.5, root, progress=False, splits=splits)


def test_a_bool_names_a_run_folder_as_the_flags_take_it_and_an_older_nnjaxs_folders_are_continued(tmp_path):
    """A run's folder is named as the table and runs.csv write its values, standardize=true (an nnjax before
    2026-12-07 named it standardize=True, beside the table's true). An out-root such an nnjax started is continued:
    a run finished under the old name is read back from its folder, not trained again; a run it had not started
    is trained under the new name."""
    from nnjax.time_to_target import train_alone

    base = get_config("video").replace(epochs=2, optimizer="adam")
    grid, splits, root = parse_grid(["standardize=false,true", "seed=0"]), synthetic_splits(), tmp_path / "out"
    records = train_alone(base, grid, 0.5, root, progress=False, splits=splits)
    names = ["standardize=false,seed=0", "standardize=true,seed=0"]
    assert [r["name"] for r in records] == names
    assert sorted(p.name for p in root.iterdir() if p.is_dir()) == names
    old = root / "standardize=False,seed=0"  # as the older nnjax named and recorded it
    (root / names[0]).rename(old)
    cfg = json.loads((old / "config.json").read_text())
    (old / "config.json").write_text(json.dumps({**cfg, "name": old.name}))
    shutil.rmtree(root / names[1])  # not started yet
    before = {p.name: p.read_bytes() for p in old.iterdir() if p.is_file()}
    again = train_alone(base, grid, 0.5, root, progress=False, splits=splits)
    assert {p.name: p.read_bytes() for p in old.iterdir() if p.is_file()} == before  # read back: not trained again
    assert [(r["name"], r["run_dir"]) for r in again] == [(names[0], str(old)), (names[1], str(root / names[1]))]
    assert again[0] == {**records[0], "run_dir": str(old)}
    assert json.loads((root / names[1] / "result.json").read_text())["epochs"] == 2
    assert sorted(p.name for p in root.iterdir() if p.is_dir()) == [old.name, names[1]]


def script(*argv, cwd: Path) -> subprocess.CompletedProcess:
    cmd = [sys.executable, str(EXPERIMENTS / "time_to_target.py"), *map(str, argv)]
    return subprocess.run(cmd, capture_output=True, text=True, cwd=cwd)


@pytest.mark.parametrize(
    "argv, line",
    [
        (["--grid", "seed=0,1", "--target", "2"], "--target 2: the accuracy to reach, a fraction in (0, 1]"),
        (["--grid", "foo=1", "--target", "0.9"], "grid item 'foo=1': unknown config field 'foo'"),
        (["--grid", "seed=0,0", "--target", "0.9"], "grid field 'seed': value 0 is given twice"),
        (["--grid", "seed=0", "--target", "0.9", "--seed", "1"], "--seed 1: seed is swept by the grid (seed=0)"),
        (["--grid", "seed=0", "--target", "0.9", "--name", "x"], "--name x: each run is named by its grid values"),
        (["--grid", "seed=0", "--target", "0.9", "--lr", "x"], "config field 'lr': cannot parse 'x' as a number"),
        (["--grid", "seed=0", "--target", "0.9", "--momentum", "0.5", "--optimizer", "sgd"], "'momentum' = 0.5: "),
        (["--grid", "seed=0", "--target", "0.9", "--epochs", "0"], "config field 'epochs' = 0: must be positive"),
        (["--grid", "seed=0", "--target", "0.9", "--out-root", "file"], "file: is a file; --out-root names"),
        (["--grid", "seed=0", "--target", "0.9", "--out-root", "mine"], "mine: already exists and holds other files"),
        (["--grid", "seed=0", "--target", "0.9", "--config", "nope"], "unknown config 'nope'; valid: video, "),
        # as nnjax sweep's: it read the current folder, ".: cannot read config file (IsADirectoryError)"
        (["--grid", "seed=0", "--target", "0.9", "--config-file", ""], "--config-file is empty: name a path"),
        # missing folders are made (as train's --out); a file on the way was "file/t: Not a directory", after loading
        (["--grid", "seed=0", "--target", "0.9", "--out-root", "file/t"], "--out-root file/t: "),
    ],
)
def test_bad_input_is_one_line_before_anything_trains(tmp_path, argv, line):
    (tmp_path / "file").write_text("x")
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("mine")
    done = script(*argv, "--data-dir", tmp_path / "no-data", cwd=tmp_path)
    assert done.returncode == 1 and done.stderr.count("\n") == 1, done.stderr
    assert done.stderr.startswith("time_to_target.py: error: ") and line in done.stderr
    assert not done.stdout and sorted(p.name for p in tmp_path.iterdir()) == ["file", "mine"]
    assert [p.name for p in (tmp_path / "mine").iterdir()] == ["notes.txt"]


def test_a_field_only_some_runs_use_is_taken_as_nnjax_sweep_takes_it(tmp_path):
    """``--warmup-epochs 5`` (then ``--set warmup_epochs=5``) beside ``--grid schedule=constant,warmup_cosine`` was
    refused ("only schedule warmup_cosine uses it (schedule is constant)") where nnjax sweep takes it: the constant
    run now gets 0, the warm-up run 5; a field that no run uses is still refused."""
    from nnjax.time_to_target import plan

    base = get_config("video").replace(epochs=10, warmup_epochs=5)
    runs = plan(base, parse_grid(["schedule=constant,warmup_cosine", "seed=0"]), 0.9, tmp_path / "out")
    assert [(c.schedule, c.warmup_epochs) for c, _ in runs] == [("constant", 0), ("warmup_cosine", 5)]
    with pytest.raises(ConfigError, match="'warmup_epochs' = 5: .*uses it"):
        plan(base, parse_grid(["schedule=constant,cosine", "seed=0"]), 0.9, tmp_path / "out")


def test_an_out_root_keeps_a_field_only_some_runs_use(tmp_path):
    """--warmup-epochs 5 beside schedule=constant,warmup_cosine: the base (constant) does not use it, so the
    out-root's spec did not keep it, and a second call with --warmup-epochs 3 passed plan's check, to be refused
    only at the warm-up run's resume, after the data had loaded and earlier runs had been read back."""
    from nnjax import checkpoint
    from nnjax.time_to_target import SPEC_FILE, plan, spec

    base = get_config("video").replace(epochs=10, schedule="constant", warmup_epochs=5)
    grid = parse_grid(["schedule=constant,warmup_cosine", "seed=0"])
    root = tmp_path / "out"
    root.mkdir()
    checkpoint.write_json(root / SPEC_FILE, spec(base, grid, 0.9))
    assert len(plan(base, grid, 0.9, root)) == 2  # the same call continues it
    with pytest.raises(ConfigError, match="started with another grid, config or target"):
        plan(base.replace(warmup_epochs=3), grid, 0.9, root)
    # a field no run uses, at its neutral value, is left out as before: an older out-root still continues
    assert "warmup_epochs" not in spec(base.replace(warmup_epochs=0), grid, 0.9)["base"]


def test_config_names_the_base_config_as_nnjax_trains_does(tmp_path, monkeypatch):
    """The base config was always video (--set changed its fields); it is now made as nnjax sweep makes its
    members' base, from the same flags: --config NAME or --config-file FILE, then a flag per config field."""
    import importlib.util

    import nnjax.time_to_target as ttt
    from nnjax.config import save_json

    spec = importlib.util.spec_from_file_location("time_to_target_script", EXPERIMENTS / "time_to_target.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    monkeypatch.setattr(mod, "exit_at_once_on_interrupt", lambda line: None)
    bases = []

    def record_base(base, grid, target, out_root, *, records, **kwargs):
        bases.append(base)
        raise ConfigError("stop here")

    monkeypatch.setattr(ttt, "train_alone", record_base)
    save_json(get_config("nielsen"), nielsen_file := tmp_path / "nielsen.json")
    # as nnjax sweep --config-file reads a saved config.json: its sgd's momentum 0 is "none of it", so the default
    from_file = get_config("nielsen").replace(momentum=0.9)
    argv = ["time_to_target.py", "--grid", "seed=0,1", "--target", "0.9", "--out-root", str(tmp_path / "out")]
    for extra, want in (
        ([], get_config("video").replace(epochs=3)),
        (["--config", "nielsen"], get_config("nielsen").replace(epochs=3)),
        (["--config", "nielsen", "--lr", "0.5"], get_config("nielsen").replace(epochs=3, lr=0.5)),
        (["--config-file", str(nielsen_file), "--lr", "0.5"], from_file.replace(epochs=3, lr=0.5)),
    ):
        monkeypatch.setattr(sys, "argv", [*argv, *extra, "--epochs", "3"])
        with pytest.raises(SystemExit, match="^time_to_target.py: error: stop here$"):
            mod.main()
        assert bases.pop() == want


def test_an_error_or_interrupt_prints_the_table_of_the_runs_that_finished(tmp_path, monkeypatch, capsys):
    import importlib.util

    import nnjax.time_to_target as ttt

    spec = importlib.util.spec_from_file_location("time_to_target_script", EXPERIMENTS / "time_to_target.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    lines = []
    monkeypatch.setattr(mod, "exit_at_once_on_interrupt", lines.append)  # the handler's line, to call here
    one = {"order": 0, "seed": 0, "diverged": False, "epoch_s_median": 0.1, "test_accuracy": 0.9}
    one |= {"first_epoch_at_target": 2, "train_s_to_target": 0.2, "batch_size": 32, "lr": 0.01}

    def first_then_fails(base, grid, target, out_root, *, records, **kwargs):
        records.append(one)
        raise ConfigError("out of memory")

    monkeypatch.setattr(ttt, "train_alone", first_then_fails)
    argv = ["time_to_target.py", "--grid", "batch_size,lr=32:0.01,128:0.1", "seed=0,1", "--target", "0.95"]
    monkeypatch.setattr(sys, "argv", [*argv, "--out-root", str(tmp_path / "out")])
    with pytest.raises(SystemExit) as e:
        mod.main()
    assert e.value.code == "time_to_target.py: error: out of memory"
    row = "| 32 | 0.01 | 1 | 0.100 (0.100–0.100) | 2 (2–2) | 0.20 (0.20–0.20) | 90.00 |"
    assert capsys.readouterr().out.splitlines()[2:] == [row]
    (line,) = lines
    kept = f"1 of 4 runs finished, kept in {tmp_path / 'out'}; the same command continues"
    assert line() == f"time_to_target.py: interrupted ({kept})"
    assert capsys.readouterr().out.splitlines()[2:] == [row]
