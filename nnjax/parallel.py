"""Devices: one ``jax.sharding.Mesh`` over all local devices, axis "data".

Data parallel (the default): each mini-batch is split across the devices, parameters and optimiser
state are replicated, and the compiler inserts the gradient all-reduce. One device is a mesh of one
and gives exactly the single-device program. For sweeps, ``shard_members`` splits the ensemble axis
across devices instead.
"""

from __future__ import annotations

from typing import Any

import jax
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from nnjax.errors import ConfigError

AXIS = "data"


def make_mesh(devices: list | None = None) -> Mesh:
    """A 1-D mesh named "data" over ``devices`` (default: every local device)."""
    import numpy as np

    return Mesh(np.array(devices if devices is not None else jax.local_devices()), (AXIS,))


def batch_sharding(mesh: Mesh, batch_size: int) -> NamedSharding | None:
    """Sharding that splits a mini-batch's leading axis over the mesh (None on one device)."""
    n = mesh.size
    if n == 1:
        return None
    if batch_size % n:
        raise ConfigError(
            f"config field 'batch_size' = {batch_size}: not divisible by the {n} devices (use a multiple of {n})"
        )
    return NamedSharding(mesh, PartitionSpec(AXIS))


def replicate(tree: Any, mesh: Mesh) -> Any:
    """Place every array of ``tree`` whole on every device of the mesh."""
    return jax.device_put(tree, NamedSharding(mesh, PartitionSpec()))


def shard_members(tree: Any, mesh: Mesh) -> Any:
    """Split the leading (ensemble) axis of every array of ``tree`` across the mesh."""
    k = jax.tree_util.tree_leaves(tree)[0].shape[0]
    if k % mesh.size:
        raise ConfigError(f"{k} ensemble members cannot be split evenly over {mesh.size} devices")
    return jax.device_put(tree, NamedSharding(mesh, PartitionSpec(AXIS)))
