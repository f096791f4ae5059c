"""The activation sweep: the video's network (784-16-16-10) with every activation in the registry ×
5 seeds on real MNIST. Each activation is one compiled program that trains its 5 seeds at once as a
vmapped ensemble on one shared data stream; the activations run in turn.

    python experiments/sweep_activations.py --out sweeps/activations [--epochs N] [--seeds 0,1,2,3,4] [--data-dir DIR]
    python experiments/sweep_activations.py --resume sweeps/activations

Writes the sweep folder (members.csv, metrics.jsonl, summary.md, accuracy.png; see nnjax/sweep.py)
and prints the table. The README's table and plot come from this script; it names the command, the
epochs and the machine.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from nnjax.cli import OneLineParser, error_text, exit_at_once_on_interrupt
from nnjax.config import Config, apply_overrides
from nnjax.configs import video
from nnjax.errors import NnjaxError


def sweep_spec(epochs: int | None = None, seeds: Sequence[int] = range(5)) -> tuple[Config, dict[str, list]]:
    """(base config, grid): the video config (its epochs unless ``epochs``) × activations × seeds."""
    from nnjax.activations import ACTIVATIONS  # loads JAX: not at import, so Ctrl-C is handled from the start

    base = video()
    if epochs is not None:
        base = base.replace(epochs=epochs)
    return base.replace(name="activations"), {"activation": list(ACTIVATIONS), "seed": list(seeds)}


def parse_seeds(text: str) -> list[int]:
    """``"0,1,2"`` → [0, 1, 2]; anything else is a one-line error."""
    try:
        return [int(s) for s in text.split(",")]
    except ValueError:
        raise NnjaxError(f"--seeds {text!r}: expected integers separated by commas, e.g. 0,1,2,3,4") from None


def main(argv: list[str] | None = None, *, process: bool = False) -> int:
    """The script; ``process``: it is its own process (Ctrl-C: ``cli.exit_at_once_on_interrupt``)."""
    p = OneLineParser(prog=Path(__file__).name, description=__doc__.split("\n\n")[0])  # names its errors
    p.add_argument("--out", metavar="SWEEP_DIR", help="sweep folder to create (default: sweeps/activations-TIME)")
    p.add_argument("--resume", metavar="SWEEP_DIR", help="continue an interrupted sweep folder as it was started")
    p.add_argument("--epochs", type=int, help=f"epochs per member (default: the video config's, {video().epochs})")
    p.add_argument("--seeds", help="seeds, one member each, as in experiments/seeds.py (default 0,1,2,3,4)")
    p.add_argument("--data-dir", metavar="DIR", help="raw MNIST files to build from offline (or NNJAX_DATA_DIR)")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    args = p.parse_args(argv)
    if args.resume and (args.out or args.epochs is not None or args.seeds is not None):
        p.error("--resume continues the sweep as it was started; --out, --epochs and --seeds cannot change it")

    made: list[Path] = []  # a default folder and the parents made for it: removed again while still empty

    def interrupt_line() -> str:
        folder = args.resume or args.out
        if made:  # its default folder (and parents), made for it and still empty: removed
            from nnjax.checkpoint import remove_empty

            remove_empty(made)
        started = folder is not None and (Path(folder) / "sweep.json").exists()
        hint = f" (continue with: python experiments/sweep_activations.py --resume {folder})" if started else ""
        return f"{p.prog}: interrupted{hint}"

    if process:
        exit_at_once_on_interrupt(interrupt_line)
    from nnjax.checkpoint import made_default_folder, removed_if_left_empty
    from nnjax.parallel import split_cpu_cores
    from nnjax.sweep import SWEEPS_DIR, default_sweep_dir, load_sweep_spec, run_sweep
    from nnjax.sweep_summary import plural, summary_timing

    split_cpu_cores()  # one CPU device per core: each ensemble's members are split over the cores

    try:
        if args.resume:
            base, grid = load_sweep_spec(args.resume)
        else:
            base, grid = sweep_spec(args.epochs, range(5) if args.seeds is None else parse_seeds(args.seeds))
        if args.data_dir:
            base = apply_overrides(base, {"data_dir": args.data_dir})  # where the data come from: not a result field
        if not args.resume and args.out is None:  # chosen here, so that an interrupt can name it
            made[:] = made_default_folder(lambda: default_sweep_dir(base), SWEEPS_DIR)
            args.out = str(made[0])
        with removed_if_left_empty(made):
            summary = run_sweep(
                base, grid, args.resume or args.out, resume=bool(args.resume), progress=not args.no_progress
            )
    except (NnjaxError, OSError) as e:
        print(f"{p.prog}: error: {error_text(e)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # in-process callers
        print(interrupt_line(), file=sys.stderr)
        return 130
    print(f"sweep folder: {summary['sweep_dir']}")
    print(summary["table"], end="")
    print(
        f"{plural(summary['n_members'], 'member')} in {plural(summary['n_groups'], 'ensemble')}, "
        f"{plural(base.epochs, 'epoch')}: "
        f"{summary_timing(summary)} on {summary['device']}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(process=True))
