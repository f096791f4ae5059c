"""Data-parallel training across devices, sharded ensembles and multi-process start-up.

The device count of a JAX process is fixed when jax initialises, so every check that needs 8 devices
runs in a fresh subprocess with ``XLA_FLAGS=--xla_force_host_platform_device_count=8``: this file is
also the worker script (``python tests/test_parallel.py MODE ...`` prints one ``RESULT {json}`` line).
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest

N_TRAIN, N_EVAL, BATCH, EPOCHS = 512, 120, 32, 3
RESULT = "RESULT "
COLLECTIVES = ("all-reduce", "all-gather", "reduce-scatter", "all-to-all", "collective-permute")


# ---------------------------------------------------------------- worker side (runs in the subprocess)


def synthetic_splits():
    """Learnable fake digits: one fixed random template per class plus noise (uint8 x_Nx784, int32 y_N)."""
    from nnjax.data import Splits

    rng = np.random.default_rng(0)
    templates_10x784 = rng.random((10, 784)) < 0.2
    y_N = rng.integers(0, 10, N_TRAIN + N_EVAL).astype(np.int32)
    x_Nx784 = np.clip(templates_10x784[y_N] * 160 + rng.integers(0, 96, (len(y_N), 784)), 0, 255).astype(np.uint8)
    x_tr, y_tr, x_ev, y_ev = x_Nx784[:N_TRAIN], y_N[:N_TRAIN], x_Nx784[N_TRAIN:], y_N[N_TRAIN:]
    return Splits(x_tr, y_tr, x_ev, y_ev, x_ev, y_ev, "test")


def small_config():
    from nnjax.config import Config

    return Config(name="par", epochs=EPOCHS, batch_size=BATCH, checkpoint_every=0)


def _collectives(hlo: str) -> dict[str, int]:
    return {op: len(re.findall(rf"\b{op}(?:-start)?\(", hlo)) for op in COLLECTIVES}


def _flops(compiled) -> float:
    cost = compiled.cost_analysis()
    return float((cost[0] if isinstance(cost, list) else cost)["flops"])


def _train(out_dir: str, from_cache: str = "") -> dict:
    """Train the small config through run.train_and_evaluate (on synthetic_splits, or with
    ``from_cache`` loading them from the npz cache in $TFDS_DATA_DIR as run.py loads data); metrics,
    final params, the splits run.py loaded, and the placement / collectives / per-device flops of the
    epoch program run.py compiled."""
    import jax

    import nnjax.run as run
    from nnjax.train import epoch_key

    seen = {}

    def spy(name, fn):
        def wrapped(*args, **kwargs):
            seen[name] = fn(*args, **kwargs)
            return seen[name]

        return wrapped

    run.load_splits, run.compile_epoch = spy("splits", run.load_splits), spy("compiled", run.compile_epoch)
    cfg = small_config()
    result = run.train_and_evaluate(cfg, out_dir, progress=False, splits=None if from_cache else synthetic_splits())
    _, params_K, _ = run.load_run(result["run_dir"])  # this process's folder (process_run_dir)

    compiled, state, data, _, _ = seen["compiled"]
    hlo = compiled.as_text()
    new_state, _ = compiled(state, epoch_key(cfg, 0), *data)
    leaves = jax.tree_util.tree_leaves(new_state) + data
    grad_all_reduce = [
        line
        for line in hlo.splitlines()
        # the backward pass (named so by jax >= 0.6), or the first layer's weight gradient by its shape (jax 0.5)
        if re.search(r"\ball-reduce(?:-start)?\(", line) and ("transpose(jvp" in line or "f32[1,16,784]" in line)
    ]
    loaded = seen.get("splits")
    return {
        "devices": jax.device_count(),
        "result": result,
        # What this process's loader returned: the rows it holds of (train, eval, test), and the sizes.
        "loaded": loaded
        and {
            "starts": list(loaded.starts),
            "rows": [len(loaded.x_train), len(loaded.x_eval), len(loaded.x_test)],
            "sizes": loaded.sizes and list(loaded.sizes),
        },
        # Per placed data array: its global shape and the rows [lo, hi) this process's devices hold.
        "data_shapes": [list(a.shape) for a in data],
        "data_local_rows": [
            sorted({(s.index[0].start or 0, s.index[0].stop or a.shape[0]) for s in a.addressable_shards}) for a in data
        ],
        "metrics": run.read_metrics(Path(result["run_dir"]) / "metrics.jsonl"),
        "params": [np.asarray(leaf).tolist() for leaf in jax.tree_util.tree_leaves(jax.device_get(params_K))],
        "collectives": _collectives(hlo),
        "grad_all_reduce": len(grad_all_reduce),
        "flops": _flops(compiled),
        # Every state / data array placed by run.py's helpers, and every output of the program:
        "array_device_counts": sorted({len(x.sharding.device_set) for x in leaves}),
        "array_replicated": all(x.sharding.is_fully_replicated for x in leaves),
        "output_device_counts": sorted(
            {len(s.device_set) for s in jax.tree_util.tree_leaves(compiled.output_shardings)}
        ),
        "input_device_counts": sorted({len(s.device_set) for s in jax.tree_util.tree_leaves(compiled.input_shardings)}),
    }


def _batch_error(out_dir: str) -> dict:
    """A run, and sweeps split by mini-batch (one with a grid whose second group is the bad one), with
    a batch of 12 on 8 devices: their errors and whether their folders were written."""
    from nnjax.errors import ConfigError
    from nnjax.run import train_and_evaluate
    from nnjax.sweep import run_sweep

    out = {}
    attempts = {
        "run": lambda d: train_and_evaluate(
            small_config().replace(batch_size=12), d, progress=False, splits=synthetic_splits()
        ),
        "sweep": lambda d: run_sweep(
            small_config().replace(batch_size=12),
            {"seed": [0, 1]},
            d,
            progress=False,
            splits=synthetic_splits(),
            shard_members=False,
        ),
        "grid": lambda d: run_sweep(
            small_config(), {"batch_size": [32, 12]}, d, progress=False, splits=synthetic_splits(), shard_members=False
        ),
    }
    for name, attempt in attempts.items():
        folder = f"{out_dir}_{name}"
        try:
            attempt(folder)
            out[name] = {"error": None}
        except ConfigError as e:
            out[name] = {"error": str(e)}
        out[name]["folder_written"] = Path(folder).exists()
    return out


def _members() -> dict:
    """An 8-member ensemble (different seeds and learning rates) trained twice: members sharded
    over the 8 devices, and all on one device; plus how the sharded state is laid out."""
    import jax

    from nnjax.parallel import make_mesh, shard_members
    from nnjax.train import compile_epoch, epoch_key, init_state, make_epoch, to_device

    cfg, splits = small_config(), synthetic_splits()
    configs = [cfg.replace(seed=i, lr=0.001 * (i + 1)) for i in range(8)]
    epoch_fn = make_epoch(cfg, N_TRAIN)  # no batch sharding: each device trains whole members
    data = to_device(splits.x_train, splits.y_train, splits.x_eval, splits.y_eval)
    mesh = make_mesh()

    def train(state):
        for epoch in range(2):
            state, metrics = epoch_fn(state, epoch_key(cfg, epoch), *data)
        return state, metrics

    sharded0 = shard_members(init_state(configs, N_TRAIN), mesh)
    w0 = jax.tree_util.tree_leaves(sharded0.params)[0]
    layout = {
        "device_set": len(w0.sharding.device_set),
        "shard_shapes": sorted({tuple(s.data.shape) for s in w0.addressable_shards}),
        "shard_devices": len({s.device for s in w0.addressable_shards}),
    }
    sharded, m_sharded = train(sharded0)
    _, placed, _, _, _ = compile_epoch(cfg, splits, init_state(configs, N_TRAIN), 0, shard_members=True)
    placed_w = jax.tree_util.tree_leaves(placed.params)[0]
    layout["compile_epoch_placed"] = [
        list(placed_w.sharding.spec),
        sorted({s.data.shape for s in placed_w.addressable_shards}),
    ]
    single, m_single = train(jax.device_put(init_state(configs, N_TRAIN), jax.devices()[0]))
    hlo = epoch_fn.lower(sharded0, epoch_key(cfg, 0), *data).compile().as_text()
    out_leaf = jax.tree_util.tree_leaves(sharded.params)[0]
    diff = max(
        float(np.max(np.abs(np.asarray(a) - np.asarray(b))))
        for a, b in zip(jax.tree_util.tree_leaves(sharded), jax.tree_util.tree_leaves(single))
    )
    try:
        shard_members(init_state(configs[:6], N_TRAIN), mesh)
        uneven = None
    except Exception as e:  # noqa: BLE001 — the test checks the type by name
        uneven = f"{type(e).__name__}: {e}"
    return {
        **layout,
        "out_device_set": len(out_leaf.sharding.device_set),
        "out_spec": list(out_leaf.sharding.spec),
        "max_param_diff": diff,
        "eval_acc_sharded": np.asarray(m_sharded["eval_accuracy"]).tolist(),
        "eval_acc_single": np.asarray(m_single["eval_accuracy"]).tolist(),
        "collectives": _collectives(hlo),
        "uneven": uneven,
    }


def _rows() -> dict:
    """shard_data=True on the 8 devices of one process: the data sharded by rows (500 training and 117
    evaluation images, so both are padded), trained beside the 1-device program in the same process;
    the row-sharded evaluation of a split held as a block; the error where a block cannot be used."""
    import dataclasses

    import jax

    from nnjax.errors import ConfigError
    from nnjax.train import compile_epoch, epoch_key, evaluate_split, init_state

    cfg, full = small_config(), synthetic_splits()
    x_tr, y_tr, x_ev, y_ev = full.x_train[:500], full.y_train[:500], full.x_eval[:117], full.y_eval[:117]
    splits = dataclasses.replace(full, x_train=x_tr, y_train=y_tr, x_eval=x_ev, y_eval=y_ev)

    def train(**kwargs):
        compiled, state, data, _, _ = compile_epoch(cfg, splits, init_state([cfg], 500), 0, **kwargs)
        metrics = []
        for epoch in range(EPOCHS):
            state, m = compiled(state, epoch_key(cfg, epoch), *data)
            metrics.append({k: float(v[0]) for k, v in jax.device_get(m).items()})
        return compiled, state, data, metrics

    compiled, state, data, m_rows = train(shard_data=True)
    _, state_one, _, m_one = train(devices=jax.devices()[:1])
    # the same one-device program on the second device, then on the first again: reused only where compiled
    one_device = (jax.devices()[1:2], jax.devices()[:1])
    reused = [compile_epoch(cfg, splits, init_state([cfg], 500), 0, devices=d)[4] == "reused" for d in one_device]
    hlo = compiled.as_text()
    # One process holds everything, so its block of every split is the whole split.
    block = dataclasses.replace(splits, sizes=(500, 117, 120))
    params = jax.device_get(state_one.params)
    errors = []
    for kwargs in ({"shard_members": True}, {"shard_data": False}, {"devices": jax.devices()[:1]}):
        try:
            compile_epoch(cfg, block, init_state([cfg], 500), 0, **kwargs)
        except ConfigError as e:
            errors.append(str(e))
    return {
        "data_shapes": [list(a.shape) for a in data],
        "shard_shapes": [sorted({tuple(s.data.shape) for s in a.addressable_shards}) for a in data],
        "shard_devices": [len({s.device for s in a.addressable_shards}) for a in data],
        "specs": [list(a.sharding.spec) for a in data],
        "collectives": _collectives(hlo),
        "reduce_scatter_shapes": re.findall(r"= (\w+\[[\d,]*\])\S* reduce-scatter(?:-start)?\(", hlo),
        "metrics_rows": m_rows,
        "metrics_one": m_one,
        "max_param_diff": max(
            float(np.max(np.abs(np.asarray(a) - np.asarray(b))))
            for a, b in zip(jax.tree_util.tree_leaves(state), jax.tree_util.tree_leaves(state_one))
        ),
        "eval_block": [float(v[0]) for v in evaluate_split(cfg, params, block, "train", 100)],
        "eval_whole": [float(v[0]) for v in evaluate_split(cfg, params, splits, "train", 100)],
        "errors": errors,
        "reused_on_devices_1_then_0": reused,
        "standardized_gather": _standardized_gather(x_tr, y_tr),
    }


def _standardized_gather(x_tr: np.ndarray, y_tr: np.ndarray) -> dict:
    """A mini-batch of standardised images gathered from rows sharded over the 8 devices, against the
    same rows standardised on the host: the largest difference, and whether the labels are the same."""
    import jax

    from nnjax.data import prepare_images
    from nnjax.parallel import make_mesh, shard_rows
    from nnjax.train import _row_sharded_gather

    mesh = make_mesh()
    idx = np.asarray(jax.random.permutation(jax.random.key(1), len(x_tr))[:32])
    x_B, y_B = jax.jit(_row_sharded_gather(mesh, True))(*(shard_rows(a, 0, len(x_tr), mesh) for a in (x_tr, y_tr)), idx)
    return {
        "max_diff": float(np.max(np.abs(np.asarray(x_B) - prepare_images(x_tr[idx], True)))),
        "labels_equal": bool(np.array_equal(np.asarray(y_B), y_tr[idx])),
    }


def _distributed(out_dir: str) -> dict:
    """One of two processes (4 CPU devices each) started through the environment, training together
    on the data set that run.py loads from the npz cache in $TFDS_DATA_DIR (each process its block)."""
    from nnjax.parallel import maybe_initialize_distributed

    started = maybe_initialize_distributed()
    import jax

    info = {"started": started, "process_count": jax.process_count(), "device_count": jax.device_count()}
    return {**info, **_train(out_dir, from_cache="yes")}


SWEEP_GRID = {"seed": [0, 1], "lr": [0.001, 0.003]}


def _group_results(sweep_dir: Path) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted(Path(sweep_dir).glob("groups/*/result.json"))]


def _distributed_sweep(out_dir: str) -> dict:
    """One of two processes running a small sweep (each mini-batch split) on the npz-cache data set."""
    from nnjax.parallel import maybe_initialize_distributed, process_run_dir

    maybe_initialize_distributed()
    import jax

    import nnjax.data
    from nnjax.sweep import run_sweep

    loaded, real = [], nnjax.data.load_splits
    nnjax.data.load_splits = lambda *args, **kwargs: loaded.append(real(*args, **kwargs)) or loaded[-1]
    run_sweep(small_config(), SWEEP_GRID, out_dir, progress=False)
    return {
        "process_count": jax.process_count(),
        "loaded_train_rows": [len(s.x_train) for s in loaded],
        "loaded_starts": [list(s.starts) for s in loaded],
        "groups": _group_results(process_run_dir(out_dir)),
    }


def worker_main(argv: list[str]) -> None:
    import jax

    jax.config.update("jax_numpy_rank_promotion", "raise")  # as conftest.py does in the pytest process
    mode, *args = argv
    modes = {
        "train": _train,
        "batch_error": _batch_error,
        "members": _members,
        "rows": _rows,
        "dist": _distributed,
        "dist_sweep": _distributed_sweep,
    }
    out = modes[mode](*args)
    print(RESULT + json.dumps(out), flush=True)


# ---------------------------------------------------------------- test side


def run_worker(mode: str, *args: str, devices: int, env: dict[str, str] | None = None, timeout: float = 180):
    """Start this file as a worker on ``devices`` fake CPU devices; its parsed RESULT."""
    proc = start_worker(mode, *args, devices=devices, env=env)
    return finish_worker(proc, timeout)


def start_worker(mode: str, *args: str, devices: int, env: dict[str, str] | None = None) -> subprocess.Popen:
    full_env = {
        **os.environ,
        "XLA_FLAGS": f"--xla_force_host_platform_device_count={devices}",
        "JAX_PLATFORMS": "cpu",
        "NNJAX_DISTRIBUTED": "0",
        **(env or {}),
    }
    # Output goes to files, not pipes: a worker blocked on a full pipe would stall its peer's collectives.
    out, err = tempfile.TemporaryFile("w+"), tempfile.TemporaryFile("w+")
    proc = subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), mode, *args], env=full_env, stdout=out, stderr=err, text=True
    )
    proc.output_files = (out, err)
    return proc


def finish_worker(proc: subprocess.Popen, timeout: float = 180) -> dict:
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    out, err = proc.output_files
    out.seek(0), err.seek(0)
    stdout, stderr = out.read(), err.read()
    out.close(), err.close()
    lines = [line for line in stdout.splitlines() if line.startswith(RESULT)]
    # jax.distributed's shutdown at exit can abort inside grpc after the worker printed its result
    # (seen once in three full test runs: "Check failed: queue.Pop() == nullptr" under
    # DistributedRuntimeService::Shutdown; and every time with jax 0.6.2, even after jax.distributed.shutdown():
    # "pure virtual method called"): JAX's own exit, not the work under test, which is checked.
    shutdown_abort = proc.returncode == -signal.SIGABRT and (
        "DistributedRuntimeService::Shutdown" in stderr
        or stderr.rstrip().endswith("pure virtual method called\nterminate called without an active exception")
    )
    ok = proc.returncode == 0 or shutdown_abort
    assert ok and lines, f"worker failed (rc {proc.returncode}):\n{stderr[-3000:]}"
    return json.loads(lines[-1][len(RESULT) :])


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """The same config trained on 1 and on 8 devices (two workers, started together)."""
    root = tmp_path_factory.mktemp("parallel")
    procs = {n: start_worker("train", str(root / f"run{n}"), devices=n) for n in (1, 8)}
    return {n: finish_worker(p) for n, p in procs.items()}


def test_eight_devices_give_the_single_device_metrics(trained):
    one, eight = trained[1], trained[8]
    assert (one["devices"], eight["devices"]) == (1, 8)
    assert one["result"]["devices"] == 1 and eight["result"]["devices"] == 8
    assert len(one["metrics"]) == len(eight["metrics"]) == EPOCHS
    assert one["metrics"][-1]["test_accuracy"] > 0.5, "the synthetic task should be learnt, or equality means little"
    for m1, m8 in zip(one["metrics"], eight["metrics"]):
        for key in ("train_loss", "train_accuracy", "test_loss", "test_accuracy", "grad_norm", "param_norm"):
            assert m8[key] == pytest.approx(m1[key], rel=1e-4, abs=1e-5), (m1["epoch"], key)
    assert eight["result"]["test_accuracy"] == pytest.approx(one["result"]["test_accuracy"], abs=1e-6)
    for p1, p8 in zip(one["params"], eight["params"]):
        np.testing.assert_allclose(np.array(p8), np.array(p1), rtol=1e-4, atol=1e-5)


def test_batch_is_split_across_eight_devices(trained):
    one, eight = trained[1], trained[8]
    # State, data and outputs live on all 8 devices, replicated (parameters and data are whole on each).
    assert eight["array_device_counts"] == [8] and eight["array_replicated"]
    assert eight["input_device_counts"] == [8] and eight["output_device_counts"] == [8]
    # The compiler averages the gradients: an all-reduce of the backward pass, and no gathering of
    # data (each device gathers only its own rows of each mini-batch from its copy).
    assert eight["grad_all_reduce"] >= 1
    assert eight["collectives"]["all-gather"] == eight["collectives"]["all-to-all"] == 0
    assert sum(one["collectives"].values()) == 0
    # Each device does about an eighth of the work (replicated optimiser updates make it a bit more).
    assert eight["flops"] < one["flops"] / 4


def test_batch_not_divisible_by_devices_is_a_clear_error(tmp_path):
    r = run_worker("batch_error", str(tmp_path / "b"), devices=8)
    assert (
        r["run"]["error"]
        == "config field 'batch_size' = 12: not divisible by the 8 devices (use a multiple of 8, e.g. 16)"
    )
    assert r["sweep"]["error"] == "sweep member seed=0: " + r["run"]["error"]
    assert r["grid"]["error"] == "sweep member batch_size=12: " + r["run"]["error"]
    for name in r:  # before a folder is written (the grid's first group, batch 32, did not train)
        assert not r[name]["folder_written"], name


def test_shard_members_splits_the_ensemble_and_matches_unsharded():
    r = run_worker("members", devices=8)
    assert r["device_set"] == 8 and r["shard_devices"] == 8
    assert r["shard_shapes"] == [[1, 16, 784]], "each device holds one member's first-layer W"
    assert r["out_device_set"] == 8 and r["out_spec"] == ["data"], "members stay sharded"
    assert r["compile_epoch_placed"] == [["data"], [[1, 16, 784]]], "compile_epoch(shard_members=True) splits them too"
    assert sum(r["collectives"].values()) == 0, "independent members need no communication"
    assert r["max_param_diff"] < 1e-5
    np.testing.assert_allclose(r["eval_acc_sharded"], r["eval_acc_single"], atol=1e-6)
    assert len(set(r["eval_acc_single"])) > 1, "members differ (seed, lr), so the comparison means something"
    assert r["uneven"] is not None and r["uneven"].startswith("ConfigError") and "6 ensemble members" in r["uneven"]


def test_shard_data_splits_the_rows_and_matches_one_device():
    """shard_data=True on 8 devices: every device holds N/8 rows, each batch is gathered by a
    reduce-scatter (no all-gather of the data), and training gives the 1-device metrics."""
    r = run_worker("rows", devices=8)
    assert r["data_shapes"] == [[504, 784], [504], [120, 784], [120]], "rows zero-padded to a multiple of 8"
    assert r["shard_shapes"] == [[[63, 784]], [[63]], [[15, 784]], [[15]]], "each device holds N/8 rows"
    assert r["shard_devices"] == [8] * 4 and r["specs"] == [["data"]] * 4
    assert r["collectives"]["reduce-scatter"] >= 1
    assert r["collectives"]["all-gather"] == r["collectives"]["all-to-all"] == 0
    # Each device receives exactly its B/8 = 4 images (and labels) of every mini-batch.
    assert {"f32[4,784]", "s32[4]"} <= set(r["reduce_scatter_shapes"]), r["reduce_scatter_shapes"]
    assert r["metrics_one"][-1]["eval_accuracy"] > 0.5, "the synthetic task should be learnt"
    for m1, m8 in zip(r["metrics_one"], r["metrics_rows"], strict=True):
        for key, v1 in m1.items():
            assert m8[key] == pytest.approx(v1, rel=1e-5, abs=1e-6), key
    assert r["max_param_diff"] < 1e-5
    # Row-sharded evaluation of the first 100 training images (the rest weigh 0) = evaluation on one device.
    np.testing.assert_allclose(r["eval_block"], r["eval_whole"], rtol=1e-5)
    assert len(r["errors"]) == 3, "a block of rows where every device needs every row must be refused"
    assert all("only its block of 500 of the 500 training images" in e for e in r["errors"]), r["errors"]
    # a compiled program is reused on the devices it was compiled for only
    assert r["reused_on_devices_1_then_0"] == [False, True]
    # A standardised batch gathered from the row shards: the pixels of rows a device does not hold are
    # zeroed after standardising (a zero pixel standardises to −0.42, which the reduce-scatter would add in).
    assert r["standardized_gather"]["max_diff"] < 1e-5 and r["standardized_gather"]["labels_equal"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("localhost", 0))
        return s.getsockname()[1]


def run_two_processes(mode: str, out: Path, tmp_path: Path) -> list[dict]:
    """jax.distributed on localhost: 2 worker processes × 4 CPU devices, started through the
    environment, with synthetic_splits as the mnist npz cache in their $TFDS_DATA_DIR."""
    from nnjax.data import _cache_path, _write_cache

    s = synthetic_splits()
    _write_cache(
        _cache_path(tmp_path / "tfds", "mnist"),
        {"x_train": s.x_train, "y_train": s.y_train, "x_test": s.x_test, "y_test": s.y_test},
    )
    port = _free_port()
    procs = [
        start_worker(
            mode,
            str(out),
            devices=4,
            env={
                "NNJAX_DISTRIBUTED": "",
                "JAX_COORDINATOR_ADDRESS": f"localhost:{port}",
                "JAX_NUM_PROCESSES": "2",
                "JAX_PROCESS_ID": str(p),
                "TFDS_DATA_DIR": str(tmp_path / "tfds"),
            },
        )
        for p in range(2)
    ]
    return [finish_worker(p, timeout=240) for p in procs]


def test_two_processes_train_like_one_device(trained, tmp_path):
    """2 processes × 4 CPU devices, each loading only its half of the data set (from the npz cache)
    and holding only that half on its devices."""
    out = tmp_path / "run"
    results = run_two_processes("dist", out, tmp_path)
    one = trained[1]
    half, per_device = N_TRAIN // 2, N_TRAIN // 8
    for p, r in enumerate(results):
        assert r["started"] and r["process_count"] == 2 and r["device_count"] == 8
        assert r["array_device_counts"] == [8] and r["grad_all_reduce"] >= 1
        # The loader read only this process's rows of each split (train 512, test 120 = eval).
        assert r["loaded"] == {
            "starts": [half * p, 60 * p, 60 * p],
            "rows": [half, 60, 60],
            "sizes": [N_TRAIN, 120, 120],
        }
        # Its 4 devices hold 4 consecutive blocks of N/8 rows of its half, and nothing else.
        assert r["data_shapes"] == [[N_TRAIN, 784], [N_TRAIN], [N_EVAL, 784], [N_EVAL]]
        train_rows = [[half * p + per_device * i, half * p + per_device * (i + 1)] for i in range(4)]
        assert r["data_local_rows"][0] == r["data_local_rows"][1] == train_rows
        assert r["data_local_rows"][2] == [[60 * p + 15 * i, 60 * p + 15 * (i + 1)] for i in range(4)]
        assert r["collectives"]["reduce-scatter"] >= 1 and r["collectives"]["all-gather"] == 0
        for m1, m in zip(one["metrics"], r["metrics"], strict=True):
            for key in ("train_loss", "train_accuracy", "test_loss", "test_accuracy", "grad_norm", "param_norm"):
                assert m[key] == pytest.approx(m1[key], rel=1e-4, abs=1e-5), (p, m1["epoch"], key)
        assert r["result"]["test_accuracy"] == pytest.approx(one["result"]["test_accuracy"], abs=1e-6)
        assert r["result"]["test_loss"] == pytest.approx(one["result"]["test_loss"], rel=1e-5)
    # Process 0 writes the run folder, process 1 its copy beside it: never the same file.
    assert results[0]["result"]["run_dir"] == str(out)
    assert results[1]["result"]["run_dir"] == str(out) + ".process1"
    assert (out / "result.json").exists() and Path(str(out) + ".process1", "result.json").exists()


def test_two_processes_sweep_like_one_device(tmp_path):
    """A data-parallel sweep over 2 processes loads each process's half and gives one device's results."""
    from nnjax.sweep import run_sweep

    results = run_two_processes("dist_sweep", tmp_path / "sweep", tmp_path)
    run_sweep(
        small_config(), SWEEP_GRID, tmp_path / "one", progress=False, shard_members=False, splits=synthetic_splits()
    )
    one = _group_results(tmp_path / "one")
    assert len(one) == 1 and len(one[0]["test_accuracy"]) == 4
    for p, r in enumerate(results):
        assert r["process_count"] == 2 and r["loaded_train_rows"] == [N_TRAIN // 2]
        assert r["loaded_starts"] == [[N_TRAIN // 2 * p, 60 * p, 60 * p]], "its own half of every split"
        assert [(g["split"], g["n_devices"]) for g in r["groups"]] == [("batch", 8)]
        np.testing.assert_allclose(r["groups"][0]["test_accuracy"], one[0]["test_accuracy"], atol=1e-6)
        np.testing.assert_allclose(r["groups"][0]["test_loss"], one[0]["test_loss"], rtol=1e-5)


# ---------------------------------------------------------------- in-process (one device)


def test_distributed_request_reads_the_environment():
    from nnjax.errors import ConfigError
    from nnjax.parallel import distributed_request

    slurm = {"SLURM_JOB_ID": "7", "SLURM_STEP_NODELIST": "n[1-2]", "SLURM_PROCID": "0", "SLURM_LOCALID": "0"}
    assert distributed_request({}) is None  # a laptop or a single Colab host
    assert distributed_request({"NNJAX_DISTRIBUTED": "1"}) == {}  # jax detects the cluster itself
    assert distributed_request({"NNJAX_DISTRIBUTED": "true"}) == {}
    assert distributed_request({**slurm, "SLURM_NTASKS": "2"}) == {}
    assert distributed_request({**slurm, "SLURM_NTASKS": "1"}) is None  # one task: nothing to join
    assert distributed_request({**slurm, "SLURM_NTASKS": "2", "NNJAX_DISTRIBUTED": "0"}) is None
    # an salloc shell (a job, no job step: no SLURM_STEP_NODELIST) is one process, not a task of several
    salloc = {k: v for k, v in slurm.items() if k != "SLURM_STEP_NODELIST"}
    assert distributed_request({**salloc, "SLURM_NTASKS": "2"}) is None
    assert distributed_request({"OMPI_MCA_orte_hnp_uri": "x", "OMPI_COMM_WORLD_SIZE": "4"}) == {}
    assert distributed_request({"OMPI_MCA_orte_hnp_uri": "x", "OMPI_COMM_WORLD_SIZE": "1"}) is None
    assert distributed_request({"OMPI_MCA_orte_hnp_uri": "x"}) is None  # no world size: not known to be several
    assert distributed_request({**slurm, "SLURM_NTASKS": "many"}) is None  # not a count: not several tasks
    manual = {"JAX_COORDINATOR_ADDRESS": "10.0.0.1:1234", "JAX_NUM_PROCESSES": "4", "JAX_PROCESS_ID": "3"}
    assert distributed_request(manual) == {"coordinator_address": "10.0.0.1:1234", "num_processes": 4, "process_id": 3}
    assert distributed_request({**manual, "NNJAX_DISTRIBUTED": "off"}) is None
    # A coordinator address alone is left to jax's own detection only when asked for.
    assert distributed_request({"JAX_COORDINATOR_ADDRESS": "h:1"}) is None
    assert distributed_request({"JAX_COORDINATOR_ADDRESS": "h:1", "NNJAX_DISTRIBUTED": "1"}) == {}
    with pytest.raises(ConfigError, match="JAX_PROCESS_ID=4 is not in 0..3"):
        distributed_request({**manual, "JAX_PROCESS_ID": "4"})
    with pytest.raises(ConfigError, match=r"JAX_PROCESS_ID=-1 is not in 0..3"):
        distributed_request({**manual, "JAX_PROCESS_ID": "-1"})
    with pytest.raises(ConfigError, match="must both be integers"):
        distributed_request({**manual, "JAX_NUM_PROCESSES": "four"})
    with pytest.raises(ConfigError, match=r"must both be integers .*'４' is U\+FF14, not ASCII"):
        distributed_request({**manual, "JAX_NUM_PROCESSES": "４"})  # int() would read 4
    for half in ("JAX_NUM_PROCESSES", "JAX_PROCESS_ID"):  # a manual launch given by halves is refused, not ignored
        with pytest.raises(ConfigError, match="must both be integers"):
            distributed_request({k: v for k, v in manual.items() if k != half})
    with pytest.raises(ConfigError, match="NNJAX_DISTRIBUTED='maybe'"):
        distributed_request({"NNJAX_DISTRIBUTED": "maybe"})


def test_single_process_helpers():
    import jax

    from nnjax.parallel import batch_sharding, make_mesh, maybe_initialize_distributed, process_run_dir
    from nnjax.train import data_sharded

    assert maybe_initialize_distributed({}) is False
    assert process_run_dir("runs/x") == Path("runs/x")
    mesh = make_mesh(jax.devices()[:1])
    assert mesh.size == 1 and batch_sharding(mesh, 7) is None  # one device: today's program exactly
    # rows are sharded only when asked (or with several processes), on several devices, with members unsplit
    assert data_sharded(True, 8) and not data_sharded(None, 8) and not data_sharded(True, 1)
    assert not data_sharded(True, 8, shard_members=True)  # each device trains whole members on every row
    # (a batch not divisible by several devices: test_batch_not_divisible_by_devices_is_a_clear_error, 8 devices)


def test_maybe_initialize_distributed_starts_once_and_a_failure_is_one_line(monkeypatch):
    """jax.distributed stubbed (never started here): the request's arguments are passed; an already started
    one is left alone; a failure is one ConfigError line naming the call, not jax's multi-line traceback."""
    import jax

    from nnjax.errors import ConfigError
    from nnjax.parallel import maybe_initialize_distributed

    calls, started = [], [False]

    def initialize(**kwargs):
        calls.append(kwargs)
        started[0] = True

    monkeypatch.setattr(jax.distributed, "initialize", initialize)
    monkeypatch.setattr(jax.distributed, "is_initialized", lambda: started[0], raising=False)
    manual = {"JAX_COORDINATOR_ADDRESS": "10.0.0.1:1234", "JAX_NUM_PROCESSES": "2", "JAX_PROCESS_ID": "1"}
    assert maybe_initialize_distributed({"NNJAX_DISTRIBUTED": "0", **manual}) is False and calls == []
    assert maybe_initialize_distributed(manual) is True
    assert calls == [{"coordinator_address": "10.0.0.1:1234", "num_processes": 2, "process_id": 1}]
    assert maybe_initialize_distributed(manual) is True and len(calls) == 1  # a second call is a no-op

    def fails(**kwargs):
        raise RuntimeError("DEADLINE_EXCEEDED: barrier timed out\n  more detail\n  and more")

    started[0] = False
    monkeypatch.setattr(jax.distributed, "initialize", fails)
    with pytest.raises(ConfigError) as e:
        maybe_initialize_distributed({"NNJAX_DISTRIBUTED": "1"})
    assert str(e.value) == "jax.distributed.initialize() failed: DEADLINE_EXCEEDED: barrier timed out"

    def refuses(**kwargs):  # jax's own checks of its arguments raise ValueError
        raise ValueError("coordinator_address should be defined.\nmore")

    monkeypatch.setattr(jax.distributed, "initialize", refuses)
    with pytest.raises(ConfigError) as e:
        maybe_initialize_distributed({"NNJAX_DISTRIBUTED": "1"})
    assert str(e.value) == "jax.distributed.initialize() failed: coordinator_address should be defined."


def test_a_coordinator_address_alone_trains_one_process_and_says_so(capsys):
    """JAX_COORDINATOR_ADDRESS without JAX_NUM_PROCESSES and JAX_PROCESS_ID started no distributed run and
    said nothing: on a cluster every task would train the whole run alone. It is one warning line now."""
    from nnjax.parallel import maybe_initialize_distributed

    assert maybe_initialize_distributed({"JAX_COORDINATOR_ADDRESS": "10.0.0.1:1234"}) is False
    err = capsys.readouterr().err
    assert err.startswith("nnjax: warning: JAX_COORDINATOR_ADDRESS is set without JAX_NUM_PROCESSES and ")
    assert err.count("\n") == 1 and "this process trains alone" in err
    for quiet in ({}, {"JAX_COORDINATOR_ADDRESS": "10.0.0.1:1234", "NNJAX_DISTRIBUTED": "0"}):
        assert maybe_initialize_distributed(quiet) is False
        assert capsys.readouterr().err == ""


@pytest.mark.parametrize(
    "address, why",
    [
        ("nohostport", "not HOST:PORT"),
        ("host:", "not HOST:PORT"),
        (":1234", "not HOST:PORT"),
        ("", "not HOST:PORT"),
        ("host:notaport", "port 'notaport' is not a number"),
        ("host:99999", "port 99999 is not in 1..65535"),
        ("host:0", "port 0 is not in 1..65535"),
        ("[::1:1234", "host '[::1': an IPv6 address goes in brackets"),
        ("::1]:1234", "host '::1]': an IPv6 address goes in brackets"),  # the closing bracket alone
        ("  :1234", "not HOST:PORT"),  # a host of blanks is no host
        ("host:\uff11\uff12", "port '\uff11\uff12' is not a number"),  # fullwidth digits, which int() reads
    ],
)
def test_a_malformed_coordinator_address_is_one_line(address, why, cli_error, monkeypatch):
    """jax.distributed splits JAX_COORDINATOR_ADDRESS at its last ':': without one, an IndexError traceback;
    an empty host or port, or a port out of range, waited 5 minutes for the coordinator and aborted."""
    from nnjax.errors import ConfigError
    from nnjax.parallel import distributed_request

    said = f"environment variable JAX_COORDINATOR_ADDRESS={address!r}: {why}"
    manual = {"JAX_COORDINATOR_ADDRESS": address, "JAX_NUM_PROCESSES": "2", "JAX_PROCESS_ID": "1"}
    slurm = dict.fromkeys(("SLURM_JOB_ID", "SLURM_STEP_NODELIST", "SLURM_PROCID", "SLURM_LOCALID"), "0")
    for env in (  # each way jax.distributed starts (and then reads the variable); an empty one starts no manual launch
        *([manual] if address else []),
        {"JAX_COORDINATOR_ADDRESS": address, "NNJAX_DISTRIBUTED": "1"},
        {"JAX_COORDINATOR_ADDRESS": address, **slurm, "SLURM_NTASKS": "2"},
    ):
        with pytest.raises(ConfigError) as e:
            distributed_request(env)
        assert str(e.value).startswith(said)
    assert distributed_request({"JAX_COORDINATOR_ADDRESS": address}) is None  # one process: not read, not judged
    assert distributed_request({**manual, "NNJAX_DISTRIBUTED": "0"}) is None
    for name, value in {**manual, "NNJAX_DISTRIBUTED": "1"}.items():
        monkeypatch.setenv(name, value)
    assert cli_error("train", "--epochs", "1").startswith(f"nnjax: error: {said}")


def test_well_formed_coordinator_addresses_are_passed_on():
    from nnjax.parallel import distributed_request

    for address in ("10.0.0.1:1234", "localhost:65535", "[::1]:1234", "node-7.cluster:1"):
        env = {"JAX_COORDINATOR_ADDRESS": address, "JAX_NUM_PROCESSES": "2", "JAX_PROCESS_ID": "0"}
        assert distributed_request(env) == {"coordinator_address": address, "num_processes": 2, "process_id": 0}
        assert distributed_request({"JAX_COORDINATOR_ADDRESS": address, "NNJAX_DISTRIBUTED": "1"}) == {}


# The console script as process 1 of 2 whose coordinator never answers: jax.distributed.initialize waits
# (5 minutes, then aborts). A mark is written as the wait starts, so that the interrupt is sent then.
WAITING_FOR_COORDINATOR = """
import os, pathlib
import jax
import nnjax.cli as cli
initialize = jax.distributed.initialize

def mark_and_initialize(*args, **kwargs):
    pathlib.Path(os.environ["WAITING_MARK"]).touch()
    initialize(*args, **kwargs)

jax.distributed.initialize = mark_and_initialize
cli.entry()
"""


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_ctrl_c_while_waiting_for_the_coordinator_exits_at_once(sig, tmp_path):
    """The signal handler is Python's, which ran only once jax.distributed.initialize returned: Ctrl-C and
    SIGTERM did nothing for the 5 minutes it waits for the other processes."""
    import time

    mark = tmp_path / "waiting"
    env = {
        **os.environ,
        "JAX_PLATFORMS": "cpu",
        "NNJAX_DISTRIBUTED": "",
        "JAX_COORDINATOR_ADDRESS": f"localhost:{_free_port()}",  # nothing listens there
        "JAX_NUM_PROCESSES": "2",
        "JAX_PROCESS_ID": "1",
        "PYTHONPATH": str(Path(__file__).resolve().parents[1]),
        "WAITING_MARK": str(mark),
    }
    start = "import signal; signal.signal(signal.SIGINT, signal.default_int_handler)\n"  # as a shell leaves it
    proc = subprocess.Popen(
        [sys.executable, "-c", start + WAITING_FOR_COORDINATOR, "train", "--out", "run", "--epochs", "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    try:
        deadline = time.monotonic() + 120
        while not mark.exists():
            assert proc.poll() is None, f"ended before it waited: {proc.communicate()}"
            assert time.monotonic() < deadline, "not waiting for the coordinator within 120 s"
            time.sleep(0.01)
        time.sleep(0.5)  # inside the wait
        proc.send_signal(sig)
        stdout, stderr = proc.communicate(timeout=30)
    except BaseException:  # also a timeout: the signal was not handled
        proc.kill()
        proc.communicate()
        raise
    assert (proc.returncode, stdout, stderr.splitlines()[-1:]) == (128 + sig, "", ["nnjax: interrupted"])
    assert not (tmp_path / "run").exists()


def python_on_cpu(code: str, xla_flags: str | None = None) -> subprocess.CompletedProcess:
    """``python -c code`` in a fresh process on the CPU, with ``xla_flags`` as its only XLA_FLAGS."""
    env = {**os.environ, "JAX_PLATFORMS": "cpu"}
    env.pop("XLA_FLAGS", None)
    if xla_flags is not None:
        env["XLA_FLAGS"] = xla_flags
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)


def test_split_cpu_cores_sets_the_cpu_device_count_once():
    """One CPU device per core on request; an XLA_FLAGS count wins; after start-up it is a no-op. A mini-batch
    is split over the cores' devices never (one device), over XLA_FLAGS' devices always (None: all)."""
    code = (
        "import jax\n"
        "from nnjax.parallel import batch_devices, split_cpu_cores, member_devices, padded_size\n"
        "n = split_cpu_cores(3)\n"
        "print(n, jax.device_count(), split_cpu_cores(5), len(member_devices(5)), len(member_devices(2)),\n"
        "      member_devices(4, False), padded_size(5, 3), batch_devices() and len(batch_devices()))\n"
    )
    p = python_on_cpu(code)
    assert p.returncode == 0, p.stderr[-2000:]
    assert p.stdout.split() == ["3", "3", "3", "3", "2", "None", "6", "1"]
    p = python_on_cpu(code, "--xla_force_host_platform_device_count=4")
    assert p.returncode == 0, p.stderr[-2000:]
    assert p.stdout.split()[:2] == ["4", "4"] and p.stdout.split()[-1] == "None"


def test_split_cpu_cores_keeps_a_cpu_device_count_already_asked_for():
    """A script that set jax_num_cpu_devices itself keeps its count: split_cpu_cores(3) does not overwrite it."""
    code = (
        "import jax\njax.config.update('jax_num_cpu_devices', 2)\n"
        "from nnjax.parallel import split_cpu_cores\nprint(split_cpu_cores(3), jax.device_count())\n"
    )
    p = python_on_cpu(code)
    assert p.returncode == 0, p.stderr[-2000:]
    assert p.stdout.split() == ["2", "2"]


def test_split_cpu_cores_after_start_up_asked_for_one_device_does_not_warn(monkeypatch):
    """One device asked for (split_cpu_cores(1)) is what a started jax with one CPU device has: no warning."""
    import warnings

    import jax

    from nnjax import parallel

    monkeypatch.delenv("XLA_FLAGS", raising=False)
    monkeypatch.setattr(jax, "devices", lambda *a: ["cpu0"])
    monkeypatch.setattr(jax, "default_backend", lambda: "cpu")
    assert jax.config.jax_num_cpu_devices <= 0  # no count asked for in this process (conftest.py asks none)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert parallel._count_as_started(1) == 1
    with pytest.warns(UserWarning, match=r"stays one \(not 2\)"):
        assert parallel._count_as_started(2) == 1


def test_split_cpu_cores_after_start_up_warns_that_it_cannot_split():
    """Called late (a notebook that trained first), it used to leave one device without a word, and a sweep
    then placed and rounded its members otherwise than `nnjax sweep`."""
    code = "import jax\njax.devices()\nfrom nnjax.parallel import split_cpu_cores\nprint(split_cpu_cores(2))\n"
    p = python_on_cpu(code)
    assert p.returncode == 0 and p.stdout == "1\n", p.stderr[-2000:]
    assert "split_cpu_cores(): jax has already started with one CPU device, so it stays one (not 2)" in p.stderr
    p = python_on_cpu(code, "--xla_force_host_platform_device_count=1")  # one device asked for: nothing to warn of
    assert p.returncode == 0 and p.stdout == "1\n" and "split_cpu_cores" not in p.stderr, p.stderr[-2000:]


def test_padded_rows_of_a_process_block():
    """A process's rows of a zero-padded split, also when its devices hold padding only."""
    from nnjax.parallel import padded_rows

    x = np.arange(11 * 2).reshape(11, 2)  # an 11-row split; 4 processes × 2 devices pad it to 16
    np.testing.assert_array_equal(padded_rows(x, 0, 11, 4, 8), x[4:8])
    np.testing.assert_array_equal(padded_rows(x[8:], 8, 11, 8, 12), np.r_[x[8:11], np.zeros((1, 2), int)])
    np.testing.assert_array_equal(padded_rows(x[11:], 11, 11, 12, 16), np.zeros((4, 2), int))  # lo ≥ n
    with pytest.raises(ValueError, match="holds rows"):
        padded_rows(x[:4], 0, 11, 4, 8)
    with pytest.raises(ValueError, match=r"holds rows \[6, 11\) of the 11-row split; its devices need rows \[4, 8\)"):
        padded_rows(x[6:], 6, 11, 4, 8)  # a block that starts after the first row needed


def test_local_rows_stop_at_the_real_rows_of_a_padded_split():
    """On 8 devices an 11-row split is padded to 16; the rows to load are still 0..11, not 0..16."""
    code = "from nnjax.parallel import local_rows\nprint(*local_rows(11), *local_rows(16), *local_rows(3))\n"
    p = python_on_cpu(code, "--xla_force_host_platform_device_count=8")
    assert p.returncode == 0, p.stderr[-2000:]
    assert p.stdout.split() == ["0", "11", "0", "16", "0", "3"]


def test_local_rows_of_a_process_whose_devices_hold_padding_only_are_none(monkeypatch):
    """The last of many processes can hold only padding (rows 12..16 of an 11-row split): it loads no row, [11, 11),
    not the impossible [12, 11). (One process here: its block of the padded split is stood in for.)"""
    from nnjax import parallel

    monkeypatch.setattr(parallel, "_padded_block", lambda n, mesh: (12, 16))
    assert parallel.local_rows(11, mesh="mesh") == (11, 11)
    monkeypatch.setattr(parallel, "_padded_block", lambda n, mesh: (8, 12))
    assert parallel.local_rows(11, mesh="mesh") == (8, 11)


def test_members_are_split_over_at_most_one_device_each(monkeypatch):
    """On a one-process CPU with two devices, auto splits the members: one member on one device (not a padding
    copy on the other), three over both; asked not to, or on a GPU, each mini-batch is split instead."""
    import jax

    from nnjax.parallel import member_devices

    monkeypatch.setattr(jax, "device_count", lambda: 2)
    monkeypatch.setattr(jax, "devices", lambda: ["cpu0", "cpu1"])
    monkeypatch.setattr(jax, "default_backend", lambda: "cpu")
    assert member_devices(1) == ["cpu0"] and member_devices(3) == member_devices(2, True) == ["cpu0", "cpu1"]
    assert member_devices(3, False) is None
    monkeypatch.setattr(jax, "default_backend", lambda: "gpu")
    assert member_devices(3) is None and member_devices(1, True) == ["cpu0"]
    monkeypatch.setattr(jax, "default_backend", lambda: "cpu")
    monkeypatch.setattr(jax, "device_count", lambda: 1)
    monkeypatch.setattr(jax, "devices", lambda: ["cpu0"])
    assert member_devices(3) is None  # one CPU device: nothing to split the members over (auto splits batches)


def test_member_split_across_processes_is_refused_before_writing(monkeypatch, tmp_path):
    import jax

    from nnjax import sweep
    from nnjax.errors import ConfigError
    from nnjax.parallel import member_devices

    monkeypatch.setattr(jax, "process_count", lambda: 2)
    with pytest.raises(ConfigError, match="--shard-members with 2 processes is not supported"):
        member_devices(4, True)
    assert member_devices(4, None) is None  # auto: each mini-batch split over all devices
    with pytest.raises(ConfigError, match="not supported"):
        sweep.run_sweep(
            small_config(),
            {"seed": [0, 1]},
            tmp_path / "s",
            shard_members=True,
            progress=False,
            splits=synthetic_splits(),
        )
    assert not (tmp_path / "s").exists()


def test_cli_train_reports_the_batch_error_in_one_line(tmp_path):
    """Through the CLI on 8 devices: exit 1 and one ``nnjax: error:`` line, no traceback."""
    code = (
        "import sys, tests.test_parallel as t, nnjax.run as r\n"
        "r.load_splits = lambda *a, **k: t.synthetic_splits()\n"
        "from nnjax.cli import main\n"
        f"sys.exit(main(['train', '--batch-size', '12', '--epochs', '1', '--out', {str(tmp_path / 'r')!r}]))\n"
    )
    env = {
        **os.environ,
        "XLA_FLAGS": "--xla_force_host_platform_device_count=8",
        "JAX_PLATFORMS": "cpu",
        "NNJAX_DISTRIBUTED": "0",
        "PYTHONPATH": str(Path(__file__).resolve().parents[1]),
    }
    p = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert p.returncode == 1, p.stderr[-2000:]
    errors = [line for line in p.stderr.splitlines() if line.startswith("nnjax: error:")]
    assert len(errors) == 1 and "not divisible by the 8 devices" in errors[0] and "Traceback" not in p.stderr


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    os.chdir(tempfile.gettempdir())  # workers write nothing outside their given folders
    worker_main(sys.argv[1:])
