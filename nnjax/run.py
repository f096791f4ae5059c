"""Run folders: train one network into a folder, resume it, evaluate it, export it.

A run folder holds
  config.json      the resolved config
  metrics.jsonl    one JSON line per epoch (train and test/validation loss and accuracy, norms, time)
  checkpoints/     epoch_NNNNNN.msgpack: parameters, optimiser state, data-order key, epoch
  result.json      the final test accuracy on the official 10,000-image test split, and timings
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import jax
import numpy as np

from nnjax import checkpoint
from nnjax.config import Config, load_json, result_fields, save_json, validate
from nnjax.data import Splits, load_splits
from nnjax.errors import CheckpointError, ConfigError, DivergedError
from nnjax.model import Params, count_params
from nnjax.parallel import batch_sharding, make_mesh, process_run_dir, replicate
from nnjax.train import (
    TrainState,
    epoch_key,
    init_state,
    make_epoch,
    make_evaluate,
    to_device,
    unstack,
)

RUNS_DIR = Path("runs")


def default_run_dir(cfg: Config) -> Path:
    """``runs/<config name>-<activation>-<date-time>``."""
    return RUNS_DIR / f"{cfg.name}-{cfg.activation}-{time.strftime('%Y%m%d-%H%M%S')}"


def _state_tree(state: TrainState, cfg: Config, epoch: int) -> dict[str, Any]:
    return {"train": state, "data_key": jax.random.key_data(epoch_key(cfg, epoch))}


def read_metrics(path: Path) -> list[dict[str, Any]]:
    """The JSON lines of a metrics file (missing file: none)."""
    if not Path(path).exists():
        return []
    lines = []
    for i, line in enumerate(Path(path).read_text().splitlines(), 1):
        if line.strip():
            try:
                lines.append(json.loads(line))
            except json.JSONDecodeError:
                raise CheckpointError(f"{path}: line {i} is not valid JSON") from None
    return lines


def _keep_metrics_until(path: Path, epoch: int) -> None:
    kept = [m for m in read_metrics(path) if m["epoch"] <= epoch]
    checkpoint.write_atomic(path, "".join(json.dumps(m) + "\n" for m in kept).encode())


def _check_resumable(saved: Config, cfg: Config, force: bool, run_dir: Path) -> None:
    old, new = result_fields(saved), result_fields(cfg)
    changed = [k for k in new if old.get(k) != new[k]]
    if changed and not force:
        k = changed[0]
        raise ConfigError(
            f"{run_dir}: --resume with {k}={new[k]!r} but the run used {k}={old[k]!r}; "
            "that would change its results (add --force to continue anyway)"
        )


def train_and_evaluate(
    cfg: Config,
    out_dir: str | Path | None = None,
    *,
    resume: bool = False,
    force: bool = False,
    progress: bool = True,
    splits: Splits | None = None,
) -> dict[str, Any]:
    """Train ``cfg`` into a run folder (new, or ``resume``-d) and return the result summary.

    Everything that can fail on bad input (config, data, checkpoint) is checked before anything in
    the folder is written.
    """
    validate(cfg)
    # With several processes (multi-host), process p > 0 writes its identical copy beside process 0's.
    run_dir = process_run_dir(Path(out_dir) if out_dir is not None else default_run_dir(cfg))
    if resume:
        if not (run_dir / "config.json").exists():
            raise CheckpointError(f"{run_dir}: not a run folder (no config.json) to resume")
        _check_resumable(load_json(run_dir / "config.json"), cfg, force, run_dir)
    elif run_dir.exists() and any(run_dir.iterdir()):
        raise ConfigError(f"{run_dir}: run folder already exists; use --resume or another --out")

    if splits is None:
        splits = load_splits(cfg.dataset, cfg.data_dir, cfg.tfds_dir, cfg.validation)
    n_train = len(splits.x_train)
    state = init_state([cfg], n_train)
    start = 0
    ckpt_dir = run_dir / "checkpoints"
    if resume:
        found = checkpoint.restore_latest(
            ckpt_dir, _state_tree(state, cfg, 0), warn=lambda s: print(s, file=sys.stderr)
        )
        if found is not None:
            start, tree, _ = found
            state = tree["train"]

    mesh = make_mesh()
    epoch_fn = make_epoch(cfg, n_train, batch_sharding(mesh, cfg.batch_size))
    state = replicate(state, mesh)
    data = replicate(to_device(splits.x_train, splits.y_train, splits.x_eval, splits.y_eval), mesh)
    t0 = time.perf_counter()
    compiled = epoch_fn.lower(state, epoch_key(cfg, start), *data).compile()
    compile_s = time.perf_counter() - t0

    run_dir.mkdir(parents=True, exist_ok=True)
    metrics_path = run_dir / "metrics.jsonl"
    if resume:
        _keep_metrics_until(metrics_path, start)
        if force:
            save_json(cfg, run_dir / "config.json")
    else:
        save_json(cfg, run_dir / "config.json")
        metrics_path.write_text("")

    from tqdm import tqdm

    split = splits.eval_split
    bar = tqdm(
        total=cfg.epochs,
        initial=start,
        desc=cfg.name,
        unit="epoch",
        disable=not progress,
        file=sys.stderr,
        leave=True,
        dynamic_ncols=True,
    )
    epoch_times = []
    meta = {"config": result_fields(cfg)}
    with bar, metrics_path.open("a") as log:
        for epoch in range(start, cfg.epochs):
            t0 = time.perf_counter()
            new_state, m = compiled(state, epoch_key(cfg, epoch), *data)
            m = {k: v[0].item() for k, v in jax.device_get(m).items()}
            epoch_times.append(time.perf_counter() - t0)
            line = {
                "epoch": epoch + 1,
                "train_loss": m["train_loss"],
                "train_accuracy": m["train_accuracy"],
                f"{split}_loss": m["eval_loss"],
                f"{split}_accuracy": m["eval_accuracy"],
                "grad_norm": m["grad_norm"],
                "param_norm": m["param_norm"],
                "epoch_s": round(epoch_times[-1], 4),
            }
            if not m["finite"]:
                last = checkpoint.list_checkpoints(ckpt_dir)
                kept = f"last good checkpoint: {last[-1][1]}" if last else "no checkpoint was written"
                raise DivergedError(
                    f"training diverged at epoch {epoch + 1}: loss {m['train_loss']} / non-finite "
                    f"parameters; the learning rate ({cfg.lr}) is likely too high; {kept}"
                )
            state = new_state
            log.write(json.dumps(line) + "\n")
            log.flush()
            bar.set_postfix(
                loss=f"{m['train_loss']:.4f}",
                acc=f"{m['train_accuracy']:.4f}",
                **{f"{split}_acc": f"{m['eval_accuracy']:.4f}"},
            )
            bar.update(1)
            done = epoch + 1
            if done == cfg.epochs or (cfg.checkpoint_every and done % cfg.checkpoint_every == 0):
                checkpoint.save(ckpt_dir, done, _state_tree(state, cfg, done), meta, cfg.keep_checkpoints)

    test_loss, test_acc = evaluate_params(cfg, state.params, splits.x_test, splits.y_test)
    result = {
        "run_dir": str(run_dir),
        "test_accuracy": test_acc,
        "test_loss": test_loss,
        "epochs": cfg.epochs,
        "n_params": count_params(unstack(state.params, 0)),
        "compile_s": round(compile_s, 3),
        "epoch_s_median": round(statistics.median(epoch_times), 4) if epoch_times else None,
        "train_s": round(sum(epoch_times), 3),
        "device": str(jax.devices()[0].device_kind),
        "devices": jax.device_count(),
    }
    if split == "val":
        result["val_accuracy"] = read_metrics(metrics_path)[-1]["val_accuracy"]
    checkpoint.write_atomic(run_dir / "result.json", (json.dumps(result, indent=2) + "\n").encode())
    return result


def evaluate_params(cfg: Config, params_K: Params, x_Nx784: np.ndarray, y_N: np.ndarray) -> tuple[float, float]:
    """(loss, accuracy) of member 0 of stacked parameters on a split."""
    loss_K, acc_K = jax.jit(make_evaluate(cfg))(params_K, *to_device(x_Nx784, y_N))
    return float(loss_K[0]), float(acc_K[0])


def load_run(run_dir: str | Path) -> tuple[Config, Params, int]:
    """(config, parameters of the newest checkpoint, its epoch) of a run folder."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise CheckpointError(f"{run_dir}: run folder not found")
    if not (run_dir / "config.json").exists():
        raise CheckpointError(f"{run_dir}: not a run folder (no config.json)")
    cfg = validate(load_json(run_dir / "config.json"))
    found = checkpoint.list_checkpoints(run_dir / "checkpoints")
    if not found:
        raise CheckpointError(f"{run_dir}: no checkpoint in {run_dir / 'checkpoints'}")
    # Shapes only: the target needs no real data, and no data set is loaded here.
    target = _state_tree(init_state([cfg], max(cfg.batch_size, 1)), cfg, 0)
    epoch, tree, _ = checkpoint.restore(found[-1][1], target)
    return cfg, tree["train"].params, epoch


def eval_run(run_dir: str | Path, splits: Splits | None = None) -> dict[str, Any]:
    """Recompute test loss and accuracy from a run folder's saved parameters."""
    cfg, params_K, epoch = load_run(run_dir)
    if splits is None:
        splits = load_splits(cfg.dataset, cfg.data_dir, cfg.tfds_dir, validation=False)
    loss, acc = evaluate_params(cfg, params_K, splits.x_test, splits.y_test)
    return {"run_dir": str(run_dir), "epoch": epoch, "test_accuracy": acc, "test_loss": loss}


def export_run(run_dir: str | Path, out_file: str | Path) -> Path:
    """Write the trained W and b of every layer as plain named arrays in an ``.npz`` file.

    Keys: ``layer0_W`` (16×784), ``layer0_b`` (16), …, and ``activation`` / ``cost`` as strings;
    loads with ``numpy.load(FILE, allow_pickle=False)``.
    """
    cfg, params_K, _ = load_run(run_dir)
    params = jax.device_get(unstack(params_K, 0))
    arrays = {}
    for i, layer in enumerate(params):
        arrays[f"layer{i}_W"] = np.asarray(layer["W"])
        arrays[f"layer{i}_b"] = np.asarray(layer["b"])
    arrays["activation"] = np.array(cfg.activation)
    arrays["cost"] = np.array(cfg.cost)
    arrays["standardize"] = np.array(cfg.standardize)
    out_file = Path(out_file)
    if out_file.suffix != ".npz":
        raise ConfigError(f"{out_file}: export file must end in .npz")
    out_file.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_file.with_name(f".{out_file.stem}.tmp.npz")
    np.savez(tmp, **arrays)
    tmp.replace(out_file)
    return out_file
