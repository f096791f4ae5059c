"""Data sets through tensorflow-datasets, checked and cached as NumPy arrays.

Online, tfds downloads and builds the data set. Offline, ``--data-dir DIR`` (or ``$NNJAX_DATA_DIR``)
points at a folder with the raw files (for MNIST the four IDX ``.gz`` files) and tfds builds from it
through ``DownloadConfig(manual_dir=DIR)``. The raw files are checked first, so a corrupt file gives
one clear line rather than a TensorFlow traceback. Once built, the splits are cached as ``.npz``
beside tfds's copy, so later runs load in well under a second without importing TensorFlow.
"""

from __future__ import annotations

import contextlib
import gzip
import math
import os
import socket
import struct
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nnjax.errors import DataError

MEAN, STD = 0.1307, 0.3081  # MNIST train-set pixel statistics on the [0, 1] scale
N_VALIDATION = 10_000  # --validation holds out the last 10,000 training images

# Raw file names of the IDX-format sets (MNIST and Fashion-MNIST use the same four names).
IDX_FILES = {
    "train-images-idx3-ubyte.gz": (0x803, 60_000),
    "train-labels-idx1-ubyte.gz": (0x801, 60_000),
    "t10k-images-idx3-ubyte.gz": (0x803, 10_000),
    "t10k-labels-idx1-ubyte.gz": (0x801, 10_000),
}
IDX_DATASETS = ("mnist", "fashion_mnist")
CACHE_FORMAT = 1


@dataclass(frozen=True)
class Splits:
    """Images as uint8 x_Nx784 and labels as int32 y_N for each split a run uses."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_eval: np.ndarray  # the test split, or the held-out validation images
    y_eval: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    eval_split: str  # "test" or "val"


def prepare_images(x_uint8, standardize: bool):
    """uint8 pixels → float32 in [0, 1], or standardised with the MNIST mean/std (jnp or np)."""
    x = x_uint8.astype("float32") / 255.0
    return (x - MEAN) / STD if standardize else x


def tfds_root(tfds_dir: str | None = None) -> Path:
    """Where tfds keeps built data sets: the argument, $TFDS_DATA_DIR, or ~/tensorflow_datasets."""
    return Path(tfds_dir or os.environ.get("TFDS_DATA_DIR") or Path.home() / "tensorflow_datasets").expanduser()


def manual_dir(data_dir: str | None = None) -> Path | None:
    """The raw-files folder: the argument or $NNJAX_DATA_DIR (None: download online)."""
    d = data_dir or os.environ.get("NNJAX_DATA_DIR")
    return Path(d).expanduser() if d else None


def check_idx_file(path: Path, magic: int, count: int | None = None) -> None:
    """Raise DataError unless ``path`` is a complete gzip'd IDX file with the given magic."""
    if not path.is_file():
        raise DataError(f"{path}: file not found")
    try:
        with gzip.open(path, "rb") as f:
            raw = f.read()
    except (OSError, EOFError, zlib.error) as e:
        why = "truncated" if isinstance(e, EOFError) else f"corrupt gzip ({e})"
        raise DataError(f"{path}: {why}") from None
    if len(raw) < 8:
        raise DataError(f"{path}: too short for an IDX header ({len(raw)} bytes)")
    (got,) = struct.unpack(">I", raw[:4])
    if got != magic:
        raise DataError(f"{path}: wrong IDX magic 0x{got:08x} (expected 0x{magic:08x})")
    ndim = magic & 0xFF
    if len(raw) < 4 + 4 * ndim:
        raise DataError(f"{path}: truncated IDX header ({len(raw)} bytes, needs {4 + 4 * ndim})")
    dims = struct.unpack(f">{ndim}I", raw[4 : 4 + 4 * ndim])
    expected = 4 + 4 * ndim + math.prod(dims)  # Python ints: no overflow for damaged huge dims
    if len(raw) != expected:
        raise DataError(f"{path}: {len(raw)} bytes after gunzip, header says {expected}")
    if count is not None and dims[0] != count:
        raise DataError(f"{path}: holds {dims[0]} items, expected {count}")
    if ndim == 3 and dims[1:] != (28, 28):
        raise DataError(f"{path}: images are {dims[1]}x{dims[2]}, expected 28x28")
    if ndim == 1 and raw[8:] and max(raw[8:]) > 9:
        raise DataError(f"{path}: label {max(raw[8:])} is outside 0-9")


def check_manual_dir(folder: Path, dataset: str) -> None:
    """Check the raw files tfds will build from (full IDX checks for MNIST-format sets)."""
    if not folder.is_dir():
        raise DataError(f"{folder}: data folder not found")
    if dataset in IDX_DATASETS:
        for name, (magic, count) in IDX_FILES.items():
            check_idx_file(folder / name, magic, count)


def _network_reachable(host: str = "storage.googleapis.com", timeout: float = 5.0) -> bool:
    try:
        socket.create_connection((host, 443), timeout=timeout).close()
        return True
    except OSError:
        return False


def _cache_path(root: Path, dataset: str) -> Path:
    return root / "nnjax_cache" / f"{dataset.replace('/', '_')}.npz"


def _read_cache(path: Path) -> dict[str, np.ndarray] | None:
    try:
        with np.load(path, allow_pickle=False) as z:
            arrays = {k: z[k] for k in ("x_train", "y_train", "x_test", "y_test", "format")}
    except Exception:  # missing, partial or stale: rebuild it from tfds
        return None
    return arrays if int(arrays.pop("format")) == CACHE_FORMAT else None


def _write_cache(path: Path, arrays: dict[str, np.ndarray]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp.npz")
    np.savez(tmp, format=np.int64(CACHE_FORMAT), **arrays)
    os.replace(tmp, path)


def _split_to_numpy(builder, split: str) -> tuple[np.ndarray, np.ndarray]:
    import tensorflow_datasets as tfds

    xs, ys = [], []
    for batch in tfds.as_numpy(builder.as_dataset(split=split).batch(10_000)):
        xs.append(batch["image"].reshape(len(batch["image"]), -1))
        ys.append(batch["label"])
    return np.concatenate(xs).astype(np.uint8), np.concatenate(ys).astype(np.int32)


def load_arrays(
    dataset: str = "mnist", data_dir: str | None = None, tfds_dir: str | None = None
) -> dict[str, np.ndarray]:
    """x_train, y_train, x_test, y_test of a tfds data set (built on first use, then cached)."""
    root = tfds_root(tfds_dir)
    raw = manual_dir(data_dir)
    cache = _cache_path(root, dataset)
    # tfds.testing.mock_data needs tfds imported first; only then can the cache be shadowing mocked data.
    maybe_mocked = "tensorflow_datasets" in sys.modules
    arrays = None if maybe_mocked else _read_cache(cache)
    if arrays is not None:
        return arrays
    try:
        import tensorflow_datasets as tfds

        builder = tfds.builder(dataset, data_dir=str(root))
    except ImportError as e:
        raise DataError(f"cannot import tensorflow_datasets ({e})") from None
    except Exception as e:
        raise DataError(f"tfds cannot make a builder for {dataset!r}: {e}") from None
    # Under tfds.testing.mock_data the builder's folder is tfds's own metadata folder, not under root:
    # mocked data needs no build (download_and_prepare is a no-op) and is never cached.
    mocked = not Path(str(builder.data_dir)).resolve().is_relative_to(root.resolve())
    if not mocked and maybe_mocked and (arrays := _read_cache(cache)) is not None:
        return arrays
    built = mocked or Path(str(builder.data_dir)).joinpath("dataset_info.json").exists()
    if not built:
        if raw is not None:
            check_manual_dir(raw, dataset)
            config = tfds.download.DownloadConfig(manual_dir=str(raw))
        elif _network_reachable():
            config = None
        else:
            raise DataError(
                f"{dataset} is not built in {root} and there is no network to download it: "
                "pass --data-dir DIR (or set NNJAX_DATA_DIR) to a folder with its raw files"
            )
        try:
            # tfds prints its progress to stdout: keep stdout for results (nnjax train --json).
            with contextlib.redirect_stdout(sys.stderr):
                builder.download_and_prepare(download_config=config)
        except Exception as e:
            first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
            raise DataError(f"building {dataset} from {raw or 'the internet'} failed: {first}") from None
    try:
        x_train, y_train = _split_to_numpy(builder, "train")
        x_test, y_test = _split_to_numpy(builder, "test")
    except Exception as e:
        raise DataError(f"reading {dataset} from {builder.data_dir} failed: {e}") from None
    arrays = {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test}
    if not mocked:
        _write_cache(cache, arrays)
    return arrays


def load_splits(
    dataset: str = "mnist",
    data_dir: str | None = None,
    tfds_dir: str | None = None,
    validation: bool = False,
) -> Splits:
    """The train / eval / test splits of a run (eval = last 10,000 train images with validation)."""
    a = load_arrays(dataset, data_dir, tfds_dir)
    x_train, y_train = a["x_train"], a["y_train"]
    if validation:
        if len(x_train) <= N_VALIDATION:
            raise DataError(
                f"{dataset}: {len(x_train)} training images are too few to hold out {N_VALIDATION} for validation"
            )
        x_eval, y_eval = x_train[-N_VALIDATION:], y_train[-N_VALIDATION:]
        x_train, y_train = x_train[:-N_VALIDATION], y_train[:-N_VALIDATION]
        split = "val"
    else:
        x_eval, y_eval, split = a["x_test"], a["y_test"], "test"
    return Splits(x_train, y_train, x_eval, y_eval, a["x_test"], a["y_test"], split)
