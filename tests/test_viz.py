"""``nnjax viz``: every figure is written, non-empty, at its documented pixel size — for the video's
network, for a wide 784-1024-1024-10 one, and for a sweep folder — and bad input is one line.

Run folders are trained for real (``run.train_and_evaluate``) on tfds's mock MNIST; the command line
reads its test split under ``tfds.testing.mock_data`` like a real run would read MNIST.
"""

from __future__ import annotations

import csv
import itertools
import json
import os
import shutil
from pathlib import Path

import jax
import numpy as np
import pytest
from PIL import Image

from nnjax import sweep, sweep_grid, viz
from nnjax.cli import main as cli_main
from nnjax.config import Config
from nnjax.errors import ConfigError
from nnjax.run import train_and_evaluate

jax.config.update("jax_numpy_rank_promotion", "raise")

FIGURES = (
    "weights.png",
    "learning_curves.png",
    "activations.png",
    "neurons.png",
    "confusion.png",
    "mistakes.png",
    "wants.png",
)
# lines viz prints besides the figures' paths: weights.png's colour range, the noise line after wants.png's path
SAID_LINES = ("  weights.png colours: ", "  noise: ")
FORM_SAID = {"weights.png": ["  weights.png colours"], "wants.png": ["  noise"]}  # each said line after its figure


def png(path: Path) -> np.ndarray:
    """The RGB pixels of a PNG, after checking it is one."""
    img = Image.open(path)
    assert img.format == "PNG"
    return np.asarray(img.convert("RGB")).astype(int)


def pixels_near(rgb: np.ndarray, ax, xy: tuple[float, float], colour: str, dx=range(-3, 4), opacity=0.9) -> int:
    """How many pixels of ``rgb`` (the saved figure of ``ax``) show ``colour`` drawn on white with at least
    ``opacity``, on data point ``xy``'s row and 2 either side, ``dx`` columns off it."""
    from matplotlib.colors import to_rgb

    x, y = ax.transData.transform(xy)
    row, col = round(rgb.shape[0] - y), round(x)
    ink = 255 - rgb[row - 2 : row + 3, [col + d for d in dx]]  # how far from white, per channel
    full = 255 - 255 * np.array(to_rgb(colour))
    t = ink @ full / (full @ full)  # the opacity that explains the pixel best
    off = np.linalg.norm(ink - t[..., None] * full, axis=-1)
    return int(((t >= opacity) & (off < 25)).sum())


def capture_figures(monkeypatch) -> list:
    """Every figure viz saves, in order (still drawable: its artists say where everything went)."""
    figures = []
    real_save = viz._save
    monkeypatch.setattr(viz, "_save", lambda fig, path: figures.append(fig) or real_save(fig, path))
    return figures


def assert_drawn(path: Path, size: tuple[int, int]) -> np.ndarray:
    """The figure exists at ``size`` (width, height) pixels and is not a blank canvas."""
    assert path.is_file() and path.stat().st_size > 5_000, path
    assert Image.open(path).size == size, path
    rgb = png(path)
    assert rgb.std() > 20, f"{path} looks blank"
    return rgb


@pytest.fixture(scope="module")
def mock_data():
    """tfds's mock MNIST (256 images per split) for the command line's own data loading."""
    import tensorflow_datasets as tfds

    return lambda: tfds.testing.mock_data(num_examples=256)


@pytest.fixture(scope="module")
def video_run(tmp_path_factory, splits_256) -> Path:
    """The video's 784-16-16-10 network trained 3 epochs on mock MNIST."""
    out = tmp_path_factory.mktemp("viz") / "video"
    train_and_evaluate(Config(epochs=3, batch_size=32, checkpoint_every=0), out, progress=False, splits=splits_256)
    return out


def test_every_figure_of_the_video_network(video_run, splits_256, tmp_path):
    paths = viz.render_run(video_run, tmp_path, splits=splits_256)
    assert [p.name for p in paths] == list(FIGURES)
    n_digits = len(viz.default_digits(splits_256.y_test))
    assert n_digits == 10  # 256 random labels hold every class
    weights = assert_drawn(tmp_path / "weights.png", (690, 720))  # 16 neurons: a 4 × 4 grid
    green = (weights[..., 1] > weights[..., 0] + 40).sum()
    pink = (weights[..., 0] > weights[..., 1] + 40).sum()
    assert green > 500 and pink > 500  # both signs of weight are drawn, in their colours
    assert_drawn(tmp_path / "learning_curves.png", (1100, 440))
    flow = assert_drawn(tmp_path / "activations.png", (1220, 1060))  # 10 digits, 2 hidden layers
    assert (flow.mean(axis=2) < 40).mean() > 0.5  # drawn light on dark, like the video
    # 2 layers of 16 neurons: 4 rows of 8, and a third title line for the first layer's inert neurons (on
    # mock MNIST's random pixels some sigmoid units saturate: the same value on every test image)
    assert_drawn(tmp_path / "neurons.png", (1160, 620))
    assert_drawn(tmp_path / "confusion.png", (760, 660))
    assert_drawn(tmp_path / "mistakes.png", (1200, 740))
    assert_drawn(tmp_path / "wants.png", (1240, 340))  # the start and 10 images, their changes below


def test_the_figures_show_this_runs_answers_on_the_digits_asked_for(video_run, splits_256, tmp_path, monkeypatch):
    """What render_run hands each figure: the requested test images with their labels, the run's own
    accuracy, and mistakes that are mistakes of the labels they show."""
    import re

    from nnjax.run import eval_run

    figures = capture_figures(monkeypatch)
    viz.render_run(video_run, tmp_path, digits=[3, 5], splits=splits_256)
    assert len(figures) == len(FIGURES)
    shown = dict(zip(FIGURES, figures))
    y = splits_256.y_test
    assert {f"test #3\nlabel {y[3]}", f"test #5\nlabel {y[5]}"} <= set(texts(shown["activations.png"]))
    accuracy = eval_run(video_run, splits=splits_256)["test_accuracy"]
    assert f"Confusion matrix: {100 * accuracy:.2f} % of 256 test images right" in texts(shown["confusion.png"])
    titles = [re.fullmatch(r"#(\d+)\n(\d) → (\d) \(.*\)", t) for t in texts(shown["mistakes.png"])]
    mistakes = [tuple(map(int, m.groups())) for m in titles if m]
    assert len(mistakes) == min(viz.N_MISTAKES, round((1 - accuracy) * 256)) > 0
    assert all(y[i] == true != pred for i, true, pred in mistakes)
    # Rows are the true digits (each "of N" is how many test images are that digit), not the answers
    of = [int(m[1]) for t in texts(shown["confusion.png"]) if (m := re.fullmatch(r" *[\d.]+ %  of (\d+)", t))]
    assert of == [int(np.sum(y == c)) for c in range(10)]
    # The titles name the run, its network and its epoch; a run's weights name no member
    name = f"{video_run.name} (784-16-16-10, sigmoid, epoch 3)"
    assert shown["learning_curves.png"].get_suptitle() == f"Learning curves of {name}"
    assert shown["weights.png"].get_suptitle().startswith("First-layer weights: all 16 neurons")


def test_cli_writes_into_the_run_folder_and_prints_the_paths(video_run, mock_data, capsys):
    with mock_data():
        assert cli_main(["viz", str(video_run), "--digits", "3,5", "--max-neurons", "9"]) == 0
    printed = [line for line in capsys.readouterr().out.splitlines() if not line.startswith(SAID_LINES)]
    assert [Path(p).name for p in printed] == list(FIGURES)
    assert all(Path(p).parent == video_run / "figures" for p in printed)
    assert_drawn(video_run / "figures" / "weights.png", (550, 565))  # 9 of 16 neurons: 3 × 3
    assert_drawn(video_run / "figures" / "activations.png", (1220, 300))  # 2 digits
    assert_drawn(video_run / "figures" / "neurons.png", (1160, 620))  # 9 of each layer's 16: 2 rows each, +inert line


def test_docs_predict_example_lists_what_viz_prints(video_run, mock_data, tmp_path, capsys):
    """docs/predict_example.txt's ``nnjax viz`` listing is what viz prints: each figure's path, in order, and the
    line said after weights.png's and after wants.png's (it listed neither wants.png nor the colours line after
    viz printed both)."""
    with mock_data():
        assert cli_main(["viz", str(video_run), "--out", str(tmp_path)]) == 0
    printed = capsys.readouterr().out.splitlines()
    example = (Path(__file__).parents[1] / "docs" / "predict_example.txt").read_text()
    lines = example.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("$") and " nnjax viz " in line)
    listed = list(itertools.takewhile(str.strip, lines[start + 1 :]))  # up to the blank line

    def form(lines: list[str]) -> list[str]:  # a path's file name; a said line's words before its numbers
        return [line.split(":")[0] if line.startswith(SAID_LINES) else Path(line).name for line in lines]

    assert form(printed) == form(listed) == [f for name in FIGURES for f in (name, *FORM_SAID.get(name, ()))]


def test_weights_drawn_on_a_given_colour_range_compare_across_epochs(
    video_run, splits_256, tmp_path, monkeypatch, mock_data, capsys
):
    """Each weights.png scales its own colours (±99th percentile of |w|); the range it used is reported
    (``on_weights_range``; ``nnjax viz`` prints it after weights.png's path) and ``weights_range`` (``--weights-range
    R``) draws another network's weights on it, the colour bar saying so. A bad range is refused before drawing."""
    from nnjax.run import load_network

    def panels_clim(fig) -> set:
        return {ax.images[0].get_clim() for ax in fig.axes if ax.images and ax.get_title()}

    figures = capture_figures(monkeypatch)
    used: list[float] = []
    viz.render_run(video_run, tmp_path / "start", splits=splits_256, epoch=0, on_weights_range=used.append)
    start_W, trained_W = (np.asarray(load_network(video_run, epoch=e)[1][0]["W"][0]) for e in (0, None))
    assert used == [viz.weights_scale(start_W)] and used[0] != viz.weights_scale(trained_W)
    assert panels_clim(figures[0]) == {(-used[0], used[0])}
    assert "weight (clipped at 99th pct of |w|)" in texts(figures[0])
    figures.clear()
    viz.render_run(video_run, tmp_path / "end", splits=splits_256, weights_range=used[0], on_weights_range=used.append)
    assert used[1] == used[0] and panels_clim(figures[0]) == {(-used[0], used[0])}  # the start's scale, not its own
    assert f"weight (clipped at ±{used[0]:.4g}, as given)" in texts(figures[0])

    said = "  weights.png colours: ±{r:.4g} (--weights-range {r:.4g} draws another on this scale)"
    with mock_data():
        assert cli_main(["viz", str(video_run), "--epoch", "0", "--out", str(tmp_path / "cli")]) == 0
        lines = capsys.readouterr().out.splitlines()
        assert lines[:2] == [str(tmp_path / "cli" / "weights.png"), said.format(r=used[0])]
        assert len(lines) == len(FIGURES) + 2  # the colour range after weights.png's path, the noise line at the end
        assert cli_main(["viz", str(video_run), "--weights-range", "0.25", "--out", str(tmp_path / "cli")]) == 0
        assert capsys.readouterr().out.splitlines()[1] == said.format(r=0.25)
    assert "weight (clipped at ±0.25, as given)" in texts(figures[-len(FIGURES)])
    for bad in (0, -1.0, float("nan"), float("inf"), True, "0.5"):
        with pytest.raises(ConfigError, match="weights_range=.*: expected a positive finite number"):
            viz.render_run(video_run, tmp_path / "bad", splits=splits_256, weights_range=bad)
    assert not (tmp_path / "bad").exists()
    for bad, why in (("0", "must be a positive finite number"), ("nan", "must be a positive finite number")):
        with pytest.raises(SystemExit) as e:
            cli_main(["viz", str(video_run), "--weights-range", bad])
        assert e.value.code == 2
        assert f"--weights-range: {bad!r}: {why}" in capsys.readouterr().err


def test_an_earlier_epochs_figures_say_it_and_go_to_their_own_folder(
    video_run, splits_256, monkeypatch, mock_data, capsys
):
    """``--epoch 0``: every figure is of the network as initialised and its title says so; the learning curves
    (the whole run's) mark the epoch; the default folder is figures/epoch-0, so the newest figures stay. A kept
    epoch (the final one here) is drawn the same way; a sweep member's go to figures/member-N/epoch-E."""
    from nnjax.run import eval_run, load_network

    figures = capture_figures(monkeypatch)
    paths = viz.render_run(video_run, splits=splits_256, epoch=0)
    assert [p.name for p in paths] == list(FIGURES)
    assert {p.parent for p in paths} == {video_run / "figures" / "epoch-0"}
    shown = dict(zip(FIGURES, figures))
    at = "at epoch 0 (as initialised)"
    assert (
        shown["weights.png"]
        .get_suptitle()
        .replace("\n", " ")
        .startswith(f"First-layer weights of the network {at}: all 16 neurons")
    )
    start_W = np.asarray(load_network(video_run, epoch=0)[1][0]["W"][0])
    trained_W = np.asarray(load_network(video_run)[1][0]["W"][0])
    drawn = np.asarray(shown["weights.png"].axes[0].images[0].get_array())
    assert np.array_equal(drawn, start_W[0].reshape(28, 28)) and not np.array_equal(drawn, trained_W[0].reshape(28, 28))
    assert f"What each hidden neuron responds to in the network {at}" in shown["neurons.png"].get_suptitle().replace(
        "\n", " "
    )
    assert (
        shown["activations.png"]
        .get_suptitle()
        .replace("\n", " ")
        .startswith(f"Activation flow {at}: layer after layer")
    )
    accuracy = eval_run(video_run, splits=splits_256, epoch=0)["test_accuracy"]
    assert f"Confusion matrix {at}: {100 * accuracy:.2f} % of 256 test images right" in texts(shown["confusion.png"])
    assert shown["mistakes.png"].get_suptitle().replace("\n", " ").startswith(f"The most confident mistakes {at} (")
    curves = shown["learning_curves.png"]
    assert (
        curves.get_suptitle().replace("\n", " ")
        == f"Learning curves of {video_run.name} (784-16-16-10, sigmoid), epoch 0 marked"
    )
    marks = [label for ax in curves.axes for label in ax.get_legend_handles_labels()[1]]
    assert marks.count("epoch 0: the other figures") == 2

    figures.clear()
    with mock_data():
        assert cli_main(["viz", str(video_run), "--epoch", "3"]) == 0
    printed = [line for line in capsys.readouterr().out.splitlines() if not line.startswith(SAID_LINES)]
    assert [Path(p) for p in printed] == [video_run / "figures" / "epoch-3" / name for name in FIGURES]
    assert (
        figures[0]
        .get_suptitle()
        .replace("\n", " ")
        .startswith("First-layer weights of the network at epoch 3: all 16 neurons")
    )

    out = video_run.parent / "sweep"
    base = Config(hidden=(8,), epochs=1, batch_size=32, checkpoint_every=0)
    sweep.run_sweep(base, {"seed": [0, 1]}, out, progress=False, splits=splits_256)
    figures.clear()
    paths = viz.render_run(out, member=1, splits=splits_256, epoch=0)
    assert {p.parent for p in paths} == {out / "figures" / "member-1" / "epoch-0"}
    assert (
        figures[0]
        .get_suptitle()
        .replace("\n", " ")
        .startswith(f"First-layer weights of member 1 (sigmoid) {at}: all 8 neurons")
    )


@pytest.mark.parametrize("digits", ["0,256", [0, 256], [-1, 5], (2.5,)])
def test_a_bad_digit_index_writes_no_figure(video_run, splits_256, tmp_path, digits):
    """As text (the CLI) or as a list (Python): an index outside the test split is refused first."""
    with pytest.raises(ConfigError, match="outside the test split|is not a test-image index"):
        viz.render_run(video_run, tmp_path / "figs", digits=digits, splits=splits_256)
    assert not (tmp_path / "figs").exists()


def test_a_reader_that_stops_reading_does_not_stop_the_figures(video_run, tmp_path):
    """``nnjax viz RUN | head -1``: every figure is still written (a broken pipe stopped it after two)."""
    import shlex
    import subprocess
    import sys

    out = tmp_path / "figs"
    code = (
        "import sys; from conftest import mock_splits; from pathlib import Path; "
        f"s = mock_splits(256, Path({str(tmp_path / 'tfds')!r})); "
        "import nnjax.data; nnjax.data.load_splits = lambda *a, **k: s; "
        "from nnjax.cli import main; sys.exit(main(sys.argv[1:]))"
    )
    cmd = [sys.executable, "-c", code, "viz", str(video_run), "--out", str(out)]
    head = subprocess.run(
        f"{shlex.join(cmd)} | head -1", shell=True, capture_output=True, text=True, cwd=Path(__file__).parent
    )
    assert head.stdout.strip() == str(out / "weights.png"), head.stderr
    assert sorted(p.name for p in out.iterdir()) == sorted(FIGURES), head.stderr
    assert "Broken pipe" not in head.stderr and "Error" not in head.stderr, head.stderr


def test_sweep_curves_leave_out_diverged_members_and_show_a_single_epoch(tmp_path, splits_256, monkeypatch):
    """As the sweep's own table and accuracy.png: a diverged member (which trains on inside its ensemble,
    its loss exploded but finite) is not averaged into its group's curves; one epoch is drawn as marks, the
    train mean's told apart from the test mean's."""
    out = tmp_path / "sweep"
    base = Config(hidden=(8,), epochs=1, batch_size=32, checkpoint_every=0, schedule="constant")
    figures = capture_figures(monkeypatch)
    summary = sweep.run_sweep(base, {"lr": [0.01, 1000.0], "seed": [0, 1]}, out, progress=False, splits=splits_256)
    diverged = {r["member"]: r["diverged_epoch"] for r in summary["members"] if r["diverged_epoch"]}
    assert diverged == {2: 1, 3: 1}, "the recipe no longer diverges: pick a harsher one"
    assert sweep.diverged_epochs(out) == diverged
    # the sweep's accuracy.png says what it leaves out, naming the group of which no curve is left
    (accuracy,) = figures
    note = "2 diverged members left out; no curve for lr=1000 (all its members diverged)"
    assert [t for t in texts(accuracy) if "diverged" in t] == [note]
    assert [line.get_label() for line in accuracy.axes[0].get_lines() if line.get_label()[0] != "_"] == [
        "lr=0.01 (n=2)"
    ]
    figures.clear()
    drawn = {}
    real = viz.plot_sweep_curves

    def spy(lines, varied, path, title="", target=None, every=None):
        drawn.update(lines=lines, title=title)
        return real(lines, varied, path, title, target, every)

    monkeypatch.setattr(viz, "plot_sweep_curves", spy)
    (path,) = viz.render_sweep(out)
    assert {m["member"] for m in drawn["lines"]} == {0, 1} and drawn["title"].endswith(f"\n{note}")
    # one epoch: each mean is a mark at its place in the plot area (not only in the legend) ...
    rgb = png(path)
    (fig,) = figures
    for ax, column, scale in zip(fig.axes, ("test_loss", "test_accuracy"), (1, 100)):
        mean = np.mean([m[column] for m in drawn["lines"]])
        assert pixels_near(rgb, ax, (1, scale * mean), "tab:blue") >= 6, f"no mark at the mean {column}"
        # ... and the train mean's mark differs from the test mean's, in the plot and in the legend
        (test,) = [line for line in ax.get_lines() if line.get_label() == "lr=0.01 (n=2)"]
        (train,) = [line for line in ax.get_lines() if line.get_linestyle() == "--" and len(line.get_xdata())]
        assert test.get_marker() not in ("None", "", None) and train.get_marker() not in ("None", "", None)
        assert train.get_marker() != test.get_marker()
    (legend,) = fig.legends  # below the panels: what the line styles mean, then the settings
    keys = dict(zip([t.get_text() for t in legend.get_texts()], legend.legend_handles))
    said = "train (members' mean of epoch's batch means)"  # what the dashed line averages, twice
    assert list(keys) == ["test (band: min–max)", said, "lr=0.01 (n=2)"]
    assert keys["test (band: min–max)"].get_marker() == test.get_marker()
    assert keys[said].get_marker() == train.get_marker()
    assert keys[said].get_linestyle() == "--" and keys["test (band: min–max)"].get_linestyle() == "-"
    assert not any(ax.get_legend() for ax in fig.axes)  # none inside a panel, over a curve
    monkeypatch.setattr(sweep, "diverged_epochs", lambda d: {3: 1})  # one member: singular, no group gone
    viz.render_sweep(out, tmp_path / "one")
    assert drawn["title"].endswith("\n1 diverged member left out")
    monkeypatch.setattr(sweep, "diverged_epochs", lambda d: {0: 1, 1: 1, 2: 1, 3: 1})
    assert viz.render_sweep(out, tmp_path / "none") == []


def test_a_diverged_members_curves_stop_before_its_divergence(tmp_path, splits_256, monkeypatch, capsys):
    """viz --member of a member that diverged (and trained on inside its ensemble) draws only its epochs
    before the divergence, as members.csv counts them, and says so; none before it: a warning, no figure."""
    out = tmp_path / "sweep"
    base = Config(hidden=(8,), epochs=3, batch_size=32, checkpoint_every=0)
    sweep.run_sweep(base, {"seed": [0, 1]}, out, progress=False, splits=splits_256)
    drawn = {}
    monkeypatch.setattr(
        viz, "plot_learning_curves", lambda lines, path, title="": drawn.update(lines=lines, title=title)
    )
    viz.render_run(out, tmp_path / "ok", member=1, splits=splits_256)
    assert [m["epoch"] for m in drawn["lines"]] == [1, 2, 3] and "diverged" not in drawn["title"]
    monkeypatch.setattr(sweep, "diverged_epochs", lambda d, members=None: {1: 3})
    viz.render_run(out, tmp_path / "cut", member=1, splits=splits_256)
    assert [(m["member"], m["epoch"]) for m in drawn["lines"]] == [(1, 1), (1, 2)]
    assert drawn["title"].endswith("\n(diverged at epoch 3: drawn up to epoch 2)")  # epoch 3 is not drawn either
    drawn.clear()
    monkeypatch.setattr(sweep, "diverged_epochs", lambda d, members=None: {1: 1})
    capsys.readouterr()
    written = viz.render_run(out, tmp_path / "none", member=1, splits=splits_256)
    assert not drawn and "learning_curves.png" not in [p.name for p in written]
    warning = (
        f"nnjax: warning: {out}: member 1 diverged at epoch 1, before any epoch to draw; learning_curves.png not drawn"
    )
    assert warning in capsys.readouterr().err.splitlines()


def test_viz_of_one_member_reads_only_its_own_groups_divergence(tmp_path, splits_256, monkeypatch):
    """render_run(member=N) asked every group of the sweep which members diverged, decoding the newest
    checkpoint of each group still training, to use one member's answer: it reads that member's group only,
    whose answer for the member is the one the whole sweep's read gives."""
    out = tmp_path / "sweep"
    base = Config(epochs=1, batch_size=32, checkpoint_every=1)
    sweep.run_sweep(base, {"hidden": [(8,), (4,)]}, out, progress=False, splits=splits_256)
    groups = {g.name: json.loads((g / "group.json").read_text())["members"] for g in sweep.group_dirs(out)}
    assert groups == {"g00": [0], "g01": [1]}
    (out / "groups" / "g01" / "result.json").unlink()  # g01 as if still training: its checkpoint says
    decoded = []
    real = sweep._newest_decodable
    monkeypatch.setattr(sweep, "_newest_decodable", lambda d, gid: decoded.append(gid) or real(d, gid))
    viz.render_run(out, tmp_path / "member0", member=0, splits=splits_256)
    assert decoded == []
    viz.render_run(out, tmp_path / "member1", member=1, splits=splits_256)
    assert decoded == ["g01"]
    assert sweep.diverged_epochs(out, [1]) == sweep.diverged_epochs(out) == {}
    monkeypatch.setattr(sweep, "_newest_decodable", lambda d, gid: (1, {"state": {"diverged": np.array([1])}}))
    assert sweep.diverged_epochs(out, [1]) == sweep.diverged_epochs(out) == {1: 1}
    assert sweep.diverged_epochs(out, [0]) == {}


def test_wide_network_stays_readable(tmp_path, splits_256):
    """784-1024-1024-10: the first 64 neurons in an 8 × 8 grid, heat strips for the wide layers."""
    run = tmp_path / "wide"
    cfg = Config(name="wide", hidden=(1024, 1024), activation="relu", epochs=1, batch_size=64, checkpoint_every=0)
    train_and_evaluate(cfg, run, progress=False, splits=splits_256)
    viz.render_run(run, run / "figures", digits=[0, 1, 2], splits=splits_256)
    assert_drawn(run / "figures" / "weights.png", (1270, 1340))
    assert_drawn(run / "figures" / "activations.png", (1220, 395))
    assert_drawn(run / "figures" / "confusion.png", (760, 660))


def test_sweep_folder_gets_group_curves_with_bands(tmp_path, splits_256, capsys, monkeypatch):
    base = Config(hidden=(8,), epochs=2, batch_size=32, checkpoint_every=0)
    out = tmp_path / "sweep"
    sweep.run_sweep(base, {"activation": ["sigmoid", "relu"], "seed": [0, 1]}, out, progress=False, splits=splits_256)
    assert cli_main(["viz", str(out)]) == 0
    (printed,) = capsys.readouterr().out.split()
    assert Path(printed) == out / "figures" / "learning_curves.png"
    assert_drawn(Path(printed), (1100, 498))  # 11 × 4.4 in and two rows of legend below (3 columns)
    assert_drawn(out / "accuracy.png", (1440, 600))  # per epoch, and the last epoch on its own scale

    lines = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    curves = viz.group_curves(lines, ["activation"], "test_accuracy")
    assert set(curves) == {"activation=sigmoid", "activation=relu"}
    for act in ("sigmoid", "relu"):
        epochs, mean, lo, hi, n = curves[f"activation={act}"]
        assert n == 2 and list(epochs) == [1, 2]
        acc_MxE = np.array(
            [
                [m["test_accuracy"] for m in lines if m["member"] == k]
                for k in {m["member"] for m in lines if m["activation"] == act}
            ]
        )
        np.testing.assert_allclose(mean, acc_MxE.mean(axis=0))
        np.testing.assert_allclose(lo, acc_MxE.min(axis=0))
        np.testing.assert_allclose(hi, acc_MxE.max(axis=0))

    # One member's network, drawn like a run's: member 3 is relu, seed 1.
    figures = capture_figures(monkeypatch)
    m3 = viz.render_run(out, member=3, splits=splits_256)
    assert [p.name for p in m3] == list(FIGURES) and m3[0].parent == out / "figures" / "member-3"
    assert [" ".join(f.get_suptitle().split()) for f in figures[:2]] == [  # the member's own network, named
        "First-layer weights of member 3 (relu): all 8 neurons (green +, pink −, white 0)",
        f"Learning curves of {out.name} member 3 (784-8-10, relu, epoch 2)",
    ]
    m0 = viz.render_run(out, tmp_path / "m0", member=0, splits=splits_256)
    assert png(m3[0]).shape == png(m0[0]).shape and not np.array_equal(png(m3[0]), png(m0[0]))
    cfg3, params3, _ = sweep.load_member(out, 3)
    assert (cfg3.activation, cfg3.seed) == ("relu", 1)
    assert capsys.readouterr().err == ""
    assert cli_main(["viz", str(out), "--member", "9"]) == 1
    err = capsys.readouterr().err
    assert err == f"nnjax: error: {out}: no member 9 in this sweep folder (its members: 0–3, as in members.csv)\n"
    spec = (out / "sweep.json").read_bytes()
    assert cli_main(["viz", str(out), "--out", str(out / "sweep.json")]) == 1
    err = capsys.readouterr().err
    assert err == f"nnjax: error: --out {out / 'sweep.json'}: is a file, not a folder\n"
    assert (out / "sweep.json").read_bytes() == spec

    # A member's line repeated or lost would draw a false mean: one line naming it, no figure (as --member refuses)
    metrics = out / "metrics.jsonl"
    text = metrics.read_text().splitlines(keepends=True)
    first = json.loads(text[0])
    (lost,) = [i for i, line in enumerate(text) if json.loads(line)["member"] == 3 and json.loads(line)["epoch"] == 1]
    # member 3's next line: index i of the file, so line i once the line before it is gone
    later = next(i for i in range(lost + 1, len(text)) if json.loads(text[i])["member"] == 3)
    for damaged, why in [
        (text + text[:1], f"line {len(text) + 1} repeats member {first['member']}'s epoch {first['epoch']}"),
        (text[:lost] + text[lost + 1 :], f"line {later} is member 3's epoch 2, expected its epoch 1"),
        (  # epoch 0 is no epoch at all, so no repeat of one
            [json.dumps({**first, "epoch": 0}) + "\n", *text[1:]],
            f"line 1 is member {first['member']}'s epoch 0, expected its epoch 1",
        ),
        # an edited value was a ValueError traceback
        (
            [json.dumps({**first, "test_accuracy": "x"}) + "\n", *text[1:]],
            "line 1: 'test_accuracy' is not a number ('x')",
        ),
    ]:
        metrics.write_text("".join(damaged))
        assert cli_main(["viz", str(out), "--out", str(tmp_path / "damaged")]) == 1
        err = capsys.readouterr().err
        assert err == f"nnjax: error: {metrics}: {why} (edited or damaged?); no learning curves drawn\n"
        assert not (tmp_path / "damaged" / "learning_curves.png").exists()


def test_group_curves_from_the_documented_columns_only():
    """member, epoch, test_accuracy and the varied fields are enough; a diverged epoch is left out."""
    lines = []
    for member, hidden, seed, accs in (
        (0, [16, 16], 0, [0.5, 0.7]),
        (1, [16, 16], 1, [0.6, 0.9]),
        (2, [32, 32], 0, [0.8, None]),
    ):
        for epoch, a in enumerate(accs, 1):
            lines.append({"member": member, "epoch": epoch, "hidden": hidden, "seed": seed, "test_accuracy": a})
    lines[-1]["finite"] = False
    assert sweep_grid.varied_fields({"hidden": [[16, 16], [32, 32]], "seed": [0, 1]}) == ["hidden"]
    curves = viz.group_curves(lines, ["hidden"], "test_accuracy")
    e, mean, lo, hi, n = curves["hidden=16x16"]
    assert n == 2 and list(e) == [1, 2]
    np.testing.assert_allclose(mean, [0.55, 0.8])
    np.testing.assert_allclose(lo, [0.5, 0.7])
    np.testing.assert_allclose(hi, [0.6, 0.9])
    e, mean, _, _, n = curves["hidden=32x32"]
    assert n == 1 and list(e) == [1] and mean[0] == 0.8


def test_group_curves_of_members_that_diverged_count_and_average_the_finite_ones():
    """A group of three seeds: one diverged in epoch 1 (no finite point: no member of the curve), one in
    epoch 2 (its epoch 1 counts, its later ones not): the curve is over epochs 1 to 3, each epoch's mean that
    of the members finite at it, and n counts the members drawn."""
    accs = {0: [0.5, 0.6, 0.7], 1: [0.3, None, None], 2: [None, None, None]}
    lines = [
        {"member": k, "epoch": e, "seed": k, "test_accuracy": a, "finite": a is not None}
        for k, values in accs.items()
        for e, a in enumerate(values, 1)
    ]
    e, mean, lo, hi, n = viz.group_curves(lines, [], "test_accuracy")["all members"]
    assert list(e) == [1, 2, 3] and n == 2
    np.testing.assert_allclose(mean, [0.4, 0.6, 0.7])
    np.testing.assert_allclose(lo, [0.3, 0.6, 0.7])
    np.testing.assert_allclose(hi, [0.5, 0.6, 0.7])


def test_sweep_curves_band_reaches_from_the_lowest_member_to_the_highest(monkeypatch, tmp_path):
    """At each epoch the band around a setting's mean spans its members' min to max, in both panels."""
    figures = capture_figures(monkeypatch)
    lines = [
        {"member": k, "epoch": e, "seed": k, "test_loss": 0.5 + 0.1 * k - 0.05 * e, "test_accuracy": 0.7 + 0.05 * k}
        for k in range(3)
        for e in (1, 2, 3)
    ]
    viz.plot_sweep_curves(lines, [], tmp_path / "c.png")
    for ax, column, scale in zip(figures[0].axes, ("test_loss", "test_accuracy"), (1, 100)):
        (band,) = ax.collections
        xy = band.get_paths()[0].vertices
        for e in (1, 2, 3):
            values = [scale * m[column] for m in lines if m["epoch"] == e]
            ys = xy[np.isclose(xy[:, 0], e), 1]
            np.testing.assert_allclose([ys.min(), ys.max()], [min(values), max(values)], err_msg=f"{column} {e}")


def cost_sweep_lines(other_cost: str) -> list[dict]:
    """Three epochs each of a quadratic-cost member (losses < 0.1) and an ``other_cost`` one (~2.6: a harsh lr)."""
    return [
        {"member": k, "epoch": e, "cost": cost, "test_loss": loss / e, "test_accuracy": 0.9}
        for k, (cost, loss) in enumerate((("quadratic", 0.05), (other_cost, 2.6)))
        for e in (1, 2, 3)
    ]


def test_sweep_curves_of_a_grid_over_cost_draw_the_losses_on_a_log_scale_and_say_so(monkeypatch, tmp_path):
    """A researcher trial's sweep over cost drew cross-entropy (~2.6 at a harsh lr) and quadratic losses (< 0.1)
    on one linear 'mean cost per image' axis, every quadratic curve flat at its floor, as if in one unit."""
    figures = capture_figures(monkeypatch)
    lines = cost_sweep_lines("cross_entropy")
    viz.plot_sweep_curves(lines, ["cost"], tmp_path / "c.png")
    viz.plot_sweep_curves([m for m in lines if m["cost"] == "quadratic"], ["cost"], tmp_path / "q.png")
    (loss, _), (one_cost, _) = (f.axes[:2] for f in figures)
    assert loss.get_yscale() == "log" and "own cost's units" in loss.get_ylabel()
    assert one_cost.get_yscale() == "linear" and one_cost.get_ylabel() == "loss (mean cost per image)"


def test_the_log_scale_loss_label_of_a_sweep_over_cost_lies_inside_the_figure(monkeypatch, tmp_path):
    """Its two-line label was cut off at the figure's left, top and bottom edges (review)."""
    figures = capture_figures(monkeypatch)
    viz.plot_sweep_curves(cost_sweep_lines("sigmoid_cross_entropy"), ["cost"], tmp_path / "c.png")
    (fig,) = figures
    loss = fig.axes[0]
    fig.draw_without_rendering()
    label, whole = loss.yaxis.label.get_window_extent(), fig.bbox
    assert whole.x0 <= label.x0 and label.x1 <= whole.x1 and whole.y0 <= label.y0 and label.y1 <= whole.y1, label


def test_drawing_leaves_the_matplotlib_backend_alone(tmp_path):
    """Figures are drawn without pyplot, so a notebook's inline backend is not switched to Agg."""
    import matplotlib

    before = matplotlib.get_backend()
    matplotlib.use("svg")
    try:
        lines = [{"member": 0, "epoch": e, "test_accuracy": 0.5 + 0.1 * e} for e in (1, 2, 3)]
        path = viz.plot_sweep_accuracy(lines, [], tmp_path / "a.png", "test")
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert matplotlib.get_backend() == "svg"
    finally:
        matplotlib.use(before)


def test_sweep_accuracy_of_a_single_epoch_is_a_mark_with_its_min_max(monkeypatch, tmp_path):
    """A 1-epoch sweep's accuracy.png: each group's mean is a mark, and its min–max (a band of no width)
    a capped bar, in the group's colour."""
    figures = capture_figures(monkeypatch)
    accs = {("sigmoid", 0): 0.90, ("sigmoid", 1): 0.92, ("relu", 0): 0.80, ("relu", 1): 0.84}
    lines = [
        {"member": k, "epoch": 1, "activation": act, "seed": seed, "test_accuracy": a}
        for k, ((act, seed), a) in enumerate(accs.items())
    ]
    rgb = png(viz.plot_sweep_accuracy(lines, ["activation"], tmp_path / "a.png", "test"))
    ax = figures[0].axes[0]  # the left panel: per epoch
    for act, colour, (lo, hi) in (("sigmoid", "tab:blue", (90, 92)), ("relu", "tab:orange", (80, 84))):
        assert pixels_near(rgb, ax, (1, (lo + hi) / 2), colour) >= 6, f"{act}: no mark at the mean"
        for end in (lo, hi):  # the bar may be paler; its caps reach out on both sides of the epoch
            for side in (range(-7, -2), range(3, 8)):
                assert pixels_near(rgb, ax, (1, end), colour, side, opacity=0.3) >= 3, f"{act}: no cap at {end} %"


def sweep_lines(groups: dict[str, list[float]], n_epochs: int = 2, seeds: int = 2) -> list[dict]:
    """Metrics lines of a sweep over ``activation`` × seed: each activation's final accuracies are rising from
    its value in ``groups`` (one per seed) so the curves spread over the axes."""
    lines, k = [], 0
    for act, accs in groups.items():
        for seed in range(seeds):
            for e in range(1, n_epochs + 1):
                a = accs[seed] - 0.02 * (n_epochs - e)
                lines.append({"member": k, "epoch": e, "activation": act, "seed": seed, "test_accuracy": a})
            k += 1
    return lines


def test_sweep_accuracy_names_a_bool_setting_as_the_summary_table_does():
    """accuracy.png's legend and its note on diverged members name a setting as the table and notes beside it do,
    ``standardize=true`` (as the flags take it), not Python's ``standardize=True``."""
    lines = [{"member": m, "epoch": 1, "test_accuracy": 0.9, "standardize": m == 1} for m in range(2)]
    assert viz.group_label(lines[1], ["standardize"]) == "standardize=true"
    note = "1 diverged member left out; no curve for standardize=false (all its members diverged)"
    assert viz.diverged_note(lines, ["standardize"], {0}) == note


def test_sweep_accuracy_says_which_diverged_members_it_leaves_out(monkeypatch, tmp_path):
    """Diverged members are left out of accuracy.png, and its title says how many (1 member, 2 members) and
    which groups have no curve left: a group gone without a word looked as if it had never been swept."""
    figures = capture_figures(monkeypatch)
    lines = sweep_lines({"sigmoid": [0.9, 0.91], "relu": [0.92, 0.93], "tanh": [0.5, 0.6]})
    cases = (
        (
            {2},
            "1 diverged member left out",
            {"activation=sigmoid (n=2)", "activation=relu (n=1)", "activation=tanh (n=2)"},
        ),
        ({4, 5}, "2 diverged members left out; no curve for activation=tanh (all its members diverged)", None),
        (
            {0, 1, 4, 5},
            "4 diverged members left out; no curve for activation=sigmoid and activation=tanh "
            "(all their members diverged)",
            {"activation=relu (n=2)"},
        ),
    )
    for diverged, note, curves in cases:
        viz.plot_sweep_accuracy(lines, ["activation"], tmp_path / "a.png", "test", diverged=diverged)
        fig = figures.pop()
        assert [t for t in texts(fig) if "diverged" in t] == [note]
        if curves is not None:
            assert {line.get_label() for line in fig.axes[0].get_lines()} == curves
    one = [{"member": k, "epoch": 1, "test_accuracy": 0.5} for k in range(2)]  # nothing varied: every member
    viz.plot_sweep_accuracy(one, [], tmp_path / "a.png", "test", diverged={0, 1})
    assert "2 diverged members left out: every member diverged" in texts(figures.pop())
    viz.plot_sweep_accuracy(one, [], tmp_path / "a.png", "test")
    assert not any("diverged" in t for t in texts(figures.pop()))


def test_sweep_accuracy_of_identical_members_draws(tmp_path):
    """Five members at the same accuracy (a network without hidden layers: every seed gives the same one) have a
    mean that rounds below their minimum (0.926: by 1e-16); the min–max bar's negative length raised ValueError
    after the whole sweep had trained, and no table was printed."""
    lines = sweep_lines({"none": [0.926] * 5, "16x16": [0.95, 0.951, 0.952, 0.953, 0.954]}, seeds=5)
    curves = viz.group_curves(lines, ["activation"], "test_accuracy")
    for _, mean, lo, hi, _ in curves.values():
        assert (lo <= mean).all() and (mean <= hi).all()
    assert_drawn(viz.plot_sweep_accuracy(lines, ["activation"], tmp_path / "a.png", "test"), (1440, 600))


def test_sweep_accuracy_legend_covers_no_curve(monkeypatch, tmp_path):
    """The activation sweep's 8 groups: the legend sat on the identity line and the tanh band; it now sits
    below both panels, under their x labels, inside the figure (whose size stays 1440 × 600)."""
    figures = capture_figures(monkeypatch)
    acts = ("sigmoid", "relu", "tanh", "gelu", "silu", "softplus", "leaky_relu", "identity")
    lines = sweep_lines(
        {a: [0.93 + 0.003 * i, 0.935 + 0.003 * i] for i, a in enumerate(acts)} | {"identity": [0.92, 0.921]}
    )
    path = viz.plot_sweep_accuracy(lines, ["activation"], tmp_path / "a.png", "test")
    assert_drawn(path, (1440, 600))
    (fig,) = figures
    (legend,) = fig.legends
    box = legend.get_window_extent()
    assert len(legend.get_texts()) == len(acts)
    for panel in fig.axes:  # below both panels, their ticks and x labels
        assert box.y1 <= panel.xaxis.label.get_window_extent().y0
    assert box.y0 >= 0 and box.x0 >= 0 and box.x1 <= fig.bbox.x1


def test_sweep_accuracy_titles_say_what_a_settings_members_differ_in(monkeypatch, tmp_path):
    """With --replicates seed,data_seed a setting's members differ in both: the titles said "over seeds"."""
    figures = capture_figures(monkeypatch)
    lines = sweep_lines({"sigmoid": [0.93, 0.94], "relu": [0.95, 0.96]})
    viz.plot_sweep_accuracy(lines, ["activation"], tmp_path / "a.png", "test")
    viz.plot_sweep_accuracy(lines, ["activation"], tmp_path / "b.png", "test", over="members (seed, data_seed)")
    titles = [[ax.get_title() for ax in fig.axes] for fig in figures]
    assert titles[0] == [
        "test accuracy per epoch: mean over seeds, band = min–max",
        "last epoch\nmean, min–max over seeds",
    ]
    assert titles[1] == [
        "test accuracy per epoch: mean over members (seed, data_seed), band = min–max",
        "last epoch\nmean, min–max over members (seed, data_seed)",
    ]


def test_sweep_figures_of_many_long_settings_keep_every_curve_apart_and_inside(monkeypatch, tmp_path):
    """16 settings of three fields: each curve has its own colour in its panel (matplotlib's cycle has 10; both
    figures draw one panel per hidden size, learning_curves.png one for the loss and one for the accuracy), and
    both figures' legends sit below the panels, inside the figure, which grows for them; no title is cut."""
    figures = capture_figures(monkeypatch)
    lines, k = [], 0
    for act in ("sigmoid", "relu", "tanh", "gelu"):
        for hidden in ("8", "16"):
            for lr in (0.01, 0.03):
                acc = 0.88 + 0.004 * k
                for e in (1, 2):
                    lines.append({"member": k, "epoch": e, "activation": act, "hidden": hidden, "lr": lr,
                                  "test_accuracy": acc - 0.01 * (2 - e), "test_loss": 1 - acc,
                                  "train_accuracy": acc, "train_loss": 1 - acc})  # fmt: skip
                k += 1
    varied = ["activation", "hidden", "lr"]
    viz.plot_sweep_accuracy(lines, varied, tmp_path / "a.png", "test")
    viz.plot_sweep_curves(lines, varied, tmp_path / "c.png")
    assert png(tmp_path / "a.png").shape[0] > 600 and png(tmp_path / "c.png").shape[0] > 440
    # accuracy.png: its panels and a legend of each activation, lr; the curves: the loss panels, the line styles first
    for fig, drawn, entries in zip(figures, (figures[0].axes[:-1], figures[1].axes[:2]), (8, 8 + 2)):
        fig.canvas.draw()
        curves = [line for ax in drawn for line in ax.get_lines() if line.get_label().startswith("activation=")]
        assert len(curves) == 16 and len({(id(line.axes), tuple(line.get_color())) for line in curves}) == 16
        (legend,) = fig.legends
        box = legend.get_window_extent()
        assert len(legend.get_texts()) == entries and box.x0 >= 0 and box.x1 <= fig.bbox.x1 and box.y0 >= 0
        for panel in fig.axes:
            assert box.y1 <= panel.xaxis.label.get_window_extent().y0  # under every panel
            title = panel.title.get_window_extent()
            assert title.x0 >= 0 and title.x1 <= fig.bbox.x1, panel.get_title()


def test_sweep_accuracy_of_60_settings_draws_one_panel_per_value_of_a_field_and_fits_its_legend(monkeypatch, tmp_path):
    """A researcher's 60-setting grid (hidden × lr × activation) drew every setting in one panel, in 60 rainbow
    colours nobody could tell apart, over a legend of 60 rows taller than the plot, and the last-epoch panel's
    labels on top of each other. It now draws one panel per value of one field (hidden: 5), each setting
    coloured by its lr and activation, the same colour in every panel, with a legend of those 12 below the
    panels and inside the figure, and a last-epoch panel tall enough for a row per setting."""
    figures = capture_figures(monkeypatch)
    lines, k = [], 0
    hiddens, lrs, acts = (
        ("16x16", "32x32", "64", "128", "256x256"),
        (0.001, 0.003, 0.01, 0.03),
        ("sigmoid", "relu", "tanh"),
    )
    for hidden, lr, act in itertools.product(hiddens, lrs, acts):
        for seed in (0, 1):
            acc = 0.8 + 0.0025 * (k // 2)
            for e in (1, 2, 3):
                lines.append({"member": k, "epoch": e, "hidden": hidden, "lr": lr, "activation": act, "seed": seed,
                              "test_accuracy": acc - 0.01 * (3 - e) + 0.001 * seed})  # fmt: skip
            k += 1
    viz.plot_sweep_accuracy(lines, ["hidden", "lr", "activation"], tmp_path / "a.png", "test")
    (fig,) = figures
    fig.canvas.draw()
    *panels, ax_end = fig.axes
    assert [ax.get_title() for ax in panels] == [f"hidden={h}" for h in hiddens]
    colour_of = {}
    for ax, hidden in zip(panels, hiddens):
        curves = [line for line in ax.get_lines() if line.get_label().startswith("hidden=")]
        assert sorted(line.get_label() for line in curves) == sorted(
            f"hidden={hidden}, lr={lr}, activation={act} (n=2)" for lr in lrs for act in acts
        )
        for line in curves:  # one colour per lr and activation, the same in every panel
            colour_of.setdefault(line.get_label().split(", ", 1)[1], set()).add(tuple(line.get_color()))
    assert len(colour_of) == 12 and all(len(c) == 1 for c in colour_of.values())
    assert len({c for cs in colour_of.values() for c in cs}) == 12
    (legend,) = fig.legends
    assert [t.get_text() for t in legend.get_texts()] == [f"lr={lr}, activation={a} (n=2)" for lr in lrs for a in acts]
    box, whole = legend.get_window_extent(), fig.bbox
    assert whole.x0 <= box.x0 and box.x1 <= whole.x1 and whole.y0 <= box.y0 and box.y1 <= whole.y1, box
    for ax in panels + [ax_end]:  # below every panel and its x label, and smaller than any
        assert box.y1 <= min(ax.get_window_extent().y0, ax.xaxis.label.get_window_extent().y0)
    assert box.height < min(ax.get_window_extent().height for ax in panels)
    ticks = sorted((t.get_window_extent() for t in ax_end.get_yticklabels()), key=lambda b: b.y0)
    assert len(ticks) == 60 and all(a.y1 <= b.y0 for a, b in zip(ticks, ticks[1:])), "last-epoch labels overlap"
    assert all(whole.x0 <= t.x0 and t.y1 <= whole.y1 for t in ticks)


def swept_lines(fields: dict[str, list], n_epochs: int = 3, seeds: int = 2) -> list[dict]:
    """Metrics lines (loss and accuracy, train and test) of a sweep over ``fields`` × seed, each setting a little
    better than the one before it."""
    lines, k = [], 0
    for values in itertools.product(*fields.values()):
        for seed in range(seeds):
            acc = 0.8 + 0.002 * k
            for e in range(1, n_epochs + 1):
                late = 0.01 * (n_epochs - e)
                lines.append({"member": k, "epoch": e, "seed": seed, **dict(zip(fields, values)),
                              "test_accuracy": acc - late, "test_loss": 1 - acc + late,
                              "train_accuracy": acc - 0.005, "train_loss": 1.005 - acc})  # fmt: skip
            k += 1
    return lines


def overlapping(boxes: list) -> list:
    """The pairs of ``boxes`` (matplotlib Bboxes) that overlap."""
    return [(a, b) for a, b in itertools.combinations(boxes, 2) if a.overlaps(b)]


def test_sweep_curves_of_28_settings_draw_one_panel_per_value_of_a_field_as_accuracy_png_does(monkeypatch, tmp_path):
    """A 28-setting sweep (activation × lr) drew all 28 settings' curves in one loss and one accuracy panel, in 28
    colours, over a legend of 30 rows. learning_curves.png now splits as accuracy.png does: one small loss panel
    per activation (panel_field's choice, accuracy.png's too) and as many accuracy panels, each lr its own colour,
    the same in every panel, with a legend of the line styles and the 7 lrs below, inside the figure; no panel's
    title, ticks or labels run into another's."""
    figures = capture_figures(monkeypatch)
    acts, lrs = ["sigmoid", "relu", "tanh", "gelu"], [0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1]
    lines = swept_lines({"activation": acts, "lr": lrs})
    viz.plot_sweep_curves(lines, ["activation", "lr"], tmp_path / "c.png", "Sweep s: test loss and accuracy")
    viz.plot_sweep_accuracy(lines, ["activation", "lr"], tmp_path / "a.png", "test")
    fig, accuracy = figures
    fig.canvas.draw()
    assert [ax.get_title() for ax in accuracy.axes[:-1]] == [f"activation={a}" for a in acts]
    assert [ax.get_title() for ax in fig.axes] == [f"activation={a}" for a in acts] * 2
    loss, acc = fig.axes[:4], fig.axes[4:]
    assert [ax.get_ylabel() for ax in loss] == ["loss (mean cost per image)", "", "loss (mean cost per image)", ""]
    assert [ax.get_ylabel() for ax in acc] == ["accuracy (%)", "", "accuracy (%)", ""]
    colour_of = {}
    for ax, act in zip(loss + acc, acts * 2):
        mean = {line.get_label(): line for line in ax.get_lines() if line.get_label()[0] != "_"}
        assert sorted(mean) == sorted(f"activation={act}, lr={lr} (n=2)" for lr in lrs)
        assert sum(line.get_linestyle() == "--" for line in ax.get_lines()) == 7  # each lr's train mean
        for label, line in mean.items():
            colour_of.setdefault(label.split(", ")[1], set()).add(tuple(line.get_color()))
    assert len(colour_of) == 7 and all(len(c) == 1 for c in colour_of.values())  # one colour per lr, everywhere
    assert len({c for cs in colour_of.values() for c in cs}) == 7
    (legend,) = fig.legends
    said = ["test (band: min–max)", "train (members' mean of epoch's batch means)"]
    assert [t.get_text() for t in legend.get_texts()] == said + [f"lr={lr} (n=2)" for lr in lrs]
    box, whole = legend.get_window_extent(), fig.bbox
    assert whole.x0 <= box.x0 and box.x1 <= whole.x1 and whole.y0 <= box.y0, box
    panels = [ax.get_tightbbox() for ax in fig.axes]  # each with its title, ticks and labels
    assert all(box.y1 <= p.y0 for p in panels), "the legend runs into a panel"
    assert not overlapping(panels), "panels' labels overlap"
    assert all(whole.x0 <= p.x0 and p.x1 <= whole.x1 and p.y1 <= whole.y1 for p in panels)
    assert fig.get_suptitle() == "Sweep s: test loss and accuracy"
    assert fig._suptitle.get_window_extent().y0 >= max(p.y1 for p in panels)


@pytest.mark.parametrize(
    ("field", "values", "text"),
    [
        ("lr", [0.1, 0.0001, 1.0, 0.03, 0.003, 0.3, 0.0003, 0.01, 0.001, 3.0, 0.00003, 0.05, 0.5], None),
        ("hidden", [[8 * (i + 1)] for i in range(16)], None),
        ("lr", [round(10 ** (-5 + i / 8), 7) for i in range(40)], None),
    ],
    ids=["13 lr", "16 widths", "40 lr"],
)
def test_sweep_figures_of_a_numeric_field_of_many_values_colour_them_in_order(
    monkeypatch, tmp_path, field, values, text
):
    """A one-field sweep of more than 12 values (13 learning rates, given out of order; 16 hidden sizes; 40
    learning rates) kept one panel in both figures, coloured from a qualitative palette (13-20) or a rainbow, with
    a legend of every value nobody could read in order. Both figures now colour each setting by its value's rank
    along a sequential colour map (viridis, dark = smallest) and draw a colour bar of the values in order below the
    panels in place of the settings' legend (learning_curves.png keeps its line styles' under it); as many
    values as fit are labelled, none over another, the first and last always; the last-epoch panel has a row per
    setting, none over another."""
    import matplotlib

    figures = capture_figures(monkeypatch)
    lines = swept_lines({field: values})
    viz.plot_sweep_curves(lines, [field], tmp_path / "c.png")
    viz.plot_sweep_accuracy(lines, [field], tmp_path / "a.png", "test", target=0.8)
    ranked = [sweep_grid.format_value(v) for v in sorted(values)]
    cmap = matplotlib.colormaps["viridis"]
    want = {f"{field}={t} (n=2)": cmap(0.9 * r / (len(ranked) - 1)) for r, t in enumerate(ranked)}
    for fig, panels in zip(figures, ([0, 1], [0])):
        fig.canvas.draw()
        *_, cax = fig.axes  # the colour bar: the last axes
        for ax in (fig.axes[i] for i in panels):
            got = {line.get_label(): line.get_color() for line in ax.get_lines() if line.get_label()[0] != "_"}
            assert got == want  # every setting, in its value's colour
        ticks = cax.get_xticklabels()
        shown = [t.get_text() for t in ticks]
        assert shown[0] == ranked[0] and shown[-1] == ranked[-1] and shown == sorted(shown, key=ranked.index)
        assert len(shown) == len(ranked) or len(values) == 40  # all 13 and 16 fit; of 40, as many as fit
        assert len(shown) >= 10
        assert cax.get_xlabel() == f"{field} (n=2 per value)"
        boxes = [t.get_window_extent() for t in ticks]
        assert not overlapping(boxes) and fig.bbox.x0 <= boxes[0].x0 and boxes[-1].x1 <= fig.bbox.x1
        bar = cax.get_tightbbox()
        assert 0 <= bar.y0 and all(bar.y1 <= ax.xaxis.label.get_window_extent().y0 for ax in fig.axes[:-1])
        for legend in fig.legends:  # no legend of settings; the curves' line styles, below the colour bar
            assert [t.get_text() for t in legend.get_texts()] == [
                "test (band: min–max)",
                "train (members' mean of epoch's batch means)",
            ]
            assert legend.get_window_extent().y1 <= bar.y0
    assert len(figures[0].legends) == 1 and not figures[1].legends
    ax_end = figures[1].axes[1]
    rows = sorted((t.get_window_extent() for t in ax_end.get_yticklabels()), key=lambda b: b.y0)
    assert len(rows) == len(values) and not overlapping(rows), "last-epoch labels overlap"
    assert "target 80 %" in texts(figures[1])


def test_sweep_figures_of_up_to_12_settings_or_of_values_with_no_order_keep_one_panel_and_a_legend(
    monkeypatch, tmp_path
):
    """What the figures were before many settings had panels and ordered colours (their PNGs came out
    byte-identical): 12 learning rates, and 14 hidden sizes of different depths (no order), are one loss and one
    accuracy panel (accuracy.png: per epoch and the last epoch) with a legend of every setting, no colour bar."""
    figures = capture_figures(monkeypatch)
    cases = {
        "lr": [10 ** (-4 + i / 3) for i in range(12)],
        "hidden": [[8 * (i + 1)] * (1 + i % 2) for i in range(14)],  # 8, 16x16, 24, ...: no one order
    }
    for field, values in cases.items():
        lines = swept_lines({field: values})
        viz.plot_sweep_curves(lines, [field], tmp_path / "c.png")
        viz.plot_sweep_accuracy(lines, [field], tmp_path / "a.png", "test")
        curves, accuracy = figures[-2:]
        assert [ax.get_ylabel() for ax in curves.axes] == ["loss (mean cost per image)", "accuracy (%)"]
        assert [ax.get_ylabel() for ax in accuracy.axes] == ["test accuracy (%)", field]
        labels = [f"{field}={sweep_grid.format_value(v)} (n=2)" for v in values]
        assert [t.get_text() for t in curves.legends[0].get_texts()][2:] == labels
        assert [t.get_text() for t in accuracy.legends[0].get_texts()] == labels
        colours = viz.setting_colours(len(values))
        for ax in (curves.axes[0], accuracy.axes[0]):
            drawn = [line.get_color() for line in ax.get_lines() if line.get_label()[0] != "_"]
            assert drawn == colours


def test_a_setting_just_below_the_others_is_scaled_in_and_a_far_one_is_off_scale(monkeypatch, tmp_path):
    """The last-epoch panel: five settings within 0.04 points of each other (min–max 0.14 wide) and one below
    Q1 − 3 IQR but within one such width of them is drawn on the scale (it was an arrow "(off scale)"); one
    5 points below still is an arrow at the edge."""
    figures = capture_figures(monkeypatch)
    close = {f"s{i}": [0.944 + 0.0001 * i, 0.945 + 0.0001 * i] for i in range(5)}
    for low, off in ((0.9428, False), (0.89, True)):
        viz.plot_sweep_accuracy(
            sweep_lines({**close, "low": [low, low + 0.0004]}), ["activation"], tmp_path / "a.png", "test"
        )
        shown = texts(figures.pop())
        assert any(t.endswith("(off scale)") for t in shown) == off, shown


def test_sweep_accuracy_with_no_finite_point_still_draws(tmp_path):
    """Every member diverged in epoch 1: the sweep's summary still gets its figure, not a traceback."""
    lines = [{"member": k, "epoch": 1, "test_accuracy": None, "finite": False} for k in range(2)]
    assert_drawn(viz.plot_sweep_accuracy(lines, [], tmp_path / "a.png", "test"), (1440, 600))


def test_per_class_accuracy_is_over_the_true_class_and_is_what_the_confusion_plot_says(monkeypatch, tmp_path):
    """Row = true digit: of the 2 true 0s one is right (50 %), of the 3 true 2s one (33.3 %); the column
    totals (2 predicted 0s, 3 predicted 1s, 1 predicted 2) would say otherwise."""
    y = np.array([0, 0, 1, 2, 2, 2])
    pred = np.array([0, 1, 1, 2, 0, 1])
    acc = viz.per_class_accuracy(viz.confusion_matrix(y, pred))
    np.testing.assert_allclose(acc[:3], [1 / 2, 1 / 1, 1 / 3])
    assert np.isnan(acc[3:]).all()  # no true 3–9: no accuracy, not 0 %
    figures = capture_figures(monkeypatch)
    viz.plot_confusion(y, pred, tmp_path / "c.png")
    shown = texts(figures[0])
    assert {" 50.0 %  of 2", "100.0 %  of 1", " 33.3 %  of 3"} <= set(shown)
    assert any(t.startswith("Confusion matrix: 50.00 % of 6 test images right") for t in shown)


@pytest.mark.parametrize(
    ("hidden", "activation"), [((), "identity"), ((16, 16), "sigmoid"), ((64, 16), "relu"), ((300, 100), "tanh")]
)
def test_layer_activations_outputs_are_predicts_to_the_bit(hidden, activation):
    """render_run answers (confusion.png, mistakes.png) from layer_activations' z, the one pass over the test
    split it also draws neurons.png from: those answers and probabilities are images.predict's to the bit
    (layer_activations ran op by op, predict as another compiled program, and their last bits differed), so an
    answer on a near tie, and its probability, are the same wherever nnjax gives them."""
    from nnjax.images import answers, predict
    from nnjax.model import init_params

    cfg = Config(hidden=hidden, activation=activation)
    params = [{k: np.asarray(v) for k, v in layer.items()} for layer in init_params(jax.random.key(1), hidden, "he")]
    x = np.random.default_rng(0).integers(0, 256, (256, 784)).astype(np.uint8)
    z = viz.layer_activations(params, cfg, x)[-1]
    assert z.dtype == np.float32
    figures, predicted = answers(z, cfg.cost), predict(params, cfg, x)
    np.testing.assert_array_equal(figures[0], predicted[0])
    np.testing.assert_array_equal(figures[1].view(np.uint64), predicted[1].view(np.uint64))


def test_render_run_passes_the_test_split_through_the_network_once(video_run, splits_256, tmp_path, monkeypatch):
    """neurons.png's activations and the confusion and mistakes figures' answers come from one forward pass
    over the test split (there were two: layer_activations, then images.predict); activations.png's digits
    are a pass of their own, over those few images, and so are wants.png's start and noise images."""
    import nnjax.data

    passes = []
    real = nnjax.data.prepare_images
    monkeypatch.setattr(nnjax.data, "prepare_images", lambda x, *a, **k: passes.append(len(x)) or real(x, *a, **k))
    viz.render_run(video_run, tmp_path, splits=splits_256)
    assert sorted(passes) == [1, len(viz.default_digits(splits_256.y_test)), 256, viz.NOISE_IMAGES]


def test_layer_activations_of_standardized_pixels_by_hand():
    """784 → 5 (tanh) → 10, with and without --standardize, against NumPy: pixels / 255, then (− 0.1307) / 0.3081."""
    rng = np.random.default_rng(1)
    x = rng.integers(0, 256, (3, 784)).astype(np.uint8)
    params = [
        {"W": rng.normal(0, 0.05, (5, 784)).astype(np.float32), "b": rng.normal(0, 1, 5).astype(np.float32)},
        {"W": rng.normal(0, 1, (10, 5)).astype(np.float32), "b": rng.normal(0, 1, 10).astype(np.float32)},
    ]
    for standardize in (False, True):
        a0 = x / 255.0
        if standardize:
            a0 = (a0 - 0.1307) / 0.3081
        a1 = np.tanh(a0 @ params[0]["W"].T.astype(float) + params[0]["b"])
        z = a1 @ params[1]["W"].T.astype(float) + params[1]["b"]
        cfg = Config(hidden=(5,), activation="tanh", standardize=standardize)
        got = viz.layer_activations(params, cfg, x)
        for name, want, have in zip(("input", "hidden", "output"), (a0, a1, z), got):
            np.testing.assert_allclose(have, want, rtol=1e-4, atol=1e-5, err_msg=f"{standardize=}: {name}")


def test_activation_flow_reads_the_most_active_output_where_probabilities_tie(monkeypatch, tmp_path):
    """Quadratic cost, outputs z = 40 (digit 0) and 45 (digit 1): σ(z) ties at 1 in float64, z does not. The
    flow reads 1, as eval counts it, and (label 1) marks it right."""
    b = np.full(10, -5.0, np.float32)
    b[:2] = 40.0, 45.0
    params = [
        {"W": np.zeros((4, 784), np.float32), "b": np.zeros(4, np.float32)},
        {"W": np.zeros((10, 4), np.float32), "b": b},
    ]
    cfg = Config(hidden=(4,), cost="quadratic")
    figures = capture_figures(monkeypatch)
    viz.plot_activation_flow(params, cfg, np.zeros((1, 784), np.uint8), np.array([1]), [0], tmp_path / "a.png")
    import matplotlib.text

    (read,) = [t for t in figures[0].findobj(matplotlib.text.Text) if t.get_fontsize() == 20]
    assert read.get_text() == "1" and read.get_color() == "#4cc24c"  # green: right


@pytest.mark.parametrize("activation", ["gelu", "leaky_relu", "tanh"])
def test_activation_flow_titles_give_each_layers_own_range(monkeypatch, tmp_path, activation):
    """The colour scale of an activation that goes negative is symmetric about 0; the title still gives the
    values' own min … max (of the standardised input's activations), both to 3 significant digits."""
    rng = np.random.default_rng(2)
    x, y = rng.integers(0, 256, (2, 784)).astype(np.uint8), np.array([3, 5])
    params = [
        {"W": rng.normal(0, 0.03, (12, 784)).astype(np.float32), "b": rng.normal(0.5, 0.5, 12).astype(np.float32)},
        {"W": rng.normal(0, 0.3, (10, 12)).astype(np.float32), "b": np.zeros(10, np.float32)},
    ]
    cfg = Config(hidden=(12,), activation=activation, standardize=True)
    a = viz.layer_activations(params, cfg, x)[1]
    assert a.min() < 0 < a.max() and -a.min() != a.max()  # a symmetric scale would show other limits
    figures = capture_figures(monkeypatch)
    viz.plot_activation_flow(params, cfg, x, y, [0, 1], tmp_path / "a.png")
    title = f"hidden layer 1: 12 neurons\n{activation}, observed {a.min():.3g} … {a.max():.3g}"
    assert title in texts(figures[0]), [t for t in texts(figures[0]) if t.startswith("hidden")]
    unstandardized = viz.layer_activations(params, cfg.replace(standardize=False), x)[1]
    assert f"{unstandardized.min():.3g} … {unstandardized.max():.3g}" not in title  # the check can tell


def test_confusion_mistakes_and_default_digits():
    y = np.array([0, 0, 1, 2, 2, 2])
    p = np.full((6, 10), 0.01)
    for i, (pred, conf) in enumerate([(0, 0.9), (1, 0.6), (1, 0.9), (2, 0.8), (0, 0.95), (1, 0.7)]):
        p[i, pred] = conf
    counts = viz.confusion_matrix(y, p.argmax(axis=1))
    assert counts.shape == (10, 10) and counts.sum() == 6
    assert counts[0, 0] == 1 and counts[0, 1] == 1 and counts[1, 1] == 1
    assert counts[2, 2] == 1 and counts[2, 0] == 1 and counts[2, 1] == 1
    assert list(viz.confident_mistakes(y, p.argmax(axis=1), p)) == [4, 5, 1]  # wrong ones, most confident first
    assert list(viz.confident_mistakes(y, p.argmax(axis=1), p, n=2)) == [4, 5]
    assert viz.default_digits(y) == [0, 2, 3]
    # More than 16 mistakes, many equally confident (saturated probabilities tie): most confident first, and
    # among equals in test-image order, so the figure does not depend on the sort's algorithm.
    y40, pred40 = np.zeros(40, int), np.ones(40, int)
    p40 = np.zeros((40, 10))
    p40[:, 1] = np.where(np.arange(40) % 3 == 0, 1.0, 0.75)
    want = [*range(0, 40, 3), *(i for i in range(40) if i % 3)][: viz.N_MISTAKES]
    assert list(viz.confident_mistakes(y40, pred40, p40)) == want
    assert viz.percent(0.9996) == "> 99.9 %" and viz.percent(1.0) == "100.0 %" and viz.percent(0.5) == "50.0 %"


@pytest.mark.parametrize(
    "extra, needle",
    [
        (["--digits", "3,x"], "--digits: 'x' is not a test-image index"),
        (["--digits", "256"], "--digits: index 256 is outside the test split (0 … 255)"),
        (["--member", "0"], "is not a sweep folder (no sweep.json)"),
    ],
)
def test_bad_options_are_one_line(video_run, mock_data, tmp_path, capsys, extra, needle):
    with mock_data():
        assert cli_main(["viz", str(video_run), "--out", str(tmp_path), *extra]) == 1
    err = capsys.readouterr().err
    assert err.startswith("nnjax: error: ") and needle in err and len(err.splitlines()) == 1


@pytest.mark.parametrize(
    "value, why", [("0", "must be at least 1"), ("-3", "must be at least 1"), ("x", "expected an integer")]
)
def test_a_bad_max_neurons_is_a_usage_error_naming_the_flag(video_run, tmp_path, capsys, value, why):
    """render_run names its argument (max_neurons=0); the command names its flag, before the run is read."""
    with pytest.raises(SystemExit) as e:
        cli_main(["viz", str(video_run), "--out", str(tmp_path), "--max-neurons", value])
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert err == f"nnjax viz: error: argument --max-neurons: {value!r}: {why} (see nnjax viz --help)\n"


@pytest.mark.parametrize("below", ["", "figs"])
def test_out_that_is_a_file_is_one_line_and_writes_nothing(video_run, mock_data, tmp_path, capsys, below):
    """``--out README.md`` (or a folder under it): one line naming the file; the file and folder stay as they were."""
    readme = tmp_path / "README.md"
    readme.write_text("# my notes\n")
    out = readme / below if below else readme
    with mock_data():
        assert cli_main(["viz", str(video_run), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    blocked = f"{readme}: " if below else ""  # the path is said once when it is the file itself
    assert err == f"nnjax: error: --out {out}: {blocked}is a file, not a folder\n"
    assert readme.read_text() == "# my notes\n" and list(tmp_path.iterdir()) == [readme]


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux's /proc, where no folder can be made")
@pytest.mark.parametrize("sweep", [False, True])
def test_out_that_cannot_be_created_is_one_line_naming_the_flag(video_run, tmp_path, cli_error, sweep):
    """``nnjax viz RUN --out /proc/x`` said "/proc/x: No such file or directory", naming the path but not the
    flag (and ``--out /proc/x/y`` named only /proc/x); a sweep folder's learning curves alike."""
    folder = video_run
    if sweep:
        folder = tmp_path / "sweep"
        folder.mkdir()
        (folder / "sweep.json").write_text("{}")  # its --out is refused before sweep.json is read
    root = os.geteuid() == 0  # root may write in /proc (mkdir fails there); anyone else may not
    for out in ("/proc/nnjax-out", "/proc/nnjax-out/figures"):
        blocked = "/proc/nnjax-out: cannot be created (No such file or directory)" if root else "/proc: not writable"
        if root and out == "/proc/nnjax-out":
            blocked = "cannot be created (No such file or directory)"
        assert cli_error("viz", folder, "--out", out) == f"nnjax: error: --out {out}: {blocked}"


def _first_line_with(key: str, value: object):
    """A metrics-file damage: the first line's ``key`` set to ``value``."""

    def damage(text: str) -> str:
        first, *rest = text.splitlines(keepends=True)
        return json.dumps({**json.loads(first), key: value}) + "\n" + "".join(rest)

    return damage


@pytest.mark.parametrize(
    "damage, why",
    [
        (lambda text: text[:40], "line 1: cut short (no newline at its end), no complete epoch"),
        (lambda text: text.splitlines(keepends=True)[0] + "{not json\n", "line 2 is not valid JSON"),
        (lambda text: "", "empty, no epoch logged"),
        (None, "not found"),
        # a line repeated or lost would draw a false curve: refused, as --resume refuses it
        (lambda text: text.splitlines(keepends=True)[0] + text, "line 2 repeats epoch 1"),
        (lambda text: "".join(text.splitlines(keepends=True)[1:]), "line 1 is epoch 2, expected 1"),
        (_first_line_with("epoch", 0), "line 1 is epoch 0, expected 1"),  # no epoch at all: it repeats none
        # an edited value was a ValueError traceback, and no figure after the curves was drawn
        (_first_line_with("test_accuracy", "x"), "line 1: 'test_accuracy' is not a number ('x')"),
        (_first_line_with("train_loss", [1]), "line 1: 'train_loss' is not a number ([1])"),
    ],
    ids=["partial-first-line", "bad-json", "empty", "missing", "repeated-line", "lost-line", "epoch-0", "text", "list"],
)
def test_damaged_metrics_warn_and_the_other_figures_are_written(video_run, mock_data, tmp_path, capsys, damage, why):
    run = tmp_path / "run"
    shutil.copytree(video_run, run, ignore=shutil.ignore_patterns("figures"))
    metrics = run / "metrics.jsonl"
    if damage is None:
        metrics.unlink()
    else:
        metrics.write_text(damage(metrics.read_text()))
    with mock_data():
        assert cli_main(["viz", str(run), "--digits", "0"]) == 0
    captured = capsys.readouterr()
    printed = [line for line in captured.out.splitlines() if not line.startswith(SAID_LINES)]
    assert [Path(p).name for p in printed] == [f for f in FIGURES if f != "learning_curves.png"]
    assert captured.err == f"nnjax: warning: {metrics}: {why}; learning_curves.png not drawn\n"
    assert sorted(p.name for p in (run / "figures").iterdir()) == sorted(set(FIGURES) - {"learning_curves.png"})


@pytest.mark.parametrize("n_epochs", [1, 2, 7])
def test_epoch_axes_tick_whole_epochs_only(monkeypatch, tmp_path, n_epochs):
    """Learning curves, sweep curves and sweep accuracy: whole epochs on the x axis, even for one epoch."""
    figures = []
    real_save = viz._save
    monkeypatch.setattr(viz, "_save", lambda fig, path: figures.append(fig) or real_save(fig, path))
    metrics = {"train_loss": 0.5, "train_accuracy": 0.8, "test_loss": 0.4, "test_accuracy": 0.9}
    lines = [{"member": 0, "epoch": e, "seed": 0, **metrics} for e in range(1, n_epochs + 1)]
    viz.plot_learning_curves(lines, tmp_path / "curves.png")
    viz.plot_sweep_curves(lines, [], tmp_path / "sweep.png")
    viz.plot_sweep_accuracy(lines, [], tmp_path / "accuracy.png", "test")
    epoch_axes = [ax for fig in figures for ax in fig.axes if ax.get_xlabel() == "epoch"]
    assert len(epoch_axes) == 5  # loss and accuracy of each curves figure, the accuracy figure's left
    for ax in epoch_axes:
        lo, hi = ax.get_xlim()
        ticks = [t for t in ax.get_xticks() if lo <= t <= hi]
        assert ticks and all(t == round(t) for t in ticks), ticks
        if n_epochs == 1:
            assert ticks == [1]


def test_not_a_run_folder_is_one_line(tmp_path, capsys):
    assert cli_main(["viz", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("nnjax: error: ") and "not a run folder" in err and len(err.splitlines()) == 1


def test_heat_strip_keeps_every_neuron():
    a = np.arange(1024, dtype=np.float32)
    strip = viz.heat_strip(a)
    assert strip.shape == (4, 256) and np.array_equal(strip.ravel(), a)
    strip = viz.heat_strip(np.ones(300, np.float32))
    assert strip.shape == (2, 150) and not np.isnan(strip).any()
    strip = viz.heat_strip(np.ones(301, np.float32))
    assert strip.shape == (2, 151) and np.isnan(strip).sum() == 1
    assert viz.heat_strip(np.ones(100, np.float32)).shape == (1, 100)


def test_learning_curves_of_a_validation_run(tmp_path):
    lines = [
        {
            "epoch": e,
            "train_loss": 1 / e,
            "train_accuracy": 1 - 0.5 / e,
            "val_loss": 1.2 / e,
            "val_accuracy": 1 - 0.6 / e,
        }
        for e in range(1, 6)
    ]
    assert viz._eval_split(lines) == "val"
    path = viz.plot_learning_curves(lines, tmp_path / "curves.png")
    assert_drawn(path, (1100, 440))


def texts(fig) -> list[str]:
    """Every text of a figure."""
    import matplotlib.text

    return [t.get_text() for t in fig.findobj(matplotlib.text.Text)]


@pytest.mark.parametrize("h", [1, 7, 20])
def test_neuron_numbers_of_a_row_of_up_to_20_are_every_neuron(h):
    assert viz.neuron_ticks(h) == list(range(h))


@pytest.mark.parametrize("h", range(21, 33))
def test_neuron_numbers_of_a_wide_row_are_every_4th_and_the_last_kept_apart(h):
    ticks = viz.neuron_ticks(h)
    assert ticks[0] == 0 and ticks[-1] == h - 1 and all(k % 4 == 0 for k in ticks[:-1])
    assert min(b - a for a, b in zip(ticks, ticks[1:])) >= 2  # 20, 21 ran together as "2021"
    assert h - 1 - ticks[-2] < 6  # none left out that fits: the last regular one is within 4 + 2 of the end


def test_labels_stay_apart_and_say_what_they_show(monkeypatch, tmp_path):
    figures = capture_figures(monkeypatch)
    rng = np.random.default_rng(0)
    x, y = rng.integers(0, 256, (2, 784), dtype=np.uint8), np.array([3, 5])
    widths = (22, 26, 30, 32)
    for hidden in (*((h,) for h in widths), (256,), (1024,)):
        cfg = Config(hidden=hidden, activation="relu")
        params = [
            {"W": rng.normal(size=(o, i)).astype(np.float32), "b": np.zeros(o, np.float32)}
            for i, o in zip((784, *hidden), (*hidden, 10))
        ]
        viz.plot_activation_flow(params, cfg, x, y, [0, 1], tmp_path / f"a{hidden[0]}.png")
    # (0–9 are also the output bars' ticks) every 4th neuron number and the last, none too close to it
    expected = {
        22: {"12", "16", "21"},
        26: {"12", "16", "20", "25"},
        30: {"12", "16", "20", "24", "29"},
        32: {"12", "16", "20", "24", "28", "31"},
    }
    for h, fig in zip(widths, figures):
        assert {t for t in texts(fig) if t.isdigit() and 10 <= int(t) < h} == expected[h], h
        numbers = [t for t in fig.axes[-3].texts if t.get_text().isdigit()]  # the last digit's hidden layer
        assert [int(t.get_text()) for t in numbers] == sorted(int(e) for e in expected[h] | {"0", "4", "8"})
        boxes = [t.get_window_extent() for t in numbers]
        gaps = [b.x0 - a.x1 for a, b in zip(boxes, boxes[1:])]
        assert min(gaps) >= 3, f"{h} neurons: numbers {min(gaps):.1f} px apart"  # "2021": 1 px
    two_fifty_six, wide = (texts(fig) for fig in figures[len(widths) :])
    assert any(t.startswith("hidden layer 1: 256 neurons\n") for t in two_fifty_six)  # one strip: no "rows of"
    assert any(t.startswith("hidden layer 1: 1024 neurons  (4 rows of 256)") for t in wide)

    W, b = rng.normal(size=(10, 784)).astype(np.float32), np.zeros(10, np.float32)
    viz.plot_weights(W, b, tmp_path / "w.png", output_layer=True)  # no hidden layer: the digits' weights
    viz.plot_weights(W, b, tmp_path / "w2.png")
    digits, neurons = (texts(fig) for fig in figures[len(widths) + 2 :])
    assert "digit 0  b=+0.00" in digits and any(t.startswith("Output weights: all 10 digits") for t in digits)
    assert "neuron 0  b=+0.00" in neurons and any(t.startswith("First-layer weights: all 10 neurons") for t in neurons)


@pytest.mark.parametrize("n, size", [(1, (550, 340)), (2, (550, 340)), (4, (550, 410)), (16, (690, 720))])
def test_weights_title_and_colour_bar_label_fit_for_few_neurons(monkeypatch, tmp_path, n, size):
    """``--max-neurons 1`` (or 4) drew a figure narrower than its title and shorter than its colour bar's label,
    cutting both off at the edges."""
    import matplotlib.text

    figures = capture_figures(monkeypatch)
    rng = np.random.default_rng(0)
    W, b = rng.normal(size=(16, 784)).astype(np.float32), np.zeros(16, np.float32)
    viz.plot_weights(W, b, tmp_path / "w.png", max_neurons=n, subject="member 123 (leaky_relu)")
    got = Image.open(tmp_path / "w.png").size  # the same for every member number and activation
    assert max(abs(got[0] - size[0]), abs(got[1] - size[1])) <= 1, got  # matplotlib 3.9 can round a pixel lower
    fig = figures[0]
    width, height = fig.bbox.width, fig.bbox.height
    shown = [t for t in fig.findobj(matplotlib.text.Text) if t.get_text() and t.get_visible()]
    assert any("First-layer weights" in t.get_text() for t in shown)
    assert any(t.get_text().startswith("weight (clipped") for t in shown)
    for t in shown:
        box = t.get_window_extent()
        assert box.x0 >= 0 and box.y0 >= 0 and box.x1 <= width and box.y1 <= height, (n, t.get_text(), box)


def test_each_weights_panel_is_its_own_neurons_weights_on_the_99th_percentile_scale(monkeypatch, tmp_path):
    """Panel i shows row i of W as 28×28 with its own bias in the title, every panel on ±(99th percentile
    of |w| of the neurons shown)."""
    figures = capture_figures(monkeypatch)
    rng = np.random.default_rng(4)
    W, b = rng.normal(size=(6, 784)).astype(np.float32), rng.normal(size=6).astype(np.float32)
    W[0, 0] = 50.0  # one large weight: clipped, not the scale
    viz.plot_weights(W, b, tmp_path / "w.png", max_neurons=5)
    assert any(t.startswith("First-layer weights: the first 5 of 6 neurons (green +") for t in texts(figures[0]))
    panels = [ax for ax in figures[0].axes if ax.images and ax.get_title()]
    assert len(panels) == 5
    vmax = np.percentile(np.abs(W[:5]), 99)
    for i, ax in enumerate(panels):
        np.testing.assert_array_equal(ax.images[0].get_array(), W[i].reshape(28, 28))
        assert ax.get_title() == f"neuron {i}  b={b[i]:+.2f}"
        assert ax.images[0].get_clim() == pytest.approx((-vmax, vmax))


def test_weights_that_are_all_zero_are_drawn_white_as_zero_is(monkeypatch, tmp_path):
    """Their 99th percentile is 0: the scale is ±1 then, not 0 … 0 (which drew every zero weight deep pink)."""
    figures = capture_figures(monkeypatch)
    viz.plot_weights(np.zeros((4, 784), np.float32), np.zeros(4, np.float32), tmp_path / "w.png")
    panels = [ax for ax in figures[0].axes if ax.images and ax.get_title()]
    assert len(panels) == 4
    for ax in panels:
        assert ax.images[0].get_clim() == (-1.0, 1.0)
        assert min(ax.images[0].to_rgba(np.zeros((1, 1)))[0, 0, :3]) > 0.9  # white, as the title says 0 is


def test_mistakes_figure_of_a_network_with_no_mistake_says_so(monkeypatch, tmp_path):
    figures = capture_figures(monkeypatch)
    y = np.array([0, 1, 2])
    p = np.full((3, 10), 0.01)
    p[np.arange(3), y] = 0.9
    viz.plot_mistakes(np.zeros((3, 784), np.uint8), y, y, p, tmp_path / "m.png")
    shown = texts(figures[0])
    assert "no mistakes on the test split" in shown and not any(ax.images for ax in figures[0].axes)
    assert "The most confident mistakes (0 of 0 wrong test images): true → predicted (probability)" in shown
    p[0, 1] = 0.95  # one mistake: its panel, no "no mistakes"
    viz.plot_mistakes(np.zeros((3, 784), np.uint8), y, p.argmax(axis=1), p, tmp_path / "m.png")
    assert "no mistakes on the test split" not in texts(figures[1])
    assert sum(bool(ax.images) for ax in figures[1].axes) == 1


def test_each_row_of_the_activation_flow_is_its_own_digit(monkeypatch, tmp_path):
    """Row r draws image r, the hidden activations of image r (one circle each) and the probabilities of
    image r; the mistakes figure draws each mistake's own image."""
    from nnjax.costs import probabilities

    figures = capture_figures(monkeypatch)
    rng = np.random.default_rng(5)
    x, y = rng.integers(0, 256, (3, 784)).astype(np.uint8), np.array([1, 2, 3])
    params = [
        {"W": rng.normal(0, 0.05, (6, 784)).astype(np.float32), "b": rng.normal(0, 1, 6).astype(np.float32)},
        {"W": rng.normal(0, 1, (10, 6)).astype(np.float32), "b": rng.normal(0, 1, 10).astype(np.float32)},
    ]
    cfg = Config(hidden=(6,), activation="tanh")
    viz.plot_activation_flow(params, cfg, x, y, [7, 8, 9], tmp_path / "a.png")
    a_Dx6, z_Dx10 = viz.layer_activations(params, cfg, x)[1:]
    p_Dx10 = probabilities(z_Dx10, cfg.cost)
    axes = figures[0].axes  # per row: input, hidden layer, output bars, the answer
    assert len(axes) == 3 * 4
    for r in range(3):
        image, hidden, bars = axes[4 * r : 4 * r + 3]
        np.testing.assert_array_equal(image.images[0].get_array(), x[r].reshape(28, 28))
        np.testing.assert_allclose(hidden.collections[0].get_array(), a_Dx6[r], rtol=1e-6)
        np.testing.assert_allclose([bar.get_height() for bar in bars.patches], p_Dx10[r], rtol=1e-6)
    pred = np.array([0, 1, 1, 4, 4])
    p = np.full((5, 10), 0.05)
    p[np.arange(5), pred] = [0.5, 0.6, 0.7, 0.8, 0.9]
    xs = rng.integers(0, 256, (5, 784)).astype(np.uint8)
    viz.plot_mistakes(xs, np.array([0, 0, 0, 0, 0]), pred, p, tmp_path / "m.png")
    shown = [ax for ax in figures[1].axes if ax.images]
    assert [ax.get_title().split("\n")[0] for ax in shown] == ["#4", "#3", "#2", "#1"]
    for ax, i in zip(shown, (4, 3, 2, 1)):
        np.testing.assert_array_equal(ax.images[0].get_array(), xs[i].reshape(28, 28))


def test_learning_curves_say_the_last_values_and_mark_the_best_epoch(monkeypatch, tmp_path):
    """A run whose test accuracy peaks at epoch 2 of 3: the legends give each curve's last value and the best
    epoch's accuracy, and each curve draws its own column (a diverged epoch left out); the train curves say
    they are means over each epoch's mini-batches (they read 'train', as if of the epoch-end parameters)."""
    figures = capture_figures(monkeypatch)
    lines = [
        {"epoch": 1, "train_loss": 0.9, "train_accuracy": 0.6, "test_loss": 0.8, "test_accuracy": 0.7},
        {"epoch": 2, "train_loss": 0.5, "train_accuracy": 0.8, "test_loss": 0.4, "test_accuracy": 0.9},
        {"epoch": 3, "train_loss": 0.3, "train_accuracy": 0.9, "test_loss": 0.6, "test_accuracy": 0.85},
        {
            "epoch": 4,
            "train_loss": 1e30,
            "train_accuracy": 0.1,
            "test_loss": 1e30,
            "test_accuracy": 0.1,
            "finite": False,
        },
    ]
    viz.plot_learning_curves(lines, tmp_path / "c.png")
    ax_loss, ax_acc = figures[0].axes
    labels = ax_loss.get_legend_handles_labels()[1] + ax_acc.get_legend_handles_labels()[1]
    assert labels == [
        "train (mean over the epoch's batches, last 0.3000)",
        "test (last 0.6000)",
        "train (mean over the epoch's batches, last 90.00 %)",
        "test (last 85.00 %)",
        "best test: 90.00 % (epoch 2)",
    ]
    drawn = {line.get_label(): list(line.get_ydata()) for line in ax_loss.get_lines() + ax_acc.get_lines()}
    assert drawn["train (mean over the epoch's batches, last 0.3000)"] == [0.9, 0.5, 0.3]
    assert drawn["test (last 0.6000)"] == [0.8, 0.4, 0.6]
    assert drawn["test (last 85.00 %)"] == pytest.approx([70, 90, 85])
    assert drawn["best test: 90.00 % (epoch 2)"] == pytest.approx([90])


def test_group_curves_are_the_mean_of_three_seeds_and_a_members_curves_its_own(tmp_path):
    """Three members: the mean, not the median; a sweep member's learning curves are its own lines only."""
    lines = [
        {"group": "g", "member": k, "epoch": 1, "seed": k, "test_accuracy": a} for k, a in enumerate((0.5, 0.6, 0.91))
    ]
    e, mean, lo, hi, n = viz.group_curves(lines, [], "test_accuracy")["all members"]
    assert n == 3 and list(e) == [1] and list(lo) == [0.5] and list(hi) == [0.91]
    np.testing.assert_allclose(mean, [(0.5 + 0.6 + 0.91) / 3])
    path = tmp_path / "metrics.jsonl"
    path.write_text("".join(json.dumps(m) + "\n" for m in lines))
    assert viz._curve_lines(path, member=1) == ([lines[1]], "")
    assert viz._curve_lines(path, member=5) == ([], f"{path}: no line of member 5")
    # A member's line repeated is named as that member's (as --resume names it); a file of blank lines is empty
    path.write_text("".join(json.dumps(m) + "\n" for m in [*lines, lines[1]]))
    assert viz._curve_lines(path, member=1) == ([], f"{path}: line 4 repeats member 1's epoch 1")
    path.write_text("\n\n")
    assert viz._curve_lines(path) == ([], f"{path}: empty, no epoch logged")


def test_sweep_curves_train_line_is_the_mean_over_the_members(monkeypatch, tmp_path):
    """The dashed train curve of a setting is the mean of its members' train metrics (not their max)."""
    figures = capture_figures(monkeypatch)
    lines = [
        {"member": k, "epoch": e, "seed": k, "train_loss": 0.5 + 0.2 * k / e, "train_accuracy": 0.8 + 0.1 * k / e,
         "test_loss": 0.4, "test_accuracy": 0.9}
        for k in (0, 1) for e in (1, 2)
    ]  # fmt: skip
    viz.plot_sweep_curves(lines, [], tmp_path / "c.png")
    for ax, column, scale in zip(figures[0].axes, ("train_loss", "train_accuracy"), (1, 100)):
        (train,) = [line for line in ax.get_lines() if line.get_linestyle() == "--" and len(line.get_xdata())]
        want = [scale * np.mean([m[column] for m in lines if m["epoch"] == e]) for e in (1, 2)]
        np.testing.assert_allclose(train.get_ydata(), want)


# --------------------------------------------------------------------------------------------------
# What each figure says and how it colours it, checked on the figures' own artists (written against
# surviving mutants of nnjax/viz.py: each test fails when the behaviour it names is changed).
# --------------------------------------------------------------------------------------------------


def test_mistakes_give_the_probability_of_the_answer_and_count_the_wrong_images(monkeypatch, tmp_path):
    """Each mistake's title is "true → predicted (probability of the predicted digit)", not of the true one;
    the title counts the wrong images (4 of 5 here), not the right ones."""
    figures = capture_figures(monkeypatch)
    y = np.array([0, 0, 0, 0, 0])
    pred = np.array([0, 1, 1, 4, 4])
    p = np.full((5, 10), 0.01)
    p[np.arange(5), pred] = [0.5, 0.6, 0.7, 0.8, 0.9]
    p[:, 0] = [0.5, 0.3, 0.2, 0.15, 0.05]  # the true digit's probability: different from the answer's
    viz.plot_mistakes(np.zeros((5, 784), np.uint8), y, pred, p, tmp_path / "m.png")
    (fig,) = figures
    shown = [ax.get_title() for ax in fig.axes if ax.images]
    assert shown == ["#4\n0 → 4 (90.0 %)", "#3\n0 → 4 (80.0 %)", "#2\n0 → 1 (70.0 %)", "#1\n0 → 1 (60.0 %)"]
    title = "The most confident mistakes (4 of 4 wrong test images): true → predicted (probability)"
    assert title in texts(fig)  # 4 wrong, 1 right: the count is of the wrong ones
    # 40 wrong: 32 shown, of all 40 (not of the 32 shown)
    y41, pred41, p41 = np.r_[np.zeros(40, int), 1], np.ones(41, int), np.full((41, 10), 0.01)
    p41[:, 1] = 0.9
    viz.plot_mistakes(np.zeros((41, 784), np.uint8), y41, pred41, p41, tmp_path / "m.png")
    assert sum(bool(ax.images) for ax in figures[1].axes) == viz.N_MISTAKES == 32
    title = "The most confident mistakes (32 of 40 wrong test images): true → predicted (probability)"
    assert title in texts(figures[1])


def flow_params(b_hidden: list[float], b_out: np.ndarray) -> list[dict]:
    """784 → len(b_hidden) → 10 with zero weights: every digit's hidden values are σ(b_hidden), its outputs b_out."""
    h = len(b_hidden)
    return [
        {"W": np.zeros((h, 784), np.float32), "b": np.array(b_hidden, np.float32)},
        {"W": np.zeros((10, h), np.float32), "b": np.asarray(b_out, np.float32)},
    ]


def test_activation_flow_reads_the_answers_probability_and_colours_its_bar(monkeypatch, tmp_path):
    """Two digits that both read 2 (probability 40.8 %): label 2, right, green; label 7 (15.0 %), wrong, red. The
    "reads" column gives the answer's probability, not the label's, and only the answer's bar has the verdict's
    colour."""
    from matplotlib.colors import to_rgba

    from nnjax.costs import probabilities

    b_out = np.zeros(10, np.float32)
    b_out[2], b_out[7] = 2.0, 1.0
    cfg = Config(hidden=(4,))
    figures = capture_figures(monkeypatch)
    y = np.array([2, 7])
    x = np.zeros((2, 784), np.uint8)
    viz.plot_activation_flow(flow_params([0.0] * 4, b_out), cfg, x, y, [0, 1], tmp_path / "a.png")
    p = probabilities(b_out[None].astype(np.float64), cfg.cost)[0]
    assert viz.percent(p[2]) == "40.8 %" and viz.percent(p[7]) == "15.0 %"
    axes = figures[0].axes  # per row: input, hidden layer, output bars, the answer
    for r, verdict in ((0, "#4cc24c"), (1, "#ff5a4a")):
        bars, reads = axes[4 * r + 2], axes[4 * r + 3]
        assert [t.get_text() for t in reads.texts] == ["2", "40.8 %"], r
        colours = [bar.get_facecolor() for bar in bars.patches]
        assert colours[2] == to_rgba(verdict), r
        assert all(c == to_rgba("0.6") for k, c in enumerate(colours) if k != 2), r


@pytest.mark.parametrize(
    "activation, b_hidden, cmap, scale",
    [
        ("relu", [-1.0, 0.5, 2.0, 3.0], "gray", (0.0, 3.0)),  # min 0: nothing negative to tell apart
        ("tanh", [-0.5, 0.2, 1.0, 2.0], "RdBu_r", (-np.tanh(2.0), np.tanh(2.0))),  # symmetric: the larger side
        ("sigmoid", [-12.0, 0.0, 1.0, 5.0], "gray", (0.0, 1.0)),  # always 0 … 1, whatever the values reach
    ],
)
def test_activation_flow_colour_scale_of_each_activation(monkeypatch, tmp_path, activation, b_hidden, cmap, scale):
    """A hidden layer's circles: values ≥ 0 on a gray scale from 0 to their max; values of both signs on a
    diverging map centred at 0 that reaches the larger of |min| and max; sigmoid on a fixed 0 … 1. The title
    gives the values' own range, a tiny one (σ(−12) = 6e-06 next to 0.993) as 0."""
    cfg = Config(hidden=(4,), activation=activation)
    figures = capture_figures(monkeypatch)
    x, y = np.zeros((2, 784), np.uint8), np.array([0, 1])
    viz.plot_activation_flow(flow_params(b_hidden, np.zeros(10)), cfg, x, y, [0, 1], tmp_path / "a.png")
    for r in range(2):
        (circles,) = figures[0].axes[4 * r + 1].collections
        assert circles.get_cmap().name == cmap
        assert circles.get_clim() == pytest.approx(scale, rel=1e-6)
    if activation == "sigmoid":
        assert "hidden layer 1: 4 neurons\nsigmoid, observed 0 … 0.993" in texts(figures[0])  # the scale: 0 … 1


def test_confusion_shades_right_answers_green_and_mistakes_red_on_their_own_scale(monkeypatch, tmp_path):
    """50 of 52 true 0s right (2 read 1), 10 of 11 true 1s right (1 reads 0): each diagonal cell is green by its
    class's accuracy; the commonest mistake (2) is the deepest red, though the diagonal holds 25 times more."""
    from matplotlib.colors import to_rgba

    y = np.array([0] * 52 + [1] * 11)
    pred = np.array([0] * 50 + [1] * 2 + [1] * 10 + [0])
    figures = capture_figures(monkeypatch)
    viz.plot_confusion(y, pred, tmp_path / "c.png")
    rgba = figures[0].axes[0].images[0].get_array()
    green, red, white = np.array(to_rgba("tab:green")), np.array(to_rgba("tab:red")), np.ones(4)

    def shade(colour, strength):
        return (1 - strength) * white + strength * colour

    np.testing.assert_allclose(rgba[0, 0], shade(green, 0.25 + 0.5 * 50 / 52))
    np.testing.assert_allclose(rgba[1, 1], shade(green, 0.25 + 0.5 * 10 / 11))
    np.testing.assert_allclose(rgba[0, 1], shade(red, 0.75))  # the largest mistake: full strength
    np.testing.assert_allclose(rgba[1, 0], shade(red, 0.75 * 0.5**0.7))
    off = ~np.eye(10, dtype=bool)
    off[0, 1] = off[1, 0] = False
    np.testing.assert_allclose(rgba[off], 1.0)  # no mistake: white
    counts = [(t.get_position(), t.get_text()) for t in figures[0].axes[0].texts if t.get_text().isdigit()]
    assert counts == [((0, 0), "50"), ((1, 0), "2"), ((0, 1), "1"), ((1, 1), "10")]  # (column, row); no "0" anywhere


@pytest.mark.parametrize("seeds", [2, 1])
def test_sweep_accuracy_last_epoch_panel_puts_the_best_on_top_with_its_mean(monkeypatch, tmp_path, seeds):
    """Last epoch of three settings (means 82, 92, 97 % over two seeds): the right panel lists them worst to best
    upwards, labelled by the varied field's values only, each with its mean (not its max); the titles say
    "mean over seeds" only when a setting has several members."""
    figures = capture_figures(monkeypatch)
    groups = {"sigmoid": [0.90, 0.94], "relu": [0.96, 0.98], "tanh": [0.80, 0.84]}
    lines = sweep_lines({k: v[:seeds] for k, v in groups.items()}, seeds=seeds)
    viz.plot_sweep_accuracy(lines, ["activation"], tmp_path / "a.png", "test")
    ax, ax_end = figures[0].axes
    assert [t.get_text() for t in ax_end.get_yticklabels()] == ["tanh", "sigmoid", "relu"]
    assert list(ax_end.get_yticks()) == [0, 1, 2]
    means = [100 * np.mean(groups[a][:seeds]) for a in ("tanh", "sigmoid", "relu")]
    assert [(a.xy[1], a.get_text()) for a in ax_end.texts] == [(y, f"{m:.2f}") for y, m in enumerate(means)]
    if seeds == 2:
        assert ax.get_title() == "test accuracy per epoch: mean over seeds, band = min–max"
        assert ax_end.get_title() == "last epoch\nmean, min–max over seeds"
    else:
        assert ax.get_title() == "test accuracy per epoch: one member per setting"
        assert ax_end.get_title() == "last epoch"


def test_sweep_accuracy_of_more_than_20_settings_gives_each_its_own_colour(monkeypatch, tmp_path):
    """21 settings (beyond matplotlib's 20 distinct colours) of a field without an order (a numeric one's are
    coloured in order: test_sweep_figures_of_a_numeric_field_of_many_values_colour_them_in_order): colours spread
    along a rainbow, all different."""
    figures = capture_figures(monkeypatch)
    lines = [{"member": k, "epoch": 1, "init": f"i{k}", "test_accuracy": 0.5 + 0.01 * k} for k in range(21)]
    viz.plot_sweep_accuracy(lines, ["init"], tmp_path / "a.png", "test")
    curves = [line for line in figures[0].axes[0].get_lines() if line.get_label().startswith("init=")]
    assert len(curves) == 21 and len({tuple(line.get_color()) for line in curves}) == 21


def test_validation_runs_curves_are_labelled_validation(monkeypatch, tmp_path):
    """A --validation run's metrics (val_*): its curves and best epoch say "validation", not "test"; so does a
    sweep's legend."""
    figures = capture_figures(monkeypatch)
    lines = [
        {"member": 0, "epoch": e, "seed": 0, "train_loss": 1 / e, "train_accuracy": 1 - 0.5 / e,
         "val_loss": 1.2 / e, "val_accuracy": 1 - 0.6 / e}
        for e in (1, 2)
    ]  # fmt: skip
    viz.plot_learning_curves(lines, tmp_path / "c.png")
    viz.plot_sweep_curves(lines, [], tmp_path / "s.png")
    curves, swept = figures
    labels = [label for ax in curves.axes for label in ax.get_legend_handles_labels()[1]]
    assert labels == [
        "train (mean over the epoch's batches, last 0.5000)",
        "validation (last 0.6000)",
        "train (mean over the epoch's batches, last 75.00 %)",
        "validation (last 70.00 %)",
        "best validation: 70.00 % (epoch 2)",
    ]
    assert [t.get_text() for t in swept.legends[0].get_texts()][0] == "validation (band: min–max)"


def sweep_folder(path: Path, lines: list[dict] | None) -> Path:
    """A sweep folder over activation × seed as ``nnjax sweep`` starts it (sweep.json), with ``lines`` as its
    metrics.jsonl (None: no metrics file)."""
    from nnjax.config import CONFIG_FORMAT

    path.mkdir(parents=True)
    base = Config(hidden=(8,), epochs=2)
    spec = {
        "sweep_format": sweep.SWEEP_FORMAT,
        "base": {"config_format": CONFIG_FORMAT, **base.to_dict()},
        "grid": {"activation": ["sigmoid", "relu"], "seed": [0, 1]},
    }
    (path / "sweep.json").write_text(json.dumps(spec))
    if lines is not None:
        (path / "metrics.jsonl").write_text("".join(json.dumps({"group": "g0", **m}) + "\n" for m in lines))
    return path


@pytest.mark.parametrize("lines", [[], None], ids=["empty", "missing"])
def test_a_sweep_with_no_metrics_yet_is_one_line_not_every_member_diverged(tmp_path, cli_error, lines):
    """A sweep that has not finished an epoch (metrics.jsonl empty, as ``nnjax sweep`` starts it, or missing):
    nothing to plot yet, not a warning that every member diverged."""
    out = sweep_folder(tmp_path / "sweep", lines)
    err = cli_error("viz", out)
    assert err == f"nnjax: error: {out}: metrics.jsonl is empty or missing: nothing to plot yet"
    assert not (out / "figures" / "learning_curves.png").exists()


def test_digits_on_a_sweep_folder_warn_that_they_apply_to_run_folders(tmp_path, cli):
    lines = sweep_lines({"sigmoid": [0.9, 0.91], "relu": [0.92, 0.93]})
    out = sweep_folder(tmp_path / "sweep", lines)
    rc, printed, err = cli("viz", out, "--digits", "3")
    assert rc == 0 and printed == f"{out / 'figures' / 'learning_curves.png'}\n"
    why = "to a network's figures (a run folder, or a sweep folder with --member N); a sweep folder alone gets learning"
    assert err == f"nnjax: warning: --digits applies {why} curves\n"
    rc, printed, err = cli("viz", out)
    assert rc == 0 and err == ""
    # so do the other flags of a network's figures (they were ignored without a word)
    rc, printed, err = cli("viz", out, "--max-neurons", "8", "--tfds-dir", tmp_path, "--data-dir", tmp_path)
    assert rc == 0 and printed == f"{out / 'figures' / 'learning_curves.png'}\n"
    assert err == f"nnjax: warning: --max-neurons, --data-dir, --tfds-dir apply {why} curves\n"
    rc, printed, err = cli("viz", out, "--epoch", "1")  # a sweep member's too, which --member names
    assert rc == 0 and err == f"nnjax: warning: --epoch applies {why} curves\n"


@pytest.mark.parametrize(
    "option, value, said",
    [
        ("target", "x", "target 'x': "),
        ("replicates", ["nope"], "replicates: 'nope' is not a config field"),
        ("baseline", {"activation": "tanh"}, "baseline: activation=tanh is not in the grid"),
    ],
)
def test_a_bad_stored_option_of_sweep_json_is_a_warning_and_the_curves_are_drawn(tmp_path, cli, option, value, said):
    """sweep.json edited by hand ("target": "x") stopped nnjax viz SWEEP before any figure; the curves need none of
    its stored options: drawn without the bad one, said in one warning line naming the file, option and value.
    A good option beside it is still drawn (the target's line)."""
    lines = sweep_lines({"sigmoid": [0.9, 0.91], "relu": [0.92, 0.93]})
    out = sweep_folder(tmp_path / "sweep", lines)
    spec = json.loads((out / "sweep.json").read_text())
    good = {} if option == "target" else {"target": 0.9}
    (out / "sweep.json").write_text(json.dumps({**spec, **good, option: value}))
    targets = []
    real = viz.plot_sweep_curves
    viz_plot = lambda lines, varied, path, title="", target=None, every=None: (  # noqa: E731
        targets.append(target) or real(lines, varied, path, title, target, every)
    )
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(viz, "plot_sweep_curves", viz_plot)
        rc, printed, err = cli("viz", out)
    assert rc == 0 and printed == f"{out / 'figures' / 'learning_curves.png'}\n"
    assert targets == [good.get("target")]
    assert err.count("\n") == 1 and err.startswith(f"nnjax: warning: {out / 'sweep.json'}: {said}"), err
    assert err.endswith("; drawn without it (edited by hand?)\n")


def test_stored_replicates_that_do_not_read_are_one_warning_not_a_second_on_the_baseline(tmp_path, cli):
    """A baseline is a row of the table its replicates make: with replicates that do not read, viz said so and then
    checked the baseline against the default replicates (seed) instead, warning a second time for the same edit,
    about a baseline that may be right for the replicates meant; it is now left unchecked (viz draws no baseline),
    as ``nnjax summary`` leaves it."""
    out = sweep_folder(tmp_path / "sweep", sweep_lines({"sigmoid": [0.9, 0.91], "relu": [0.92, 0.93]}))
    spec = json.loads((out / "sweep.json").read_text())
    (out / "sweep.json").write_text(json.dumps({**spec, "replicates": ["nope"], "baseline": {"seed": 0}}))
    rc, printed, err = cli("viz", out)
    assert rc == 0 and printed == f"{out / 'figures' / 'learning_curves.png'}\n"
    assert err.count("\n") == 1 and err.startswith(f"nnjax: warning: {out / 'sweep.json'}: replicates: 'nope' "), err
    options = sweep.load_sweep_options(out, on_bad=lambda e: None)
    assert options == {"target": None, "replicates": None, "baseline": None}


def test_the_one_warning_on_stored_replicates_names_the_baseline_dropped_with_them(tmp_path, cli):
    """With replicates that do not read, viz's one warning named them and left the stored baseline out unsaid (as
    ``nnjax summary``'s refusal did): a reader mending the replicates did not learn the baseline went unread and
    may be refused next. The one line names it too; without a stored baseline the line is as it was."""
    out = sweep_folder(tmp_path / "sweep", sweep_lines({"sigmoid": [0.9, 0.91], "relu": [0.92, 0.93]}))
    spec = json.loads((out / "sweep.json").read_text())
    said = '(baseline {"seed": 0}, a row of the table they make, is not read with them); drawn without it'
    (out / "sweep.json").write_text(json.dumps({**spec, "replicates": ["nope"], "baseline": {"seed": 0}}))
    rc, printed, err = cli("viz", out)
    assert rc == 0 and printed == f"{out / 'figures' / 'learning_curves.png'}\n"
    assert err.count("\n") == 1 and err.startswith(f"nnjax: warning: {out / 'sweep.json'}: replicates: 'nope' "), err
    assert err.endswith(f"{said} (edited by hand?)\n"), err
    with pytest.raises(ConfigError) as e:  # nnjax summary's refusal names it too
        sweep.load_sweep_options(out)
    assert said.split(";")[0] in str(e.value)
    (out / "sweep.json").write_text(json.dumps({**spec, "replicates": ["nope"]}))
    rc, _, err = cli("viz", out)
    assert rc == 0 and err.count("\n") == 1 and "baseline" not in err, err


def test_viz_max_neurons_default_is_render_runs():
    """The flag is None unless given (so that a sweep folder can say it is unused); the CLI's default, which its
    help shows, is render_run's."""
    import inspect

    from nnjax.cli import DEFAULT_MAX_NEURONS, build_parser

    assert inspect.signature(viz.render_run).parameters["max_neurons"].default == DEFAULT_MAX_NEURONS
    assert build_parser().parse_args(["viz", "RUN"]).max_neurons is None


@pytest.fixture(scope="module")
def linear_run(tmp_path_factory, splits_256) -> Path:
    """A network with no hidden layer (``--hidden none``, 784-10) trained 1 epoch on mock MNIST."""
    out = tmp_path_factory.mktemp("viz") / "linear"
    train_and_evaluate(
        Config(hidden=(), epochs=1, batch_size=32, checkpoint_every=0), out, progress=False, splits=splits_256
    )
    return out


def test_a_network_with_no_hidden_layer_shows_each_digits_weights(linear_run, splits_256, tmp_path, monkeypatch):
    """784-10: the first layer is the output layer, so weights.png is the 10 digits' weights, not "neurons"."""
    figures = capture_figures(monkeypatch)
    viz.render_run(linear_run, tmp_path, splits=splits_256)
    shown = texts(figures[0])
    assert any(t.startswith("Output weights: all 10 digits (green +") for t in shown), shown
    assert sum(t.startswith("digit ") for t in shown) == 10 and not any(t.startswith("neuron ") for t in shown)
    assert not (tmp_path / "neurons.png").exists()  # no hidden neuron to show


def test_top_inputs_rank_each_hidden_neurons_images_by_w_a_plus_b():
    """Three images, a 784-2-3-10 network: neuron 0 is driven by pixel 0, neuron 1 against it; a sigmoid
    saturated at 1 for every image still ranks them by W a + b (as 1.0 they would tie, in the images' order)."""
    import jax

    from nnjax.config import Config

    W1 = np.zeros((2, 784), np.float32)
    W1[0, 0], W1[1, 0] = 100.0, -1.0
    params = [
        {"W": W1, "b": np.array([50.0, 0.0], np.float32)},
        {"W": np.ones((3, 2), np.float32), "b": np.zeros(3, np.float32)},
        {"W": np.ones((10, 3), np.float32), "b": np.zeros(10, np.float32)},
    ]
    x = np.zeros((3, 784), np.uint8)
    x[1, 0], x[2, 0] = 100, 255
    acts = viz.layer_activations(params, Config(hidden=(2, 3)), x)
    assert float(jax.device_get(acts[1][:, 0]).min()) == 1.0  # σ saturated: no order left in the activations
    top = viz.top_inputs(params, acts, n=2)
    assert [t.tolist() for t in top] == [[[2, 1], [0, 1]], [[0, 1], [0, 1], [0, 1]]]
    assert [t.shape for t in viz.top_inputs(params, acts)] == [(2, 3), (3, 3)]  # N_TOP capped at the 3 images


def test_neurons_panels_show_each_neurons_top_images_and_the_title_counts_them(monkeypatch, tmp_path):
    """Panel k of a layer is neuron k's top images, strongest at the top left, on the fixed 0–255 grey
    scale; a test split of 4 images fills 4 of the 6 tiles (the rest black) and the title says 4, not 6."""
    figures = capture_figures(monkeypatch)
    x = np.zeros((4, 784), np.uint8)
    for i in range(4):
        x[i, i * 100 : i * 100 + 50] = 60 * (i + 1)  # four distinct images, none reaching 255
    top = [np.array([[3, 2, 1, 0], [0, 1, 2, 3], [1, 0, 3, 2]]), np.array([[2, 3, 0, 1]])]
    viz.plot_neurons(x, top, tmp_path / "n.png", max_neurons=2)
    title = next(t for t in texts(figures[0]) if t.startswith("What each hidden neuron"))
    assert "the 4 test digits with the largest W a + b" in title and "6" not in title
    assert "the first 2 of layer 1, all 1 of layer 2" in title.replace("\n", " ")
    panels = [ax for ax in figures[0].axes if ax.images]
    assert [ax.get_title() for ax in panels] == ["layer 1 neuron 0", "layer 1 neuron 1", "layer 2 neuron 0"]
    for ax, order in zip(panels, ([3, 2, 1, 0], [0, 1, 2, 3], [2, 3, 0, 1])):
        tiles = np.asarray(ax.images[0].get_array()).reshape(2, 28, 3, 28).transpose(0, 2, 1, 3).reshape(6, 784)
        np.testing.assert_array_equal(tiles[:4], x[order])
        assert not tiles[4:].any()  # no fifth or sixth image: black
        assert ax.images[0].get_clim() == (0, 255)


@pytest.mark.parametrize(
    ("sizes", "max_neurons", "says"),
    [
        ((16, 16), 64, "all 16 of layers 1 and 2"),
        ((16,) * 5, 64, "all 16 of layers 1–5"),
        ((16,) * 8, 64, "all 16 of layers 1–8"),
        ((20, 16, 20, 16, 20), 18, "the first 18 of layers 1, 3 and 5, all 16 of layers 2 and 4"),
        ((50, 40, 30, 20, 10), 64, "every neuron"),
    ],
)
def test_the_neurons_title_says_which_neurons_of_every_layer_whole(monkeypatch, tmp_path, sizes, max_neurons, says):
    """The title named each layer ('all 16 of layer 1, all 16 of layer 2, …'): with 5 hidden layers and a sweep
    member's name it was cut at two lines ('… all 16 of layer …'). Layers drawn alike are said once, and the
    title fits the figure's width."""
    import matplotlib.text

    figures = capture_figures(monkeypatch)
    x = np.zeros((6, 784), np.uint8)
    top = [np.tile(np.arange(6), (h, 1)) for h in sizes]
    viz.plot_neurons(x, top, tmp_path / "n.png", max_neurons, "member 12 (leaky_relu)")
    (fig,) = figures
    (title,) = [t for t in fig.findobj(matplotlib.text.Text) if t.get_text().startswith("What each hidden neuron")]
    assert "…" not in title.get_text() and title.get_text().count("\n") <= 1
    assert " ".join(title.get_text().split()).endswith(f"strongest first ({says})")
    box = title.get_window_extent()  # where the saved figure drew it
    assert 0 <= box.x0 < box.x1 <= fig.bbox.width and box.y1 <= fig.bbox.height


def test_a_neuron_of_a_diverged_network_shows_no_digit_as_its_strongest(monkeypatch, tmp_path):
    """NaN parameters (a diverged sweep member's) sort last, so the stable order named test images 0–5 as the
    digits with the largest W a + b: they are no answer (-1), drawn black, and the panel says why."""
    figures = capture_figures(monkeypatch)
    W1 = np.zeros((2, 784), np.float32)
    W1[0, 0], W1[1, 0] = np.nan, 1.0
    params = [
        {"W": W1, "b": np.zeros(2, np.float32)},
        {"W": np.ones((10, 2), np.float32), "b": np.zeros(10, np.float32)},
    ]
    x = np.zeros((3, 784), np.uint8)
    x[:, 0] = [10, 200, 30]
    (top,) = viz.top_inputs(params, viz.layer_activations(params, Config(hidden=(2,)), x))
    assert top.tolist() == [[-1, -1, -1], [1, 2, 0]]
    viz.plot_neurons(x, [top], tmp_path / "n.png")
    panels = [ax for ax in figures[0].axes if ax.images]
    assert [ax.get_title() for ax in panels] == ["layer 1 neuron 0: W a + b not finite", "layer 1 neuron 1"]
    assert not np.asarray(panels[0].images[0].get_array()).any()


def _three_neuron_net() -> list[dict[str, np.ndarray]]:
    """784-3-10 ReLU by hand: neuron 0 reads pixel 0 and feeds the outputs; neuron 1 is dead (W a + b = -1 on
    every image, so a = 0); neuron 2 reads pixel 0 too, but no output weight reads it (weight decay's work)."""
    W1, b1 = np.zeros((3, 784), np.float32), np.array([0.0, -1.0, 0.0], np.float32)
    W1[0, 0] = W1[2, 0] = 1.0
    W2 = np.zeros((10, 3), np.float32)
    W2[:, 0], W2[:, 1] = 2.0, 3.0  # 10 outputs: a column of length 2 · √10 for neuron 0
    return [{"W": W1, "b": b1}, {"W": W2, "b": np.zeros(10, np.float32)}]


def test_neuron_reach_is_the_spread_a_neuron_gives_the_next_layer_and_inert_ones_are_found():
    params = _three_neuron_net()
    x = np.zeros((4, 784), np.uint8)
    x[:, 0] = [0, 51, 102, 255]  # a_0 = a_2 = x / 255: 0, 0.2, 0.4, 1
    acts = viz.layer_activations(params, Config(hidden=(3,), activation="relu"), x)
    (reach,) = viz.neuron_reach(params, acts)
    spread = np.std([0.0, 0.2, 0.4, 1.0])
    np.testing.assert_allclose(reach, [spread * 2 * np.sqrt(10), 0.0, 0.0], rtol=1e-6)
    assert viz.inert_neurons([reach])[0].tolist() == [False, True, True]
    # At the line: a neuron reaching exactly INERT_SHARE of the layer's most is inert, one a little more is not.
    share = viz.INERT_SHARE
    assert viz.inert_neurons([np.array([1.0, share, 1.01 * share])])[0].tolist() == [False, True, False]
    assert viz.inert_neurons([np.zeros(3)])[0].all()  # a layer of dead units: every one is inert
    assert not viz.inert_neurons([np.array([1.0, np.nan, 0.0])])[0].any()  # diverged: no verdict


def test_inert_counts_of_huge_finite_parameters_are_none_without_a_numpy_warning():
    """Parameters finite but so large that a layer's values overflow: no count (None, as for NaN ones), and no
    "RuntimeWarning: invalid value encountered in subtract" on nnjax eval's stderr."""
    import warnings

    with np.errstate(over="ignore"):  # a layer of values past float32's largest: inf, then NaN in the spread
        params = [{k: v * np.float32(3e38) for k, v in layer.items()} for layer in _three_neuron_net()]
    x = np.zeros((4, 784), np.uint8)
    x[:, 0] = [0, 51, 102, 255]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any warning fails the test
        assert viz.inert_counts(params, Config(hidden=(3,), activation="relu"), x) is None


def test_neurons_png_draws_inert_neurons_faint_and_counts_them(monkeypatch, tmp_path):
    """A dead ReLU unit's 'top digits' (the least negative W a + b) read as a detector: neurons.png drew them
    like any other. Inert neurons are drawn at a quarter of the brightness, labelled, and counted in the title."""
    import matplotlib.text

    figures = capture_figures(monkeypatch)
    params = _three_neuron_net()
    x = np.zeros((6, 784), np.uint8)
    x[:, 0], x[:, 1:] = [0, 51, 102, 255, 7, 9], 200
    acts = viz.layer_activations(params, Config(hidden=(3,), activation="relu"), x)
    inert = viz.inert_neurons(viz.neuron_reach(params, acts))
    viz.plot_neurons(x, viz.top_inputs(params, acts), tmp_path / "n.png", inert=inert)
    (fig,) = figures
    panels = [ax for ax in fig.axes if ax.images]
    assert [ax.get_title() for ax in panels] == [
        "layer 1 neuron 0",
        "layer 1 neuron 1: inert",
        "layer 1 neuron 2: inert",
    ]
    assert [ax.images[0].get_clim() for ax in panels] == [(0, 255), (0, 4 * 255), (0, 4 * 255)]
    (title,) = [t for t in fig.findobj(matplotlib.text.Text) if t.get_text().startswith("What each hidden neuron")]
    assert "Inert, drawn faint: 2 of 3 in layer 1" in " ".join(title.get_text().split())
    box = title.get_window_extent()
    assert 0 <= box.x0 < box.x1 <= fig.bbox.width and box.y1 <= fig.bbox.height
    panel_top = max(ax.get_window_extent().y1 for ax in panels)
    assert panel_top < box.y0  # the third line leaves the panels room
    viz.plot_neurons(x, viz.top_inputs(params, acts), tmp_path / "n.png")  # not told: nothing is called inert
    assert "inert" not in " ".join(ax.get_title() for ax in figures[1].axes).lower()


def test_neurons_png_of_a_layer_wider_than_max_neurons_counts_the_inert_ones_drawn_and_all(monkeypatch, tmp_path):
    """The title counted the inert neurons of the whole layer, also those past max_neurons that are not drawn
    ('3 of 6 in layer 1' over 3 panels with one faint): it gives the drawn ones' count, which the panels show,
    and the whole layer's beside it."""
    import matplotlib.text

    figures = capture_figures(monkeypatch)
    # 784-6-10 ReLU: neurons 0, 2, 4 read pixel 0 and feed the outputs; 1 and 3 are dead; 5 feeds nothing
    W1, b1 = np.zeros((6, 784), np.float32), np.array([0.0, -1.0, 0.0, -1.0, 0.0, 0.0], np.float32)
    W1[:, 0] = 1.0
    W2 = np.zeros((10, 6), np.float32)
    W2[:, :5] = 2.0
    params = [{"W": W1, "b": b1}, {"W": W2, "b": np.zeros(10, np.float32)}]
    x = np.zeros((6, 784), np.uint8)
    x[:, 0] = [0, 51, 102, 255, 7, 9]
    acts = viz.layer_activations(params, Config(hidden=(6,), activation="relu"), x)
    inert = viz.inert_neurons(viz.neuron_reach(params, acts))
    assert inert[0].tolist() == [False, True, False, True, False, True]
    for max_neurons, faint, says in [(3, 1, "1 of the 3 drawn in layer 1 (3 of all 6)"), (1, 0, "0 of the 1 drawn")]:
        viz.plot_neurons(x, viz.top_inputs(params, acts), tmp_path / "n.png", max_neurons, inert=inert)
        fig = figures[-1]
        panels = [ax for ax in fig.axes if ax.images]
        assert len(panels) == max_neurons and sum(ax.get_title().endswith(": inert") for ax in panels) == faint
        (title,) = [t for t in fig.findobj(matplotlib.text.Text) if t.get_text().startswith("What each hidden")]
        text = " ".join(title.get_text().split())
        assert f"Inert, drawn faint: {says}" in text and "…" not in text, text
        box = title.get_window_extent()
        assert 0 <= box.x0 < box.x1 <= fig.bbox.width and box.y1 <= fig.bbox.height
        assert max(ax.get_window_extent().y1 for ax in panels) < box.y0  # the title's lines leave the panels room
    # Two layers of 128 drawn to 64, inert in each, and a member's name: four lines, none of them cut short
    top = [np.tile(np.arange(6), (128, 1))] * 2
    inert = [np.arange(128) % 7 == 3] * 2
    viz.plot_neurons(x, top, tmp_path / "n.png", 64, "member 12 (leaky_relu)", inert)
    (title,) = [t for t in figures[-1].findobj(matplotlib.text.Text) if t.get_text().startswith("What each hidden")]
    assert title.get_text().count("\n") == 3 and "…" not in title.get_text()
    said = " ".join(title.get_text().split())
    assert "9 of the 64 drawn in layer 1 (18 of all 128), 9 of the 64 drawn in layer 2 (18 of all 128)" in said
    panels = [ax for ax in figures[-1].axes if ax.images]
    assert max(ax.get_window_extent().y1 for ax in panels) < title.get_window_extent().y0


def test_results_count_the_inert_neurons_of_each_hidden_layer_as_neurons_png_does(
    video_run, splits_256, tmp_path, monkeypatch
):
    """Inert neurons were counted only in neurons.png's title. A run's result.json and each sweep member (its
    group's result.json, members.csv, the summary's members) now hold each hidden layer's count, the very numbers
    neurons.png shows of the same network on the same test images; none for a member that diverged, [] without a
    hidden layer. A sweep folder of an nnjax before the count (or the epoch time) still summarises, without it."""
    shown = []
    real = viz.plot_neurons
    monkeypatch.setattr(viz, "plot_neurons", lambda *a: shown.append([int(m.sum()) for m in a[5]]) or real(*a))
    viz.render_run(video_run, tmp_path / "run", splits=splits_256)
    assert sum(shown[-1]) > 0  # on mock MNIST's random pixels some sigmoid units saturate: a count to match
    assert json.loads((video_run / "result.json").read_text())["inert"] == shown[-1]

    out = tmp_path / "sweep"
    base = Config(epochs=1, batch_size=32, checkpoint_every=0, schedule="constant")
    summary = sweep.run_sweep(
        base, {"hidden": [(16, 8), ()], "lr": [0.01, 1000.0]}, out, progress=False, splits=splits_256
    )
    gone = [r["diverged_epoch"] is not None for r in summary["members"]]
    assert gone[:2] == [False, True], "lr 1000 no longer diverges: pick a harsher one"
    viz.render_run(out, tmp_path / "member0", member=0, splits=splits_256)
    assert len(shown[-1]) == 2 and sum(shown[-1]) > 0
    counts = [shown[-1], None, [], None if gone[3] else []]
    assert [m["inert"] for m in summary["members"]] == counts
    groups = [json.loads((out / "groups" / g / "result.json").read_text())["inert"] for g in ("g00", "g01")]
    assert groups == [counts[:2], counts[2:]]
    with open(out / "members.csv") as f:
        cells = [r["inert"] for r in csv.DictReader(f)]
    assert cells == [" ".join(map(str, shown[-1])), "", "", ""]  # a count per hidden layer, as `hidden` lists them
    assert summary["rows"][0]["inert_mean"] == [float(n) for n in shown[-1]]  # over the members not diverged
    for g in ("g00", "g01"):  # as an older nnjax wrote them
        path = out / "groups" / g / "result.json"
        old = json.loads(path.read_text())
        path.write_text(json.dumps({k: v for k, v in old.items() if k not in ("inert", "epoch_s_median")}))
    again = sweep.summarize(out)
    assert not any("inert" in m for m in again["members"]) and not any("inert_mean" in r for r in again["rows"])
    assert all(r["ensemble_epoch_s"] is None for r in again["rows"])
    assert all(row.split(" | ")[-3:-1] == ["—", "—"] for row in again["table"].splitlines()[2:])


def test_cli_viz_reads_the_test_split_where_data_dir_and_tfds_dir_say(linear_run, tmp_path, cli, monkeypatch):
    """``nnjax viz RUN --tfds-dir DIR --data-dir DIR``: the test split is the one built in the given tfds folder (40
    images), not in the folder the run's config.json names (30 images); the raw-files folder given is the one looked
    for (the config's, gone, would be warned about)."""
    from nnjax import data

    run = tmp_path / "run"
    shutil.copytree(linear_run, run, ignore=shutil.ignore_patterns("figures"))
    rng = np.random.default_rng(0)
    for name, n_test in (("tfds_config", 30), ("tfds_flag", 40)):
        arrays = {
            "x_train": rng.integers(0, 256, (64, 784)).astype(np.uint8),
            "y_train": rng.integers(0, 10, 64).astype(np.int32),
            "x_test": rng.integers(0, 256, (n_test, 784)).astype(np.uint8),
            "y_test": rng.integers(0, 10, n_test).astype(np.int32),
        }
        data._write_cache(data._cache_path(tmp_path / name, "mnist"), arrays)
    config = json.loads((run / "config.json").read_text())
    gone = tmp_path / "raw_gone"
    config |= {"tfds_dir": str(tmp_path / "tfds_config"), "data_dir": str(gone)}
    (run / "config.json").write_text(json.dumps(config))
    (tmp_path / "raw").mkdir()
    figures = capture_figures(monkeypatch)

    def confusion_title() -> str:
        (title,) = [t for t in texts(figures[3]) if t.startswith("Confusion matrix")]
        figures.clear()
        return title

    rc, _, err = cli("viz", run, "--digits", "0", "--tfds-dir", tmp_path / "tfds_flag", "--data-dir", tmp_path / "raw")
    assert rc == 0 and err == ""
    assert " of 40 test images right" in confusion_title()
    rc, _, err = cli("viz", run, "--digits", "0")  # the run's own folders: the check can tell them apart
    assert rc == 0 and f"data folder {gone} not found" in err
    assert " of 30 test images right" in confusion_title()


def test_render_run_refuses_a_max_neurons_or_digits_of_the_wrong_type_before_reading_the_run(tmp_path):
    """max_neurons=2.5 failed in plot_weights with "slice indices must be integers", digits=3 with "'int'
    object is not iterable", each a traceback that named neither argument."""
    with pytest.raises(ConfigError, match=r"^max_neurons=2.5: expected a positive int$"):
        viz.render_run(tmp_path / "run", max_neurons=2.5)
    with pytest.raises(ConfigError, match=r"^max_neurons=0: expected a positive int$"):
        viz.render_run(tmp_path / "run", max_neurons=0)
    with pytest.raises(ConfigError, match=r"^max_neurons=True: expected a positive int$"):
        viz.render_run(tmp_path / "run", max_neurons=True)
    with pytest.raises(ConfigError, match=r"^digits=3: expected test-image indices as a list \(e.g. \[3\]\) or text"):
        viz.render_run(tmp_path / "run", digits=3)
    assert list(tmp_path.iterdir()) == []


def test_render_run_takes_digits_as_any_collection_of_indices(video_run, splits_256, tmp_path, monkeypatch):
    """A notebook's digits come as a JAX or NumPy array (argsort of its losses), a tuple or a range: each is
    the list it holds (a check for one number refused a JAX array as not a list)."""
    import jax.numpy as jnp

    figures = capture_figures(monkeypatch)
    y = splits_256.y_test
    for digits in (jnp.array([3, 5]), np.array([3, 5]), (3, 5), range(3, 6, 2)):
        viz.render_run(video_run, tmp_path, digits=digits, splits=splits_256)
        shown = dict(zip(FIGURES, figures))
        assert {f"test #3\nlabel {y[3]}", f"test #5\nlabel {y[5]}"} <= set(texts(shown["activations.png"]))
        figures.clear()


def test_sweep_accuracy_draws_its_target_as_a_thin_dashed_labelled_line(monkeypatch, tmp_path):
    """--target on accuracy.png: a thin dashed grey line across the per-epoch panel at the target, labelled
    "target 96 %", inside the axes even where every curve ends below it, and not in the settings' legend."""
    figures = capture_figures(monkeypatch)
    lines = sweep_lines({"sigmoid": [0.90, 0.91], "relu": [0.92, 0.93]})
    rgb = png(viz.plot_sweep_accuracy(lines, ["activation"], tmp_path / "a.png", "test", target=0.96))
    fig = figures.pop()
    ax = fig.axes[0]
    (target,) = [line for line in ax.get_lines() if line.get_linestyle() == "--"]
    assert list(target.get_ydata()) == [96, 96] and target.get_linewidth() < 1
    assert ax.get_ylim()[0] < 96 < ax.get_ylim()[1]
    assert "target 96 %" in texts(fig)
    assert len(fig.legends[0].get_texts()) == 2  # the two settings, no more
    for epoch in (1.2, 1.5, 1.8):  # drawn across the panel: dashes in grey near each point on it
        assert pixels_near(rgb, ax, (epoch, 96), "0.3", dx=range(-6, 7), opacity=0.5) >= 2, epoch
    viz.plot_sweep_accuracy(lines, ["activation"], tmp_path / "a.png", "test")
    plain = figures.pop()
    assert not [line for line in plain.axes[0].get_lines() if line.get_linestyle() == "--"]
    assert not [t for t in texts(plain) if t.startswith("target")]
    many = [  # 14 settings over two fields: one panel per value of one of them, each with the line
        {"member": k, "epoch": e, "activation": act, "lr": lr, "seed": 0, "test_accuracy": 0.9 + 0.002 * k}
        for k, (act, lr) in enumerate(itertools.product(("sigmoid", "relu"), range(1, 8)))
        for e in (1, 2)
    ]
    viz.plot_sweep_accuracy(many, ["activation", "lr"], tmp_path / "a.png", "test", target=0.96)
    fig = figures.pop()
    panels = fig.axes[:-1]  # the last: the last-epoch panel
    assert len(panels) > 1 and texts(fig).count("target 96 %") == len(panels)
    for ax in panels:
        assert [list(line.get_ydata()) for line in ax.get_lines() if line.get_linestyle() == "--"] == [[96, 96]]
    assert not [line for line in fig.axes[-1].get_lines() if line.get_linestyle() == "--"]


def test_a_runs_target_is_drawn_on_its_learning_curves_as_a_sweeps_is(tmp_path, splits_256, video_run, monkeypatch):
    """A run trained with a target (train_and_evaluate's, nnjax train --target's) keeps it, and viz draws it on
    learning_curves.png's accuracy panel as accuracy.png draws a sweep's: a thin dashed grey line across the
    panel, labelled "target 90 %" on the line, not in the legend; a run with none has no such line."""
    run = tmp_path / "run"
    cfg = Config(hidden=(8,), epochs=2, batch_size=32, checkpoint_every=0)
    train_and_evaluate(cfg, run, progress=False, splits=splits_256, target=0.9)
    from nnjax.run import read_metrics
    from nnjax.target import target_figures

    figures = target_figures(read_metrics(run / "metrics.jsonl"), 0.9, "test")  # test_cli checks them by hand
    assert json.loads((run / "target.json").read_text()) == {"target": 0.9, "split": "test", "epochs": 2, **figures}
    figures = capture_figures(monkeypatch)
    viz.render_run(run, tmp_path / "figs", splits=splits_256)
    viz.render_run(run, tmp_path / "e0", splits=splits_256, epoch=0)  # the epoch marked, and the target
    viz.render_run(video_run, tmp_path / "plain", splits=splits_256)
    curves = [fig for fig in figures if fig.axes[0].get_ylabel() == "loss (mean cost per image)"]
    assert len(curves) == 3
    for fig in curves[:2]:
        loss, acc = fig.axes
        (line,) = [line for line in acc.get_lines() if line.get_linestyle() == "--"]
        assert list(line.get_ydata()) == [90, 90] and line.get_linewidth() < 1 and line.get_label()[0] == "_"
        assert [t.get_text() for t in acc.texts] == ["target 90 %"]
        assert "target 90 %" not in [t.get_text() for t in acc.get_legend().get_texts()]
        assert not [line for line in loss.get_lines() if line.get_linestyle() == "--"]
    rgb = png(tmp_path / "figs" / "learning_curves.png")
    acc = curves[0].axes[1]
    lo, hi = acc.get_xlim()
    for x in (lo + 0.3 * (hi - lo), lo + 0.6 * (hi - lo)):  # drawn across the panel
        assert pixels_near(rgb, acc, (x, 90), "0.3", dx=range(-6, 7), opacity=0.5) >= 2, x
    assert not [line for ax in curves[2].axes for line in ax.get_lines() if line.get_linestyle() == "--"]
    assert not [t for t in texts(curves[2]) if t.startswith("target")]


def test_sweep_figures_of_two_fields_colour_one_by_hue_and_the_other_by_shade(monkeypatch, tmp_path):
    """A researcher's 6 settings (lr × activation) were 6 unrelated colours: which curves share an activation could
    not be seen. Both figures now give each activation one hue (its family: the field that changes the compiled
    program, though lr comes first in the grid) and each lr a shade of it, dark = the smaller lr (given out of order),
    the same colour for a setting in every panel, and lay the settings' legend out as the grid: one column per
    activation, one row per lr. Three fields keep one colour each (matplotlib's 10), as before."""
    from matplotlib.colors import rgb_to_hsv, to_rgb

    figures = capture_figures(monkeypatch)
    acts = ["sigmoid", "relu", "tanh"]
    lines = swept_lines({"lr": [0.01, 0.003], "activation": acts})
    viz.plot_sweep_curves(lines, ["lr", "activation"], tmp_path / "c.png")
    viz.plot_sweep_accuracy(lines, ["lr", "activation"], tmp_path / "a.png", "test")
    curves, accuracy = figures
    colour_of = {}
    for ax in [*curves.axes, accuracy.axes[0]]:
        for line in ax.get_lines():
            if line.get_label()[0] != "_":
                colour_of.setdefault(line.get_label(), set()).add(to_rgb(line.get_color()))
    assert len(colour_of) == 6 and all(len(c) == 1 for c in colour_of.values())  # alike in all three panels
    rgb = {label: np.array(next(iter(c))) for label, c in colour_of.items()}
    hues = []
    for act in acts:
        dark, light = (rgb[f"lr={lr}, activation={act} (n=2)"] for lr in ("0.003", "0.01"))
        assert abs(rgb_to_hsv(dark)[0] - rgb_to_hsv(light)[0]) < 1e-6, act  # one hue ...
        assert dark.sum() < light.sum() - 0.5, act  # ... a shade of it per lr, the smaller lr darker
        hues.append(rgb_to_hsv(dark)[0])
    assert min(abs(a - b) for a, b in itertools.combinations(hues, 2)) > 0.05  # each activation its own hue
    for fig in (curves, accuracy):
        fig.canvas.draw()
        (grid,) = [legend for legend in fig.legends if len(legend.get_texts()) == 6]  # and learning_curves.png's
        where = {t.get_text(): t.get_window_extent() for t in grid.get_texts()}  # line styles' legend above it
        for act in acts:  # a column per activation: its two settings one above the other, the smaller lr first
            top, bottom = (where[f"lr={lr}, activation={act} (n=2)"] for lr in ("0.003", "0.01"))
            assert top.x0 == bottom.x0 and top.y0 > bottom.y1
        for lr in ("0.003", "0.01"):  # a row per lr, the activations in grid order
            row = [where[f"lr={lr}, activation={act} (n=2)"] for act in acts]
            assert len({b.y0 for b in row}) == 1 and [b.x0 for b in row] == sorted(b.x0 for b in row)
    grid, styles = curves.legends
    assert [t.get_text() for t in styles.get_texts()] == ["test (band: min–max)", viz.TRAIN_SWEEP_LABEL]
    assert styles.get_window_extent().y0 >= grid.get_window_extent().y1  # above the settings, under the panels
    assert all(styles.get_window_extent().y1 <= ax.xaxis.label.get_window_extent().y0 for ax in curves.axes)
    figures.clear()
    three = swept_lines({"activation": ["sigmoid", "relu"], "lr": [0.003, 0.01], "hidden": ["16", "32"]})
    viz.plot_sweep_accuracy(three, ["activation", "lr", "hidden"], tmp_path / "3.png", "test")
    drawn = [line.get_color() for line in figures[0].axes[0].get_lines() if line.get_label()[0] != "_"]
    assert drawn == viz.setting_colours(8)


def test_a_linked_items_pairs_keep_a_colour_each_and_a_plain_legend(monkeypatch, tmp_path):
    """``activation,lr=sigmoid:0.03,relu:0.01,tanh:0.02`` (each activation at its own lr): each pair was drawn in
    its own shade of its own hue (sigmoid's the palest) over a staircase legend of 9 cells, 6 of them blank; no two
    settings share an activation, so no shade tells any apart: each setting keeps its own colour, in one legend."""
    pairs = [("sigmoid", 0.03), ("relu", 0.01), ("tanh", 0.02)]
    crossed = swept_lines({"activation": [a for a, _ in pairs], "lr": [0.01, 0.02, 0.03]})
    lines = [m for m in crossed if (m["activation"], m["lr"]) in pairs]
    assert viz.shaded_colours(lines, ["activation", "lr"]) is None
    figures = capture_figures(monkeypatch)
    viz.plot_sweep_accuracy(lines, ["activation", "lr"], tmp_path / "a.png", "test")
    viz.plot_sweep_curves(lines, ["activation", "lr"], tmp_path / "c.png")
    for fig in figures:
        drawn = [line.get_color() for line in fig.axes[0].get_lines() if line.get_label()[0] != "_"]
        assert drawn == viz.setting_colours(3)
        assert [t.get_text() for t in fig.legends[-1].get_texts()][-3:] == [
            f"activation={a}, lr={lr} (n=2)" for a, lr in pairs
        ]
        assert all(t.get_text() for legend in fig.legends for t in legend.get_texts())  # no blank cell


def test_both_sweep_figures_colour_two_fields_alike_when_every_member_of_one_value_diverged(
    tmp_path, splits_256, monkeypatch
):
    """lr × weight_decay where both lr=1000 settings diverge: accuracy.png kept their hue's place (its grid legend
    has blanks there), but learning_curves.png, given only the members drawn, saw one lr, lost the hue and shade
    colouring and drew both settings in other colours than accuracy.png's; both figures now colour them alike."""
    from matplotlib.colors import to_rgb

    out = tmp_path / "sweep"
    base = Config(hidden=(8,), epochs=1, batch_size=32, checkpoint_every=0, schedule="constant")
    figures = capture_figures(monkeypatch)
    grid = {"lr": [0.01, 1000.0], "weight_decay": [0.0, 1e-4]}
    summary = sweep.run_sweep(base, grid, out, progress=False, splits=splits_256)
    diverged = [r["member"] for r in summary["members"] if r["diverged_epoch"]]
    assert diverged == [2, 3], "the recipe no longer diverges: pick a harsher one"
    viz.render_sweep(out)
    accuracy, curves = figures

    def colours(ax) -> dict[str, tuple]:
        return {line.get_label(): to_rgb(line.get_color()) for line in ax.get_lines() if line.get_label()[0] != "_"}

    drawn = colours(accuracy.axes[0])
    assert list(drawn) == ["lr=0.01, weight_decay=0 (n=1)", "lr=0.01, weight_decay=0.0001 (n=1)"]
    assert drawn == colours(curves.axes[0]) == colours(curves.axes[1])  # loss and accuracy panels


def test_hue_field_is_the_one_field_that_changes_the_program_else_the_first():
    assert viz.hue_field(["lr", "activation"]) == 1
    assert viz.hue_field(["hidden", "weight_decay"]) == 0
    assert viz.hue_field(["activation", "hidden"]) == 0  # both change it
    assert viz.hue_field(["weight_decay", "lr"]) == 0  # neither


def test_a_sweeps_target_is_drawn_on_its_learning_curves_and_on_each_members(tmp_path, splits_256, monkeypatch):
    """``nnjax viz SWEEP`` and ``--member N`` left out the sweep's --target that accuracy.png draws: both
    learning_curves.png now draw it on their accuracy panels as a thin dashed grey line labelled "target 50 %" (in
    no legend); a sweep without one draws none. Many settings: on each accuracy panel, on none of the loss's."""
    out = tmp_path / "sweep"
    base = Config(hidden=(8,), epochs=2, batch_size=32, checkpoint_every=0)
    grid = {"activation": ["sigmoid", "relu"]}
    sweep.run_sweep(base, grid, out, progress=False, splits=splits_256, target=0.5)
    figures = capture_figures(monkeypatch)
    viz.render_sweep(out)
    viz.render_run(out, tmp_path / "m1", member=1, splits=splits_256)
    curves = [figures[0], next(f for f in figures[1:] if f.axes[0].get_ylabel() == "loss (mean cost per image)")]
    for fig in curves:
        loss, acc = fig.axes[:2]
        (line,) = [line for line in acc.get_lines() if line.get_color() == "0.3"]
        assert list(line.get_ydata()) == [50, 50] and line.get_linewidth() < 1 and line.get_label()[0] == "_"
        assert [t.get_text() for t in acc.texts] == ["target 50 %"]
        assert not [line for line in loss.get_lines() if line.get_color() == "0.3"]
        assert not [t for legend in [*fig.legends, acc.get_legend()] if legend for t in legend.get_texts()
                    if t.get_text().startswith("target")]  # fmt: skip
    rgb = png(out / "figures" / "learning_curves.png")
    acc = curves[0].axes[1]
    lo, hi = acc.get_xlim()
    for x in (lo + 0.3 * (hi - lo), lo + 0.6 * (hi - lo)):  # drawn across the panel
        assert pixels_near(rgb, acc, (x, 50), "0.3", dx=range(-6, 7), opacity=0.5) >= 2, x
    plain = tmp_path / "plain"
    sweep.run_sweep(base, grid, plain, progress=False, splits=splits_256)
    figures.clear()
    viz.render_sweep(plain)
    viz.render_run(plain, tmp_path / "p1", member=1, splits=splits_256)
    assert not [t for fig in figures for t in texts(fig) if t.startswith("target")]
    figures.clear()
    many = swept_lines({"activation": ["sigmoid", "relu"], "lr": [0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1]})
    viz.plot_sweep_curves(many, ["activation", "lr"], tmp_path / "c.png", target=0.81)
    (fig,) = figures
    loss, acc = fig.axes[:2], fig.axes[2:]
    assert [ax.texts[0].get_text() for ax in acc] == ["target 81 %"] * 2 and not any(ax.texts for ax in loss)


def test_eval_neurons_gives_each_hidden_neurons_reach_as_neurons_png_computes_it(
    video_run, linear_run, splits_256, mock_data, monkeypatch, cli
):
    """``nnjax eval RUN --neurons``: per hidden layer, one line of each neuron's reach (2 significant digits),
    those counted inert starred; ``--json`` (``eval_run(neurons=True)``) has them as ``reach`` and
    ``inert_neurons``. Without it neither is given; a network with no hidden layer, or a diverged one, says so."""
    import nnjax.run
    from nnjax.run import eval_run, load_network
    from nnjax.train import unstack

    cfg, params_K, _ = load_network(video_run)
    params = [{k: np.asarray(v) for k, v in layer.items()} for layer in unstack(params_K, 0)]
    x = np.asarray(splits_256.x_test)
    want = []  # reach_H = std over the images of a_H × |column of the next layer's W|, written out here
    a = x.astype(np.float64) / 255
    for layer, nxt in zip(params[:-1], params[1:]):
        a = 1 / (1 + np.exp(-(a @ layer["W"].T.astype(np.float64) + layer["b"])))
        want.append(a.std(axis=0) * np.sqrt((nxt["W"].astype(np.float64) ** 2).sum(axis=0)))
    r = eval_run(video_run, splits_256, neurons=True)
    assert [len(reach_H) for reach_H in r["reach"]] == [16, 16]
    for got, reach_H in zip(r["reach"], want):  # float32 activations: saturated units' tiny reach is rounded off
        np.testing.assert_allclose(got, reach_H, rtol=1e-3, atol=1e-3 * reach_H.max())
    starred = [np.flatnonzero(np.array(got) <= 0.01 * max(got)).tolist() for got in r["reach"]]
    assert r["inert_neurons"] == starred and r["inert"] == [len(s) for s in starred] and r["inert"][0] > 0
    assert "reach" not in eval_run(video_run, splits_256) and "inert_neurons" not in eval_run(video_run, splits_256)

    with mock_data():
        mine = eval_run(video_run, neurons=True)  # the test split the command line reads
        rc, out, err = cli("eval", video_run, "--neurons")
        assert rc == 0 and err == ""
        lines = out.splitlines()
        assert lines[2] == "reach per neuron (as neurons.png computes it; * inert: at most 1% of its layer's largest):"
        assert len(lines) == 5
        for j, line in enumerate(lines[3:]):
            head, numbers = line.split(": ")
            assert head == f"  layer {j + 1}"
            words = numbers.split(" ")
            assert [k for k, w in enumerate(words) if w.endswith("*")] == mine["inert_neurons"][j]
            assert words == [f"{x:.2g}" + "*" * w.endswith("*") for x, w in zip(mine["reach"][j], words)]
        rc, out, _ = cli("eval", video_run, "--neurons", "--json")
        assert rc == 0 and json.loads(out) == mine
        rc, out, _ = cli("eval", video_run, "--json")
        assert rc == 0 and "reach" not in json.loads(out)
        rc, out, _ = cli("eval", linear_run, "--neurons")
        assert rc == 0 and out.splitlines()[1:] == ["reach per neuron: none (the network has no hidden layer)"]
    monkeypatch.setattr(
        nnjax.run, "eval_run", lambda *a, **kw: {**mine, "inert": None, "reach": None} | {"inert_neurons": None}
    )
    rc, out, _ = cli("eval", video_run, "--neurons")
    assert rc == 0 and out.splitlines()[1:] == ["reach per neuron: none (a reach is not finite: the network diverged)"]


# ---- wants.png: what each output wants, and what the network says to noise -------------------------------------


def small_network(hidden: tuple[int, ...], seed: int = 0) -> list[dict]:
    """A random network (glorot, biases drawn too, so that the outputs differ) of 784-hidden-10."""
    from nnjax.model import init_params

    params = init_params(jax.random.key(seed), hidden, "glorot")
    keys = jax.random.split(jax.random.key(seed + 1), len(params))
    return [
        {"W": np.asarray(p["W"]), "b": np.asarray(jax.random.normal(k, p["b"].shape))} for p, k in zip(params, keys)
    ]


def log_p_10(params: list, cfg: Config, u_Nx784: np.ndarray) -> np.ndarray:
    """log p_Nx10 of images in brightness 0 … 1, as the network's input and the cost's probabilities read them."""
    from nnjax.activations import get_activation
    from nnjax.costs import probabilities
    from nnjax.data import scale_pixels
    from nnjax.model import forward

    x = scale_pixels(np.asarray(u_Nx784, np.float32), cfg.standardize)
    return np.log(probabilities(np.asarray(forward(params, x, get_activation(cfg.activation))), cfg.cost))


@pytest.mark.parametrize(
    "hidden, activation, cost, standardize",
    [
        ((16, 16), "sigmoid", "cross_entropy", False),
        ((8,), "relu", "quadratic", True),
        ((), "sigmoid", "cross_entropy", True),
    ],
)
def test_each_wanted_input_raises_its_outputs_log_probability_and_stays_an_image(hidden, activation, cost, standardize):
    """Every one of the 10 images is read as its digit more than the start is, its pixels stay in 0 … 1 (so the
    network's input stays in its training range, standardised or not), z is the network's own on it, and 0
    steps give back the start."""
    from nnjax.data import prepare_images

    cfg = Config(hidden=hidden, activation=activation, cost=cost, standardize=standardize)
    params = small_network(hidden)
    start_784 = viz.noise_images(jax.random.key(3), 1)[0]
    u_10x784, z_10x10 = viz.wanted_inputs(params, cfg, start_784, steps=50, lr=3.0)
    assert u_10x784.shape == (10, 784) and z_10x10.shape == (10, 10)
    assert u_10x784.min() >= 0 and u_10x784.max() <= 1
    assert (u_10x784 == 0).any() and (u_10x784 == 1).any()  # pushed against the range, and clipped there
    start_u = prepare_images(start_784[None], False)
    before_10 = log_p_10(params, cfg, start_u)[0]
    after_10x10 = log_p_10(params, cfg, u_10x784)
    assert np.all(np.diag(after_10x10) > before_10 + 0.1), (np.diag(after_10x10), before_10)
    np.testing.assert_allclose(np.log(np.asarray(viz.answers(z_10x10, cost)[1])), after_10x10, rtol=1e-4, atol=1e-4)
    u0, _ = viz.wanted_inputs(params, cfg, start_784, steps=0)
    assert np.array_equal(u0, np.repeat(start_u, 10, axis=0))


def test_the_same_start_gives_the_same_wanted_inputs_bit_for_bit():
    cfg = Config(hidden=(8,))
    params = small_network((8,))
    noise = viz.noise_images(jax.random.key(0), 4)
    assert np.array_equal(noise, viz.noise_images(jax.random.key(0), 4))
    assert not np.array_equal(noise, viz.noise_images(jax.random.key(1), 4))
    first = viz.wanted_inputs(params, cfg, noise[0])
    again = viz.wanted_inputs([{k: v.copy() for k, v in layer.items()} for layer in params], cfg, noise[0].copy())
    assert all(np.array_equal(a, b) for a, b in zip(first, again))
    assert not np.array_equal(first[0], viz.wanted_inputs(params, cfg, noise[1])[0])


def test_a_diverged_networks_wanted_inputs_are_nan_and_its_noise_line_counts_every_image_without_an_answer():
    """NaN weights (a diverged network's): no image to make, so every row of u and z is NaN rather than pixels in
    0 … 1, and the noise line counts the test images as it counts the noise images, as ``no answer ×N``, not as a
    mean over none."""
    from nnjax.images import predict

    cfg = Config(hidden=(8,))
    params = [{k: np.full_like(v, np.nan) for k, v in layer.items()} for layer in small_network((8,))]
    u_10x784, z_10x10 = viz.wanted_inputs(params, cfg, viz.noise_images(jax.random.key(0), 1)[0], steps=3)
    assert np.isnan(u_10x784).all() and np.isnan(z_10x10).all()
    x = viz.noise_images(jax.random.key(0), 4)
    digit_N, p_Nx10 = predict(params, cfg, x)
    line = viz.noise_line(viz.noise_answers(digit_N, p_Nx10), p_Nx10[:3].max(axis=1))
    assert line == (
        "4 uniform-noise images answered no answer ×4 (outputs not finite); mean top probability none "
        "(3 test images: none, no answer ×3 (outputs not finite))"
    )


def test_wanted_inputs_refuse_a_start_that_is_not_one_uint8_image():
    from nnjax.errors import DataError

    cfg, params = Config(hidden=(8,)), small_network((8,))
    with pytest.raises(DataError, match="wanted_inputs: start_784"):
        viz.wanted_inputs(params, cfg, np.full(784, 0.5, np.float32))  # brightness, not uint8 pixels
    with pytest.raises(DataError, match="wanted_inputs: start_784"):
        viz.wanted_inputs(params, cfg, np.zeros(28 * 27, np.uint8))


def test_noise_answers_count_every_noise_image_once_and_say_their_mean_top_probability():
    from nnjax.images import predict

    cfg, params = Config(hidden=(8,)), small_network((8,))
    x = viz.noise_images(jax.random.key(0), 300)
    assert x.dtype == np.uint8 and x.shape == (300, 784) and x.min() == 0 and x.max() == 255
    assert abs(x.mean() - 127.5) < 1  # uniform over 0 … 255
    digit_N, p_Nx10 = predict(params, cfg, x)
    noise = viz.noise_answers(digit_N, p_Nx10)
    assert noise.n == 300 and noise.counts_10.sum() == 300
    assert list(noise.counts_10) == [int(np.sum(digit_N == d)) for d in range(10)]
    assert noise.mean_top == pytest.approx(p_Nx10.max(axis=1).mean())
    test_top = np.array([0.5, 1.0])
    line = viz.noise_line(noise, test_top)
    most = int(np.argmax(noise.counts_10))
    assert line.startswith(f"300 uniform-noise images answered {most} ×{noise.counts_10[most]}")
    assert line.endswith(f"; mean top probability {viz.percent(noise.mean_top)} (2 test images: 75.0 %)")
    assert line.count("×") == np.count_nonzero(noise.counts_10)
    # a diverged network's NaN outputs answer nothing, and the line says so
    nan = viz.noise_answers(np.zeros(3, int), np.full((3, 10), np.nan))
    assert nan.counts_10.sum() == 0 and np.isnan(nan.mean_top)
    assert viz.noise_line(nan, np.full(2, np.nan)) == (
        "3 uniform-noise images answered no answer ×3 (outputs not finite); mean top probability none "
        "(2 test images: none, no answer ×2 (outputs not finite))"
    )
    # test images of which some have no answer: the mean is over the others, and the line says how many
    assert viz.noise_line(noise, np.array([0.5, np.nan, 1.0])).endswith(
        f"; mean top probability {viz.percent(noise.mean_top)} "
        "(3 test images: 75.0 %, no answer ×1 (outputs not finite))"
    )


def test_wants_png_shows_each_outputs_image_and_the_networks_answers_on_it(
    video_run, splits_256, tmp_path, monkeypatch
):
    """render_run's wants.png: the first noise image as the start, each output's image drawn from it with the
    network's answer and probability on it, and the noise line in the title; viz prints that line."""
    from nnjax.images import predict
    from nnjax.run import load_network
    from nnjax.train import unstack

    figures = capture_figures(monkeypatch)
    said = []
    paths = viz.render_run(video_run, tmp_path, splits=splits_256, on_noise=said.append)
    assert paths[-1] == tmp_path / "wants.png"
    wants = figures[-1]
    cfg, params_K, _ = load_network(video_run)
    params = [{k: np.asarray(v) for k, v in layer.items()} for layer in unstack(params_K, 0)]
    x_noise = viz.noise_images(jax.random.key(viz.NOISE_SEED))
    u_10x784, z_10x10 = viz.wanted_inputs(params, cfg, x_noise[0])
    pred_10, p_10x10 = viz.answers(z_10x10, cfg.cost)
    images = [np.asarray(ax.images[0].get_array()) for ax in wants.axes if ax.images]
    assert len(images) == 21  # the start, 10 wanted images, their 10 changes
    assert np.array_equal(images[0], x_noise[0].reshape(28, 28) / 255)
    for c in range(10):
        assert np.array_equal(images[1 + 2 * c], u_10x784[c].reshape(28, 28))
        assert np.allclose(images[2 + 2 * c], (u_10x784[c] - x_noise[0] / 255).reshape(28, 28))
        assert f"wants {c}\nreads {pred_10[c]} ({viz.percent(p_10x10[c, pred_10[c]])})" in texts(wants)
    digit_N, p_Nx10 = predict(params, cfg, x_noise)
    assert f"start\nreads {digit_N[0]} ({viz.percent(p_Nx10[0, digit_N[0]])})" in texts(wants)
    test_p = predict(params, cfg, splits_256.x_test)[1]
    line = viz.noise_line(viz.noise_answers(digit_N, p_Nx10), test_p.max(axis=1))
    assert said == [line] and line.startswith("1,000 uniform-noise images answered ")
    assert wants.get_suptitle().replace("\n", " ").endswith(f"Noise: {line}")
    assert wants.get_suptitle().startswith("What each output wants: 300 steps of gradient ascent on log p(digit)")


def test_viz_of_a_run_and_of_a_sweep_member_writes_wants_png_and_prints_the_noise_line(
    video_run, splits_256, mock_data, tmp_path, monkeypatch, capsys
):
    """``nnjax viz RUN`` and ``nnjax viz SWEEP --member N`` (``--epoch 0`` too) write wants.png last and print the
    noise line after its path; the title names the member and the epoch."""
    figures = capture_figures(monkeypatch)
    with mock_data():
        assert cli_main(["viz", str(video_run), "--out", str(tmp_path / "run")]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[-2:-1] == [str(tmp_path / "run" / "wants.png")] and out[-1].startswith("  noise: 1,000 uniform-noise")
    assert out[-1] == "  noise: " + figures[-1].get_suptitle().replace("\n", " ").split("Noise: ")[1]
    assert_drawn(tmp_path / "run" / "wants.png", (1240, 340))

    folder = tmp_path / "sweep"
    sweep.run_sweep(
        Config(hidden=(8,), epochs=1, batch_size=32, checkpoint_every=0),
        {"seed": [0, 1]},
        folder,
        progress=False,
        splits=splits_256,
    )
    for argv, where, subject in (
        ([], folder / "figures" / "member-1", "member 1 (sigmoid)"),
        (
            ["--epoch", "0"],
            folder / "figures" / "member-1" / "epoch-0",
            "member 1 (sigmoid) at epoch 0 (as initialised)",
        ),
    ):
        figures.clear()
        with mock_data():
            assert cli_main(["viz", str(folder), "--member", "1", *argv]) == 0
        out = capsys.readouterr().out.splitlines()
        assert out[-2] == str(where / "wants.png") and out[-1].startswith("  noise: 1,000 uniform-noise images")
        lines = figures[-1].get_suptitle().count("\n") + 1  # a longer title: 0.2 in more per line past 2
        assert_drawn(where / "wants.png", (1240, 340 + 20 * (lines - 2)))
        assert figures[-1].get_suptitle().replace("\n", " ").startswith(f"What each output of {subject} wants: ")
