"""Fuzz-style tests: truncated and bit-flipped IDX files, checkpoints and config files.

Each damaged input must give a clean NnjaxError (DataError / CheckpointError / ConfigError) or, where
the damage leaves a valid file, load correctly — never another exception and never a hang (every case
runs under a 10-second alarm). Seeded, so a failure reproduces.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import signal
import struct
import zlib
from pathlib import Path

import jax
import numpy as np
import pytest

from nnjax import checkpoint
from nnjax.config import Config, load_json, save_json, validate
from nnjax.data import check_idx_file, check_manual_dir
from nnjax.errors import CheckpointError, ConfigError, DataError, NnjaxError
from nnjax.train import init_state

CASES = 48  # per kind of damage
CASE_SECONDS = 10


class Hang(Exception):
    pass


@contextlib.contextmanager
def time_bound(seconds: float = CASE_SECONDS):
    """Fail a case that runs longer than ``seconds`` (a hang) instead of blocking the suite."""

    def alarm(signum, frame):
        raise Hang(f"case ran longer than {seconds} s")

    old = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def outcome(fn, *args):
    """None if ``fn`` accepted the input, else the NnjaxError it raised (anything else fails the test)."""
    with time_bound():
        try:
            fn(*args)
        except NnjaxError as e:
            assert "\n" not in str(e), f"error is not one line: {e!r}"
            return e
    return None


def flip_bits(data: bytes, rng: np.random.Generator, n: int) -> tuple[bytes, list[int]]:
    """``data`` with ``n`` random bits flipped, and the byte positions hit."""
    b = bytearray(data)
    positions = [int(p) for p in rng.integers(0, len(b), size=n)]
    for p in positions:
        b[p] ^= 1 << int(rng.integers(0, 8))
    return bytes(b), positions


# ---------------------------------------------------------------- IDX files


def idx_bytes(rng: np.random.Generator, n: int = 12, labels: bool = False) -> bytes:
    if labels:
        return struct.pack(">II", 0x801, n) + rng.integers(0, 10, n, dtype=np.uint8).tobytes()
    return struct.pack(">IIII", 0x803, n, 28, 28) + rng.integers(0, 256, n * 784, dtype=np.uint8).tobytes()


@pytest.mark.parametrize("labels", [False, True], ids=["images", "labels"])
def test_idx_valid_file_passes(tmp_path: Path, labels: bool):
    # The fuzz cases below are only meaningful if the undamaged file is accepted.
    path = tmp_path / "f.gz"
    path.write_bytes(gzip.compress(idx_bytes(np.random.default_rng(0), labels=labels)))
    check_idx_file(path, 0x801 if labels else 0x803, 12)


@pytest.mark.parametrize("labels", [False, True], ids=["images", "labels"])
def test_idx_truncated_gzip_is_a_data_error(tmp_path: Path, labels: bool):
    rng = np.random.default_rng(1)
    gz = gzip.compress(idx_bytes(rng, labels=labels))
    path = tmp_path / "f.gz"
    for n in sorted({0, 1, 9, len(gz) - 1, len(gz) - 4, *rng.integers(0, len(gz), CASES).tolist()}):
        path.write_bytes(gz[:n])
        assert isinstance(outcome(check_idx_file, path, 0x801 if labels else 0x803, 12), DataError), n


@pytest.mark.parametrize("labels", [False, True], ids=["images", "labels"])
def test_idx_truncated_content_is_a_data_error(tmp_path: Path, labels: bool):
    # A valid gzip stream around an IDX file that is cut short (header or data).
    rng = np.random.default_rng(2)
    raw = idx_bytes(rng, labels=labels)
    path = tmp_path / "f.gz"
    for n in sorted({*range(0, 18), len(raw) - 1, *rng.integers(0, len(raw), CASES).tolist()}):
        path.write_bytes(gzip.compress(raw[:n]))
        assert isinstance(outcome(check_idx_file, path, 0x801 if labels else 0x803, 12), DataError), n


@pytest.mark.parametrize("labels", [False, True], ids=["images", "labels"])
def test_idx_bit_flipped_gzip_never_passes_different_data(tmp_path: Path, labels: bool):
    rng = np.random.default_rng(3)
    raw = idx_bytes(rng, labels=labels)
    gz = gzip.compress(raw)
    path = tmp_path / "f.gz"
    errors = 0
    for case in range(CASES):
        damaged, _ = flip_bits(gz, rng, 1 + case % 3)
        path.write_bytes(damaged)
        err = outcome(check_idx_file, path, 0x801 if labels else 0x803, 12)
        if err is None:  # only harmless flips (gzip header fields like the time stamp) may pass
            assert gzip.decompress(damaged) == raw, f"case {case}: accepted a file with different contents"
        errors += err is not None
    assert errors > CASES // 2  # the CRC catches nearly every flip


@pytest.mark.parametrize("labels", [False, True], ids=["images", "labels"])
def test_idx_bit_flipped_content(tmp_path: Path, labels: bool):
    # Flips inside a valid gzip: a damaged header or an out-of-range label is an error; a flipped
    # pixel (or a label still in 0-9) is a valid file and may pass.
    rng = np.random.default_rng(4)
    raw = idx_bytes(rng, labels=labels)
    header = 8 if labels else 16
    path = tmp_path / "f.gz"
    for case in range(CASES):
        if case % 2:  # aim half of the cases at the header
            b = bytearray(raw)
            pos = int(rng.integers(0, header))
            b[pos] ^= 1 << int(rng.integers(0, 8))
            damaged, positions = bytes(b), [pos]
        else:
            damaged, positions = flip_bits(raw, rng, 1)
        path.write_bytes(gzip.compress(damaged))
        err = outcome(check_idx_file, path, 0x801 if labels else 0x803, 12)
        in_header = any(p < header for p in positions)
        bad_label = labels and max(damaged[header:]) > 9
        assert (err is not None) == (in_header or bad_label), f"case {case}: positions {positions}, {err}"


def test_idx_random_bytes_and_wrong_files(tmp_path: Path):
    rng = np.random.default_rng(5)
    path = tmp_path / "f.gz"
    for case in range(CASES):
        n = int(rng.integers(0, 4000))
        data = rng.integers(0, 256, n, dtype=np.uint8).tobytes()
        if case % 3 == 0:
            data = b"\x1f\x8b" + data  # the gzip magic followed by garbage
        elif case % 3 == 1:
            data = gzip.compress(data)  # valid gzip, garbage inside
        path.write_bytes(data)
        assert isinstance(outcome(check_idx_file, path, 0x803, None), DataError), case
    assert isinstance(outcome(check_idx_file, tmp_path / "missing.gz", 0x803, None), DataError)
    assert isinstance(outcome(check_idx_file, tmp_path, 0x803, None), DataError)  # a folder


def test_check_manual_dir_damaged_files(tmp_path: Path, idx_template: Path):
    """A complete folder passes; one damaged file in it is the error, and the error names that file."""
    import shutil

    rng = np.random.default_rng(6)
    assert isinstance(outcome(check_manual_dir, tmp_path / "nowhere", "mnist"), DataError)
    assert outcome(check_manual_dir, idx_template, "mnist") is None
    names = sorted(p.name for p in idx_template.iterdir())
    for case in range(8):
        folder = shutil.copytree(idx_template, tmp_path / f"d{case}")
        name = names[case % len(names)]
        good = (folder / name).read_bytes()
        cut = good[: int(rng.integers(0, len(good)))]
        damaged = cut if case % 2 else flip_bits(good, rng, 3)[0]
        (folder / name).write_bytes(damaged)
        error = outcome(check_manual_dir, folder, "mnist")
        with contextlib.suppress(OSError, EOFError, zlib.error):
            if gzip.decompress(damaged) == gzip.decompress(good):  # a flip in the gzip header's time stamp
                assert error is None, case
                continue
        assert isinstance(error, DataError) and str(error).startswith(f"{folder / name}: "), (case, error)


# ---------------------------------------------------------------- checkpoints


@pytest.fixture(scope="module")
def ckpt_target():
    cfg = Config(hidden=(5,), batch_size=4)
    return {"train": init_state([cfg], 16), "data_key": jax.random.key_data(jax.random.key(0))}


@pytest.fixture(scope="module")
def ckpt_bytes(ckpt_target):
    return checkpoint.encode(7, ckpt_target, {"config": {"lr": 0.1}})


def test_checkpoint_roundtrip(tmp_path: Path, ckpt_target, ckpt_bytes):
    path = tmp_path / "c.msgpack"
    path.write_bytes(ckpt_bytes)
    epoch, tree, meta = checkpoint.restore(path, ckpt_target)
    assert epoch == 7 and meta == {"config": {"lr": 0.1}}
    for want, got in zip(jax.tree_util.tree_leaves(ckpt_target), jax.tree_util.tree_leaves(tree)):
        np.testing.assert_array_equal(np.asarray(want), got)


def test_checkpoints_past_epoch_999999_are_found_and_newest(tmp_path: Path, ckpt_target):
    """Epoch 1,000,000's name has 7 digits; it was not listed, so eval used epoch 999,999's parameters and
    resume trained the tail again."""
    for epoch in (999_999, 1_000_000):
        checkpoint.save(tmp_path, epoch, ckpt_target, {}, keep=2)
    assert [e for e, _ in checkpoint.list_checkpoints(tmp_path)] == [999_999, 1_000_000]
    assert checkpoint.restore_latest(tmp_path, ckpt_target)[0] == 1_000_000


def test_checkpoint_of_another_dtype_is_refused(tmp_path: Path, ckpt_target):
    """float64 parameters (saved with x64 on, say) do not load silently into a float32 network."""
    wide = jax.tree_util.tree_map(lambda a: np.asarray(a, np.float64) if np.asarray(a).dtype == np.float32 else a,
                                  ckpt_target)  # fmt: skip
    path = checkpoint.save(tmp_path, 3, wide, {})
    with pytest.raises(CheckpointError, match=r"array float64\[.*\] where this config needs float32"):
        checkpoint.restore(path, ckpt_target)


def test_checkpoint_with_more_arrays_than_the_target_is_refused(tmp_path: Path, ckpt_target):
    """A sweep group's checkpoint (a run's state plus ``diverged``) is not read as a run's: flax ignores a dict
    key the target lacks, so only the count of arrays tells them apart."""
    path = checkpoint.save(tmp_path, 3, {**ckpt_target, "diverged": np.zeros(1, np.int32)}, {})
    n = len(jax.tree_util.tree_leaves(ckpt_target))
    with pytest.raises(CheckpointError, match=f"holds {n + 1} arrays where this config needs {n}"):
        checkpoint.restore(path, ckpt_target)


def test_checkpoint_truncated(tmp_path: Path, ckpt_target, ckpt_bytes):
    rng = np.random.default_rng(7)
    path = tmp_path / "c.msgpack"
    for n in sorted({0, 1, 8, 12, 43, 44, 45, len(ckpt_bytes) - 1, *rng.integers(0, len(ckpt_bytes), CASES).tolist()}):
        path.write_bytes(ckpt_bytes[:n])
        err = outcome(checkpoint.restore, path, ckpt_target)
        assert isinstance(err, CheckpointError), n
        # after the path, which holds "truncated" too (pytest's folder is named after this test)
        assert str(err).startswith(f"{path}: ") and "truncated" in str(err)[len(str(path)) :], str(err)


def test_checkpoint_bit_flipped(tmp_path: Path, ckpt_target, ckpt_bytes):
    # The checksum makes every flip an error: never silently different parameters.
    rng = np.random.default_rng(8)
    path = tmp_path / "c.msgpack"
    for case in range(CASES):
        damaged, positions = flip_bits(ckpt_bytes, rng, 1 + case % 4)
        if damaged == ckpt_bytes:  # two flips of the same bit cancel
            continue
        path.write_bytes(damaged)
        assert isinstance(outcome(checkpoint.restore, path, ckpt_target), CheckpointError), positions


def test_checkpoint_garbage_and_other_versions(tmp_path: Path, ckpt_target, ckpt_bytes):
    from flax import serialization

    rng = np.random.default_rng(9)
    path = tmp_path / "c.msgpack"
    for case in range(CASES):
        data = rng.integers(0, 256, int(rng.integers(0, 3000)), dtype=np.uint8).tobytes()
        if case % 2:  # a valid header, garbage after it
            data = ckpt_bytes[:44] + data
        path.write_bytes(data)
        assert isinstance(outcome(checkpoint.restore, path, ckpt_target), CheckpointError), case
    # A checkpoint from another format version: one line that says so.
    path.write_bytes(ckpt_bytes[:8] + struct.pack(">I", 99) + ckpt_bytes[12:])
    assert "format 99 is not supported" in str(outcome(checkpoint.restore, path, ckpt_target))
    old = {"format": 1, "epoch": 3, "meta": {}, "state": serialization.to_state_dict(jax.device_get(ckpt_target))}
    path.write_bytes(serialization.msgpack_serialize(old))
    assert "format 1 is not supported" in str(outcome(checkpoint.restore, path, ckpt_target))
    # A checkpoint of another network: its arrays do not fit this config's.
    path.write_bytes(ckpt_bytes)
    other = {"train": init_state([Config(hidden=(6,), batch_size=4)], 16), "data_key": ckpt_target["data_key"]}
    assert isinstance(outcome(checkpoint.restore, path, other), CheckpointError)
    assert isinstance(outcome(checkpoint.restore, tmp_path / "missing.msgpack", ckpt_target), CheckpointError)
    assert isinstance(outcome(checkpoint.restore, tmp_path, ckpt_target), CheckpointError)  # a folder


def test_restore_latest_skips_damaged(tmp_path: Path, ckpt_target, capsys):
    folder = tmp_path / "checkpoints"
    checkpoint.save(folder, 1, ckpt_target, {}, keep=5)
    newest = checkpoint.save(folder, 2, ckpt_target, {}, keep=5)
    newest.write_bytes(newest.read_bytes()[:-10])
    epoch, _, _ = checkpoint.restore_latest(folder, ckpt_target)
    assert epoch == 1 and "skipping" in capsys.readouterr().err
    checkpoint.checkpoint_path(folder, 1).write_bytes(b"")
    assert isinstance(outcome(checkpoint.restore_latest, folder, ckpt_target), CheckpointError)


def _checksummed(body: bytes, fmt: int = checkpoint.CHECKPOINT_FORMAT) -> bytes:
    """A checkpoint file around ``body``: header with ``fmt`` and the body's own (valid) checksum."""
    import hashlib

    return checkpoint._HEADER.pack(checkpoint.MAGIC, fmt, hashlib.sha256(body).digest()) + body


def test_a_checksummed_body_of_another_format_or_shape_is_refused(tmp_path: Path, ckpt_target, ckpt_bytes):
    """The checks after the checksum (from a mutation audit: none was tested with a checksum that matches): an
    older format number in the header, an epoch of JSON true, meta or state that are not maps are each a one-line
    CheckpointError, never a TypeError or a checkpoint read as another format's."""
    from flax import serialization

    body = ckpt_bytes[checkpoint._HEADER.size :]
    payload = serialization.msgpack_restore(body)
    path = tmp_path / "c.msgpack"
    for fmt in (0, 1, checkpoint.CHECKPOINT_FORMAT + 1):
        path.write_bytes(_checksummed(body, fmt))
        assert f"checkpoint format {fmt} is not supported" in str(outcome(checkpoint.restore, path, ckpt_target))
    for field, value in (("epoch", True), ("epoch", 7.0), ("meta", [1, 2]), ("state", [1])):
        path.write_bytes(_checksummed(serialization.msgpack_serialize({**payload, field: value})))
        err = outcome(checkpoint.restore, path, ckpt_target)
        assert isinstance(err, CheckpointError) and str(err) == f"{path}: not an nnjax checkpoint (unexpected contents)"
    path.write_bytes(_checksummed(serialization.msgpack_serialize({k: v for k, v in payload.items() if k != "meta"})))
    assert checkpoint.restore(path, ckpt_target)[::2] == (7, {})  # no meta: an empty one


def test_restore_latest_names_the_newest_of_the_damaged(tmp_path: Path, ckpt_target):
    """When none loads, the error's detail is the newest checkpoint's (the one a resume would have used)."""
    folder = tmp_path / "checkpoints"
    for epoch in (1, 2):
        checkpoint.save(folder, epoch, ckpt_target, {}, keep=5).write_bytes(b"NNJAX")
    err = str(outcome(checkpoint.restore_latest, folder, ckpt_target))
    newest = checkpoint.checkpoint_path(folder, 2)
    assert err == f"no checkpoint loads of the 2 in {folder}; the newest: {newest}: truncated checkpoint (5 bytes)"


def test_an_interrupted_start_removes_the_folders_made_for_it(tmp_path: Path):
    """``removed_if_left_empty``: a KeyboardInterrupt (Ctrl-C in a notebook) removes the empty default folder and
    the parents made for it, as an error does; a folder with something in it stays."""
    made = [tmp_path / "a" / "b" / "run", tmp_path / "a" / "b", tmp_path / "a"]
    made[0].mkdir(parents=True)
    with pytest.raises(KeyboardInterrupt), checkpoint.removed_if_left_empty(made):
        raise KeyboardInterrupt
    assert not (tmp_path / "a").exists()
    made[0].mkdir(parents=True)
    (made[1] / "notes.txt").write_text("mine")
    with pytest.raises(ValueError), checkpoint.removed_if_left_empty(made):
        raise ValueError
    assert not made[0].exists() and made[1].exists()
    with checkpoint.removed_if_left_empty(made[1:]):  # no failure: nothing removed
        pass
    assert made[1].exists()


def test_two_holders_of_a_folders_lock_exclude_each_other(tmp_path: Path):
    """``locked`` takes an exclusive lock: a second holder (as a second nnjax process would, through its own
    open of the folder) is refused while the first holds it, and admitted after (from a mutation audit: a shared
    lock, which lets two nnjax processes in, passed every test; they held the lock only against a test's own
    exclusive one)."""
    pytest.importorskip("fcntl")  # without flock (Windows) the folder is not locked
    with checkpoint.locked(tmp_path):
        with pytest.raises(CheckpointError) as e, checkpoint.locked(tmp_path):
            pass
        assert str(e.value) == f"{tmp_path}: another nnjax process is training in this folder"
    with checkpoint.locked(tmp_path):
        pass


# ---------------------------------------------------------------- config files


@pytest.fixture(scope="module")
def config_text(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("cfg") / "config.json"
    save_json(Config(), path)
    return path.read_text()


def load_and_validate(path: Path) -> Config:
    return validate(load_json(path))


def test_config_truncated(tmp_path: Path, config_text: str):
    rng = np.random.default_rng(10)
    path = tmp_path / "config.json"
    n_text = len(config_text.rstrip())
    for n in sorted({0, 1, n_text - 1, *rng.integers(0, n_text, CASES).tolist()}):
        path.write_text(config_text[:n])
        assert isinstance(outcome(load_and_validate, path), ConfigError), n


def test_config_bit_flipped(tmp_path: Path, config_text: str):
    # A flip may leave valid JSON with a valid value (e.g. a digit of the seed): that may load.
    # Anything else must be a ConfigError, including invalid UTF-8 and values of the wrong type.
    rng = np.random.default_rng(11)
    data = config_text.encode()
    path = tmp_path / "config.json"
    original = json.loads(config_text)
    errors = 0
    for case in range(CASES):
        damaged, _ = flip_bits(data, rng, 1 + case % 3)
        path.write_bytes(damaged)
        error = outcome(load_and_validate, path)
        errors += error is not None
        if error is None:  # only what a valid config says: every field named as saved, each value read as written
            d = json.loads(damaged)
            assert d.keys() == original.keys(), (case, damaged)
            loaded = load_and_validate(path)
            for k, v in d.items():
                if k not in ("config_format", "nnjax_version"):
                    assert getattr(loaded, k) == (tuple(v) if isinstance(v, list) else v), (case, k)  # a tuple field
    assert errors > CASES // 2


def test_config_wrong_values_and_versions(tmp_path: Path, config_text: str):
    path = tmp_path / "config.json"
    good = json.loads(config_text)
    bad_values = [
        ("hidden", "sixteen"),
        ("hidden", [16, "a"]),
        ("hidden", [16, True]),
        ("keep_epochs", [1, True]),
        ("keep_epochs", 5),
        ("keep_epochs", [0]),
        ("epochs", 1.5),
        ("epochs", "many"),
        ("lr", None),
        ("lr", "NaN"),
        ("lr", -1),
        ("validation", "perhaps"),
        ("activation", 3),
        ("activation", "sigmoidd"),
        ("momentum", 1.5),
        ("no_such_field", 1),
        ("config_format", 99),
        ("config_format", "1"),
    ]
    for field, value in bad_values:
        path.write_text(json.dumps({**good, field: value}))
        err = outcome(load_and_validate, path)
        assert isinstance(err, ConfigError), (field, value)
        assert field in str(err), str(err)
    for text in ["[]", "null", "42", '"config"', "{", "\x00\xff", '{"lr": NaN}', '{"lr": 1e999}']:
        path.write_text(text)
        assert isinstance(outcome(load_and_validate, path), ConfigError), text
    assert isinstance(outcome(load_and_validate, tmp_path / "missing.json"), ConfigError)
    assert isinstance(outcome(load_and_validate, tmp_path), ConfigError)  # a folder


# ---------------------------------------------------------------- JSON past Python's own limits

HUGE_INT = '{"seed": ' + "1" * 5000 + "}"  # past Python's 4,300-digit int conversion limit
DEEP = "[" * 100_000 + "]" * 100_000  # past the decoder's recursion limit


@pytest.mark.parametrize("text", [HUGE_INT, DEEP], ids=["5000-digit int", "100000 deep"])
def test_every_json_reader_refuses_json_past_pythons_limits_in_one_line(tmp_path: Path, text: str):
    """Each was a ValueError or RecursionError traceback (eval, export, predict, viz, train/sweep --resume)."""
    from nnjax.run import read_metrics
    from nnjax.sweep import load_member, load_sweep_spec

    (tmp_path / "config.json").write_text(text)
    with pytest.raises(ConfigError, match=rf"^{tmp_path / 'config.json'}: not valid JSON"):
        load_json(tmp_path / "config.json")
    (tmp_path / "metrics.jsonl").write_text(text.replace("\n", "") + "\n")
    with pytest.raises(CheckpointError, match=rf"^{tmp_path / 'metrics.jsonl'}: line 1 is not valid JSON"):
        read_metrics(tmp_path / "metrics.jsonl")
    sweep_dir = tmp_path / "s"
    sweep_dir.mkdir()
    (sweep_dir / "sweep.json").write_text(text)
    with pytest.raises(CheckpointError, match=rf"^{sweep_dir / 'sweep.json'}: not valid JSON"):
        load_sweep_spec(sweep_dir)
    (sweep_dir / "groups" / "g00").mkdir(parents=True)
    (sweep_dir / "groups" / "g00" / "group.json").write_text(text)
    with pytest.raises(CheckpointError, match=r"group.json: missing or not valid JSON"):
        load_member(sweep_dir, 0)
