"""Shared test set-up: strict JAX broadcasting, isolated data folders, tiny mock data sets.

Unit tests never touch the real MNIST files or ~/tensorflow_datasets: a session-wide fixture points
$TFDS_DATA_DIR at a temporary folder and removes $NNJAX_DATA_DIR. The integration test reads
$NNJAX_DATA_DIR through ``REAL_DATA_DIR`` below, captured when this file is imported (before any fixture
runs).
"""

from __future__ import annotations

import contextlib
import gzip
import os
import struct
from collections.abc import Iterator
from pathlib import Path

import jax
import numpy as np
import pytest

from nnjax.data import Splits

REAL_DATA_DIR = os.environ.get("NNJAX_DATA_DIR")

# Silent broadcasting between arrays of different rank is a classic shape bug: make it an error.
jax.config.update("jax_numpy_rank_promotion", "raise")
# Start the backend now, so the device count of this process is fixed for the whole session: an
# in-process `nnjax sweep` (cli.main) would otherwise ask for one CPU device per core
# (parallel.split_cpu_cores) and change how every later single run in this process is placed.
jax.devices()


@pytest.fixture(scope="session", autouse=True)
def isolated_data_dirs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """$TFDS_DATA_DIR → a fresh temporary folder; $NNJAX_DATA_DIR unset (no real data in unit tests)."""
    root = tmp_path_factory.mktemp("tfds_session")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TFDS_DATA_DIR", str(root))
        mp.delenv("NNJAX_DATA_DIR", raising=False)
        yield root


def mock_splits(num_examples: int, tfds_dir: Path):
    """Splits of tfds's mock MNIST (random images and labels, ``num_examples`` per split)."""
    import tensorflow_datasets as tfds

    from nnjax.data import load_splits

    with tfds.testing.mock_data(num_examples=num_examples):
        return load_splits("mnist", None, str(tfds_dir))


@pytest.fixture(scope="session")
def splits_256(tmp_path_factory: pytest.TempPathFactory):
    """Mock MNIST with 256 training and 256 test images (loaded once per session)."""
    return mock_splits(256, tmp_path_factory.mktemp("tfds_mock"))


@contextlib.contextmanager
def jax_cache_in(folder: Path | None) -> Iterator[None]:
    """JAX's persistent compilation cache in ``folder`` (what ``JAX_COMPILATION_CACHE_DIR`` names; None: off),
    keeping every program however small and quick to compile; after, the process's settings and cache as they
    were (JAX reads the folder once: ``reset_cache`` makes it read the setting again)."""
    from jax.experimental.compilation_cache import compilation_cache

    settings = {
        "jax_compilation_cache_dir": None if folder is None else str(folder),
        "jax_persistent_cache_min_compile_time_secs": 0,
        "jax_persistent_cache_min_entry_size_bytes": 0,
    }
    before = {name: getattr(jax.config, name) for name in settings}
    compilation_cache.reset_cache()
    try:
        for name, value in settings.items():
            jax.config.update(name, value)
        yield
    finally:
        for name, value in before.items():
            jax.config.update(name, value)
        compilation_cache.reset_cache()


def jax_cache_on() -> bool:
    """Whether this process has JAX's persistent compilation cache on (``session_jax_cache``, unless opted out)."""
    return jax.config.jax_compilation_cache_dir is not None


# Suite time: a program an earlier test compiled is loaded, not compiled again; tests of caching opt out.
@pytest.fixture(scope="session", autouse=True)
def session_jax_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """JAX's persistent compilation cache on for the whole session (``jax_cache_in``), in a fresh folder under
    pytest's temporary base: one per xdist worker (each worker has its own base), as JAX 0.10.2 writes an entry
    unlocked, in place, where another process may read it half-written. In process only: subprocesses compile
    as a user's would."""
    folder = tmp_path_factory.mktemp("jax_cache")
    with jax_cache_in(folder):
        yield folder


@pytest.fixture
def no_jax_disk_cache() -> Iterator[None]:
    """JAX's persistent compilation cache off for this test (``session_jax_cache`` as it was after): for tests
    that a program compiled, not loaded, whatever earlier tests compiled."""
    with jax_cache_in(None):
        yield


@pytest.fixture
def jax_disk_cache(tmp_path: Path) -> Iterator[Path]:
    """JAX's persistent compilation cache in a fresh folder of this test (``jax_cache_in``): empty at the start,
    whatever the session's cache holds; after the test, the session's as it was."""
    folder = tmp_path / "jax_cache"
    with jax_cache_in(folder):
        yield folder


# ---- raw IDX files -------------------------------------------------------------------------------------


def write_idx(path: Path, magic: int, data: np.ndarray) -> Path:
    """Write ``data`` (uint8) as a gzip'd IDX file with the given magic; the header's dims are data's shape."""
    header = struct.pack(">I", magic) + struct.pack(f">{data.ndim}I", *data.shape)
    with gzip.open(path, "wb", compresslevel=1) as f:
        f.write(header + np.ascontiguousarray(data, np.uint8).tobytes())
    return path


def write_idx_folder(folder: Path) -> Path:
    """A folder with the four MNIST IDX files at full size (all-zero pixels and labels: they gzip small)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, n in (("train", 60_000), ("t10k", 10_000)):
        write_idx(folder / f"{name}-images-idx3-ubyte.gz", 0x803, np.zeros((n, 28, 28), np.uint8))
        write_idx(folder / f"{name}-labels-idx1-ubyte.gz", 0x801, np.zeros((n,), np.uint8))
    return folder


@pytest.fixture(scope="session")
def idx_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A valid raw MNIST folder (synthetic), written once; copy it before damaging a file."""
    return write_idx_folder(tmp_path_factory.mktemp("idx_template") / "mnist")


# ---- the command line, in process ------------------------------------------------------------------------


@pytest.fixture
def cli(capsys: pytest.CaptureFixture):
    """cli(*argv) → (exit code, stdout, stderr) of ``nnjax argv`` run in this process."""
    from nnjax.cli import main

    def run(*argv) -> tuple[int, str, str]:
        rc = main([str(a) for a in argv])
        out, err = capsys.readouterr()
        return rc, out, err

    return run


@pytest.fixture
def cli_error(cli):
    """cli_error(*argv) → the one stderr line of a command that must fail on bad input (exit 1, no traceback)."""

    def run(*argv) -> str:
        rc, out, err = cli(*argv)
        assert rc == 1, f"exit {rc}; stdout: {out!r}; stderr: {err!r}"
        assert "Traceback" not in err
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("nnjax: error: "), err
        return lines[0]

    return run


def synthetic_splits(n_train: int = 512, n_test: int = 256, seed: int = 0) -> Splits:
    """Noisy copies of 10 random templates, one per class (a network learns it in a few epochs)."""
    import numpy as np

    from nnjax.data import Splits

    rng = np.random.default_rng(seed)
    templates_10x784 = rng.integers(0, 256, size=(10, 784))
    y_N = rng.integers(0, 10, size=n_train + n_test).astype(np.int32)
    x_Nx784 = np.clip(templates_10x784[y_N] + rng.normal(0, 60, size=(len(y_N), 784)), 0, 255).astype(np.uint8)
    x_train, x_test, y_train, y_test = x_Nx784[:n_train], x_Nx784[n_train:], y_N[:n_train], y_N[n_train:]
    return Splits(x_train, y_train, x_test, y_test, x_test, y_test, "test")


def epoch_times_sum(times: list[float]) -> object:
    """What a run's or group's train_s equals, given its metrics lines' epoch_s: their sum to the rounding of
    both (train_s is the unrounded times' sum to 3 decimals; each line's epoch_s is rounded to 4)."""
    return pytest.approx(sum(times), abs=0.0005 + 0.00005 * len(times) + 1e-9)
