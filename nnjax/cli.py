"""The ``nnjax`` command line: ``nnjax VERB [options]``. Each verb is a thin layer over the library."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import math
import os
import signal
import statistics
import sys
import textwrap
import typing
from collections.abc import Callable, Collection, Iterator, Sequence
from pathlib import Path
from typing import Any, NoReturn

from nnjax.config import (
    FIELD_NAMES,
    FIXED_ON_RESUME,
    NEUTRAL,
    Config,
    apply_overrides,
    check_given,
    finite_or_null,
    flag_name,
    non_ascii_note,
    parse_number,
    read_config_file,
    recipe_text,
    unused_fields,
)
from nnjax.errors import ConfigError, NnjaxError

# Fields whose names live in registries that import jax: their flags' help lists the names only when it is
# shown, so building the parser (and `nnjax --help`) never imports jax.
REGISTRY_FIELDS = ("activation", "init", "cost")
REGISTRY_NAMES = "(one of: {names})"
NOTES_WIDTH = 100  # columns of the notes `nnjax sweep` prints under its table (summary.md keeps one paragraph)


def add_config_flags(p: argparse.ArgumentParser, named: str | None = None) -> None:
    """``--config NAME`` (unless the parser trains the ``named`` config), ``--config-file FILE`` and one
    ``--field VALUE`` flag per config field, its help showing the starting config's value: the ``named`` (or
    default) config's, or, when help is shown, that of the ``--config``/``--config-file`` on the command line
    (``OneLineParser.format_help``)."""
    from nnjax.configs import CONFIGS, get_config

    if named is None:
        p.add_argument("--config", help=f"named config to start from: {', '.join(CONFIGS)} (default: video)")
    p.add_argument("--config-file", metavar="FILE", help="JSON config to start from (e.g. a run's config.json)")
    start = named or "video"
    g = p.add_argument_group(CONFIG_GROUP.format(what=f"named config {start!r}"))
    for f in dataclasses.fields(Config):
        kw = {"nargs": "?", "const": "true"} if f.type in (bool, "bool") else {}
        names = f" {REGISTRY_NAMES}" if f.name in REGISTRY_FIELDS else ""  # filled in when help is shown
        g.add_argument(flag_name(f.name), dest=f"cfg_{f.name}", metavar="V", help=f"{f.metadata['help']}{names}", **kw)
    _show_config_values(g, start, get_config(start))
    vars(p)["config_fields"] = g  # for OneLineParser.format_help


CONFIG_GROUP = "config fields (override the {what})"


def _show_config_values(g: argparse._ArgumentGroup, label: str, cfg: Config) -> None:
    """Each config field flag's help ends in ``[label: value]``, ``cfg``'s value of its field (in place of
    the value it showed before)."""
    for a in g._group_actions:
        text = vars(a).setdefault("field_help", a.help)  # the field's own help, without a value
        value = getattr(cfg, a.dest.removeprefix("cfg_"))
        if isinstance(value, tuple):
            value = ",".join(map(str, value)) or "none"
        a.help = f"{text} [{label}: {'none' if value is None else value}]"


def add_train_flags(p: argparse.ArgumentParser, named: str | None = None) -> None:
    """Every flag of ``nnjax train`` (without ``--config`` for a script that trains the ``named`` config)."""
    add_config_flags(p, named)
    p.add_argument("--out", metavar="RUN_DIR", help="run folder to create (default: runs/NAME-ACTIVATION-TIME)")
    p.add_argument("--resume", metavar="RUN_DIR", help="continue a run from its newest good checkpoint")
    p.add_argument(
        "--force",
        action="store_true",
        help="with --resume: accept config changes that alter results (not "
        + ", ".join(map(flag_name, FIXED_ON_RESUME))
        + ")",
    )
    p.add_argument(
        "--target",
        metavar="ACC",
        help="also say the first epoch whose test (--validation: validation) accuracy reached ACC, a fraction, "
        "e.g. 0.96, and the epoch from which it stayed there, each with the training seconds through it; the run "
        "folder's target.json keeps ACC (for --resume and nnjax viz) and, once the run finishes, these figures",
    )
    p.add_argument("--json", action="store_true", help="print a JSON summary instead of text")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")


def reached_text(run_dir: str | Path, target: float, split: str) -> tuple[str, dict[str, Any]]:
    """When the run in ``run_dir`` reached ``target`` on ``split`` ("test" or "val"), from its metrics.jsonl:
    a line to print (the first epoch at it and the epoch it held from, each with the training seconds through it),
    and the figures for --json (``target`` and ``target.target_figures``'s, as the run folder's target.json keeps
    them)."""
    from nnjax.run import read_metrics
    from nnjax.sweep_summary import SPLIT_NAMES
    from nnjax.target import target_figures, target_percent

    lines = read_metrics(Path(run_dir) / "metrics.jsonl", missing_ok=False)  # of a run that trained
    got = target_figures(lines, target, split)
    first, held = got["first_epoch_at_target"], got["target_held_from"]
    name, figures = f"{target_percent(target)} {SPLIT_NAMES[split]} accuracy", {"target": target, **got}
    if first is None:
        best = ""
        if lines:  # the earliest of the highest, as a sweep's best epoch
            epoch, accuracy = max(((m["epoch"], m[f"{split}_accuracy"]) for m in lines), key=lambda p: (p[1], -p[0]))
            best = f" (best {100 * accuracy:.2f} % at epoch {epoch})"
        return f"{name}: not reached{best}", figures

    def after(seconds: float | None) -> str:
        return "" if seconds is None else f" after {seconds:.2f} s of training"

    reached = f"first reached at epoch {first}{after(got['train_s_to_target'])}"
    stayed = "not held: below it at the last epoch"
    if held is not None:
        stayed = f"held from epoch {held}{after(got['train_s_to_held'])}"
    return f"{name}: {reached}; {stayed}", figures


def config_from_args(args: argparse.Namespace) -> Config:
    """The named config (or config file) with the command line's field overrides applied."""
    if args.config_file is not None and args.config is not None:
        raise ConfigError("--config and --config-file both name a starting config; give one")
    cfg = starting_config(args.config, args.config_file, resume=bool(getattr(args, "resume", None)))
    return apply_overrides(cfg, field_overrides(args))


def starting_config(name: str | None, file: str | None, *, resume: bool = False) -> Config:
    """The config that ``--config NAME`` or ``--config-file FILE`` starts from (neither: the default, video)."""
    from nnjax.configs import get_config

    if file is None:
        return get_config("video" if name is None else name)
    cfg, saved = read_config_file(file)  # '' too: a file not found, not the default config
    if saved and not resume:
        # A run's config.json (one nnjax saved) records what its optimiser or schedule ignores as "none of it"
        # (momentum 0 for sgd): no choice, so a flag or grid that makes it used gets the default. A file
        # written by hand says what it means.
        unused = [f for f in unused_fields(cfg) if getattr(cfg, f) == NEUTRAL[f]]
        cfg = cfg.replace(**{f: getattr(Config(), f) for f in unused})
    return cfg


def field_overrides(args: argparse.Namespace) -> dict[str, str]:
    """The config fields given on the command line (as text), by field name."""
    return {f: getattr(args, f"cfg_{f}") for f in FIELD_NAMES if getattr(args, f"cfg_{f}") is not None}


def check_resume_flags(args: argparse.Namespace, what: str) -> None:
    """Refuse flags that a ``--resume`` of a ``what`` ("run" or "sweep") folder cannot honour."""
    if args.out and Path(args.out).resolve() != Path(args.resume).resolve():  # the same folder however typed
        raise ConfigError("--out and --resume name different folders; --resume continues in place")
    if args.config is not None or args.config_file is not None:
        fields = (
            "give single field flags instead; those that change results need --force"
            if what == "run"
            else "only flags of fields that do not change results, e.g. --checkpoint-every, may be given"
        )
        raise ConfigError(f"--config/--config-file with --resume: a {what} continues with its saved config ({fields})")


def check_out(out: str | None, *, new: bool) -> None:
    """A ``--out`` given that cannot be written is refused now, in one line naming ``--out`` and the path (the
    library's own check, later, names only the path; ``checkpoint.check_writable_folder``). ``new``: the
    folder of a run or sweep to start, whose own check says what a file there is ("…; --out names the run
    folder to create")."""
    from nnjax.checkpoint import check_writable_folder

    if out is None or (new and Path(out).exists() and not Path(out).is_dir()):
        return
    check_writable_folder(Path(out), "--out")


def _print_json(obj) -> None:
    """``obj`` as standard JSON: a NaN or infinity (a diverged sweep member's test loss) is null, as in the
    files nnjax writes; Python's json would print NaN, which strict JSON readers refuse."""
    print(json.dumps(finite_or_null(obj), indent=2, allow_nan=False))


@contextlib.contextmanager
def blame_config_file(args: argparse.Namespace, also_set: Collection[str] = ()) -> Iterator[None]:
    """A ConfigError about fields that all came from ``--config-file`` (none of them set by a flag, nor in
    ``also_set``: a sweep's grid fields) names the file; one about flags' values only, which every sweep member
    shares, names no member; one about a field of the file made bad by a flag's or the grid's value (keep_epochs
    [5] with --epochs 3, or a grid over epochs) names the file and the flag to pass too."""
    try:
        yield
    except ConfigError as e:
        if not e.fields:  # about no field (config.validate sets them)
            raise
        flags = field_overrides(args)
        given = [f for f in e.fields if f in flags]
        swept = [f for f in e.fields if f in also_set]
        if args.config_file and not given and not swept:
            raise ConfigError(f"{args.config_file}: {e.shared or e}") from None
        # not where no flag can change it (resumed), nor for a value a flag's leaves unused (not one to pass)
        bad = e.fields[0]
        fixed = getattr(args, "resume", None) and bad in FIXED_ON_RESUME
        if args.config_file and bad not in given and bad not in swept and not fixed and e.unused is None:
            fits = [f"{flag_name(f)} {flags[f]}" for f in given]
            fits += [f"the {' and '.join(swept)} of every member of the grid"] if swept else []
            why = f"{bad} is {args.config_file}'s; pass {flag_name(bad)} too, one that fits {' and '.join(fits)}"
            raise ConfigError(f"{e.shared or e} ({why})") from None
        if not swept and e.shared is not None:  # sweep_grid.expand: "sweep member seed=0: ..." of what no member chose
            raise ConfigError(str(e.shared)) from None
        raise


def cmd_train(args: argparse.Namespace) -> int:
    """``nnjax train``: train (or resume) one run into a run folder; print its summary."""
    from nnjax.parallel import maybe_initialize_distributed
    from nnjax.run import RUNS_DIR, check_config, compile_text, default_run_dir, load_run_target, train_and_evaluate

    maybe_initialize_distributed()  # multi-host: before anything touches a device
    from nnjax.target import target_flag

    target = target_flag(args.target)
    if args.force and not args.resume:
        raise ConfigError("--force without --resume: it accepts config changes to a run being continued")
    if args.resume:
        check_resume_flags(args, "run")
        from nnjax.run import check_run_folder

        check_run_folder(Path(args.resume), " to resume")
        args.config_file = str(Path(args.resume) / "config.json")
    from nnjax.checkpoint import made_default_folder, removed_if_left_empty

    args.default_out = []  # a default folder and the parents made for it: removed again while still empty
    with blame_config_file(args):
        cfg = check_config(config_from_args(args), new=not args.resume)  # before a default folder is made
        check_given(cfg, field_overrides(args))
        if not args.resume and args.out is None:  # chosen here, so that an interrupt can name it
            args.default_out = made_default_folder(lambda: default_run_dir(cfg), RUNS_DIR)
            args.out = str(args.default_out[0])
        elif not args.resume:
            check_out(args.out, new=True)

    def say_recipe(trains: Config) -> None:
        """Every field that trains (one kept from the named config shows), once every check has passed and
        before the first epoch: what a long run will train is known before it trains."""
        if not args.json:
            print(f"recipe: {recipe_text(trains)}", flush=True)  # flushed before the progress bar (stderr) opens

    with removed_if_left_empty(args.default_out):
        result = train_and_evaluate(
            cfg,
            args.resume or args.out,
            resume=bool(args.resume),
            force=args.force,
            progress=not args.no_progress,
            on_start=say_recipe,
            target=target,
        )
    args.finished = True  # a Ctrl-C from here on (printing, exiting) says the run is complete
    if target is None:  # a resumed run's own
        target = load_run_target(result["run_dir"])
    reached = None
    if target is not None:
        reached = reached_text(result["run_dir"], target, "val" if cfg.validation else "test")
    if args.json:
        _print_json(result if reached is None else {**result, **reached[1]})
    else:
        print(f"run folder: {result['run_dir']}")
        median = result["epoch_s_median"]  # None when no epoch was trained (a finished run finished again)
        median = "none trained" if median is None else f"{median:.4f} s"
        compiled = compile_text(result)
        print(f"epochs: {result['epochs']}, epoch program {compiled}, median epoch {median} on {result['device']}")
        if result.get("train_set_accuracy") is not None:  # not in the result.json of runs trained before it was
            n_train = result.get("n_train")
            images = f"the {n_train:,} images it trained on" if n_train else "the images it trained on"
            print(f"train accuracy: {100 * result['train_set_accuracy']:.2f} % (final network on {images})")
        if "val_accuracy" in result:  # --validation: the figure the run reported each epoch
            print(f"validation accuracy: {100 * result['val_accuracy']:.2f} % (last epoch, held-out training images)")
        n = result.get("n_test")  # not in the result.json of runs trained before nnjax recorded it
        split = f"official {n:,}-image test split" if n else "official test split"
        print(f"test accuracy: {100 * result['test_accuracy']:.2f} % ({split})")
        if reached is not None:
            print(reached[0])
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    """``nnjax eval RUN_DIR``: test accuracy of a run folder's newest checkpoint."""
    from nnjax.run import eval_run

    if args.max_neurons is not None and (args.json or not args.neurons):  # as viz warns of a flag it has no use for
        print(
            "nnjax: warning: --max-neurons applies to --neurons' printed lines (--json has every neuron)",
            file=sys.stderr,
        )
    kw = {"member": args.member, "data_dir": args.data_dir, "tfds_dir": args.tfds_dir, "epoch": args.epoch}
    r = eval_run(args.run_dir, **kw, neurons=args.neurons)
    if args.json:
        _print_json(r)
    else:
        member = r.get("member", args.member)  # its number, also where --member named it by its values
        whose = r["run_dir"] if args.member is None else f"{r['sweep_dir']} member {member}{_diverged(r)}"
        print(f"test accuracy: {100 * r['test_accuracy']:.2f} % (epoch {r['epoch']} parameters of {whose}{_start(r)})")
        if r["inert"]:  # none for a network without hidden layers, or one whose reach is not finite
            counts = ", ".join(map(str, r["inert"]))
            print(f"inert neurons per hidden layer: {counts} (on the test images, as neurons.png counts them)")
        if args.neurons:
            _print_reach(r, DEFAULT_MAX_NEURONS if args.max_neurons is None else args.max_neurons)
    return 0


def _print_reach(r: dict[str, Any], max_neurons: int) -> None:
    """``nnjax eval --neurons``' lines: per hidden layer, each neuron's reach (``eval_run``'s ``reach``), in
    2 significant digits, a star on those counted inert; of a layer wider than ``max_neurons``, its first
    ``max_neurons`` so, then a line of the rest: their reach's range and median, and their inert ones by number
    (``max_neurons`` of them at most), so a 1024-wide layer is not a 1024-number line."""
    from nnjax.viz import INERT_SHARE

    if r["reach"] is None:
        print("reach per neuron: none (a reach is not finite: the network diverged)")
    elif not r["reach"]:
        print("reach per neuron: none (the network has no hidden layer)")
    else:
        print(
            f"reach per neuron (as neurons.png computes it; * inert: at most {INERT_SHARE:.0%} of its layer's largest):"
        )
    for j, (reach_H, inert) in enumerate(zip(r["reach"] or [], r["inert_neurons"] or []), 1):
        shown = reach_H[:max_neurons]
        print(f"  layer {j}: " + " ".join(f"{x:.2g}" + "*" * (k in inert) for k, x in enumerate(shown)))
        if len(reach_H) > max_neurons:
            rest, width = reach_H[max_neurons:], len(reach_H)
            gone = [k for k in inert if k >= max_neurons]
            numbers = ", ".join(map(str, gone[:max_neurons]))
            if len(gone) > max_neurons:
                numbers += f" and {len(gone) - max_neurons} more"
            print(
                f"    neurons {max_neurons}–{width - 1} (--max-neurons {width} prints each): reach "
                f"{min(rest):.2g} to {max(rest):.2g}, median {statistics.median(rest):.2g}; "
                + (f"{len(gone)} inert: {numbers}" if gone else "none inert")
            )


def _diverged(r: dict[str, Any]) -> str:
    """For a sweep member that diverged (eval_run's, compare_networks' or predict's ``diverged_epoch``), what its line
    adds: it trained on past the divergence inside its ensemble (members.csv has no accuracy for it)."""
    gone = r.get("diverged_epoch")
    return f", which diverged at epoch {gone}: not a result of its config" if gone else ""


def _start(r: dict[str, Any]) -> str:
    """What a line about epoch-0 parameters (``r["epoch"]``) adds: they are the network as initialised."""
    return ", as initialised: untrained" if r["epoch"] == 0 else ""


def cmd_export(args: argparse.Namespace) -> int:
    """``nnjax export RUN_DIR FILE.npz``: the trained weights as plain NumPy arrays."""
    from nnjax.run import export_run

    path = export_run(args.run_dir, args.file, overwrite=args.overwrite, member=args.member, epoch=args.epoch)
    of = "" if args.epoch is None else f" (epoch {args.epoch} parameters{_start({'epoch': args.epoch})})"
    print(f"wrote {path}{of}")
    return 0


def grid_base(args: argparse.Namespace, grid: dict[str, list], resumed: Config | None = None) -> Config:
    """The config every member of ``grid`` starts from, as ``nnjax sweep`` makes it from its config flags: the
    ``--config``/``--config-file`` (or ``resumed``, a resumed sweep's own base) with the field flags applied. A
    flag for a field the grid sweeps, a bad member (``sweep_grid.expand``), a warm-up schedule with no warm-up, or
    a flag that no member uses is a ConfigError in one line naming it (and the config file where it came from)."""
    from nnjax.config import check_warmup_given
    from nnjax.sweep_grid import expand, field_values, grid_fields, grid_text, item_fields, unused_by_every

    flags = field_overrides(args)
    if both := [f for f in grid_fields(grid) if f in flags]:
        f = both[0]
        fix = f"leave out {flag_name(f)} (a resumed sweep keeps its grid)" if resumed else f"give {f} once"
        key = next(k for k in grid if f in item_fields(k))
        raise ConfigError(
            f"{flag_name(f)} {flags[f]}: {f} is swept by the grid ({grid_text({key: grid[key]})}), "
            f"whose values would replace the flag's; {fix}"
        )
    if resumed is not None:
        return apply_overrides(resumed, flags)
    with blame_config_file(args, also_set=grid_fields(grid)):
        base = config_from_args(args)
        schedules = field_values(grid).get("schedule", [base.schedule])  # the members', by flag or grid
        if "warmup_cosine" in schedules:
            check_warmup_given(base.replace(schedule="warmup_cosine"), [*flags, *grid_fields(grid)])
        members = expand(base, grid)
        for field in flags:  # a flag no member uses, set to something else than "none of it" (warm-up: expand)
            why = unused_by_every(field, members)
            if why and getattr(base, field) != NEUTRAL[field]:
                raise ConfigError(f"config field {field!r} = {getattr(base, field)!r}: {why}")  # as train says
    return base


def cmd_sweep(args: argparse.Namespace) -> int:
    """``nnjax sweep``: build the base config and grid from the flags (or the sweep folder), run it,
    print the table and what its numbers are (or JSON)."""
    from nnjax import sweep  # its run_sweep is called through the module (tests replace it)
    from nnjax.parallel import maybe_initialize_distributed, split_cpu_cores

    # Before anything touches a device: multi-host start, or else one CPU device per core.
    if not maybe_initialize_distributed():
        split_cpu_cores()
    from nnjax import checkpoint
    from nnjax.sweep_grid import baseline_flag, grid_fields, grid_text, parse_grid, replicates_flag
    from nnjax.target import target_flag

    target = target_flag(args.target)  # before a default folder is made or anything is loaded
    args.default_out = []  # a default folder and the parents made for it: removed again while still empty
    if args.resume:
        check_resume_flags(args, "sweep")
        base, grid = sweep.load_sweep_spec(args.resume)
        if args.grid and parse_grid(args.grid) != grid:
            raise ConfigError(
                f"{args.resume}: --resume with a different --grid than the sweep was started with ({grid_text(grid)}; "
                "leave --grid out to continue it)"
            )
    else:
        grid = parse_grid(args.grid)
    # before a default folder is made; a resumed sweep's own, not the default, where none is given (its sweep.json's)
    replicates = replicates_flag(args.replicates, grid) if args.replicates is not None or not args.resume else None
    # the rows it names: as --replicates says, or a resumed sweep's replicates
    rows = None if args.baseline is None else sweep.row_replicates(replicates, args.resume)
    baseline = None if args.baseline is None else baseline_flag(args.baseline, grid, rows)
    if args.resume:
        base = grid_base(args, grid, resumed=base)
        out = args.resume
    else:
        base = grid_base(args, grid)  # a bad member is refused before a default folder is made
        with blame_config_file(args, also_set=grid_fields(grid)):  # the folder's name: a config file's 'name'
            if args.out is None:  # chosen here, so that an interrupt can name it
                made = checkpoint.made_default_folder(lambda: sweep.default_sweep_dir(base), sweep.SWEEPS_DIR)
                args.default_out = made
                args.out = str(made[0])
            else:
                check_out(args.out, new=True)
        out = args.out
    with checkpoint.removed_if_left_empty(args.default_out):
        summary = sweep.run_sweep(
            base,
            grid,
            out,
            resume=bool(args.resume),
            progress=not args.no_progress,
            shard_members=args.shard_members,
            target=target,
            replicates=replicates,
            baseline=baseline,
            # what every member trains, the grid's fields as swept: before the first group, once all checks passed
            on_start=None if args.json else lambda: print(f"recipe: {recipe_text(base, grid)}", flush=True),
        )
    args.finished = True  # a Ctrl-C from here on (printing, exiting) says the sweep is complete
    print_sweep_summary(summary, base, grid, as_json=args.json)
    return 0


def print_sweep_summary(summary: dict[str, Any], base: Config, grid: dict[str, list], *, as_json: bool) -> None:
    """What ``nnjax sweep`` and ``nnjax summary`` print of a sweep's summary (``run_sweep``'s or
    ``sweep.summarize``'s) of ``base`` × ``grid``: the table, the variance split, the notes under it and a line
    of counts and times; or, ``as_json``, the summary's numbers as JSON."""
    from nnjax.sweep_grid import field_values
    from nnjax.sweep_summary import plural, summary_timing

    if as_json:
        _print_json({k: v for k, v in summary.items() if k not in ("table", "variance", "notes")})  # text, not numbers
        return
    folders = summary.get("folders", [])
    if len(folders) > 1:  # ``sweep.summarize`` of several: each folder's members, numbered on from the last's
        print("sweep folders (members numbered on from one to the next; nnjax viz DIR --member N takes its own N):")
        for f in folders:
            last = f["first_member"] + f["n_members"] - 1
            own = f", its member N − {f['first_member']}" if f["first_member"] else ""
            print(f"  {f['sweep_dir']}: members {f['first_member']}–{last}{own}")
    else:
        print(f"sweep folder: {summary['sweep_dir']}")
    print(summary["table"], end="")
    if summary.get("variance"):  # two replicate fields: each row's variance split, as summary.md has it
        print(f"\n{wrapped(summary['variance']).rstrip()}")
    if "notes" in summary:  # the best rows, stalled members, what the numbers are: as summary.md says them
        print(wrapped(summary["notes"]))
    # said when every member trains as long (the table does not)
    epochs = field_values(grid).get("epochs", [base.epochs])
    each = f", {plural(epochs[0], 'epoch')}" if len(epochs) == 1 else ""
    print(
        f"{plural(summary['n_members'], 'member')} in {plural(summary['n_groups'], 'group')}{each}: "
        f"{summary_timing(summary)} on {summary['device']}"
    )


def cmd_summary(args: argparse.Namespace) -> int:
    """``nnjax summary SWEEP_DIR [SWEEP_DIR ..] [--target ACC] [--replicates FIELDS] [--baseline FIELD=V,..]
    [--epoch N] [--json]``: print a sweep folder's table as ``nnjax sweep`` does, each option not given the
    sweep's own; of several folders, one table over all their members; with ``--epoch``, the table as of that
    epoch (``sweep.summarize``); nothing is written."""
    from nnjax import sweep
    from nnjax.sweep_grid import baseline_flag, replicates_flag
    from nnjax.target import target_flag

    target = target_flag(args.target)
    base, grid = sweep.load_sweep_spec(args.sweep_dir)
    replicates = None if args.replicates is None else replicates_flag(args.replicates, grid)
    # the rows it names: as --replicates says, or else the sweep's replicates
    rows = None if args.baseline is None else sweep.row_replicates(replicates, args.sweep_dir)
    baseline = None if args.baseline is None else baseline_flag(args.baseline, grid, rows)
    summary = sweep.summarize(args.sweep_dir, target=target, replicates=replicates, baseline=baseline, epoch=args.epoch)
    print_sweep_summary(summary, base, grid, as_json=args.json)
    return 0


def wrapped(text: str) -> str:
    """``text``'s paragraphs (separated by a blank line) each wrapped at ``NOTES_WIDTH`` columns for a terminal,
    words and --flags kept whole, a number with its unit ("93.00 %"); a Markdown table (lines starting with '|')
    kept as it is."""
    paragraphs = text.split("\n\n")
    fill = {"width": NOTES_WIDTH, "break_long_words": False, "break_on_hyphens": False}
    # a no-break space, which textwrap does not break at, holds each " %" to its number while filling
    return "\n\n".join(
        p if p.startswith("|") else textwrap.fill(p.replace(" %", "\u00a0%"), **fill).replace("\u00a0", " ")
        for p in paragraphs
    )


DEFAULT_MAX_NEURONS = 64  # viz --max-neurons
# what viz of a sweep folder has no use for
RUN_ONLY_VIZ_FLAGS = ("digits", "max_neurons", "epoch", "weights_range", "data_dir", "tfds_dir")


def cmd_viz(args: argparse.Namespace) -> int:
    """``nnjax viz RUN_DIR [--digits I,J] [--max-neurons 64] [--weights-range R] [--out DIR]`` (or ``SWEEP_DIR
    [--member N]``): write the PNGs, print their paths (after weights.png's, the colour range it used; after
    wants.png's, the network's answers on images of noise)."""
    from nnjax import viz

    check_out(args.out, new=False)
    run_dir = Path(args.run_dir)
    is_sweep = (run_dir / "sweep.json").exists()
    if is_sweep and args.member is None:
        # flags of a network's figures, which a sweep folder's learning curves do not use (silently, before)
        given = [flag_name(f) for f in RUN_ONLY_VIZ_FLAGS if getattr(args, f) is not None]
        if given:
            verb = "applies" if len(given) == 1 else "apply"
            print(
                f"nnjax: warning: {', '.join(given)} {verb} to a network's figures (a run folder, or a sweep folder "
                "with --member N); a sweep folder alone gets learning curves",
                file=sys.stderr,
            )
        for p in viz.render_sweep(run_dir, args.out):
            _print_path(p)
    else:
        max_neurons = DEFAULT_MAX_NEURONS if args.max_neurons is None else args.max_neurons
        kw = {"digits": args.digits, "max_neurons": max_neurons, "member": args.member, "epoch": args.epoch}
        kw |= {"data_dir": args.data_dir, "tfds_dir": args.tfds_dir, "weights_range": args.weights_range}
        kw |= {"on_weights_range": _print_weights_range, "on_noise": _print_noise}
        viz.render_run(run_dir, args.out, **kw, on_written=_print_path)
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    """``nnjax compare RUN_A RUN_B [--member-a N] [--member-b M] [--json]``: both networks' test accuracy,
    the images only one gets right, and McNemar's p-value."""
    from nnjax.compare import compare_networks

    for folder, member, flag in ((args.run_a, args.member_a, "--member-a"), (args.run_b, args.member_b, "--member-b")):
        is_sweep = (Path(folder) / "sweep.json").exists()
        if member is None and is_sweep:
            raise ConfigError(
                f"{folder} is a sweep folder: name its member with {flag} N (members.csv) or {flag} FIELD=VALUE,.."
            )
        if member is not None and not Path(folder).exists():
            raise ConfigError(f"{flag} {member}: {folder}: sweep folder not found")
        if member is not None and not is_sweep:
            raise ConfigError(f"{flag} {member}: {folder} is not a sweep folder (no sweep.json)")
    r = compare_networks(
        args.run_a,
        args.run_b,
        member_a=args.member_a,
        member_b=args.member_b,
        epoch_a=args.epoch_a,
        epoch_b=args.epoch_b,
        data_dir=args.data_dir,
        tfds_dir=args.tfds_dir,
    )
    if args.json:
        _print_json(r)
        return 0
    for x in ("a", "b"):
        s = r[x]
        whose = s["folder"] if s["member"] is None else f"{s['folder']} member {s['member']}"
        accuracy = f"{100 * s['test_accuracy']:.2f} % of {r['n_test']:,} test images"
        print(f"{x.upper()}: {accuracy} ({whose}{_diverged(s)}, epoch {s['epoch']}{_start(s)})")
    print(
        f"both right {r['both_right']}, only A right {r['only_a_right']}, only B right {r['only_b_right']}, "
        f"both wrong {r['both_wrong']}"
    )
    n = r["only_a_right"] + r["only_b_right"]
    diff = 100 * (r["b"]["test_accuracy"] - r["a"]["test_accuracy"])
    # below 1e-300 a float holds p with few digits, or as 0 (a good network against a diverged one): never 'p = 0'
    p = f"p = {r['p_value']:.2g}" if r["p_value"] >= 1e-300 else "p < 1e-300"
    print(
        f"B - A: {diff:+.2f} points; McNemar's exact test on the {n} images only one gets right: "
        f"{p} (for these two networks, not their recipes: two seeds of one recipe can differ too)"
    )
    for x in ("a", "b"):
        if digits := r[f"only_{x}_right_digits"]:
            more = f" (first 10 of {len(digits)})" if len(digits) > 10 else ""
            shown = ",".join(map(str, digits[:10]))
            print(f"only {x.upper()} right{more}: {shown} (test positions, as nnjax viz --digits takes them)")
    return 0


def _print_path(path: Path) -> None:
    """Print a written figure's path, at once: a reader sees each figure as it is written."""
    print(path, flush=True)


def _print_weights_range(r: float) -> None:
    """Say the colour range weights.png used, as ``--weights-range`` takes it: another run's (or epoch's)
    weights.png drawn with it compares shade for shade."""
    print(f"  weights.png colours: ±{r:.4g} (--weights-range {r:.4g} draws another on this scale)", flush=True)


def _print_noise(line: str) -> None:
    """Say what the network answered on images of noise (after wants.png's path), beside its test images' mean
    top probability: a network confident on noise reads about as sure as on digits."""
    print(f"  noise: {line}", flush=True)


def cmd_predict(args: argparse.Namespace) -> int:
    """``nnjax predict RUN_DIR IMAGE... [--json] [--member N]``: one line per image; exit 1 if any image failed.
    With --member, which member answered, and after which epoch: a line naming its number (as eval's line does;
    also where it is named by its values), whether it had diverged by then (as eval's line says it) and its
    parameters' epoch first, and ``member``, ``epoch`` and ``diverged_epoch`` (as eval_run gives it) in each
    JSON object."""
    from nnjax import images
    from nnjax.run import load_network
    from nnjax.sweep import diverged_by, resolve_member
    from nnjax.train import unstack

    member = resolve_member(args.run_dir, args.member)  # its number, where it is named by its values
    cfg, params_K, epoch = load_network(args.run_dir, member, epoch=args.epoch)
    answers = images.read_files(unstack(params_K, 0), cfg, args.images)
    which = {}
    if member is not None:  # loading it warned on stderr already (sweep.load_member); said where the answers are
        which = {"member": member, "epoch": epoch, "diverged_epoch": diverged_by(args.run_dir, member, epoch)}
    if member is not None and not args.json:
        whose = f"{args.run_dir} member {member}{_diverged(which)}"
        print(f"{whose} (epoch {epoch} parameters{_start(which)}):", flush=True)
    failed = 0
    for r in answers:
        if isinstance(r, images.Failure):
            failed += 1
            sys.stdout.flush()
            print(f"nnjax: error: {r.message}", file=sys.stderr, flush=True)
            if args.json:  # every file gets its line, so a script can match them up
                print(json.dumps({"file": r.file, "error": r.message, **which}), flush=True)
        else:
            print(json.dumps({**r.to_json(), **which}) if args.json else r.line(), flush=True)
    return 1 if failed else 0


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr (exit 2) that points at the verb's --help, and
    flags are never abbreviated (``--epoch 2`` is an error, not ``--epochs 2``: a flag added later
    would change what an abbreviation means)."""

    def __init__(self, *args: typing.Any, **kwargs: typing.Any) -> None:
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> typing.NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")

    def parse_known_args(self, args: typing.Any = None, namespace: typing.Any = None) -> typing.Any:
        # kept for format_help: a --help before --config NAME shows NAME's values too (a verb's parser gets its own)
        self.args_given = list(sys.argv[1:] if args is None else args)
        return super().parse_known_args(args, namespace)

    def format_help(self) -> str:
        if (g := vars(self).get("config_fields")) is not None and (given := self._config_given()) is not None:
            label, cfg, what = given
            _show_config_values(g, label, cfg)
            g.title = CONFIG_GROUP.format(what=what)
        slots = [a for a in self._actions if a.help and REGISTRY_NAMES in a.help]
        if slots:
            from nnjax.config import field_choices

            choices = field_choices()
            for a in slots:
                names = ", ".join(choices[a.dest.removeprefix("cfg_")])
                a.help = a.help.replace(REGISTRY_NAMES, REGISTRY_NAMES.format(names=names))
        return super().format_help()

    def _config_given(self) -> tuple[str, Config, str] | None:
        """The starting config that ``--config NAME`` or ``--config-file FILE`` on this parser's command line
        names (the last one given), as its label beside each value, the config, and what the help's title
        calls it; None without one, or with one that cannot be read (the command says why when run)."""
        args, given = getattr(self, "args_given", []), None
        flags = [f for f in ("--config", "--config-file") if f in self._option_string_actions]
        for i, a in enumerate(args):
            if a == "--":
                break
            for flag in flags:
                if a == flag and i + 1 < len(args):
                    given = flag, args[i + 1]
                elif a.startswith(flag + "="):
                    given = flag, a.split("=", 1)[1]
        if given is None:
            return None
        flag, value = given
        try:
            if flag == "--config":
                return value, starting_config(value, None), f"named config {value!r}"
            return Path(value).name, starting_config(None, value), f"config file {value!r}"
        except (NnjaxError, OSError):
            return None


# How --member and --baseline read their FIELD=VALUE values (sweep_grid.selection_items), said once for every help
SELECTION_VALUES = "values as --grid takes them, a list's also parted by commas: hidden=32x32 or hidden=32,32"
MEMBER_HELP = (
    "RUN_DIR is a sweep folder: use its member N (members.csv), or the one member named by its config values, "
    f"FIELD=VALUE[,FIELD=VALUE..] (e.g. activation=relu,seed=1; {SELECTION_VALUES})"
)
MEMBER = "N|FIELD=VALUE,.."


def member_arg(text: str) -> int | str:
    """``--member 3`` → 3; ``--member activation=relu,seed=1`` as given (``sweep.resolve_member`` reads it against
    the sweep folder); anything else is refused by argparse, in one line."""
    try:
        return parse_number(text)
    except ValueError:
        if "=" in text:
            return text
        raise argparse.ArgumentTypeError(
            f"{text!r} is neither a member number N nor FIELD=VALUE[,FIELD=VALUE..] (e.g. activation=relu,seed=1)"
            + non_ascii_note(text)
        ) from None


EPOCH_HELP = (
    "the network after epoch {n} instead of the newest: 0 is the network as initialised (regenerated from "
    "the config), another epoch needs its checkpoint kept (--checkpoint-every, --keep-checkpoints, --keep-epochs)"
)


def add_epoch_flag(p: argparse.ArgumentParser, flag: str = "--epoch", whose: str = "") -> None:
    """``--epoch N`` (or ``flag``) of a verb that reads a network: 0 or more, default None (the newest)."""
    p.add_argument(flag, type=int_at_least(0), metavar="N", help=whose + EPOCH_HELP.format(n="N"))


def add_data_flags(p: argparse.ArgumentParser) -> None:
    """``--data-dir`` and ``--tfds-dir`` of a verb that reads a trained run's test split: where its data set
    is found on this machine when the run's own folders (its config.json) do not hold it."""
    p.add_argument(
        "--data-dir",
        metavar="DIR",
        help="raw files to build the data set from offline if it is not built (default: the folder the run was "
        "given by --data-dir or its config file, else $NNJAX_DATA_DIR now)",
    )
    p.add_argument(
        "--tfds-dir",
        metavar="DIR",
        help="where tfds keeps built data sets (default: the folder the run was given by --tfds-dir or its config "
        "file, else $TFDS_DATA_DIR now, else ~/tensorflow_datasets; the variables are not recorded in a run)",
    )


def build_parser() -> argparse.ArgumentParser:
    """The parser of every verb."""
    parser = OneLineParser(
        prog="nnjax",
        description="The 3Blue1Brown handwritten-digit network (784-16-16-10, a' = σ(W a + b)) in JAX.",
    )
    sub = parser.add_subparsers(dest="verb", required=True, metavar="VERB")

    p = sub.add_parser("train", help="train a network into a run folder", description="Train a network.")
    add_train_flags(p)
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("eval", help="recompute a run's test accuracy", description="Recompute test accuracy.")
    p.add_argument("run_dir", metavar="RUN_DIR")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--member", type=member_arg, metavar=MEMBER, help=MEMBER_HELP)
    add_epoch_flag(p)
    p.add_argument(
        "--neurons",
        action="store_true",
        help="also each hidden neuron's reach, a line per layer, inert ones starred (--json: reach, inert_neurons)",
    )
    p.add_argument(
        "--max-neurons",
        type=int_at_least(1),
        help="with --neurons, the neurons of each hidden layer printed at most; a wider layer's others get a line of "
        f"their reach's range and their inert ones' numbers (default: {DEFAULT_MAX_NEURONS}; --json has every one)",
    )
    add_data_flags(p)
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser(
        "export", help="write a run's weights and biases to .npz", description="Export W and b per layer."
    )
    p.add_argument("run_dir", metavar="RUN_DIR")
    p.add_argument("file", metavar="FILE.npz")
    p.add_argument("--overwrite", action="store_true", help="replace FILE.npz if it exists")
    p.add_argument("--member", type=member_arg, metavar=MEMBER, help=MEMBER_HELP)
    add_epoch_flag(p)
    p.set_defaults(func=cmd_export)

    p = sub.add_parser(
        "sweep",
        help="train a grid of configs, each group of members as one vmapped ensemble",
        description="Train every combination of --grid values (of a linked item's tuples: FIELD,FIELD=V:W,..); "
        "members that share a compiled program train together as one ensemble.",
    )
    add_config_flags(p)
    p.add_argument(
        "--grid",
        nargs="+",
        action="extend",  # --grid a=1,2 --grid b=3: both (their check for a field given twice sees all)
        default=[],
        metavar="FIELD=V1,V2",
        help="values per config field, e.g. activation=sigmoid,relu seed=0,1,2 lr=0.1,0.3 (hidden: layers joined by "
        "x, none for no hidden layer: 16x16,64,none); linked fields take tuples, each crossed with the other items: "
        "activation,lr=sigmoid:0.03,relu:0.01; a field goes either as its flag or in the grid, not both",
    )
    p.add_argument("--out", metavar="SWEEP_DIR", help="sweep folder to create (default: sweeps/NAME-TIME)")
    p.add_argument("--resume", metavar="SWEEP_DIR", help="continue a sweep from its groups' newest checkpoints")
    p.add_argument(
        "--shard-members",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="split each ensemble's members across devices (--no-shard-members: split each mini-batch); "
        "default: members over one CPU device per core, mini-batches on accelerators",
    )
    p.add_argument(
        "--target",
        metavar="ACC",
        help="add an 'epochs to ACC' column: each member's first epoch whose test (--validation: validation) "
        "accuracy reached ACC, a fraction, e.g. 0.96; with --resume also for a finished sweep; kept for --resume",
    )
    p.add_argument(
        "--replicates",
        metavar="FIELDS",
        help="the grid fields each row of the table averages over, e.g. seed,data_seed (default: seed); with two "
        "varied, each row's accuracy is split into their main effects (two-way ANOVA); kept for --resume",
    )
    p.add_argument(
        "--baseline",
        metavar="FIELD=V,..",
        help="compare every row of the table with this one, e.g. activation=sigmoid (a value of each field the rows "
        f"differ in; {SELECTION_VALUES}): the difference of the means and Welch's t-test over the members, "
        "Holm-adjusted; kept for --resume",
    )
    p.add_argument("--json", action="store_true", help="print a JSON summary instead of the table")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_sweep)

    p = sub.add_parser(
        "summary",
        help="print a sweep folder's table again, with another baseline, replicates, target or epoch; writes nothing",
        description="Print the table and notes nnjax sweep prints, from a sweep folder's results and metrics.jsonl "
        "(a sweep still training: of its finished groups). Each option not given is the sweep's own (sweep.json); "
        "nothing in the folder is written (nnjax sweep --resume SWEEP_DIR --baseline .. keeps one there).",
    )
    p.add_argument(
        "sweep_dir",
        metavar="SWEEP_DIR",
        nargs="+",
        help="a sweep folder; several (a grid widened in a second folder): one table over all their members, as if "
        "one sweep over the union of their grids (every other base field must agree)",
    )
    p.add_argument(
        "--target",
        metavar="ACC",
        help="add the 'epochs to ACC' columns (ACC a fraction, e.g. 0.96), from metrics.jsonl (default: the sweep's)",
    )
    p.add_argument(
        "--replicates",
        metavar="FIELDS",
        help="the grid fields each row averages over, e.g. seed,data_seed (default: the sweep's, else seed)",
    )
    p.add_argument(
        "--baseline",
        metavar="FIELD=V,..",
        help=f"compare every row with this one, e.g. activation=sigmoid ({SELECTION_VALUES}; default: the sweep's, if "
        "it has one)",
    )
    p.add_argument(
        "--epoch",
        type=integer,
        metavar="N",
        help="the table as of epoch N (1 to the sweep's epochs), from metrics.jsonl: each member's accuracy after "
        "epoch N, its best epoch and epochs to --target among epochs 1..N (default: the final table)",
    )
    p.add_argument("--json", action="store_true", help="print a JSON summary instead of the table")
    p.set_defaults(func=cmd_summary)

    p = sub.add_parser("viz", help="draw figures of a run (or sweep) folder", description="Write PNG figures.")
    p.add_argument("run_dir", metavar="RUN_DIR")
    p.add_argument(
        "--digits",
        metavar="I,J,..",
        help="test images for the activation flow, by position in tfds's test split (not the IDX file order; "
        "default: one per class)",
    )
    p.add_argument(
        "--max-neurons",
        type=int_at_least(1),
        help=f"neurons to draw at most: of the first layer (weights.png) and of each hidden layer (neurons.png) "
        f"(default: {DEFAULT_MAX_NEURONS})",
    )
    p.add_argument(
        "--member",
        type=member_arg,
        metavar=MEMBER,
        help="in a sweep folder: every figure of member N's network (members.csv), or of the one member named by its "
        f"config values, FIELD=VALUE[,FIELD=VALUE..] (e.g. activation=relu,seed=1; {SELECTION_VALUES})",
    )
    add_epoch_flag(p)
    p.add_argument(
        "--weights-range",
        type=positive_float,
        metavar="R",
        help="weights.png's colours span ±R (default: ±the 99th percentile of its |w|, printed after its path): "
        "pass the range another weights.png printed to compare their shades",
    )
    p.add_argument(
        "--out",
        metavar="DIR",
        help="where to write the PNGs (default: RUN_DIR/figures, or SWEEP_DIR/figures/member-N; with --epoch E, "
        "its folder epoch-E in there)",
    )
    add_data_flags(p)
    p.set_defaults(func=cmd_viz)

    p = sub.add_parser(
        "compare",
        help="two networks on the same test images, and whether their accuracies differ",
        description="Test accuracy of two networks, the test images only one of them gets right, and "
        "McNemar's exact test of equal accuracy on those images.",
    )
    p.add_argument("run_a", metavar="RUN_A", help="run folder (or sweep folder, with --member-a)")
    p.add_argument("run_b", metavar="RUN_B", help="run folder (or sweep folder, with --member-b)")
    p.add_argument("--member-a", type=member_arg, metavar=MEMBER, help=MEMBER_HELP.replace("RUN_DIR", "RUN_A"))
    p.add_argument("--member-b", type=member_arg, metavar=MEMBER, help=MEMBER_HELP.replace("RUN_DIR", "RUN_B"))
    add_epoch_flag(p, "--epoch-a", "A: ")
    add_epoch_flag(p, "--epoch-b", "B: ")
    p.add_argument("--json", action="store_true", help="print JSON (with every image only one gets right)")
    add_data_flags(p)
    p.set_defaults(func=cmd_compare)

    p = sub.add_parser(
        "predict", help="read your own handwritten digits", description="Predict the digit in each image file."
    )
    p.add_argument("run_dir", metavar="RUN_DIR")
    p.add_argument("images", nargs="+", metavar="IMAGE")
    p.add_argument("--json", action="store_true", help="print one JSON object per image")
    p.add_argument("--member", type=member_arg, metavar=MEMBER, help=MEMBER_HELP)
    add_epoch_flag(p)
    p.set_defaults(func=cmd_predict)
    return parser


def _quiet_tensorflow() -> None:
    """For a command's own process: TensorFlow (imported only to build a data set) logs nothing below a
    warning, and without its oneDNN kernels, whose start-up notice comes before its logging is set up
    (they never touch nnjax's numbers: JAX computes those)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")


def train_named(name: str, argv: list[str], prog: str | None = None, *, process: bool = False) -> int:
    """``nnjax train --config NAME ARGV`` as its own command (``prog``, default the script's name) for the
    experiment scripts: no ``--config`` flag, help showing NAME's values. A ``--resume`` or ``--config-file``
    starts from that saved config instead. ``process``: this is the script's own process (Ctrl-C:
    ``exit_at_once_on_interrupt``)."""
    _quiet_tensorflow()
    parser = named_parser(name, prog)
    args = parser.parse_args(argv)
    args.verb, args.func, args.prog = "train", cmd_train, parser.prog  # its errors and interrupts say prog
    args.config = None if (args.resume or args.config_file) else name
    if process:
        exit_at_once_on_interrupt(lambda: _interrupt_line(args))
    return _run(args)


def named_parser(name: str, prog: str | None = None) -> argparse.ArgumentParser:
    """The parser of ``train_named(name, ...)``: every flag of ``nnjax train`` but ``--config``, help showing
    ``name``'s values."""
    parser = OneLineParser(prog=prog, description=f"Train the named config {name!r} (nnjax train --config {name}).")
    add_train_flags(parser, named=name)
    return parser


def sweep_as(prog: str, argv: Callable[[], list[str]], *, process: bool = False) -> int:
    """``nnjax sweep ARGV`` as the command ``prog``, for an experiment script that fixes the grid: its errors
    and interrupt line say ``prog``. ``argv()`` is called once Ctrl-C is handled (``process``: this is the
    script's own process, see ``exit_at_once_on_interrupt``), so it may import JAX (a registry's names)."""
    _quiet_tensorflow()
    parsed: list[argparse.Namespace] = []
    if process:
        exit_at_once_on_interrupt(lambda: _interrupt_line(parsed[0]) if parsed else f"{prog}: interrupted")
    parsed.append(build_parser().parse_args(["sweep", *argv()]))
    parsed[0].prog = prog  # its errors and interrupts say prog
    return _run(parsed[0])


def parse_seeds(text: str) -> list[int]:
    """``--seeds 0,1,2`` of the experiment scripts (an argparse ``type``): [0, 1, 2]; anything else is a
    usage error."""
    try:
        return [parse_number(s) for s in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r}: expected integers separated by commas, e.g. 0,1,2{non_ascii_note(text)}"
        ) from None


def integer(text: str) -> int:
    """An argparse ``type`` for an integer such as ``--epoch 3`` (ASCII digits: ``config.parse_number``); anything
    else is a usage error that names the value."""
    try:
        return parse_number(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: expected an integer{non_ascii_note(text)}") from None


def int_at_least(least: int) -> Callable[[str], int]:
    """An argparse ``type`` for a count such as ``--rounds 7``: an ``integer``, ``least`` or more; anything else
    is a usage error that names the value."""

    def parse(text: str) -> int:
        n = integer(text)
        if n < least:
            raise argparse.ArgumentTypeError(f"{text!r}: must be at least {least}")
        return n

    return parse


def positive_float(text: str) -> float:
    """An argparse ``type`` for a scale such as ``--weights-range 0.5``: a positive finite number; anything
    else is a usage error that names the value."""
    try:
        x = parse_number(text, float)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a number{non_ascii_note(text)}") from None
    if not 0 < x < math.inf:
        raise argparse.ArgumentTypeError(f"{text!r}: must be a positive finite number")
    return x


def int_list(least: int, most: int | None = None, *, distinct: bool = False) -> Callable[[str], list[int]]:
    """An argparse ``type`` for a list such as ``--ks 1,4,16``: integers separated by commas, each ``least``
    or more (and ``most`` or less; ``distinct``: none given twice); anything else is a usage error that names
    the value."""

    def parse(text: str) -> list[int]:
        values = parse_seeds(text)
        if low := [v for v in values if v < least]:
            raise argparse.ArgumentTypeError(f"{text!r}: {low[0]} is below {least}")
        if most is not None and (high := [v for v in values if v > most]):
            raise argparse.ArgumentTypeError(f"{text!r}: {high[0]} is above {most}")
        if distinct and (twice := [v for v in values if values.count(v) > 1]):
            raise argparse.ArgumentTypeError(f"{text!r}: {twice[0]} is given twice")
        return values

    return parse


def name_list(choices: Collection[str], what: str) -> Callable[[str], list[str]]:
    """An argparse ``type`` for a list such as ``--configs a,b``: names separated by commas, each one of
    ``choices`` (a ``what``: config, run, ...) and none given twice; anything else is a usage error."""

    def parse(text: str) -> list[str]:
        names = text.split(",")
        if unknown := [n for n in names if n not in choices]:
            raise argparse.ArgumentTypeError(f"{text!r}: unknown {what} {unknown[0]!r}; valid: {', '.join(choices)}")
        if twice := [n for n in names if names.count(n) > 1]:
            raise argparse.ArgumentTypeError(f"{text!r}: {twice[0]!r} is named twice")
        return names

    return parse


def exit_at_once_on_interrupt(line: Callable[[], str]) -> None:
    """For a command-line process only (in-process callers such as notebooks keep their KeyboardInterrupt):
    Ctrl-C (SIGINT), or a SIGTERM (``kill``, a batch system ending a job), writes ``line()`` to stderr and ends
    the process at once with status 130 or 143, as a kill would (``line`` may first tidy up, e.g. remove a
    default folder still empty). A process started with either signal ignored keeps ignoring it.

    That is safe at any moment: nnjax writes every file atomically and a run killed mid-epoch resumes
    bit-identical (tests/test_resume.py). A KeyboardInterrupt is not: raised inside JAX's garbage-collector
    hook it is ignored (the run trained on to the end and exited 0), during start-up imports it becomes an
    ImportError traceback, and after it Python's shutdown crashed XLA threads still compiling (SIGSEGV).
    """

    def handler(signum: int, frame: Any) -> None:
        with contextlib.suppress(OSError):  # stderr's reader gone (``2>&1 | head``): the exit without its line
            os.write(2, f"{interrupt_lead()}{line()}\n".encode())
        os._exit(128 + signum)

    for sig in (signal.SIGINT, signal.SIGTERM):
        if signal.getsignal(sig) is not signal.SIG_IGN:  # started with it ignored (Ctrl-C: nohup, `cmd &`): kept
            signal.signal(sig, handler)


def interrupt_lead() -> str:
    """A newline when the interrupt line would otherwise follow a progress bar on its line: stderr is a
    terminal, or a progress bar is open (it ends its line only when closed, also in a log file)."""
    tqdm = sys.modules.get("tqdm")
    bar_open = tqdm is not None and len(getattr(tqdm.tqdm, "_instances", ())) > 0
    return "\n" if bar_open or sys.stderr.isatty() else ""


def error_text(e: NnjaxError | OSError) -> str:
    """The one line that bad input (an NnjaxError) or a file system refusal not caught earlier (an
    OSError: the file it names and why) is reported as, never a traceback."""
    if isinstance(e, NnjaxError):
        return str(e)
    return f"{e.filename}: {e.strerror or e}" if e.filename else str(e.strerror or e)


def _interrupt_line(args: argparse.Namespace) -> str:
    """``nnjax: interrupted`` (an experiment script's name for nnjax), with the command that continues a run
    or sweep folder already started."""
    prog = getattr(args, "prog", "nnjax")
    folder = (args.resume or args.out) if args.verb in ("train", "sweep") else None
    if made := getattr(args, "default_out", []):  # a default folder made for it (and parents), still empty: removed
        from nnjax.checkpoint import remove_empty

        remove_empty(made)
    if getattr(args, "finished", False):
        return f"{prog}: interrupted after the {'run' if args.verb == 'train' else args.verb} finished (in {folder})"
    started = folder and any((Path(folder) / f).exists() for f in ("config.json", "sweep.json"))
    hint = f" (continue with: nnjax {args.verb} --resume {folder})" if started else ""
    return f"{prog}: interrupted{hint}"


def entry() -> NoReturn:
    """The ``nnjax`` console script: ``main`` in its own process (Ctrl-C: ``exit_at_once_on_interrupt``)."""
    parsed: list[argparse.Namespace] = []  # the handler is set first: Ctrl-C while parsing is one line too
    exit_at_once_on_interrupt(lambda: _interrupt_line(parsed[0]) if parsed else "nnjax: interrupted")
    parsed.append(_parse(None))
    sys.exit(_run(parsed[0]))


def main(argv: list[str] | None = None) -> int:
    """``nnjax ARGV`` in this process (the console script is ``entry``); bad input → one line on stderr, exit 1."""
    return _run(_parse(argv))


def _parse(argv: list[str] | None) -> argparse.Namespace:
    _quiet_tensorflow()
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra:  # name the verb's own --help, not the top-level one
        parser.exit(
            2, f"nnjax {args.verb}: error: unrecognized arguments: {' '.join(extra)} (see nnjax {args.verb} --help)\n"
        )
    return args


# the verbs' folder and file arguments
PATH_ARGS = ("out", "resume", "config_file", "run_dir", "run_a", "run_b", "sweep_dir")


def refuse_empty_paths(args: argparse.Namespace, names: Sequence[str] = PATH_ARGS) -> None:
    """ConfigError for a path argument given as '' (``--out ''``), which would mean the current folder."""
    for name in names:
        value = getattr(args, name, None)
        if value == "" or (isinstance(value, list) and "" in value):  # nnjax summary takes several SWEEP_DIRs
            named = name.upper() if name.startswith(("run_", "sweep_")) else flag_name(name)  # RUN_A, SWEEP_DIR
            raise ConfigError(f"{named} is empty: name a path")


def _run(args: argparse.Namespace) -> int:
    """Run a parsed verb: bad input is one line on stderr and exit 1; an in-process KeyboardInterrupt, exit 130.
    A reader that goes away (``| head``) ends no verb early and is no error (``unread_output_discarded``)."""
    with unread_output_discarded():
        try:
            refuse_empty_paths(args)
            return args.func(args)
        except (NnjaxError, OSError) as e:
            print(f"{getattr(args, 'prog', 'nnjax')}: error: {error_text(e)}", file=sys.stderr)
            return 1
        except KeyboardInterrupt:  # in-process callers; a command-line process ends in exit_at_once_on_interrupt
            print(_interrupt_line(args), file=sys.stderr)
            return 130


class _Unread:
    """A text stream (stdout, stderr) whose file, once its reader has gone (a pipe closed: ``nnjax summary S |
    head -3``), becomes /dev/null: the rest of the output is dropped and the verb goes on."""

    def __init__(self, stream: typing.TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except BrokenPipeError:
            self._gone()
            return len(text)

    def flush(self) -> None:
        try:
            self._stream.flush()
        except BrokenPipeError:
            self._gone()

    def _gone(self) -> None:
        # the stream's file descriptor now writes nowhere, so its buffered text flushes without an error, here
        # or at the interpreter's exit
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, self._stream.fileno())
        os.close(devnull)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


@contextlib.contextmanager
def unread_output_discarded() -> Iterator[None]:
    """While a verb runs, output its reader no longer reads (``nnjax sweep ... | head -1``) goes to /dev/null,
    as ``_Unread`` does it: the verb goes on (a sweep, a run and viz write all their files), prints no error,
    and exits with its own status (0 when it did its work), not a killed pipe's 141; a script sees by that status
    whether the work was done (a shell with ``pipefail`` as well). The streams are flushed before they are put
    back, so none fails at the interpreter's exit either."""
    streams = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _Unread(sys.stdout), _Unread(sys.stderr)
    try:
        yield
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        sys.stdout, sys.stderr = streams


if __name__ == "__main__":
    entry()
