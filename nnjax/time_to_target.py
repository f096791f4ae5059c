"""Seconds and epochs to a target accuracy with each grid member trained alone: one ordinary run folder per
member (a K=1 run, ``run.train_and_evaluate``), trained in one process seed-major (every setting's first seed,
then every setting's second, …) so that a machine's drift spreads over the table's rows, and a Markdown table
per setting of what the runs' target.json and result.json say.

A sweep trains its members together, so its train time is the ensemble's; these are single runs' own seconds.
The grid is a sweep's (``sweep_grid``: parsed, expanded and checked the same way).
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from nnjax import checkpoint
from nnjax.config import NEUTRAL, Config, result_fields, unused_fields, without_unused
from nnjax.errors import ConfigError, DivergedError
from nnjax.sweep_grid import (
    DEFAULT_REPLICATES,
    check_replicates,
    expand,
    format_value,
    grid_fields,
    grid_json,
    grid_text,
    legacy_member_name,
    member_values,
    normalize_grid,
    varied_fields,
)
from nnjax.sweep_summary import members_csv
from nnjax.target import check_target, target_percent

SPEC_FILE = "time_to_target.json"  # what the out-root was started with: a second call continues only the same
TABLE_FILE = "time_to_target.md"
CSV_FILE = "runs.csv"


def interleaved(configs: Sequence[Config], grid: dict[str, list]) -> list[Config]:
    """``configs`` (``expand``'s, one per member) reordered replicate-major: every setting's first seed, then
    every setting's second, …; settings keep the grid's order."""
    reps = [f for f in grid_fields(grid) if f in DEFAULT_REPLICATES]

    def key(cfg: Config) -> tuple:
        return tuple(getattr(cfg, f) for f in reps)

    order = {k: i for i, k in enumerate(dict.fromkeys(key(c) for c in configs))}  # replicate values, first seen
    return sorted(configs, key=lambda c: order[key(c)])  # sorted is stable: settings stay in grid order


def plan(
    base: Config, grid: dict[str, Sequence[Any]], target: float, out_root: str | Path
) -> list[tuple[Config, Path]]:
    """Each member's config and run folder (OUT_ROOT/NAME, ``run_folder``), in training order (``interleaved``).
    Every check is made here, before anything trains or is written: the grid and its members (``expand``), each
    member's memory (``run.check_config``), the target, and the out-root: a file, or a folder that holds
    something else than runs this same grid, base config and target started, is a ConfigError (the same call
    again continues it)."""
    from nnjax.run import check_config

    target = check_target(target)
    grid = normalize_grid(grid)
    check_replicates(None, grid)
    # a field only some members use (--warmup-epochs 5 beside schedule=constant): as nnjax sweep takes it, each
    # run that does not use it gets its NEUTRAL value (config.json records what trained), not a refusal
    configs = [check_config(without_unused(c)) for c in expand(base, grid)]
    root = Path(out_root)
    if root.exists():
        if not root.is_dir():
            raise ConfigError(f"{root}: is a file; --out-root names the folder the runs go to")
        if any(root.iterdir()):
            if not (root / SPEC_FILE).exists():
                raise ConfigError(
                    f"{root}: already exists and holds other files than these runs; use another --out-root"
                )
            if checkpoint.read_json(root / SPEC_FILE) != spec(base, grid, target):
                raise ConfigError(
                    f"{root}: started with another grid, config or target (see its {SPEC_FILE}); the same command "
                    "continues it, other settings need another --out-root"
                )
    return [(c, run_folder(root, c, grid)) for c in interleaved(configs, grid)]


def run_folder(root: Path, cfg: Config, grid: dict[str, list]) -> Path:
    """The folder of member ``cfg``'s run in out-root ``root``: ROOT/NAME, or the one an nnjax before 2026-12-07
    started under its old name (``sweep_grid.legacy_member_name``: standardize=True) where only that one is
    there, so that the run is continued, not trained again."""
    own = root / cfg.name
    old = root / legacy_member_name(cfg, grid_fields(grid))
    return old if not own.exists() and old.is_dir() else own


def spec(base: Config, grid: dict[str, list], target: float) -> dict[str, Any]:
    """What an out-root keeps of the call that started it (``SPEC_FILE``): the base config's result fields, the
    grid and the target. A field the base does not use but some run does (``--warmup-epochs 5`` beside
    ``schedule=constant,warmup_cosine``) is kept too: another value of it is another out-root."""
    kept = result_fields(base)
    swept = grid_fields(grid)
    for member in member_values(normalize_grid(grid)):
        used = unused_fields(base).keys() - unused_fields(base.replace(**member)).keys() - set(swept)
        # a NEUTRAL value (none of it) is left out: what an out-root started before these were kept records
        kept.update({f: getattr(base, f) for f in used if getattr(base, f) != NEUTRAL[f]})
    return {"base": kept, "grid": grid_json(grid), "target": target}


def run_record(cfg: Config, run_dir: Path, grid: dict[str, list], order: int) -> dict[str, Any]:
    """One row of runs.csv: the run's grid values and what its result.json and target.json hold (a run that
    diverged has no result.json: its figures are None and ``diverged`` True); ``compile_reused``: its epoch
    program was not compiled but reused, compiled by an earlier run in the process (``compile_s`` then the
    seconds to trace it and find it); ``compile_cached``: JAX loaded it from its persistent compilation cache
    (``compile_s`` then the seconds to trace and load it); ``compile_skipped``: none was compiled, the run finished
    again from its last epoch's checkpoint (its result.json lost; ``compile_s`` then 0)."""
    result_path, target_path = run_dir / "result.json", run_dir / "target.json"
    result = checkpoint.read_json(result_path) if result_path.exists() else None
    kept = checkpoint.read_json(target_path) if target_path.exists() and result is not None else {}
    return {
        "order": order,
        "name": cfg.name,
        **{f: getattr(cfg, f) for f in grid_fields(grid)},
        "run_dir": str(run_dir),
        "diverged": result is None,
        "epochs": None if result is None else result["epochs"],
        "compile_s": None if result is None else result["compile_s"],
        # an earlier run of this process had compiled the same program (absent from older result.json: compiled)
        "compile_reused": None if result is None else bool(result.get("compile_reused", False)),
        "compile_cached": None if result is None else bool(result.get("compile_cached", False)),
        "compile_skipped": None if result is None else bool(result.get("compile_skipped", False)),
        "epoch_s_median": None if result is None else result["epoch_s_median"],
        "first_epoch_at_target": kept.get("first_epoch_at_target"),
        "train_s_to_target": kept.get("train_s_to_target"),
        "target_held_from": kept.get("target_held_from"),
        "train_s_to_held": kept.get("train_s_to_held"),
        "test_accuracy": None if result is None else result["test_accuracy"],
    }


def train_alone(
    base: Config,
    grid: dict[str, Sequence[Any]],
    target: float,
    out_root: str | Path,
    *,
    progress: bool = True,
    splits: Any = None,
    on_run: Callable[[int, int, Config, Path], None] | None = None,
    records: list[dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """Train every member of ``base`` × ``grid`` alone (``plan``'s order and folders), each with ``target``;
    return one ``run_record`` per run, in training order, also appended to ``records`` as each finishes (so a
    caller interrupted midway has the finished ones). The data set is loaded once (or ``splits`` is used). A
    run folder already finished is read back, one started is resumed (``train_and_evaluate(resume=True)``).
    ``on_run(i, n, cfg, run_dir)`` is called before each run."""
    from nnjax.data import load_splits
    from nnjax.run import train_and_evaluate

    grid = normalize_grid(grid)
    runs = plan(base, grid, target, out_root)
    loaded: dict[tuple, Any] = {}
    root = Path(out_root)
    records = [] if records is None else records
    for i, (cfg, run_dir) in enumerate(runs):
        data = splits
        if data is None:
            key = (cfg.dataset, cfg.data_dir, cfg.tfds_dir, cfg.validation)
            if key not in loaded:
                loaded[key] = load_splits(*key)
            data = loaded[key]
        if i == 0:
            root.mkdir(parents=True, exist_ok=True)
            checkpoint.write_json(root / SPEC_FILE, spec(base, grid, target))
        if on_run is not None:
            on_run(i, len(runs), cfg, run_dir)
        started = (run_dir / "config.json").exists()
        try:
            train_and_evaluate(cfg, run_dir, resume=started, progress=progress, splits=data, target=target)
        except DivergedError:
            pass  # kept in the table as diverged
        records.append(run_record(cfg, run_dir, grid, i))
    return records


def _median_range(values: list[float], n: int, fmt: str) -> str:
    """``16 (16–18)``, with ``, 2 of 3`` where only some of the ``n`` runs have a value; ``none of 3``."""
    if not values:
        return f"none of {n}"
    cell = f"{statistics.median(values):{fmt}} ({min(values):{fmt}}–{max(values):{fmt}})"
    return cell if len(values) == n else f"{cell}, {len(values)} of {n}"


def table_rows(records: Sequence[dict[str, Any]], grid: dict[str, list]) -> list[dict[str, Any]]:
    """One row per setting (the ``varied_fields`` of ``grid``, in the grid's order): ``runs``, ``diverged``, and
    over the runs that did not diverge ``epoch_s`` (their median epochs), ``epochs_to_target`` and
    ``s_to_target`` (of the runs that reached it) and ``test_accuracies``."""
    fields = varied_fields(grid)
    rows: dict[tuple, dict[str, Any]] = {}
    for r in sorted(records, key=lambda r: r["order"]):
        row = rows.setdefault(
            tuple(r[f] for f in fields),
            {**{f: r[f] for f in fields}, "runs": 0, "diverged": 0, "epoch_s": [], "epochs_to_target": [],
             "s_to_target": [], "test_accuracies": []},
        )  # fmt: skip
        row["runs"] += 1
        if r["diverged"]:
            row["diverged"] += 1
            continue
        if r["epoch_s_median"] is not None:
            row["epoch_s"].append(r["epoch_s_median"])
        if r["first_epoch_at_target"] is not None:
            row["epochs_to_target"].append(r["first_epoch_at_target"])
        if r["train_s_to_target"] is not None:
            row["s_to_target"].append(r["train_s_to_target"])
        row["test_accuracies"].append(r["test_accuracy"])
    order = {k: i for i, k in enumerate(dict.fromkeys(_setting_order(grid, fields)))}
    return sorted(rows.values(), key=lambda row: order.get(tuple(row[f] for f in fields), len(order)))


def _setting_order(grid: dict[str, list], fields: list[str]) -> list[tuple]:
    """The settings (values of ``fields``) in the grid's product order."""
    from nnjax.sweep_grid import member_values

    return [tuple(m[f] for f in fields) for m in member_values(grid)]


def markdown_table(records: Sequence[dict[str, Any]], grid: dict[str, list], target: float) -> str:
    """The table: a row per setting, its runs' median (min–max) median epoch, epochs and seconds of training
    (compilation not included) to ``target``, and final test accuracy mean ± std, with a note on the order."""
    fields = varied_fields(grid)
    pct = target_percent(target)
    head = [
        *(fields or ["setting"]),
        "runs",
        "median epoch (s)",
        f"epochs to {pct}",
        f"seconds to {pct}",
        "test accuracy (%) mean ± std",
    ]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in table_rows(records, grid):
        n = row["runs"] - row["diverged"]
        accs = row["test_accuracies"]
        acc = "—" if not accs else f"{100 * statistics.mean(accs):.2f}"
        if len(accs) > 1:
            acc += f" ± {100 * statistics.stdev(accs):.2f}"
        runs = str(row["runs"]) + (f" ({row['diverged']} diverged)" if row["diverged"] else "")
        cells = [format_value(row[f]) for f in fields] or ["all"]  # as runs.csv: standardize true
        cells += [
            runs,
            _median_range(row["epoch_s"], n, ".3f") if n else "—",
            _median_range(row["epochs_to_target"], n, "g") if n else "—",
            _median_range(row["s_to_target"], n, ".2f") if n else "—",
            acc,
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def order_note(grid: dict[str, list], n_runs: int) -> str:
    """How the runs were trained: alone, in one process, seed-major."""
    return (
        f"{n_runs} runs of {grid_text(grid)}, each trained alone (a single run, not an ensemble member) in one "
        "process, seed-major (every setting's first seed, then every setting's second, …) so that machine drift "
        "spreads over the rows; seconds are the epochs' own (epoch_s), compilation not included"
    )


def write_outputs(records: Sequence[dict[str, Any]], grid: dict[str, list], target: float, out_root: Path) -> str:
    """Write the table (``TABLE_FILE``, with ``order_note``) and every run's row (``CSV_FILE``) into ``out_root``;
    return the table."""
    table = markdown_table(records, grid, target)
    checkpoint.write_atomic(out_root / TABLE_FILE, f"{order_note(grid, len(records))}\n\n{table}\n".encode())
    checkpoint.write_atomic(out_root / CSV_FILE, members_csv(list(records)).encode())
    return table
