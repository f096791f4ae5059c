"""The activation sweep: the video's network (784-16-16-10) with every activation in the registry ×
5 seeds on real MNIST. Each activation is one compiled program that trains its 5 seeds at once as a
vmapped ensemble on one shared data stream; the activations run in turn.

    python experiments/sweep_activations.py --out sweeps/activations [--epochs N] [--seeds 0,1,2,3,4] [--data-dir DIR]
    python experiments/sweep_activations.py --resume sweeps/activations

It is ``nnjax sweep --config video --name activations --grid activation=<all of them> seed=0,1,2,3,4``: it
writes the sweep folder (members.csv, metrics.jsonl, summary.md, accuracy.png; see nnjax/sweep.py) and prints
the table. The README's table and plot come from this script; it names the command, the epochs and the machine.
"""

import argparse
import sys
from pathlib import Path

from nnjax.cli import OneLineParser, integer, parse_seeds, sweep_as
from nnjax.configs import video


def parser() -> OneLineParser:
    """The script's argument parser."""
    p = OneLineParser(prog=Path(__file__).name, description=__doc__.split("\n\n")[0])  # names its errors
    p.add_argument("--out", metavar="SWEEP_DIR", help="sweep folder to create (default: sweeps/activations-TIME)")
    p.add_argument("--resume", metavar="SWEEP_DIR", help="continue an interrupted sweep folder as it was started")
    p.add_argument("--epochs", type=integer, help=f"epochs per member (default: the video config's, {video().epochs})")
    p.add_argument("--seeds", type=parse_seeds, help="seeds, one member each, as in seeds.py (default 0,1,2,3,4)")
    p.add_argument("--data-dir", metavar="DIR", help="raw MNIST files to build from offline (or NNJAX_DATA_DIR)")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    return p


def main(argv: list[str] | None = None, *, process: bool = False) -> int:
    """The script; ``process``: it is its own process (Ctrl-C: ``cli.exit_at_once_on_interrupt``)."""
    p = parser()
    args = p.parse_args(argv)
    if args.resume is not None and (args.out is not None or args.epochs is not None or args.seeds is not None):
        p.error("--resume continues the sweep as it was started; --out, --epochs and --seeds cannot change it")
    return sweep_as(p.prog, lambda: sweep_argv(args), process=process)


def sweep_argv(args: argparse.Namespace) -> list[str]:
    """The flags of ``nnjax sweep`` that run the script's parsed ``args``."""
    given = {"--out": args.out, "--resume": args.resume, "--epochs": args.epochs, "--data-dir": args.data_dir}
    flags = [f"{flag}={value}" for flag, value in given.items() if value is not None]
    flags += ["--no-progress"] if args.no_progress else []
    if args.resume is not None:  # sweep.json holds the rest
        return flags
    from nnjax.activations import ACTIVATIONS  # loads JAX: once Ctrl-C is handled

    grid = [f"activation={','.join(ACTIVATIONS)}", f"seed={','.join(map(str, args.seeds or range(5)))}"]
    return [*flags, "--config=video", "--name=activations", "--grid", *grid]


if __name__ == "__main__":
    sys.exit(main(process=True))
