"""Run folders: train one network into a folder, resume it, evaluate it, export it.

A run folder holds
  config.json      the resolved config
  metrics.jsonl    one JSON line per epoch (train and test/validation loss and accuracy, norms, time)
  checkpoints/     epoch_NNNNNN.msgpack: parameters, optimiser state, data-order key, epoch
  result.json      the final test accuracy on the data set's official test split, and timings
  target.json      the accuracy to reach (``nnjax train --target``), if given: kept for --resume, drawn by viz;
                   from the last epoch on also when the run reached it (``target_record``)
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import statistics
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import jax
import numpy as np

from nnjax import checkpoint
from nnjax.activations import FORMULAS
from nnjax.config import (
    FIXED_ON_RESUME,
    Config,
    changed_result_fields,
    from_dict,
    is_index,
    is_integer,
    is_number,
    load_json,
    result_fields,
    save_json,
    short_float,
    too_many_steps,
    typed,
    unused_fields,
    validate,
    without_unused,
)
from nnjax.data import Splits, check_splits, load_splits, pixels_formula, take_train
from nnjax.errors import CheckpointError, ConfigError, DivergedError
from nnjax.memory import check_memory
from nnjax.model import Params, count_params
from nnjax.parallel import batch_devices, local_rows, process_run_dir
from nnjax.target import check_target, target_figures, target_percent
from nnjax.train import (
    TrainState,
    compile_epoch,
    epoch_key,
    evaluate_split,
    init_state,
    initial_params,
    unstack,
)

RUNS_DIR = Path("runs")


def default_run_dir(cfg: Config) -> Path:
    """``runs/<config name>-<activation>-<date-time>``, created empty (``-2``, ``-3``, … if taken)."""
    return checkpoint.default_folder(RUNS_DIR, cfg.name, f"{cfg.activation}-{time.strftime('%Y%m%d-%H%M%S')}")


def state_tree(state: TrainState, cfg: Config, epoch: int) -> dict[str, Any]:
    """What a checkpoint after ``epoch`` holds: the training state and the data-order key of that epoch."""
    return {"train": state, "data_key": jax.random.key_data(epoch_key(cfg, epoch))}


def check_data_key(tree: dict[str, Any], cfg: Config, epoch: int, path: Path) -> None:
    """CheckpointError unless the checkpoint ``tree`` (read from ``path``) holds the data-order key of
    ``cfg.data_seed`` at ``epoch``: the data order is a pure function of the two, so a checkpoint of
    another run or sweep is caught here."""
    if not np.array_equal(tree["data_key"], jax.random.key_data(epoch_key(cfg, epoch))):
        raise CheckpointError(
            f"{path}: its data-order key is not that of data_seed={cfg.data_seed} at epoch {epoch} "
            "(a checkpoint of another run?)"
        )


def read_metrics(
    path: str | Path, require: dict[str, type | tuple[type, ...]] | None = None, *, missing_ok: bool = True
) -> list[dict[str, Any]]:
    """The JSON lines of a metrics file (missing file: none, as for a run not started yet, which a caller may
    poll; a last line cut short by a kill: dropped, but not one that lost only its newline).

    Every line must be an object whose ``require`` keys (default: ``epoch``) hold values of the given
    type (or one of a tuple of types); otherwise CheckpointError naming the file's line and the key. A
    ``path`` that is a folder (the run folder) is a CheckpointError naming the file in it; so is a missing file
    where the caller knows it was written (``missing_ok=False``: a run or sweep that trained).
    """
    path = Path(path)
    if path.is_dir():
        raise CheckpointError(f"{path}: is a folder; give the metrics file in it ({path / 'metrics.jsonl'})")
    if not missing_ok and not path.exists():
        raise CheckpointError(f"{path}: not found, though training wrote it (the folder is damaged?)")
    return [m for _, m in read_numbered_metrics(path, require)]


def _is_json_object(line: str) -> bool:
    try:
        return isinstance(json.loads(line), dict)
    except (ValueError, RecursionError):
        return False


def read_numbered_metrics(
    path: str | Path, require: dict[str, type | tuple[type, ...]] | None = None
) -> list[tuple[int, dict[str, Any]]]:
    """``read_metrics``, each line with its number in the file (blank lines count), so that an error
    about a line's content can name it."""
    require = {"epoch": int} if require is None else require
    allowed = {k: t if isinstance(t, tuple) else (t,) for k, t in require.items()}
    if not Path(path).exists():
        return []
    text = Path(path).read_bytes().decode("utf-8", errors="replace")
    raw = text.splitlines()
    if raw and not text.endswith("\n") and not _is_json_object(raw[-1]):
        raw.pop()  # cut short mid-write; its epoch is trained again from the checkpoint (an object that
        # parses lost only its newline, by an edit: a JSON object cut anywhere else does not parse)
    lines = []
    for i, line in enumerate(raw, 1):
        if line.strip():
            try:
                m = json.loads(line)
            except (ValueError, RecursionError):  # also an integer of 4,300+ digits, nesting 1,000 deep
                raise CheckpointError(f"{path}: line {i} is not valid JSON") from None
            bad = [(k, ts) for k, ts in allowed.items() if not isinstance(m, dict) or type(m.get(k, ...)) not in ts]
            if bad:
                k, types = bad[0]
                got = "missing" if not isinstance(m, dict) or k not in m else f"{m[k]!r}"
                want = " or ".join("null" if t is type(None) else t.__name__ for t in types)
                raise CheckpointError(f"{path}: line {i}: {k!r} missing or not {want} ({got})")
            lines.append((i, m))
    return lines


def _keep_metrics(path: Path, history: list[dict[str, Any]], appending: bool = True) -> None:
    """Make ``path`` hold exactly the lines of ``history`` (``_metrics_until``'s), written only if it differs.

    Lines are kept as the file has them (line ends, spacing, escapes, text added by hand): when ``history``
    is its first lines, in order, the file is only cut after the last of them (blank lines after it are kept
    when nothing else follows); otherwise it is written afresh. ``appending``: lines are written after it
    next, so a last kept line that lost its newline gets one.
    """
    data = path.read_bytes() if path.exists() else b""
    end = _end_of_lines(data, history)
    if end is None:
        kept = "".join(json.dumps(m) + "\n" for m in history).encode()
    else:
        kept = data if not data[end:].strip() else data[:end]
        if appending and history and not kept.endswith(b"\n"):
            kept += b"\n"
    if not path.exists() or data != kept:
        checkpoint.write_atomic(path, kept)


def _end_of_lines(data: bytes, lines: list[dict[str, Any]]) -> int | None:
    """The offset in metrics file ``data`` just after the last of ``lines`` (after its newline, if it has one)
    when they are its first non-blank lines, in order, as ``_metrics_until`` parses them; else None."""
    if not lines:
        return 0
    start, k = 0, 0
    while start < len(data):
        newline = data.find(b"\n", start)
        stop = len(data) if newline < 0 else newline + 1
        line = data[start:stop].decode("utf-8", errors="replace")
        start = stop
        if not line.strip():
            continue
        try:
            m = json.loads(line)
        except (ValueError, RecursionError):
            return None
        if json.dumps(m) != json.dumps(lines[k]):  # not ==: NaN != NaN
            return None
        k += 1
        if k == len(lines):
            return stop
    return None


def _keep_config(path: Path, cfg: Config) -> None:
    """Make config.json at ``path`` say ``cfg`` (written only if it differs); a field ``cfg`` does not use keeps
    its saved value (a new run's "none", or what an older nnjax recorded)."""
    saved = load_json(path)
    cfg = cfg.replace(init=cfg.resolved_init(), **{f: getattr(saved, f) for f in unused_fields(cfg)})
    if saved != cfg:
        save_json(cfg, path)


def epochs_by_member(numbered: list[tuple[int, dict[str, Any]]]) -> dict[int, list[tuple[int, int]]]:
    """member → the (epoch, line number) of each of its lines, in file order, from a sweep's numbered
    metrics lines (``read_numbered_metrics``)."""
    epochs_of: dict[int, list[tuple[int, int]]] = {}
    for line, m in numbered:
        epochs_of.setdefault(m["member"], []).append((m["epoch"], line))
    return epochs_of


def epochs_out_of_place(lines: list[tuple[int, int]], last: int, member: int | None = None) -> str | None:
    """Where the (epoch, line number) ``lines`` of a run (or of a sweep ``member``) first differ from its
    epochs 1, 2, …, ``last``: ``line 6 repeats epoch 5``, ``line 6 is epoch 7, expected 6``, ``no line for
    epoch 2 (the last before it, line 1, is epoch 1)`` (for a member: ``line 9 is member 1's epoch 2,
    expected its epoch 3``); None when they do not."""
    whose = "" if member is None else f"member {member}'s "
    for k, (epoch, line) in enumerate(lines, 1):
        if epoch != k:  # an earlier epoch again: a repeat; a later one: lines lost before it
            if 1 <= epoch < k:  # (epoch 0 or below: no epoch at all, so no repeat of one)
                return f"line {line} repeats {whose}epoch {epoch}"
            return f"line {line} is {whose}epoch {epoch}, expected {k if member is None else f'its epoch {k}'}"
    if len(lines) < last:
        the = "the" if member is None else "its"
        before = f" ({the} last before it, line {lines[-1][1]}, is epoch {len(lines)})" if lines else ""
        return f"no line for {whose}epoch {len(lines) + 1}{before}"
    return None


# The epoch program's metrics that a metrics.jsonl line holds, in its order (eval_* named for the split).
# train_*: means over the epoch's mini-batches (train.make_epoch), as the parameters moved. grad_norm: the mean
# over the epoch's steps of the global L2 norm (every W and b) of the gradient of the mini-batch's mean cost,
# before the optimiser adds weight decay (L2 or AdamW's) or rescales it. param_norm: the global L2 norm of the
# parameters at the epoch's end.
LINE_METRICS = ("train_loss", "train_accuracy", "eval_loss", "eval_accuracy", "grad_norm", "param_norm")


def line_metrics(m: Mapping[str, Any], split: str) -> dict[str, Any]:
    """``LINE_METRICS`` of one member's epoch metrics ``m``, named as a metrics line names them: eval_loss
    as ``{split}_loss`` (split "test" or "val")."""
    return {k.replace("eval", split): m[k] for k in LINE_METRICS}


def _metrics_until(path: Path, epoch: int) -> list[dict[str, Any]]:
    """The metrics lines of epochs 1..``epoch`` that a run resumed after ``epoch`` keeps.

    Lines after ``epoch`` (trained after the checkpoint, then lost to a kill) are dropped, as is a
    last line cut short mid-write; a line missing or repeated before ``epoch`` is an error naming the
    first line out of place ("line 6 repeats epoch 5", "line 6 is epoch 7, expected 6"), or the first
    epoch without a line.
    """
    text = Path(path).read_bytes().decode("utf-8", errors="replace") if Path(path).exists() else ""
    chunks = text.split("\n")
    kept, numbers = [], []  # the lines up to ``epoch``, and their line numbers in the file
    for i, line in enumerate(chunks, 1):
        if not line.strip():
            continue
        try:
            m = json.loads(line)
        except (ValueError, RecursionError):
            if i == len(chunks):  # no newline after it: the write of this line was cut short
                break
            raise CheckpointError(f"{path}: line {i} is not valid JSON") from None
        if not isinstance(m, dict) or not is_integer(m.get("epoch")):
            raise CheckpointError(f"{path}: line {i} has no integer 'epoch'")
        if m["epoch"] <= epoch:
            kept.append(m)
            numbers.append(i)
    wrong = epochs_out_of_place([(m["epoch"], i) for m, i in zip(kept, numbers)], epoch)
    if wrong is not None:
        raise CheckpointError(
            f"{path}: {wrong}; the checkpoint is after epoch {epoch}, so the lines up to it must be epochs 1 to "
            f"{epoch} in order (lines missing or repeated: edited or damaged?)"
        )
    return kept


def _check_resumable(saved: Config, cfg: Config, force: bool, run_dir: Path) -> None:
    old, new = result_fields(saved), result_fields(cfg)
    for k, why in FIXED_ON_RESUME.items():
        if old.get(k) != new[k]:
            raise ConfigError(
                f"{run_dir}: --resume with {k}={new[k]!r} but the run used {k}={old.get(k)!r}; not even --force "
                f"changes it ({why}): start a new run"
            )
    changed = [k for k in new if old.get(k) != new[k]]
    if changed and not force:
        k = changed[0]
        raise ConfigError(
            f"{run_dir}: --resume with {k}={new[k]!r} but the run used {k}={old[k]!r}; "
            "that would change its results (add --force to continue anyway)"
        )


def _shape_target(cfg: Config) -> dict[str, Any]:
    # Shapes only: the optimiser state's shapes do not depend on the training-set size.
    return state_tree(init_state([cfg], max(cfg.batch_size, 1)), cfg, 0)


def _with_hyperparams_of(restored: TrainState, fresh: TrainState) -> TrainState:
    """``restored`` with the optimiser hyper-parameters (lr, weight decay, momentum) of ``fresh``.

    They live in the optimiser state (see optim.py): without this a ``--resume --force --lr X`` would
    go on with the checkpoint's learning rate while config.json says X. Unchanged values are a no-op.
    """
    opt = restored.opt_state
    if hasattr(opt, "hyperparams"):
        opt = opt._replace(hyperparams=fresh.opt_state.hyperparams)
    return TrainState(restored.params, opt)


TARGET_FILE = "target.json"  # a run's --target: not a config field, as it changes no number the run computes


def load_run_target(run_dir: str | Path) -> float | None:
    """The accuracy to reach that a run folder keeps (its target.json, ``nnjax train --target``), a fraction;
    None where it was never given. A damaged file is an error naming it."""
    path = Path(run_dir) / TARGET_FILE
    if not path.exists():
        return None
    kept = checkpoint.read_json(path)
    if not isinstance(kept, dict) or "target" not in kept:
        raise CheckpointError(f"{path}: not an nnjax target file (needs 'target')")
    try:
        return check_target(kept["target"])
    except ConfigError as e:
        raise ConfigError(f"{path}: {e}") from None


def _stored_target(run_dir: Path, target: float | None) -> tuple[float | None, str | None]:
    """The run's own target (``load_run_target``) and None; where it is damaged and ``target`` (given now) will
    replace it, None and what was wrong with it. A damaged file nothing replaces is an error naming it."""
    try:
        return load_run_target(run_dir), None
    except (CheckpointError, ConfigError) as e:
        if target is None or (run_dir / TARGET_FILE).is_dir():  # a folder is not replaced: refused as before
            raise
        return None, str(e)


def target_record(target: float, lines: Sequence[Mapping[str, Any]], split: str) -> dict[str, Any]:
    """What a finished run's target.json holds: ``target``, the ``split`` ("test" or "val") and the ``epochs``
    its metrics ``lines`` reach, and ``target_figures``'s (the epochs that reached and held it, the training
    seconds to each). A folder of an older nnjax, or of a run not finished since it was given, has ``target``
    alone; ``reached_text`` computes the same figures from metrics.jsonl for any target."""
    epochs = lines[-1]["epoch"] if lines else 0
    return {"target": target, "split": split, "epochs": epochs, **target_figures(lines, target, split)}


def _keep_target(
    run_dir: Path, target: float | None, stored: float | None, damage: str | None = None, kept: dict | None = None
) -> None:
    """Write ``target`` (given now) into the run folder's target.json where it differs from the ``stored`` one
    (saying so on stderr where it replaces one, as a sweep's sweep.json, or a damaged one: ``damage``), with
    the figures ``kept`` (``target_record``'s, of a finished run) or none: another target's are dropped. The same
    target as the stored one gets ``kept`` where the file lacks them (an older nnjax kept the target alone)."""
    if target is None:
        return
    if target == stored:
        if kept is not None and checkpoint.read_json(run_dir / TARGET_FILE) != kept:
            checkpoint.write_json(run_dir / TARGET_FILE, kept)
        return
    checkpoint.write_json(run_dir / TARGET_FILE, {"target": target} if kept is None else kept)
    if damage is not None:
        print(f"nnjax: {damage}; replaced with target {target_percent(target)}", file=sys.stderr)
    elif stored is not None:
        print(
            f"nnjax: {run_dir}: target {target_percent(target)} instead of the run's {target_percent(stored)}, "
            f"kept in its {TARGET_FILE}",
            file=sys.stderr,
        )


def check_run_folder(run_dir: Path, doing: str = "") -> None:
    """CheckpointError naming what ``run_dir`` is, unless it is a run folder (``doing``: e.g. " to resume")."""
    if not run_dir.exists():
        raise CheckpointError(f"{run_dir}: run folder not found")
    if not run_dir.is_dir():
        raise CheckpointError(f"{run_dir}: is a file, not a run folder")
    if not (run_dir / "config.json").exists():
        if (run_dir / "sweep.json").exists():
            raise CheckpointError(
                f"{run_dir}: a sweep folder, not a run folder{doing} (one member of it: --member N, "
                "see members.csv; continue the sweep: nnjax sweep --resume)"
            )
        if (run_dir / "group.json").exists() and (run_dir.parent.parent / "sweep.json").exists():
            raise CheckpointError(
                f"{run_dir}: a compiled group of the sweep {run_dir.parent.parent}, not a run folder{doing} (one "
                f"member: {run_dir.parent.parent} --member N, see its members.csv)"
            )
        raise CheckpointError(f"{run_dir}: not a run folder (no config.json) nor a sweep folder (no sweep.json){doing}")


def _finished_result(run_dir: Path, cfg: Config) -> tuple[dict[str, Any], Any] | None:
    """(saved result, final checkpoint's meta) of a run that already trained all ``cfg.epochs`` (None if
    not finished)."""
    found = checkpoint.list_checkpoints(run_dir / "checkpoints")
    if not found or found[-1][0] != cfg.epochs:
        return None
    try:
        result = json.loads((run_dir / "result.json").read_text())
        _, _, meta = checkpoint.restore(found[-1][1], _shape_target(cfg))
    except (OSError, ValueError, RecursionError, CheckpointError):  # result or final checkpoint damaged: finish again
        return None
    return (result, meta) if _is_result(result, cfg) else None


def _check_no_epoch_left(run_dir: Path, cfg: Config, meta: Any) -> None:
    """For ``--resume --force`` of a run whose newest checkpoint is of its last epoch: ConfigError if
    ``cfg`` asks for other results than that checkpoint records (config.json's, where an older one records
    none), as no epoch is left to train with them. ``epochs`` is not compared: a run may be ended early."""
    changed = {k: v for k, v in forced_changes(run_dir, meta, cfg).items() if k != "epochs"}
    if changed:
        k, (old, new) = next(iter(changed.items()))
        raise ConfigError(
            f"{run_dir}: already trained all {cfg.epochs} epochs with {k}={old!r}; --resume --force "
            f"changes only epochs still to train (start a new run for {k}={new!r})"
        )


def forced_changes(run_dir: Path, meta: Any, cfg: Config) -> dict[str, list[Any]]:
    """field → [old, new] for each result field (``result_fields``, as JSON values) that ``cfg`` sets otherwise
    than the checkpoint with ``meta`` was trained with (its meta's config; config.json's, where an older nnjax
    recorded none): what a ``--resume --force`` from it changes."""
    trained = meta.get("config") if isinstance(meta, dict) else None
    if not isinstance(trained, dict):
        trained = result_fields(load_json(run_dir / "config.json"))
    return changed_result_fields(trained, cfg)


def forced_text(changed: Mapping[str, Sequence[Any]], epoch: int) -> str:
    """The line that a ``--resume --force`` after ``epoch`` prints for its ``changed`` fields (``forced_changes``):
    ``nnjax: --force: lr 0.01 → 0.02, epochs 4 → 6 after epoch 4 (epochs 1–4 trained with the old values; …)``."""
    from nnjax.sweep_grid import format_value

    what = ", ".join(f"{k} {format_value(old)} → {format_value(new)}" for k, (old, new) in changed.items())
    trained = "epoch 1" if epoch == 1 else f"epochs 1–{epoch}"
    return (
        f"nnjax: --force: {what} after epoch {epoch} ({trained} trained with the old values; result.json's "
        '"forced" lists every change)'
    )


def _is_result(result: Any, cfg: Config) -> bool:
    """Whether ``result`` holds what a finished run of ``cfg`` reports (else it is finished again)."""
    return (
        isinstance(result, dict)
        and is_integer(result.get("epochs"))
        and result["epochs"] == cfg.epochs
        and (result.get("n_test") is None or (is_integer(result["n_test"]) and result["n_test"] > 0))
        # what nnjax train prints beside it (absent from an older nnjax's): "n_train": true read as 1 image
        and (result.get("n_train") is None or (is_integer(result["n_train"]) and result["n_train"] > 0))
        and (result.get("train_set_accuracy") is None or is_number(result["train_set_accuracy"]))
        and is_number(result.get("test_accuracy"))
        and is_number(result.get("compile_s"))
        and (result.get("epoch_s_median", "missing") is None or is_number(result.get("epoch_s_median")))
        and isinstance(result.get("device"), str)
        and (not cfg.validation or is_number(result.get("val_accuracy")))
    )


def compile_text(result: Mapping[str, Any]) -> str:
    """How a run's or sweep group's result (result.json) got its epoch program, and in how long (``compile_s``):
    "compiled in 1.56 s", "loaded from JAX's compilation cache in 0.61 s" (``compile_cached``), "reused
    (compiled earlier in this process; traced in 0.14 s)" (``compile_reused``), or, for a run or sweep group
    finished again with no epoch left to train, "not compiled: nothing left to train" (``compile_skipped``). A
    result.json of an nnjax before these fields reads as compiled."""
    if result.get("compile_skipped"):
        return "not compiled: nothing left to train"
    if result.get("compile_reused"):
        return f"reused (compiled earlier in this process; traced in {result['compile_s']:.2f} s)"
    if result.get("compile_cached"):
        return f"loaded from JAX's compilation cache in {result['compile_s']:.2f} s"
    return f"compiled in {result['compile_s']:.2f} s"


# An epoch whose mean training loss is more than this many times the untrained network's loss has diverged.
# Measured on MNIST (the default config with --lr and --optimizer set, --epochs 3, this factor set to inf;
# 2-core AMD EPYC Zen 4 VM, 2026-12-06): lr 1e3 with sigmoid stays finite but reaches 244x (sgd) and 1.09e3x
# (adam) in epoch 1; lr 100 sgd peaks at 15x (epoch 1) and recovers; sane learning rates stay below 1x.
EXPLODE_FACTOR = 100.0


DIVERGENCE_METRICS = ("train_loss", "finite", "grad_norm", "param_norm")  # what divergence_cause reads


def divergence_cause(m: Mapping[str, float], init_loss: float) -> str | None:
    """Why an epoch's metrics mean training diverged, or None.

    ``m`` holds one member's ``train_loss``, ``finite``, ``grad_norm`` and ``param_norm`` (as written
    by the epoch program); ``init_loss`` is the loss of the untrained network on training images.
    """
    if not m["finite"] or not math.isfinite(m["train_loss"]):
        return "the loss or the parameters became non-finite (inf/nan)"
    if not (math.isfinite(m["grad_norm"]) and math.isfinite(m["param_norm"])):
        return "the gradient or parameter norm overflowed float32 (values beyond ~1e19)"
    if math.isfinite(init_loss) and 0 < init_loss and m["train_loss"] > EXPLODE_FACTOR * init_loss:
        return (
            f"the training loss {m['train_loss']:.4g} exploded to {m['train_loss'] / init_loss:.3g}x "
            f"the untrained network's {init_loss:.4g}"
        )
    return None


def check_config(cfg: Config, new: bool = True, splits: Splits | None = None) -> Config:
    """ConfigError naming the first bad field (``config.validate``), or a network that would not fit in
    memory (``memory.check_memory``: estimated for ``splits``, or the data set's known size); else
    ``cfg`` with its values typed as a config file's would be (``config.typed``). Cheap: nothing is
    loaded or compiled."""
    cfg = typed(cfg)
    validate(cfg, new=new)
    check_memory([[cfg]], splits)
    return cfg


def train_and_evaluate(
    cfg: Config,
    out_dir: str | Path | None = None,
    *,
    resume: bool = False,
    force: bool = False,
    progress: bool = True,
    splits: Splits | None = None,
    on_start: Callable[[Config], None] | None = None,
    target: float | None = None,
) -> dict[str, Any]:
    """Train ``cfg`` into a run folder (new, or ``resume``-d) and return the result summary, result.json's
    contents: ``run_dir``, ``test_accuracy`` (a fraction) and ``test_loss`` on the official test split of
    ``n_test`` images, ``train_set_accuracy`` (the final network on the ``n_train`` images it trained on),
    ``epochs``, ``n_params``, ``inert`` (each hidden layer's inert neurons on the test split,
    ``viz.inert_counts``), ``compile_s`` (seconds to compile the epoch program; with ``compile_reused`` True, to
    trace it and find it compiled earlier in this process; with ``compile_cached`` True, to trace it and load it
    from JAX's persistent compilation cache; with ``compile_skipped`` True, 0: finished again from its last epoch's
    checkpoint, nothing compiled: ``compile_text`` says which), ``epoch_s_median``, ``train_s``, ``device``,
    ``devices``, ``forced`` (below), and with ``cfg.validation`` the last epoch's ``val_accuracy``.

    With ``resume``, ``cfg`` is the run's own config (``config.load_json(RUN_DIR / "config.json")``): a
    field changed in it that would change the results is refused unless ``force`` (never for
    ``FIXED_ON_RESUME``'s), and ``force`` rewrites config.json with the new values. Each resume that changes
    a result field records it, saying so on stderr (``forced_text``), as ``{"after_epoch": N, "changed": {field:
    [old, new]}}`` in the list ``forced`` that every checkpoint after it carries and result.json holds ([] for a
    run never forced; a result.json of an older nnjax has none).

    Everything that can fail on bad input (config, data, checkpoint, metrics file) is checked before
    anything in the folder is written, so a failed start leaves the folder as it was. Resuming continues
    from the newest checkpoint that loads and reproduces an uninterrupted run bit for bit; resuming a
    finished run returns its saved result and writes nothing. Raises DivergedError (keeping the
    checkpoints written so far) when an epoch diverges (see ``divergence_cause``).

    ``on_start(cfg)`` is called once every check has passed, just before the first epoch trains (a finished
    run: before its saved result is returned), with the config it trains: ``nnjax train`` prints its recipe
    there, so a failed start prints nothing on stdout.

    A ``target`` accuracy (``nnjax train --target``, a fraction) is kept in the folder's target.json
    (``load_run_target``) with config.json, for a later --resume and ``nnjax viz``, and after the last epoch
    with when the run reached it (``target_record``); a resume given another replaces the run's and says so, as
    it does a damaged target.json (refused where no ``target`` is given): of a finished run, with its figures.
    """
    check_splits(splits, "train_and_evaluate")
    target = check_target(target)
    cfg = check_config(cfg, new=not resume, splits=splits)
    if not resume:
        cfg = without_unused(cfg)  # config.json: momentum 0 for sgd, not the default 0.9 it ignores
    # With several processes (multi-host), process p > 0 writes its identical copy beside process 0's.
    run_dir = process_run_dir(Path(out_dir) if out_dir is not None else default_run_dir(cfg))
    with contextlib.ExitStack() as stack:
        if resume:
            check_run_folder(run_dir, " to resume")
            stack.enter_context(checkpoint.locked(run_dir))
            _check_resumable(load_json(run_dir / "config.json"), cfg, force, run_dir)
            stored, damage = _stored_target(run_dir, target)
            finished = _finished_result(run_dir, cfg)
            if finished is not None:
                listed = load_json(run_dir / "config.json").keep_epochs  # before a --force rewrites config.json
                if force:
                    _check_no_epoch_left(run_dir, cfg, finished[1])
                # Its metrics are part of the result (viz, sweeps of runs): lines lost or edited are an
                # error, not a success that hides them; they cannot be rebuilt without training again.
                history = _metrics_until(run_dir / "metrics.jsonl", cfg.epochs)
                # A --force extension stopped before its first checkpoint (killed, diverged) and taken back
                # (--epochs as before) leaves its config.json and epochs past the end: tidied as a resume does.
                _keep_metrics(run_dir / "metrics.jsonl", history, appending=False)
                if result_fields(load_json(run_dir / "config.json")) != result_fields(cfg):
                    _keep_config(run_dir / "config.json", cfg)  # not for flags that only say how to save
                split = "val" if cfg.validation else "test"  # a new target's figures, from the lines kept
                kept = None if target is None else target_record(target, history, split)
                _keep_target(run_dir, target, stored, damage, kept)
                if on_start is not None:
                    on_start(cfg)
                done = f"nnjax: {run_dir} already trained all {cfg.epochs} epochs; nothing to resume"
                print(done + _keep_epochs_when_finished(run_dir, cfg, listed), file=sys.stderr)
                return {**finished[0], "run_dir": str(run_dir)}  # where it is now (the folder may have moved)
        else:
            checkpoint.check_new_folder(run_dir, "run")
            stored = damage = None
        checkpoint.check_writable_folder(run_dir)  # now, not after loading the data and compiling
        if (run_dir / "checkpoints").exists() and not (run_dir / "checkpoints").is_dir():
            raise CheckpointError(f"{run_dir / 'checkpoints'}: is a file, not a folder")
        return _train(cfg, run_dir, resume, progress, splits, stack, force, on_start, (target, stored, damage))


def _keep_epochs_when_finished(run_dir: Path, cfg: Config, listed: tuple[int, ...]) -> str:
    """What the line of a finished run resumed with another ``--keep-epochs`` than config.json's ``listed`` adds
    (else ""): the listed epochs whose checkpoint it did not keep cannot be kept now, and whether config.json took
    the new list (only a --force that rewrote it for another field does: no epoch is left to save)."""
    if cfg.keep_epochs == listed:
        return ""
    kept = {e for e, _ in checkpoint.list_checkpoints(run_dir / "checkpoints")}
    said = f"; --keep-epochs {','.join(map(str, cfg.keep_epochs)) or 'none'}: "
    if lost := sorted(e for e in cfg.keep_epochs if e not in kept):
        said += f"{checkpoint.epochs_text(lost)} {'was' if len(lost) == 1 else 'were'} trained past without a "
        said += "checkpoint and cannot be kept now; "
    if (now := load_json(run_dir / "config.json").keep_epochs) == cfg.keep_epochs:
        return f"{said}config.json now lists keep_epochs {list(now)}"
    return f"{said}config.json still lists keep_epochs {list(listed)}, and no checkpoint is removed"


def _check_nothing_trained_is_lost(run_dir: Path, ckpt_dir: Path, metrics_path: Path) -> None:
    """CheckpointError if a resume that found no checkpoint would train from scratch over epochs that had
    one (the checkpoints deleted): a finished run, or metrics lines past the first checkpoint's epoch; or where
    the folder holds a .msgpack file not named as a checkpoint (renamed by hand), naming it and the name to give
    it (moved out, it would be refused by the checks below). A run stopped before its first checkpoint was written
    starts again, as it should."""
    if renamed := checkpoint.renamed_checkpoints(ckpt_dir):
        path, held = renamed[0]  # the epoch it holds, for the name to give it back
        named = (
            "epoch_NNNNNN.msgpack, NNNNNN its epoch"
            if held is None
            else checkpoint.checkpoint_path(ckpt_dir, held).name
        )
        raise CheckpointError(
            f"{path}: not named as nnjax names a checkpoint, and {ckpt_dir} holds no other: renamed by hand? "
            f"rename it {named} to resume from it, or start a new run from its config (nnjax train --config-file "
            f"{run_dir / 'config.json'} --out NEW_FOLDER)"
        )
    every = load_json(run_dir / "config.json").checkpoint_every
    epochs = 0  # the last epoch its metrics reached (lines cut short or out of order counted as they are)
    for line in metrics_path.read_text(errors="replace").splitlines() if metrics_path.exists() else ():
        with contextlib.suppress(ValueError, RecursionError):
            m = json.loads(line)
            if isinstance(m, dict) and is_integer(m.get("epoch")):
                epochs = max(epochs, m["epoch"])
    if (run_dir / "result.json").exists():
        what = "the run had finished (result.json)"
    elif every and epochs > every:
        what = f"{metrics_path.name} records {epochs} epochs, past the first checkpoint's (epoch {every})"
    else:
        return
    raise CheckpointError(
        f"{ckpt_dir}: no checkpoint, but {what}: resuming would train from scratch and replace its metrics; start "
        f"a new run from its config instead (nnjax train --config-file {run_dir / 'config.json'} --out NEW_FOLDER)"
    )


def train_epochs(
    cfg: Config,
    compiled: Callable[..., tuple[TrainState, dict[str, jax.Array]]],
    state: TrainState,
    data: Sequence[jax.Array],
    start: int,
    *,
    desc: str,
    progress: bool,
    metrics_path: Path,
    record: Callable[[int, dict[str, np.ndarray], float], tuple[list[dict[str, Any]], dict[str, str] | None]],
    ckpt_dir: Path,
    tree: Callable[[TrainState, int], dict[str, Any]],
    meta: dict[str, Any],
) -> TrainState:
    """Train ``state`` from epoch ``start`` to ``cfg.epochs`` with the ``compiled`` epoch program on ``data``
    (as placed by ``train.compile_epoch`` or ``train.compile_ensemble``), behind a progress bar named ``desc``;
    return the final state.

    After each epoch, ``record(epoch, metrics, epoch_s)`` (metrics: name → one value per member, padding
    copies of a split ensemble included) returns the lines to append to ``metrics_path`` and the bar's
    postfix (None: keep the last), or raises to stop before anything of that epoch is written. Every
    ``cfg.checkpoint_every`` epochs, after each of ``cfg.keep_epochs`` (kept for good) and after the last,
    ``tree(state, epoch)`` is saved to ``ckpt_dir`` with ``meta``, after that epoch's lines reach the disk.
    """
    from tqdm import tqdm

    bar = tqdm(
        total=cfg.epochs,
        initial=start,
        desc=desc,
        unit="epoch",
        disable=not progress,
        file=sys.stderr,
        leave=True,
        dynamic_ncols=True,
    )
    with bar, metrics_path.open("a") as log:
        for epoch in range(start, cfg.epochs):
            t0 = time.perf_counter()
            new_state, m = compiled(state, epoch_key(cfg, epoch), *data)
            m = jax.device_get(m)
            lines, postfix = record(epoch + 1, m, time.perf_counter() - t0)
            state = new_state  # only now: a ``record`` that raises leaves it unsaved
            for line in lines:
                log.write(json.dumps(line) + "\n")
            log.flush()
            if postfix is not None:
                bar.set_postfix(**postfix)
            bar.update(1)
            done = epoch + 1
            every = cfg.checkpoint_every and done % cfg.checkpoint_every == 0
            if done == cfg.epochs or every or done in cfg.keep_epochs:
                os.fsync(log.fileno())  # a checkpoint after epoch e implies metrics lines 1..e on disk
                checkpoint.save(ckpt_dir, done, tree(state, done), meta, cfg.keep_checkpoints, cfg.keep_epochs)
    return state


def _train(
    cfg: Config,
    run_dir: Path,
    resume: bool,
    progress: bool,
    splits: Splits | None,
    stack: contextlib.ExitStack,
    force: bool = False,
    on_start: Callable[[Config], None] | None = None,
    target: tuple[float | None, float | None, str | None] = (None, None, None),
) -> dict[str, Any]:
    """``train_and_evaluate``'s training, every check on its arguments passed (``target``: the one given, the
    run's stored one and what was wrong with a damaged one it replaces: ``_stored_target``)."""
    if splits is None:
        # With several processes each one loads only the rows its own devices hold (multi-host).
        rows = local_rows if jax.process_count() > 1 else None
        args = (cfg.dataset, cfg.data_dir, cfg.tfds_dir, cfg.validation)
        splits = load_splits(*args, rows=rows, train_size=cfg.train_size)
    splits = take_train(splits, cfg.train_size)  # given splits too; loaded ones already are
    n_train = splits.n_train
    if why := too_many_steps(cfg, n_train):  # also for a --resume --force that extends a run (validate: new only)
        raise ConfigError(f"config field 'epochs' = {cfg.epochs}: {why}")
    state = init_state([cfg], n_train)
    # What the run starts from, recorded in every checkpoint so that its epoch 0 (regenerated from the config,
    # ``load_run``) can be checked to be this start bit for bit, and shown with the config it started under.
    started = {"config": result_fields(cfg), "params_sha256": checkpoint.fingerprint(unstack(state.params, 0))}
    # The untrained network's loss: the yardstick of divergence (same image count as the test split,
    # so the final evaluation reuses this compiled program).
    n_ref = min(n_train, splits.n_test)
    init_loss = float(evaluate_split(cfg, state.params, splits, "train", n_ref)[0][0])
    start, history = 0, []
    # What each --resume --force changed, and after which epoch: {"after_epoch", "changed": field → [old, new]}
    forced: list[dict[str, Any]] = []
    changed: dict[str, list[Any]] = {}
    ckpt_dir = run_dir / "checkpoints"
    metrics_path = run_dir / "metrics.jsonl"
    if resume:
        found = checkpoint.restore_latest(ckpt_dir, state_tree(state, cfg, 0))
        if found is not None:
            start, tree, meta = found
            ckpt = checkpoint.checkpoint_path(ckpt_dir, start)
            if start > cfg.epochs:
                raise ConfigError(f"{ckpt}: the run is already past epochs={cfg.epochs}")
            if force and start == cfg.epochs:  # e.g. its result.json lost: finished again, nothing trained
                _check_no_epoch_left(run_dir, cfg, meta)
            check_data_key(tree, cfg, start, ckpt)
            state = _with_hyperparams_of(tree["train"], state)
            # the start as recorded when it was trained (a --force may have changed the config since); a
            # checkpoint of an nnjax before the record has none, and this run's start stays unrecorded
            started = meta.get("start") if isinstance(meta.get("start"), dict) else None
            # every earlier --force, as its checkpoints carry it (none in an older nnjax's), and this one's
            forced = list(meta["forced"]) if isinstance(meta.get("forced"), list) else []
            if changed := forced_changes(run_dir, meta, cfg):
                forced.append({"after_epoch": start, "changed": changed})
        else:
            _check_nothing_trained_is_lost(run_dir, ckpt_dir, metrics_path)
        history = _metrics_until(metrics_path, start)

    devices = batch_devices()  # None: every device; one on a CPU split into cores (see parallel.py)
    # A program this process compiled before (an earlier run of the same shape: another seed or lr) is reused.
    # From its last epoch's checkpoint (its result.json lost or damaged, or a run ended early with --force
    # --epochs) a run is finished again with no epoch to train: placed as for training, not compiled.
    last = start == cfg.epochs
    compiled, state, data, compile_s, how = compile_epoch(cfg, splits, state, start, devices=devices, place_only=last)

    # Every check has passed: from here on the folder is written.
    run_dir.mkdir(parents=True, exist_ok=True)
    config_path = run_dir / "config.json"
    if resume:
        checkpoint.set_aside_newer(ckpt_dir, start)
        _keep_metrics(metrics_path, history)
        _keep_config(config_path, cfg)  # --force, or e.g. a new data_dir
        if changed:
            print(forced_text(changed, start), file=sys.stderr)
    else:
        stack.enter_context(checkpoint.locked(run_dir))
        if config_path.exists():
            raise ConfigError(f"{run_dir}: another process started a run in this folder")
        save_json(cfg, config_path)
        checkpoint.write_atomic(metrics_path, b"")
    _keep_target(run_dir, *target)
    warn_listed_epochs_lost(cfg, ckpt_dir, start, run_dir)
    if resume:
        checkpoint.warn_renamed(ckpt_dir, start, cfg.epochs)

    split = splits.eval_split
    epoch_times = [float(m["epoch_s"]) for m in history if is_number(m.get("epoch_s"))]  # not JSON true

    def record(epoch, m_K, epoch_s):
        first = {k: v[0] for k, v in m_K.items()}  # member 0's, as computed (float32)
        m = {k: v.item() for k, v in first.items()}
        epoch_times.append(epoch_s)
        cause = divergence_cause(m, init_loss)
        if cause is not None:  # the diverged state is never saved: the last checkpoint stays the newest
            last = checkpoint.list_checkpoints(ckpt_dir)
            kept = f"last good checkpoint: {last[-1][1]}" if last else "no checkpoint was written before it"
            raise DivergedError(
                f"training diverged at epoch {epoch}: {cause}; likely cause: the learning rate "
                f"lr={cfg.lr} is too high for this network (try a smaller --lr); {kept}"
            )
        shortest = {k: short_float(v) for k, v in line_metrics(first, split).items()}  # 0.9554, not 0.95539999…
        line = {"epoch": epoch, **shortest, "epoch_s": round(epoch_s, 4)}
        history.append(line)
        # train_*: means over the epoch's mini-batches as the parameters moved; {split}_acc: the epoch's end
        postfix = {"train_loss": m["train_loss"], "train_acc": m["train_accuracy"], f"{split}_acc": m["eval_accuracy"]}
        return [line], {k: f"{v:.4f}" for k, v in postfix.items()}

    if on_start is not None:  # every check passed and the folder written; before the progress bar opens
        on_start(cfg)
    state = train_epochs(
        cfg,
        compiled,
        state,
        data,
        start,
        desc=f"{cfg.name} {cfg.activation}",  # as the run folder: the name alone hides an override
        progress=progress,
        metrics_path=metrics_path,
        record=record,
        ckpt_dir=ckpt_dir,
        tree=lambda state, epoch: state_tree(state, cfg, epoch),
        meta={"config": result_fields(cfg), **({"start": started} if started is not None else {}), "forced": forced},
    )

    test_loss_K, test_acc_K = evaluate_split(cfg, state.params, splits, "test")
    test_loss, test_acc = short_float(test_loss_K[0]), short_float(test_acc_K[0])
    _, train_acc_K = evaluate_split(cfg, state.params, splits, "train")  # the final network on its own images
    from nnjax.viz import inert_counts  # numpy only until it runs the network

    network = unstack(jax.device_get(state.params), 0)  # NumPy, as viz reads a run
    result = {
        "run_dir": str(run_dir),
        "test_accuracy": test_acc,
        "test_loss": test_loss,
        # on every image it trained on (the final network; metrics.jsonl's train_accuracy is a running mean)
        "train_set_accuracy": short_float(train_acc_K[0]),
        "n_train": n_train,  # the training images: the whole split, or train_size's first ones
        "n_test": splits.n_test,  # the data set's official test split (10,000 images for MNIST)
        "epochs": cfg.epochs,
        "n_params": count_params(network),
        # per hidden layer, as neurons.png counts them; not on one process's block of the test split (multi-host)
        "inert": None if splits.is_block else inert_counts(network, cfg, splits.x_test),
        "compile_s": round(compile_s, 3),
        # True: no compile happened, compile_s is the tracing that found the program (absent before nnjax said it)
        "compile_reused": how == "reused",
        # True: JAX loaded the program from its persistent compilation cache, compile_s is tracing and loading it
        "compile_cached": how == "cached",
        # True: finished again from its last epoch's checkpoint, no program compiled, compile_s 0 (absent before)
        "compile_skipped": how == "skipped",
        # Over every epoch of the run, including those before a resume.
        "epoch_s_median": round(statistics.median(epoch_times), 4) if epoch_times else None,
        "train_s": round(sum(epoch_times), 3),
        "device": str(jax.devices()[0].device_kind),
        "devices": jax.device_count() if devices is None else len(devices),
        # each --resume --force that changed a result field, after which epoch: [] for a run never forced
        "forced": forced,
    }
    if split == "val":
        result["val_accuracy"] = history[-1]["val_accuracy"]
    if (own := target[1] if target[0] is None else target[0]) is not None:  # given now, else the run's own
        # before result.json: a finished run's target.json has its figures to the last epoch
        checkpoint.write_json(run_dir / TARGET_FILE, target_record(own, history, split))
    checkpoint.write_json(run_dir / "result.json", result)
    if resume:  # said at the end, so that a failure above stays one line
        where = f"after epoch {start} ({checkpoint.checkpoint_path(ckpt_dir, start).name})" if start else "from scratch"
        print(f"nnjax: resumed {run_dir} {where}", file=sys.stderr)
    return result


def warn_listed_epochs_lost(cfg: Config, ckpt_dir: Path, start: int, folder: Path) -> None:
    """A warning line for the epochs of ``cfg.keep_epochs`` that a run (a sweep's group) in ``folder`` resuming
    after epoch ``start`` has already trained without keeping their checkpoint (the list was given, or grew, on a
    resume): none of them can be written any more."""
    kept = {e for e, _ in checkpoint.list_checkpoints(ckpt_dir)}
    if lost := sorted(e for e in cfg.keep_epochs if e <= start and e not in kept):
        print(
            f"nnjax: warning: --keep-epochs: {folder} resumes after epoch {start}, and no checkpoint of "
            f"{checkpoint.epochs_text(lost)} was kept; {'it' if len(lost) == 1 else 'they'} cannot be written now",
            file=sys.stderr,
        )


def folder_path(folder: Any, where: str, name: str = "run_dir") -> Path:
    """``folder`` as a Path; anything but a str or os.PathLike (a network's parameters given where its
    folder goes) is a TypeError naming ``where`` and ``name``, not pathlib's own message naming neither."""
    if not isinstance(folder, (str, os.PathLike)):
        raise TypeError(
            f"{where}: {name} is a {type(folder).__name__}: expected the path of a run or sweep folder "
            "(a str or Path), e.g. 'runs/video'; nnjax.images.predict(params, cfg, x_Nx784) takes parameters"
        )
    return Path(folder)


def load_run(run_dir: str | Path, epoch: int | None = None) -> tuple[Config, Params, int]:
    """(config, parameters of the newest checkpoint, its epoch) of a run folder; with ``epoch``, the
    parameters after that epoch: 0 is the network as initialised (``start_of_run``), another epoch needs its
    checkpoint kept (a CheckpointError names the epochs kept)."""
    run_dir = folder_path(run_dir, "load_run")
    check_epoch_arg(epoch)
    check_run_folder(run_dir)
    cfg = validate(load_json(run_dir / "config.json"), new=False, source=str(run_dir / "config.json"))
    if epoch == 0:
        cfg, params_K = start_of_run(run_dir, cfg)
        return cfg, params_K, 0
    if epoch is not None:
        check_epoch_trained(epoch, cfg, str(run_dir))
        target = _shape_target(cfg)
        found = checkpoint.restore_epoch(run_dir / "checkpoints", epoch, target, str(run_dir), keep_more(cfg, epoch))
    else:
        # The newest only: falling back to an older one would report other parameters as the run's.
        mend = f"nnjax train --resume {run_dir} goes back to the newest checkpoint that loads and trains on from it"
        found = checkpoint.restore_newest(run_dir / "checkpoints", _shape_target(cfg), str(run_dir), mend)
    if found is None:
        raise CheckpointError(f"{run_dir}: no checkpoint in {run_dir / 'checkpoints'}")
    newest = epoch is None
    epoch, tree, meta = found
    return _as_trained(cfg, meta, run_dir, epoch, newest), tree["train"].params, epoch


def check_epoch_trained(epoch: int, cfg: Config, what: str) -> None:
    """CheckpointError when ``epoch`` is past the ``cfg.epochs`` that ``what`` (a run, a sweep member) trains."""
    if epoch > cfg.epochs:
        raise CheckpointError(f"{what}: no epoch {epoch}: it trains {cfg.epochs} epochs (epoch 0: as initialised)")


def keep_more(cfg: Config, epoch: int) -> str:
    """How a run (or sweep) of ``cfg`` would have kept the checkpoint of ``epoch``: the end of the error about an
    epoch not kept."""
    listed = f" and those of {checkpoint.epochs_text(sorted(cfg.keep_epochs))}" if cfg.keep_epochs else ""
    if cfg.checkpoint_every == 0:  # no rotation: the final checkpoint, and the listed epochs'
        kept = f"the final one{listed}" if listed else "only the final one"
    else:
        every = "one every epoch" if cfg.checkpoint_every == 1 else f"one every {cfg.checkpoint_every} epochs"
        kept = f"{every} and keeps the newest {cfg.keep_checkpoints}{listed}"
    return (
        f"it saved {kept}; one trained with --keep-epochs "
        f"{epoch} keeps that epoch (--checkpoint-every 1 --keep-checkpoints {cfg.epochs}: every epoch)"
    )


def check_epoch_arg(epoch: Any) -> None:
    """ConfigError unless ``epoch`` is None (the newest) or an epoch number, 0 or more (a bool is refused)."""
    if epoch is not None and (not is_index(epoch) or epoch < 0):
        raise ConfigError(
            f"epoch={epoch!r}: expected an epoch number, 0 (the network as initialised) or more, or None (the newest)"
        )


# The fields that say how trained parameters are used (forward pass, input scaling, data set): eval,
# predict, viz and export must use the ones the parameters were trained with.
USE_FIELDS = ("dataset", "standardize", "activation", "cost")


def _as_trained(cfg: Config, meta: Any, run_dir: Path, epoch: int, newest: bool = True) -> Config:
    """``cfg`` (config.json) with the USE_FIELDS its epoch-``epoch`` checkpoint records (``meta``), if they
    differ: a ``--resume --force`` rewrites config.json before its first checkpoint, so a run stopped
    then holds parameters trained under the config before it (and an older checkpoint than the ``newest``,
    ``--epoch N``, may be from before the change). Warns on stderr when they differ."""
    trained = meta.get("config") if isinstance(meta, dict) else None
    if not isinstance(trained, dict):
        return cfg
    now = cfg.to_dict()
    changed = [f for f in USE_FIELDS if f in trained and trained[f] != now[f]]
    if not changed:
        return cfg
    what = ", ".join(f"{f}={trained[f]!r}" for f in changed)
    force = "a --resume --force"
    why = f"{force} that has not saved a checkpoint yet" if newest else f"{force} after epoch {epoch}"
    print(
        f"nnjax: warning: {run_dir}'s epoch-{epoch} parameters were trained with {what}, which config.json no "
        f"longer says ({why}); they are used as trained",
        file=sys.stderr,
    )
    return from_dict({**now, **{f: trained[f] for f in changed}}, source=f"{run_dir}: checkpoint meta", complete=True)


# The fields that decide the starting parameters (``train.initial_params``; --resume refuses to change them, even
# with --force: config.FIXED_ON_RESUME), and the USE_FIELDS that epoch 0 is used with.
START_FIELDS = ("seed", "hidden", "init", *USE_FIELDS)


def start_of_run(run_dir: Path, cfg: Config) -> tuple[Config, Params]:
    """(config, parameters stacked as an ensemble of one) of a run's epoch 0: the parameters it started
    training from, regenerated from ``cfg`` (its config.json), and the config it started under.

    Its checkpoints record that start (the START_FIELDS and a fingerprint of the parameters): a ``--resume
    --force`` that changed the activation since shows epoch 0 with the one it started with (and says so on
    stderr), and parameters regenerated otherwise than the run's own (another JAX's random numbers, say) are
    a CheckpointError, not another network shown as this run's start. Checkpoints of an nnjax before that
    record: a run whose checkpoints were trained with other START_FIELDS than config.json says is a
    CheckpointError (its start is not known); otherwise epoch 0 is regenerated from config.json unchecked,
    as it is for a run with no checkpoint yet."""
    metas = checkpoint.readable_metas(run_dir / "checkpoints")
    now = json.loads(json.dumps(result_fields(cfg)))
    record = next((m["start"] for _, m in metas if isinstance(m.get("start"), dict)), None)
    changed: list[str] = []
    if record is not None and isinstance(record.get("config"), dict):
        started = record["config"]
        if changed := [f for f in START_FIELDS if f in started and started[f] != now[f]]:
            values = {f: started[f] for f in changed}
            cfg = from_dict({**cfg.to_dict(), **values}, source=f"{run_dir}: checkpoint meta", complete=True)
    else:
        for epoch, meta in metas:  # no record of the start: config.json's, unless a checkpoint says otherwise
            trained = meta.get("config")
            changed = [f for f in START_FIELDS if isinstance(trained, dict) and f in trained and trained[f] != now[f]]
            if changed:
                f = changed[0]
                raise CheckpointError(
                    f"{run_dir}: its epoch-{epoch} checkpoint was trained with {f}={trained[f]!r}, config.json says "
                    f"{f}={now[f]!r}, and its checkpoints (of an older nnjax) do not record which the run started "
                    "with: epoch 0 cannot be shown"
                )
    params_K = initial_params([cfg])
    check_start(params_K, record.get("params_sha256") if isinstance(record, dict) else None, str(run_dir))
    if changed:  # said once the start is known to be shown
        what = ", ".join(f"{f}={getattr(cfg, f)!r}" for f in changed)
        print(
            f"nnjax: warning: {run_dir} started with {what}, which config.json no longer says (a --resume --force "
            "changed it); its epoch-0 network is shown with it",
            file=sys.stderr,
        )
    return cfg, params_K


def check_start(params_K: Params, fingerprint: Any, what: str) -> None:
    """CheckpointError unless the regenerated starting parameters ``params_K`` (an ensemble of one) of ``what``
    have the ``fingerprint`` (``checkpoint.fingerprint``) that its checkpoints record (not a str: none recorded,
    nothing to check)."""
    if isinstance(fingerprint, str) and checkpoint.fingerprint(unstack(params_K, 0)) != fingerprint:
        raise CheckpointError(
            f"{what}: its epoch-0 parameters regenerated here (JAX {jax.__version__} on {jax.default_backend()}) are "
            "not those it started training from (their fingerprint is in its checkpoints; another JAX version or "
            "device draws other random numbers): epoch 0 cannot be shown"
        )


def load_network(
    folder: str | Path, member: int | str | None = None, *, where: str = "load_network", epoch: int | None = None
) -> tuple[Config, Params, int]:
    """(config, parameters stacked as an ensemble of one, epoch): a run folder's newest checkpoint, or
    with ``member`` (a number, or text naming one by its config values: ``sweep.resolve_member``) that member
    of a sweep folder (``sweep.load_member``). Parameters from before the last
    epoch (a run interrupted or still training) come with a warning on stderr naming their epoch.
    ``epoch``: the parameters after that epoch instead (0: as initialised, regenerated from the config and
    checked against the start its checkpoints record; another: its checkpoint, if kept).
    ``where``: the public function whose ``run_dir`` ``folder`` is, named if it is not a path."""
    from nnjax.sweep import resolve_member

    folder_path(folder, where)
    check_epoch_arg(epoch)
    asked = None if epoch is None else int(epoch)  # a NumPy integer too
    member = resolve_member(folder, member)  # its number, where it is named by its values
    if member is None:
        cfg, params, epoch = load_run(folder, asked)
    elif not Path(folder).exists():
        raise CheckpointError(f"--member {member}: {folder}: sweep folder not found")
    elif not (Path(folder) / "sweep.json").exists():
        raise CheckpointError(f"--member {member}: {folder} is not a sweep folder (no sweep.json)")
    else:
        from nnjax.sweep import load_member

        cfg, params, epoch = load_member(folder, member, asked)
    if asked is None and epoch < cfg.epochs:
        which = f"{folder}" if member is None else f"{folder} member {member}"
        print(
            f"nnjax: warning: {which} has trained {epoch} of its {cfg.epochs} epochs; "
            f"these are its epoch-{epoch} parameters",
            file=sys.stderr,
        )
    return cfg, params, epoch


def eval_run(
    run_dir: str | Path,
    splits: Splits | None = None,
    member: int | str | None = None,
    *,
    data_dir: str | None = None,
    tfds_dir: str | None = None,
    epoch: int | None = None,
    neurons: bool = False,
) -> dict[str, Any]:
    """Recompute test loss and accuracy from a run folder's saved parameters (or a sweep ``member``'s):
    ``run_dir`` (or ``sweep_dir``, ``member`` and its ``diverged_epoch``: None if it did not diverge by the
    parameters' epoch; if it did, its parameters trained on past the divergence inside its ensemble, and the
    accuracy is no result of its config), ``epoch`` of the parameters, ``test_accuracy`` (a fraction) and
    ``test_loss`` on the official test split (of ``splits``, if given), and ``inert``: each hidden layer's inert
    neurons on those images, as neurons.png counts them (``viz.inert_counts``; None where a reach is not finite,
    or where ``splits`` is this process's block of rows). ``member``: a number, or text naming one member by its
    config values (``"activation=relu,seed=1"``: ``sweep.resolve_member``); the result gives its number.
    ``epoch``: the parameters after that epoch, not the newest (``load_network``; 0: as initialised).
    ``data_dir`` / ``tfds_dir``: where the data set is on this machine, if not in the run's folders.
    ``neurons``: also ``reach``, per hidden layer each neuron's reach on those images (``viz.hidden_reach``), and
    ``inert_neurons``, per hidden layer the numbers (from 0) of those counted inert; both None where ``inert`` is."""
    from nnjax.sweep import resolve_member

    check_splits(splits, "eval_run")
    folder_path(run_dir, "eval_run")
    member = resolve_member(run_dir, member)  # the number its result gives, where it is named by its values
    cfg, params_K, epoch = load_network(run_dir, member, where="eval_run", epoch=epoch)
    if splits is None:
        splits = load_splits(cfg.dataset, data_dir or cfg.data_dir, tfds_dir or cfg.tfds_dir, validation=False)
    from nnjax.viz import hidden_reach, inert_neurons  # numpy only until it runs the network

    loss_K, acc_K = evaluate_split(cfg, params_K, splits, "test")
    # as a run's result.json: not on one process's block of the test split (multi-host), which holds part of it
    reach = None if splits.is_block else hidden_reach(jax.device_get(unstack(params_K, 0)), cfg, splits.x_test)
    inert_H = None if reach is None else inert_neurons(reach)
    inert = None if inert_H is None else [int(m.sum()) for m in inert_H]
    per_neuron = {}
    if neurons:
        per_neuron["reach"] = None if reach is None else [reach_H.tolist() for reach_H in reach]
        per_neuron["inert_neurons"] = None if inert_H is None else [np.flatnonzero(m).tolist() for m in inert_H]
    # member as a plain int (a NumPy or JAX integer is accepted as one): the result stays JSON-ready
    if member is None:
        where = {"run_dir": str(run_dir)}
    else:
        from nnjax.sweep import diverged_by

        gone = diverged_by(run_dir, int(member), epoch)
        where = {"sweep_dir": str(run_dir), "member": int(member), "diverged_epoch": gone}
    accuracy = {"test_accuracy": short_float(acc_K[0]), "test_loss": short_float(loss_K[0])}
    return {**where, "epoch": epoch, **accuracy, "inert": inert, **per_neuron}


def export_run(
    run_dir: str | Path,
    out_file: str | Path,
    *,
    overwrite: bool = False,
    member: int | str | None = None,
    epoch: int | None = None,
) -> Path:
    """Write the trained W and b of every layer as plain named arrays in an ``.npz`` file.

    Keys: ``layer0_W`` (16×784), ``layer0_b`` (16), …, ``activation`` / ``cost`` as strings,
    ``standardize`` and ``epoch`` (of the parameters: the newest checkpoint's), and as NumPy expressions
    ``activation_formula`` (of ``z``, e.g. ``1 / (1 + np.exp(-z))``) and ``pixels_formula`` (of the uint8
    image ``x``, e.g. ``x / 255``); loads with ``numpy.load(FILE, allow_pickle=False)``. An existing
    ``out_file`` is replaced only with ``overwrite`` (it may hold another run's weights). ``member``: that
    member of a sweep folder (a number, or text naming it by its config values: ``sweep.resolve_member``).
    ``epoch``: the parameters after that epoch, not the newest (``load_network``; 0: as initialised); the
    file's ``epoch`` says which.
    """
    if isinstance(out_file, str) and not out_file:  # Path("") is ".", which it would name instead
        raise ConfigError("'': the export file's name is empty; name the .npz file to write")
    out_file = Path(out_file)
    if out_file.suffix != ".npz":
        name = " (a name before it, e.g. video.npz)" if out_file.name == ".npz" else ""
        raise ConfigError(f"{out_file}: export file must end in .npz{name}")
    if out_file.is_dir():
        raise ConfigError(f"{out_file}: is a folder; name the .npz file to write")
    if out_file.exists() and not overwrite:
        raise ConfigError(f"{out_file}: already exists (--overwrite replaces it)")
    # as for every folder nnjax writes: missing ones are made, one that cannot be refused before the run is read
    checkpoint.check_writable_folder(out_file.parent, for_file=out_file)
    cfg, params_K, epoch = load_network(run_dir, member, where="export_run", epoch=epoch)
    params = jax.device_get(unstack(params_K, 0))
    arrays = {}
    for i, layer in enumerate(params):
        arrays[f"layer{i}_W"] = np.asarray(layer["W"])
        arrays[f"layer{i}_b"] = np.asarray(layer["b"])
    arrays["activation"] = np.array(cfg.activation)
    arrays["cost"] = np.array(cfg.cost)
    arrays["standardize"] = np.array(cfg.standardize)
    arrays["epoch"] = np.array(epoch)
    arrays["activation_formula"] = np.array(FORMULAS[cfg.activation])
    arrays["pixels_formula"] = np.array(pixels_formula(cfg.standardize))
    out_file.parent.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    checkpoint.write_atomic(out_file, buf.getvalue())
    return out_file
