"""The compiled training program: one call trains every ensemble member for one epoch.

A single run is an ensemble of one. Members are stacked on a leading axis K (``params_K``) and the
training step is ``jax.vmap``-ed over it; every member sees the same shuffled mini-batches, so the
first layer of all K networks is one wide matrix product. Inside a member, the loss is the per-image
cost of ``forward_one`` vmapped over the mini-batch and averaged.

A whole run (data, the loop over epochs, checkpoints, metrics, resume) is trained by
``run.train_and_evaluate`` in run.py, not here, and a sweep's ensembles by ``nnjax sweep`` (sweep.py);
both call ``init_state`` and ``compile_epoch`` / ``compile_ensemble``, then ``run.train_epochs``, which
calls the compiled epoch once per epoch.

Reading order: ``TrainState`` and ``init_state``; ``make_epoch``, the training step (``member_step``,
vmapped over members) inside a ``lax.scan`` over one epoch's mini-batches; the epoch's small parts;
stacking members; placing state and data on devices and compiling; evaluation; the row-sharded data
paths. The shuffle itself is ``shuffle.permutation``.
"""

from __future__ import annotations

import collections
import functools
import hashlib
import operator
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax

from nnjax import parallel
from nnjax.activations import get_activation
from nnjax.config import AUTO_SCAN_UNROLL, PROGRAM_FIELDS, Config, is_index
from nnjax.costs import get_cost
from nnjax.data import Splits, prepare_images
from nnjax.errors import ConfigError
from nnjax.model import Params, forward, forward_one, init_params
from nnjax.optim import make_optimizer
from nnjax.parallel import AXIS, make_mesh, replicate, row_sharding, shard_map, shard_rows
from nnjax.shuffle import permutation

EVAL_CHUNK = 2_000  # images per evaluation chunk (bounds memory for wide ensembles)
EPOCH_PROGRAMS = 16  # compiled epoch programs a process keeps to reuse (``compile_epoch``), the newest first
# The jax.monitoring event JAX records as it loads a program from its persistent compilation cache (jax 0.5.1, 0.10.2)
CACHE_HIT_EVENT = "/jax/compilation_cache/cache_hits"


class TrainState(NamedTuple):
    """Parameters and optimiser states of K members, stacked on a leading axis."""

    params: Params
    opt_state: Any


def initial_params(configs: Sequence[Config]) -> Params:
    """The parameters each member starts training from (``model.init_params`` of its ``seed``, ``hidden`` and
    init scheme), stacked: what ``init_state`` trains from, and what epoch 0 of a run or sweep member shows."""
    return stack([init_params(jax.random.key(c.seed), c.hidden, c.resolved_init()) for c in configs])


def init_state(configs: Sequence[Config], n_train: int) -> TrainState:
    """Stacked initial parameters (``initial_params``) and optimiser states."""
    cfg0 = check_same_program(configs)
    spe = steps_per_epoch(cfg0, n_train)
    params_K = initial_params(configs)

    def member_opt_state(params, lr, weight_decay, momentum):  # the hyper-parameters that may differ
        return make_optimizer(cfg0.replace(lr=lr, weight_decay=weight_decay, momentum=momentum), spe).init(params)

    hyper_K = [np.array([getattr(c, f) for c in configs], np.float32) for f in ("lr", "weight_decay", "momentum")]
    return TrainState(params_K, jax.jit(jax.vmap(member_opt_state))(params_K, *hyper_K))


def make_epoch(
    cfg: Config,
    n_train: int,
    batch_sharding: jax.sharding.NamedSharding | None = None,
    *,
    shard_data: bool = False,
    n_eval: int | None = None,
) -> Callable:
    """The jitted one-epoch program: keyed shuffle, ``lax.scan`` over mini-batches, evaluation.

    epoch(state_K, key, x_train, y_train, x_eval, y_eval) → (state_K, metrics of K-vectors).
    ``batch_sharding`` (a ``jax.sharding.NamedSharding``) splits each mini-batch across devices.
    ``shard_data``: the data arrays are sharded by rows over its mesh and padded (``parallel.shard_rows``;
    ``n_train`` and ``n_eval`` are the real rows), and each mini-batch is gathered from the devices
    that hold its rows (``_row_sharded_gather``) — the same batches on the same devices, so the same results.
    """
    if shard_data and (batch_sharding is None or n_eval is None):
        raise ValueError("make_epoch(shard_data=True) needs a batch_sharding (its mesh) and n_eval")
    σ, cost = get_activation(cfg.activation), get_cost(cfg.cost)
    spe = steps_per_epoch(cfg, n_train)
    tx = make_optimizer(cfg, spe)  # the update reads each member's hyper-parameters from its state
    evaluate = make_evaluate(cfg, batch_sharding, shard_data=shard_data, n=n_eval)
    gather = _row_sharded_gather(batch_sharding.mesh, cfg.standardize) if shard_data else None
    unroll = scan_unroll(cfg)

    def per_image(params, image_784, label):
        z_10 = forward_one(params, image_784, σ)
        return cost(z_10, label), jnp.argmax(z_10) == label

    def batch_loss(params, x_Bx784, y_B):
        loss_B, correct_B = jax.vmap(per_image, in_axes=(None, 0, 0))(params, x_Bx784, y_B)
        return jnp.mean(loss_B), jnp.mean(correct_B)

    def member_step(params, opt_state, x_Bx784, y_B):
        (loss, acc), grads = jax.value_and_grad(batch_loss, has_aux=True)(params, x_Bx784, y_B)
        updates, opt_state = tx.update(grads, opt_state, params)
        params = optax.apply_updates(params, updates)
        return params, opt_state, (loss, acc, optax.tree.norm(grads))

    ensemble_step = jax.vmap(member_step, in_axes=(0, 0, None, None))

    def epoch(state: TrainState, key, x_train, y_train, x_eval, y_eval):
        batches_SxB = permutation(key, n_train)[: spe * cfg.batch_size].reshape(spe, -1)

        def step(state, batch):
            if gather is not None:
                x_Bx784, y_B = gather(x_train, y_train, batch)
            else:
                x_Bx784, y_B = prepare_images(batch[0], cfg.standardize), batch[1]
            if batch_sharding is not None:
                x_Bx784 = jax.lax.with_sharding_constraint(x_Bx784, batch_sharding)
                y_B = jax.lax.with_sharding_constraint(y_B, batch_sharding)
            params, opt_state, stats = ensemble_step(*state, x_Bx784, y_B)
            return TrainState(params, opt_state), stats

        # Replicated data: the epoch's images are gathered in batch order once, before the loop (up to
        # one uint8 copy of the training set per device); random rows fetched one mini-batch per step cost a third of a
        # small network's step in memory latency (benchmarks/README.md). Row-sharded data gather per step.
        batches = batches_SxB if gather is not None else (x_train[batches_SxB], y_train[batches_SxB])
        state, (loss_SxK, acc_SxK, gnorm_SxK) = jax.lax.scan(step, state, batches, unroll=unroll)
        eval_loss_K, eval_acc_K = evaluate(state.params, x_eval, y_eval)
        finite_K = jax.vmap(_tree_finite)(state.params) & jnp.all(jnp.isfinite(loss_SxK), axis=0)
        metrics = {
            "train_loss": jnp.mean(loss_SxK, axis=0),
            "train_accuracy": jnp.mean(acc_SxK, axis=0),
            "eval_loss": eval_loss_K,
            "eval_accuracy": eval_acc_K,
            "grad_norm": jnp.mean(gnorm_SxK, axis=0),
            "param_norm": jax.vmap(optax.tree.norm)(state.params),
            "finite": finite_K,
        }
        return state, metrics

    return jax.jit(epoch)


# --------------------------------------------------------------------------------------------------
# The epoch's parts: data order, step count, loop unrolling, finiteness
# --------------------------------------------------------------------------------------------------


def epoch_key(cfg: Config, epoch: int) -> jax.Array:
    """The shuffle key of ``epoch`` (0-based): a pure function of data_seed and epoch, so resume
    needs nothing but the epoch number to continue the same data order.

    Known, kept: ``fold_in(key(s), e)`` is the same key as ``split(key(s), n)[e]``, which
    ``model.init_params`` uses for layer e. When seed == data_seed (the default, 0 and 0), epochs 0 to
    L-1 therefore shuffle with keys that init also drew from (threefry keeps the numbers unrelated in
    practice). Separating the two roots would change every data order, and with it every figure measured.
    """
    return jax.random.fold_in(jax.random.key(cfg.data_seed), epoch)


def steps_per_epoch(cfg: Config, n_train: int) -> int:
    """Full mini-batches per epoch (the last partial batch of a shuffle is dropped)."""
    if cfg.batch_size > n_train:
        raise ConfigError(f"config field 'batch_size' = {cfg.batch_size}: larger than the {n_train} training images")
    return n_train // cfg.batch_size


def scan_unroll(cfg: Config) -> int:
    """Mini-batch steps per iteration of the epoch's ``lax.scan``: the config's, or 1 for 0 (auto).
    Unrolling shares out a loop iteration's fixed cost but compiles longer; measured on an H100 it
    gained 6–14 % for 1.3–3× the compile time (benchmarks/GPU.md), so auto is 1 on every backend."""
    return cfg.scan_unroll or AUTO_SCAN_UNROLL


def _tree_finite(tree: Any) -> jax.Array:
    return jnp.all(jnp.stack([jnp.all(jnp.isfinite(x)) for x in jax.tree_util.tree_leaves(tree)]))


# --------------------------------------------------------------------------------------------------
# Stacked members
# --------------------------------------------------------------------------------------------------


def check_same_program(configs: Sequence[Config]) -> Config:
    """Configs trained as one ensemble must agree on every field that changes the program."""
    first = configs[0]
    for cfg in configs[1:]:
        for field in PROGRAM_FIELDS:
            if getattr(cfg, field) != getattr(first, field):
                raise ConfigError(
                    f"ensemble members differ in {field!r} ({getattr(first, field)!r} vs "
                    f"{getattr(cfg, field)!r}): that needs separate compiled programs"
                )
    return first


def stack(trees: Sequence[Any]) -> Any:
    """Stack a list of identical pytrees on a new leading axis (on the host: one transfer per leaf).

    For plain arrays (parameters, optimiser states): the result is uncommitted to any device, and weak
    types become strong; typed PRNG keys are not supported.
    """
    host = jax.device_get(list(trees))
    return jax.tree_util.tree_map(lambda *xs: jnp.asarray(np.stack(xs)), *host)


def unstack(tree: Any, k: int) -> Any:
    """Member ``k`` of a stacked pytree (every leaf with the same leading axis K, e.g. load_run's params_K).

    TypeError for a ``k`` that is not an int (True would take member 1 and add an axis); IndexError naming
    K for one out of range; ValueError for a tree already unstacked, whose ``x[k]`` would be each W's row k:
    one whose leaves' leading axes differ, or with a layer's ``W`` of fewer than 3 axes (``hidden=(10, 10)``
    gives every leaf of one network the leading size 10), and for a tree with a 0-d leaf (no member axis)."""
    if not is_index(k):
        raise TypeError(f"unstack: k={k!r}: expected a member index (an int)")
    k = operator.index(k)
    paths_leaves = jax.tree_util.tree_flatten_with_path(tree)[0]
    for path, x in paths_leaves:
        if path and getattr(path[-1], "key", None) == "W" and np.ndim(x) < 3:
            raise ValueError(
                f"unstack: not a stacked pytree: {jax.tree_util.keystr(path)} has shape {np.shape(x)}, one "
                "layer's W_outxin; one network already unstacked?"
            )
    for path, x in paths_leaves:
        if np.ndim(x) == 0:
            where = jax.tree_util.keystr(path) or "the tree itself"
            raise ValueError(
                f"unstack: not a stacked pytree: {where} has shape (), a 0-d leaf with no member axis to take "
                "member k from"
            )
    sizes = sorted({np.shape(x)[0] for _, x in paths_leaves})
    if len(sizes) > 1:
        raise ValueError(
            f"unstack: not a stacked pytree: its leaves' leading axes differ ({', '.join(map(str, sizes))}); "
            "one network already unstacked?"
        )
    if sizes and not -sizes[0] <= k < sizes[0]:
        raise IndexError(f"unstack: k={k}: out of range for an ensemble of {sizes[0]} (0 … {sizes[0] - 1})")
    return jax.tree_util.tree_map(lambda x: x[k], tree)


# --------------------------------------------------------------------------------------------------
# Placing state and data on devices, compiling the epoch
# --------------------------------------------------------------------------------------------------


def to_device(*arrays: np.ndarray) -> list[jax.Array]:
    """Put host arrays on the default device once (the whole data set lives there)."""
    return [jax.device_put(a) for a in arrays]


def compile_epoch(
    cfg: Config,
    splits: Splits,
    state: TrainState,
    start_epoch: int,
    *,
    shard_members: bool = False,
    devices: Sequence | None = None,
    shard_data: bool | None = None,
    reuse: bool = True,
    place_only: bool = False,
) -> tuple[Any, TrainState, list[jax.Array], float, str]:
    """Place ``state`` and the data on the device mesh and compile the epoch program ahead of time.

    Returns (compiled epoch, placed state, placed [x_train, y_train, x_eval, y_eval], compile seconds, how):
    ``how`` is "compiled", or "cached" where XLA did not compile it but JAX loaded it from its persistent
    compilation cache (``compiled_or_loaded``), or "reused". With ``reuse`` (the default) a program this
    process compiled before is not compiled again (``reused_or_compiled``: members that differ only in seed,
    lr, weight decay or momentum share one): it is "reused", and the seconds are those of tracing the program
    and finding it. The seconds always include tracing the program. With ``place_only`` (no epoch left to
    train: the placed state is only evaluated) nothing is traced or compiled: (None, state, data, 0.0, "skipped").
    By default each mini-batch is split over the devices and the members are replicated; with
    ``shard_members`` every device trains whole members on the whole mini-batch instead. ``devices``
    (default: all) are the mesh's devices. The data are replicated on every device, or sharded by
    rows (see ``data_sharded``; ``shard_data`` None = when there are several processes) — then
    ``splits`` may be this process's blocks of rows (``data.load_splits(rows=parallel.local_rows)``).
    """
    mesh = make_mesh(None if devices is None else list(devices))
    rows = data_sharded(shard_data, mesh.size, shard_members)
    if splits.is_block and not rows:
        how = "members split over devices" if shard_members else "a replicated data set"
        raise ConfigError(
            f"this process loaded only its block of {len(splits.x_train)} of the {splits.n_train} training "
            f"images, but {how} needs every image on every device (load the data set whole)"
        )
    if shard_members:
        epoch_fn = make_epoch(cfg, splits.n_train)
        state = parallel.shard_members(state, mesh)
    else:
        sharding = parallel.batch_sharding(mesh, cfg.batch_size)
        epoch_fn = make_epoch(cfg, splits.n_train, sharding, shard_data=rows, n_eval=splits.n_eval)
        state = replicate(state, mesh)
    if rows:
        data = []
        for split in ("train", "eval"):
            x, y, start, n = splits.rows(split)
            data += [shard_rows(x, start, n, mesh), shard_rows(y, start, n, mesh)]
    else:
        data = replicate(to_device(splits.x_train, splits.y_train, splits.x_eval, splits.y_eval), mesh)
    if place_only:
        return None, state, data, 0.0, "skipped"
    t0 = time.perf_counter()
    lowered = epoch_fn.lower(state, epoch_key(cfg, start_epoch), *data)
    compiled, how = reused_or_compiled(lowered, mesh) if reuse else compiled_or_loaded(lowered)
    return compiled, state, data, time.perf_counter() - t0, how


# This process's compiled epoch programs (``reused_or_compiled``), the least recently used first.
_compiled_epochs: collections.OrderedDict[tuple, Any] = collections.OrderedDict()


def reused_or_compiled(lowered: jax.stages.Lowered, mesh: jax.sharding.Mesh) -> tuple[Any, str]:
    """(the compiled program, how): the executable of an identical program compiled earlier in this process —
    the same StableHLO text, argument and result trees, on the same devices — ("reused"), or ``lowered``
    compiled now (``compiled_or_loaded``: "compiled" or "cached"). Anything that changes what the program
    computes (a config field, the data's shapes, the placement, x64 or the PRNG kind, a function patched while
    tracing) changes one of these, so a reused program is the very one a fresh compile would give. JAX's
    compile-option settings (e.g. ``jax_memory_fitting_effort``) are not in the key: nnjax sets none, and a
    process that changes one between runs gets the earlier program. The ``EPOCH_PROGRAMS`` most recently used
    are kept."""
    text = hashlib.sha256(lowered.as_text().encode()).digest()
    key = (text, lowered.in_tree, lowered.out_tree, tuple(mesh.devices.flat))
    if key in _compiled_epochs:
        _compiled_epochs.move_to_end(key)
        return _compiled_epochs[key], "reused"
    compiled, how = compiled_or_loaded(lowered)
    _compiled_epochs[key] = compiled
    while len(_compiled_epochs) > EPOCH_PROGRAMS:
        _compiled_epochs.popitem(last=False)
    return compiled, how


def compiled_or_loaded(lowered: jax.stages.Lowered) -> tuple[Any, str]:
    """(``lowered.compile()``, how): "cached" where JAX loaded the executable from its persistent compilation
    cache (``JAX_COMPILATION_CACHE_DIR``) instead of XLA compiling it, else "compiled". JAX says so by a
    ``jax.monitoring`` event (``CACHE_HIT_EVENT``); the listener hears only this thread, and only while it
    compiles: it is unregistered after."""
    hits = []
    thread = threading.get_ident()

    def listen(event: str, **kwargs) -> None:
        if event == CACHE_HIT_EVENT and threading.get_ident() == thread:
            hits.append(event)

    jax.monitoring.register_event_listener(listen)
    try:
        compiled = lowered.compile()
    finally:
        _unregister_event_listener(listen)
    return compiled, "cached" if hits else "compiled"


def _unregister_event_listener(listener: Callable[..., None]) -> None:
    """Remove a ``jax.monitoring.register_event_listener`` listener: by the public call of jax 0.10.2, or by
    the private one of jax 0.5.1, which has no public one."""
    unregister = getattr(jax.monitoring, "unregister_event_listener", None)
    if unregister is None:
        from jax._src import monitoring

        unregister = monitoring._unregister_event_listener_by_callback
    unregister(listener)


def compile_ensemble(
    cfg: Config,
    splits: Splits,
    state: TrainState,
    start_epoch: int,
    shard_members: bool | None = None,
    place_only: bool = False,
) -> tuple[Any, TrainState, list[jax.Array], float, str, dict[str, Any]]:
    """``compile_epoch`` for ``state``'s K members placed as sweeps place them.

    ``parallel.member_devices`` decides: the members split over devices — padded with copies of
    member 0 to an even split, which the caller drops (the first K rows of every result are the
    members) — or each mini-batch split over ``parallel.batch_devices()``. Returns (compiled epoch,
    placed state, placed data, compile seconds, how: "compiled", "cached" or "skipped" (``compile_epoch``), placement:
    {"split": "members" | "batch", "n_devices", "k_run"}). The program is always compiled (or loaded from JAX's
    persistent compilation cache), never reused (``compile_epoch(reuse=False)``), unless ``place_only``: then
    the members are placed alike and nothing compiles (``compile_epoch``'s "skipped").
    """
    k = jax.tree_util.tree_leaves(state)[0].shape[0]
    devices, placement = ensemble_placement(k, shard_members)
    k_run = placement["k_run"]
    if k_run > k:
        state = jax.tree_util.tree_map(lambda x: np.concatenate([x, np.repeat(x[:1], k_run - k, 0)]), state)
    # Never reused: a sweep's groups are different programs, and its compile_s says it compiled.
    compiled, state, data, compile_s, how = compile_epoch(
        cfg,
        splits,
        state,
        start_epoch,
        shard_members=placement["split"] == "members",
        devices=devices,
        reuse=False,
        place_only=place_only,
    )
    return compiled, state, data, compile_s, how, placement


def ensemble_placement(k: int, shard_members: bool | None = None) -> tuple[list | None, dict[str, Any]]:
    """Where ``compile_ensemble`` puts K members, decided before anything compiles: (devices — None for
    every device —, placement {"split": "members" | "batch", "n_devices", "k_run"})."""
    devices = parallel.member_devices(k, shard_members)
    by_members = devices is not None
    if not by_members:
        devices = parallel.batch_devices()  # None: every device
    placement = {
        "split": "members" if by_members else "batch",
        "n_devices": jax.device_count() if devices is None else len(devices),
        "k_run": parallel.padded_size(k, len(devices)) if by_members else k,
    }
    return devices, placement


# --------------------------------------------------------------------------------------------------
# Evaluation
# --------------------------------------------------------------------------------------------------


def make_evaluate(
    cfg: Config,
    batch_sharding: jax.sharding.NamedSharding | None = None,
    *,
    shard_data: bool = False,
    n: int | None = None,
) -> Callable:
    """evaluate(params_K, x_Nx784 uint8, y_N) → (loss_K, accuracy_K) over the whole split.

    ``batch_sharding`` (as in ``make_epoch``) splits each chunk of images across devices. With
    ``shard_data`` the arrays are instead sharded by rows over ``batch_sharding``'s mesh and padded
    (``parallel.shard_rows``): each device evaluates the rows it holds, in chunks, and the sums are
    added across devices; only the first ``n`` rows count (the split's real rows, or fewer).
    """
    σ, cost = get_activation(cfg.activation), get_cost(cfg.cost)
    constrain = None if shard_data else batch_sharding  # inside shard_map every array is already one device's

    def member_sums(params: Params, x_CxNx784: jax.Array, y_CxN: jax.Array, w_CxN: jax.Array):
        def chunk(carry, xyw):
            x, y, w = xyw
            if constrain is not None:
                x, y, w = (jax.lax.with_sharding_constraint(a, constrain) for a in (x, y, w))
            z_Nx10 = forward(params, prepare_images(x, cfg.standardize), σ)
            loss_N = jax.vmap(cost)(z_Nx10, y)
            correct_N = jnp.argmax(z_Nx10, axis=-1) == y
            return (carry[0] + jnp.sum(loss_N * w), carry[1] + jnp.sum(correct_N * w)), None

        (loss, correct), _ = jax.lax.scan(chunk, (0.0, 0.0), (x_CxNx784, y_CxN, w_CxN))
        return loss, correct

    if shard_data:
        return _row_sharded_evaluate(member_sums, batch_sharding.mesh, n)

    def evaluate(params_K: Params, x_Nx784: jax.Array, y_N: jax.Array):
        rows = x_Nx784.shape[0]
        size = min(EVAL_CHUNK, rows)
        if batch_sharding is not None:
            size += -size % batch_sharding.num_devices  # an equal share of every chunk per device
        pad = -rows % size
        w_N = jnp.concatenate([jnp.ones(rows), jnp.zeros(pad)])
        x = jnp.pad(x_Nx784, ((0, pad), (0, 0))).reshape(-1, size, x_Nx784.shape[1])
        y = jnp.pad(y_N, (0, pad)).reshape(-1, size)
        loss_K, correct_K = jax.vmap(member_sums, in_axes=(0, None, None, None))(params_K, x, y, w_N.reshape(-1, size))
        counted = jnp.sum(w_N)  # the real images, not the padding
        return rounded_quotient(loss_K, counted), rounded_quotient(correct_K, counted)

    return evaluate


def _eval_program(cfg: Config) -> Config:
    """The fields an evaluation program depends on (so members differing in seed or lr share one)."""
    return Config(activation=cfg.activation, cost=cfg.cost, standardize=cfg.standardize)


def evaluator(cfg: Config) -> Callable:
    """The jitted ``make_evaluate(cfg)``: one compiled evaluation per activation, cost and input scaling,
    so training and ``nnjax eval`` run the very same program."""
    return _evaluator(_eval_program(cfg))


@functools.lru_cache(maxsize=16)
def _evaluator(cfg: Config) -> Callable:
    return jax.jit(make_evaluate(cfg))


def evaluate_split(
    cfg: Config, params_K: Params, splits: Splits, split: str, first: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(loss_K, accuracy_K) as NumPy arrays: every member on the first ``first`` images (default
    all) of ``split`` ("train", "eval" or "test") of ``splits``.

    Whole splits are evaluated on the default device (``evaluator``). When this process holds only
    its block of the split (multi-host), the split is sharded by rows over every device, each device
    evaluates its own rows and the sums are added across devices.
    """
    x, y, start, n = splits.rows(split)
    if not splits.is_block:
        return jax.device_get(evaluator(cfg)(params_K, *to_device(x[:first], y[:first])))
    mesh = make_mesh()
    placed = [shard_rows(a, start, n, mesh) for a in (x, y)]
    return jax.device_get(
        _row_evaluator(_eval_program(cfg), mesh, n if first is None else first)(replicate(params_K, mesh), *placed)
    )


# --------------------------------------------------------------------------------------------------
# Row-sharded data: each device holds a block of the rows (the default with several processes)
# --------------------------------------------------------------------------------------------------


def data_sharded(shard_data: bool | None, n_devices: int, shard_members: bool = False) -> bool:
    """Whether the data arrays are sharded by rows: with several processes (``shard_data`` None)
    or when asked; never on one device, nor when members are split (each device needs every row)."""
    if shard_data is None:
        shard_data = jax.process_count() > 1
    return shard_data and n_devices > 1 and not shard_members


def _row_sharded_gather(mesh, standardize: bool):
    """gather(x_train, y_train, idx_B) of row-sharded training arrays → (x_Bx784, y_B) split over the
    mesh exactly as ``with_sharding_constraint`` splits a replicated gather: device i gets rows
    [i·B/D, (i+1)·B/D) of the mini-batch.

    Every device takes the whole index vector, gathers the batch rows it holds (the others are zeros,
    set after ``prepare_images`` so standardisation leaves them zero) and one reduce-scatter sums the
    D partial batches and hands each device its B/D rows: each sum is one value and zeros, so exact.
    """
    P = jax.sharding.PartitionSpec

    def local(x_Rx784: jax.Array, y_R: jax.Array, idx_B: jax.Array):
        r = x_Rx784.shape[0]
        i_B = idx_B - jax.lax.axis_index(AXIS) * r
        mine_B = (i_B >= 0) & (i_B < r)
        i_B = jnp.where(mine_B, i_B, 0)
        x_Bx784 = jnp.where(mine_B[:, None], prepare_images(x_Rx784[i_B], standardize), 0.0)
        y_B = jnp.where(mine_B, y_R[i_B], 0)
        scatter = functools.partial(jax.lax.psum_scatter, axis_name=AXIS, scatter_dimension=0, tiled=True)
        return scatter(x_Bx784), scatter(y_B)

    return shard_map(local, mesh, in_specs=(P(AXIS), P(AXIS), P()), out_specs=(P(AXIS), P(AXIS)))


def rounded_quotient(sum_K: jax.Array, n: jax.Array | int) -> jax.Array:
    """``sum_K / n`` for each member, correctly rounded: an accuracy of k correct of n images is the float32
    nearest k/n, which ``config.short_float`` writes as that decimal (9239 of 10,000 images: 0.9239)."""
    # XLA turns a division by a constant into a multiplication by its reciprocal, a float32 step off for a third of
    # the counts of 10,000 (0.92389995). The divisor here depends on the sums (1 where a sum is NaN, whose quotient
    # is NaN whatever it is divided by), so it is no constant: the division stays. An optimization_barrier around n
    # does not do it in every jax: jax 0.5.1 folds a barrier around one member's n (K = 1) into the constant.
    n_K = jnp.where(jnp.isnan(sum_K), 1.0, jnp.asarray(n, sum_K.dtype))
    return sum_K / n_K


def _row_sharded_evaluate(member_sums, mesh, n: int):
    """evaluate(params_K, x_Nx784, y_N) of row-sharded, padded arrays: on every device, the weighted
    loss and correct sums of the rows it holds (weight 1 for the first ``n`` global rows, 0 after),
    then one psum across devices."""
    P = jax.sharding.PartitionSpec

    def local(params_K: Params, x_Rx784: jax.Array, y_R: jax.Array):
        r = x_Rx784.shape[0]
        w_R = (jax.lax.axis_index(AXIS) * r + jnp.arange(r) < n).astype(jnp.float32)
        size = min(EVAL_CHUNK, r)
        pad = -r % size
        x = jnp.pad(x_Rx784, ((0, pad), (0, 0))).reshape(-1, size, x_Rx784.shape[1])
        y, w = (jnp.pad(a, (0, pad)).reshape(-1, size) for a in (y_R, w_R))
        loss_K, correct_K = jax.vmap(member_sums, in_axes=(0, None, None, None))(params_K, x, y, w)
        return jax.lax.psum(loss_K, AXIS), jax.lax.psum(correct_K, AXIS)

    summed = shard_map(local, mesh, in_specs=(P(), P(AXIS), P(AXIS)), out_specs=(P(), P()))

    def evaluate(params_K: Params, x_Nx784: jax.Array, y_N: jax.Array):
        loss_K, correct_K = summed(params_K, x_Nx784, y_N)
        return rounded_quotient(loss_K, n), rounded_quotient(correct_K, n)

    return evaluate


@functools.lru_cache(maxsize=16)
def _row_evaluator(cfg: Config, mesh, n: int) -> Callable:
    return jax.jit(make_evaluate(cfg, row_sharding(mesh), shard_data=True, n=n))
