"""The Colab TPU notebook runs: every code cell executed on CPU, in order, in one namespace.

No Jupyter: the cells are read with nbformat and exec'd. Shell (``!``) and magic (``%``) lines are
dropped — the install cell only reaches its ``!pip`` line when nnjax is not importable. The
parameters cell runs as written, then the test relaxes it: no TPU required, 1 epoch, 2 seeds, 2
activations, output in a temporary folder. Data: tfds mock MNIST, or the real raw files when
$NNJAX_DATA_DIR is set.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import re
from pathlib import Path

import nbformat
import pytest

# Read at import (collection) time: conftest's session fixture removes it from the environment.
REAL_DATA_DIR = os.environ.get("NNJAX_DATA_DIR")
NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "colab_tpu.ipynb"


def code_cells() -> list[str]:
    """Source of each code cell, with ``!``/``%`` lines replaced by ``pass`` (same indentation)."""
    nb = nbformat.read(str(NOTEBOOK), as_version=4)
    nbformat.validate(nb)
    cells = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        lines = []
        for line in cell.source.splitlines():
            stripped = line.lstrip()
            lines.append(line[: len(line) - len(stripped)] + "pass" if stripped[:1] in ("!", "%") else line)
        cells.append("\n".join(lines))
    return cells


def run_cell(source: str, ns: dict, i: int) -> None:
    exec(compile(source, f"{NOTEBOOK.name}[code cell {i}]", "exec"), ns)


def test_notebook_parameters_are_at_the_top():
    cells = code_cells()
    ns: dict = {}
    run_cell(cells[0], ns, 0)
    assert "OWNER" in ns["REPO_URL"], "REPO_URL stays a placeholder: no invented repository address"
    assert ns["REQUIRE_TPU"] is True
    for name in ("EPOCHS", "SWEEP_EPOCHS", "SEEDS", "SWEEP_ACTIVATIONS", "OUT"):
        assert name in ns, name
    sources = [c.source for c in nbformat.read(str(NOTEBOOK), as_version=4).cells]
    assert any('f"nnjax{EXTRA} @ git+{REPO_URL}@{REF}"' in s for s in sources), "installs from the repository"


@pytest.fixture(autouse=True)
def matmul_precision():
    """The device cell sets jax_default_matmul_precision for the process: put back after each test."""
    import jax

    before = jax.config.jax_default_matmul_precision
    yield
    jax.config.update("jax_default_matmul_precision", before)


def test_notebook_stops_without_a_tpu(monkeypatch):
    """On this CPU machine the device cell, with REQUIRE_TPU as shipped, stops with a clear message; where a
    TPU is attached (/dev/accel*) but JAX runs on the CPU, the message says jax and libtpu do not match."""
    import pathlib

    cells = code_cells()
    ns: dict = {}
    run_cell(cells[0], ns, 0)
    device_cell = next(i for i, c in enumerate(cells) if "REQUIRE_TPU and" in c)
    with pytest.raises(SystemExit, match=r"No TPU here: JAX sees \d+ cpu device.*Change runtime type → TPU"):
        run_cell(cells[device_cell], ns, device_cell)
    import jax

    assert jax.config.jax_default_matmul_precision == "highest"  # float32 products on a TPU too
    real_glob = pathlib.Path.glob
    monkeypatch.setattr(pathlib.Path, "glob", lambda p, pat: [p / "accel0"] if pat == "accel*" else real_glob(p, pat))
    with pytest.raises(SystemExit, match=r"A TPU is attached but JAX runs on cpu: this jax does not match"):
        run_cell(cells[device_cell], ns, device_cell)
    # a v5e or v6e shows its chips as /dev/vfio/N instead
    vfio = lambda p, pat: [p / "vfio" / "0"] if pat == "vfio/[0-9]*" else real_glob(p, pat)  # noqa: E731
    monkeypatch.setattr(pathlib.Path, "glob", vfio)
    with pytest.raises(SystemExit, match=r"A TPU is attached but JAX runs on cpu: this jax does not match"):
        run_cell(cells[device_cell], ns, device_cell)


def test_install_cell_keeps_the_runtimes_jax_and_adds_tensorflow_only_where_missing(monkeypatch):
    import importlib.metadata
    import importlib.util

    cells = code_cells()
    ns: dict = {}
    run_cell(cells[0], ns, 0)
    install = next(i for i, c in enumerate(cells) if "pip_constraints" in c)
    code_sources = [c.source for c in nbformat.read(str(NOTEBOOK), as_version=4).cells if c.cell_type == "code"]
    assert '"-c", CONSTRAINTS, f"nnjax{EXTRA} @ git+{REPO_URL}@{REF}"]' in code_sources[install]
    run_cell(cells[install], ns, install)  # nnjax is importable here: nothing is installed
    assert ns["EXTRA"] == ""  # this machine has TensorFlow
    pins = Path(ns["pip_constraints"]()).read_text().split()
    # jax and its TPU runtime stay; numpy and ml_dtypes may move to what a tensorflow-cpu release accepts
    assert pins == [f"{name}=={importlib.metadata.version(name)}" for name in ("jax", "jaxlib")]
    # on a TPU runtime its libtpu is pinned too (libtpu-nightly only where installed)
    real_version = importlib.metadata.version

    def version(name):
        if name == "libtpu-nightly":
            raise importlib.metadata.PackageNotFoundError(name)
        return "0.0.17" if name == "libtpu" else real_version(name)

    monkeypatch.setattr(importlib.metadata, "version", version)
    assert Path(ns["pip_constraints"]()).read_text().split() == pins + ["libtpu==0.0.17"]
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda n, *a: None if n == "tensorflow" else real_find_spec(n, *a))
    run_cell(cells[install], ns, install)
    assert ns["EXTRA"] == "[tf]"  # a Colab TPU runtime: tensorflow-cpu comes with nnjax


def test_notebook_runs_on_cpu(tmp_path, monkeypatch):
    cells = code_cells()
    ns: dict = {"__name__": "__main__"}
    run_cell(cells[0], ns, 0)
    ns.update(
        REQUIRE_TPU=False,
        EPOCHS=1,
        SWEEP_EPOCHS=1,
        SEEDS=2,
        SWEEP_ACTIVATIONS=["sigmoid", "relu"],
        OUT=str(tmp_path / "colab"),
    )
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj, *a, **k: shown.append(obj))
    if REAL_DATA_DIR:
        monkeypatch.setenv("NNJAX_DATA_DIR", REAL_DATA_DIR)
        data = contextlib.nullcontext
    else:
        import tensorflow_datasets as tfds

        data = functools.partial(tfds.testing.mock_data, num_examples=96)
    with data():
        for i, source in enumerate(cells[1:], 1):
            run_cell(source, ns, i)

    result, summary = ns["result"], ns["summary"]
    assert result["epochs"] == 1 and json.loads((Path(result["run_dir"]) / "result.json").read_text()) == result
    from nnjax.run import eval_run

    with data():  # the run's saved parameters give the accuracy the notebook reported
        assert eval_run(result["run_dir"])["test_accuracy"] == pytest.approx(result["test_accuracy"], abs=1e-6)
    if REAL_DATA_DIR:
        assert result["test_accuracy"] > 0.8  # one epoch of the video's network on real MNIST
    assert summary["n_members"] == 4 and summary["n_groups"] == 2
    names = {p.name for p in ns["figures"]}
    assert {"accuracy.png", "weights.png", "activations.png", "confusion.png", "learning_curves.png"} <= names
    assert len(shown) == len(ns["figures"]) and all(type(o).__name__ == "Image" for o in shown)
    # the sweep's own figures (nnjax viz of the sweep folder) are drawn and shown, not only the run's
    for folder in (Path(result["run_dir"]), Path(summary["sweep_dir"])):
        drawn = sorted((folder / "figures").glob("*.png"))
        assert drawn and [p for p in ns["figures"] if p.parent == folder / "figures"] == drawn, folder
    for png in ns["figures"]:
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", png
    assert re.search(r"\bsigmoid\b", summary["table"]) and re.search(r"\brelu\b", summary["table"])


def test_sweep_cell_trains_every_activation_and_splits_members_over_several_devices(monkeypatch):
    """The sweep cell with run_sweep stubbed: SWEEP_EPOCHS, every registered activation × SEEDS seeds, and each
    device training its own members where there are several."""
    import jax

    import nnjax.sweep
    from nnjax import configs
    from nnjax.activations import ACTIVATIONS

    cells = code_cells()
    sweep_cell = next(i for i, c in enumerate(cells) if "run_sweep(" in c)
    calls = []

    def recorded(base, grid, out, **kwargs):
        calls.append((base, grid, out, kwargs))
        return {"table": "| t |", "n_members": 1, "wall_s": 1.0, "device": "tpu"}

    monkeypatch.setattr(nnjax.sweep, "run_sweep", recorded)
    for devices in (8, 1):
        monkeypatch.setattr(jax, "device_count", lambda n=devices: n)
        ns = {"configs": configs, "jax": jax, "SWEEP_EPOCHS": 3, "SEEDS": 8, "SWEEP_ACTIVATIONS": None, "OUT": "o"}
        run_cell(cells[sweep_cell], ns, sweep_cell)
        base, grid, out, kwargs = calls.pop()
        assert base.name == "activations" and base.epochs == 3 and base.hidden == configs.video().hidden
        assert grid == {"activation": list(ACTIVATIONS), "seed": list(range(8))} and out == "o/activations"
        assert kwargs["shard_members"] is (devices > 1), devices


def test_plots_cell_stops_when_nnjax_viz_fails(monkeypatch, tmp_path):
    """A figure nnjax viz could not draw stops the notebook with the folder named (not shown stale or missing)."""
    import nnjax.cli

    cells = code_cells()
    plots = next(i for i, c in enumerate(cells) if '"viz"' in c)
    asked = []
    monkeypatch.setattr(nnjax.cli, "main", lambda argv: asked.append(argv) or (1 if argv[1].endswith("sweep") else 0))
    monkeypatch.setattr("IPython.display.display", lambda *a, **k: pytest.fail("nothing to show"))
    ns = {"result": {"run_dir": str(tmp_path / "run")}, "summary": {"sweep_dir": str(tmp_path / "sweep")}}
    with pytest.raises(SystemExit, match=f"nnjax viz {tmp_path / 'sweep'} failed"):
        run_cell(cells[plots], ns, plots)
    assert asked == [["viz", str(tmp_path / "run")], ["viz", str(tmp_path / "sweep")]]
