"""Seconds and epochs to a test accuracy, each setting trained alone (single runs, not a sweep's ensemble).

    python experiments/time_to_target.py --grid FIELD=V1,V2 .. seed=0,1,2 --target ACC [--config NAME] [--epochs N]
                                         [--FIELD V ..] [--data-dir DIR] [--out-root DIR] [--no-progress]

Every member of the grid (a sweep's grid: ``batch_size,lr=32:0.01,128:0.1 seed=0,1,2``) of the base config that
``nnjax sweep`` makes of the same flags (--config or --config-file, then one flag per config field: video unless
given) trains alone into its own run folder OUT_ROOT/NAME (``nnjax viz``/``eval`` read it), in one process,
seed-major: every setting's seed 0, then every setting's seed 1, … so that machine drift spreads over the rows. A
Markdown table per setting (median (min–max) of the runs' median epoch, epochs and seconds to ACC; final test
accuracy mean ± std) is printed and written to OUT_ROOT/time_to_target.md, every run to OUT_ROOT/runs.csv. The same
command again continues the out-root (finished runs are read back); on an error or Ctrl-C the table of the runs
that finished is printed.
"""

import sys
import time
from pathlib import Path

from nnjax.cli import (
    OneLineParser,
    add_config_flags,
    error_text,
    exit_at_once_on_interrupt,
    grid_base,
    refuse_empty_paths,
)
from nnjax.errors import ConfigError, NnjaxError
from nnjax.sweep_grid import parse_grid
from nnjax.target import target_flag


def parser() -> OneLineParser:
    """The script's argument parser (``main`` parses ``sys.argv`` with it)."""
    p = OneLineParser(prog=Path(__file__).name, description=__doc__.splitlines()[0])  # names its errors
    p.add_argument("--grid", nargs="+", action="extend", required=True, help="FIELD=V1,V2 items, as nnjax sweep's")
    p.add_argument("--target", required=True, help="the test accuracy to reach, a fraction, e.g. 0.95")
    p.add_argument("--out-root", default="runs/ttt", help="run folders go to OUT_ROOT/NAME (default: %(default)s)")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    add_config_flags(p)  # every run's config: as nnjax sweep's flags make its members' base
    return p


def main() -> None:
    p = parser()
    args = p.parse_args()
    records: list[dict] = []  # the finished runs, appended as each finishes
    state: dict = {}

    def finished_table() -> str:
        from nnjax.time_to_target import markdown_table

        return markdown_table(records, state["grid"], state["target"]) if records else ""

    def interrupt_line() -> str:
        if table := finished_table():
            print(table, flush=True)
        kept = f" ({len(records)} of {state['n']} runs finished, kept in {args.out_root}; the same command continues)"
        return f"{p.prog}: interrupted" + (kept if "n" in state else "")

    exit_at_once_on_interrupt(interrupt_line)  # one line and exit 130 (SIGTERM: 143), never a traceback
    from nnjax import time_to_target as ttt  # loads JAX: after the interrupt handler
    from nnjax.checkpoint import check_writable_folder

    t0 = time.perf_counter()
    try:
        refuse_empty_paths(args, ["out_root", "config_file"])  # an empty --data-dir: none, as nnjax sweep takes it
        grid = parse_grid(args.grid)
        target = target_flag(args.target)
        if args.cfg_name is not None:  # nnjax sweep's flag: it names a sweep folder, which these runs have none of
            raise ConfigError(f"--name {args.cfg_name}: each run is named by its grid values (OUT_ROOT/NAME)")
        base = grid_base(args, grid)
        state.update(grid=grid, target=target, n=len(ttt.plan(base, grid, target, args.out_root)))  # checks all
        # as nnjax train's --out: missing folders are made; a file on the way is refused now, not after loading data
        check_writable_folder(Path(args.out_root), "--out-root")

        def say(i: int, n: int, cfg, run_dir: Path) -> None:
            print(f"run {i + 1} of {n}: {cfg.name} -> {run_dir}", flush=True)

        ttt.train_alone(base, grid, target, args.out_root, progress=not args.no_progress, on_run=say, records=records)
        table = ttt.write_outputs(records, grid, target, Path(args.out_root))
    except (NnjaxError, OSError) as e:
        if table := finished_table():  # the runs that finished before the error
            print(table)
        sys.exit(f"{p.prog}: error: {error_text(e)}")
    print(ttt.order_note(grid, len(records)) + f"; {time.perf_counter() - t0:.1f} s wall in all")
    print(table)
    print(f"table: {Path(args.out_root) / ttt.TABLE_FILE}, every run: {Path(args.out_root) / ttt.CSV_FILE}")


if __name__ == "__main__":
    main()
