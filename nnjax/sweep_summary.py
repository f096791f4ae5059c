"""A sweep's results as members.csv, summary.md (its table) and the summary dict ``run_sweep`` returns.

``write_summary`` turns the groups' result.json contents and the sweep's metrics.jsonl lines into one row
per member (``members.csv``) and one per setting — the varied grid fields other than the replicate fields
(seed, unless --replicates says otherwise) — with the mean and spread over its members (``summary.md``, whose
plot ``viz.plot_sweep_accuracy`` draws). With two replicate fields varied, each row's final accuracy is split
into their main effects and the rest (``two_way_anova``). The row of the highest mean is marked (``best``, bold),
and a member that ended far below its row without diverging is flagged (``stalled``); the notes under the table
say both (``findings``).
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import statistics
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from nnjax.config import FIELD_NAMES, N_VALIDATION, Config, is_number, result_fields
from nnjax.memory import params_per_member
from nnjax.sweep_grid import (
    DEFAULT_REPLICATES,
    baseline_text,
    field_values,
    format_value,
    grid_fields,
    grid_json,
    grid_text,
    item_fields,
    json_value,
    value_index,
    varied_fields,
)
from nnjax.target import target_epochs, target_percent

SUMMARY_FILES = ("members.csv", "summary.md", "accuracy.png")
SPLIT_NAMES = {"test": "test", "val": "validation"}  # the evaluation splits, as the summary names them
FEW_FOR_WELCH = 3  # members per side below which the notes call a Welch p a rough guide
# A member that did not diverge has stalled where its final accuracy is more than STALL_POINTS (a fraction: 10
# points) below the median of its row's others, or under STALL_FLOOR: far beyond the seed-to-seed spread of a
# row (under 1 point), and above the 10–11 % of a network that gives every image the same answer (dead ReLUs at a
# high learning rate end there: 11.35 %, the test split's share of its most common digit, with a loss of ln 10)
STALL_POINTS = 0.10
STALL_FLOOR = 0.20
# What the table's two epoch-time columns are, in the notes under it
ENSEMBLE_EPOCH_NOTE = (
    "Ensemble epoch: the median wall time of one epoch of that ensemble (where a row's members trained in several, "
    "the median over those), and ÷ members: that divided by its members, each member's share, which is not the "
    "epoch time of the same network trained alone, since an ensemble shares its shuffle, loop and evaluation among "
    "its members and spreads them over the cores (README, Performance)."
)
# The table's column of the training images' accuracy (``_train_cell``), and what it is, in the notes under it
TRAIN_HEAD = "train accuracy (%) (gap)"
TRAIN_NOTE = (
    "Train accuracy: the final parameters on every image they trained on (with --train-size N, those N; with "
    "--validation, those not held out), mean over the members that did not diverge, and in brackets its gap to "
    "the {split} accuracy in percentage points: a large gap is overfitting, both low underfitting (—: a folder of an "
    "older nnjax, which did not record it)."
)
# The table's column of inert neurons (``_inert_cell``), and what it is, in the notes under it
INERT_HEAD = "inert (per layer)"
INERT_NOTE = (
    "Inert (per layer): each hidden layer's inert neurons (layer 1 first), counted on the final parameters over the "
    "test images as nnjax viz's neurons.png counts them, mean over the members that did not diverge; the column "
    "is left out where no member has one."
)
# A pick (the highest mean, a best value per field) is within noise of its runner-up, the row of the next-highest
# mean, where Welch's two-sided p of their members' final accuracies is at least NOISE_P (``runner_up``): one rule,
# the test the baseline column already runs, cheap, and honest about 2 seeds (their p is large unless the gap is)
NOISE_P = 0.05
MAX_STALLED_NAMED = 12  # members the notes name one by one; members.csv's stalled column has them all
EDGE_VALUES = 3  # a field tried at fewer values has every best at an edge of them: none is flagged


def _member_rows(
    configs, grid, results, lines, target: float | None = None, only=None, epoch: int | None = None
) -> list[dict[str, Any]]:
    """One row of members.csv per member: its group, grid values, parameter count, final and best accuracy,
    final train accuracy (its last epoch's mean over the epoch's mini-batches; None where it diverged, or no
    metrics line has it), the final parameters' accuracy on every image they trained on
    (``final_train_set_accuracy``, result.json's ``train_set_accuracy``: None where it diverged, or an older
    nnjax's result.json has none), time, its ensemble's median epoch and that ÷ its members (``ensemble_epoch_s``,
    ``ensemble_epoch_s_per_member``; None where result.json has none), and where result.json has them (not an
    older nnjax's) its inert neurons per hidden layer (``inert``); with a ``target`` accuracy, that target
    (``target``), the first epoch that reached it (``first_epoch_at_target``) and the epoch from which it stayed at
    or above it through its last (``target_held_from``; None if it ended below).

    With an ``epoch`` before the last that any counted member trains (``sweep.summarize(epoch=N)``), every row is
    as if the sweep had stopped after that epoch (``_at_epoch``): "final" is that epoch's, read from metrics.jsonl,
    and each row says which (``at_epoch``; no such key in a row of the final epoch's values)."""
    by_member: dict[int, dict[str, Any]] = {}
    for r in results:
        for j, mid in enumerate(r["members"]):
            by_member[mid] = {
                "group": r["group"],
                "k": r["k"],
                "test_accuracy": r["test_accuracy"][j],
                # none in an older nnjax's result.json
                "train_set_accuracy": r["train_set_accuracy"][j] if "train_set_accuracy" in r else None,
                "diverged_epoch": r["diverged_epoch"][j],
                "train_s": r["train_s"],
                "epoch_s": r.get("epoch_s_median") if is_number(r.get("epoch_s_median")) else None,
                "split": r["eval_split"],
                **({"inert": r["inert"][j]} if "inert" in r else {}),  # none in an older nnjax's result.json
            }
    curves: dict[int, list[tuple[int, float | None]]] = {}
    train: dict[int, dict[int, float | None]] = {}  # member -> epoch -> train accuracy
    for m in lines:
        split = "val" if "val_accuracy" in m else "test"
        curves.setdefault(m["member"], []).append((m["epoch"], m[f"{split}_accuracy"]))
        train.setdefault(m["member"], {})[m["epoch"]] = m.get("train_accuracy")
    counted = [mid for mid in range(len(configs)) if mid in by_member and (only is None or mid in only)]
    # a table before the last epoch any counted member trains is every member's at that epoch, a member that
    # trains just that many epochs too: the columns measured on final parameters only are None in every row
    at = epoch is not None and epoch < max((configs[mid].epochs for mid in counted), default=0)
    rows = []
    for mid, cfg in enumerate(configs):
        if mid not in counted:  # its group has not finished (a sweep still training), or ``sweep.summarize`` of
            continue  # several folders counts it as another's
        r, last = by_member[mid], cfg.epochs
        if at:
            r, last = _at_epoch(r, epoch, curves.get(mid, [])), epoch
        # a diverged member trains on inside its ensemble: only its epochs before the divergence count
        last_good = r["diverged_epoch"] - 1 if r["diverged_epoch"] else math.inf
        points = [(e, a) for e, a in sorted(curves.get(mid, [])) if a is not None and e <= min(last_good, last)]
        best_epoch, best_acc = max(points, key=lambda p: (p[1], -p[0])) if points else (None, None)
        # which target the two columns counted, on every row (sweep.json keeps it too)
        reached = {} if target is None else {"target": target, **target_epochs(points, target)}
        # --validation: the final parameters' validation accuracy (their last epoch's), which the table reports
        final_val = {"final_val_accuracy": dict(points).get(last)} if r["split"] == "val" else {}
        rows.append(
            {
                "member": mid,
                "group": r["group"],
                "name": cfg.name,
                **{f: json_value(getattr(cfg, f)) for f in grid_fields(grid)},
                "n_params": params_per_member(cfg),
                # before the last epoch: the final_* keys (a plain summary's, for one reader of both) hold its values
                **({"at_epoch": epoch} if at else {}),
                "final_test_accuracy": r["test_accuracy"],
                **final_val,
                # beside the final accuracy, the one that tells underfitting (both low) from overfitting
                "final_train_accuracy": None if r["diverged_epoch"] else train.get(mid, {}).get(last),
                # the final parameters on the images they trained on, evaluated once after the last epoch
                "final_train_set_accuracy": None if r["diverged_epoch"] else r["train_set_accuracy"],
                "best_epoch": best_epoch,
                f"best_{r['split']}_accuracy": best_acc,
                **reached,
                "train_s": r["train_s"],
                "ensemble_k": r["k"],
                # one epoch of the whole ensemble (the median of its epochs), and that ÷ its members: a member's
                # share, not a single run's epoch (``ENSEMBLE_EPOCH_NOTE``); None where result.json has no time
                "ensemble_epoch_s": r["epoch_s"],
                "ensemble_epoch_s_per_member": None if r["epoch_s"] is None else round(r["epoch_s"] / r["k"], 5),
                "diverged_epoch": r["diverged_epoch"],
                **({"inert": r["inert"]} if "inert" in r else {}),
            }
        )
    return rows


def _at_epoch(r: dict[str, Any], epoch: int, curve: list[tuple[int, float | None]]) -> dict[str, Any]:
    """A member's ``_member_rows`` result ``r`` as of the end of ``epoch`` (its last or earlier): its accuracy on the
    split it was evaluated on each epoch is that epoch's metrics line's (the test accuracy None on a --validation
    sweep, which measured it after the last epoch only); diverged only if it had by then; what was measured on the
    final parameters alone (``train_set_accuracy``, ``inert``) None. Its times stay the whole run's."""
    diverged = r["diverged_epoch"] if r["diverged_epoch"] is not None and r["diverged_epoch"] <= epoch else None
    acc = None if diverged else dict(curve).get(epoch)
    return {
        **r,
        "test_accuracy": acc if r["split"] == "test" else None,
        "train_set_accuracy": None,
        "diverged_epoch": diverged,
        **({"inert": None} if "inert" in r else {}),
    }


def members_csv(rows: list[dict[str, Any]]) -> str:
    """members.csv: one line per member; None is an empty cell (no value), but grid values are written as --grid
    takes them (``format_value``: ``true``/``false`` for a bool; the ``stalled`` column, no grid value,
    ``True``/``False``), ``none`` too (train_size none, as hidden none: a setting, not a missing number); ``inert``
    (a count per hidden layer) as the counts separated by spaces (``19 0`` for ``hidden`` 64x16; empty where not
    counted, or without a hidden layer). The columns are every row's, in the order first seen, so rows need not
    share them."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(dict.fromkeys(k for r in rows for k in r)), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _csv_cell(k, v) for k, v in row.items()})
    return buf.getvalue()


def _csv_cell(field: str, v: Any) -> str:
    """A members.csv cell (``members_csv``): ``field`` a config field's column holds its grid values."""
    if v is None:
        return "none" if field in FIELD_NAMES else ""
    if field == "inert":
        return " ".join(map(str, v))
    if isinstance(v, bool) and field not in FIELD_NAMES:  # stalled, diverged: no grid value, Python's True/False
        return str(v)
    return format_value(v)


def _epochs_stats(epochs: list[int], name: str) -> dict[str, Any]:
    """The median, min and max of ``epochs`` as ``{name}_epoch_median`` / ``_min`` / ``_max`` (None: none)."""
    return {
        f"{name}_epoch_median": statistics.median(epochs) if epochs else None,
        f"{name}_epoch_min": min(epochs) if epochs else None,
        f"{name}_epoch_max": max(epochs) if epochs else None,
    }


def two_way_anova(y_AxB: Any) -> dict[str, Any]:
    """Two-way analysis of variance without replication of a table of values ``y_AxB`` (one per cell, at
    least 2 × 2): the sums of squares (``ss``) of the rows' main effect (``"a"``), the columns' (``"b"``), the
    rest (``"rest"``: their interaction, which one value per cell cannot tell from noise) and the total; each
    one's share of the total (``share``; None when every value is the same); the degrees of freedom (``df``);
    each main effect's F, its mean square over the rest's, and p, the F distribution's upper tail (``F``,
    ``p``; None where the rest is 0)."""
    from scipy.special import fdtrc

    y = np.asarray(y_AxB, dtype=np.float64)
    if y.ndim != 2 or min(y.shape) < 2:
        raise ValueError(f"two_way_anova: expected a table of at least 2 × 2 values, got shape {y.shape}")
    n_a, n_b = y.shape
    grand = y.mean()
    row_means, col_means = y.mean(axis=1), y.mean(axis=0)
    ss = {
        "a": n_b * float(np.sum((row_means - grand) ** 2)),
        "b": n_a * float(np.sum((col_means - grand) ** 2)),
        # from the residuals themselves, not total − a − b, which rounding could leave below 0
        "rest": float(np.sum((y - row_means[:, None] - col_means[None, :] + grand) ** 2)),
        "total": float(np.sum((y - grand) ** 2)),
    }
    df = {"a": n_a - 1, "b": n_b - 1, "rest": (n_a - 1) * (n_b - 1)}
    share = {k: (ss[k] / ss["total"] if ss["total"] > 0 else None) for k in ("a", "b", "rest")}
    f_stat: dict[str, float | None] = {}
    p: dict[str, float | None] = {}
    for k in ("a", "b"):
        if ss["rest"] > 0:
            f = (ss[k] / df[k]) / (ss["rest"] / df["rest"])
            f_stat[k], p[k] = f, float(fdtrc(df[k], df["rest"], f))  # P(F(d1, d2) > f), in float64
        else:
            f_stat[k] = p[k] = None
    return {"ss": ss, "share": share, "df": df, "F": f_stat, "p": p}


def _variance_split(
    members: list[dict[str, Any]], ok: list[dict[str, Any]], fields: list[str], grid: dict[str, list], split: str
) -> dict[str, Any]:
    """A row's ``two_way_anova`` of its members' final accuracy over the two replicate ``fields``, keyed by
    their names (``"rest"``: the interaction); without its numbers, and with ``why``, where a member has no
    final accuracy (diverged)."""
    a, b = fields
    out: dict[str, Any] = {"fields": list(fields)}
    if len(ok) < len(members):
        return {**out, "why": f"{len(members) - len(ok)} of {len(members)} members diverged"}
    values = field_values(grid)
    y = np.full((len(values[a]), len(values[b])), np.nan)
    for m in ok:  # one member per cell: the two are crossed items and the row fixes every other field
        y[value_index(values[a], m[a]), value_index(values[b], m[b])] = m[f"final_{split}_accuracy"]
    if np.isnan(y).any():  # sweep folders summarised together, whose grids did not cross every pair
        missing = int(np.isnan(y).sum())
        return {**out, "why": f"{missing} of {y.size} {a} × {b} pairs not trained"}
    got = two_way_anova(y)
    names = {"a": a, "b": b, "rest": "rest"}
    return {
        **out,
        **{k: {names[n]: v for n, v in got[k].items()} for k in ("share", "df", "F", "p")},
        "ss": {names.get(n, n): v for n, v in got["ss"].items()},
    }


def welch_p(a: Sequence[float], b: Sequence[float]) -> float | None:
    """The two-sided p of Welch's t-test that ``a`` and ``b`` (two rows' final accuracies over their members)
    have the same mean; None with fewer than 2 values on a side, or both sides constant."""
    if len(a) < 2 or len(b) < 2:
        return None
    va, vb = statistics.variance(a) / len(a), statistics.variance(b) / len(b)  # each mean's variance
    if va + vb == 0:
        return None
    from scipy.special import stdtr

    t = (statistics.fmean(a) - statistics.fmean(b)) / math.sqrt(va + vb)
    df = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))  # Welch–Satterthwaite
    return float(2 * stdtr(df, -abs(t)))  # both tails of Student's t


def holm(ps: Sequence[float | None]) -> list[float | None]:
    """Holm's step-down adjustment of the p-values ``ps`` for testing them all at once (None: no test, not
    counted)."""
    tested = sorted((p, i) for i, p in enumerate(ps) if p is not None)
    out: list[float | None] = [None] * len(ps)
    running = 0.0
    for rank, (p, i) in enumerate(tested):
        running = max(running, min(1.0, (len(tested) - rank) * p))
        out[i] = running
    return out


def _vs_baseline(
    varied: list[str], out: list[dict[str, Any]], finals: list[list[float]], baseline: dict[str, Any], split: str
) -> None:
    """Each table row in ``out`` (with its members' final accuracies in ``finals``) against the ``baseline``
    row: ``baseline`` (whether it is that row), ``vs_baseline`` (the difference of the means), ``p_welch``
    (``welch_p``) and ``p_holm`` (those p-values ``holm``-adjusted over the rows compared)."""
    key = tuple(format_value(baseline[f]) for f in varied)
    b = next(i for i, r in enumerate(out) if tuple(format_value(r[f]) for f in varied) == key)
    mean = f"{split}_accuracy_mean"
    ps = [None if i == b else welch_p(finals[i], finals[b]) for i in range(len(out))]
    for i, (r, p, adjusted) in enumerate(zip(out, ps, holm(ps))):
        gap = None if i == b or r[mean] is None or out[b][mean] is None else r[mean] - out[b][mean]
        r.update(baseline=i == b, vs_baseline=gap, p_welch=p, p_holm=adjusted)


def _counted(members: Sequence[dict[str, Any]], split: str) -> list[dict[str, Any]]:
    """The members (members.csv rows) a table row's mean, std and tests are over: those that did not diverge and
    have a final accuracy on ``split``."""
    return [m for m in members if m["diverged_epoch"] is None and m[f"final_{split}_accuracy"] is not None]


def fewest_compared(table: list[dict[str, Any]]) -> int | None:
    """The fewest members that did not diverge in a row with a Welch p against the baseline, or in the
    baseline row itself (``_vs_baseline``); None where no row has a p."""
    tested = [r for r in table if r.get("p_welch") is not None]
    if not tested:
        return None
    return min(r["n"] - r["n_diverged"] for r in [*tested, *(r for r in table if r["baseline"])])


def _table_rows(
    grid: dict[str, list],
    rows: list[dict[str, Any]],
    results: list[dict[str, Any]],
    replicates: Sequence[str] = DEFAULT_REPLICATES,
    baseline: dict[str, Any] | None = None,
) -> tuple[list[str], list[dict[str, Any]]]:
    """Members grouped by the varied grid fields other than the ``replicates`` (one table row each), with the
    mean and std of their final accuracy on the split they were evaluated on each epoch
    (``{split}_accuracy_mean``), how many of them ``stalled`` (``n_stalled``; each member's ``stalled`` is set:
    None where it diverged) and the mean without them, and whether the row's mean is the highest (``best``);
    with ``hidden`` varied, each row's parameter count (``n_params``) too; its ensemble's epoch time and share per
    member (``_epoch_times``) and, where the members were counted, their mean inert neurons per hidden layer
    (``inert_mean``); the mean of their final parameters' accuracy on the images they trained on
    (``train_set_accuracy_mean``) and of its gap to their final accuracy on ``split`` (``train_gap_mean``, train
    minus that: a fraction; both None where no member has it, as in an older nnjax's folder); with exactly two
    replicate fields
    varied, the row's ``variance_split`` over them (``_variance_split``); with a ``baseline`` row
    (``sweep_grid.check_baseline``), each row against it (``_vs_baseline``)."""
    varied = varied_fields(grid, replicates)
    # the replicate fields varied, each its own grid item (two linked together cannot be told apart: no split)
    crossed = [f for f in replicates if len(grid.get(f, [])) > 1]
    split = results[0]["eval_split"]
    train_s = {r["group"]: r["train_s"] for r in results}
    table: dict[tuple, list[dict[str, Any]]] = {}
    for row in rows:
        table.setdefault(tuple(format_value(row[f]) for f in varied), []).append(row)
    out, finals = [], []
    for members in table.values():
        ok = _counted(members, split)
        accs = [m[f"final_{split}_accuracy"] for m in ok]
        finals.append(accs)
        for m in members:  # judged against the members the row's mean is over; None for a diverged member
            m["stalled"] = None
        for i, m in enumerate(ok):
            m["stalled"] = stalled(accs[i], accs[:i] + accs[i + 1 :])
        going = [a for m, a in zip(ok, accs) if not m["stalled"]]
        best = [m["best_epoch"] for m in ok if m["best_epoch"] is not None]
        if "first_epoch_at_target" in members[0]:  # over the same members as the accuracy: those not diverged
            firsts = [m["first_epoch_at_target"] for m in ok if m["first_epoch_at_target"] is not None]
            held = [m["target_held_from"] for m in ok if m["target_held_from"] is not None]
            reached = {"n_reached": len(firsts), **_epochs_stats(firsts, "reached")}
            reached |= {"n_held": len(held), **_epochs_stats(held, "held")}
        else:
            reached = {}
        out.append(
            {
                **{f: members[0][f] for f in varied},
                **({"n_params": members[0]["n_params"]} if "hidden" in varied else {}),
                "members": [m["member"] for m in members],
                "n": len(members),
                "n_diverged": len(members) - len(ok),
                f"{split}_accuracy_mean": statistics.fmean(accs) if accs else None,
                f"{split}_accuracy_std": statistics.stdev(accs) if len(accs) > 1 else None,  # none of one value
                "n_stalled": len(accs) - len(going),
                f"{split}_accuracy_mean_without_stalled": statistics.fmean(going) if going else None,
                **_train_set_means(ok, split),
                **_epochs_stats(best, "best"),
                **reached,
                # the wall time of the ensemble(s) these members trained in (shared with other rows)
                "train_s": round(sum(train_s[g] for g in dict.fromkeys(m["group"] for m in members)), 3),
                **_epoch_times(members),
                **({"inert_mean": _inert_mean(ok)} if "inert" in members[0] else {}),
                **({"variance_split": _variance_split(members, ok, crossed, grid, split)} if len(crossed) == 2 else {}),
            }
        )
    _mark_best(out, split)
    if baseline is not None:
        _vs_baseline(varied, out, finals, baseline, split)
    return varied, out


def _epoch_times(members: list[dict[str, Any]]) -> dict[str, float | None]:
    """A table row's ``ensemble_epoch_s`` and ``ensemble_epoch_s_per_member``: those of the ensemble its
    ``members`` trained in, the median over its ensembles where they trained in several (None: none timed)."""
    by_group = {m["group"]: m for m in members if m["ensemble_epoch_s"] is not None}
    return {
        name: round(statistics.median(m[name] for m in by_group.values()), 5) if by_group else None
        for name in ("ensemble_epoch_s", "ensemble_epoch_s_per_member")
    }


def _train_set_means(ok: list[dict[str, Any]], split: str) -> dict[str, float | None]:
    """A table row's ``train_set_accuracy_mean`` and ``train_gap_mean`` over the members ``ok`` (those that did
    not diverge) whose result.json has their accuracy on the images they trained on (None: none has)."""
    pairs = [
        (m["final_train_set_accuracy"], m[f"final_{split}_accuracy"])
        for m in ok
        if m["final_train_set_accuracy"] is not None
    ]
    if not pairs:
        return {"train_set_accuracy_mean": None, "train_gap_mean": None, "n_train_set": 0}
    return {
        "train_set_accuracy_mean": statistics.fmean(t for t, _ in pairs),
        "train_gap_mean": statistics.fmean(t - a for t, a in pairs),
        "n_train_set": len(pairs),  # fewer than the members that did not diverge: an older nnjax trained some
    }


def _inert_mean(ok: list[dict[str, Any]]) -> list[float] | None:
    """The mean count of inert neurons per hidden layer over the members ``ok`` (those that did not diverge) that
    were counted; None where none was, or their layers differ in number."""
    counted = [m["inert"] for m in ok if m.get("inert") is not None]
    if not counted or len({len(c) for c in counted}) > 1:
        return None
    return [round(statistics.fmean(layer), 2) for layer in zip(*counted)]


def stalled(acc: float, others: Sequence[float]) -> bool:
    """Whether a member that did not diverge, with final accuracy ``acc`` (a fraction), stalled beside the final
    accuracies of its row's ``others`` that did not diverge either: under ``STALL_FLOOR``, or more than
    ``STALL_POINTS`` below their median."""
    return acc < STALL_FLOOR or (len(others) > 0 and acc < statistics.median(others) - STALL_POINTS)


def _printed(mean: float) -> float:
    """A mean accuracy (a fraction) as the table prints it, in percent to 2 decimals: rows whose means print
    alike tie."""
    return round(100 * mean, 2)


def _top(rows: list[dict[str, Any]], split: str) -> list[dict[str, Any]]:
    """The ``rows`` whose mean accuracy prints highest (ties: all of them); none where no row has a mean (every
    member diverged)."""
    printed = [None if r[f"{split}_accuracy_mean"] is None else _printed(r[f"{split}_accuracy_mean"]) for r in rows]
    best = max((p for p in printed if p is not None), default=None)
    return [r for r, p in zip(rows, printed) if p is not None and p == best]


def _mark_best(table: list[dict[str, Any]], split: str) -> None:
    """Set each table row's ``best``: whether its mean accuracy prints highest of all rows (``_top``), where two
    rows or more have a mean (as the table's bold)."""
    ranked = sum(r[f"{split}_accuracy_mean"] is not None for r in table) > 1
    top = [id(r) for r in _top(table, split)] if ranked else []
    for r in table:
        r["best"] = id(r) in top


def best_per(
    varied: list[str],
    table: list[dict[str, Any]],
    split: str,
    members: Sequence[dict[str, Any]],
    grid: dict[str, list],
) -> dict[str, Any] | None:
    """Where the rows differ in two grid items or more (``_varied_items``: a linked item's fields are one choice):
    for each value of the others' fields (``per``), the value of the last item's (``field``: ``"lr"``; a linked
    item's, ``"lr,weight_decay"``, each of its fields a list in each row) whose row has the highest mean (a list:
    ties to the printed digits give several; empty where every row diverged), that mean, whether it is the
    smallest or largest value tried there (``grid_edge``; None for a linked item) and its ``runner_up`` there (the
    members' rows, ``members``, give the accuracies it tests), as ``{"field": "lr", "per": ["activation"],
    "rows": [{"activation": "relu", "lr": [0.01], "test_accuracy_mean": 0.96, "edge": None, "runner_up": {"lr":
    0.003, ...}}, ...]}``; None with fewer items, or where each value of the others has one row only."""
    items = _varied_items(grid, varied)
    if len(items) < 2:
        return None
    *others, fields = items
    per = [f for item in others for f in item]
    groups: dict[tuple, list[dict[str, Any]]] = {}
    for r in table:
        groups.setdefault(tuple(format_value(r[f]) for f in per), []).append(r)
    if all(len(rows) == 1 for rows in groups.values()):
        return None
    mean = f"{split}_accuracy_mean"
    out = []
    for rows in groups.values():
        top = _top(rows, split)
        values = {f: rows[0][f] for f in per}
        best = {f: [r[f] for r in top] for f in fields}
        # a linked item's tuples have no order: no edge
        edge = grid_edge([r[fields[0]] for r in rows], best[fields[0]]) if len(fields) == 1 else None
        second = runner_up(rows, top, list(fields), split, members)
        out.append({**values, **best, mean: top[0][mean] if top else None, "edge": edge, "runner_up": second})
    return {"field": ",".join(fields), "per": per, "rows": out}


def _varied_items(grid: dict[str, list], varied: Sequence[str]) -> list[tuple[str, ...]]:
    """The ``varied`` fields (those that tell the table's rows apart) by grid item, in grid order: ``[("activation",),
    ("lr", "weight_decay")]`` for ``activation=.. lr,weight_decay=..`` (a linked field its tuples hold fixed left
    out)."""
    return [fields for key in grid if (fields := tuple(f for f in item_fields(key) if f in varied))]


def runner_up(
    rows: list[dict[str, Any]],
    top: list[dict[str, Any]],
    fields: list[str],
    split: str,
    members: Sequence[dict[str, Any]],
) -> dict[str, Any] | None:
    """The row after a pick, the one row ``top`` of ``rows``: the ``fields`` values and mean of the row of the
    next-highest mean among the others, the Welch p of the two rows' final accuracies over their members that did
    not diverge (``welch_p``, from the members' rows ``members``; None with fewer than 2 on a side), whether
    the pick is ``within_noise`` of it (p at least ``NOISE_P``; None: untested) and the ``fewest`` members behind
    the p on a side. None where ``top`` is no single row (a tie, or every member diverged) or no other row has a
    mean."""
    mean = f"{split}_accuracy_mean"
    others = [r for r in rows if r[mean] is not None and not any(r is t for t in top)]
    if len(top) != 1 or not others:
        return None
    second = max(others, key=lambda r: r[mean])
    by_id = {m["member"]: m for m in members}

    def finals(row: dict[str, Any]) -> list[float]:  # as the row's mean counts them
        return [m[f"final_{split}_accuracy"] for m in _counted([by_id[i] for i in row["members"] if i in by_id], split)]

    a, b = finals(top[0]), finals(second)
    p = welch_p(a, b)
    within = None if p is None else p >= NOISE_P
    return {
        **{f: second[f] for f in fields},
        mean: second[mean],
        "p_welch": p,
        "within_noise": within,
        "fewest": min(len(a), len(b)),  # under FEW_FOR_WELCH: a rough guide
    }


def _noise_text(second: dict[str, Any] | None, fields: list[str], split: str, named: bool = True) -> str:
    """``runner-up lr=0.01 at 95.97 %, within noise: p 0.26`` where a pick is within noise of its ``runner_up`` (its
    ``fields`` as --baseline takes them; not ``named``, the one field's value alone: ``runner-up 0.01``); "" where
    it is not, or was not tested."""
    if second is None or not second["within_noise"]:
        return ""
    name = baseline_text({f: second[f] for f in fields}) if named else format_value(second[fields[0]])
    acc = _printed(second[f"{split}_accuracy_mean"])
    return f"runner-up {name} at {acc:.2f} %, within noise: p {second['p_welch']:.2g}"


def _noise_rule(seconds: list[dict[str, Any] | None], holm: bool = False) -> str:
    """What the notes' "within noise" means (``runner_up``), said once where some pick had a runner-up (``seconds``,
    each pick's: None where it had none), with why a pick is untested (too few members; each side's accuracies all
    alike, where some pick was untested for it); where none could be tested, why. With ``holm`` (the table has the
    baseline's "p (Welch; Holm)" column), that a pick's p is Welch's alone: a pair with the baseline row has both."""
    seconds = [s for s in seconds if s is not None]
    if not seconds:
        return ""
    if all(s["p_welch"] is None for s in seconds):  # too few members, or each side's accuracies all equal
        few = {s["fewest"] < 2 for s in seconds}
        needs = ["2 members or more on each side that did not diverge (seeds)"] if True in few else []
        needs += ["final accuracies that vary on one side at least"] if False in few else []
        return (
            "No pick is tested against its runner-up (the row of the next-highest mean): that takes "
            f"{' and '.join(needs)}."
        )
    few = min(s["fewest"] for s in seconds if s["p_welch"] is not None)
    rough = f"; as few as {few}, a rough guide" if few < FEW_FOR_WELCH else ""
    # the table's Welch p is a row's against the baseline: a pick's is against its runner-up, the same only where
    # that is the baseline row
    unadjusted = "; p unadjusted, as the table's Welch p of each row against the baseline, not Holm's" if holm else ""
    # members enough but every accuracy alike on each side (Welch's p undefined): a reason of its own, said
    alike = any(s["p_welch"] is None and s["fewest"] >= 2 for s in seconds)
    alike_text = ", or where each side's final accuracies are all alike" if alike else ""
    return (
        f"Within noise: Welch's two-sided p of the final accuracies of a pick's members and its runner-up's (the "
        f"row of the next-highest mean{unadjusted}) is {NOISE_P:g} or more (untested with fewer than 2 members that "
        f"did not diverge on a side{alike_text}{rough}); such a pick is the highest mean, not shown to be better."
    )


def grid_edge(tried: Sequence[Any], best: Sequence[Any]) -> str | None:
    """Where the ``best`` values of a numeric field lie among the values ``tried`` (every row's, diverged or not):
    "smallest", "largest" (or "smallest and largest", a tie at both ends) where a best one is either end of
    ``EDGE_VALUES`` or more numbers, as the best may then lie beyond the grid; else None (a non-numeric field,
    fewer values, a best within them, or none)."""
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in tried):  # hidden: a list in JSON
        return None
    values = set(tried)
    if len(values) < EDGE_VALUES:
        return None
    ends = [word for word, end in (("smallest", min(values)), ("largest", max(values))) if end in best]
    return " and ".join(ends) or None


def _edge_text(field: str, best: Sequence[Any], edge: str | None) -> str:
    """``grid_edge``'s ``edge`` of a ``field``'s ``best`` values as the notes say it, "the largest lr tried"
    (naming the value where several tied: "0.3 the largest lr tried"); "" where it is None."""
    if edge is None:
        return ""
    if len(best) == 1:
        return f"the {edge} {field} tried"
    ends = {"smallest": min(best), "largest": max(best)}
    return " and ".join(f"{format_value(ends[w])} the {w}" for w in edge.split(" and ")) + f" {field} tried"


def findings(
    varied: list[str],
    table: list[dict[str, Any]],
    members: list[dict[str, Any]],
    grid: dict[str, list],
    split: str = "test",
    per: dict[str, Any] | None = None,
    second: dict[str, Any] | None = None,
) -> str:
    """The sentences the notes open with: which row's mean is the highest (in bold in the table; ties
    named as such) where there are two rows or more; with ``per`` (``best_per``), the best value of its field
    (a linked item's tuple, named by its fields) for each value of the others; where a pick is within noise of
    its runner-up (the highest mean's: ``second``, ``runner_up``; each best value's: in ``per``), that, and once
    the rule (``_noise_rule``); on the test split, that those picks are no choice (``_test_pick_text``); either
    saying where a best value is the smallest or largest of a numeric field's tried (``grid_edge``; a single-field
    sweep's field); and the members that stalled (``stalled``), each by number, its replicate values and final
    accuracy, per row, with the row's mean without them. "" where none applies."""
    mean = f"{split}_accuracy_mean"
    out = []
    highest = sum(r[mean] is not None for r in table) > 1  # a row to name as the highest mean's
    if highest:
        best = [r for r in table if r["best"]]
        names = " and ".join(baseline_text({f: r[f] for f in varied}) for r in best)
        said = []
        if len(varied) == 1:  # a single-field sweep's best value at an end of its grid
            field, top = varied[0], [r[varied[0]] for r in best]
            if edge := grid_edge([r[field] for r in table], top):
                said.append(_edge_text(field, top, edge))
        if noise := _noise_text(second, varied, split):
            said.append(noise)
        if said:
            names += f" ({'; '.join(said)})"
        if len(best) == 1:
            out.append(f"Highest mean (in bold): {names}.")
        else:
            out.append(f"Highest mean (in bold), {len(best)} rows tied to the printed digits: {names}.")
    if per is not None:
        entries = []
        fields = list(item_fields(per["field"]))
        for g in per["rows"]:
            key_text = _fields_text([format_value(g[f]) for f in per["per"]])
            best = g[fields[0]]
            if not best:
                entries.append(f"{key_text} none (every member diverged)")
                continue
            if len(fields) == 1:
                values = " and ".join(format_value(v) for v in best)
            else:  # a linked item's tuple, named by its fields: lr=0.003,weight_decay=0.001
                values = " and ".join(baseline_text({f: g[f][i] for f in fields}) for i in range(len(best)))
            tied = ", tied" if len(best) > 1 else ""
            edge = _edge_text(fields[0], best, g["edge"])
            noise = _noise_text(g.get("runner_up"), fields, split, named=len(fields) > 1)
            said = "".join(f"; {t}" for t in (edge, noise) if t)
            entries.append(f"{key_text} {values} ({_printed(g[mean]):.2f} %{tied}{said})")
        out.append(f"Best {_picked(per)} per {_over(per)}: {', '.join(entries)}.")
    seconds = [second] + ([g.get("runner_up") for g in per["rows"]] if per is not None else [])
    if rule := _noise_rule(seconds, holm=bool(table) and "baseline" in table[0]):
        out.append(rule)
    # a researcher trial took these for a choice (and missed the sentence where a linked item left no per-field best)
    if split == "test" and (picked := _test_pick_text(highest, per)):
        out.append(picked)
    if any(m["stalled"] for m in members):
        out.append(_stalled_text(varied, table, members, grid, split))
    return " ".join(out)


def _picked(per: dict[str, Any]) -> str:
    """``lr`` or ``(lr, weight_decay)`` (a linked item's fields, one choice): what a ``best_per`` picks."""
    return _fields_text(item_fields(per["field"]))


def _over(per: dict[str, Any]) -> str:
    """``activation`` or ``(activation, standardize)``: the fields a ``best_per`` picks a best value for each of."""
    return _fields_text(per["per"])


def _fields_text(fields: Sequence[str]) -> str:
    """``lr``, or ``(lr, weight_decay)`` for several fields (or values: ``(relu, true)``)."""
    return fields[0] if len(fields) == 1 else f"({', '.join(fields)})"


def _test_pick_text(highest: bool, per: dict[str, Any] | None) -> str:
    """The sentence that says the picks the notes made on the test split (the ``highest`` mean's, ``per``'s best
    values: those whose members did not all diverge) are no choice, for any field; "" where none was made."""
    picks = ["the highest mean"] if highest else []
    if per is not None and any(g[item_fields(per["field"])[0]] for g in per["rows"]):
        picks.append(f"the best {_picked(per)} per {_over(per)}")
    if not picks:
        return ""
    what = " and ".join(picks)
    return (
        f"{what[0].upper()}{what[1:]} {'are' if len(picks) > 1 else 'is'} picked on the test split: to choose a "
        "setting, sweep with --validation."
    )


def _stalled_text(
    varied: list[str], table: list[dict[str, Any]], members: list[dict[str, Any]], grid: dict[str, list], split: str
) -> str:
    """``Stalled (…rule…): lr=1: member 5 (seed=2) 11.35 %, the row's mean 93.10 % without it. …``: each row's
    stalled members, up to ``MAX_STALLED_NAMED`` of them."""
    by_id = {m["member"]: m for m in members}
    within = [f for f in varied_fields(grid, ()) if f not in varied]  # what tells a row's members apart
    parts, named = [], 0
    n_stalled = sum(bool(m["stalled"]) for m in members)
    for r in table:
        gone = [by_id[i] for i in r["members"] if by_id[i]["stalled"]]
        if not gone or named >= MAX_STALLED_NAMED:
            continue
        shown = gone[: MAX_STALLED_NAMED - named]
        named += len(shown)
        each = []
        for m in shown:
            values = baseline_text({f: m[f] for f in within})
            acc = _printed(m[f"final_{split}_accuracy"])
            each.append(f"{m['member']}{f' ({values})' if values else ''} {acc:.2f} %")
        row = f"{baseline_text({f: r[f] for f in varied})}: " if varied else ""
        who = "member" if len(gone) == 1 else ("all members" if len(gone) == r["n"] else "members")
        part = f"{row}{who} {', '.join(each)}"
        rest = r[f"{split}_accuracy_mean_without_stalled"]
        if rest is not None:
            part += f", the row's mean {_printed(rest):.2f} % without {'it' if len(gone) == 1 else 'them'}"
        parts.append(part)
    more = f"; {n_stalled - named} more in members.csv's stalled column" if n_stalled > named else ""
    return (
        f"Stalled (did not diverge, but ended more than {100 * STALL_POINTS:g} points below the median of the "
        f"other members of its row, or under {100 * STALL_FLOOR:g} %, near the 10–11 % of a network that gives every "
        f"image the same answer): {'; '.join(parts)}{more}. The row's mean and std count them."
    )


def variance_table(varied: list[str], table: list[dict[str, Any]], split: str = "test") -> str:
    """Under the summary table, where its rows carry a ``variance_split``: each row's share of the sum of
    squares of its final ``split`` accuracy from each replicate field's main effect (with F and p) and the
    rest, in Markdown; "" where they carry none."""
    splits = [r["variance_split"] for r in table if "variance_split" in r]
    if not splits:
        return ""
    a, b = splits[0]["fields"]
    df = next((s["df"] for s in splits if "df" in s), None)  # alike in every row: the grid is a product

    def name(field: str) -> str:  # ``seed, F(4, 16)``
        return field if df is None else f"{field}, F({df[field]}, {df['rest']})"

    head = [*varied, name(a), name(b), "rest (interaction)"]
    lines = [
        f"Variance split of the final {SPLIT_NAMES[split]} accuracy over {a} × {b} (two-way ANOVA without "
        "replication, one member per cell): each main effect's share of the sum of squares, its F (its mean "
        "square over the rest's) and p; the rest is their interaction, which one member per cell cannot tell "
        "from noise.",
        "",
        "| " + " | ".join(head) + " |",
        "|" + "---|" * len(head),
    ]
    for r in table:
        s = r["variance_split"]
        if "why" in s:
            cells = [f"— ({s['why']})", "—", "—"]
        else:
            cells = [_share_cell(s, a), _share_cell(s, b), _percent(s["share"]["rest"])]
        lines.append("| " + " | ".join([*(format_value(r[f]) for f in varied), *cells]) + " |")
    return "\n".join(lines) + "\n"


def _percent(share: float | None) -> str:
    return "—" if share is None else f"{100 * share:.1f} %"


def _share_cell(s: dict[str, Any], field: str) -> str:
    """``41.2 % (F 3.10, p 0.078)``: a main effect's share of the sum of squares, F and p."""
    if s["F"][field] is None:
        return _percent(s["share"][field])
    return f"{_percent(s['share'][field])} (F {s['F'][field]:.2f}, p {s['p'][field]:.2g})"


def plural(n: int, noun: str) -> str:
    """``1 group``, ``2 groups``."""
    return f"{n} {noun}{'' if n == 1 else 's'}"


def markdown_table(
    varied: list[str],
    table: list[dict[str, Any]],
    split: str = "test",
    target: float | None = None,
    inert: bool = False,
    at: str | None = None,
) -> str:
    """The summary table in Markdown; accuracy on ``split`` ("test" or "val"), the highest mean in bold
    (rows marked ``best``; where two rows or more have a mean); a ``parameters`` column
    where the rows carry ``n_params`` (a grid over ``hidden``); where they were compared with a baseline row
    (``_vs_baseline``), the difference from it and its p-values; the training images' accuracy and its gap to
    ``split``'s (``_train_cell``); with ``inert``, the mean inert neurons per hidden layer (``_inert_cell``);
    with a ``target``, ``epochs to`` and ``held from`` columns; the ensemble's epoch and that ÷ its members
    (``ENSEMBLE_EPOCH_NOTE``; ``—``: not timed). ``at`` (``at epoch 2 of 5``) follows the accuracy's name in
    the header: the table of ``sweep.summarize(epoch=N)``."""
    params = bool(table) and "n_params" in table[0]
    head = [*varied, *(["parameters"] if params else []), "members"]
    head += [f"{SPLIT_NAMES[split]} accuracy (%){f' {at}' if at else ''} mean ± std"]
    compared = bool(table) and "baseline" in table[0]
    if compared:
        head += ["vs baseline (points)", "p (Welch; Holm)"]
    head += [TRAIN_HEAD, *([INERT_HEAD] if inert else []), "best epoch"]
    if target is not None:
        head += [f"epochs to {target_percent(target)}", f"held ≥ {target_percent(target)} from"]
    head += ["train time (s)", "ensemble epoch (s)", "÷ members (s)", "diverged"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in table:
        if r[f"{split}_accuracy_mean"] is None:
            acc = "—"
        else:
            std = r[f"{split}_accuracy_std"]
            acc = f"{100 * r[f'{split}_accuracy_mean']:.2f} ± {'—' if std is None else f'{100 * std:.2f}'}"
            if r.get("best"):  # the highest mean (ties: each; of two rows or more), in Markdown bold
                acc = f"**{acc}**"
        best = "—" if r["best_epoch_median"] is None else _epochs_range(r, "best")
        cells = [*(format_value(r[f]) for f in varied), *([f"{r['n_params']:,}"] if params else [])]
        cells += [str(r["n"]), acc, *(_baseline_cells(r) if compared else []), _train_cell(r)]
        cells += [*([_inert_cell(r)] if inert else []), best]
        if target is not None:
            cells += [_epochs_cell(r, "reached"), _epochs_cell(r, "held")]
        cells += [f"{r['train_s']:.1f}", _seconds(r["ensemble_epoch_s"]), _seconds(r["ensemble_epoch_s_per_member"])]
        cells += [f"{r['n_diverged']}/{r['n']}"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _train_cell(r: dict[str, Any]) -> str:
    """``99.86 (+7.72)``: a row's mean accuracy on the images its members trained on, in percent, and its gap to
    the row's reported accuracy in percentage points, ``, 2 of 3`` where only some members that did not diverge
    have it (a sweep an older nnjax began, resumed); ``—``: none has, as in an older nnjax's folder."""
    if r.get("train_set_accuracy_mean") is None:
        return "—"
    cell = f"{100 * r['train_set_accuracy_mean']:.2f} ({100 * r['train_gap_mean']:+.2f})"
    n = r["n"] - r["n_diverged"]  # a sweep an older nnjax began, resumed: only the members trained since have it
    return cell if r["n_train_set"] == n else f"{cell}, {r['n_train_set']} of {n}"


def _inert_cell(r: dict[str, Any]) -> str:
    """``4.33, 0``: a row's mean inert neurons per hidden layer (``inert_mean``), layer 1 first; ``—``: none
    counted (every member diverged, an older nnjax's folder, or a table at an earlier epoch than the last)."""
    if r.get("inert_mean") is None:
        return "—"
    return ", ".join(f"{x:g}" for x in r["inert_mean"])


def inert_counted(results: list[dict[str, Any]], members: Collection[int]) -> bool:
    """Whether some of the ``members`` has an inert neuron in its final parameters (their groups' ``results``):
    where none has, the table has no inert column (a sigmoid sweep's would be 0 in every row)."""
    return any(
        counts and any(counts) for r in results for m, counts in zip(r["members"], r.get("inert") or []) if m in members
    )


def _seconds(s: float | None) -> str:
    """``0.39``, ``0.078``: an epoch time in seconds to 2 decimals, under 0.1 s to 2 significant digits (``—``:
    not timed)."""
    if s is None:
        return "—"
    return f"{s:.2f}" if s >= 0.1 else f"{s:#.2g}"


def _baseline_cells(r: dict[str, Any]) -> list[str]:
    """``+0.37``, ``0.006; 0.031``: a row's difference from the baseline row's mean accuracy in percentage
    points, and its Welch p, Holm-adjusted after the ';' (the baseline row: ``baseline``, ``—``)."""
    if r["baseline"]:
        return ["baseline", "—"]
    gap = "—" if r["vs_baseline"] is None else f"{100 * r['vs_baseline']:+.2f}"
    return [gap, "—" if r["p_welch"] is None else f"{r['p_welch']:.2g}; {r['p_holm']:.2g}"]


def _epochs_range(r: dict[str, Any], name: str) -> str:
    """``16 (15–18)``: a row's ``_epochs_stats`` of ``name`` as median (min–max)."""
    return f"{r[f'{name}_epoch_median']:g} ({r[f'{name}_epoch_min']}–{r[f'{name}_epoch_max']})"


def _epochs_cell(r: dict[str, Any], name: str) -> str:
    """``16 (15–18)``; ``16 (15–18), 2 of 3`` where not every member counts (reached or held the target);
    ``never (0 of 3)``."""
    n = r["n"] - r["n_diverged"]
    if not r[f"n_{name}"]:
        return f"never (0 of {n})"
    cell = _epochs_range(r, name)
    return cell if r[f"n_{name}"] == n else f"{cell}, {r[f'n_{name}']} of {n}"


def table_notes(
    split: str,
    target: float | None = None,
    cosine: bool = False,
    replicates: Sequence[str] = DEFAULT_REPLICATES,
    baseline: dict[str, Any] | None = None,
    fewest: int | None = None,
    baseline_diverged: bool = False,
    inert: bool = False,
) -> str:
    """What the numbers of the summary table on ``split`` ("test" or "val") are: which parameters' accuracy,
    mean and spread over which members, what the train accuracy column is (``TRAIN_NOTE``), the split each best
    epoch was picked on (the test split's: said to be test-set selection), what the train time counts; with a
    ``target``, what its columns count (and, where a member's schedule is ``cosine``, that it anneals over
    --epochs); with ``replicates`` other than the seed,
    which fields each row averages over; with a ``baseline`` row, what the comparison with it tests, and where
    the ``fewest`` members behind a p (``fewest_compared``) are under ``FEW_FOR_WELCH``, that its p is a rough
    guide, and with ``baseline_diverged`` (every member of the baseline row diverged), that no row is compared
    and how to compare with another without training again; with ``inert``, what the inert column is
    (``INERT_NOTE``). summary.md and ``nnjax sweep`` print it below the table."""
    accuracy = (
        "Test accuracy: final parameters on the official test split"
        if split == "test"
        else f"Validation accuracy: final parameters on the {N_VALIDATION:,} held-out training images "
        "(--validation; members.csv also has each member's final test accuracy)"
    )
    best = f"Best epoch: median (min–max) of the epoch with the highest {SPLIT_NAMES[split]} accuracy"
    if split == "test":
        best += (
            ", picked on the test set: it describes the curves and is no basis for choosing a number of epochs "
            "(--validation picks on held-out training images)"
        )
    if target is not None:
        pct = target_percent(target)
        best += (
            f". Epochs to {pct}: median (min–max) of the first epoch whose {SPLIT_NAMES[split]} accuracy reached "
            f"{pct}; held from: of the epoch from which it stayed at or above {pct} through the last; both over "
            "the members that did not diverge (how many counted, "
            "where not all). Such epochs move more than the final accuracy: another seed, or the same member "
            "trained alone, can cross many epochs earlier or later"
        )
        if cosine:
            best += "; a cosine schedule anneals over --epochs, so they depend on --epochs too"
    if baseline is not None:
        over = " and ".join(replicates)
        best += (
            f". vs baseline: the row's mean minus that of the baseline row ({baseline_text(baseline)}), in "
            f"percentage points; p: Welch's two-sided t-test of the two rows' final accuracies over their members "
            f"(which differ in {over}), then Holm-adjusted for every row compared. It asks whether the recipes differ "
            f"beyond {over} noise; nnjax compare asks it of two networks, over the test images"
        )
        if baseline_diverged:
            best += (
                ". Every member of the baseline row diverged, so no row is compared with it (—): nnjax summary "
                "SWEEP_DIR --baseline FIELD=V,.. compares the rows with another, without training again"
            )
        if fewest is not None and fewest < FEW_FOR_WELCH:
            best += (
                f". As few as {fewest} members (not diverged) in a row compared or the baseline: too few for Welch's "
                "test to judge the spread, so its p is a rough guide there"
            )
    rows = ""
    if tuple(replicates) != DEFAULT_REPLICATES:
        rows = f"Each row's members differ only in {' and '.join(replicates)} (--replicates). "
    return (
        f"{rows}{accuracy}; mean ± sample std (n − 1) over the members that did not diverge. "
        f"{TRAIN_NOTE.format(split=SPLIT_NAMES[split])}{f' {INERT_NOTE}' if inert else ''} {best}. Train time: wall "
        "time of the ensemble the members trained in (all members of a group train at once; compilation not "
        f"included). {ENSEMBLE_EPOCH_NOTE} A member agrees with the same member trained alone, or in a grid with "
        "other members beside it, to rounding that training amplifies, not bit for bit: compare members of one sweep."
    )


def epoch_note(epoch: int, last: int, split: str, inert: bool = False) -> str:
    """What a table at ``epoch`` (before the ``last``) of a sweep on ``split`` says (``sweep.summarize(epoch=N)``):
    each column as if the sweep had stopped after that epoch, or why it is ``—``, or that it is the whole run's."""
    name = SPLIT_NAMES[split]
    final = f"The {TRAIN_HEAD}{f' and {INERT_HEAD}' if inert else ''} column{'s' * inert}"
    test = "" if split == "test" else " (members' test accuracy: measured after the last epoch only, none here)"
    upto = "epoch 1" if epoch == 1 else f"epochs 1 to {epoch}"
    return (
        f"At epoch {epoch} of {last}: each member as it was after epoch {epoch}, from metrics.jsonl, as if the sweep "
        f"had stopped there: its {name} accuracy then (mean ± std, the bold, stalled members, vs baseline, the "
        f"variance split){test}; diverged only if it had by epoch {epoch}; best epoch and epochs to a target among "
        f"{upto}. {final}: measured on the final parameters only, so — here (--json's members have at_epoch "
        f"{epoch}: their final_* are epoch {epoch}'s, final_train_accuracy its mean over its mini-batches). Train "
        f"time and epoch times: the whole run's ({last} epochs)."
    )


def timing_text(wall_s: float, train_s: float, compile_s: float, resumed: bool = False, loaded: str = "") -> str:
    """``wall 8.0 s (training 7.0 s, compilation 1.2 s)``; after a resume, wall is this session's only. ``loaded``
    (``loaded_text``) follows the compilation, which then counts those loads too."""
    if resumed:
        return (
            f"wall {wall_s:.1f} s for this --resume (training {train_s:.1f} s over every session, "
            f"compilation {compile_s:.1f} s at each group's last start{loaded})"
        )
    return f"wall {wall_s:.1f} s (training {train_s:.1f} s, compilation {compile_s:.1f} s{loaded})"


def loaded_text(groups: list[dict[str, Any]]) -> str:
    """What the compilation time of ``groups`` (their result.json) also counts: ``; 1 of 2 groups: epoch program
    loaded from JAX's compilation cache`` where some were not compiled but loaded (``compile_cached``), and what it
    leaves out: ``; 1 of 2 groups: no epoch program compiled, nothing left to train`` where some were finished
    again from their last epoch's checkpoint (``compile_skipped``, compile_s 0); else ""."""
    of = plural(len(groups), "group")
    n_loaded = sum(bool(g.get("compile_cached")) for g in groups)  # absent from an older nnjax's result.json: compiled
    n_skipped = sum(bool(g.get("compile_skipped")) for g in groups)
    text = f"; {n_loaded} of {of}: epoch program loaded from JAX's compilation cache" if n_loaded else ""
    return text + (f"; {n_skipped} of {of}: no epoch program compiled, nothing left to train" if n_skipped else "")


def summary_timing(summary: dict[str, Any]) -> str:
    """``timing_text`` of a ``run_sweep`` summary; of a ``sweep.summarize`` one (``folders``), the wall time its
    sweep.json records, saying what it sums (several folders; sessions, after a --resume) and where none was
    recorded (a folder of an older nnjax). A summary without ``groups`` (one put together by hand) loaded none."""
    loaded = loaded_text(summary.get("groups", []))
    if "folders" not in summary:
        resumed = summary.get("resumed", False)
        return timing_text(summary["wall_s"], summary["train_s"], summary["compile_s"], resumed, loaded)
    folders, unrecorded = summary["folders"], summary["wall_unrecorded"]
    older = "made by an nnjax before 2026-12-07, whose summary.md has it"
    times = f"training {summary['train_s']:.1f} s, compilation {summary['compile_s']:.1f} s{loaded}"
    if summary["wall_s"] is None:
        return f"{times}; wall time not recorded (a folder {older})"
    n_recorded = len(folders) - len(unrecorded)
    summed = []
    if len(folders) > 1:
        summed.append(f"{n_recorded} of {len(folders)} folders" if unrecorded else f"the {len(folders)} folders")
    if summary["wall_sessions"] > n_recorded:  # a --resume trained: as nnjax sweep --resume says its times
        summed.append(f"{summary['wall_sessions']} sessions")
        times = (
            f"training {summary['train_s']:.1f} s over every session, compilation {summary['compile_s']:.1f} s at "
            f"each group's last start{loaded}"
        )
    text = f"wall {summary['wall_s']:.1f} s" + (f" summed over {' and '.join(summed)}" if summed else "")
    unsaid = f"; not recorded in {', '.join(unrecorded)}, a folder {older}" if unrecorded else ""
    return f"{text} ({times}){unsaid}"


def _placement(results: list[dict[str, Any]]) -> str:
    """How the groups used the devices, e.g. "members split over up to 2 devices" (a group on one device
    splits nothing); each group's when some split their members and others each mini-batch (a sweep
    resumed on other devices)."""

    def how(r: dict[str, Any]) -> str:
        return "members split" if r.get("split") == "members" else "each mini-batch split"

    split = [r for r in results if r["n_devices"] > 1]
    if not split:
        return "1 device"
    if len({how(r) for r in split}) > 1:
        each = (f"{how(r)} over {r['n_devices']} devices" if r["n_devices"] > 1 else "1 device" for r in results)
        return "; ".join(f"{r['group']} {e}" for r, e in zip(results, each))
    return f"{how(split[0])} over up to {max(r['n_devices'] for r in split)} devices"


def write_summary(
    sweep_dir: Path,
    base: Config,
    configs: list[Config],
    grid: dict[str, list],
    results: list[dict[str, Any]],
    lines: list[dict[str, Any]],
    wall_s: float,
    resumed: bool = False,
    write: bool = True,
    target: float | None = None,
    replicates: Sequence[str] = DEFAULT_REPLICATES,
    baseline: dict[str, Any] | None = None,
    only: Collection[int] | None = None,
    epoch: int | None = None,
) -> dict[str, Any]:
    """Write members.csv, summary.md and accuracy.png (``SUMMARY_FILES``; not with ``write=False``) from
    the groups' results and the sweep's metrics.jsonl ``lines``; return the summary.

    ``wall_s`` is this call's; with ``resumed`` the training and compilation times also hold earlier
    sessions', so the text says which is which. A ``target`` accuracy (a fraction) adds each member's first
    epoch that reached it and, per row, their median and range. The rows average over the ``replicates``
    (grid fields); with two of them varied, a variance split of each row's final accuracy over them
    (``variance_table``) follows the table. A ``baseline`` row (``sweep_grid.check_baseline``) adds each other
    row's difference from it and the p-values of Welch's test. The notes open with the ``findings`` (best rows,
    ``best_per``, stalled members) where there are any, a paragraph of their own. ``only``: the members to count
    (None: every member of a finished group). An ``epoch`` (``sweep.summarize(epoch=N)``; at most every counted
    member's epochs) makes the table, notes and rows those of each member after that epoch (``_member_rows``),
    the accuracy's header says ``at epoch N of E`` and the notes open with what each column is then
    (``epoch_note``); at the last epoch, E, all is as without it."""
    from nnjax import checkpoint

    rows = _member_rows(configs, grid, results, lines, target, only, epoch)
    varied, table = _table_rows(grid, rows, results, replicates, baseline)
    split = results[0]["eval_split"]

    if write:
        checkpoint.write_atomic(sweep_dir / "members.csv", members_csv(rows).encode())

    inert = inert_counted(results, {r["member"] for r in rows})
    last = max((configs[r["member"]].epochs for r in rows), default=base.epochs)  # with an epoch: every member's
    at = f"at epoch {epoch} of {last}" if epoch is not None and epoch < last else None  # at E: the final table
    md = markdown_table(varied, table, split, target, inert=inert, at=at)
    variance = variance_table(varied, table, split)
    cosine = any("cosine" in c.schedule for c in configs)
    fewest = fewest_compared(table) if baseline is not None else None
    lost = any(r["baseline"] and r[f"{split}_accuracy_mean"] is None for r in table) if baseline is not None else False
    notes = table_notes(
        split,
        target,
        cosine=cosine,
        replicates=replicates,
        baseline=baseline,
        fewest=fewest,
        baseline_diverged=lost,
        inert=inert,
    )
    per = best_per(varied, table, split, rows, grid)
    second = runner_up(table, [r for r in table if r["best"]], varied, split, rows)
    if found := findings(varied, table, rows, grid, split, per, second):  # a paragraph of its own, before the rest
        notes = f"{found}\n\n{notes}"
    if epoch is not None and epoch < last:  # first: the rest is read as of that epoch
        notes = f"{epoch_note(epoch, last, split, inert)}\n\n{notes}"
    device = results[0]["device"]
    train_total = sum(r["train_s"] for r in results)
    compile_total = sum(r["compile_s"] for r in results)
    loaded = loaded_text(results)  # the groups whose compile_s was a load
    grid_str, fields = grid_text(grid), grid_fields(grid)
    # init unresolved: "auto" means each member's activation picks its own scheme; scan_unroll as given
    as_given = {"init": base.init, "scan_unroll": base.scan_unroll}
    doc = (
        f"# Sweep {sweep_dir.name}\n\n"
        f"Base config `{base.name}` with grid `{grid_str}`: {plural(len(configs), 'member')} in "
        f"{plural(len(results), 'group')} (one compiled ensemble each).\n\n"
        f"Base config fields (the grid's own left out): "
        f"`{json.dumps({k: v for k, v in {**result_fields(base), **as_given}.items() if k not in fields})}`\n\n"
        + md
        + (f"\n{variance}" if variance else "")
        + f"\n{notes}\n\n"
        f"Wall time: {timing_text(wall_s, train_total, compile_total, resumed, loaded).removeprefix('wall ')} "
        f"on {device} ({os.cpu_count()} CPU cores visible), {_placement(results)}.\n\n"
        "![accuracy per epoch](accuracy.png)\n"
    )
    if write:  # the table first: a figure that fails to draw leaves it written
        checkpoint.write_atomic(sweep_dir / "summary.md", doc.encode())
        from nnjax.viz import plot_sweep_accuracy

        diverged = {r["member"] for r in rows if r["diverged_epoch"] is not None}  # left out, as in the table
        over = "seeds" if tuple(replicates) == DEFAULT_REPLICATES else f"members ({', '.join(replicates)})"
        # the figure's title says how many were left out, and which groups lost every member
        plot_sweep_accuracy(lines, varied, sweep_dir / "accuracy.png", split, diverged, target=target, over=over)
    return {
        "sweep_dir": str(sweep_dir),
        "n_members": len(configs),
        "n_groups": len(results),
        "wall_s": round(wall_s, 3),
        "resumed": resumed,
        "train_s": round(train_total, 3),
        "compile_s": round(compile_total, 3),
        "device": device,
        "grid": grid_json(grid),
        "varied": varied,
        "rows": table,
        "best_per": per,
        "runner_up": second,
        "members": rows,
        "groups": results,
        "target": target,
        "replicates": list(replicates),
        "baseline": None if baseline is None else {f: json_value(v) for f, v in baseline.items()},
        "table": md,
        "variance": variance,
        "notes": notes,
        **({} if epoch is None else {"epoch": epoch, "of_epochs": last}),
    }
