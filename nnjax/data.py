"""Data sets through tensorflow-datasets, checked and cached as NumPy arrays.

Online, tfds downloads and builds the data set. Offline, ``--data-dir DIR`` (or ``$NNJAX_DATA_DIR``)
points at a folder with the raw files (for MNIST the four IDX ``.gz`` files) and tfds builds from it
through ``DownloadConfig(manual_dir=DIR)``. The raw files are checked first, so a corrupt file gives
one clear line rather than a TensorFlow traceback. Once built, the splits are cached as ``.npz``
beside tfds's copy, so later runs load in well under a second without importing TensorFlow.

With several processes (multi-host), ``load_splits(..., rows=...)`` gives each process only its own
block of rows of every split. The ``.npz`` cache is written uncompressed, so each array lies whole
inside the file: the block is read with one seek and one read of exactly its bytes, and the split
sizes come from the arrays' ``.npy`` headers — the other processes' rows are never read. (A process
that finds no cache builds it through tfds first, holding the whole set once, as a single process does.)
"""

from __future__ import annotations

import contextlib
import dataclasses
import gzip
import io
import math
import os
import re
import shutil
import socket
import struct
import sys
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from nnjax.config import N_VALIDATION, absolute_folder, train_size_problem
from nnjax.errors import CheckpointError, ConfigError, DataError, first_line

if TYPE_CHECKING:
    import jax

MEAN, STD = 0.1307, 0.3081  # MNIST train-set pixel statistics on the [0, 1] scale

# Raw file names of the IDX-format sets (MNIST and Fashion-MNIST use the same four names).
IDX_FILES = {
    "train-images-idx3-ubyte.gz": (0x803, 60_000),
    "train-labels-idx1-ubyte.gz": (0x801, 60_000),
    "t10k-images-idx3-ubyte.gz": (0x803, 10_000),
    "t10k-labels-idx1-ubyte.gz": (0x801, 10_000),
}
IDX_DATASETS = ("mnist", "fashion_mnist")
CACHE_FORMAT = 2  # 2: a CRC-32 per row of each array (``{name}_crc``), for blocks read by offset
CACHE_ARRAYS = ("x_train", "y_train", "x_test", "y_test")


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
    # When the arrays above hold only one block of rows of their splits (``load_splits(rows=...)``):
    # the first row of each block and each split's full size, for (train, eval, test). None: whole splits.
    starts: tuple[int, int, int] = (0, 0, 0)
    sizes: tuple[int, int, int] | None = None

    def __post_init__(self) -> None:
        """DataError naming the first array that is not uint8 images x_Nx784 or integer labels 0–9 y_N (a
        float image in [0, 1] would be scaled by 1/255 again and train on near-black pixels), or the first
        split with no image at all (a block of rows may be empty; the whole split may not)."""
        if self.eval_split not in ("test", "val"):
            raise DataError(f"Splits.eval_split = {self.eval_split!r}: expected 'test' or 'val'")
        for split in ("train", "eval", "test"):
            x, y = getattr(self, f"x_{split}"), getattr(self, f"y_{split}")
            check_images(x, f"Splits.x_{split}")
            if self.sizes is None and len(x) == 0:  # evaluating it divided by zero, deep inside training
                raise DataError(f"Splits.x_{split}: no images; every split needs at least one")
            y_dtype, y_kind = _dtype_and_kind(y)
            if y_dtype is None or not np.issubdtype(y_dtype, np.integer):
                raise DataError(f"Splits.y_{split}: {y_kind} labels; expected integers 0–9")
            if np.shape(y) != (len(x),):
                raise DataError(f"Splits.y_{split}: shape {np.shape(y)}; expected one label per image ({len(x)},)")
            if len(y) and not 0 <= int(np.min(y)) <= int(np.max(y)) <= 9:
                raise DataError(f"Splits.y_{split}: labels {int(np.min(y))}–{int(np.max(y))}; expected 0–9")

    @property
    def is_block(self) -> bool:
        """Whether the arrays are blocks of rows (one process's share), not whole splits."""
        return self.sizes is not None

    @property
    def n_train(self) -> int:
        """Images in the whole training split (not just the rows held here)."""
        return self.rows("train")[3]

    @property
    def n_eval(self) -> int:
        """Images in the whole evaluation split."""
        return self.rows("eval")[3]

    @property
    def n_test(self) -> int:
        """Images in the whole test split."""
        return self.rows("test")[3]

    def rows(self, split: str) -> tuple[np.ndarray, np.ndarray, int, int]:
        """(x, y, start, n) of ``split`` ("train", "eval" or "test"): x and y hold its rows
        [start, start + len(x)) of n."""
        i = ("train", "eval", "test").index(split)
        x, y = getattr(self, f"x_{split}"), getattr(self, f"y_{split}")
        return x, y, self.starts[i], len(x) if self.sizes is None else self.sizes[i]


def _dtype_and_kind(x: Any) -> tuple[Any, str]:
    """An array's dtype (None for anything else) and how an error names what it is: the dtype, or the type."""
    dtype = getattr(x, "dtype", None)
    return dtype, type(x).__name__ if dtype is None else str(dtype)


def check_images(x: Any, name: str, rows: bool = True) -> None:
    """DataError naming ``name`` unless ``x`` is an array of uint8 pixels 0–255 (of shape (N, 784) with
    ``rows``), as ``load_splits`` gives them: float images already in [0, 1] would be scaled by 1/255 again
    and read as near-black pixels. Looks at the dtype and shape only (also of a traced array)."""
    dtype, kind = _dtype_and_kind(x)
    if dtype != np.uint8 or (rows and (np.ndim(x) != 2 or np.shape(x)[1] != 784)):
        shape = " of shape (N, 784)" if rows else ""
        fix = ""
        if dtype is not None and np.issubdtype(dtype, np.floating):
            fix = "; float pixels in [0, 1]: np.round(x * 255).astype(np.uint8)"
        elif rows and np.shape(x) == (784,):
            fix = "; one image: x[None]"
        elif rows and np.shape(x)[1:] == (28, 28):
            fix = "; 28×28 images: x.reshape(len(x), 784)"
        raise DataError(
            f"{name}: {kind} of shape {np.shape(x)}; expected uint8 pixels 0–255{shape}, as load_splits gives "
            f"them (prepare_images scales them for the network){fix}"
        )


def check_splits(splits: Any, where: str) -> None:
    """DataError naming ``where``'s ``splits`` argument unless it is None or a ``Splits`` (a tuple of arrays
    or a dict failed later with an AttributeError)."""
    if splits is not None and not isinstance(splits, Splits):
        raise DataError(
            f"{where}: splits: {type(splits).__name__}; expected a nnjax.data.Splits (load_splits gives one, "
            "or Splits(x_train, y_train, x_eval, y_eval, x_test, y_test, 'test') of uint8 images) or None"
        )


def prepare_images(x_uint8: np.ndarray | jax.Array, standardize: bool) -> np.ndarray | jax.Array:
    """uint8 pixels → float32 in [0, 1], or standardised with the MNIST mean/std (jnp or np); DataError for
    pixels of any other dtype (``check_images``: a float image in [0, 1] would come out near-black)."""
    check_images(x_uint8, "prepare_images: x_uint8", rows=False)  # the dtype only: nothing at run time under jit
    return scale_pixels(x_uint8.astype("float32") / 255.0, standardize)


def scale_pixels(x_01: np.ndarray | jax.Array, standardize: bool) -> np.ndarray | jax.Array:
    """Pixel brightness in [0, 1] → the network's input: itself, or standardised with the MNIST mean/std
    (``prepare_images``' last step, for images made in [0, 1] rather than read as uint8, e.g. viz.wanted_inputs)."""
    return (x_01 - MEAN) / STD if standardize else x_01


def pixels_formula(standardize: bool) -> str:
    """What ``prepare_images`` computes, as a NumPy expression of the uint8 image ``x`` (for exports)."""
    return f"(x / 255 - {MEAN}) / {STD}" if standardize else "x / 255"


def tfds_root(tfds_dir: str | None = None) -> Path:
    """Where tfds keeps built data sets, absolute: the argument, $TFDS_DATA_DIR, or ~/tensorflow_datasets."""
    if tfds_dir:
        return _local_folder(tfds_dir, "tfds_dir", "--tfds-dir")
    if env := os.environ.get("TFDS_DATA_DIR"):
        return _local_folder(env, "TFDS_DATA_DIR")
    return Path(absolute_folder(Path.home() / "tensorflow_datasets"))


def manual_dir(data_dir: str | None = None) -> Path | None:
    """The raw-files folder, absolute: the argument or $NNJAX_DATA_DIR (None: download online)."""
    if data_dir:
        return _local_folder(data_dir, "data_dir", "--data-dir")
    if env := os.environ.get("NNJAX_DATA_DIR"):
        return _local_folder(env, "NNJAX_DATA_DIR")
    return None


def _local_folder(text: str | os.PathLike, name: str, flag: str = "") -> Path:
    """The absolute folder ``text`` names; DataError naming ``name`` (and ``flag``) for a URL, which a path
    turns into a local folder (gs://bucket/tfds: ./gs:/bucket/tfds, built into, exit 0), or for a path that is
    not UTF-8 (a byte 0xff), which TensorFlow's file functions under tfds cannot name."""
    given = f"{name}={str(text)!r}" + (f" ({flag})" if flag else "")
    if "://" in str(text):
        raise DataError(f"{given}: a URL; nnjax reads and writes local folders only")
    folder = absolute_folder(text)
    try:
        folder.encode("utf-8")
    except UnicodeEncodeError as e:  # Python keeps an undecodable byte b as the lone surrogate U+DC00 + b
        char = folder[e.start]
        what = f"byte 0x{ord(char) - 0xDC00:02x}" if 0xDC80 <= ord(char) <= 0xDCFF else repr(char)
        whose = "" if folder == str(text) else f" (as {folder!r})"
        raise DataError(f"{given}{whose}: not UTF-8 ({what}), which tfds needs of its folders") from None
    return Path(folder)


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


def check_manual_dir(folder: Path, dataset: str, source: str = "") -> None:
    """Check the raw files tfds will build from (full IDX checks for MNIST-format sets). ``source`` says
    where the folder was named (e.g. "--data-dir"), for the error when it is not one."""
    if not folder.is_dir():
        why = "is a file, not a data folder" if folder.exists() else "data folder not found"
        raise DataError(f"{folder}: {why}" + (f" ({source})" if source else ""))
    if dataset in IDX_DATASETS:
        for name, (magic, count) in IDX_FILES.items():
            path = folder / name
            if not path.exists() and (hint := _where_else(folder, name)):
                raise DataError(f"{path}: file not found; {hint}")
            check_idx_file(path, magic, count)


def _where_else(folder: Path, name: str) -> str:
    """Where the raw file ``name`` is instead, said as what to do: unpacked beside it (a browser may unzip
    downloads), or in a subfolder of ``folder``; '' if neither."""
    unpacked = folder / name.removesuffix(".gz")
    if unpacked.is_file():
        return f"{unpacked.name} is there unpacked: gzip it again (gzip {unpacked}); tfds reads the .gz files"
    inside = sorted(p.parent for p in folder.glob(f"*/{name}"))
    if inside:
        return f"it is in {inside[0]}: give that folder"
    return ""


def check_tfds_root(root: Path) -> None:
    """Raise DataError unless tfds can build into ``root``: an existing or creatable folder this process
    may write (not a file, nor under one). Checked before a build, so a bad --tfds-dir is one line."""
    from nnjax.checkpoint import check_writable_folder

    try:
        check_writable_folder(root)
    except CheckpointError as e:
        raise DataError(f"{e} (--tfds-dir / TFDS_DATA_DIR)") from None


def _network_reachable(host: str = "storage.googleapis.com", timeout: float = 5.0) -> bool:
    try:
        socket.create_connection((host, 443), timeout=timeout).close()
        return True
    except OSError:
        return False


def _cache_path(root: Path, dataset: str) -> Path:
    # EMNIST's arrays are upright since 2026-12-05 (``_split_to_numpy``): a new name, so an older cache of them,
    # transposed, is never read; the other sets' caches did not change.
    upright = "-upright" if dataset.startswith("emnist") else ""
    return root / "nnjax_cache" / f"{dataset.replace('/', '_')}{upright}.npz"


def _read_cache(path: Path) -> dict[str, np.ndarray] | None:
    try:
        with np.load(path, allow_pickle=False) as z:
            arrays = {k: z[k] for k in (*CACHE_ARRAYS, "format")}
    except Exception:  # missing, partial or stale: rebuild it from tfds
        return None
    return arrays if int(arrays.pop("format")) == CACHE_FORMAT else None


def _write_cache(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Save the arrays as the cache; where that cannot be written (e.g. a read-only tfds folder),
    say so on stderr and go on: the data still loads, from tfds, each time."""
    from nnjax.checkpoint import write_atomic

    buf = io.BytesIO()
    crcs = {f"{k}_crc": _row_crcs(arrays[k]) for k in CACHE_ARRAYS}
    np.savez(buf, format=np.int64(CACHE_FORMAT), **arrays, **crcs)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, buf.getvalue())
    except OSError as e:
        why = e.strerror or str(e)
        print(
            f"nnjax: warning: cannot write the array cache {path} ({why}); the data set loads through tfds each time",
            file=sys.stderr,
        )


def _row_crcs(a: np.ndarray) -> np.ndarray:
    """The CRC-32 of each row's bytes: a block of rows read by offset (``_read_rows``) is checked against
    them, as the zip's own CRC checks a whole array."""
    rows = np.ascontiguousarray(a).reshape(len(a), math.prod(a.shape[1:]))  # also 0 rows (an empty block)
    return np.array([zlib.crc32(row.tobytes()) for row in rows], np.uint32)


def _split_to_numpy(builder, split: str) -> tuple[np.ndarray, np.ndarray]:
    """A split's images, upright and flattened row by row, and labels. tfds keeps EMNIST's images as the
    EMNIST release stores them ("inverted horizontally and rotated 90° anti-clockwise": transposed)."""
    import tensorflow_datasets as tfds

    transposed = builder.name == "emnist"
    xs, ys = [], []
    for batch in tfds.as_numpy(builder.as_dataset(split=split).batch(10_000)):
        images = batch["image"][..., 0]  # [n, 28, 28, 1] → [n, 28, 28]
        xs.append((images.transpose(0, 2, 1) if transposed else images).reshape(len(images), -1))
        ys.append(batch["label"])
    return np.concatenate(xs).astype(np.uint8), np.concatenate(ys).astype(np.int32)


@contextlib.contextmanager
def _quiet_tfds(tfds: Any, quiet: bool) -> Iterator[None]:
    """tfds's build output on stderr (stdout stays for results, e.g. nnjax train --json); while ``quiet``,
    none of it: its lines ("Downloading and preparing dataset…", "Dl Completed") claim a download that an
    offline build from raw files never makes. Errors still arrive as exceptions."""
    if not quiet:
        with contextlib.redirect_stdout(sys.stderr):
            yield
        return
    from absl import logging as absl_logging
    from tensorflow_datasets.core.utils import tqdm_utils

    verbosity = absl_logging.get_verbosity()
    bars = getattr(tqdm_utils, "_active", True)  # the caller's choice (a notebook may have turned them off)
    absl_logging.set_verbosity(absl_logging.WARNING)
    tfds.disable_progress_bar()
    try:
        with open(os.devnull, "w") as devnull, contextlib.redirect_stdout(devnull):
            yield
    finally:
        (tfds.enable_progress_bar if bars else tfds.disable_progress_bar)()
        absl_logging.set_verbosity(verbosity)


def _warn_if_missing(raw: Path | None, root: Path) -> None:
    """Say so on stderr when a named raw-files folder does not exist but the built data set is used anyway."""
    if raw is not None and not raw.is_dir():
        why = f"{raw}: is a file, not a data folder" if raw.exists() else f"data folder {raw} not found"
        print(f"nnjax: warning: {why}; using the data set already built in {root}", file=sys.stderr)


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
        _warn_if_missing(raw, root)
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
        _warn_if_missing(raw, root)
        return arrays
    built = mocked or Path(str(builder.data_dir)).joinpath("dataset_info.json").exists()
    if built and not mocked:
        _warn_if_missing(raw, root)
    if not built:
        check_tfds_root(root)  # before the raw files are read or the network is tried
        unpacked = None  # where tfds unpacks the raw files: a folder of this build's own, removed after it
        if raw is not None:
            check_manual_dir(raw, dataset, "data_dir: --data-dir or the config" if data_dir else "from NNJAX_DATA_DIR")
            # tfds reuses an unpacked file of the same name (downloads/extracted/GZIP.<name>), and MNIST,
            # Fashion-MNIST and KMNIST share file names: with one folder for all, a build read another set's data.
            (root / "downloads").mkdir(parents=True, exist_ok=True)
            unpacked = tempfile.TemporaryDirectory(dir=root / "downloads", prefix="unpacking-")
            config = tfds.download.DownloadConfig(manual_dir=str(raw), extract_dir=unpacked.name)
        elif _network_reachable():
            config = None
        else:
            raise DataError(
                f"{dataset} is not built in {root} and there is no network to download it: "
                "pass --data-dir DIR (or set NNJAX_DATA_DIR) to a folder with its raw files, or --tfds-dir DIR "
                "(or set TFDS_DATA_DIR) to the folder it was built in"
            )
        source = f"the raw files in {raw} (nothing is downloaded)" if raw is not None else "a download"
        own = root / builder.name  # the data set's folder under root: a first build's own, removed if it fails
        own_is_new = not own.exists()
        print(f"nnjax: building {dataset} into {root} from {source}; first use only", file=sys.stderr)
        try:
            # tfds prints its progress to stdout: keep stdout for results (nnjax train --json).
            with _quiet_tfds(tfds, quiet=raw is not None):
                builder.download_and_prepare(download_config=config)
        except Exception as e:
            # nothing half-built is left behind (a later build would not take it for built), but a build another
            # process finished there meanwhile (its dataset_info.json) is no half-built one
            if own_is_new and not any(own.rglob("dataset_info.json")):
                shutil.rmtree(own, ignore_errors=True)
            raise DataError(_build_failure(e, dataset, raw)) from None
        finally:
            if unpacked is not None:
                unpacked.cleanup()
    try:
        x_train, y_train = _split_to_numpy(builder, "train")
        x_test, y_test = _split_to_numpy(builder, "test")
    except Exception as e:
        raise DataError(f"reading {dataset} from {builder.data_dir} failed: {e}") from None
    arrays = {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test}
    if not mocked:
        _write_cache(cache, arrays)
    return arrays


def _build_failure(e: Exception, dataset: str, raw: Path | None) -> str:
    """One line for a failed tfds build: its first line, or for a raw file that is not the data set's own
    (tfds's checksum check of the .gz file: e.g. MNIST files given for fashion_mnist, whose names are the
    same, or the right images gzipped again, which changes the bytes) the file and why."""
    text = str(e).strip()
    wrong = re.search(r"downloaded to (.+?), has wrong checksum", text)
    if wrong and raw is not None:
        return (
            f"building {dataset} from {raw} failed: {wrong.group(1)} is not the {dataset} release's file "
            "(tfds checks the .gz file's own checksum: a file of another data set, or one compressed again?)"
        )
    return f"building {dataset} from {raw or 'the internet'} failed: {first_line(e)}"


def _npz_layout(path: Path) -> dict[str, tuple[int, np.dtype, tuple[int, ...]]] | None:
    """Where each array of an uncompressed ``.npz`` lies in the file: name → (byte offset of its
    data, dtype, shape), read from the zip's local headers and the ``.npy`` headers alone.

    None if the file is missing or is not a plain uncompressed, C-ordered npz (it is then read whole).
    """

    layout = {}
    try:
        with zipfile.ZipFile(path) as z, open(path, "rb") as f:
            for info in z.infolist():
                if info.compress_type != zipfile.ZIP_STORED or not info.filename.endswith(".npy"):
                    return None
                f.seek(info.header_offset)
                local = f.read(30)  # the local file header: its name and extra field lengths vary
                if local[:4] != b"PK\x03\x04":
                    return None
                name_len, extra_len = struct.unpack("<HH", local[26:30])
                f.seek(info.header_offset + 30 + name_len + extra_len)
                fmt = np.lib.format
                read_header = {(1, 0): fmt.read_array_header_1_0, (2, 0): fmt.read_array_header_2_0}.get(
                    fmt.read_magic(f)
                )
                if read_header is None:
                    return None
                shape, fortran, dtype = read_header(f)
                if fortran or dtype.hasobject:
                    return None
                layout[info.filename[: -len(".npy")]] = (f.tell(), dtype, tuple(shape))
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, struct.error):
        return None
    return layout


def _read_rows(path: Path, layout, name: str, lo: int, hi: int, crcs: np.ndarray) -> np.ndarray:
    """Rows [lo, hi) of array ``name`` of an npz with ``layout``: one seek, one read of their bytes, checked
    against the rows' CRC-32s ``crcs`` (OSError if one differs)."""
    offset, dtype, shape = layout[name]
    row = math.prod(shape[1:])
    with open(path, "rb") as f:
        f.seek(offset + lo * row * dtype.itemsize)
        out = np.fromfile(f, dtype, count=(hi - lo) * row)
    if out.size != (hi - lo) * row:
        raise OSError(f"{path}: {name} is cut short")
    out = out.reshape(hi - lo, *shape[1:])
    if not np.array_equal(_row_crcs(out), crcs[lo:hi]):
        raise OSError(f"{path}: {name} is damaged")
    return out


def _check_validation(dataset: str, n: int) -> None:
    if n <= N_VALIDATION:
        raise DataError(f"{dataset}: {n} training images are too few to hold out {N_VALIDATION} for validation")


def _blocks_of(whole: Splits, rows) -> Splits:
    """The block ``rows(n)`` of every split of ``whole`` (copied, so the whole arrays can be freed)."""
    parts = {name: whole.rows(name) for name in ("train", "eval", "test")}
    bounds = {name: _bounds(rows, n) for name, (_, _, _, n) in parts.items()}
    arrays = []
    for name, (x, y, _, _) in parts.items():
        lo, hi = bounds[name]
        arrays += [np.array(x[lo:hi]), np.array(y[lo:hi])]
    starts = tuple(bounds[name][0] for name in parts)
    return Splits(*arrays, whole.eval_split, starts, tuple(n for _, _, _, n in parts.values()))


def _bounds(rows, n: int) -> tuple[int, int]:
    lo, hi = (int(i) for i in rows(n))
    if not 0 <= lo <= hi <= n:
        raise ValueError(f"rows({n}) gave [{lo}, {hi}): not a block of the {n} rows")
    return lo, hi


def take_train(splits: Splits, train_size: int | None) -> Splits:
    """``splits`` training on its first ``train_size`` training images only (None: all of them); the
    evaluation and test splits stay whole. The first N are a subset of the first M > N, so the sizes of a
    data-size sweep are nested. A ConfigError names ``train_size`` if the split holds fewer images, or if
    ``splits`` is one process's block of rows (``load_splits(train_size=...)`` reads the block of the subset)."""
    if train_size is None or _check_train_size(train_size, splits.n_train) == splits.n_train:
        return splits
    if splits.is_block:
        raise ConfigError(
            f"config field 'train_size' = {train_size}: the splits are one process's block of rows; load them "
            "with load_splits(..., train_size=...)"
        )
    return dataclasses.replace(splits, x_train=splits.x_train[:train_size], y_train=splits.y_train[:train_size])


def _check_train_size(train_size: Any, n_train: int) -> int:
    """``train_size`` if it is a number of images the training split of ``n_train`` holds, else a ConfigError."""
    if why := train_size_problem(train_size, n_train):  # in validate's words, as the command line says it
        raise ConfigError(f"config field 'train_size' = {train_size!r}: {why}")
    return train_size


def _load_blocks(
    dataset: str, data_dir: str | None, tfds_dir: str | None, validation: bool, train_size: int | None, rows
) -> Splits:
    path = _cache_path(tfds_root(tfds_dir), dataset)
    # As in load_arrays: once tfds is imported, mock data may be active and the cache must not shadow it.
    layout = None if "tensorflow_datasets" in sys.modules else _npz_layout(path)
    try:
        if layout is None or not all(k in layout for k in (*CACHE_ARRAYS, "format")):
            raise OSError("no usable cache")
        with np.load(path, allow_pickle=False) as z:  # reads these members only
            if int(z["format"]) != CACHE_FORMAT:
                raise OSError("stale cache")
            crcs = {k: z[f"{k}_crc"] for k in CACHE_ARRAYS}
        n_all, n_test = layout["x_train"][2][0], layout["x_test"][2][0]
        if layout["y_train"][2][0] != n_all or layout["y_test"][2][0] != n_test:
            raise OSError("damaged cache")
        if validation:
            _check_validation(dataset, n_all)
        n_kept = n_all - N_VALIDATION if validation else n_all  # the training split: the held-out rows follow it
        n_train = n_kept if train_size is None else _check_train_size(train_size, n_kept)
        tr, te = _bounds(rows, n_train), _bounds(rows, n_test)
        x_train, y_train = (_read_rows(path, layout, k, *tr, crcs[k]) for k in ("x_train", "y_train"))
        x_test, y_test = (_read_rows(path, layout, k, *te, crcs[k]) for k in ("x_test", "y_test"))
        if validation:  # the held-out images are the last rows of the cached train split
            ev = _bounds(rows, N_VALIDATION)
            x_eval, y_eval = (
                _read_rows(path, layout, k, n_kept + ev[0], n_kept + ev[1], crcs[k]) for k in ("x_train", "y_train")
            )
    except (OSError, ValueError, KeyError, zipfile.BadZipFile):  # no cache, or a damaged one: rebuilt
        return _blocks_of(load_splits(dataset, data_dir, tfds_dir, validation, train_size=train_size), rows)
    _warn_if_missing(manual_dir(data_dir), tfds_root(tfds_dir))  # read from the cache, as load_arrays says
    if not validation:
        return Splits(
            x_train, y_train, x_test, y_test, x_test, y_test, "test", (tr[0], te[0], te[0]), (n_train,) + (n_test,) * 2
        )
    return Splits(
        x_train, y_train, x_eval, y_eval, x_test, y_test, "val", (tr[0], ev[0], te[0]), (n_train, N_VALIDATION, n_test)
    )


def load_splits(
    dataset: str = "mnist",
    data_dir: str | None = None,
    tfds_dir: str | None = None,
    validation: bool = False,
    rows: Callable[[int], tuple[int, int]] | None = None,
    train_size: int | None = None,
) -> Splits:
    """The train / eval / test splits of a run (eval = last 10,000 train images with validation).

    ``train_size``: train on the first N images of the training split only (``take_train``; after the
    validation images are held out, so they are never among them); None: all of them.

    ``rows``: a function n → (lo, hi); each split of n images is then loaded as its rows [lo, hi)
    only (one process's block, see ``parallel.local_rows``), read from the cache without reading the
    other rows (module docstring), and the Splits record each block's start and each split's size.
    A ``dataset`` that is not a name or a ``validation`` that is not a bool (``"no"``, a truthy str, would
    hold out the validation split) is a ConfigError naming it.
    """
    if not isinstance(dataset, str):
        raise ConfigError(f"load_splits: dataset={dataset!r}: expected a data set's name, e.g. 'mnist' (cfg.dataset)")
    if not isinstance(validation, (bool, np.bool_)):
        raise ConfigError(f"load_splits: validation={validation!r}: expected True or False (cfg.validation)")
    if rows is not None:
        return _load_blocks(dataset, data_dir, tfds_dir, validation, train_size, rows)
    a = load_arrays(dataset, data_dir, tfds_dir)
    x_train, y_train = a["x_train"], a["y_train"]
    if validation:
        _check_validation(dataset, len(x_train))
        x_eval, y_eval = x_train[-N_VALIDATION:], y_train[-N_VALIDATION:]
        x_train, y_train = x_train[:-N_VALIDATION], y_train[:-N_VALIDATION]
        split = "val"
    else:
        x_eval, y_eval, split = a["x_test"], a["y_test"], "test"
    return take_train(Splits(x_train, y_train, x_eval, y_eval, a["x_test"], a["y_test"], split), train_size)
