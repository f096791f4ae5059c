"""The README's results table: each named config trained with seeds 0, 1, 2 as one ensemble.

    python experiments/seeds.py [--configs video,video_relu,wide] [--out-root sweeps] [--no-shard-members]

Each config becomes a sweep over ``seed=0,1,2`` (one compiled program, three members sharing the
data order); the mean, min and max final test accuracy are printed as a Markdown table.
"""

import argparse
import statistics
import sys

from nnjax.configs import get_config
from nnjax.errors import NnjaxError
from nnjax.parallel import split_cpu_cores
from nnjax.sweep import run_sweep


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--configs", default="video,video_relu,wide", help="named configs (default: %(default)s)")
    p.add_argument("--seeds", default="0,1,2", help="seeds, one ensemble member each (default: %(default)s)")
    p.add_argument(
        "--out-root", default="sweeps", help="sweep folders go to OUT_ROOT/seeds-NAME (default: %(default)s)"
    )
    p.add_argument(
        "--no-shard-members", action="store_true", help="keep each config's members on one device (not split per core)"
    )
    args = p.parse_args()
    split_cpu_cores()  # as `nnjax sweep`: on a CPU the members are split over one device per core
    try:
        seeds = [int(s) for s in args.seeds.split(",")]
    except ValueError:
        sys.exit(f"seeds: error: --seeds {args.seeds!r}: expected integers separated by commas")
    rows = []
    try:
        for name in args.configs.split(","):
            summary = run_sweep(
                get_config(name),
                {"seed": seeds},
                f"{args.out_root}/seeds-{name}",
                shard_members=False if args.no_shard_members else None,
            )
            accs = [m["final_test_accuracy"] for m in summary["members"]]
            rows.append((name, statistics.mean(accs), min(accs), max(accs), summary["train_s"]))
    except NnjaxError as e:
        sys.exit(f"seeds: error: {e}")
    print("| config | mean test accuracy | min | max | training time (all seeds at once) |")
    print("|---|---|---|---|---|")
    for name, mean, lo, hi, train_s in rows:
        print(f"| {name} | {100 * mean:.2f} % | {100 * lo:.2f} % | {100 * hi:.2f} % | {train_s:.1f} s |")


if __name__ == "__main__":
    main()
