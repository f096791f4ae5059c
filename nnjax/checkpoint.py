"""Checkpoints: msgpack files (flax.serialization) that load without executing code.

A checkpoint holds a training state pytree plus the epoch it was taken after. The file is

    b"NNJAXCKP" | format (4 bytes, big-endian) | SHA-256 of the body (32 bytes) | body

where the body is the msgpack of ``{"epoch", "nnjax_version", "meta", "state"}``. The checksum is
checked before the body is parsed, so a truncated or bit-flipped file is always an error and never
silently different parameters. Files are written to a temporary name, fsync-ed and renamed, so a
kill mid-write leaves the previous checkpoint intact; only the last ``keep`` are kept, besides the epochs
``save`` is told to keep for good.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import socket
import struct
import sys
import unicodedata
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, NoReturn

import jax
import numpy as np
from flax import serialization

from nnjax.errors import CheckpointError, ConfigError, first_line

CHECKPOINT_FORMAT = 2  # 1: bare msgpack without header or checksum (nnjax 0.1.0 development)
MAGIC = b"NNJAXCKP"
_HEADER = struct.Struct(">8sI32s")  # magic, format, sha256(body)
_NAME = re.compile(r"^epoch_(\d{6}|[1-9]\d{6,})\.msgpack$")  # as checkpoint_path writes (epoch 10**6: 7 digits)
_TMP = re.compile(r"^\.epoch_\d{6,}\.msgpack\..*\.tmp$")  # write_atomic's temp names (host and pid)


def checkpoint_path(folder: Path, epoch: int) -> Path:
    """``folder/epoch_000010.msgpack``."""
    return Path(folder) / f"epoch_{epoch:06d}.msgpack"


def list_checkpoints(folder: Path) -> list[tuple[int, Path]]:
    """(epoch, path) of every checkpoint file in ``folder``, oldest first."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    found = [(int(m.group(1)), p) for p in folder.iterdir() if (m := _NAME.match(p.name))]
    return sorted(found)


def set_aside_newer(folder: Path, epoch: int) -> None:
    """Rename every checkpoint in ``folder`` newer than ``epoch`` (the one a resume restored: the newer
    ones did not load) to ``*.damaged``, so that pruning never counts one and none is read again."""
    for e, path in list_checkpoints(folder):
        if e > epoch:
            path.replace(path.with_name(path.name + ".damaged"))


def _fsync_dir(folder: Path) -> None:
    # The rename itself lives in the directory: without this a power cut may lose it.
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # e.g. platforms that cannot open directories
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextlib.contextmanager
def locked(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on a run or sweep folder (two processes writing one folder would interleave)."""
    try:
        import fcntl
    except ImportError:  # no flock (Windows): unguarded
        yield
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise CheckpointError(f"{folder}: another nnjax process is training in this folder") from None
        yield
    finally:
        os.close(fd)  # also releases the lock (as does the process dying)


def default_folder(parent: Path, name: str, stem: str) -> Path:
    """``parent/<name>-<stem>`` made by ``new_folder``; ConfigError if the config field ``name`` is not
    one plain part of a folder name (a '/' in it would nest folders) or holds a control character."""
    control = any(unicodedata.category(c) == "Cc" for c in name)  # a newline would split every message naming it
    if not name or name in (".", "..") or "/" in name or (os.altsep and os.altsep in name) or control:
        why = "must not be empty" if not name else "must be a plain folder name (no '/', not '.' or '..')"
        why = "must not hold a control character (a newline, a tab, …)" if control else why
        # fields: as config.validate marks a bad field, so the CLI names the file it came from
        raise ConfigError(f"config field 'name' = {name!r}: {why}", fields=("name",))
    return new_folder(Path(parent) / f"{name}-{stem}")


def new_folder(path: Path) -> Path:
    """``path``, or ``path-2``, ``path-3``, …: the first name this call creates as an empty folder, so two
    processes choosing the same default name (same config, same second) never share a folder. Returns
    ``path`` uncreated when its parent cannot be written (the caller's checks then name the problem), and
    with several JAX processes (multi-host: each names its own copy of the folder; pass --out there)."""
    path = Path(path)
    if jax.process_count() > 1:
        return path
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError:
        return path
    for n in range(1, 1000):
        candidate = path if n == 1 else path.with_name(f"{path.name}-{n}")
        try:
            candidate.mkdir()
            return candidate
        except FileExistsError:
            continue
        except OSError:
            return path
    return path


def made_default_folder(choose: Callable[[], Path], parent: Path) -> list[Path]:
    """``[choose(), …]``: the default folder that ``choose`` makes in ``parent`` (e.g. ``run.default_run_dir``),
    then the folders up to ``parent`` that it created, innermost first: what ``removed_if_left_empty``
    removes again if the start is refused."""
    parent = Path(parent)
    missing = [q for q in (parent, *parent.parents) if not q.exists()]
    return [Path(choose()), *missing]


def remove_empty(folders: Iterable[Path]) -> None:
    """Remove each of ``folders`` in turn (a default folder, then the parents made for it) while it is an
    empty folder; stop at the first that is not."""
    for folder in folders:
        try:
            Path(folder).rmdir()
        except OSError:
            return


@contextlib.contextmanager
def removed_if_left_empty(folders: Sequence[Path]) -> Iterator[None]:
    """Run the block; if it fails (or is interrupted), ``remove_empty(folders)`` (a default folder made by
    ``new_folder`` and the parents made for it; none: nothing), so a refused start leaves nothing behind."""
    try:
        yield
    except BaseException:
        remove_empty(folders)
        raise


def check_new_folder(folder: Path, kind: str) -> None:
    """ConfigError unless ``--out folder`` can start a new ``kind`` ("run" or "sweep"): it is missing or an
    empty folder. The error says what the folder holds: only a folder of the same kind can be resumed."""
    if folder.exists() and not folder.is_dir():
        raise ConfigError(f"{folder}: is a file; --out names the {kind} folder to create")
    if not folder.exists() or not any(folder.iterdir()):
        return
    for held, marker in (("run", "config.json"), ("sweep", "sweep.json")):
        if (folder / marker).exists():
            if held == kind:
                raise ConfigError(f"{folder}: {kind} folder already exists; use --resume or another --out")
            raise ConfigError(f"{folder}: already holds a {held}, not a {kind}; use another --out")
    raise ConfigError(f"{folder}: folder already exists and is not empty; use another --out")


def check_writable_folder(folder: Path, flag: str | None = None, for_file: Path | None = None) -> None:
    """Raise CheckpointError unless ``folder`` is, or can be created as, a folder this process may write.

    A symbolic link that leads nowhere (its target missing, or a loop) on the way is refused here: creating
    the folder through it fails ("File exists"), and a run would find that out only after loading its data
    and compiling. So is a folder the file system will not create though its parent looks writable (under
    /proc, say): the missing folders are made and removed again. ``flag`` (e.g. ``--out``): the command-line
    flag that named ``folder``, said with it at the start of the error. ``for_file``: the file to be written in
    ``folder`` (an export's FILE.npz), said at the start of the error instead."""
    folder = Path(folder)

    def refuse(q: Path, why: str) -> NoReturn:
        if flag is not None:
            raise CheckpointError(f"{flag} {folder}: {why}" if q == folder else f"{flag} {folder}: {q}: {why}")
        if for_file is not None:
            raise CheckpointError(f"{for_file}: {q}: {why}")
        there = "" if q == folder else f"; cannot write {folder} there"
        raise CheckpointError(f"{q}: {why}{there}")

    chain = [folder, *folder.absolute().parents]
    for i, q in enumerate(chain):
        if q.is_symlink() and not q.exists():
            refuse(q, f"a symbolic link to {os.readlink(q)}, which does not exist")
        if q.exists():
            if not q.is_dir():
                refuse(q, "is a file, not a folder")
            if not os.access(q, os.W_OK | os.X_OK):
                refuse(q, "not writable")
            made: list[Path] = []
            try:
                for p in reversed(chain[:i]):  # the missing folders, outermost first
                    try:
                        p.mkdir()
                    except FileExistsError:  # made meanwhile by another process: theirs, not removed
                        if not p.is_dir():
                            refuse(p, "is a file, not a folder")
                        continue
                    except OSError as e:
                        refuse(p, f"cannot be created ({e.strerror or e})")
                    made.append(p)
            finally:
                remove_empty(reversed(made))
            return


def _temp_name(path: Path, pid: int) -> str:
    """``.NAME.HOST.PID.tmp``: per process and machine, so two writers never share one, and a temporary
    can be told to be this machine's (``_remove_stale_temps``)."""
    return f".{path.name}.{socket.gethostname()}.{pid}.tmp"


def _remove_stale_temps(path: Path) -> None:
    """Remove the temporaries of ``path`` that processes of this machine no longer alive left mid-write
    (a kill, or Ctrl-C in a command-line process, which exits at once). Other machines' temporaries (a
    shared folder), live processes' and names of any other form are left alone."""
    if os.name != "posix":  # os.kill(pid, 0) probes a process only on POSIX
        return
    mine = re.compile(re.escape(_temp_name(path, 0)).replace(r"\.0\.tmp", r"\.([0-9]{1,7})\.tmp") + "$")
    for tmp in path.parent.iterdir():
        found = mine.match(tmp.name)
        if found is None or int(found.group(1)) == os.getpid():
            continue
        try:
            os.kill(int(found.group(1)), 0)
        except ProcessLookupError:  # no such process here: its write will never finish
            tmp.unlink(missing_ok=True)
        except OSError:  # a process of another user: alive
            pass


def write_atomic(path: Path, data: bytes | Sequence[bytes]) -> None:
    """Write ``data`` (bytes, or pieces written one after another) to ``path`` through a temporary file,
    fsync and a rename (never half a file); a temporary of ``path`` that a process ended mid-write left
    behind is removed first."""
    path = Path(path)
    with contextlib.suppress(Exception):  # tidying up never stops the write
        _remove_stale_temps(path)
    tmp = path.with_name(_temp_name(path, os.getpid()))
    try:
        with open(tmp, "wb") as f:
            for piece in [data] if isinstance(data, bytes | bytearray | memoryview) else data:
                f.write(piece)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException as e:  # a failed or interrupted write leaves no temp file behind
        with contextlib.suppress(OSError):
            tmp.unlink()
        if isinstance(e, OSError):  # name the file being written, not the temp file
            raise OSError(e.errno, e.strerror or str(e), str(path)) from e
        raise
    _fsync_dir(path.parent)


def read_json(path: Path) -> Any:
    """The contents of one of nnjax's JSON files (sweep.json, a run's target.json); a CheckpointError naming
    the file when it cannot be read or is not JSON."""
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as e:
        raise CheckpointError(f"{path}: not valid JSON (line {e.lineno}: {e.msg})") from None
    except (OSError, UnicodeDecodeError) as e:
        raise CheckpointError(f"{path}: cannot read ({type(e).__name__})") from None
    except (ValueError, RecursionError) as e:  # an integer of 4,300+ digits, nesting 1,000 deep
        raise CheckpointError(f"{path}: not valid JSON for nnjax ({str(e).split(';')[0]})") from None


def write_json(path: Path, obj: Any) -> None:
    """Write ``obj`` as indented JSON with a final newline (``write_atomic``: never half a file)."""
    write_atomic(path, (json.dumps(obj, indent=2) + "\n").encode())


def encode(epoch: int, tree: Any, meta: dict[str, Any]) -> bytes:
    """The bytes of a checkpoint file holding ``tree`` (any pytree of arrays) after ``epoch``."""
    return b"".join(_encoded(epoch, tree, meta))


def _encoded(epoch: int, tree: Any, meta: dict[str, Any]) -> tuple[bytes, bytes]:
    """(header, body) of ``encode``: written one after the other, not joined, so that saving a large
    state holds one serialised copy of it in memory, not two."""
    from nnjax import __version__

    body = serialization.msgpack_serialize(
        {
            "epoch": int(epoch),
            "nnjax_version": __version__,
            "meta": meta,
            "state": serialization.to_state_dict(jax.device_get(tree)),
        }
    )
    return _HEADER.pack(MAGIC, CHECKPOINT_FORMAT, hashlib.sha256(body).digest()), body


def save(
    folder: Path, epoch: int, tree: Any, meta: dict[str, Any], keep: int = 3, pinned: Collection[int] = ()
) -> Path:
    """Save ``tree`` (any pytree of arrays) as the checkpoint after ``epoch``; prune the others to the newest
    ``keep``, never removing the checkpoint of an epoch in ``pinned`` (``--keep-epochs``), which is not counted."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = checkpoint_path(folder, epoch)
    write_atomic(path, _encoded(epoch, tree, meta))
    rotating = [p for e, p in list_checkpoints(folder) if e not in pinned]
    for old in rotating[:-keep]:
        old.unlink(missing_ok=True)
    for p in folder.iterdir():  # temporaries left by a process killed mid-write
        if _TMP.match(p.name):
            p.unlink(missing_ok=True)
    return path


def _old_format(data: bytes) -> Any:
    """The ``format`` field of a header-less (format 1) checkpoint, or None."""
    if not data or not 0x80 <= data[0] <= 0x8F:  # format 1 files start with a small msgpack map
        return None
    try:
        payload = serialization.msgpack_restore(data)
    except Exception:
        return None
    return payload.get("format") if isinstance(payload, dict) else None


def decode(data: bytes, name: str = "checkpoint") -> dict[str, Any]:
    """The checked body of checkpoint file bytes: {"epoch", "nnjax_version", "meta", "state"}."""
    if len(data) < _HEADER.size or not data.startswith(MAGIC):
        old = _old_format(data)
        if old is not None:
            raise CheckpointError(
                f"{name}: checkpoint format {old!r} is not supported (this nnjax reads format "
                f"{CHECKPOINT_FORMAT}); it was written by another nnjax version"
            )
        if data.startswith(MAGIC) or MAGIC.startswith(data[: len(MAGIC)]):
            raise CheckpointError(f"{name}: truncated checkpoint ({len(data)} bytes)")
        raise CheckpointError(f"{name}: not an nnjax checkpoint (no nnjax header)")
    _, fmt, digest = _HEADER.unpack_from(data)
    if fmt != CHECKPOINT_FORMAT:
        raise CheckpointError(
            f"{name}: checkpoint format {fmt} is not supported (this nnjax reads format "
            f"{CHECKPOINT_FORMAT}); it was written by another nnjax version, or is damaged"
        )
    body = data[_HEADER.size :]
    if hashlib.sha256(body).digest() != digest:
        raise CheckpointError(f"{name}: corrupt or truncated checkpoint (checksum mismatch, {len(data)} bytes)")
    try:
        payload = serialization.msgpack_restore(body)
    except Exception as e:  # only reachable if the writer itself was broken
        raise CheckpointError(f"{name}: unreadable checkpoint body ({type(e).__name__})") from None
    if (
        not isinstance(payload, dict)
        or not isinstance(payload.get("epoch"), int)
        or isinstance(payload["epoch"], bool)
        or not isinstance(payload.get("meta", {}), dict)
        or not isinstance(payload.get("state"), dict)
    ):
        raise CheckpointError(f"{name}: not an nnjax checkpoint (unexpected contents)")
    return payload


def read(path: Path) -> dict[str, Any]:
    """The checked body of the checkpoint file at ``path`` (``decode``'s); CheckpointError if it cannot be
    read, is damaged, or holds another epoch than its name (``epoch_000009.msgpack``) says: renamed by hand."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise CheckpointError(f"{path}: checkpoint not found") from None
    except OSError as e:
        raise CheckpointError(f"{path}: cannot read checkpoint ({type(e).__name__})") from None
    payload = decode(data, str(path))
    if (named := _NAME.match(path.name)) and int(named.group(1)) != payload["epoch"]:
        raise CheckpointError(f"{path}: holds epoch {payload['epoch']}, but its name says epoch {int(named.group(1))}")
    return payload


def renamed_checkpoints(folder: Path) -> list[tuple[Path, int | None]]:
    """Every ``.msgpack`` file in ``folder`` not named as ``checkpoint_path`` names one (renamed by hand?), by
    name, each with the epoch it holds (None where it does not read as a checkpoint): never resumed from, nor
    pruned."""
    folder = Path(folder)
    found: list[tuple[Path, int | None]] = []
    for path in sorted(folder.glob("*.msgpack")) if folder.is_dir() else ():
        if path.name.startswith(".") or _NAME.match(path.name):  # write_atomic's temp files; checkpoints
            continue
        try:
            found.append((path, read(path)["epoch"]))
        except CheckpointError:
            found.append((path, None))
    return found


def warn_renamed(folder: Path, start: int, epochs: int) -> None:
    """A warning line for each checkpoint renamed by hand in ``folder`` (``renamed_checkpoints``) that a resume
    after epoch ``start`` (0: from scratch) of a run of ``epochs`` epochs passes over: one holding a later epoch,
    whose epochs (up to ``epochs``: no more are trained) are trained again, or one that does not read as a
    checkpoint. One holding an earlier epoch (kept by hand) is no news. Said as the resume starts writing
    (metrics.jsonl cut back to ``start``): a file renamed back then is refused by the next resume (no metrics
    lines up to its epoch), so the line names only what it needed before this one; one past ``epochs`` no
    resume takes (the run is already past its epochs), so it names no name for it."""
    resumes = f"resuming from {checkpoint_path(folder, start).name}" if start else "training from scratch"
    for path, held in renamed_checkpoints(folder):
        if held is None:
            why = f"not named as nnjax names a checkpoint, nor read as one: not resumed from ({resumes})"
        elif held > start:
            last = min(held, epochs)  # a run is trained no further than its epochs (start: none trained)
            again = {start: "no epoch is", start + 1: f"epoch {last} is"}.get(last, f"epochs {start + 1} to {last} are")
            past, back = (
                "",
                f" (renamed {checkpoint_path(folder, held).name} before a resume, it would be resumed from)",
            )
            if held > epochs:  # no resume takes it, whatever its name: the run would be past its epochs
                past, back = f" (past the run's {epochs} epochs)", ""
            why = (
                f"holds epoch {held}{past}, but is not named as nnjax names a checkpoint (renamed by hand?), so it is "
                f"not resumed from: {resumes}, {again} trained again, and it is left as it is{back}"
            )
        else:
            continue
        print(f"nnjax: warning: {path}: {why}", file=sys.stderr)


def restore(path: Path, target: Any) -> tuple[int, Any, dict[str, Any]]:
    """(epoch, tree shaped like ``target``, meta) from one checkpoint file; CheckpointError if bad (``read``).

    Every array must have the shape and dtype of the corresponding leaf of ``target``.
    """
    path = Path(path)
    payload = read(path)
    try:
        tree = serialization.from_state_dict(target, payload["state"])
    except Exception as e:
        raise CheckpointError(f"{path}: does not match this config's network and optimiser ({first_line(e)})") from None
    want_leaves, got_leaves = jax.tree_util.tree_leaves(target), jax.tree_util.tree_leaves(tree)
    # Counted in the file: from_state_dict drops what the target lacks (a sweep group's "diverged" read as a run's)
    if (n := len(jax.tree_util.tree_leaves(payload["state"]))) != len(want_leaves):
        raise CheckpointError(f"{path}: holds {n} arrays where this config needs {len(want_leaves)}")
    for want, got in zip(want_leaves, got_leaves):
        if np.shape(want) != np.shape(got) or np.asarray(got).dtype != np.asarray(want).dtype:
            raise CheckpointError(
                f"{path}: array {np.asarray(got).dtype}{list(np.shape(got))} where this config needs "
                f"{np.asarray(want).dtype}{list(np.shape(want))}"
            )
    return payload["epoch"], tree, dict(payload.get("meta") or {})


def restore_newest(folder: Path, target: Any, what: str, mend: str) -> tuple[int, Any, dict[str, Any]] | None:
    """The newest checkpoint in ``folder`` (None if there is none), never an older one: a damaged newest is
    a CheckpointError. A newest file that a training process pruned between listing and reading (it keeps
    ``keep`` files) is followed to the newer one. ``what`` names the folder's owner in errors; ``mend`` (how
    to go back) is added to a damaged newest's error when an older checkpoint that loads is there to go back to."""
    for _ in range(10):
        found = list_checkpoints(folder)
        if not found:
            return None
        try:
            return restore(found[-1][1], target)
        except CheckpointError as e:
            now = list_checkpoints(folder)
            if found[-1][1].exists() or not now or now[-1][0] <= found[-1][0]:
                if any(_loads(p, target) for _, p in reversed(found[:-1])):  # one to go back to: say how
                    raise CheckpointError(f"{e} ({mend})") from None
                raise
    raise CheckpointError(f"{what}: its newest checkpoint kept being replaced while being read; try again")


def _loads(path: Path, target: Any) -> bool:
    """Whether the checkpoint at ``path`` loads into ``target``."""
    try:
        restore(path, target)
    except CheckpointError:
        return False
    return True


def restore_latest(folder: Path, target: Any) -> tuple[int, Any, dict[str, Any]] | None:
    """The newest checkpoint in ``folder`` that loads; older ones are tried if newer are damaged.

    None when there is no checkpoint at all; CheckpointError (one line) when there are some but none
    loads. Each damaged checkpoint skipped on the way to a good one is a warning line on stderr.
    """
    found = list_checkpoints(folder)
    errors = []
    for _, path in reversed(found):
        try:
            restored = restore(path, target)
        except CheckpointError as e:
            errors.append(str(e))
            continue
        for e in errors:
            print(f"nnjax: warning: skipping {e}", file=sys.stderr)
        return restored
    if errors:
        raise CheckpointError(f"no checkpoint loads of the {len(errors)} in {folder}; the newest: {errors[0]}")
    return None


def fingerprint(tree: Any) -> str:
    """SHA-256 (hex) of a pytree of arrays: each leaf's dtype, shape and bytes, in the tree's order. Equal
    fingerprints: the same numbers bit for bit (a network's starting parameters, recorded in its checkpoints,
    against the ones regenerated from its config)."""
    digest = hashlib.sha256()
    for leaf in jax.tree_util.tree_leaves(jax.device_get(tree)):
        x = np.ascontiguousarray(leaf)
        digest.update(f"{x.dtype.str}{list(x.shape)}".encode())
        digest.update(x.tobytes())
    return digest.hexdigest()


def epochs_text(epochs: Sequence[int]) -> str:
    """``epochs 5, 10 and 15`` / ``epoch 10`` / ``none``: the epochs of checkpoints, in words."""
    if not epochs:
        return "none"
    if len(epochs) == 1:
        return f"epoch {epochs[0]}"
    return f"epochs {', '.join(map(str, epochs[:-1]))} and {epochs[-1]}"


def restore_epoch(folder: Path, epoch: int, target: Any, what: str, keep_more: str) -> tuple[int, Any, dict[str, Any]]:
    """(epoch, tree shaped like ``target``, meta) of the checkpoint after ``epoch`` in ``folder`` (``restore``);
    CheckpointError naming the epochs kept when it is not there (the newest, if ``epoch`` is past it: not saved
    yet). ``what`` (a folder) starts the error, and ``keep_more`` (how to keep more checkpoints) ends one about
    an epoch not kept."""
    found = dict(list_checkpoints(folder))
    if epoch not in found and epoch > max(found, default=0):  # not trained, or not saved, that far yet
        newest = f"the newest is of epoch {max(found)}" if found else "none is saved yet"
        raise CheckpointError(
            f"{what}: no checkpoint of epoch {epoch} yet ({newest}; epoch 0, as initialised, needs none)"
        )
    if epoch not in found:
        raise CheckpointError(
            f"{what}: no checkpoint of epoch {epoch} is kept (kept: {epochs_text(sorted(found))}; epoch 0, as "
            f"initialised, needs none); {keep_more}"
        )
    return restore(found[epoch], target)


def readable_metas(folder: Path) -> list[tuple[int, dict[str, Any]]]:
    """(epoch, meta) of every checkpoint in ``folder`` that reads back whole (``read``), newest first; the
    others are left out."""
    out = []
    for epoch, path in reversed(list_checkpoints(folder)):
        try:
            out.append((epoch, dict(read(path).get("meta") or {})))
        except CheckpointError:
            continue
    return out
