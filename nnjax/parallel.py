"""Devices: one ``jax.sharding.Mesh`` over every device, axis "data".

Data parallel (the default): each mini-batch is split across the devices, parameters and optimiser
state are replicated, and the compiler (GSPMD) inserts one all-reduce of the gradients per step —
``tests/test_parallel.py`` checks the compiled program for it. One device is a mesh of one and gives
exactly the single-device program. For sweeps, ``shard_members`` splits the ensemble axis across
devices instead (every device trains whole members on the whole batch; no communication at all).

Where the data live. Every epoch draws one global random permutation of the n training rows (a
per-device shuffle would make the data order, and so the results, depend on the device count).
With one process the training and evaluation images are replicated: each device gathers *its own*
B/D rows of every mini-batch from its copy inside the compiled program, and no data move between
devices during an epoch (MNIST-sized sets, 47 MB of uint8 pixels, fit on every device many times
over). With several processes (or ``shard_data=True`` in ``train.compile_epoch``) they are sharded
by rows instead (``shard_rows``): each device holds N/D rows, zero-padded to a multiple of D (the
shuffle never draws padding; evaluation weighs it 0). The mesh orders devices by process, so each
process's devices hold one contiguous block of N/P rows and the process loads only that block from
disk (``local_rows``, ``data.load_splits(rows=...)``). Each step every device then gathers the rows
of the whole mini-batch that it holds (the others are zeros) and one reduce-scatter
(``lax.psum_scatter``) hands each device its B/D rows: the same rows in the same places as the
replicated program, exactly (every sum is one value and zeros), so the results do not depend on
the number of devices or processes. Evaluation sums each device's own rows (a psum). That costs one
reduce-scatter of a B×784 batch per step, which is why one process keeps the replicated program.
Member-sharded ensembles keep replicated data: every device there trains on the whole batch.

CPU cores: XLA runs one CPU device's small matrix products poorly across cores, so for ensembles
``split_cpu_cores`` exposes one JAX CPU device per core and sweeps split each ensemble's members
over them (``member_devices``; members are padded with copies of member 0 to an even split, and the
copies are dropped from every result). Each core then trains whole members with no communication;
on a 2-core VM 16 members train ~2× faster than on one device using both cores (0.660 s against 1.302 s
per epoch on the Intel Xeon VM of benchmarks/RESULTS.md; 1.5× on the AMD EPYC VM of 2026-11-28). Single
runs, and sweep groups split by mini-batch, then use the first of those devices only (``batch_devices``):
splitting one small network's mini-batch over CPU "devices" costs more in synchronisation than it gains.

Several processes (TPU pods, multi-node GPU): ``maybe_initialize_distributed`` starts
``jax.distributed`` when the environment asks for it. Every process then loads only its block of
rows of each split and places it on its own devices (``shard_rows`` builds the global arrays from
process-local data, so no data cross hosts when placing; ``put`` does the same for replicated
state). Process 0 writes the run folder; process p > 0 writes an identical copy to
``RUN_DIR.process<p>`` (see ``process_run_dir``) so processes never race on one file.
"""

from __future__ import annotations

import os
import re
import sys
import threading
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import jax
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from nnjax.config import non_ascii_note, parse_number
from nnjax.errors import ConfigError, first_line

AXIS = "data"


def usable_cores() -> int:
    """CPU cores this process may run on (its affinity mask where the OS has one)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def split_cpu_cores(n: int | None = None) -> int:
    """Ask jax for one CPU device per core (``jax_num_cpu_devices``, default ``usable_cores()``).

    Call before anything touches a device: once jax has started (a warning says so when that leaves a
    CPU-only process one device), or when ``XLA_FLAGS`` already sets
    ``--xla_force_host_platform_device_count``, the count is left alone. Accelerators are unaffected.
    Returns the number of CPU devices jax has (or will have).
    """
    try:  # no public "are the backends up?" query; without it, jax's own refusal below says so
        from jax._src.xla_bridge import backends_are_initialized

        if backends_are_initialized():
            return _count_as_started(n)
    except ImportError:
        pass
    forced = re.search(r"xla_force_host_platform_device_count=(\d+)", os.environ.get("XLA_FLAGS", ""))
    if forced:
        return int(forced.group(1))
    if jax.config.jax_num_cpu_devices > 0:
        return jax.config.jax_num_cpu_devices
    n = n or usable_cores()
    try:
        jax.config.update("jax_num_cpu_devices", n)
    except RuntimeError:  # the backends are already up: the count is what it is
        return _count_as_started(n)
    return n


def _count_as_started(n: int | None) -> int:
    """The CPU device count of a jax already started, with a warning when a CPU-only process got one
    device where ``split_cpu_cores`` would have made several: a sweep then places its members otherwise
    than ``nnjax sweep`` (and rounds otherwise)."""
    count = len(jax.devices("cpu"))
    wanted = n or usable_cores()
    forced = "xla_force_host_platform_device_count" in os.environ.get("XLA_FLAGS", "")
    asked = forced or jax.config.jax_num_cpu_devices > 0  # one device asked for: no warning
    if jax.default_backend() == "cpu" and count == 1 and wanted > 1 and not asked:  # one device by chance
        warnings.warn(
            f"split_cpu_cores(): jax has already started with one CPU device, so it stays one (not {wanted}); "
            "call it before anything touches a device (first thing in a script or notebook)",
            stacklevel=3,
        )
    return count


def batch_devices() -> list | None:
    """The devices that split each mini-batch (a single run, or a sweep group split by batch): None =
    every device. On a one-process CPU whose devices are its cores (``jax_num_cpu_devices``, as
    ``split_cpu_cores`` sets it) only the first: one small network's mini-batch split over CPU
    "devices" costs more in synchronisation than it gains. CPU devices forced with ``XLA_FLAGS``
    (the tests' stand-in for an accelerator's devices) are all used.
    """
    if jax.default_backend() == "cpu" and jax.process_count() == 1 and jax.config.jax_num_cpu_devices > 1:
        return jax.devices()[:1]
    return None


def member_devices(k: int, shard_members: bool | None = None) -> list | None:
    """The devices an ensemble of ``k`` members is split over (at most ``k``), or None: split each
    mini-batch instead (over ``batch_devices()``).

    ``shard_members``: True = split the members; False = split the mini-batches; None (auto) = split
    the members on a one-process CPU backend with several devices (see ``split_cpu_cores``), the
    mini-batches elsewhere. Splitting members across several processes is not supported.
    """
    n = jax.device_count()
    if shard_members and jax.process_count() > 1:
        raise ConfigError(
            f"--shard-members with {jax.process_count()} processes is not supported: each process could "
            "fetch only its own members' metrics (leave it off: each mini-batch is split over all devices)"
        )
    if shard_members is None:
        shard_members = jax.default_backend() == "cpu" and n > 1 and jax.process_count() == 1
    if not shard_members:
        return None
    return jax.devices()[: min(n, k)]


def padded_size(k: int, n_devices: int) -> int:
    """``k`` rounded up to a multiple of ``n_devices`` (members are split evenly)."""
    return k + (-k % n_devices)


def make_mesh(devices: list | None = None) -> Mesh:
    """A 1-D mesh named "data" over ``devices`` (default: every device of every process, ordered by
    process, so each process's devices hold one contiguous block of a row-sharded array)."""
    if devices is None:
        devices = sorted(jax.devices(), key=lambda d: d.process_index)  # stable: id order within a process
    return Mesh(np.array(devices), (AXIS,))


def batch_sharding(mesh: Mesh, batch_size: int) -> NamedSharding | None:
    """Sharding that splits a mini-batch's leading axis over the mesh (None on one device).

    A batch size that the device count does not divide is an error rather than a silently
    truncated or padded batch: either would change the gradient and make results device-dependent.
    """
    n = mesh.size
    if n == 1:
        return None
    if batch_size % n:
        raise ConfigError(
            f"config field 'batch_size' = {batch_size}: not divisible by the {n} devices "
            f"(use a multiple of {n}, e.g. {batch_size + (-batch_size % n)})"
        )
    return NamedSharding(mesh, PartitionSpec(AXIS))


def put(tree: Any, sharding: NamedSharding) -> Any:
    """Place every array of ``tree`` with ``sharding``; every process passes the same full values.

    On one process this is ``jax.device_put``. With several processes each one builds only the
    shards of its own devices from its own copy (``jax.make_array_from_callback``), so no data
    crosses hosts.
    """
    if sharding.is_fully_addressable:
        return jax.device_put(tree, sharding)

    def one(x):
        x_host = np.asarray(jax.device_get(x))
        return jax.make_array_from_callback(x_host.shape, sharding, lambda index: x_host[index])

    return jax.tree_util.tree_map(one, tree)


def row_sharding(mesh: Mesh) -> NamedSharding:
    """Rows of a data array split over the mesh: device i holds the i-th block of N/D rows."""
    return NamedSharding(mesh, PartitionSpec(AXIS))


def _padded_block(n: int, mesh: Mesh) -> tuple[int, int]:
    """Rows [lo, hi) of ``n`` rows zero-padded to a multiple of the mesh size that this process's
    devices hold when row-sharded (``hi`` may pass ``n``: the padding)."""
    n_pad = padded_size(n, mesh.size)
    per = n_pad // mesh.size
    starts = sorted(idx[0].start or 0 for idx in row_sharding(mesh).addressable_devices_indices_map((n_pad,)).values())
    lo, hi = starts[0], starts[-1] + per
    if hi - lo != per * len(starts):
        raise ConfigError(
            f"process {jax.process_index()}'s devices are not adjacent in the device mesh, so they cannot hold "
            "one block of rows of the data (build the mesh with parallel.make_mesh(), which orders them by process)"
        )
    return lo, hi


def local_rows(n: int, mesh: Mesh | None = None) -> tuple[int, int]:
    """The real rows [lo, hi) of an ``n``-row split that this process's devices hold when it is
    row-sharded over ``mesh`` (default ``make_mesh()``): the only rows this process needs to load."""
    lo, hi = _padded_block(n, make_mesh() if mesh is None else mesh)
    return min(lo, n), min(hi, n)


def padded_rows(block: np.ndarray, start: int, n: int, lo: int, hi: int) -> np.ndarray:
    """Rows [lo, hi) of an ``n``-row split zero-padded past row n, from ``block`` = its rows
    [start, start + len(block)): the real rows, then zeros (only zeros when lo ≥ n — a process whose
    devices lie wholly in the padding, as the last of many hosts can with a small split)."""
    real_lo, real_hi = min(lo, n), min(hi, n)
    if not start <= real_lo <= real_hi <= start + len(block):
        raise ValueError(
            f"this process holds rows [{start}, {start + len(block)}) of the {n}-row split; "
            f"its devices need rows [{real_lo}, {real_hi})"
        )
    local = np.zeros((hi - lo, *block.shape[1:]), block.dtype)
    local[: real_hi - real_lo] = block[real_lo - start : real_hi - start]
    return local


def shard_rows(block: np.ndarray, start: int, n: int, mesh: Mesh) -> jax.Array:
    """An ``n``-row split as one global array sharded by rows over ``mesh`` (``row_sharding``), its
    rows zero-padded to a multiple of the device count.

    ``block`` holds the split's rows [start, start + len(block)) on this process (the whole split, or
    this process's ``local_rows``); only the rows of this process's own devices are passed on
    (``jax.make_array_from_process_local_data``), so no rows cross hosts.
    """
    lo, hi = _padded_block(n, mesh)
    local = padded_rows(block, start, n, lo, hi)
    global_shape = (padded_size(n, mesh.size), *local.shape[1:])
    return jax.make_array_from_process_local_data(row_sharding(mesh), local, global_shape)


def shard_map(f: Callable, mesh: Mesh, in_specs: Any, out_specs: Any) -> Callable:
    """``jax.shard_map`` (``jax.experimental.shard_map`` before jax 0.6): ``f`` runs once per device
    on that device's shards, with collectives over the mesh axis "data".

    The replication check is off: it would need every ``lax.scan`` carry inside ``f`` marked as
    varying per device; ``f``'s outputs with an unsplit spec are psum-ed, so truly replicated.
    """
    if hasattr(jax, "shard_map"):
        return jax.shard_map(f, mesh=mesh, in_specs=in_specs, out_specs=out_specs, check_vma=False)
    from jax.experimental.shard_map import shard_map as experimental_shard_map

    return experimental_shard_map(f, mesh=mesh, in_specs=in_specs, out_specs=out_specs, check_rep=False)


def replicate(tree: Any, mesh: Mesh) -> Any:
    """Place every array of ``tree`` whole on every device of the mesh."""
    return put(tree, NamedSharding(mesh, PartitionSpec()))


def shard_members(tree: Any, mesh: Mesh) -> Any:
    """Split the leading (ensemble) axis of every array of ``tree`` across the mesh."""
    k = jax.tree_util.tree_leaves(tree)[0].shape[0]
    if k % mesh.size:
        raise ConfigError(
            f"{k} ensemble members cannot be split evenly over {mesh.size} devices "
            f"(use a multiple of {mesh.size} members, or leave --shard-members off)"
        )
    return put(tree, NamedSharding(mesh, PartitionSpec(AXIS)))


def process_run_dir(run_dir: str | Path) -> Path:
    """The folder this process writes: ``run_dir`` on process 0, ``run_dir.process<p>`` on process p."""
    run_dir = Path(run_dir)
    p = jax.process_index()
    return run_dir if p == 0 else run_dir.with_name(f"{run_dir.name}.process{p}")


# Environment variables that mean "this process is one of several" for the launchers jax knows.
_SLURM = ("SLURM_JOB_ID", "SLURM_STEP_NODELIST", "SLURM_NTASKS", "SLURM_PROCID", "SLURM_LOCALID")
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


def distributed_request(environ: Mapping[str, str] | None = None) -> dict[str, Any] | None:
    """The ``jax.distributed.initialize`` keyword arguments the environment asks for, or None.

    - ``NNJAX_DISTRIBUTED=0``: never (overrides everything below).
    - ``NNJAX_DISTRIBUTED=1``: always; jax detects the cluster (Cloud TPU pod VMs, GKE, SLURM,
      Open MPI) or reads ``JAX_COORDINATOR_ADDRESS``.
    - ``JAX_COORDINATOR_ADDRESS`` with ``JAX_NUM_PROCESSES`` and ``JAX_PROCESS_ID``: a manual launch.
    - A SLURM job step with more than one task, or Open MPI's ``mpirun`` with more than one rank.
    A single Colab TPU/GPU host needs none of this and is left alone.
    """
    env = os.environ if environ is None else environ
    flag = env.get("NNJAX_DISTRIBUTED", "").strip().lower()
    if flag and flag not in _TRUE + _FALSE:
        raise ConfigError(f"environment variable NNJAX_DISTRIBUTED={env['NNJAX_DISTRIBUTED']!r}: use 1 or 0")
    if flag in _FALSE:
        return None
    kwargs = _requested(env, flag)
    if kwargs is not None and "JAX_COORDINATOR_ADDRESS" in env:  # jax.distributed reads it on every path
        check_coordinator_address(env["JAX_COORDINATOR_ADDRESS"])
    return kwargs


def _requested(env: Mapping[str, str], flag: str) -> dict[str, Any] | None:
    """``distributed_request``'s answer for an environment whose ``NNJAX_DISTRIBUTED`` (``flag``) is not off."""
    coordinator = env.get("JAX_COORDINATOR_ADDRESS")
    if coordinator and ("JAX_NUM_PROCESSES" in env or "JAX_PROCESS_ID" in env):
        try:
            num, pid = parse_number(env["JAX_NUM_PROCESSES"]), parse_number(env["JAX_PROCESS_ID"])
        except (KeyError, ValueError):
            raise ConfigError(
                "JAX_COORDINATOR_ADDRESS is set: JAX_NUM_PROCESSES and JAX_PROCESS_ID must both be integers "
                f"(got {env.get('JAX_NUM_PROCESSES')!r} and {env.get('JAX_PROCESS_ID')!r})"
                + non_ascii_note(env.get("JAX_NUM_PROCESSES", "") + env.get("JAX_PROCESS_ID", ""))
            ) from None
        if not 0 <= pid < num:
            raise ConfigError(f"JAX_PROCESS_ID={pid} is not in 0..{num - 1} (JAX_NUM_PROCESSES={num})")
        return {"coordinator_address": coordinator, "num_processes": num, "process_id": pid}
    if flag in _TRUE:
        return {}
    if all(v in env for v in _SLURM) and _int(env["SLURM_NTASKS"]) > 1:
        return {}
    if "OMPI_MCA_orte_hnp_uri" in env and _int(env.get("OMPI_COMM_WORLD_SIZE", "0")) > 1:
        return {}
    return None


def check_coordinator_address(address: str) -> None:
    """ConfigError unless ``address`` (``$JAX_COORDINATOR_ADDRESS``) is ``HOST:PORT`` with a port in 1..65535.

    jax.distributed takes the text after its last ``:`` as the port: without one it raised IndexError, and an
    empty host, empty port or port out of range made it wait 5 minutes for a coordinator, then abort.
    """
    host, colon, port = address.rpartition(":")
    if not colon or not host.strip() or not port:
        why = "not HOST:PORT (e.g. 10.0.0.1:1234)"
    elif not (port.isascii() and port.isdigit()):
        why = f"port {port!r} is not a number"
    elif not 1 <= int(port) <= 65535:
        why = f"port {int(port)} is not in 1..65535"
    elif host.startswith("[") != host.endswith("]"):
        why = f"host {host!r}: an IPv6 address goes in brackets, e.g. [::1]:1234"
    else:
        return
    raise ConfigError(f"environment variable JAX_COORDINATOR_ADDRESS={address!r}: {why}")


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        return 0


def maybe_initialize_distributed(environ: Mapping[str, str] | None = None) -> bool:
    """Start ``jax.distributed`` if the environment asks for it (see ``distributed_request``).

    Call before anything touches a device. Returns whether it initialised; a second call is a no-op.
    """
    env = os.environ if environ is None else environ
    kwargs = distributed_request(env)
    if kwargs is None:
        if env.get("JAX_COORDINATOR_ADDRESS") and env.get("NNJAX_DISTRIBUTED", "").strip().lower() not in _FALSE:
            print(  # each task of a half-configured launch would train the whole run alone
                "nnjax: warning: JAX_COORDINATOR_ADDRESS is set without JAX_NUM_PROCESSES and JAX_PROCESS_ID: "
                "this process trains alone (set both for a multi-process launch, NNJAX_DISTRIBUTED=1 to let jax "
                "detect the cluster, or NNJAX_DISTRIBUTED=0 to silence this)",
                file=sys.stderr,
            )
        return False
    if getattr(jax.distributed, "is_initialized", lambda: False)():  # public since jax 0.4.3x
        return True
    try:
        _interruptible(lambda: jax.distributed.initialize(**kwargs))
    except (RuntimeError, ValueError) as e:
        raise ConfigError(f"jax.distributed.initialize({kwargs or ''}) failed: {first_line(e)}") from None
    return True


def _interruptible(call: Callable[[], None]) -> None:
    """Run ``call`` in a helper thread while the main thread waits for it, re-raising what it raised.

    ``jax.distributed.initialize`` blocks in C++ until every process has joined (up to its 5-minute timeout);
    Python runs a signal handler only between bytecodes of the main thread, so Ctrl-C and SIGTERM (the
    command line's ``exit_at_once_on_interrupt``) waited that long. Waiting in short joins lets the handler
    run at once. Off the main thread (no signal handler runs there) the call is made directly. In Python (a
    notebook), a KeyboardInterrupt returns while the helper thread still waits: restart the kernel before
    starting again.
    """
    if threading.current_thread() is not threading.main_thread():
        call()
        return
    raised: list[BaseException] = []

    def run() -> None:
        try:
            call()
        except BaseException as e:  # handed to the main thread
            raised.append(e)

    helper = threading.Thread(target=run, name="nnjax-distributed-initialize", daemon=True)
    helper.start()
    while helper.is_alive():
        helper.join(0.1)
    if raised:
        raise raised[0]
