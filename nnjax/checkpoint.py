"""Checkpoints: msgpack files (flax.serialization) that load without executing code.

A checkpoint holds a training state pytree plus the epoch it was taken after. Files are written to a
temporary name and renamed, so a kill mid-write leaves the previous checkpoint intact; only the last
``keep`` are kept.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import jax
import numpy as np
from flax import serialization

from nnjax.errors import CheckpointError

CHECKPOINT_FORMAT = 1
_NAME = re.compile(r"^epoch_(\d{6})\.msgpack$")


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


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename."""
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def save(folder: Path, epoch: int, tree: Any, meta: dict[str, Any], keep: int = 3) -> Path:
    """Save ``tree`` (any pytree of arrays) as the checkpoint after ``epoch``; prune to ``keep``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    payload = {
        "format": CHECKPOINT_FORMAT,
        "epoch": epoch,
        "meta": meta,
        "state": serialization.to_state_dict(jax.device_get(tree)),
    }
    path = checkpoint_path(folder, epoch)
    write_atomic(path, serialization.msgpack_serialize(payload))
    for _, old in list_checkpoints(folder)[:-keep]:
        old.unlink(missing_ok=True)
    return path


def restore(path: Path, target: Any) -> tuple[int, Any, dict[str, Any]]:
    """(epoch, tree shaped like ``target``, meta) from one checkpoint file; CheckpointError if bad."""
    path = Path(path)
    try:
        payload = serialization.msgpack_restore(path.read_bytes())
    except FileNotFoundError:
        raise CheckpointError(f"{path}: checkpoint not found") from None
    except Exception as e:
        raise CheckpointError(f"{path}: corrupt or truncated checkpoint ({type(e).__name__})") from None
    if not isinstance(payload, dict) or "state" not in payload:
        raise CheckpointError(f"{path}: not an nnjax checkpoint")
    if payload.get("format") != CHECKPOINT_FORMAT:
        raise CheckpointError(
            f"{path}: checkpoint format {payload.get('format')!r} is not supported "
            f"(this nnjax reads format {CHECKPOINT_FORMAT})"
        )
    try:
        tree = serialization.from_state_dict(target, payload["state"])
    except Exception as e:
        raise CheckpointError(f"{path}: does not match this config's network ({e})") from None
    for want, got in zip(jax.tree_util.tree_leaves(target), jax.tree_util.tree_leaves(tree)):
        if np.shape(want) != np.shape(got) or np.asarray(got).dtype != np.asarray(want).dtype:
            raise CheckpointError(f"{path}: array of shape {np.shape(got)} where this config needs {np.shape(want)}")
    return int(payload["epoch"]), tree, dict(payload.get("meta") or {})


def restore_latest(folder: Path, target: Any, warn=print) -> tuple[int, Any, dict[str, Any]] | None:
    """The newest checkpoint in ``folder`` that loads; older ones are tried if newer are damaged."""
    found = list_checkpoints(folder)
    errors = []
    for _, path in reversed(found):
        try:
            return restore(path, target)
        except CheckpointError as e:
            errors.append(str(e))
            warn(f"nnjax: warning: skipping {e}")
    if errors:
        raise CheckpointError(f"{folder}: no checkpoint loads (newest: {errors[0]})")
    return None
