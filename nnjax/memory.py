"""Memory a training program will need, estimated before anything is loaded or compiled.

A network too large for the machine is one clear error instead of an allocation failure deep in XLA
(an abort with a C++ stack trace). Used by ``nnjax train`` (a group of one) and by sweeps (every group).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING

from nnjax.config import N_VALIDATION, Config, dataset_sizes, training_images
from nnjax.errors import ConfigError

if TYPE_CHECKING:
    from nnjax.data import Splits

MEMORY_FRACTION = 0.8  # of the accelerator's (or the machine's) memory one group may plan to use


def optimizer_copies(cfg: Config) -> int:
    """How many copies of the parameters ``cfg``'s optimiser keeps as state (sgd 0, momentum 1, adam 2),
    read off optax's own ``init`` by shape, so a new optimiser needs no entry here."""
    import jax
    import numpy as np

    from nnjax.optim import make_optimizer

    n = 1000
    state = jax.eval_shape(make_optimizer(cfg, 1).init, {"w": jax.ShapeDtypeStruct((n,), np.float32)})
    return sum(int(np.prod(x.shape)) for x in jax.tree_util.tree_leaves(state)) // n


SAVE_COPIES = 4  # gathered from the devices to the host, then msgpack's body and buffer growth (peak RSS, measured)


def checkpoint_bytes(n_params: int, opt_copies: int) -> int:
    """Peak bytes per member while a checkpoint is written between epochs: the state (parameters and
    ``opt_copies`` optimiser copies, float32) and ``SAVE_COPIES`` transient copies of it made by serialising
    it. Measured: peak RSS of an Adam sweep of 784-2048-2048-10 members on 512 images, less the 0.4 GiB of
    a bare process, was 4.4× the state (16 members; 2.7× without saving) and 4.8× (8 members)."""
    return 4 * n_params * (1 + opt_copies) * (1 + SAVE_COPIES)


def params_per_member(cfg: Config) -> int:
    """Parameters (weights and biases) of one network of ``cfg``, from its layer sizes (``model.count_params``
    counts those of a parameter pytree)."""
    from nnjax.model import layer_sizes

    sizes = layer_sizes(cfg.hidden)
    return sum((n_in + 1) * n_out for n_in, n_out in zip(sizes[:-1], sizes[1:]))


def estimate_bytes(group: Sequence[Config], n_train: int, n_eval: int, cpu_devices: int = 1, host: bool = True) -> int:
    """Rough peak memory in bytes of training ``group`` as one ensemble on ``n_train`` images with
    ``n_eval`` evaluation (and as many test) images: per member parameters, optimiser state, gradients
    and the activations of a mini-batch and an evaluation chunk (float32), or the checkpoint's copies of
    the state while one is saved (``checkpoint_bytes``) where more, times K, plus the data set
    (uint8 images, int32 labels) held on the device and the epoch's copy of it in batch order.
    ``cpu_devices`` > 1: the members are split over that many CPU devices in one host memory (padded
    to an even split), each with its own data copy. ``host``: the memory is the host's (a CPU), which also
    holds a checkpoint's copies while it is written; an accelerator's is not where they are made."""
    from nnjax.model import layer_sizes
    from nnjax.train import EVAL_CHUNK

    cfg = group[0]
    sizes = layer_sizes(cfg.hidden)
    n_params = params_per_member(cfg)
    units = sum(sizes[1:])
    opt_copies = optimizer_copies(cfg)
    # state in and out of the compiled epoch (×2), plus gradients and updates (2 more copies)
    state_bytes = 4 * n_params * (2 * (1 + opt_copies) + 2)
    # pre-activations, activations and their gradients of one mini-batch; logits of an eval chunk
    act_bytes = 4 * units * (3 * cfg.batch_size + 2 * min(EVAL_CHUNK, max(n_eval, 1)))
    per_member = max(state_bytes + act_bytes, checkpoint_bytes(n_params, opt_copies) if host else 0)
    batch_bytes = 4 * sizes[0] * (cfg.batch_size + EVAL_CHUNK)  # scaled input images, shared by members
    # images and labels, the permutation, and the epoch's images and labels gathered in batch order
    data_bytes = (n_train + 2 * n_eval) * (sizes[0] + 4) + 4 * n_train + n_train * (sizes[0] + 4)
    k = len(group) + (-len(group) % cpu_devices if len(group) > cpu_devices else 0)
    copies = min(cpu_devices, len(group))
    return k * per_member + copies * (batch_bytes + data_bytes)


def memory_limit_bytes() -> int:
    """Bytes one group may plan to use: a fraction of the accelerator's memory when it reports it,
    else of the machine's physical memory."""
    import jax

    try:
        stats = jax.local_devices()[0].memory_stats() or {}
    except Exception:  # some backends do not report memory
        stats = {}
    total = stats.get("bytes_limit")
    if not total:
        total = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    return int(MEMORY_FRACTION * total)


def _split_sizes(cfg: Config, splits) -> tuple[int, int]:
    """(training images, evaluation images) of ``cfg``: of ``splits`` if given, else of its data set; the
    training images are the first ``train_size`` where it is set."""
    if splits is not None:
        return training_images(cfg, len(splits.x_train)), len(splits.x_eval)
    return training_images(cfg), N_VALIDATION if cfg.validation else dataset_sizes(cfg.dataset)[1]


def check_memory(
    groups: Sequence[Sequence[Config]],
    splits: Splits | None = None,
    limit: int | None = None,
    devices: int = 1,
    shared_memory: bool = True,
) -> None:
    """ConfigError (before anything is compiled) if a group's estimated memory exceeds the limit. A single
    run is a group of one. ``devices`` > 1: the members are split over that many devices, which either
    share one memory (CPU devices of one host: ``estimate_bytes``' ``cpu_devices``) or each have their own
    (accelerators: one device's share of the members, padded to an even split, must fit the limit)."""
    import jax

    limit = memory_limit_bytes() if limit is None else limit
    host = jax.devices()[0].platform == "cpu"  # else the checkpoint's copies are in host memory, not the limit's
    ram = int(MEMORY_FRACTION * os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    for g in groups:
        share = list(g) if shared_memory else list(g[: -(-len(g) // devices)])
        need = estimate_bytes(share, *_split_sizes(g[0], splits), devices if shared_memory else 1, host=host)
        have, where = limit, ""
        if not host:  # an accelerator's group: its checkpoints are written through host memory
            saving = len(g) * checkpoint_bytes(params_per_member(g[0]), optimizer_copies(g[0]))
            if saving > ram and need <= limit:
                need, have, where = saving, ram, " of host memory (to write its checkpoints)"
        if need > have:
            hidden = ",".join(map(str, g[0].hidden)) or "none"
            per_device = f" ({len(share)} on each of {devices} devices)" if not shared_memory and devices > 1 else ""
            what, fix = (
                (
                    f"sweep group of {len(g)} members{per_device}",
                    "sweep fewer values per group (e.g. fewer seeds or learning rates) or smaller layers",
                )
                if len(g) > 1
                else ("a network", "use smaller layers or a smaller batch")
            )
            raise ConfigError(
                f"{what} with hidden={hidden} and batch_size={g[0].batch_size} needs about {need / 2**30:.1f} GiB"
                f"{where}, more than the {have / 2**30:.1f} GiB available; {fix}"
            )
