"""Sweeps: a grid of configs trained group by group, each group as one vmapped ensemble.

A grid (``activation=sigmoid,relu seed=0,1,2 lr=0.1,0.3``) expands to one config per combination
("member"). Members that agree on every field that changes the compiled program (``PROGRAM_FIELDS``)
form a group; a group trains as ONE ensemble: ``train.init_state`` stacks the
members' parameters and optimiser states on a leading axis K, and ``train.make_epoch`` runs one
compiled program per epoch in which every member sees the same shuffled mini-batches. The init seed
and scheme (the starting parameters), learning rate, weight decay and momentum (in the optimiser state)
differ per member as data, so they never split a group. Groups run in turn. The grid itself — parsing,
members, groups — is ``nnjax.sweep_grid``'s, the summary of the results ``nnjax.sweep_summary``'s; this
module trains the groups and keeps the sweep folder.

A sweep folder holds
  sweep.json          the base config and the grid (what ``--resume`` continues); --target, --replicates and
                      --baseline if given
  members.csv         one row per member: id, group, grid fields, parameters, final test and train accuracy,
                      best epoch, …
  metrics.jsonl       one JSON line per member per epoch (member id, grid fields, losses, accuracies)
  summary.md          the table, grouped by the grid fields other than seed (--replicates), and the plot
  accuracy.png        accuracy per epoch (mean over seeds, min–max band) and each setting's last epoch
  groups/<gid>/       group.json (its members), checkpoints/ (stacked ensemble state), result.json
"""

from __future__ import annotations

import json
import operator
import os
import statistics
import sys
import time
from collections.abc import Callable, Collection, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from nnjax.config import (
    CONFIG_FORMAT,
    FIELD_NAMES,
    NEUTRAL,
    Config,
    changed_result_fields,
    finite_or_null,
    from_dict,
    is_index,
    is_integer,
    is_integer_list,
    is_number,
    result_fields,
    short_float,
    typed,
    validate,
    without_unused,
)
from nnjax.errors import CheckpointError, ConfigError, NnjaxError
from nnjax.memory import check_memory
from nnjax.sweep_grid import (
    DEFAULT_REPLICATES,
    GROUP_FIELDS,
    baseline_text,
    check_baseline,
    check_replicates,
    expand,
    field_values,
    format_value,
    grid_fields,
    grid_json,
    grid_text,
    group,
    ignored_by,
    item_fields,
    json_value,
    member_name,
    normalize_grid,
    selection_fields,
    unused_by_every,
)
from nnjax.sweep_summary import SPLIT_NAMES, SUMMARY_FILES, write_summary
from nnjax.target import check_target, target_percent

if TYPE_CHECKING:
    from nnjax.data import Splits
    from nnjax.model import Params

SWEEPS_DIR = Path("sweeps")
SWEEP_FORMAT = 1
SWEEP_KEYS = {"group": str, "member": int, "epoch": int}  # in every line of a sweep's metrics.jsonl


# --------------------------------------------------------------------------------------------------
# Sweep folder
# --------------------------------------------------------------------------------------------------


def default_sweep_dir(base: Config) -> Path:
    """``sweeps/<config name>-<date-time>``, created empty (``-2``, ``-3``, … if taken)."""
    from nnjax import checkpoint

    return checkpoint.default_folder(SWEEPS_DIR, base.name, time.strftime("%Y%m%d-%H%M%S"))


def load_sweep_spec(sweep_dir: str | Path | Sequence[str | Path]) -> tuple[Config, dict[str, list]]:
    """(base config, grid) saved in a sweep folder's sweep.json; of a list of folders, those of one sweep over
    the union of their grids (``merge_specs``), as ``summarize`` summarises them."""
    dirs = _summary_dirs(sweep_dir)
    return merge_specs([(d, *_read_sweep_json(d)[2:]) for d in dirs])


# What sweep.json keeps of how a sweep's summary is made (``run_sweep``'s arguments of the same names), besides
# its base and grid: written when given, so that a --resume without them keeps them
SUMMARY_OPTIONS = ("target", "replicates", "baseline")


def load_sweep_options(sweep_dir: str | Path, on_bad: Callable[[ConfigError], None] | None = None) -> dict[str, Any]:
    """``SUMMARY_OPTIONS`` as a sweep folder's sweep.json keeps them: ``target`` (an accuracy, a fraction),
    ``replicates`` (a tuple of grid fields) and ``baseline`` (a row, ``{field: value}``), each None where the
    sweep was never given it. Those that do not read (edited by hand) are one ConfigError naming sweep.json and
    each of them, so that one edit mends them all (a baseline is not checked against replicates that do not
    read: their error names it, None with them); or, with ``on_bad``, each None, after ``on_bad(error)``
    (``nnjax viz`` draws without it)."""
    path, spec, _, grid = _read_sweep_json(sweep_dir)
    options: dict[str, Any] = {}
    problems: dict[str, str] = {}  # those that did not read, with or without on_bad
    checks = {  # in this order: the baseline's rows are told apart by the replicates read first
        "target": check_target,
        "replicates": lambda r: None if r is None else check_replicates(r, grid),
        "baseline": lambda b: (
            None if b is None else check_baseline(b, grid, options["replicates"] or DEFAULT_REPLICATES)
        ),
    }
    for name, check in checks.items():
        if name == "baseline" and "replicates" in problems:
            options[name] = None  # its rows are told apart by replicates that did not read
            continue
        try:
            options[name] = check(spec.get(name))
        except ConfigError as e:
            options[name] = None
            problems[name] = str(e)
            if name == "replicates" and spec.get("baseline") is not None:  # dropped with them: said, not silently
                stored = json.dumps(spec["baseline"])  # as sweep.json holds it
                problems[name] += f" (baseline {stored}, a row of the table they make, is not read with them)"
            if on_bad is not None:
                on_bad(ConfigError(f"{path}: {problems[name]}"))
    if problems and on_bad is None:
        raise ConfigError(f"{path}: {'; '.join(problems.values())}")
    return options


def row_replicates(
    replicates: Sequence[str] | None, sweep_dir: str | Path | Sequence[str | Path] | None = None
) -> Sequence[str]:
    """The grid fields a sweep's table rows average over: ``replicates`` where given, else those the sweep folder
    ``sweep_dir``'s sweep.json keeps (None: a new sweep; a list of folders: those they keep, ``summarize``'s), else
    ``DEFAULT_REPLICATES`` (seed)."""
    if replicates or sweep_dir is None:
        return replicates or DEFAULT_REPLICATES
    stored = _kept_option({d: load_sweep_options(d) for d in _summary_dirs(sweep_dir)}, "replicates")
    return stored or DEFAULT_REPLICATES


def _summary_kw(options: dict[str, Any]) -> dict[str, Any]:
    """``write_summary``'s keyword arguments from a sweep's ``SUMMARY_OPTIONS`` (given or kept)."""
    return {
        "target": options["target"],
        "replicates": row_replicates(options["replicates"]),
        "baseline": options["baseline"],
    }


def _read_sweep_json(sweep_dir: str | Path) -> tuple[Path, dict[str, Any], Config, dict[str, list]]:
    """(path, contents, base config, grid) of a sweep folder's sweep.json, its base and grid checked."""
    from nnjax import checkpoint

    path = Path(sweep_dir) / "sweep.json"
    if not path.exists():
        if not Path(sweep_dir).exists():
            raise CheckpointError(f"{sweep_dir}: sweep folder not found")
        raise CheckpointError(f"{sweep_dir}: not a sweep folder (no sweep.json)")
    spec = checkpoint.read_json(path)
    if not isinstance(spec, dict) or "base" not in spec or "grid" not in spec:
        raise CheckpointError(f"{path}: not an nnjax sweep file (needs 'base' and 'grid')")
    if not is_integer(spec.get("sweep_format")) or spec["sweep_format"] != SWEEP_FORMAT:
        raise CheckpointError(f"{path}: sweep_format {spec.get('sweep_format')!r} is not supported")
    if not isinstance(spec["base"], dict) or not isinstance(spec["grid"], dict):
        raise CheckpointError(f"{path}: 'base' and 'grid' must be JSON objects")
    base = dict(spec["base"])
    base.pop("config_format", None)
    base_cfg = from_dict(base, source=str(path), complete=True)
    try:  # an edited file: its grid, and every member it makes, named as this file's
        grid = normalize_grid(spec["grid"])
        expand(base_cfg, grid, new=False)
    except ConfigError as e:
        raise ConfigError(f"{path}: {e}") from None
    return path, spec, base_cfg, grid


def _drop_metrics(path: Path, drop: Callable[[dict[str, Any]], bool]) -> None:
    """Remove from sweep metrics file ``path`` the lines ``drop`` is true of, and a last line cut short by a
    kill; every other line keeps its bytes (line ends, spacing, escapes). Lines are appended next, so a last
    kept line that lost its newline gets one. A missing file is made, empty."""
    from nnjax import checkpoint
    from nnjax.run import read_numbered_metrics

    numbered = read_numbered_metrics(path, SWEEP_KEYS)  # also refuses a damaged file, naming its line
    data = path.read_bytes() if path.exists() else b""
    keep = {i for i, m in numbered if not drop(m)}
    raw = data.decode("utf-8", errors="surrogateescape").splitlines(keepends=True)  # numbered as read
    text = "".join(line for i, line in enumerate(raw, 1) if i in keep or not line.strip())
    if text and not text.endswith("\n"):
        text += "\n"
    kept = text.encode("utf-8", errors="surrogateescape")
    if not path.exists() or kept != data:
        checkpoint.write_atomic(path, kept)


# --------------------------------------------------------------------------------------------------
# Training
# --------------------------------------------------------------------------------------------------


class _Data:
    """Splits loaded once per data source and shared by the groups that use it.

    With several processes and data-parallel groups (``shard_members`` not True), each process loads
    only the rows its own devices hold (``parallel.local_rows``); split members need every row.
    """

    def __init__(self, splits=None, shard_members: bool | None = None):
        self.given = splits
        self.shard_members = shard_members
        self.cache: dict[tuple, Any] = {}

    def get(self, cfg: Config):
        import jax

        from nnjax.data import load_splits, take_train
        from nnjax.parallel import local_rows

        if self.given is not None:
            return take_train(self.given, cfg.train_size)
        # blocks of rows are read for the training images used (``train_size``); whole splits are loaded once
        blocks = jax.process_count() > 1 and self.shard_members is not True
        key = (cfg.dataset, cfg.data_dir, cfg.tfds_dir, cfg.validation, cfg.train_size if blocks else None)
        if key not in self.cache:
            self.cache[key] = load_splits(*key[:4], rows=local_rows if blocks else None, train_size=key[4])
        return take_train(self.cache[key], cfg.train_size)


def _state_tree(state, cfg: Config, epoch: int, diverged_K) -> dict[str, Any]:
    """A single run's checkpoint (``run.state_tree``) plus which members have diverged."""
    from nnjax.run import state_tree

    return {**state_tree(state, cfg, epoch), "diverged": diverged_K}


def _run_group(
    gid: str,
    members: list[tuple[int, Config]],
    grid_fields: list[str],
    splits,
    sweep_dir: Path,
    *,
    resume: bool,
    progress: bool,
    shard: bool | None,
    label: str,
) -> tuple[dict[str, Any], bool]:
    """Train one group as an ensemble (or continue it from its newest checkpoint); returns its result and
    whether this call trained it (False: it had finished)."""
    import jax

    from nnjax import checkpoint
    from nnjax.run import (
        DIVERGENCE_METRICS,
        check_data_key,
        divergence_cause,
        line_metrics,
        read_metrics,
        train_epochs,
        warn_listed_epochs_lost,
    )
    from nnjax.train import compile_ensemble, evaluate_split, init_state, unstack

    gdir = sweep_dir / "groups" / gid
    ckpt_dir = gdir / "checkpoints"
    result_path = gdir / "result.json"
    metrics_path = sweep_dir / "metrics.jsonl"
    configs = [c for _, c in members]
    ids = [i for i, _ in members]
    cfg0, k = configs[0], len(configs)

    if resume:
        done, why = _finished_group(gdir, ids, cfg0.epochs)
        if done is not None:  # finished before the interruption: nothing to train
            _repair_group_info(gdir, ids, configs)
            return done, False
        if why is not None:
            print(f"nnjax: warning: {gdir} had finished, but {why}; training it again", file=sys.stderr)

    placement, known = _group_placement(gdir, k, shard, resume)  # checked before anything compiles

    n_train = splits.n_train
    state = init_state(configs, n_train)
    # Each member's start, recorded in every checkpoint: its epoch 0, regenerated from its config, is checked
    # against it (``load_member``)
    started = [checkpoint.fingerprint(unstack(state.params, j)) for j in range(k)]
    diverged_K = np.zeros(k, np.int32)  # epoch at which each member first diverged; 0 = never
    # Each untrained member's loss: the yardstick of a loss explosion, as for single runs.
    n_ref = min(n_train, splits.n_test)
    init_loss_K, _ = evaluate_split(cfg0, state.params, splits, "train", n_ref)
    start = 0
    if resume:
        try:
            found = checkpoint.restore_latest(ckpt_dir, _state_tree(state, cfg0, 0, diverged_K))
        except CheckpointError as e:
            raise CheckpointError(f"{e} (delete {ckpt_dir} to train group {gid} again from the start)") from None
        if found is not None:
            start, tree, meta = found
            check_data_key(tree, cfg0, start, checkpoint.checkpoint_path(ckpt_dir, start))
            state, diverged_K = tree["train"], np.array(tree["diverged"], np.int32)
            # as recorded when it started (none in a checkpoint of an nnjax before the record: left unrecorded)
            got = meta.get("start_sha256")
            started = got if isinstance(got, list) and len(got) == k else None

    recorded = placement if start == 0 or known else None  # the placement of every epoch trained, if known
    # Split over several devices, the members are padded with copies of member 0 to an even split;
    # the copies train along and are dropped from every checkpoint, metric and result. From its last epoch's
    # checkpoint (its result.json missing or damaged) a group is finished again with no epoch to train: placed,
    # not compiled.
    last = start == cfg0.epochs
    compiled, state, data, compile_s, how, _ = compile_ensemble(cfg0, splits, state, start, shard, place_only=last)
    gdir.mkdir(parents=True, exist_ok=True)
    if resume:
        checkpoint.set_aside_newer(ckpt_dir, start)
        warn_listed_epochs_lost(cfg0, ckpt_dir, start, gdir)
        checkpoint.warn_renamed(ckpt_dir, start, cfg0.epochs)
    _write_group_info(gdir, ids, configs, recorded)
    # Lines past the checkpoint were trained again below: drop them so no epoch appears twice.
    _drop_metrics(metrics_path, lambda m: m["group"] == gid and m["epoch"] > start)

    split = splits.eval_split

    def record(epoch, m_K, epoch_s):  # a member that diverges trains on: its epoch is noted, not raised
        m = {name: np.asarray(v)[:k] for name, v in m_K.items()}
        bad_K = np.array(
            [
                divergence_cause({f: m[f][j] for f in DIVERGENCE_METRICS}, float(init_loss_K[j])) is not None
                for j in range(k)
            ]
        )
        diverged_K[bad_K & (diverged_K == 0)] = epoch  # in place: each checkpoint's ``tree`` reads it
        lines = [
            {
                "member": mid,
                "group": gid,
                **{f: json_value(getattr(cfg, f)) for f in grid_fields},
                "epoch": epoch,
                **{k: finite_or_null(short_float(v[j])) for k, v in line_metrics(m, split).items()},
                "finite": bool(m["finite"][j]),
                "epoch_s": round(epoch_s, 4),
            }
            for j, (mid, cfg) in enumerate(members)
        ]
        ok = diverged_K == 0
        if not ok.any():
            return lines, None
        # over the group's members, whose settings may differ (lr=0.01 and 0.001): named a mean
        mean = float(np.mean(m["eval_accuracy"][ok]))
        return lines, {f"mean_{split}_acc": f"{mean:.4f}", "diverged": int((~ok).sum())}

    state = train_epochs(
        cfg0,
        compiled,
        state,
        data,
        start,
        desc=label,
        progress=progress,
        metrics_path=metrics_path,
        record=record,
        ckpt_dir=ckpt_dir,
        tree=lambda state, epoch: _state_tree(_first(state, k), cfg0, epoch, diverged_K),
        meta={
            "group": gid,
            "members": ids,
            "configs": [result_fields(c) for c in configs],
            **({"start_sha256": started} if started is not None else {}),
        },
    )

    test_loss_K, test_acc_K = evaluate_split(cfg0, _first(state.params, k), splits, "test")
    # the final parameters on every image they trained on (the running mean over the last epoch's mini-batches
    # lags them): beside the test accuracy, it tells overfitting from underfitting
    _, train_acc_K = evaluate_split(cfg0, _first(state.params, k), splits, "train")
    inert = _member_inert(configs, _first(state.params, k), splits, diverged_K)
    group_lines = [m for m in read_metrics(metrics_path, SWEEP_KEYS, missing_ok=False) if m["group"] == gid]
    epoch_times = [m["epoch_s"] for m in group_lines if m["member"] == ids[0]]
    result = {
        "group": gid,
        "members": ids,
        "k": k,
        "eval_split": split,
        "test_accuracy": [None if d else finite_or_null(short_float(a)) for a, d in zip(test_acc_K, diverged_K)],
        "test_loss": [None if d else finite_or_null(short_float(x)) for x, d in zip(test_loss_K, diverged_K)],
        "train_set_accuracy": [None if d else finite_or_null(short_float(a)) for a, d in zip(train_acc_K, diverged_K)],
        "diverged_epoch": [int(d) or None for d in diverged_K],
        "compile_s": round(compile_s, 3),
        # True: JAX loaded the program from its persistent compilation cache (absent before nnjax said it)
        "compile_cached": how == "cached",
        # True: finished again from its last epoch's checkpoint, no program compiled, compile_s 0 (absent before)
        "compile_skipped": how == "skipped",
        "train_s": round(sum(epoch_times), 3),
        "epoch_s_median": round(statistics.median(epoch_times), 4) if epoch_times else None,
        "device": str(jax.devices()[0].device_kind),
        "n_devices": placement["n_devices"],
        "split": placement["split"],
        "inert": inert,
    }
    checkpoint.write_json(result_path, result)
    return result, True


def _member_inert(configs: list[Config], params_K: Any, splits, diverged_K: np.ndarray) -> list[list[int] | None]:
    """Each member's inert neurons per hidden layer (``viz.inert_counts`` on the test split, the images
    ``nnjax viz SWEEP_DIR --member N`` counts them on); None for a member that diverged, and for every member
    where this process holds only a block of the test split (several processes), which would count on part
    of it."""
    import jax

    from nnjax.train import unstack
    from nnjax.viz import inert_counts

    if splits.is_block:
        return [None] * len(configs)
    params_K = jax.device_get(params_K)  # NumPy, as viz reads a member: the same program, wherever it trained
    return [
        None if gone else inert_counts(unstack(params_K, j), cfg, np.asarray(splits.x_test))
        for j, (cfg, gone) in enumerate(zip(configs, diverged_K))
    ]


# What a group's result.json must hold (sweep_summary.write_summary reads them): name → type, or the length-K lists.
GROUP_RESULT_KEYS = {"group": str, "eval_split": str, "device": str, "n_devices": int, "split": str, "k": int}
GROUP_RESULT_LISTS = ("test_accuracy", "test_loss", "diverged_epoch")


def _group_result(path: Path, ids: list[int]) -> dict[str, Any] | None:
    """A group's result.json, or None when it is missing, damaged or not of these members."""
    try:
        done = json.loads(path.read_text())
    except (OSError, ValueError, RecursionError):
        return None
    ok = (
        isinstance(done, dict)
        and is_integer_list(done.get("members"))
        and done["members"] == ids
        and all(type(done.get(k)) is t for k, t in GROUP_RESULT_KEYS.items())
        and done["eval_split"] in SPLIT_NAMES
        and all(isinstance(done.get(k), list) and len(done[k]) == len(ids) for k in GROUP_RESULT_LISTS)
        and all(v is None or is_number(v) for k in ("test_accuracy", "test_loss") for v in done[k])
        and all(v is None or (is_integer(v) and v > 0) for v in done["diverged_epoch"])
        and all(is_number(done.get(k)) for k in ("train_s", "compile_s"))
        # the compilation total counts the groups that say True (absent from an older nnjax's: False)
        and all(type(done.get(k, False)) is bool for k in ("compile_cached", "compile_skipped"))
        # newer fields, absent from an older nnjax's: each well formed where present
        and (done.get("epoch_s_median") is None or is_number(done["epoch_s_median"]))
        and ("inert" not in done or _inert_list(done["inert"], len(ids)))
        and ("train_set_accuracy" not in done or _number_list(done["train_set_accuracy"], len(ids)))
    )
    return done if ok else None


def _inert_list(inert: Any, k: int) -> bool:
    """Whether a result.json's ``inert`` is one entry per member of ``k``: null, or a count per hidden layer."""
    return (
        isinstance(inert, list)
        and len(inert) == k
        and all(m is None or (is_integer_list(m) and all(n >= 0 for n in m)) for m in inert)
    )


def _number_list(values: Any, k: int) -> bool:
    """Whether a result.json's list (``train_set_accuracy``) is one entry per member of ``k``: null or a number."""
    return isinstance(values, list) and len(values) == k and all(v is None or is_number(v) for v in values)


def _finished_group(gdir: Path, ids: list[int], epochs: int) -> tuple[dict[str, Any] | None, str | None]:
    """(its result, None) for a group that finished; (None, why not) for one whose result.json says it
    finished but whose final checkpoint is missing or damaged; (None, None) otherwise (no result, or a
    damaged one: the group is finished again from its checkpoints)."""
    from nnjax import checkpoint

    done = _group_result(gdir / "result.json", ids)
    if done is None:
        return None, None
    ckpt_dir = gdir / "checkpoints"
    final = checkpoint.list_checkpoints(ckpt_dir)[-1:]
    try:  # its final parameters are what eval/viz/export read: a damaged file is trained again
        if not final or final[0][0] != epochs:
            raise CheckpointError(f"{ckpt_dir}: no checkpoint of its last epoch ({epochs})")
        checkpoint.read(final[0][1])  # also one renamed from another epoch's
    except (CheckpointError, OSError) as e:
        return None, str(e)
    return done, None


def _write_group_info(gdir: Path, ids: list[int], configs: list[Config], placement: Any) -> None:
    """A group's group.json: its members and their configs (each field a member does not use recorded as
    none, as a run's config.json: momentum 0 for sgd) and how it was placed (None: unknown)."""
    from nnjax import checkpoint

    configs_json = [without_unused(c).to_dict() for c in configs]
    checkpoint.write_json(
        gdir / "group.json", {"group": gdir.name, "members": ids, "configs": configs_json, "placement": placement}
    )


def _group_info_damage(gdir: Path, ids: list[int], configs: list[Config]) -> str | None:
    """Why a group's group.json is not what ``load_member`` reads as these members trained with these
    configs (missing, not JSON, not a group file, a config that does not load or that differs from the
    sweep's in a field that changes results); None when it is."""
    path = gdir / "group.json"
    try:
        info = json.loads(path.read_text())
    except (OSError, ValueError, RecursionError):
        return "missing or not valid JSON"
    if (
        not isinstance(info, dict)
        or not is_integer_list(info.get("members"))
        or info["members"] != ids
        or not isinstance(info.get("configs"), list)
    ):
        return "not an nnjax group file of these members"
    if len(info["configs"]) != len(ids):
        return f"{len(info['configs'])} configs for {len(ids)} members"
    for mid, saved, cfg in zip(ids, info["configs"], configs):
        try:
            loaded = validate(from_dict(saved, source=str(path), complete=True), new=False)
        except ConfigError as e:
            return f"member {mid}'s config does not load ({str(e).removeprefix(f'{path}: ')})"
        old, now = result_fields(loaded), result_fields(cfg)
        if old != now:
            f = next(f for f in {**now, **old} if old.get(f) != now.get(f))
            return f"member {mid}'s config says {f}={old.get(f)!r}, but it trained with {f}={now.get(f)!r}"
    return None


def _repair_group_info(gdir: Path, ids: list[int], configs: list[Config]) -> None:
    """Write a finished group's group.json again when it is damaged (``_group_info_damage``), from what the
    sweep knows, as a resume writes an unfinished group's: its members and their configs from sweep.json,
    which the resume checks found to match its result.json, final checkpoint and metrics lines. Its
    placement is then unknown (null, as from an older nnjax: never guessed). Says so in one warning."""

    why = _group_info_damage(gdir, ids, configs)
    if why is None:
        return
    _write_group_info(gdir, ids, configs, None)
    print(
        f"nnjax: warning: {gdir / 'group.json'}: {why}; written again from sweep.json "
        "(the group's result, final checkpoint and metrics are intact)",
        file=sys.stderr,
    )


def _group_placement(gdir: Path, k: int, shard: bool | None, resume: bool) -> tuple[dict[str, Any], bool]:
    """(how a group of ``k`` members is placed now, whether its saved placement is known).

    A group continued from a checkpoint must keep its placement: on another one the members would round
    differently (ConfigError). A group.json without one (older nnjax) is not guessed.
    """
    from nnjax import checkpoint
    from nnjax.train import ensemble_placement

    _, placement = ensemble_placement(k, shard)
    started = resume and checkpoint.list_checkpoints(gdir / "checkpoints")
    saved = _saved_group_info(gdir).get("placement") if started else None
    known = isinstance(saved, dict) and set(saved) == set(placement)
    if known and not _same_placement(saved, placement):
        raise ConfigError(
            f"{gdir}: trained with {_placement_text(saved, k)}, and resuming with "
            f"{_placement_text(placement, k)} would change its results; resume it with the same "
            "--shard-members/--no-shard-members and as many devices (from Python: shard_members=, and on a CPU "
            "nnjax.parallel.split_cpu_cores() first, as nnjax sweep calls it)"
        )
    return placement, known


def _same_placement(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Whether two placements (``train.compile_ensemble``'s) run the same program: on one device the split
    is moot."""
    if a["n_devices"] == b["n_devices"] == 1:
        return a["k_run"] == b["k_run"]
    return a == b


def _placement_text(placement: dict[str, Any], k: int) -> str:
    """``its 5 members split over 2 devices (padded to 6)``, ``each mini-batch split over 8 devices``,
    ``one device``."""
    n = placement["n_devices"]
    if n == 1:
        return "one device"
    if placement["split"] == "members":
        pad = f" (padded to {placement['k_run']})" if placement["k_run"] > k else ""
        return f"its {k} members split over {n} devices{pad}"
    return f"each mini-batch split over {n} devices"


def _first(tree: Any, k: int) -> Any:
    """The first ``k`` members of a stacked pytree (drops the padding copies); ``tree`` itself, not a copy of
    it, when it has no padding."""
    import jax

    leaves = jax.tree_util.tree_leaves(tree)
    if all(x.shape[0] == k for x in leaves):
        return tree
    return jax.tree_util.tree_map(lambda x: x[:k], tree)


def resolve_member(sweep_dir: str | Path, member: Any) -> Any:
    """The number of the one member of a sweep folder that ``member`` names by its config values, as text
    ``FIELD=VALUE[,FIELD=VALUE..]`` (``"activation=relu,seed=1"``; each value parsed as ``--grid`` parses it, so
    ``lr=0.01`` is 0.01 and ``standardize=true`` a bool, and a list either way, ``hidden=32x32`` or
    ``hidden=32,32``: ``sweep_grid.selection_fields``; either field of a linked grid item, or both). Anything
    else (a member number, None) is returned as given, as is text when ``sweep_dir`` holds no sweep.json
    (``load_member`` says what is wrong with either). A ConfigError in one line, naming the folder and the
    selection, when no member matches (with the values its members have of the fields named), when several
    do (how many, and the fields that still tell them apart, with their values), or for a field that is not
    a config field."""
    if not isinstance(member, str) or "=" not in member or not (Path(sweep_dir) / "sweep.json").is_file():
        return member
    _, _, base, grid = _read_sweep_json(sweep_dir)
    members = expand(base, grid, new=False)
    fields = grid_fields(grid)
    try:  # compared, and named, as the table shows
        wanted = {
            f: format_value(v)
            for f, v in selection_fields(member, "activation=relu,seed=1 or hidden=16x16", fields).items()
        }
    except ConfigError as e:
        raise ConfigError(f"{sweep_dir}: member {member}: {e}") from None
    found = [i for i, c in enumerate(members) if all(format_value(getattr(c, f)) == v for f, v in wanted.items())]
    if len(found) == 1:
        return found[0]

    def values(ids: Sequence[int], f: str) -> list[str]:  # a field's values among these members, in member order
        return list(dict.fromkeys(format_value(getattr(members[i], f)) for i in ids))

    everyone = range(len(members))
    if not found:
        has = "; ".join(f"{f} {', '.join(values(everyone, f))}" for f in wanted)
        apart = all(v in values(everyone, f) for f, v in wanted.items())
        together = " (each value is some member's, but no member has them all)" if apart else ""
        raise ConfigError(f"{sweep_dir}: no member matches {member}: its members have {has}{together}")
    # what still tells them apart: per grid item (either field of a linked one), then any other field
    items = [item_fields(k) for k in grid] + [(f,) for f in FIELD_NAMES if f not in fields and f != "name"]
    vary = [[f for f in item if len(values(found, f)) > 1] for item in items]
    add = ", ".join(" or ".join(f"{f}= ({', '.join(values(found, f))})" for f in item) for item in vary if item)
    ids = ", ".join(map(str, found[:10])) + (", …" if len(found) > 10 else "")
    raise ConfigError(f"{sweep_dir}: {len(found)} members match {member} (members {ids}): add {add}")


def load_member(sweep_dir: str | Path, member: int | str, epoch: int | None = None) -> tuple[Config, Params, int]:
    """(config, parameters stacked as an ensemble of one, epoch) of one sweep member, from its group's
    newest checkpoint: the same shape ``run.load_run`` returns, so a member can be viewed like a run
    (``nnjax viz SWEEP_DIR --member N``). ``member`` must be an integer (a bool or float is refused: True
    was read as member 1), or text naming one member by its config values (``"activation=relu,seed=1"``:
    ``resolve_member``). ``epoch``: the parameters after that epoch instead: 0 is the member as initialised
    (regenerated from its config, and checked against the start its group's checkpoints record; a member of a
    group not started yet, from sweep.json's config, unchecked: nothing records its start), another epoch
    needs its group's checkpoint of it kept (a CheckpointError names the epochs kept)."""
    import jax

    from nnjax import checkpoint
    from nnjax.run import check_epoch_arg, check_epoch_trained, check_start, folder_path, keep_more
    from nnjax.train import init_state, initial_params, unstack

    check_epoch_arg(epoch)
    epoch = None if epoch is None else int(epoch)  # a NumPy integer too

    sweep_dir = folder_path(sweep_dir, "load_member", "sweep_dir")
    member = resolve_member(sweep_dir, member)
    if not is_index(member):
        raise ConfigError(
            f"member={member!r}: expected a member number, an int as in members.csv's member column, or its config "
            "values as text, e.g. 'activation=relu,seed=1'"
        )
    member = operator.index(member)
    if not (sweep_dir / "sweep.json").is_file():
        if not sweep_dir.exists():
            raise CheckpointError(f"{sweep_dir}: sweep folder not found")
        run = (sweep_dir / "config.json").is_file()
        what = "a run folder (load it with nnjax.run.load_run)" if run else "not a sweep folder"
        raise CheckpointError(f"{sweep_dir}: {what}, no sweep.json")
    seen: list[int] = []  # every member of the groups read, to name them if ``member`` is not one
    for gdir in group_dirs(sweep_dir):
        if not any((gdir / name).exists() for name in ("group.json", "checkpoints", "result.json")):
            continue  # holds nothing of a group (made by hand, or a group's that was emptied)
        try:
            info = json.loads((gdir / "group.json").read_text())
        except (OSError, ValueError, RecursionError):
            raise CheckpointError(
                f"{gdir / 'group.json'}: missing or not valid JSON (nnjax sweep --resume {sweep_dir} writes it again)"
            ) from None
        if (
            not isinstance(info, dict)
            or not is_integer_list(info.get("members"))
            or not isinstance(info.get("configs"), list)
            or len(info["members"]) != len(info["configs"])
        ):
            raise CheckpointError(
                f"{gdir / 'group.json'}: not an nnjax group file (needs 'members', a list of member numbers, and "
                f"'configs', one per member; nnjax sweep --resume {sweep_dir} writes it again)"
            )
        if member not in info["members"]:
            seen += info["members"]
            continue
        source = str(gdir / "group.json")
        configs = [
            validate(from_dict(c, source=source, complete=True), new=False, source=source) for c in info["configs"]
        ]
        ckpt_dir = gdir / "checkpoints"
        if epoch != 0 and not checkpoint.list_checkpoints(ckpt_dir):
            raise CheckpointError(f"{gdir}: no checkpoint of member {member} yet")
        j = info["members"].index(member)
        rewrite = f"(edited or damaged? delete it and run nnjax sweep --resume {sweep_dir} to write it again)"
        try:  # shapes only: any n_train that holds one batch gives the same state layout
            state = init_state(configs, configs[0].batch_size)
        except ConfigError as e:  # members that no ensemble could hold (one edited to another activation)
            raise CheckpointError(f"{source}: {e} {rewrite}") from None
        target = _state_tree(state, configs[0], 0, np.zeros(len(configs), np.int32))
        if epoch == 0:  # regenerated, as its group's checkpoints (the newest that reads) record it
            metas = checkpoint.readable_metas(ckpt_dir)
            if metas and (why := _disagrees(info, configs, j, metas[0][1])):
                raise CheckpointError(f"{source}: {why} {rewrite}")
            params_1 = initial_params([configs[j]])
            recorded = next((m["start_sha256"] for _, m in metas if isinstance(m.get("start_sha256"), list)), None)
            if recorded is not None and len(recorded) == len(configs):
                check_start(params_1, recorded[j], f"{sweep_dir} member {member}")
            return configs[j], params_1, 0
        mend = f"nnjax sweep --resume {sweep_dir} goes back to the newest checkpoint that loads and trains on from it"
        if epoch is not None:
            whose = f"{sweep_dir} member {member}"
            check_epoch_trained(epoch, configs[j], whose)
            found = checkpoint.restore_epoch(ckpt_dir, epoch, target, whose, keep_more(configs[j], epoch))
        else:
            found = checkpoint.restore_newest(ckpt_dir, target, str(gdir), mend)
        if found is None:
            raise CheckpointError(f"{gdir}: no checkpoint of member {member} yet")
        at, tree, meta = found
        if why := _disagrees(info, configs, j, meta):  # an edited group.json would give another member's numbers
            raise CheckpointError(f"{source}: {why} {rewrite}")
        diverged = int(np.asarray(tree["diverged"])[j])
        if diverged:  # it trained on inside its ensemble: say so wherever it is used
            print(
                f"nnjax: warning: sweep member {member} diverged at epoch {diverged}; these are its epoch-{at} "
                "parameters, not from before the divergence",
                file=sys.stderr,
            )
        params_1 = jax.tree_util.tree_map(lambda x: x[None], unstack(tree["train"].params, j))
        return configs[j], params_1, at
    try:  # the sweep's members, also those of groups not started yet
        members = expand(*load_sweep_spec(sweep_dir), new=False)
    except NnjaxError:
        members = []
    n = len(members) if members else max(seen, default=-1) + 1
    if epoch == 0 and 0 <= member < len(members):  # regenerated from sweep.json's config, as group.json will say it
        cfg = without_unused(members[member])  # unchecked: no checkpoint records its start yet (as a run's)
        return cfg, initial_params([cfg]), 0
    if 0 <= member < n:
        raise CheckpointError(f"{sweep_dir}: member {member} is not trained yet (its group has not started)")
    which = f" (its members: 0–{n - 1}, as in members.csv)" if n else ""
    raise CheckpointError(f"{sweep_dir}: no member {member} in this sweep folder{which}")


def _disagrees(info: dict[str, Any], configs: list[Config], j: int, meta: Any) -> str | None:
    """Why a group.json (``info``, its ``configs``) does not describe member ``j`` of the checkpoint whose
    ``meta`` (members and result fields, as the group trained) was read; None when it does or the
    checkpoint records neither."""
    if not isinstance(meta, dict) or not isinstance(meta.get("members"), list):
        return None
    if meta["members"] != info["members"]:
        return f"lists members {info['members']}, but its checkpoint holds members {meta['members']}"
    saved = meta.get("configs")
    if not isinstance(saved, list) or len(saved) != len(configs):
        return None
    if changed := _trained_otherwise(saved[j], configs[j]):
        f, was, now = changed
        return f"says member {info['members'][j]} has {f}={now!r}, but it trained with {f}={was!r}"
    return None


def _trained_otherwise(saved: Any, cfg: Config) -> tuple[str, Any, Any] | None:
    """(field, value trained with, ``cfg``'s value) of the first result field in which ``cfg`` differs from
    ``saved`` (a checkpoint's record of a member's ``result_fields``; a field it lacks is not compared);
    None when none does or nothing is recorded."""
    if not isinstance(saved, dict):
        return None
    return next(((f, old, new) for f, (old, new) in changed_result_fields(saved, cfg).items()), None)


def group_id(index: int) -> str:
    """The name of a sweep's group ``index`` (0-based), its folder under ``groups/``: g00, g01, …, g100."""
    return f"g{index:02d}"


def group_dirs(sweep_dir: str | Path) -> list[Path]:
    """The group folders of a sweep folder, in group order: the folders under ``groups/`` named as nnjax names
    them (g00, g01, …). Anything else there (a notes file, a copy such as g00.bak, a tmp/ folder) is not
    nnjax's and is left alone."""
    folder = Path(sweep_dir) / "groups"
    if not folder.is_dir():
        return []
    found = []
    for path in folder.iterdir():
        digits = path.name[1:]
        if digits.isascii() and digits.isdigit() and path.name == group_id(int(digits)) and path.is_dir():
            found.append((int(digits), path))
    return [path for _, path in sorted(found)]


def diverged_epochs(sweep_dir: str | Path, members: Collection[int] | None = None) -> dict[int, int]:
    """Member → the epoch it diverged at, for every member known to have diverged: from each finished
    group's result.json, else from its newest checkpoint that reads (a group still training). Groups
    without either are left out. ``members``: only the groups holding one of these are read (``nnjax viz
    --member N`` needs one group's, not every group's checkpoint decoded)."""
    out = {}
    for gdir in group_dirs(sweep_dir):
        ids = _saved_group_info(gdir).get("members")
        if not isinstance(ids, list) or (members is not None and not any(m in ids for m in members)):
            continue
        done = _group_result(gdir / "result.json", ids)
        if done is not None:
            epochs = done["diverged_epoch"]
        else:
            try:
                newest = _newest_decodable(gdir / "checkpoints", gdir.name)
                epochs = (
                    [] if newest is None else [int(d) for d in np.asarray(newest[1]["state"]["diverged"])[: len(ids)]]
                )
            except (CheckpointError, KeyError, TypeError, ValueError):  # none reads, or not a group's state
                epochs = []
        out.update({mid: int(d) for mid, d in zip(ids, epochs) if d})
    return out


def diverged_by(sweep_dir: str | Path, member: int, epoch: int) -> int | None:
    """The epoch ``member`` diverged at, if its parameters after ``epoch`` are from it on (trained past the
    divergence inside its ensemble: no result of its config); None if it had not diverged by ``epoch``. Reads
    only the member's group (``diverged_epochs``)."""
    gone = diverged_epochs(sweep_dir, [member]).get(member)
    return gone if gone is not None and gone <= epoch else None


def _saved_group_info(gdir: Path) -> dict[str, Any]:
    """A group folder's group.json as written, or {} when it is missing or damaged (a resume writes it again)."""
    try:
        info = json.loads((gdir / "group.json").read_text())
    except (OSError, ValueError, RecursionError):
        return {}
    return info if isinstance(info, dict) else {}


def _newest_decodable(ckpt_dir: Path, gid: str) -> tuple[int, dict[str, Any]] | None:
    """(epoch, decoded body: "meta", "state", …) of the newest checkpoint of a group that reads back whole
    and holds the epoch its name says (``checkpoint.read``);
    None without checkpoints; CheckpointError when there are some and none reads (what resuming the group
    would meet)."""
    from nnjax import checkpoint

    found = checkpoint.list_checkpoints(ckpt_dir)
    errors = []
    for epoch, path in reversed(found):
        try:
            payload = checkpoint.read(path)
        except (CheckpointError, OSError) as e:
            errors.append(str(e))
            continue
        return epoch, payload
    if errors:
        raise CheckpointError(
            f"no checkpoint loads of the {len(errors)} in {ckpt_dir}; the newest: {errors[0]} "
            f"(delete {ckpt_dir} to train group {gid} again from the start)"
        )
    return None


def _check_resume_groups(sweep_dir: Path, groups: list[list[tuple[int, Config]]], shard: bool | None) -> None:
    """What a resumed sweep checks before any group trains, so that a bad group fails in one line before
    the groups ahead of it are trained again:

    - each group folder holds the members this grid puts in that group (a sweep grouped otherwise, e.g.
      by an nnjax that split groups by init scheme, is not continued), trained with the configs the
      grid now gives them (an edited sweep.json, or grid fields in another order, would label one
      member's results with another's values);
    - every line of metrics.jsonl has an accuracy and an epoch time, and each member's lines are its
      epochs 1, 2, … up to the group's newest checkpoint (all its epochs when the group finished): the
      summary's best epochs and times are read from them;
    - a group with checkpoints has one that reads back whole, and an unfinished one keeps its placement
      (``_group_placement``; a finished group never trains again).

    A group.json that is damaged (not JSON, no list of members) is no reason to refuse: the resume writes
    an unfinished group's again as it trains it, and a finished group's from sweep.json
    (``_repair_group_info``) once these checks have passed.
    """
    from nnjax.run import epochs_by_member

    metrics_path = sweep_dir / "metrics.jsonl"
    epochs_of = epochs_by_member(_read_summary_metrics(metrics_path, bool(groups) and groups[0][0][1].validation))
    planned = {group_id(gi): g for gi, g in enumerate(groups)}
    for path in [sweep_dir / "groups", *(sweep_dir / "groups" / gid for gid in planned)]:
        if path.exists() and not path.is_dir():  # the resume makes its group folders there
            raise CheckpointError(f"{path}: is a file, not the sweep's {path.name} folder; move it elsewhere")
    for gdir in group_dirs(sweep_dir):
        members = planned.get(gdir.name, [])
        ids = [i for i, _ in members]
        # {} when missing or damaged, as is one without a list of member numbers: written again by the resume
        info = _saved_group_info(gdir)
        saved_ids = info.get("members") if is_integer_list(info.get("members")) else None  # else damaged
        if info and not members:
            made = group_id(0) if len(planned) == 1 else f"{group_id(0)} to {group_id(len(planned) - 1)}"
            raise CheckpointError(
                f"{gdir / 'group.json'}: holds members {info.get('members')}, but this grid makes no group "
                f"{gdir.name} (only {made}): the sweep was started by another version of nnjax, or the folder was "
                f"put there by hand (move it out of {sweep_dir / 'groups'} to continue)"
            )
        if info and saved_ids is not None and saved_ids != ids:
            raise CheckpointError(
                f"{gdir / 'group.json'}: holds members {info.get('members')}, but this grid groups members "
                f"{ids} there (the sweep was started by another version of nnjax); start a new sweep"
            )
        if not members:
            continue
        epochs = members[0][1].epochs
        done, _ = _finished_group(gdir, ids, epochs)
        if done is None:
            _group_placement(gdir, len(ids), shard, resume=True)
        newest = _newest_decodable(gdir / "checkpoints", gdir.name)
        meta = (newest[1].get("meta") or {}) if newest is not None else {}
        if isinstance(meta.get("configs"), list):
            for (mid, cfg), saved in zip(members, meta["configs"]):
                if changed := _trained_otherwise(saved, cfg):
                    f, was, now = changed
                    raise CheckpointError(
                        f"{gdir}: member {mid} was trained with {f}={was!r}, but the sweep now gives it "
                        f"{f}={now!r} (sweep.json edited, or the grid's fields in another order?); start a new sweep"
                    )
        need = epochs if done is not None else (newest[0] if newest is not None else 0)
        why = f"group {gdir.name} finished" if done is not None else f"{gdir.name}'s checkpoint is after"
        _check_member_lines(metrics_path, epochs_of, ids, need, why)


def _read_summary_metrics(metrics_path: Path, validation: bool) -> list[tuple[int, dict[str, Any]]]:
    """The numbered lines of a sweep's metrics.jsonl (``run.read_numbered_metrics``), each checked for what the
    summary reads of it: the accuracy on the split the members evaluated each epoch (``validation``: "val") and
    the epoch time; CheckpointError naming the file and line otherwise, or the file where it is missing though a
    group trained (made with sweep.json, it is missing legitimately only where no group has started)."""
    from nnjax.run import read_numbered_metrics

    if not metrics_path.exists() and (trained := group_dirs(metrics_path.parent)):
        raise CheckpointError(
            f"{metrics_path}: not found, though group {trained[0].name} trained and wrote its lines there (moved or "
            "deleted? every member's epochs are read from it: put it back, or start a new sweep)"
        )
    split = "val" if validation else "test"
    numbers = {f"{split}_accuracy": (float, int, type(None)), "epoch_s": (float, int)}
    return read_numbered_metrics(metrics_path, {**SWEEP_KEYS, **numbers})


def _check_member_lines(
    metrics_path: Path, epochs_of: dict[int, list[tuple[int, int]]], ids: list[int], need: int, why: str
) -> None:
    """CheckpointError naming ``metrics_path`` unless the lines (``run.epochs_by_member``) of each member in
    ``ids`` up to epoch ``need`` are its epochs 1 to ``need`` in order; ``why`` they must be there ("group g00
    finished"). Lines past ``need`` (trained after a checkpoint, then interrupted) are not counted."""
    from nnjax.run import epochs_out_of_place

    for mid in ids:
        wrong = epochs_out_of_place([(e, n) for e, n in epochs_of.get(mid, []) if e <= need], need, mid)
        if wrong is not None:
            raise CheckpointError(
                f"{metrics_path}: {wrong}; {why} epoch {need}, so member {mid}'s lines up to it must be its "
                f"epochs 1 to {need} in order (lines missing or repeated: edited or damaged?)"
            )


def _check_resume_spec(sweep_dir: Path, base: Config, grid: dict[str, list], configs: Sequence[Config]) -> None:
    """ConfigError unless ``base`` × ``grid`` (whose members are ``configs``) is the saved sweep's, but for
    fields that change no result."""
    saved_base, saved_grid = load_sweep_spec(sweep_dir)
    if saved_grid != grid:
        raise ConfigError(
            f"{sweep_dir}: --resume with a different grid than the sweep was started with ({grid_text(saved_grid)})"
        )
    if list(saved_grid) != list(grid):  # the order numbers the members: another one relabels their results
        raise ConfigError(
            f"{sweep_dir}: --resume with the grid's fields in another order than the sweep was started with "
            f"({', '.join(saved_grid)}): that numbers the members differently"
        )
    # member by member: a field the base itself does not use (warmup_epochs with schedule cosine) or an init
    # that resolves alike for the base's activation can still change the members that use it
    for was, now in zip(expand(saved_base, grid, new=False), configs):
        old, new = result_fields(was), result_fields(now)
        changed = [f for f in FIELD_NAMES if f in old.keys() | new.keys() and old.get(f) != new.get(f)]
        if changed:
            f = changed[0]
            raise ConfigError(
                f"{sweep_dir}: --resume with {f}={getattr(base, f)!r} but the sweep used {f}={getattr(saved_base, f)!r}"
                f" (member {now.name}); that would change its results (start a new sweep instead)"
            )


def _check_placement(members: Sequence[Config], splits: Splits | None, shard_members: bool | None) -> None:
    """ConfigError, before anything is written, if a group placed as ``train.ensemble_placement`` places it
    would not fit in memory (members split over CPU devices share the host's memory; split over
    accelerators, each device holds its share) or splits a mini-batch over devices that do not divide it."""
    import jax

    from nnjax.parallel import batch_sharding, make_mesh
    from nnjax.train import ensemble_placement

    devices, placement = ensemble_placement(len(members), shard_members)
    n = placement["n_devices"]
    if placement["split"] == "members":
        on_cpu = jax.default_backend() == "cpu"
        check_memory([members], splits, devices=n, shared_memory=on_cpu)
    else:
        check_memory([members], splits)
        try:
            batch_sharding(make_mesh(None if devices is None else list(devices)), members[0].batch_size)
        except ConfigError as e:
            raise ConfigError(f"sweep member {members[0].name}: {e}") from None


def run_sweep(
    base: Config,
    grid: dict[str, Sequence[Any]],
    out_dir: str | Path | None = None,
    *,
    resume: bool = False,
    progress: bool = True,
    shard_members: bool | None = None,
    splits: Splits | None = None,
    target: float | None = None,
    replicates: Sequence[str] | None = None,
    baseline: dict[str, Any] | None = None,
    on_start: Callable[[], None] | None = None,
) -> dict[str, Any]:
    """Train every member of ``base`` × ``grid`` into a sweep folder; return the summary.

    The summary is a dict: ``members`` (one dict per member, members.csv's columns with the grid values
    typed: ``member``, ``group``, ``name``, each grid field, ``final_test_accuracy``, ``best_epoch``, …),
    ``rows`` (one dict per row of summary.md's table: the grid fields other than the ``replicates``,
    ``members``, ``test_accuracy_mean`` / ``_std`` or with validation ``val_…``; with two replicate fields
    varied, ``variance_split``), ``table`` (that table in Markdown), ``variance`` (the variance split's, or ""),
    ``groups`` (each group's result.json), ``varied``, ``grid``, ``sweep_dir``, ``n_members``, ``n_groups``
    and the timings.
    Accuracies are fractions. A finished sweep's summary comes back, with nothing trained or written, from
    ``summarize(sweep_dir)`` (also with another target, replicates or baseline: ``nnjax summary``), and from
    ``run_sweep(*load_sweep_spec(sweep_dir), sweep_dir, resume=True)``, which trains nothing. A ``target``
    accuracy (e.g. 0.96) adds each member's first epoch that reached it (``first_epoch_at_target``) and each
    row's median and range of them (an ``epochs to 96 %`` column, and a dashed line on accuracy.png).
    ``replicates``: the grid fields each row averages over (default ``("seed",)``); with two of them varied,
    each row's final accuracy is split into their main effects and the rest (a two-way ANOVA,
    ``sweep_summary.two_way_anova``). Each field must be in the grid. Both are kept in sweep.json when given:
    a resume without them uses the sweep's, one with another value uses it and keeps it instead (and writes
    the summary files again). So is a ``baseline`` row, ``{field: value}`` for each field the rows differ in
    (e.g. ``{"activation": "sigmoid"}``): every other row gets the difference of its mean from the baseline's
    and the p-value of Welch's t-test over their members, Holm-adjusted (``vs_baseline``, ``p_welch``,
    ``p_holm``). ``on_start`` is called once every check has passed, before the first group trains (the
    command prints its ``recipe:`` line there).

    Each group of members that share a compiled program trains as one vmapped ensemble; groups run
    in turn. ``resume`` continues each group from its newest good checkpoint (finished groups are
    skipped). ``shard_members`` splits each ensemble's members over the devices (True), each mini-batch
    (False), or — None — members on a CPU with several devices, else the batch (``parallel.member_devices``). ``splits``
    (a ``data.Splits``) replaces the data set of every member (tests, notebooks). Bad input raises
    ConfigError/CheckpointError, and a data set that cannot be loaded DataError, before anything is
    compiled or written. A session that trained a group adds its wall time to sweep.json's ``wall_s`` (a list,
    one entry per such session that ran to its end), which ``summarize`` reports.
    """
    t_start = time.perf_counter()
    from nnjax import __version__, checkpoint
    from nnjax.data import check_splits
    from nnjax.parallel import member_devices, process_run_dir
    from nnjax.run import compile_text, read_metrics
    from nnjax.train import steps_per_epoch

    check_splits(splits, "run_sweep")
    target = check_target(target)
    base = typed(base, source="base")  # built in Python: the types a config file's fields are checked for
    grid = normalize_grid(grid)
    if replicates is not None:
        replicates = check_replicates(replicates, grid)
    elif not resume:  # the default's too: a linked item may not mix it with others (a resumed sweep keeps its own)
        check_replicates(None, grid)
    if baseline is not None and not resume:  # a resumed sweep's: checked with its stored replicates below
        baseline = check_baseline(baseline, grid, replicates or DEFAULT_REPLICATES)
    configs = expand(base, grid, new=not resume)
    if not resume:  # sweep.json: momentum 0 for a sweep of sgd members only, as a run's config.json
        base = base.replace(**{f: NEUTRAL[f] for f in NEUTRAL if unused_by_every(f, configs)})
    groups = group(configs)
    ids = {id(c): i for i, c in enumerate(configs)}
    # With several processes (multi-host), process p > 0 writes its identical copy beside process 0's.
    sweep_dir = process_run_dir(Path(out_dir) if out_dir is not None else default_sweep_dir(base))
    given = {"target": target, "replicates": replicates, "baseline": baseline}
    stored = dict.fromkeys(SUMMARY_OPTIONS)
    if resume:
        _check_resume_spec(sweep_dir, base, grid, configs)
        given, stored = _options_given(sweep_dir, grid, given)
    else:
        checkpoint.check_new_folder(sweep_dir, "sweep")
    checkpoint.check_writable_folder(sweep_dir)
    if shard_members:
        member_devices(1, shard_members)  # several processes: a clear error now, before anything is written
    for g in groups:  # as each group will be placed: its memory, and a mini-batch its devices can split
        _check_placement(g, splits, shard_members)

    made = [q for q in (sweep_dir, *sweep_dir.parents) if not q.exists()]  # removed again if refused while empty
    sweep_dir.mkdir(parents=True, exist_ok=True)
    with checkpoint.removed_if_left_empty(made), checkpoint.locked(sweep_dir):  # one process writes it at a time
        if not resume:  # another process may have filled it since the check above
            checkpoint.check_new_folder(sweep_dir, "sweep")
        else:  # a damaged metrics file or other groups: one line now, before any group trains
            _check_resume_groups(sweep_dir, [[(ids[id(c)], c) for c in g] for g in groups], shard_members)
        data = _Data(splits, shard_members)
        for g in groups:  # every group, now: one that cannot start fails before any trains
            try:  # its data set loads, and holds one mini-batch
                steps_per_epoch(g[0], data.get(g[0]).n_train)
            except ConfigError as e:
                raise ConfigError(f"sweep member {g[0].name}: {e}") from None
        changed = [k for k in SUMMARY_OPTIONS if given[k] is not None and given[k] != stored[k]]
        options = {k: given[k] if given[k] is not None else stored[k] for k in SUMMARY_OPTIONS}
        if resume:  # one write of sweep.json, for the next resume: another summary option (the summary files are
            # written again below), another --keep-epochs (that resume's rotation would remove its epochs)
            _, spec, saved, _ = _read_sweep_json(sweep_dir)
            kept_spec = {**spec, **{k: _option_json(given[k]) for k in changed}}
            if saved.keep_epochs != base.keep_epochs:
                kept_spec["base"] = {**spec["base"], "keep_epochs": list(base.keep_epochs)}
            if kept_spec != spec:
                checkpoint.write_json(sweep_dir / "sweep.json", kept_spec)
            for k in (k for k in changed if stored[k] is not None):
                print(
                    f"nnjax: {sweep_dir}: {k} {_option_text(k, given[k])} instead of the sweep's "
                    f"{_option_text(k, stored[k])}, kept in its sweep.json",
                    file=sys.stderr,
                )
        if not resume:
            spec = {
                "sweep_format": SWEEP_FORMAT,
                "nnjax_version": __version__,
                "base": {"config_format": CONFIG_FORMAT, **base.to_dict()},
                "grid": grid_json(grid),
                **{k: _option_json(v) for k, v in given.items() if v is not None},
            }
            checkpoint.write_json(sweep_dir / "sweep.json", spec)
            (sweep_dir / "metrics.jsonl").write_text("")
            for line in ignored_by(configs, grid):
                print(f"nnjax: warning: {line}", file=sys.stderr)

        if on_start is not None:
            on_start()
        fields, values = grid_fields(grid), field_values(grid)
        # the program fields the grid varies: one it gives a single value shares it across every group
        group_fields = [f for f in fields if f in GROUP_FIELDS and len(values[f]) > 1]
        results, trained = [], []
        for gi, g in enumerate(groups):
            gid = group_id(gi)
            # what the group stands for: its values of the program fields the grid varies (none: every member)
            label = f"{gid} ({gi + 1}/{len(groups)}) K={len(g)} {member_name(g[0], group_fields) or 'all members'}"
            members = [(ids[id(c)], c) for c in g]
            result, did_train = _run_group(
                gid,
                members,
                fields,
                data.get(g[0]),
                sweep_dir,
                resume=resume,
                progress=progress,
                shard=shard_members,
                label=label,
            )
            results.append(result)
            trained.append(did_train)
            if did_train and not progress:  # a log of a long sweep shows it moving (the bar does so otherwise)
                gone = sum(d is not None for d in result["diverged_epoch"])
                trained_in = f"trained in {result['train_s']:.1f} s"
                if result["compile_skipped"]:  # no epoch trained now: its train_s is the earlier sessions'
                    trained_in = f"finished from its epoch {g[0].epochs} checkpoint, {trained_in} before this --resume"
                print(
                    f"nnjax: {label}: {trained_in} (epoch program {compile_text(result)})"
                    + f", {gone} diverged" * bool(gone),
                    file=sys.stderr,
                    flush=True,
                )
        # A resume that found every group finished keeps the summary files of the session that trained them
        # (their wall time is the sweep's); missing ones are written.
        kept = not any(trained) and not changed and all((sweep_dir / f).exists() for f in SUMMARY_FILES)
        if kept:
            print(f"nnjax: {sweep_dir} already trained every group; nothing to resume", file=sys.stderr)
        wall_s = time.perf_counter() - t_start
        if any(trained):  # the sessions that trained, summed by ``summarize`` (an interrupted one is not counted)
            record_wall(sweep_dir, wall_s)
        lines = read_metrics(sweep_dir / "metrics.jsonl", SWEEP_KEYS, missing_ok=False)  # made before any group
        return write_summary(
            sweep_dir, base, configs, grid, results, lines, wall_s, resume, not kept, **_summary_kw(options)
        )


def summarize(
    sweep_dir: str | Path | Sequence[str | Path],
    *,
    target: float | None = None,
    replicates: Sequence[str] | None = None,
    baseline: dict[str, Any] | None = None,
    epoch: int | None = None,
) -> dict[str, Any]:
    """The summary ``run_sweep`` returns of a sweep folder (``rows``, ``members``, ``table``, ``variance``,
    ``notes``, …), read from its groups' result.json and its metrics.jsonl, with nothing trained or written:
    ``nnjax summary SWEEP_DIR``; of a list of folders, one summary over all their members, as if of one sweep over
    the union of their grids (``merge_specs``): ``nnjax summary DIR DIR ..``.

    ``target``, ``replicates`` and ``baseline`` are ``run_sweep``'s; each one not given is the sweep's own (its
    sweep.json's; of several folders, the one those that keep one keep: two that keep different ones are a
    ConfigError naming both), and one given replaces it for this summary only (``run_sweep(..., resume=True)``
    with it keeps it in sweep.json and writes the summary files again). The epochs to a ``target`` come from
    metrics.jsonl, so any target works on any sweep. A sweep still training, or interrupted, is summarised over
    the groups that finished: ``unfinished`` lists the others (a warning on stderr names them; [] when none),
    ``n_members`` and ``n_groups`` count the finished ones, and a row left without members is left out. members.csv
    and summary.md are not read: the summary is made again from what the sweep makes them from. ``wall_s`` is the
    sweep's wall time as sweep.json records it (``nnjax sweep`` from 2026-12-07 on), summed over the sessions
    that trained (``wall_sessions``) and over the folders; None where no folder recorded one (an older folder:
    its summary.md has it), and ``wall_unrecorded`` names such folders.

    Several folders: ``folders`` lists each (``sweep_dir``, ``first_member``, ``n_members``, ``wall_s``) in the
    order given; members are numbered on from one folder to the next (``first_member`` its offset; ``nnjax viz
    DIR --member N`` takes the folder's own number, each member's ``folder_member``, beside its ``sweep_dir``), and
    ``sweep_dir`` is None. A member config that two folders both trained counts once, the first folder's (a
    warning says so): it is one member of the union grid, and twice would count as two replicates of its row.
    Groups are named ``DIR/groups/gNN``.

    ``epoch`` N: the table, notes, variance split, baseline p-values and rows of each member as it was after
    epoch N, from metrics.jsonl, as if the sweep had stopped there (``epoch`` and ``of_epochs``, E, in the
    summary; the table's accuracy header says ``at epoch N of E``): its accuracy on the split it was evaluated
    on each epoch at N, diverged only if it had by N, its best epoch and epochs to the target among epochs 1..N;
    what is measured on the final parameters only (the train accuracy (gap) and inert columns, members'
    ``final_train_set_accuracy``, ``inert``, and a --validation sweep's test accuracy) is None (``—``), and the
    times are the whole run's. N = E gives the summary without ``epoch``, plus those two keys.

    Bad input (not a sweep folder; a damaged sweep.json, result.json or metrics.jsonl; a baseline that names no
    row, or only unfinished members; replicates not in the grid; folders that cannot be merged; an ``epoch``
    outside 1..E, or past the epochs some member trains) raises CheckpointError or ConfigError naming the file,
    field or value.
    """
    from nnjax.run import epochs_by_member
    from nnjax.sweep_summary import plural

    dirs = _summary_dirs(sweep_dir)
    specs = [_read_sweep_json(d) for d in dirs]
    base, grid = merge_specs([(d, b, g) for d, (_, _, b, g) in zip(dirs, specs)])
    target = check_target(target)
    if replicates is not None:
        replicates = check_replicates(replicates, grid)
    options = _summary_options(dirs, grid, {"target": target, "replicates": replicates, "baseline": baseline})
    if epoch is not None:  # before any warning: a bad one is one line
        _check_epoch(epoch, dirs, [expand(b, g, new=False) for _, _, b, g in specs])
    configs, results, lines, epochs, unfinished, folders, seen, to_train = [], [], [], {}, [], [], {}, []
    for d, (_, spec, own_base, own_grid) in zip(dirs, specs):
        own = expand(own_base, own_grid, new=False)
        offset = len(configs)
        configs += own
        ids = {id(c): i for i, c in enumerate(own)}
        metrics_path = d / "metrics.jsonl"
        numbered = _read_summary_metrics(metrics_path, own[0].validation)
        epochs_of = epochs_by_member(numbered)
        done_here, left = [], []
        for gi, g in enumerate(group(own)):
            gid, members = group_id(gi), [ids[id(c)] for c in g]
            path = d / "groups" / gid / "result.json"
            if not path.exists():  # not started, or training: its result.json is written last
                left.append((gid, len(members)))
                continue
            done = _group_result(path, members)
            if done is None:
                raise CheckpointError(
                    f"{path}: damaged, or not the result of members {members} (nnjax sweep --resume {d} "
                    f"finishes group {gid} again from its checkpoints)"
                )
            _check_member_lines(metrics_path, epochs_of, members, g[0].epochs, f"group {gid} finished")
            label = gid if len(dirs) == 1 else f"{d / 'groups' / gid}"
            results.append({**done, "group": label, "members": [offset + m for m in members]})
            done_here += [(m, g[0].epochs) for m in members]
        resume = f"nnjax sweep --resume {d}"
        if not done_here:
            raise CheckpointError(f"{d}: no group has finished yet, nothing to summarise ({resume} trains them)")
        twice = []  # a member config a folder given before trained too: counted once, as that folder's
        for m, n in done_here:
            if (key := _member_key(own[m])) in seen:
                twice.append((m, seen[key]))
            else:
                epochs[offset + m] = n
        seen |= {_member_key(own[m]): (d, m) for m, _ in done_here if offset + m in epochs}
        if twice:
            theirs: dict[str, list[str]] = {}
            for _, (where, g) in twice:
                theirs.setdefault(str(where), []).append(str(g))
            also = ", ".join(f"{w} (its member{'s' * (len(gs) > 1)} {', '.join(gs)})" for w, gs in theirs.items())
            print(
                f"nnjax: warning: {d}: member{'s' * (len(twice) > 1)} "
                f"{', '.join(f'{m} ({own[m].name})' for m, _ in twice)} also trained in {also}: counted once, as "
                f"{'that' if len(theirs) == 1 else 'those'} folder's",
                file=sys.stderr,
            )
        kept = [m for _, m in numbered if m["epoch"] <= epochs.get(offset + m["member"], 0)]  # a group training,
        lines += [{**m, "member": offset + m["member"]} for m in kept]  # or a member counted as another folder's: not
        if left:
            n_left = sum(n for _, n in left)
            print(
                f"nnjax: warning: {d}: {plural(len(left), 'group')} not finished "
                f"({', '.join(gid for gid, _ in left)}: {n_left} of {len(own)} members); the table holds the "
                f"finished groups' members ({resume} trains the rest)",
                file=sys.stderr,
            )
        unfinished += [gid if len(dirs) == 1 else f"{d / 'groups' / gid}" for gid, _ in left]
        folders.append({"sweep_dir": str(d), "first_member": offset, "n_members": len(own), **_wall(d, spec)})
        to_train += [str(d)] if left else []
    if unfinished and options["baseline"] is not None:  # its row must have a member to compare with
        key = {f: format_value(v) for f, v in options["baseline"].items()}
        if not any(all(format_value(getattr(configs[m], f)) == v for f, v in key.items()) for m in epochs):
            resume = " and ".join(f"nnjax sweep --resume {d}" for d in to_train)  # the folders with groups to train
            raise ConfigError(
                f"baseline {baseline_text(options['baseline'])}: no member of its row has finished yet "
                f"({resume} {'trains' if len(to_train) == 1 else 'train'} them)"
            )
    results = [r for r in results if any(m in epochs for m in r["members"])]  # not a group counted elsewhere whole
    summary = write_summary(
        dirs[0], base, configs, grid, results, lines, 0.0, write=False, only=epochs, epoch=epoch, **_summary_kw(options)
    )
    recorded = [f for f in folders if f["wall_s"] is not None]
    wall = {
        "wall_s": round(sum(f["wall_s"] for f in recorded), 3) if recorded else None,
        "wall_sessions": sum(f["wall_sessions"] for f in recorded),
        "wall_unrecorded": [f["sweep_dir"] for f in folders if f["wall_s"] is None],
    }
    out = {**summary, "n_members": len(epochs), **wall, "unfinished": unfinished, "folders": folders}
    if len(dirs) > 1:
        where = {f["first_member"] + i: f for f in folders for i in range(f["n_members"])}
        for m in out["members"]:
            f = where[m["member"]]
            m.update(sweep_dir=f["sweep_dir"], folder_member=m["member"] - f["first_member"])
        out["sweep_dir"] = None
    return out


def _check_epoch(epoch: Any, dirs: Sequence[Path], members: Sequence[Sequence[Config]]) -> None:
    """ConfigError in one line unless ``epoch`` (``summarize``'s) is a whole number from 1 to the epochs every
    member of the sweep folders ``dirs`` (``members``: each folder's member configs) trains, naming the folders or
    the first member that records no such epoch."""
    from nnjax.sweep_summary import plural

    if isinstance(epoch, bool) or not isinstance(epoch, int):
        raise ConfigError(f"epoch {epoch!r}: expected a whole number of epochs, 1 or more")
    counts = {c.epochs for own in members for c in own}
    if len(counts) == 1 or epoch < 1:
        if 1 <= epoch <= min(counts):
            return
        what = " and ".join(map(str, dirs))
        raise ConfigError(f"epoch {epoch}: outside 1..{max(counts)}, the epochs {what} trained")
    for d, own in zip(dirs, members):
        for m, cfg in enumerate(own):
            if cfg.epochs < epoch:
                raise ConfigError(
                    f"epoch {epoch}: {d}'s member {m} ({cfg.name}) trains {plural(cfg.epochs, 'epoch')}, so it "
                    f"records none at epoch {epoch}; give an epoch from 1 to {min(counts)}"
                )


def _member_key(cfg: Config) -> str:
    """What tells one sweep member's config from another's (``result_fields``: not its name, where its data live
    or how it is saved, nor a field its optimiser and schedule do not use), as text: two folders' members with the
    same key trained the same member (an sgd member's momentum may be 0.9 in one folder and 0 in another)."""
    return json.dumps(result_fields(cfg))


def _summary_dirs(sweep_dir: Any) -> list[Path]:
    """``summarize``'s ``sweep_dir`` as a list of folders: one (a str or Path), or a non-empty list of distinct
    ones; a TypeError or ConfigError naming it otherwise."""
    from nnjax.run import folder_path

    if isinstance(sweep_dir, str | os.PathLike) or not isinstance(sweep_dir, Sequence):
        return [folder_path(sweep_dir, "summarize", "sweep_dir")]
    dirs = [folder_path(d, "summarize", "sweep_dir") for d in sweep_dir]
    if not dirs:
        raise ConfigError("summarize: no sweep folder given")
    for i, d in enumerate(dirs):
        if any(d.resolve() == e.resolve() for e in dirs[:i]):
            raise ConfigError(f"{d}: sweep folder given twice")
    return dirs


def _wall(sweep_dir: Path, spec: dict[str, Any]) -> dict[str, Any]:
    """A sweep folder's ``wall_s`` as its sweep.json records it (``record_wall``): the sum of its sessions' and
    their count (``wall_sessions``); None and 0 where it records none (an nnjax before 2026-12-07)."""
    walls = spec.get("wall_s")
    if walls is None:
        return {"wall_s": None, "wall_sessions": 0}
    if not isinstance(walls, list) or not all(is_number(w) and w >= 0 for w in walls):
        path = sweep_dir / "sweep.json"
        raise CheckpointError(f"{path}: 'wall_s' {walls!r} is not a list of seconds, one per session (damaged?)")
    return {"wall_s": round(sum(walls), 3), "wall_sessions": len(walls)}


def record_wall(sweep_dir: Path, wall_s: float) -> None:
    """Add a session's wall time (seconds) to the list sweep.json keeps as ``wall_s``, for ``summarize``."""
    from nnjax import checkpoint

    _, spec, _, _ = _read_sweep_json(sweep_dir)
    walls = spec.get("wall_s") if isinstance(spec.get("wall_s"), list) else []
    checkpoint.write_json(sweep_dir / "sweep.json", {**spec, "wall_s": [*walls, round(wall_s, 3)]})


def merge_specs(specs: Sequence[tuple[Path, Config, dict[str, list]]]) -> tuple[Config, dict[str, list]]:
    """(base, grid) of one sweep over the union of several sweep folders' grids, from each folder's (path, base
    config, grid): the first folder's base, and each grid field with the values of every folder in the order
    first given, a folder that holds the field fixed giving its base's value. Every other field that changes a
    result (``config.result_fields``: epochs, dataset, validation, hidden, …; init as given) must be the same in
    every base, and a linked item (``activation,lr=..``) must be in every folder's grid, its tuples joined; else
    a ConfigError in one line naming the field, both values and both folders. One folder: its own."""
    first, base, _ = specs[0]
    if len(specs) == 1:
        return base, specs[0][2]
    gridded = {f for _, _, g in specs for f in grid_fields(g)}
    linked = {k: p for p, _, g in specs for k in g if "," in k}
    for key, where in linked.items():
        for p, _, g in specs:
            if key not in g:
                raise ConfigError(
                    f"{p}: its grid does not link {key} as {where}'s does ({key}=..): "
                    "a linked item's members cannot be merged with a grid that crosses its fields; summarise them "
                    "apart"
                )

    def fixed(cfg: Config) -> dict[str, Any]:  # what the members share unless a grid varies it
        return {**result_fields(cfg), "init": cfg.init}

    held = fixed(base)
    for p, other, _ in specs[1:]:
        theirs = fixed(other)
        for f in FIELD_NAMES:
            if f not in gridded and f in held and f in theirs and held[f] != theirs[f]:
                raise ConfigError(
                    f"{p}: {f}={format_value(theirs[f])} but {first}: {f}={format_value(held[f])}; folders whose "
                    f"members differ in a field no grid varies are not one sweep (summarise them apart)"
                )
    merged: dict[str, list] = {}
    for _, cfg, g in specs:
        for key in [*g, *(f for f in gridded if f not in grid_fields(g))]:
            values = g[key] if key in g else [getattr(cfg, key)]
            merged[key] = list(dict.fromkeys([*merged.get(key, []), *values]))
    order = [k for _, _, g in specs for k in g]  # grid order: the first folder's items first
    merged = {k: merged[k] for k in dict.fromkeys(order)}
    return base, normalize_grid(merged)


def _kept_option(kept: dict[Path, dict[str, Any]], name: str) -> Any:
    """The ``SUMMARY_OPTIONS`` value ``name`` that sweep folders keep (``kept``: each folder's
    ``load_sweep_options``): the one every folder keeping one keeps (None: none does); two folders keeping
    different ones are a ConfigError naming both."""
    had = [(d, options[name]) for d, options in kept.items() if options[name] is not None]
    for d, v in had[1:]:
        if v != had[0][1]:
            a, b = _option_text(name, had[0][1]), _option_text(name, v)
            raise ConfigError(
                f"{d / 'sweep.json'}: {name} {b} but {had[0][0] / 'sweep.json'}: {name} {a}; give --{name} for the "
                "summary of both"
            )
    return had[0][1] if had else None


def _summary_options(dirs: Sequence[Path], grid: dict[str, list], given: dict[str, Any]) -> dict[str, Any]:
    """The ``SUMMARY_OPTIONS`` of a summary of the sweep folders ``dirs`` (of the union ``grid``): each one
    ``given``, else the folders' own (``_kept_option``); a baseline checked against the rows the replicates make.
    A kept baseline that names no row with them is a ConfigError naming the sweep.json that keeps it, and the
    union of several folders' grids as the reason where the replicates are the ones its folder kept it with."""
    kept = {d: load_sweep_options(d) for d in dirs}  # each sweep.json read once
    options = {k: given[k] if given[k] is not None else _kept_option(kept, k) for k in SUMMARY_OPTIONS}
    replicates = options["replicates"] or DEFAULT_REPLICATES
    if given["baseline"] is not None:
        return {**options, "baseline": check_baseline(given["baseline"], grid, replicates)}
    if options["baseline"] is not None:
        try:
            check_baseline(options["baseline"], grid, replicates)
        except ConfigError as e:
            where = next(d for d in dirs if kept[d]["baseline"] is not None)
            # load_sweep_options checked it against its own grid with its own replicates: with those, the rows the
            # other folders add are why
            wider = len(dirs) > 1 and tuple(replicates) == tuple(kept[where]["replicates"] or DEFAULT_REPLICATES)
            rows = (
                f"of the union of the {len(dirs)} folders' grids, whose rows differ in more fields than its own"
                if wider
                else f"with replicates {','.join(replicates)}"
            )
            raise ConfigError(
                f"{where / 'sweep.json'}: its baseline {baseline_text(options['baseline'])} names no row {rows} "
                f"({str(e).removeprefix('baseline: ')}): give a baseline for them"
            ) from None
    return options


def _options_given(
    sweep_dir: Path, grid: dict[str, list], given: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the ``SUMMARY_OPTIONS`` ``given`` for a resume of an existing sweep folder, checked as ``_summary_options``
    checks them; those its sweep.json keeps)."""
    options = _summary_options([sweep_dir], grid, given)
    return {k: options[k] if given[k] is not None else None for k in SUMMARY_OPTIONS}, load_sweep_options(sweep_dir)


def _option_json(value: Any) -> Any:
    """A ``SUMMARY_OPTIONS`` value as sweep.json holds it (replicates: a list; baseline: JSON values)."""
    if isinstance(value, dict):
        return {f: json_value(v) for f, v in value.items()}
    return list(value) if isinstance(value, tuple) else value


def _option_text(name: str, value: Any) -> str:
    """``96 %``, ``seed,data_seed``, ``activation=sigmoid``: a ``SUMMARY_OPTIONS`` value as people write it."""
    if name == "baseline":
        return baseline_text(value)
    return target_percent(value) if name == "target" else ",".join(value)
