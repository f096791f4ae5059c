"""The README's results table: each named config trained with seeds 0, 1, 2 as one ensemble.

    python experiments/seeds.py [--configs video,video_relu,wide,nielsen] [--seeds 0,1,2] [--out-root sweeps]
                                [--no-shard-members] [--epochs N] [--data-dir DIR] [--resume] [--no-progress]

Each config becomes a sweep over ``seed=0,1,2`` (or ``--seeds``; one compiled program, members sharing the
data order) in OUT_ROOT/seeds-NAME; the mean, min and max final test accuracy are printed as a
Markdown table (on an error, the rows of the configs that finished).
"""

import argparse
import statistics
import sys
from pathlib import Path

from nnjax.cli import OneLineParser, error_text, exit_at_once_on_interrupt, integer, parse_seeds, refuse_empty_paths
from nnjax.config import Config, apply_overrides, result_fields
from nnjax.configs import CONFIGS, get_config
from nnjax.errors import ConfigError, NnjaxError
from nnjax.sweep import load_sweep_spec, run_sweep
from nnjax.sweep_grid import expand


def table_row(name: str, summary: dict) -> str:
    """The table's row of config ``name`` from its sweep's summary: mean, min and max final test accuracy
    of the members that did not diverge, and how many did."""
    accs = [m["final_test_accuracy"] for m in summary["members"] if m["final_test_accuracy"] is not None]
    time_and_folder = f"{summary['train_s']:.1f} s | {summary['sweep_dir']} |"
    if not accs:
        return f"| {name} | every member diverged | | | {time_and_folder}"
    mean, lo, hi = statistics.mean(accs), min(accs), max(accs)
    n_div = len(summary["members"]) - len(accs)  # left out of the figures, and said so
    of = f" ({n_div} of {len(summary['members'])} seeds diverged: the other {len(accs)})" if n_div else ""
    return f"| {name} | {100 * mean:.2f} %{of} | {100 * lo:.2f} % | {100 * hi:.2f} % | {time_and_folder}"


def plan(name: str, seeds: list[int], args: argparse.Namespace) -> tuple[Path, bool, Config, dict[str, list]]:
    """(sweep folder, resume?, base config, grid) of config ``name``; ConfigError, before anything trains,
    for an unknown name, a folder in the way, a resume unlike the sweep's start, or a bad member."""
    out = Path(args.out_root) / f"seeds-{name}"
    resume = args.resume and (out / "sweep.json").exists()
    if resume:  # as it was started: its own epochs and seeds
        base, grid = load_sweep_spec(out)
        named = result_fields(get_config(name).replace(epochs=base.epochs))
        saved = result_fields(base)
        if other := [f for f in named if f != "seed" and saved.get(f) != named[f]]:
            f = other[0]
            raise ConfigError(
                f"{out}: a sweep of another config ({f}={saved.get(f)!r}, where {name} has {named[f]!r}); "
                "its row would not be the named config's: use another --out-root"
            )
        # the command that started it, which also starts the configs not begun yet alike: its --epochs
        # (or none, when the sweep has the config's own) and --seeds
        own = base.epochs == get_config(name).epochs
        if args.epochs not in (base.epochs, None if own else base.epochs) or grid != {"seed": seeds}:
            epochs = f"--epochs {base.epochs} or none" if own else f"--epochs {base.epochs}"
            raise ConfigError(
                f"{out}: --resume continues it as it was started: give the command that started it, with "
                f"--seeds {','.join(map(str, grid.get('seed', [])))} and {epochs}"
            )
    else:
        if out.exists() and (not out.is_dir() or any(out.iterdir())):  # run_sweep would say --out
            what = "--resume or " if (out / "sweep.json").exists() else ""
            raise ConfigError(f"{out}: already exists and is not empty; use {what}another --out-root")
        base, grid = get_config(name), {"seed": seeds}
        if args.epochs is not None:
            base = base.replace(epochs=args.epochs)
    if args.data_dir:
        base = apply_overrides(base, {"data_dir": args.data_dir})  # not a result field
    try:
        expand(base, grid, new=not resume)
    except ConfigError as e:  # a value every member shares (--epochs 0) is no member's, but the config's
        about = f"config {name}: " if e.shared is not None else ""  # not for the grid's own (--seeds -1)
        raise ConfigError(f"{about}{e.shared or e}") from None
    return out, resume, base, grid


def parser() -> OneLineParser:
    """The script's argument parser (``main`` parses ``sys.argv`` with it)."""
    p = OneLineParser(prog=Path(__file__).name, description=__doc__.splitlines()[0])  # names its errors
    p.add_argument("--configs", default=",".join(CONFIGS), help="named configs (default: all, %(default)s)")
    p.add_argument(
        "--seeds", type=parse_seeds, default="0,1,2", help="seeds, one ensemble member each (default: %(default)s)"
    )
    p.add_argument(
        "--out-root", default="sweeps", help="sweep folders go to OUT_ROOT/seeds-NAME (default: %(default)s)"
    )
    p.add_argument(
        "--no-shard-members", action="store_true", help="keep each config's members on one device (not split per core)"
    )
    p.add_argument("--epochs", type=integer, help="epochs for every config (default: each config's own; the README's)")
    p.add_argument("--data-dir", metavar="DIR", help="raw MNIST files to build from offline (or NNJAX_DATA_DIR)")
    p.add_argument(
        "--resume",
        action="store_true",
        help="continue the OUT_ROOT/seeds-NAME sweeps that exist (as they were started); start the others",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    return p


def main() -> None:
    p = parser()
    args = p.parse_args()

    def interrupt_line() -> str:
        started = any((Path(args.out_root) / f"seeds-{n}" / "sweep.json").exists() for n in args.configs.split(","))
        return f"{p.prog}: interrupted" + (" (continue with: the same command and --resume)" if started else "")

    exit_at_once_on_interrupt(interrupt_line)  # one line and exit 130 (SIGTERM: 143), never a traceback
    from nnjax.parallel import split_cpu_cores  # loads JAX: after the interrupt handler

    split_cpu_cores()  # as `nnjax sweep`: on a CPU the members are split over one device per core
    table = ["| config | mean test accuracy | min | max | training time (all seeds at once) | sweep folder |"]
    table.append("|---|---|---|---|---|---|")
    try:
        refuse_empty_paths(args, ["out_root"])
        names = args.configs.split(",")
        if twice := next((n for n in names if names.count(n) > 1), None):
            raise ConfigError(f"--configs {args.configs!r}: {twice!r} is named twice")
        plans = [plan(name, args.seeds, args) for name in names]  # every config checked before any trains
        for name, (out, resume, base, grid) in zip(names, plans):
            summary = run_sweep(
                base,
                grid,
                out,
                resume=resume,
                progress=not args.no_progress,
                shard_members=False if args.no_shard_members else None,
            )
            table.append(table_row(name, summary))
    except (NnjaxError, OSError) as e:
        if len(table) > 2:  # the configs that finished before the error
            print("\n".join(table))
        sys.exit(f"{p.prog}: error: {error_text(e)}")
    print("\n".join(table))


if __name__ == "__main__":
    main()
