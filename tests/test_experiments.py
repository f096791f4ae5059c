"""The experiment scripts: bad input is one line, and seeds.py's table says what its sweeps hold."""

from __future__ import annotations

import importlib.util
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import synthetic_splits

from nnjax import sweep
from nnjax.configs import get_config, video

EXPERIMENTS = Path(__file__).parents[1] / "experiments"


def script(name: str, *argv, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(EXPERIMENTS / name), *map(str, argv)], capture_output=True, text=True, cwd=cwd
    )


def load(name: str):
    spec = importlib.util.spec_from_file_location(name, EXPERIMENTS / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.parametrize(
    "name, argv, line",
    [
        ("seeds.py", ["--epochs", "abc"], "seeds.py: error: argument --epochs: 'abc': expected an integer"),
        ("seeds.py", ["--epoch", "1"], "seeds.py: error: unrecognized arguments: --epoch 1"),
        (
            "sweep_activations.py",
            ["--resume", "s", "--epochs", "3"],
            "sweep_activations.py: error: --resume continues the sweep as it was started",
        ),
        (  # the seeds are the sweep's own too: --seeds with --resume was ignored without a word
            "sweep_activations.py",
            ["--resume", "s", "--seeds", "0,1"],
            "sweep_activations.py: error: --resume continues the sweep as it was started",
        ),
        ("seeds.py", ["--configs", "video", "--epochs", "1", "--out-root", "x" * 300], "File name too long"),
        ("sweep_activations.py", ["--epochs", "1", "--out", "x" * 300], "File name too long"),
        # each config is checked before the first trains (the data folder does not exist: none may start)
        ("seeds.py", ["--configs", "video,foo", "--data-dir", "no"], "seeds.py: error: unknown config 'foo'; valid:"),
        ("seeds.py", ["--configs", "video,video"], "seeds.py: error: --configs 'video,video': 'video' is named twice"),
        ("seeds.py", ["--epochs", "0"], "seeds.py: error: config video: config field 'epochs' = 0: must be positive\n"),
        # the step count's limit depends on the config's batch size: 2,000,000 epochs fit wide's, not video's
        (
            "seeds.py",
            ["--configs", "wide,video", "--epochs", "2000000"],
            "seeds.py: error: config video: config field 'epochs' = 2000000: 2,000,000 epochs of 1,875 mini-batches",
        ),
        ("seeds.py", ["--seeds", "1,1"], "seeds.py: error: grid field 'seed': value 1 is given twice\n"),
        # the seeds' own fault is no config's
        ("seeds.py", ["--seeds", "-1"], "seeds.py: error: sweep member seed=-1: config field 'seed' = -1: must be in"),
        (
            "seeds.py",
            ["--seeds", "a,b"],
            "seeds.py: error: argument --seeds: 'a,b': expected integers separated by commas, e.g. 0,1,2",
        ),
        ("sweep_activations.py", ["--seeds", "5,x"], "sweep_activations.py: error: argument --seeds: '5,x': expected"),
        # '' would be the current folder (the one the command runs in), as for nnjax train and sweep
        ("seeds.py", ["--out-root", ""], "seeds.py: error: --out-root is empty: name a path\n"),
        ("sweep_activations.py", ["--out", ""], "sweep_activations.py: error: --out is empty: name a path\n"),
        ("sweep_activations.py", ["--resume", ""], "sweep_activations.py: error: --resume is empty: name a path\n"),
    ],
)
def test_bad_input_is_one_line(tmp_path, name, argv, line):
    """Usage errors and file-system refusals alike: one line, no usage block or traceback, nothing written."""
    done = script(name, *argv, cwd=tmp_path)
    assert done.returncode in (1, 2) and done.stderr.count("\n") == 1, done.stderr
    assert line in done.stderr and "Traceback" not in done.stderr
    assert not done.stdout and not list(tmp_path.iterdir())


def test_seeds_resume_refuses_a_sweep_of_another_config(tmp_path):
    """Its row would be labelled with the named config while holding other networks."""
    out = tmp_path / "seeds-video"
    other = video().replace(lr=0.5, hidden=(8,), epochs=1, checkpoint_every=0)
    sweep.run_sweep(other, {"seed": [0, 1, 2]}, out, progress=False, splits=synthetic_splits(64, 32))
    done = script("seeds.py", "--resume", "--configs", "video", "--out-root", tmp_path, "--no-progress", cwd=tmp_path)
    assert done.returncode == 1 and done.stderr.count("\n") == 1, done.stderr
    assert f"seeds.py: error: {out}: a sweep of another config (hidden=[8], where video has [16, 16])" in done.stderr


def test_seeds_resume_names_the_command_that_started_it(tmp_path):
    """A sweep begun with --epochs 1 --seeds 0,1 continues only under that command, which also starts the
    configs not begun yet with 1 epoch (the hint said "need no --epochs": followed, the next config began
    with its own 60 epochs, and the table set 1-epoch and 60-epoch rows side by side). One with the
    config's own epochs continues with them given as --epochs (as it may have been started) or none."""
    out = tmp_path / "seeds-video"
    sweep.run_sweep(
        video().replace(epochs=1, checkpoint_every=0), {"seed": [0, 1]}, out, splits=synthetic_splits(64, 32),
        progress=False,
    )  # fmt: skip
    argv = ["--resume", "--configs", "video,video_relu", "--out-root", tmp_path, "--no-progress"]
    for extra in ([], ["--seeds", "0,1"], ["--seeds", "0", "--epochs", "1"], ["--seeds", "0,1", "--epochs", "2"]):
        done = script("seeds.py", *argv, *extra, cwd=tmp_path)
        assert done.returncode == 1 and done.stderr == (
            f"seeds.py: error: {out}: --resume continues it as it was started: give the command that started it, "
            "with --seeds 0,1 and --epochs 1\n"
        ), extra
    spec = out / "sweep.json"
    spec.write_text(spec.read_text().replace('"epochs": 1,', f'"epochs": {video().epochs},'))
    done = script("seeds.py", *argv, "--seeds", "0,1", "--epochs", "2", cwd=tmp_path)
    assert done.stderr.endswith(f"with --seeds 0,1 and --epochs {video().epochs} or none\n"), done.stderr
    assert not (tmp_path / "seeds-video_relu").exists()
    for extra in ([], ["--epochs", str(video().epochs)]):  # either: past this check (to the group's own checks)
        done = script("seeds.py", *argv, "--seeds", "0,1", *extra, cwd=tmp_path)
        assert done.returncode == 1 and "give the command that started it" not in done.stderr, done.stderr


def test_seeds_row_says_how_many_seeds_diverged():
    """Diverged members are left out of mean, min and max, and the row says so."""
    row = load("seeds").table_row
    members = [{"final_test_accuracy": a} for a in (0.9, None, 0.8)]
    summary = {"members": members, "train_s": 1.0, "sweep_dir": "s"}
    assert (
        row("video", summary)
        == "| video | 85.00 % (1 of 3 seeds diverged: the other 2) | 80.00 % | 90.00 % | 1.0 s | s |"
    )
    summary["members"] = [members[0], members[2]]
    assert row("video", summary) == "| video | 85.00 % | 80.00 % | 90.00 % | 1.0 s | s |"
    summary["members"] = [members[1]]
    assert row("video", summary) == "| video | every member diverged | | | 1.0 s | s |"


def test_activation_sweep_leaves_no_folder_when_refused_and_counts_in_words(tmp_path, monkeypatch, capsys):
    """A start refused inside run_sweep (e.g. for memory) removes the default folder and the sweeps/ made for
    it; the closing line says "1 member", not "1 members"."""
    import nnjax.parallel
    from nnjax.errors import ConfigError

    mod = load("sweep_activations")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(nnjax.parallel, "split_cpu_cores", lambda: 1)  # this process's devices stay as they are

    def refused(base, grid, out, **kwargs):
        assert Path(out).is_dir() and Path(out).parent.name == "sweeps"
        raise ConfigError("sweep group of 8 members needs about 9 GiB")

    monkeypatch.setattr(sweep, "run_sweep", refused)
    assert mod.main(["--seeds", "0", "--no-progress"]) == 1
    assert capsys.readouterr().err == "sweep_activations.py: error: sweep group of 8 members needs about 9 GiB\n"
    assert list(tmp_path.iterdir()) == []

    timing = {"wall_s": 2.0, "train_s": 1.0, "compile_s": 0.5}
    summary = {"sweep_dir": "s", "table": "| t |\n", "n_members": 1, "n_groups": 1, "device": "cpu", **timing}
    monkeypatch.setattr(sweep, "run_sweep", lambda *args, **kwargs: summary)
    assert mod.main(["--seeds", "0", "--epochs", "1", "--no-progress"]) == 0
    last = capsys.readouterr().out.splitlines()[-1]
    assert last.startswith("1 member in 1 group, 1 epoch: wall 2.0 s") and last.endswith(" on cpu"), last


@pytest.fixture
def seeds_script(tmp_path, monkeypatch):
    """seeds.py in this process with run_sweep recorded: (module, calls, run(*argv) -> exit code or None).
    Each fake sweep's members reach 90 %, 80 % and 40 % (mean 70 %, median 80 %)."""
    import nnjax.parallel

    mod = load("seeds")
    monkeypatch.setattr(mod, "exit_at_once_on_interrupt", lambda line: None)
    monkeypatch.setattr(nnjax.parallel, "split_cpu_cores", lambda: 1)
    calls = []

    def recorded(base, grid, out, **kwargs):
        calls.append({"base": base, "grid": grid, "out": Path(out), **kwargs})
        members = [{"final_test_accuracy": a} for a in (0.9, 0.8, 0.4)]
        return {"members": members, "train_s": 1.0, "sweep_dir": str(out)}

    monkeypatch.setattr(mod, "run_sweep", recorded)

    def run(*argv):
        monkeypatch.setattr(sys, "argv", ["seeds.py", "--out-root", str(tmp_path), "--no-progress", *map(str, argv)])
        try:
            mod.main()
        except SystemExit as e:
            return e.code
        return None

    return mod, calls, run


def test_bad_seeds_is_one_line_in_process(seeds_script, capsys):
    """--seeds a,b: a one-line usage error (exit 2), as --epochs abc, not a ValueError traceback."""
    _, calls, run = seeds_script
    assert run("--seeds", "a,b") == 2
    assert capsys.readouterr().err == (
        "seeds.py: error: argument --seeds: 'a,b': expected integers separated by commas, e.g. 0,1,2 "
        "(see seeds.py --help)\n"
    )
    assert calls == []  # nothing trained


def test_seeds_trains_each_config_with_seeds_0_1_2_and_the_flags_given(tmp_path, seeds_script, capsys):
    """Default seeds 0,1,2; --epochs, --data-dir and --no-shard-members reach each config's sweep; the row is
    the mean (not the median) of the members' accuracies."""
    mod, calls, run = seeds_script
    data = tmp_path / "raw"
    assert run("--configs", "video,wide", "--epochs", "2", "--data-dir", data, "--no-shard-members") is None
    assert [c["out"] for c in calls] == [tmp_path / "seeds-video", tmp_path / "seeds-wide"]
    for c, name in zip(calls, ("video", "wide")):
        assert c["grid"] == {"seed": [0, 1, 2]}
        assert c["base"].epochs == 2 and c["base"].hidden == get_config(name).hidden
        assert Path(c["base"].data_dir) == data
        assert c["shard_members"] is False and c["resume"] is False and c["progress"] is False
    out = capsys.readouterr().out
    assert f"| video | 70.00 % | 40.00 % | 90.00 % | 1.0 s | {tmp_path / 'seeds-video'} |" in out, out

    calls.clear()
    assert run("--configs", "video") is None  # its own epochs; members split per core where it can
    assert calls[0]["base"].epochs == video().epochs and calls[0]["base"].data_dir is None
    assert calls[0]["shard_members"] is None


def test_seeds_refuses_a_folder_in_the_way_and_prints_the_rows_done_before_an_error(tmp_path, seeds_script, capsys):
    from nnjax.errors import ConfigError

    mod, calls, run = seeds_script
    (tmp_path / "seeds-wide").mkdir()
    (tmp_path / "seeds-wide" / "notes.txt").write_text("mine")
    code = run("--configs", "video,wide", "--epochs", "1")
    refused = f"seeds.py: error: {tmp_path / 'seeds-wide'}: already exists and is not empty; use another --out-root"
    assert code == refused
    assert calls == [] and capsys.readouterr().out == ""  # checked before any config trains

    recorded = mod.run_sweep

    def second_fails(base, grid, out, **kwargs):
        if calls:
            raise ConfigError("out of memory")
        return recorded(base, grid, out, **kwargs)

    mod.run_sweep = second_fails  # restored with the fixture's monkeypatch
    code = run("--configs", "video,video_relu", "--epochs", "1")
    assert code == "seeds.py: error: out of memory"
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 3 and out[2].startswith("| video | 70.00 % |"), out


def test_activation_sweep_is_every_activation_by_5_seeds(tmp_path, monkeypatch, capsys):
    """The sweep nnjax sweep is given: the video config named "activations", every registered activation ×
    seeds 0..4 (or --seeds), one compiled ensemble per activation, --epochs and --data-dir given to it; the
    closing line says the epoch count."""
    import nnjax.parallel
    from nnjax.activations import ACTIVATIONS
    from nnjax.sweep_grid import expand, group

    mod = load("sweep_activations")
    monkeypatch.setattr(nnjax.parallel, "split_cpu_cores", lambda: 1)
    calls = []
    timing = {"wall_s": 2.0, "train_s": 1.0, "compile_s": 0.5}
    summary = {"sweep_dir": "s", "table": "| t |\n", "n_members": 5, "n_groups": 1, "device": "cpu", **timing}

    def recorded(base, grid, out, **kwargs):
        calls.append((base, grid, Path(out), kwargs))
        return summary

    monkeypatch.setattr(sweep, "run_sweep", recorded)
    data = tmp_path / "raw"
    handlers = [signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)]
    assert mod.main(["--out", str(tmp_path / "s"), "--data-dir", str(data), "--no-progress"]) == 0
    # called from Python (not as its own process), it leaves the caller's Ctrl-C handling alone
    assert [signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)] == handlers
    ((base, grid, out, kwargs),) = calls
    assert len(ACTIVATIONS) > 3 and grid == {"activation": list(ACTIVATIONS), "seed": [0, 1, 2, 3, 4]}
    assert base.replace(name="video", data_dir=None) == video() and base.name == "activations"
    assert Path(base.data_dir) == data and out == tmp_path / "s"
    on_start = kwargs.pop("on_start")  # prints the recipe line: the script's output starts with it
    assert kwargs == {"resume": False, "progress": False, "shard_members": None, "target": None, "replicates": None,
                      "baseline": None}  # fmt: skip
    assert [len(g) for g in group(expand(base, grid))] == [5] * len(ACTIVATIONS)  # one ensemble per activation
    last = capsys.readouterr().out.splitlines()[-1]
    assert last.startswith(f"5 members in 1 group, {video().epochs} epochs: "), last
    on_start()
    assert capsys.readouterr().out.startswith("recipe: mnist 784-16-16-10 activation=sigmoid,relu,")

    calls.clear()
    assert mod.main(["--out", str(tmp_path / "t"), "--epochs", "3", "--seeds", "0,7"]) == 0
    ((base, grid, _, kwargs),) = calls
    assert base.epochs == 3 and grid["seed"] == [0, 7] and kwargs["progress"]


def test_activation_sweep_resume_continues_the_folder_as_it_was_started(tmp_path, monkeypatch):
    """--resume: the sweep.json's config and grid (its own epochs and seeds), with --data-dir applied."""
    import nnjax.parallel
    from nnjax.errors import ConfigError

    out = tmp_path / "act"
    started = video().replace(name="activations", epochs=1, checkpoint_every=0)
    sweep.run_sweep(
        started, {"activation": ["relu"], "seed": [3]}, out, progress=False, splits=synthetic_splits(64, 32)
    )
    mod = load("sweep_activations")
    monkeypatch.setattr(nnjax.parallel, "split_cpu_cores", lambda: 1)
    calls = []

    def recorded(*args, **kwargs):
        calls.append((args, kwargs))
        raise ConfigError("stopped before training")

    monkeypatch.setattr(sweep, "run_sweep", recorded)
    data = tmp_path / "raw"
    assert mod.main(["--resume", str(out), "--data-dir", str(data), "--no-progress"]) == 1
    (((base, grid, folder), kwargs),) = calls
    assert base.replace(data_dir=None) == started and Path(base.data_dir) == data
    assert grid == {"activation": ["relu"], "seed": [3]} and Path(folder) == out and kwargs["resume"] is True


@pytest.mark.parametrize("name", ["video", "video_relu", "wide"])
def test_each_train_script_trains_its_named_config(monkeypatch, name):
    import runpy

    import nnjax.cli

    calls = []
    monkeypatch.setattr(nnjax.cli, "train_named", lambda *a, **k: calls.append((a, k)) or 0)
    monkeypatch.setattr(sys, "argv", [f"train_{name}.py", "--epochs", "1"])
    with pytest.raises(SystemExit) as e:
        runpy.run_path(str(EXPERIMENTS / f"train_{name}.py"), run_name="__main__")
    assert e.value.code == 0 and calls == [((name, ["--epochs", "1"]), {"process": True})]


def test_seeds_resume_continues_the_sweeps_begun_and_starts_the_others(tmp_path, seeds_script):
    """--resume with the command that started it: the config whose sweep.json exists is continued (resume=True),
    one whose folder is missing or empty is started anew with the same --epochs and --seeds; without --resume the
    sweep's folder is refused with a hint to resume it; a sweep.json an older nnjax wrote is continued as it was
    made, not checked as a new sweep (found by a mutation audit: none of these was checked)."""
    mod, calls, run = seeds_script
    started = video().replace(epochs=1, checkpoint_every=0)
    sweep.run_sweep(
        started, {"seed": [0, 1]}, tmp_path / "seeds-video", splits=synthetic_splits(64, 32), progress=False
    )
    (tmp_path / "seeds-video_relu").mkdir()  # an empty folder is no sweep in the way
    assert run("--resume", "--configs", "video,video_relu,wide", "--seeds", "0,1", "--epochs", "1") is None
    got = [(c["out"].name, c["resume"], c["base"].epochs, c["grid"]) for c in calls]
    assert got == [
        ("seeds-video", True, 1, {"seed": [0, 1]}),
        ("seeds-video_relu", False, 1, {"seed": [0, 1]}),
        ("seeds-wide", False, 1, {"seed": [0, 1]}),
    ]
    assert calls[0]["base"].replace(data_dir=None) == started
    calls.clear()  # without --resume: refused, and the line says --resume continues it
    refused = f"seeds.py: error: {tmp_path / 'seeds-video'}: already exists and is not empty"
    assert (
        run("--configs", "video", "--seeds", "0,1", "--epochs", "1") == f"{refused}; use --resume or another --out-root"
    )
    assert calls == []
    # one written by an older nnjax, which recorded a warm-up its schedule ignores (a new sweep refuses that):
    # continued as it was made
    spec = tmp_path / "seeds-video" / "sweep.json"
    assert '"warmup_epochs": 0,' in spec.read_text()
    spec.write_text(spec.read_text().replace('"warmup_epochs": 0,', '"warmup_epochs": 3,'))
    assert run("--resume", "--configs", "video", "--seeds", "0,1", "--epochs", "1") is None
    assert calls[0]["resume"] is True and calls[0]["base"].warmup_epochs == 3


def test_seeds_interrupt_line_says_to_resume_once_a_sweep_was_started(tmp_path, seeds_script, monkeypatch):
    """The line Ctrl-C prints: how to continue only once one of the named configs' sweeps has a sweep.json (found
    by a mutation audit: a hint printed always passed every test)."""
    mod, calls, run = seeds_script
    lines = []
    monkeypatch.setattr(mod, "exit_at_once_on_interrupt", lines.append)  # the handler's line, to call here
    assert run("--configs", "video,wide", "--epochs", "1") is None
    (line,) = lines
    assert line() == "seeds.py: interrupted"
    (tmp_path / "seeds-wide").mkdir()
    (tmp_path / "seeds-wide" / "sweep.json").write_text("{}")
    assert line() == "seeds.py: interrupted (continue with: the same command and --resume)"
