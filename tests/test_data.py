"""Data: raw IDX checks (each bad file gives its one-line error), mock tfds loading, the npz cache, splits."""

from __future__ import annotations

import gzip
import os
import re
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import mock_splits, write_idx

from nnjax import config as C
from nnjax import data
from nnjax.errors import ConfigError, DataError

TRAIN_IMAGES = "train-images-idx3-ubyte.gz"
TRAIN_LABELS = "train-labels-idx1-ubyte.gz"
TEST_IMAGES = "t10k-images-idx3-ubyte.gz"
TEST_LABELS = "t10k-labels-idx1-ubyte.gz"


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _flip_bits(path: Path) -> None:
    raw = bytearray(path.read_bytes())
    for i in range(len(raw) // 3, len(raw) // 3 + 16):  # in the deflate stream, past the 10-byte gzip header
        raw[i] ^= 0xFF
    path.write_bytes(bytes(raw))


def _not_gzip(path: Path) -> None:
    path.write_text("<html>404 Not Found</html>\n")


def _wrong_magic(path: Path) -> None:  # an image file where the test labels belong
    write_idx(path, 0x803, np.zeros((10_000, 28, 28), np.uint8))


def _wrong_count(path: Path) -> None:
    write_idx(path, 0x801, np.zeros((100,), np.uint8))


def _short_payload(path: Path) -> None:  # header says 60,000 images, only 59,999 follow
    payload = b"\x00\x00\x08\x03" + (60_000).to_bytes(4, "big") + (28).to_bytes(4, "big") * 2
    with gzip.open(path, "wb", compresslevel=1) as f:
        f.write(payload + bytes(59_999 * 784))


def _bad_label(path: Path) -> None:
    labels = np.zeros((60_000,), np.uint8)
    labels[123] = 11
    write_idx(path, 0x801, labels)


def _header_only(path: Path) -> None:
    with gzip.open(path, "wb") as f:
        f.write(b"\x00\x00\x08")


DAMAGES = {
    "missing file": (TEST_LABELS, lambda p: p.unlink(), "file not found"),
    "truncated gz": (TRAIN_IMAGES, _truncate, "truncated"),
    "corrupt gz": (TRAIN_LABELS, _flip_bits, "corrupt gzip"),
    "not gzip": (TEST_IMAGES, _not_gzip, "corrupt gzip"),
    "wrong magic": (TEST_LABELS, _wrong_magic, "wrong IDX magic 0x00000803 (expected 0x00000801)"),
    "wrong count": (TEST_LABELS, _wrong_count, "holds 100 items, expected 10000"),
    "short payload": (TRAIN_IMAGES, _short_payload, "header says"),
    "label out of range": (TRAIN_LABELS, _bad_label, "label 11 is outside 0-9"),
    "too short": (TRAIN_LABELS, _header_only, "too short for an IDX header"),
}


@pytest.fixture
def raw_dir(idx_template: Path, tmp_path: Path) -> Path:
    """A fresh copy of a valid raw MNIST folder, free to damage."""
    return Path(shutil.copytree(idx_template, tmp_path / "raw"))


def test_valid_raw_folder_passes_the_checks(raw_dir):
    data.check_manual_dir(raw_dir, "mnist")  # so every damage below is what the checker objects to


@pytest.mark.parametrize("damage", sorted(DAMAGES))
def test_damaged_raw_file_names_file_and_problem(raw_dir, damage):
    name, hurt, message = DAMAGES[damage]
    hurt(raw_dir / name)
    with pytest.raises(DataError) as e:
        data.check_manual_dir(raw_dir, "mnist")
    assert str(e.value).startswith(f"{raw_dir / name}: ")
    assert message in str(e.value)
    assert "\n" not in str(e.value)


def test_raw_files_unpacked_or_one_folder_down_are_pointed_at(raw_dir):
    """A browser may unzip downloads; a folder above the raw files' is an easy slip: the error says which."""
    (raw_dir / TEST_LABELS).rename(raw_dir / "inner.gz")
    with gzip.open(raw_dir / "inner.gz") as f:
        (raw_dir / TEST_LABELS.removesuffix(".gz")).write_bytes(f.read())
    with pytest.raises(DataError) as e:
        data.check_manual_dir(raw_dir, "mnist")
    unpacked = raw_dir / TEST_LABELS.removesuffix(".gz")
    assert str(e.value) == (
        f"{raw_dir / TEST_LABELS}: file not found; {unpacked.name} is there unpacked: gzip it again (gzip "
        f"{unpacked}); tfds reads the .gz files"
    )
    (raw_dir / "inner.gz").rename(raw_dir / TEST_LABELS)
    with pytest.raises(DataError) as e:
        data.check_manual_dir(raw_dir.parent, "mnist")
    assert str(e.value) == f"{raw_dir.parent / TRAIN_IMAGES}: file not found; it is in {raw_dir}: give that folder"


def test_missing_data_folder(tmp_path):
    with pytest.raises(DataError, match="data folder not found"):
        data.check_manual_dir(tmp_path / "nowhere", "mnist")


def test_data_folder_that_is_a_file(tmp_path):
    (tmp_path / "README.md").write_text("# not data\n")
    with pytest.raises(DataError) as e:
        data.check_manual_dir(tmp_path / "README.md", "mnist")
    assert str(e.value) == f"{tmp_path / 'README.md'}: is a file, not a data folder"


def test_check_idx_file_without_a_count(tmp_path):
    path = write_idx(tmp_path / "small.gz", 0x803, np.zeros((5, 28, 28), np.uint8))
    data.check_idx_file(path, 0x803)
    with pytest.raises(DataError, match="holds 5 items"):
        data.check_idx_file(path, 0x803, count=60_000)
    with pytest.raises(DataError, match="28x28"):
        data.check_idx_file(write_idx(tmp_path / "big.gz", 0x803, np.zeros((5, 32, 32), np.uint8)), 0x803)


def test_an_idx_file_longer_than_its_header_says_is_refused(tmp_path):
    """Bytes past the header's 100 labels (another file appended, or a wrong count) are an error too."""
    path = tmp_path / "labels.gz"
    with gzip.open(path, "wb") as f:
        f.write(b"\x00\x00\x08\x01" + (100).to_bytes(4, "big") + bytes(101))
    with pytest.raises(DataError, match="109 bytes after gunzip, header says 108"):
        data.check_idx_file(path, 0x801, count=100)


@pytest.mark.parametrize("where", [0, 99])
def test_every_label_is_checked_down_to_10(tmp_path, where):
    """A label of 10 (one past the digits), as the first or the last of the file, is refused; 9 passes."""
    labels = np.full(100, 9, np.uint8)
    data.check_idx_file(write_idx(tmp_path / "ok.gz", 0x801, labels), 0x801, count=100)
    labels[where] = 10
    with pytest.raises(DataError, match="label 10 is outside 0-9"):
        data.check_idx_file(write_idx(tmp_path / "bad.gz", 0x801, labels), 0x801, count=100)


# ---- through the command line: one line on stderr, exit 1 -----------------------------------------------


@pytest.mark.parametrize("damage", sorted(DAMAGES))
def test_cli_damaged_data(raw_dir, tmp_path, cli_error, damage):
    name, hurt, message = DAMAGES[damage]
    hurt(raw_dir / name)
    out = tmp_path / "run"
    line = cli_error("train", "--data-dir", raw_dir, "--tfds-dir", tmp_path / "tfds", "--out", out, "--no-progress")
    assert line.startswith(f"nnjax: error: {raw_dir / name}: ")
    assert message in line
    assert not out.exists()  # nothing is written before the data is known to be good


def test_cli_missing_data_folder(tmp_path, cli_error):
    line = cli_error(
        "train", "--data-dir", tmp_path / "nowhere", "--tfds-dir", tmp_path / "tfds", "--out", tmp_path / "r"
    )
    assert line == f"nnjax: error: {tmp_path / 'nowhere'}: data folder not found (data_dir: --data-dir or the config)"


def test_cli_data_folder_that_is_a_file(tmp_path, cli_error):
    (tmp_path / "README.md").write_text("# not data\n")
    argv = ("--data-dir", tmp_path / "README.md", "--tfds-dir", tmp_path / "tfds", "--out", tmp_path / "r")
    line = cli_error("train", "--epochs", "1", *argv)
    why = "is a file, not a data folder (data_dir: --data-dir or the config)"
    assert line == f"nnjax: error: {tmp_path / 'README.md'}: {why}"


def _tfds_dir_cases(tmp_path: Path) -> dict[str, tuple[Path, Path, str]]:
    """A bad --tfds-dir → (the path, the path the error names, what it says)."""
    (tmp_path / "README.md").write_text("# not a folder\n")
    ro = tmp_path / "read_only"
    ro.mkdir()
    return {
        "a file": (tmp_path / "README.md", tmp_path / "README.md", "is a file, not a folder"),
        "under a file": (tmp_path / "README.md" / "tfds", tmp_path / "README.md", "is a file, not a folder"),
        "not writable": (ro / "tfds", ro, "not writable"),
    }


def _deny_writes_to(monkeypatch, folder: Path) -> None:
    """os.access says ``folder`` is not writable, and only that (chmod alone cannot: the tests may run as
    root): a check that asked for another permission would pass it."""
    real = os.access
    monkeypatch.setattr(
        os, "access", lambda p, mode, **kw: not (Path(p) == folder and mode & os.W_OK) and real(p, mode, **kw)
    )


@pytest.mark.parametrize("case", ["a file", "under a file", "not writable"])
def test_cli_bad_tfds_folder_is_one_line_before_any_build(raw_dir, tmp_path, cli, monkeypatch, case):
    tfds_dir, named, message = _tfds_dir_cases(tmp_path)[case]
    _deny_writes_to(monkeypatch, tmp_path / "read_only")
    monkeypatch.setattr(data, "check_manual_dir", lambda *a: pytest.fail("raw files read before the tfds folder check"))
    monkeypatch.setenv("NNJAX_DATA_DIR", str(raw_dir))
    out = tmp_path / "r"
    rc, stdout, err = cli("train", "--epochs", "1", "--tfds-dir", tfds_dir, "--out", out, "--no-progress")
    assert rc == 1 and stdout == "" and "building" not in err, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(f"nnjax: error: {named}: {message}")
    assert lines[0].endswith("(--tfds-dir / TFDS_DATA_DIR)")
    assert not out.exists()


def test_cli_bad_tfds_folder_from_environment(tmp_path, cli_error, monkeypatch):
    tfds_dir, named, message = _tfds_dir_cases(tmp_path)["a file"]
    monkeypatch.setenv("TFDS_DATA_DIR", str(tfds_dir))
    monkeypatch.setattr(data, "_network_reachable", lambda *a, **k: pytest.fail("network tried before the check"))
    line = cli_error("train", "--epochs", "1", "--out", tmp_path / "r", "--no-progress")
    assert line.startswith(f"nnjax: error: {named}: {message}") and line.endswith("(--tfds-dir / TFDS_DATA_DIR)")


def test_cli_data_dir_from_environment(tmp_path, cli_error, monkeypatch):
    monkeypatch.setenv("NNJAX_DATA_DIR", str(tmp_path / "from_env"))
    line = cli_error("train", "--tfds-dir", tmp_path / "tfds", "--out", tmp_path / "r")
    assert line.endswith(f"{tmp_path / 'from_env'}: data folder not found (from NNJAX_DATA_DIR)")


def test_cli_no_data_and_no_network(tmp_path, cli_error, monkeypatch):
    monkeypatch.setattr(data, "_network_reachable", lambda *a, **k: False)
    line = cli_error("train", "--tfds-dir", tmp_path / "empty", "--out", tmp_path / "r", "--no-progress")
    assert "no network" in line and "--data-dir" in line and str(tmp_path / "empty") in line
    assert "--tfds-dir" in line  # built elsewhere (a run trained with $TFDS_DATA_DIR set, evaluated without)


# ---- loading -------------------------------------------------------------------------------------------


def test_raw_files_of_another_data_set_are_named_as_such(idx_template, tmp_path):
    """MNIST-format files given for fashion_mnist (the same four names) fail tfds's checksum: one line
    naming the file and the likely cause, not tfds's cut-off 'downloaded to …, has wrong checksum:'."""
    with pytest.raises(DataError) as e:
        data.load_arrays("fashion_mnist", str(idx_template), str(tmp_path / "tfds"))
    line = str(e.value)
    assert line.startswith(f"building fashion_mnist from {idx_template} failed: {idx_template}/") and "\n" not in line
    assert line.endswith(
        "is not the fashion_mnist release's file (tfds checks the .gz file's own checksum: a file of another data "
        "set, or one compressed again?)"
    )
    assert list((tmp_path / "tfds" / "downloads").iterdir()) == []  # the failed build's unpacking folder is gone
    assert not (tmp_path / "tfds" / "fashion_mnist").exists()  # nor is the empty data-set folder it made


def test_a_failed_first_build_leaves_a_build_another_process_finished_meanwhile(idx_template, tmp_path, monkeypatch):
    """A failed first build removes the data set's folder it made; but where another process building the same
    data set into the same tfds folder finished meanwhile, that folder holds its build, which is kept."""
    import tensorflow_datasets as tfds

    real = tfds.core.DatasetBuilder.download_and_prepare
    other = tmp_path / "tfds" / "fashion_mnist" / "3.0.1" / "dataset_info.json"

    def meanwhile(self, *a, **k):
        try:
            return real(self, *a, **k)
        finally:  # the other process's build lands while this one fails
            other.parent.mkdir(parents=True, exist_ok=True)
            other.write_text("{}")

    monkeypatch.setattr(tfds.core.DatasetBuilder, "download_and_prepare", meanwhile)
    with pytest.raises(DataError, match="^building fashion_mnist from "):
        data.load_arrays("fashion_mnist", str(idx_template), str(tmp_path / "tfds"))
    assert other.read_text() == "{}"


def test_a_failed_build_leaves_the_data_sets_folder_that_was_there_before(idx_template, tmp_path):
    """Only a folder the failed build made is removed: one there before (an interrupted build, another version's
    files) is left as it was."""
    before = tmp_path / "tfds" / "fashion_mnist" / "notes.txt"
    before.parent.mkdir(parents=True)
    before.write_text("mine")
    with pytest.raises(DataError, match="^building fashion_mnist from "):
        data.load_arrays("fashion_mnist", str(idx_template), str(tmp_path / "tfds"))
    assert before.read_text() == "mine"


def test_mock_data_loads_as_uint8_images_and_int32_labels(tmp_path):
    s = mock_splits(40, tmp_path / "tfds")
    assert s.x_train.shape == (40, 784) and s.x_train.dtype == np.uint8
    assert s.y_train.shape == (40,) and s.y_train.dtype == np.int32
    assert s.x_eval.shape == s.x_test.shape == (40, 784) and s.eval_split == "test"
    assert np.array_equal(s.x_eval, s.x_test)
    assert 0 <= s.y_train.min() and s.y_train.max() <= 9
    assert not (tmp_path / "tfds" / "nnjax_cache").exists()  # mock data is never cached


@pytest.mark.parametrize("dataset", ["mnist", "emnist/digits"])
def test_loaded_arrays_are_tfds_examples_in_order(tmp_path, dataset):
    """Row i of each split is tfds's example i: its 28×28 image flattened row by row, and its label. EMNIST's
    images, which tfds keeps transposed as the EMNIST release does, are turned upright (as MNIST's, and as
    ``nnjax predict`` makes a photo)."""
    import tensorflow_datasets as tfds

    with tfds.testing.mock_data(num_examples=12):
        s = data.load_splits(dataset, None, str(tmp_path / "tfds"))
        for split, x, y in (("train", s.x_train, s.y_train), ("test", s.x_test, s.y_test)):
            examples = list(
                tfds.as_numpy(tfds.builder(dataset, data_dir=str(tmp_path / "tfds")).as_dataset(split=split))
            )
            assert len(examples) == len(x) == 12 and len(set(map(bytes, x))) > 1
            for i, ex in enumerate(examples):
                image = ex["image"][:, :, 0]
                upright = image.T if dataset.startswith("emnist") else image
                assert not np.array_equal(image, image.T)  # so the check below tells the two apart
                assert np.array_equal(x[i].reshape(28, 28), upright) and y[i] == ex["label"], (split, i)


def test_cached_arrays_load_without_building(tmp_path, monkeypatch):
    rng = np.random.default_rng(0)
    arrays = {
        "x_train": rng.integers(0, 256, (30, 784), dtype=np.uint8),
        "y_train": rng.integers(0, 10, 30).astype(np.int32),
        "x_test": rng.integers(0, 256, (20, 784), dtype=np.uint8),
        "y_test": rng.integers(0, 10, 20).astype(np.int32),
    }
    data._write_cache(data._cache_path(tmp_path, "fashion_mnist"), arrays)
    import tensorflow_datasets as tfds

    for method in ("download_and_prepare", "as_dataset"):
        monkeypatch.setattr(
            tfds.core.DatasetBuilder, method, lambda *a, **k: pytest.fail("a cached data set must not be built")
        )
    got = data.load_arrays("fashion_mnist", None, str(tmp_path))
    assert set(got) == set(arrays)
    assert all(np.array_equal(got[k], arrays[k]) and got[k].dtype == arrays[k].dtype for k in arrays)


def test_an_emnist_cache_of_transposed_images_is_never_read(tmp_path, monkeypatch):
    """EMNIST's arrays were cached transposed before its images were turned upright: that cache's name
    (emnist_digits.npz) is no longer read, while the other sets' caches keep their names (mnist.npz, which
    test_cached_arrays_load_without_building reads)."""
    arrays = {
        "x_train": np.zeros((3, 784), np.uint8),
        "y_train": np.zeros(3, np.int32),
        "x_test": np.zeros((2, 784), np.uint8),
        "y_test": np.zeros(2, np.int32),
    }
    data._write_cache(tmp_path / "nnjax_cache" / "emnist_digits.npz", arrays)
    assert data._cache_path(tmp_path, "mnist") == tmp_path / "nnjax_cache" / "mnist.npz"
    monkeypatch.setattr(data, "_network_reachable", lambda: False)
    with pytest.raises(DataError, match="emnist/digits is not built in"):
        data.load_arrays("emnist/digits", None, str(tmp_path))


def _write_small_cache(root: Path) -> None:
    """A 5-image MNIST cache under ``root`` (as a finished build leaves it)."""
    cached = {
        "x_train": np.zeros((5, 784), np.uint8),
        "y_train": np.zeros(5, np.int32),
        "x_test": np.zeros((3, 784), np.uint8),
        "y_test": np.zeros(3, np.int32),
    }
    data._write_cache(data._cache_path(root, "mnist"), cached)


def test_mock_data_is_not_shadowed_by_a_real_cache(tmp_path):
    import tensorflow_datasets as tfds

    _write_small_cache(tmp_path)
    assert len(data.load_arrays("mnist", None, str(tmp_path))["x_train"]) == 5  # outside mock: the cache
    with tfds.testing.mock_data(num_examples=7):
        assert len(data.load_arrays("mnist", None, str(tmp_path))["x_train"]) == 7  # inside: the mock


def test_missing_data_folder_with_a_built_set_is_named_in_a_warning(tmp_path, capsys):
    _write_small_cache(tmp_path)
    assert len(data.load_arrays("mnist", str(tmp_path), str(tmp_path))["x_train"]) == 5  # a folder that exists
    assert capsys.readouterr().err == ""
    typo = tmp_path / "nmist"
    assert len(data.load_arrays("mnist", str(typo), str(tmp_path))["x_train"]) == 5
    err = capsys.readouterr().err
    assert err == f"nnjax: warning: data folder {typo} not found; using the data set already built in {tmp_path}\n"
    data.load_splits("mnist", str(typo), str(tmp_path), rows=lambda n: (0, n))  # one process's block: same
    assert capsys.readouterr().err == err


def test_a_data_folder_that_is_a_file_is_named_in_the_warning(tmp_path, capsys):
    _write_small_cache(tmp_path)
    (tmp_path / "README.md").write_text("# not data\n")
    assert len(data.load_arrays("mnist", str(tmp_path / "README.md"), str(tmp_path))["x_train"]) == 5
    err = capsys.readouterr().err
    assert err == (
        f"nnjax: warning: {tmp_path / 'README.md'}: is a file, not a data folder; "
        f"using the data set already built in {tmp_path}\n"
    )


def test_a_read_only_tfds_folder_with_a_built_set_still_loads(tmp_path, monkeypatch):
    """The writable check is for builds only: a built set (nnjax cache, or tfds's own copy) in a folder
    this process may not write still loads, under mock data too."""
    import tensorflow_datasets as tfds

    _write_small_cache(tmp_path)
    _deny_writes_to(monkeypatch, tmp_path)
    with pytest.raises(DataError, match="not writable"):
        data.check_tfds_root(tmp_path)  # so the loads below do pass a folder the check refuses
    assert len(data.load_arrays("mnist", None, str(tmp_path))["x_train"]) == 5
    with tfds.testing.mock_data(num_examples=4):
        assert len(data.load_arrays("mnist", None, str(tmp_path))["x_train"]) == 4


def test_a_built_set_whose_cache_cannot_be_written_still_loads(tmp_path, monkeypatch, capsys):
    """A set tfds has built, in a folder where the nnjax cache cannot be written: one warning naming the
    cache file, and the arrays (here a path blocked by a file, which even root cannot write through)."""
    import tensorflow_datasets as tfds

    builder = tfds.builder("mnist", data_dir=str(tmp_path))
    Path(str(builder.data_dir)).mkdir(parents=True)
    builder.info.write_to_directory(builder.data_dir)  # dataset_info.json: what tfds checks to call a set built
    images = {"train": np.ones((6, 784), np.uint8), "test": np.zeros((3, 784), np.uint8)}
    monkeypatch.setattr(
        data, "_split_to_numpy", lambda builder, split: (images[split], np.arange(len(images[split]), dtype=np.int32))
    )
    (tmp_path / "nnjax_cache").write_text("not a folder")
    arrays = data.load_arrays("mnist", None, str(tmp_path))
    assert arrays["x_train"].shape == (6, 784) and arrays["y_test"].tolist() == [0, 1, 2]
    err = capsys.readouterr().err
    cache = data._cache_path(tmp_path, "mnist")
    assert err.startswith(f"nnjax: warning: cannot write the array cache {cache} (") and err.count("\n") == 1, err


def test_tfds_folder_checks_only_before_a_build(tmp_path, monkeypatch):
    """An unbuilt set has its tfds folder checked first; a built one loads without the check."""
    import tensorflow_datasets  # noqa: F401  (imported: load_arrays asks tfds before the cache)

    calls = []
    monkeypatch.setattr(data, "check_tfds_root", lambda root: calls.append(root))
    monkeypatch.setattr(data, "_network_reachable", lambda *a, **k: False)
    with pytest.raises(DataError, match="no network"):
        data.load_arrays("mnist", None, str(tmp_path / "empty"))
    assert calls == [tmp_path / "empty"]
    _write_small_cache(tmp_path)
    data.load_arrays("mnist", None, str(tmp_path))
    monkeypatch.delitem(sys.modules, "tensorflow_datasets")  # as in a fresh process: the cache first
    data.load_arrays("mnist", None, str(tmp_path))
    assert calls == [tmp_path / "empty"]


def test_a_cache_of_another_format_is_ignored(tmp_path):
    """A cache written by another nnjax (its ``format`` differs) is rebuilt rather than read."""
    path = data._cache_path(tmp_path, "mnist")
    _write_small_cache(tmp_path)
    assert data._read_cache(path) is not None
    with np.load(path) as z:
        arrays = dict(z)
    np.savez(path, **{**arrays, "format": np.int64(data.CACHE_FORMAT - 1)})
    assert data._read_cache(path) is None


def test_raw_files_of_fashion_mnist_are_checked_too(raw_dir):
    """Fashion-MNIST has MNIST's four IDX files: a damaged one is named before tfds builds."""
    data.check_manual_dir(raw_dir, "fashion_mnist")
    _wrong_count(raw_dir / TEST_LABELS)
    with pytest.raises(DataError, match="holds 100 items, expected 10000"):
        data.check_manual_dir(raw_dir, "fashion_mnist")


def test_damaged_cache_is_ignored(tmp_path):
    path = data._cache_path(tmp_path, "mnist")
    path.parent.mkdir(parents=True)
    path.write_bytes(b"PK\x03\x04 not really a zip")
    assert data._read_cache(path) is None


def _fake_arrays(n_train: int):
    return {
        "x_train": np.arange(n_train * 784, dtype=np.int64).reshape(n_train, 784).astype(np.uint8),
        "y_train": (np.arange(n_train) % 10).astype(np.int32),
        "x_test": np.zeros((7, 784), np.uint8),
        "y_test": np.zeros(7, np.int32),
    }


def test_validation_holds_out_the_last_10000_training_images(monkeypatch):
    a = _fake_arrays(10_050)
    a["y_train"] = np.random.default_rng(0).integers(0, 10, 10_050).astype(np.int32)  # no period a shift hides
    monkeypatch.setattr(data, "load_arrays", lambda *args, **kw: a)
    s = data.load_splits("mnist", validation=True)
    assert s.eval_split == "val"
    assert len(s.x_train) == 50 and len(s.x_eval) == 10_000
    assert np.array_equal(s.x_eval, a["x_train"][50:]) and np.array_equal(s.y_train, a["y_train"][:50])
    # each held-out image keeps its own label (the labels are held out with the images, not from another row)
    assert np.array_equal(s.y_eval, a["y_train"][50:]) and np.array_equal(s.x_train, a["x_train"][:50])
    assert len(s.x_test) == 7  # the test split is still the official one


def test_validation_needs_more_than_10000_images(monkeypatch):
    monkeypatch.setattr(data, "load_arrays", lambda *args, **kw: _fake_arrays(10_000))
    with pytest.raises(DataError, match="too few"):
        data.load_splits("mnist", validation=True)


@pytest.mark.parametrize("validation", [False, True])
def test_train_size_trains_on_the_first_images_nested_and_leaves_the_other_splits_whole(monkeypatch, validation):
    """The first N training images in tfds's order (after validation's hold-out: never one of those), so a
    smaller size is a subset of a larger one; the evaluation and test splits are the same as without it."""
    a = _fake_arrays(10_050)
    a["y_train"] = np.random.default_rng(0).integers(0, 10, 10_050).astype(np.int32)
    monkeypatch.setattr(data, "load_arrays", lambda *args, **kw: a)
    whole = data.load_splits("mnist", validation=validation)
    small, large = (data.load_splits("mnist", validation=validation, train_size=n) for n in (20, 40))
    assert (small.n_train, large.n_train, whole.n_train) == (20, 40, 50 if validation else 10_050)
    assert np.array_equal(small.x_train, a["x_train"][:20]) and np.array_equal(small.y_train, a["y_train"][:20])
    assert np.array_equal(large.x_train[:20], small.x_train) and np.array_equal(large.y_train[:20], small.y_train)
    for s in (small, large):
        assert s.eval_split == whole.eval_split
        for split in ("eval", "test"):
            assert np.array_equal(s.rows(split)[0], whole.rows(split)[0]) and np.array_equal(
                s.rows(split)[1], whole.rows(split)[1]
            ), split
    assert data.load_splits("mnist", validation=validation, train_size=whole.n_train).n_train == whole.n_train
    with pytest.raises(ConfigError, match=f"^config field 'train_size' = {whole.n_train + 1}: more than the"):
        data.load_splits("mnist", validation=validation, train_size=whole.n_train + 1)


@pytest.mark.parametrize(
    "bad, why",
    [
        (0, "must be positive (none: every training image)"),
        (-1, "must be positive (none: every training image)"),
        (2.0, "must be an integer or None"),
        (True, "must be an integer or None"),
        ("10", "must be an integer or None"),
        (5, "more than the 4 images of the training split"),
    ],
)
def test_take_train_refuses_what_is_no_count_of_images(bad, why):
    """In config.validate's words, which the command line gives for a bad --train-size (the one check)."""
    s = data.Splits(*[np.zeros((4, 784), np.uint8), np.zeros(4, np.int32)] * 3, "test")
    assert data.take_train(s, None) is s and data.take_train(s, 4) is s and data.take_train(s, 3).n_train == 3
    with pytest.raises(ConfigError) as e:
        data.take_train(s, bad)
    assert str(e.value) == f"config field 'train_size' = {bad!r}: {why}"
    if bad != 5:  # validate names mnist's 60,000
        with pytest.raises(ConfigError, match=re.escape(str(e.value))):
            C.validate(C.Config(train_size=bad))


@pytest.mark.parametrize("validation", [False, True])
@pytest.mark.parametrize("process", [0, 1])
def test_a_process_reads_its_block_of_the_first_train_size_images(tmp_path, monkeypatch, validation, process):
    """Several processes: each reads its block of the first N training images from the cache (the held-out
    images still the last 10,000 of the whole split), the same rows as the whole subset's."""
    monkeypatch.delitem(sys.modules, "tensorflow_datasets", raising=False)
    a = _fake_arrays(10_050)
    data._write_cache(data._cache_path(tmp_path, "mnist"), a)
    whole = data.load_splits("mnist", tfds_dir=str(tmp_path), validation=validation, train_size=31)
    monkeypatch.setattr(data, "load_arrays", lambda *args, **kw: pytest.fail("read the whole cache"))
    block = data.load_splits(
        "mnist", tfds_dir=str(tmp_path), validation=validation, rows=_halves(process), train_size=31
    )
    assert block.is_block and (block.n_train, block.n_eval, block.n_test) == (31, whole.n_eval, whole.n_test)
    for split in ("train", "eval", "test"):
        x, y, start, n = block.rows(split)
        assert (start, start + len(x)) == _halves(process)(n), split
        assert np.array_equal(x, whole.rows(split)[0][start : start + len(x)]), split
        assert np.array_equal(y, whole.rows(split)[1][start : start + len(y)]), split
    assert data.take_train(block, 31) is block
    with pytest.raises(ConfigError, match="one process's block of rows"):
        data.take_train(block, 30)


def _halves(p: int):
    """rows(n) of process p of 2: the first or second half (rounded up), as parallel.local_rows gives."""
    return lambda n: (min(n, p * -(-n // 2)), min(n, (p + 1) * -(-n // 2)))


def _overwrite_rows_except(path: Path, name: str, keep: list[tuple[int, int]]) -> None:
    """Overwrite, inside the npz file, every row of array ``name`` outside the ``keep`` ranges with 0xFF bytes."""
    offset, dtype, shape = data._npz_layout(path)[name]
    row = dtype.itemsize * int(np.prod(shape[1:]))
    raw = bytearray(path.read_bytes())
    for r in range(shape[0]):
        if not any(lo <= r < hi for lo, hi in keep):
            raw[offset + r * row : offset + (r + 1) * row] = b"\xff" * row
    path.write_bytes(bytes(raw))


@pytest.mark.parametrize("validation", [False, True])
@pytest.mark.parametrize("process", [0, 1])
def test_a_process_reads_only_its_block_of_the_cache(tmp_path, monkeypatch, validation, process):
    """load_splits(rows=...) reads each split's block from the npz cache and never the other rows:
    with every other row of the file overwritten it still returns the true rows."""
    monkeypatch.delitem(sys.modules, "tensorflow_datasets", raising=False)  # as in a fresh process: no mock data
    a = _fake_arrays(10_050)
    a["x_test"] = np.arange(7 * 784).reshape(7, 784).astype(np.uint8)
    a["y_test"] = np.arange(7, dtype=np.int32)
    path = data._cache_path(tmp_path, "mnist")
    data._write_cache(path, a)
    whole = data.load_splits("mnist", tfds_dir=str(tmp_path), validation=validation)
    rows = _halves(process)
    n_train = 50 if validation else 10_050
    tr, te = rows(n_train), rows(7)
    keep = [tr] + ([tuple(n_train + i for i in rows(10_000))] if validation else [])
    for name in ("x_train", "y_train"):
        _overwrite_rows_except(path, name, keep)
    for name in ("x_test", "y_test"):
        _overwrite_rows_except(path, name, [te])

    monkeypatch.setattr(data, "load_arrays", lambda *args, **kw: pytest.fail("read the whole cache"))
    block = data.load_splits("mnist", tfds_dir=str(tmp_path), validation=validation, rows=rows)
    assert block.is_block and not whole.is_block and block.eval_split == whole.eval_split
    assert (block.n_train, block.n_eval, block.n_test) == (whole.n_train, whole.n_eval, whole.n_test)
    for split in ("train", "eval", "test"):
        x, y, start, n = block.rows(split)
        assert (start, start + len(x)) == rows(n), split
        assert np.array_equal(x, whole.rows(split)[0][start : start + len(x)]), split
        assert np.array_equal(y, whole.rows(split)[1][start : start + len(y)]), split


@pytest.mark.parametrize("name", ["x_train", "y_test"])
def test_a_damaged_block_of_the_cache_is_never_trained_on(tmp_path, monkeypatch, name):
    """A byte flipped inside a process's block (its rows are read by offset, past the zip's CRC) is caught
    by the rows' own CRC-32s: the data come from a rebuild instead."""
    monkeypatch.delitem(sys.modules, "tensorflow_datasets", raising=False)
    a = _fake_arrays(10_050)
    path = data._cache_path(tmp_path, "mnist")
    data._write_cache(path, a)
    offset, dtype, shape = data._npz_layout(path)[name]
    raw = bytearray(path.read_bytes())
    raw[offset + 3 * dtype.itemsize * int(np.prod(shape[1:])) + 1] ^= 0x10  # row 3, in process 0's block
    path.write_bytes(bytes(raw))
    rebuilt = []
    monkeypatch.setattr(data, "load_arrays", lambda *args, **kw: rebuilt.append(1) or a)
    block = data.load_splits("mnist", tfds_dir=str(tmp_path), rows=_halves(0))
    assert (
        rebuilt and np.array_equal(block.x_train, a["x_train"][:5025]) and np.array_equal(block.y_test, a["y_test"][:4])
    )
    rebuilt.clear()  # the other process's block is intact: read from the cache
    block = data.load_splits("mnist", tfds_dir=str(tmp_path), rows=_halves(1))
    assert not rebuilt and np.array_equal(block.x_train, a["x_train"][5025:])
    block = data.load_splits("mnist", tfds_dir=str(tmp_path), validation=True, rows=lambda n: (n, n))  # no rows
    assert not rebuilt and block.x_train.shape == (0, 784) and block.y_eval.shape == (0,) and block.n_train == 50


def test_blocks_without_a_cache_come_from_the_whole_set(tmp_path, monkeypatch):
    a = _fake_arrays(10_050)
    monkeypatch.setattr(data, "load_arrays", lambda *args, **kw: a)
    block = data.load_splits("mnist", tfds_dir=str(tmp_path), validation=True, rows=_halves(1))
    assert block.starts == (25, 5_000, 4) and block.sizes == (50, 10_000, 7)
    assert np.array_equal(block.x_train, a["x_train"][25:50]) and np.array_equal(block.y_eval, a["y_train"][5_050:])
    assert len(block.x_test) == 3 and block.x_train.base is None, "a copy: the whole arrays can be freed"


def test_prepare_images():
    x = np.array([[0, 255, 51]], np.uint8)
    np.testing.assert_allclose(data.prepare_images(x, False), [[0.0, 1.0, 0.2]], rtol=1e-6)
    np.testing.assert_allclose(data.prepare_images(x, True), (np.array([[0.0, 1.0, 0.2]]) - 0.1307) / 0.3081, rtol=1e-5)
    assert data.prepare_images(x, False).dtype == np.float32


def test_a_quiet_build_restores_the_callers_progress_bar_setting():
    import tensorflow_datasets as tfds
    from tensorflow_datasets.core.utils import tqdm_utils

    from nnjax.data import _quiet_tfds

    for before in (False, True):
        (tfds.enable_progress_bar if before else tfds.disable_progress_bar)()
        with pytest.raises(RuntimeError), _quiet_tfds(tfds, quiet=True):
            assert not tqdm_utils._active  # off while building
            raise RuntimeError("the build failed")
        assert tqdm_utils._active == before
    tfds.enable_progress_bar()


def test_a_url_for_a_data_folder_is_refused_not_made_a_local_folder(monkeypatch):
    """TFDS_DATA_DIR=gs://bucket/tfds built into ./gs:/bucket/tfds (a Path collapses '//'), exit 0."""
    from nnjax.errors import DataError

    monkeypatch.setenv("TFDS_DATA_DIR", "gs://bucket/tfds")
    with pytest.raises(DataError, match=r"^TFDS_DATA_DIR='gs://bucket/tfds': a URL; nnjax reads and writes local"):
        data.tfds_root()
    monkeypatch.setenv("NNJAX_DATA_DIR", "s3://bucket/mnist")
    with pytest.raises(DataError, match=r"^NNJAX_DATA_DIR='s3://bucket/mnist': a URL"):
        data.manual_dir()


def test_data_folders_given_relative_are_named_absolute(monkeypatch, tmp_path):
    """`nnjax eval --data-dir ../x` printed the build line with ../x where `nnjax train` printed the absolute
    folder (its config holds it so): both now name the folder the same way, wherever it was given."""
    from nnjax.config import local_folder

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert data.manual_dir("raw") == tmp_path / "raw"
    assert data.manual_dir("~/raw") == tmp_path / "home" / "raw"
    assert data.tfds_root("built") == tmp_path / "built"
    # ../x as the config (config.local_folder) holds it: /parent/x, not /here/../x
    assert data.manual_dir("../raw") == tmp_path.parent / "raw"
    assert str(data.tfds_root("../built")) == local_folder("tfds_dir", "../built") == str(tmp_path.parent / "built")
    monkeypatch.setenv("NNJAX_DATA_DIR", "env_raw")
    monkeypatch.setenv("TFDS_DATA_DIR", "env_built")
    assert data.manual_dir() == tmp_path / "env_raw" and data.tfds_root() == tmp_path / "env_built"
    monkeypatch.delenv("TFDS_DATA_DIR")
    assert data.tfds_root() == tmp_path / "home" / "tensorflow_datasets"


@pytest.mark.parametrize(
    "x_train, y_train, eval_split, message",
    [
        ("float", None, "test", r"^Splits.x_train: float64 of shape \(6, 784\); expected uint8 pixels 0–255"),
        ("square", None, "test", r"^Splits.x_train: uint8 of shape \(6, 28, 28\); expected"),
        (None, "float", "test", r"^Splits.y_train: float32 labels; expected integers 0–9$"),
        (None, "short", "test", r"^Splits.y_train: shape \(5,\); expected one label per image \(6,\)$"),
        (None, "ten", "test", r"^Splits.y_train: labels 0–10; expected 0–9$"),
        (None, None, "validation", r"^Splits.eval_split = 'validation': expected 'test' or 'val'$"),
    ],
)
def test_splits_built_by_hand_must_hold_uint8_images_and_labels_0_to_9(x_train, y_train, eval_split, message):
    """Images already scaled to [0, 1] used to train silently on near-black pixels (scaled by 1/255 again)."""
    x = np.arange(6 * 784).reshape(6, 784).astype(np.uint8)
    y = np.arange(6, dtype=np.int32)
    x_bad = {"float": x / 255, "square": x.reshape(6, 28, 28), None: x}[x_train]
    y_bad = {"float": y.astype(np.float32), "short": y[:5], "ten": np.array([0, 1, 2, 3, 4, 10]), None: y}[y_train]
    data.Splits(x, y, x, y, x, y, "test")  # the same arrays, well formed
    with pytest.raises(DataError, match=message):
        data.Splits(x_bad, y_bad, x, y, x, y, eval_split)


@pytest.mark.parametrize("empty", ["train", "eval", "test"])
def test_splits_built_by_hand_refuse_an_empty_split(empty):
    """An empty test split made train_and_evaluate fail with a ZeroDivisionError traceback (evaluating it)."""
    x = np.arange(6 * 784).reshape(6, 784).astype(np.uint8)
    y = np.arange(6, dtype=np.int32)
    arrays = {name: (x[:0], y[:0]) if name == empty else (x, y) for name in ("train", "eval", "test")}
    with pytest.raises(DataError, match=rf"^Splits.x_{empty}: no images; every split needs at least one$"):
        data.Splits(*arrays["train"], *arrays["eval"], *arrays["test"], "test")


def test_prepare_images_refuses_float_images_already_in_0_1_also_under_jit():
    """A notebook's x / 255 given to prepare_images came back scaled again: near-black pixels, no error."""
    import jax
    import jax.numpy as jnp

    x = np.arange(2 * 784).reshape(2, 784).astype(np.uint8)
    np.testing.assert_allclose(data.prepare_images(x, False), x / 255, rtol=1e-6)
    np.testing.assert_allclose(data.prepare_images(x[0], False), x[0] / 255, rtol=1e-6)  # one image_784 too
    fix = r"; float pixels in \[0, 1\]: np.round\(x \* 255\).astype\(np.uint8\)$"
    with pytest.raises(DataError, match=r"^prepare_images: x_uint8: float64 of shape \(2, 784\); expected.*" + fix):
        data.prepare_images(x / 255, False)
    with pytest.raises(DataError, match=r"^prepare_images: x_uint8: float32 of shape \(2, 784\); expected uint8"):
        jax.jit(data.prepare_images, static_argnums=1)(jnp.asarray(x / 255, jnp.float32), True)
    with pytest.raises(DataError, match=r"^prepare_images: x_uint8: list of shape \(2, 784\); expected uint8"):
        data.prepare_images(x.tolist(), False)


def test_functions_that_take_splits_refuse_arrays_not_made_into_splits(tmp_path):
    """A notebook's (x, y) given as ``splits`` failed with "'tuple' object has no attribute 'x_train'" from
    deep in the memory estimate (or 'rows', 'x_test' in eval_run and render_run)."""
    from nnjax.config import Config
    from nnjax.run import eval_run, train_and_evaluate
    from nnjax.sweep import run_sweep
    from nnjax.viz import render_run

    x, y = np.zeros((4, 784), np.uint8), np.zeros(4, np.int32)
    cfg = Config(hidden=(8,), epochs=1, batch_size=2)
    calls = {
        "train_and_evaluate": lambda s: train_and_evaluate(cfg, tmp_path / "run", splits=s, progress=False),
        "run_sweep": lambda s: run_sweep(cfg, {"seed": [0, 1]}, tmp_path / "sweep", splits=s, progress=False),
        "eval_run": lambda s: eval_run(tmp_path / "run", splits=s),
        "render_run": lambda s: render_run(tmp_path / "run", splits=s),
    }
    for name, call in calls.items():
        for bad in ((x, y), {"x_train": x, "y_train": y}):
            kind = type(bad).__name__
            with pytest.raises(DataError, match=rf"^{name}: splits: {kind}; expected a nnjax.data.Splits \("):
                call(bad)
    assert list(tmp_path.iterdir()) == []


def test_load_splits_refuses_a_validation_that_is_not_a_bool_and_a_dataset_that_is_not_a_name():
    """validation="no" (a truthy str) held out the validation split, silently; load_splits(cfg) failed with
    "'Config' object has no attribute 'startswith'"."""
    from nnjax.config import Config
    from nnjax.errors import ConfigError

    with pytest.raises(ConfigError, match=r"^load_splits: validation='no': expected True or False \(cfg.validation\)$"):
        data.load_splits("mnist", validation="no")
    with pytest.raises(ConfigError, match=r"^load_splits: dataset=Config\(.*\): expected a data set's name"):
        data.load_splits(Config())


# --------------------------------------------------------------------------------------------------
# added after a mutation audit of data.py (mutants no test killed)
# --------------------------------------------------------------------------------------------------


def test_an_idx_file_of_more_items_or_other_image_sizes_than_expected_is_refused(tmp_path):
    """One item too many, or 28×32 images (one side right), is as wrong as too few or 32×32; an empty label
    file checked without a count holds no label out of range."""
    labels = write_idx(tmp_path / "labels.gz", 0x801, np.zeros(101, np.uint8))
    with pytest.raises(DataError, match="holds 101 items, expected 100"):
        data.check_idx_file(labels, 0x801, count=100)
    for h, w in ((28, 32), (32, 28)):
        images = write_idx(tmp_path / f"{h}x{w}.gz", 0x803, np.zeros((5, h, w), np.uint8))
        with pytest.raises(DataError, match=f"images are {h}x{w}, expected 28x28"):
            data.check_idx_file(images, 0x803, count=5)
    data.check_idx_file(write_idx(tmp_path / "none.gz", 0x801, np.zeros(0, np.uint8)), 0x801)


def test_a_data_folder_named_outright_is_used_whatever_the_environment_says(monkeypatch, tmp_path):
    """A URL in $TFDS_DATA_DIR or $NNJAX_DATA_DIR is refused only where the environment is what is read: a
    folder given as the argument (--tfds-dir, --data-dir) wins, as it does over a local folder there."""
    monkeypatch.setenv("TFDS_DATA_DIR", "gs://bucket/tfds")
    monkeypatch.setenv("NNJAX_DATA_DIR", "s3://bucket/mnist")
    assert data.tfds_root(str(tmp_path / "built")) == tmp_path / "built"
    assert data.manual_dir(str(tmp_path / "raw")) == tmp_path / "raw"


def test_a_cache_of_a_newer_format_is_ignored_too(tmp_path):
    """Only this nnjax's own format is read: a newer one (other arrays, other meaning) is rebuilt too."""
    path = data._cache_path(tmp_path, "mnist")
    _write_small_cache(tmp_path)
    with np.load(path) as z:
        arrays = dict(z)
    np.savez(path, **{**arrays, "format": np.int64(data.CACHE_FORMAT + 1)})
    assert data._read_cache(path) is None


def test_a_block_outside_the_split_is_refused(tmp_path, monkeypatch):
    """rows(n) must give 0 <= lo <= hi <= n: a negative start (which NumPy would read from the end) or one past
    the end is a ValueError naming the block, from the cache or from the whole set alike."""
    monkeypatch.delitem(sys.modules, "tensorflow_datasets", raising=False)
    a = _fake_arrays(10_050)
    monkeypatch.setattr(data, "load_arrays", lambda *args, **kw: a)
    for rows, said in (
        (lambda n: (-1, n), r"rows\(10050\) gave \[-1, 10050\)"),
        (lambda n: (0, n + 1), r"rows\(10050\) gave \[0, 10051\)"),
        (lambda n: (2, 1), r"rows\(10050\) gave \[2, 1\)"),
    ):
        with pytest.raises(ValueError, match=said + ": not a block of the 10050 rows"):
            data.load_splits("mnist", tfds_dir=str(tmp_path), rows=rows)
    data._write_cache(data._cache_path(tmp_path, "mnist"), a)
    with pytest.raises(ValueError, match=r"gave \[-1, 10050\)"):
        data.load_splits("mnist", tfds_dir=str(tmp_path), rows=lambda n: (-1, n))


def test_a_cache_whose_labels_outnumber_its_images_is_rebuilt_not_read_in_blocks(tmp_path, monkeypatch):
    """A damaged cache with more labels than images (each array's own CRCs still right) is not trained on:
    the block comes from a rebuild, as for any damaged cache."""
    monkeypatch.delitem(sys.modules, "tensorflow_datasets", raising=False)
    a = _fake_arrays(10_050)
    damaged = {**a, "y_train": np.concatenate([a["y_train"], np.zeros(5, np.int32)])}
    data._write_cache(data._cache_path(tmp_path, "mnist"), damaged)
    rebuilt = []
    monkeypatch.setattr(data, "load_arrays", lambda *args, **kw: rebuilt.append(1) or a)
    block = data.load_splits("mnist", tfds_dir=str(tmp_path), rows=_halves(0))
    assert rebuilt and np.array_equal(block.y_train, a["y_train"][:5025])


def test_splits_refuse_rows_that_are_not_784_pixels():
    """A 783-pixel row (a header byte dropped, or a crop) is refused as a 28×28 one is."""
    x = np.zeros((6, 784), np.uint8)
    y = np.zeros(6, np.int32)
    with pytest.raises(DataError, match=r"^Splits.x_train: uint8 of shape \(6, 783\); expected uint8 pixels"):
        data.Splits(x[:, :783], y, x, y, x, y, "test")


def test_a_built_set_read_through_tfds_warns_of_a_missing_data_folder(tmp_path, monkeypatch, capsys):
    """The warning of a named data folder that is not there also comes when the set is read from tfds's own
    copy (no nnjax cache yet), not only from the cache."""
    import tensorflow_datasets as tfds

    builder = tfds.builder("mnist", data_dir=str(tmp_path))
    Path(str(builder.data_dir)).mkdir(parents=True)
    builder.info.write_to_directory(builder.data_dir)  # dataset_info.json: tfds's own copy is built
    images = {"train": np.ones((6, 784), np.uint8), "test": np.zeros((3, 784), np.uint8)}
    monkeypatch.setattr(
        data, "_split_to_numpy", lambda builder, split: (images[split], np.arange(len(images[split]), dtype=np.int32))
    )
    typo = tmp_path / "nmist"
    assert data.load_arrays("mnist", str(typo), str(tmp_path))["x_train"].shape == (6, 784)
    err = capsys.readouterr().err
    assert err == f"nnjax: warning: data folder {typo} not found; using the data set already built in {tmp_path}\n"


def test_a_failed_build_is_one_line_naming_where_from():
    """tfds's error cut to its first line, naming the raw-files folder or the internet; a checksum failure of a
    download (no raw files of the user's to blame) is tfds's line, not "is not the release's file"."""
    e = RuntimeError("Download failed: connection reset\n  while fetching train-images\n  retry later")
    first = "failed: Download failed: connection reset"
    assert data._build_failure(e, "mnist", None) == f"building mnist from the internet {first}"
    raw = Path("/data/raw")
    assert data._build_failure(e, "mnist", raw) == f"building mnist from /data/raw {first}"
    checksum = RuntimeError("Artifact https://x/t.gz, downloaded to /tmp/dl/t.gz, has wrong checksum:\n* Expected")
    said = data._build_failure(checksum, "mnist", None)
    assert said.startswith("building mnist from the internet failed: Artifact https://x/t.gz") and "\n" not in said
    assert "release's file" not in said
    assert "/tmp/dl/t.gz is not the mnist release's file" in data._build_failure(checksum, "mnist", raw)
    assert data._build_failure(RuntimeError(""), "mnist", raw) == "building mnist from /data/raw failed: RuntimeError"


def test_load_splits_takes_a_numpy_bool_for_validation(monkeypatch):
    """np.True_ (a NumPy config value, or ``cfg.validation`` read from an array) is a bool: it holds out the
    validation split as True does; only values that are not booleans are refused."""
    monkeypatch.setattr(data, "load_arrays", lambda *args, **kw: _fake_arrays(10_050))
    assert data.load_splits("mnist", validation=np.True_).eval_split == "val"
    assert data.load_splits("mnist", validation=np.False_).eval_split == "test"


def test_a_quiet_build_restores_the_callers_log_level():
    """tfds's INFO lines are hidden while building from raw files only: the caller's absl verbosity comes back,
    also after a failed build."""
    import tensorflow_datasets as tfds
    from absl import logging as absl_logging

    from nnjax.data import _quiet_tfds

    before = absl_logging.get_verbosity()
    try:
        absl_logging.set_verbosity(absl_logging.DEBUG)
        with pytest.raises(RuntimeError), _quiet_tfds(tfds, quiet=True):
            assert absl_logging.get_verbosity() == absl_logging.WARNING
            raise RuntimeError("the build failed")
        assert absl_logging.get_verbosity() == absl_logging.DEBUG
    finally:
        absl_logging.set_verbosity(before)
        tfds.enable_progress_bar()


def test_a_folder_that_is_not_utf8_is_refused_naming_its_variable_or_flag(monkeypatch, tmp_path):
    """A non-UTF-8 byte in a folder's name (Python keeps it as a lone surrogate) failed deep in tfds's build as
    "'utf-8' codec can't encode character '\\udcff'", naming neither the folder nor where it came from."""
    monkeypatch.chdir(tmp_path)
    bad = str(tmp_path / "t") + "\udcff"
    monkeypatch.setenv("TFDS_DATA_DIR", bad)
    said = r"^TFDS_DATA_DIR='.*\\udcff': not UTF-8 \(byte 0xff\), which tfds needs of its folders$"
    with pytest.raises(DataError, match=said):
        data.tfds_root()
    with pytest.raises(DataError, match=r"^tfds_dir='.*' \(--tfds-dir\): not UTF-8 \(byte 0xff\)"):
        data.load_splits("mnist", None, bad)
    with pytest.raises(DataError, match=r"^data_dir='.*' \(--data-dir\): not UTF-8 \(byte 0xff\)"):
        data.load_splits("mnist", bad, str(tmp_path / "tfds"), rows=lambda n: (0, n))
    assert list(tmp_path.iterdir()) == []


def test_a_url_given_as_a_folder_argument_is_refused_not_made_a_local_folder(monkeypatch, tmp_path):
    """``nnjax eval RUN --tfds-dir gs://bucket/tfds`` (its flags reach load_splits as arguments, past the config's
    URL check) read the local folder ./gs:/bucket/tfds, and built into it: the argument is refused as the
    environment variable is, by its name, and nothing is made."""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(DataError, match=r"^tfds_dir='gs://bucket/tfds' \(--tfds-dir\): a URL; nnjax reads and"):
        data.load_splits("mnist", None, "gs://bucket/tfds")
    with pytest.raises(DataError, match=r"^data_dir='s3://bucket/mnist' \(--data-dir\): a URL; nnjax reads and"):
        data.load_splits("mnist", "s3://bucket/mnist", str(tmp_path / "tfds"), rows=lambda n: (0, n))
    assert list(tmp_path.iterdir()) == []
