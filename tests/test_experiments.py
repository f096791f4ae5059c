"""The experiment scripts: bad input is one line, and seeds.py's table says what its sweeps hold."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import synthetic_splits

from nnjax import sweep
from nnjax.configs import video

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
        ("seeds.py", ["--epochs", "abc"], "seeds.py: error: argument --epochs: invalid int value: 'abc'"),
        ("seeds.py", ["--epoch", "1"], "seeds.py: error: unrecognized arguments: --epoch 1"),
        (
            "sweep_activations.py",
            ["--resume", "s", "--epochs", "3"],
            "sweep_activations.py: error: --resume continues the sweep as it was started",
        ),
        ("seeds.py", ["--configs", "video", "--epochs", "1", "--out-root", "x" * 300], "File name too long"),
        ("sweep_activations.py", ["--epochs", "1", "--out", "x" * 300], "File name too long"),
        # each config is checked before the first trains (the data folder does not exist: none may start)
        ("seeds.py", ["--configs", "video,foo", "--data-dir", "no"], "seeds.py: error: unknown config 'foo'; valid:"),
        ("seeds.py", ["--configs", "video,video"], "seeds.py: error: --configs 'video,video': 'video' is named twice"),
        ("seeds.py", ["--epochs", "0"], "seeds.py: error: config field 'epochs' = 0: must be positive\n"),
        ("seeds.py", ["--seeds", "1,1"], "seeds.py: error: grid field 'seed': value 1 is given twice\n"),
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
    assert last.startswith("1 member in 1 ensemble, 1 epoch: wall 2.0 s") and last.endswith(" on cpu"), last
