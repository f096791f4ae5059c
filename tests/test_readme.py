"""Every command that README.md and benchmarks/README.md show still parses with the real argument parser of its
program, and one that trains (``nnjax train``/``sweep``, the experiment scripts) builds configs that validate, as
the command would build them: a renamed or removed flag, or a bad value, fails here instead of for a new reader.
Nothing is run: no data is read, nothing trains or compiles.

Commands are taken from fenced and indented code blocks (``\\`` continuations joined, ``for`` loops expanded over
their values) and from inline code spans, wherever they start with ``nnjax ``, ``python experiments/``,
``python benchmarks/`` or ``python -m nnjax``. A command with placeholders (``RUN_DIR``, ``N``, ``…``, ``..``,
``[--optional]``) is only parsed; a span that is only a verb's name (``nnjax eval``), or a verb and one of its
flags (``nnjax train --target``), is checked for that verb and flag.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import itertools
import os
import re
import shlex
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from nnjax.config import Config

ROOT = Path(__file__).parents[1]
DOCS = ("README.md", "benchmarks/README.md")
PREFIXES = ("nnjax ", "python experiments/", "python benchmarks/", "python -m nnjax")

# Commands that are not checked, each with its reason (the command's text as the README has it).
EXCEPTIONS: dict[str, str] = {
    "nnjax train --schedule warmup_cosine": "shown as a command that is refused (no --warmup-epochs)",
}
# The first word of a code block line that is a shell command (other lines are a command's output).
ENV = r"\w+=(\"[^\"]*\"|'[^']*'|\S+)\s+"  # an environment variable set for one command
SHELL = re.compile(rf"({ENV})*(nnjax|python3?|\.venv/bin/\S+|for|do|done|export|flock|time)\b")


@dataclass(frozen=True)
class Command:
    doc: str
    line: int
    text: str  # as shown, continuations joined and loop variables substituted

    @property
    def where(self) -> str:
        return f"{self.doc}:{self.line}"


def code_and_spans(text: str) -> list[tuple[int, str, bool]]:
    """(line number, text, in a code block) of every code block line (``\\`` continuations joined) and every
    inline code span (its line breaks as spaces), in the order of the document."""
    found: list[tuple[int, str, bool]] = []
    prose: list[str] = []
    fence = False
    pending: tuple[int, str] | None = None
    for n, line in enumerate(text.splitlines(), 1):
        if line.lstrip().startswith("```"):
            fence = not fence
            prose.append("")
            continue
        if fence or line.startswith("    "):
            prose.append("")
            start, before = pending or (n, "")
            joined = f"{before} {line.strip()}".strip()
            if joined.endswith("\\"):
                pending = start, joined[:-1]
            else:
                pending = None
                found.append((start, joined, True))
        else:
            prose.append(line)
    flat = "\n".join(prose)
    for m in re.finditer(r"(?<!`)`([^`]+)`(?!`)", flat):
        found.append((flat.count("\n", 0, m.start()) + 1, " ".join(m.group(1).split()), False))
    return sorted(found, key=lambda f: f[0])


def loop_values(line: str) -> list[dict[str, str]]:
    """The shell variables of a ``for`` line, one dict per iteration: ``for b in 8 32; do`` and the
    ``x=${v%%:*}; y=${v##*:}`` splits of a value ``x:y`` that follow it."""
    loops = re.findall(r"for (\w+) in ([^;]+);", line)
    envs = []
    for values in itertools.product(*(v.split() for _, v in loops)):
        env = dict(zip((name for name, _ in loops), values))
        for name, source, part in re.findall(r"(\w+)=\$\{(\w+)(%%:\*|##\*:)\}", line):
            env[name] = env[source].split(":")[0 if part == "%%:*" else -1]
        envs.append(env)
    return envs


def commands(doc: str, text: str | None = None) -> list[Command]:
    """Every command that the document ``doc`` (or ``text`` in its place) shows."""
    text = (ROOT / doc).read_text() if text is None else text
    found: list[Command] = []
    envs: list[dict[str, str]] = [{}]
    for n, line, block in code_and_spans(text):
        if block:
            line = re.sub(r"^\$ ", "", line)
            if line.startswith("for "):
                envs = loop_values(line)
            line = re.sub(r"(^|\s)#.*$", "", line)  # a comment
            if not SHELL.match(line):
                continue  # a command's output
        for seg in re.split(r"&&|;|\|", re.sub(r'"[^"]*"', lambda m: m.group(0).replace(";", ""), line)):
            seg = re.sub(rf"^\s*(do\s+|flock\s+\S+\s+|time\s+)*({ENV})*(\.venv/bin/)?", "", seg).strip()
            seg = re.sub(r"\s\d?>&?\S+", "", seg)  # a redirection
            if not seg.startswith(PREFIXES):
                continue
            uses = sorted(set(re.findall(r"\$\{?(\w+)\}?", seg)))
            for env in envs if uses and block else [{}]:
                if all(v in env for v in uses):
                    seg_n = re.sub(r"\$\{?(\w+)\}?", lambda m: env[m.group(1)], seg)  # noqa: B023
                    found.append(Command(doc, n, seg_n))
            if uses and not any(all(v in env for v in uses) for env in envs):
                found.append(Command(doc, n, seg))  # a variable no loop gives: checked as a placeholder
        if block and line.startswith("done"):
            envs = [{}]
    return found


ALL = [c for doc in DOCS for c in commands(doc)]

PLACEHOLDER = re.compile(r"…|\.\.|\.\.\.")  # a placeholder token: removed
METAVAR = re.compile(r"[A-Z][A-Z0-9_]*(\.npz)?…?|[A-Z_]+=.*|\$\{?\w+\}?|.*\$\w+.*")  # a value standing for one


def tokens(cmd: Command) -> tuple[list[str], bool]:
    """The command's words (after its program) and whether it has placeholders, each placeholder value
    (``RUN_DIR``, ``N``, a ``…`` after a flag) given as ``1``: ``[--flag V]`` is kept as ``--flag V``; a
    ``--FIELD VALUE`` synopsis pair and a ``…`` or ``..`` of more words are left out."""
    words = shlex.split(cmd.text.replace("\\", ""))
    words = words[1:] if words[0] == "nnjax" else words[3:] if words[1] == "-m" else words[2:]  # python -m nnjax.cli
    placeholder = False
    out: list[str] = []
    skip = False
    for w in words:
        if skip:
            skip = False
            continue
        bare = w.strip("[]")
        placeholder = placeholder or bare != w
        if re.fullmatch(r"--[A-Z][A-Z_]*", bare):  # --FIELD VALUE
            placeholder = skip = True
        elif not bare or PLACEHOLDER.fullmatch(bare):
            placeholder = True
            if out and out[-1].startswith("--"):  # `--out …`: some value
                out.append("1")
        elif METAVAR.fullmatch(bare) or "…" in bare:
            placeholder = True
            out.append("1")
        else:
            out.append(bare)
    return out, placeholder


def load(path: Path):
    """The module of a script (its ``if __name__ == "__main__"`` part not run)."""
    spec = importlib.util.spec_from_file_location(f"readme_{path.stem}", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def parsed(parser, argv: list[str]):
    """``parser.parse_args(argv)``; a usage error (exit 2) is an AssertionError with its one line."""
    err = io.StringIO()
    try:
        with contextlib.redirect_stderr(err):
            return parser.parse_args(argv)
    except SystemExit as e:
        raise AssertionError(f"usage error (exit {e.code}): {err.getvalue().strip()}") from None


def check_train(args, named: str | None = None, saved: Config | None = None) -> Config | None:
    """What ``nnjax train`` checks of its flags before it makes a folder or reads data (``cli.cmd_train``); the
    config it trains. A ``--resume`` of a folder whose run's config.json the README's commands before it leave
    ``saved`` (``run_config``) is checked as the resume checks it against that config (``run._check_resumable``: a
    field that changes results needs ``--force``, and some not even that)."""
    from nnjax.cli import check_resume_flags, config_from_args, field_overrides
    from nnjax.config import apply_overrides, check_given
    from nnjax.run import _check_resumable, check_config
    from nnjax.target import target_flag

    target_flag(args.target)
    if args.resume:
        if named:
            args.config = None
        check_resume_flags(args, "run")
        if saved is None:
            return None
        cfg = check_config(apply_overrides(saved, field_overrides(args)), new=False)
        _check_resumable(saved, cfg, args.force, Path(args.resume))
        return cfg
    if named:
        args.config = None if args.config_file else named
    cfg = check_config(config_from_args(args), new=True)
    check_given(cfg, field_overrides(args))
    return cfg


def check_sweep(args) -> None:
    """What ``nnjax sweep`` checks of its flags before it makes a folder or reads data (``cli.cmd_sweep``)."""
    from nnjax import sweep
    from nnjax.cli import check_resume_flags, grid_base
    from nnjax.sweep_grid import baseline_flag, parse_grid, replicates_flag
    from nnjax.target import target_flag

    target_flag(args.target)
    if args.resume:  # the grid is the sweep folder's
        check_resume_flags(args, "sweep")
        return
    grid = parse_grid(args.grid)
    replicates = replicates_flag(args.replicates, grid)
    baseline_flag(args.baseline, grid, sweep.row_replicates(replicates, None))
    grid_base(args, grid)


def check_nnjax(argv: list[str], placeholder: bool, shown: list[Command], earlier: list[Command]) -> None:
    from nnjax.cli import build_parser
    from nnjax.target import target_flag

    args = parsed(build_parser(), argv)
    if placeholder:
        return
    if args.verb == "train":
        check_train(args, saved=None if args.resume is None else run_config(earlier, args.resume))
    elif args.verb == "sweep":
        check_sweep(args)
    elif args.verb == "summary":
        target_flag(args.target)
        made = folders_made(shown, "sweep")
        check_summary(args, {d: made[folder_key(d)] for d in args.sweep_dir if folder_key(d) in made})


def run_config(earlier: list[Command], folder: str) -> Config | None:
    """The config.json of the run in ``folder`` as the commands ``earlier`` (a README's, in its order) leave it:
    the config of the ``nnjax train … --out DIR`` that made it, then of each ``nnjax train --resume DIR`` after it
    that its checks let through (one that is refused changes nothing); None where none of them made it."""
    from nnjax.cli import build_parser
    from nnjax.errors import NnjaxError

    saved = None
    for c in earlier:
        argv, placeholder = tokens(c)
        if argv[:1] != ["train"] or placeholder:
            continue
        with contextlib.suppress(AssertionError, NnjaxError):  # a command the README gets wrong fails on its own
            args = parsed(build_parser(), argv)
            if args.resume is None and args.out is not None and folder_key(args.out) == folder_key(folder):
                saved = check_train(args)
            elif args.resume is not None and folder_key(args.resume) == folder_key(folder) and saved is not None:
                saved = check_train(args, saved=saved)  # config.json as the resume rewrites it (--force, data_dir)
    return saved


def folder_key(text: str) -> str:
    """A folder as commands name it, compared as the folder it is: ``./runs/r/`` and ``runs/r`` are one."""
    return os.path.normpath(text)


def folders_made(shown: list[Command], verb: str) -> dict[str, list[str]]:
    """The words of each ``nnjax VERB … --out DIR`` among the commands ``shown``, by DIR (``folder_key``): the
    sweep that ``nnjax summary DIR`` reads."""
    made = {}
    for c in shown:
        argv, placeholder = tokens(c)
        if argv[:1] == [verb] and "--out" in argv and not placeholder:
            made[folder_key(argv[argv.index("--out") + 1])] = argv
    return made


def check_summary(args, made: dict[str, list[str]]) -> None:
    """``nnjax summary``'s --epoch against the members of every one of its folders that a sweep among the
    commands ``made`` (their words, by folder) made; of one folder, also --replicates and --baseline against that
    sweep's grid."""
    from nnjax import sweep
    from nnjax.cli import build_parser, grid_base
    from nnjax.sweep_grid import baseline_flag, expand, parse_grid, replicates_flag

    swept = {d: parsed(build_parser(), words) for d, words in made.items()}
    grids = {d: parse_grid(s.grid) for d, s in swept.items()}
    if len(args.sweep_dir) == 1 and made:
        (s,), (grid,) = swept.values(), grids.values()
        replicates = replicates_flag(args.replicates or s.replicates, grid)
        baseline_flag(args.baseline or s.baseline, grid, sweep.row_replicates(replicates, None))
    if args.epoch is not None and made:
        members = [expand(grid_base(swept[d], grids[d]), grids[d]) for d in made]
        sweep._check_epoch(args.epoch, [Path(d) for d in made], members)


def check_experiment(name: str, argv: list[str], placeholder: bool, tmp_path: Path) -> None:
    from nnjax.cli import build_parser, grid_base, named_parser
    from nnjax.sweep_grid import parse_grid
    from nnjax.target import target_flag

    mod = load(ROOT / "experiments" / name)
    if name.startswith("train_"):
        args = parsed(named_parser(mod.CONFIG), argv)
        if not placeholder:
            check_train(args, named=mod.CONFIG)
        return
    args = parsed(mod.parser(), argv)
    if placeholder:
        return
    if name == "seeds.py":
        args.out_root = str(tmp_path / args.out_root)  # its folders are checked: none is there
        for config in args.configs.split(","):
            mod.plan(config, args.seeds, args)
    elif name == "sweep_activations.py":
        given = [args.out, args.epochs, args.seeds]
        assert args.resume is None or given == [None] * 3, "--resume with --out, --epochs or --seeds"  # as main
        check_sweep(parsed(build_parser(), ["sweep", *mod.sweep_argv(args)]))
    elif name == "time_to_target.py":
        from nnjax.time_to_target import plan

        grid, target = parse_grid(args.grid), target_flag(args.target)
        assert args.cfg_name is None, "--name: each run is named by its grid values"
        plan(grid_base(args, grid), grid, target, tmp_path / args.out_root)


def check_benchmark(name: str, argv: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from nnjax.config import apply_overrides, validate
    from nnjax.configs import get_config

    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))  # their imports of each other
    mod = load(ROOT / "benchmarks" / name)
    if name == "compare.py":  # its own checks after parsing too
        err = io.StringIO()
        try:
            with contextlib.redirect_stderr(err):
                mod.parse_args(argv)
        except SystemExit as e:
            raise AssertionError(f"usage error (exit {e.code}): {err.getvalue().strip()}") from None
        return
    args = parsed(mod.parser(), argv)
    if getattr(args, "set", None):  # config overrides, checked as the script checks them
        assert all("=" in item for item in args.set), f"--set {args.set}: expected FIELD=VALUE"
        validate(apply_overrides(get_config(getattr(args, "config", "video")), dict(s.split("=", 1) for s in args.set)))


def check(cmd: Command, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shown: list[Command] = ALL) -> None:
    """Parse ``cmd`` with its program's parser and check what it would train (a summary: against the sweep among
    the commands ``shown`` that made its folder; a ``train --resume``: against its run's config as the commands
    shown before it leave it); AssertionError or the program's NnjaxError (its one-line message) when the README's
    command is wrong."""
    from nnjax.cli import build_parser

    argv, placeholder = tokens(cmd)
    words = shlex.split(cmd.text)
    program = "nnjax" if words[0] == "nnjax" or words[1] == "-m" else words[1]
    if program != "nnjax" and PLACEHOLDER.search(program):
        return  # `python experiments/…`: any script
    if program == "nnjax":
        verbs = build_parser()._subparsers._group_actions[0].choices
        if not argv:
            return  # `nnjax …`
        assert argv[0] in verbs, f"no verb {argv[0]!r}"
        flags = verbs[argv[0]]._option_string_actions
        if len(argv) == 1 or (len(argv) == 2 and argv[1].startswith("--")):
            # a verb named in prose, or a verb and one of its flags: `nnjax train --target`, `nnjax sweep --resume`
            assert len(argv) == 1 or argv[1] in flags, f"nnjax {argv[0]} has no flag {argv[1]}"
            return
        check_nnjax(argv, placeholder, shown, shown[: shown.index(cmd)] if cmd in shown else shown)
        return
    path = ROOT / program
    assert path.is_file(), f"no script {program}"
    if program.startswith("experiments/"):
        check_experiment(path.name, argv, placeholder, tmp_path)
    else:
        check_benchmark(path.name, argv, monkeypatch)


@pytest.mark.parametrize("cmd", [c for c in ALL if c.text not in EXCEPTIONS], ids=lambda c: f"{c.where} {c.text[:60]}")
def test_readme_command_parses_and_its_config_validates(cmd, tmp_path, monkeypatch):
    from nnjax.errors import NnjaxError

    monkeypatch.chdir(tmp_path)  # relative folders the commands name are looked at here: none exists
    try:
        check(cmd, tmp_path, monkeypatch)
    except (AssertionError, NnjaxError) as e:
        raise AssertionError(f"{cmd.where}: `{cmd.text}`: {e}") from None


def test_the_readmes_commands_are_found():
    """The extraction finds the commands a reader runs: code blocks, continuations, loops and spans."""
    texts = {c.text for c in ALL}
    assert len(ALL) > 150
    assert "nnjax train --data-dir ../shared/data/mnist" in texts  # README command 1, after `.venv/bin/`
    assert "python experiments/seeds.py --out-root sweeps" in texts  # an indented block, its comment left out
    assert "python benchmarks/compare.py --quick" in texts  # benchmarks/README.md's fenced block
    assert "nnjax compare runs/sigmoid runs/relu" in texts  # an inline span
    loop = [t for t in texts if t.startswith("nnjax train --data-dir ../shared/data/mnist --optimizer ")]
    assert "--optimizer momentum --lr 0.3 --seed 2" in " ".join(loop) and len(loop) == 15 + 3  # two loops expanded
    assert set(EXCEPTIONS) <= texts, "an exception names a command the READMEs no longer show"


def failing(cmds: list[Command], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The text of each of ``cmds`` that ``check`` (against ``cmds`` as the commands shown) finds wrong, in order."""
    from nnjax.errors import NnjaxError

    failed = []
    for c in cmds:
        try:
            check(c, tmp_path, monkeypatch, cmds)
        except (AssertionError, NnjaxError):
            failed.append(c.text)
    return failed


def test_a_stale_flag_or_a_bad_value_in_a_readme_command_fails(tmp_path, monkeypatch):
    """The check fails for a scratch README whose commands have a removed flag or a bad value."""

    monkeypatch.chdir(tmp_path)
    good = (
        "Text.\n\n    nnjax sweep --grid lr=0.01,0.03 seed=0,1 --epochs 3 --out sweeps/x\n    nnjax summary sweeps/x "
        "--baseline lr=0.03\n\nand `nnjax train --epochs 20 --lr 0.05`.\n"
    )
    cmds = commands("scratch.md", good)
    assert [c.text for c in cmds] == [
        "nnjax sweep --grid lr=0.01,0.03 seed=0,1 --epochs 3 --out sweeps/x",
        "nnjax summary sweeps/x --baseline lr=0.03",
        "nnjax train --epochs 20 --lr 0.05",
    ]
    for c in cmds:
        check(c, tmp_path, monkeypatch, cmds)
    for old, new in [
        ("--epochs 3", "--epoch 3"),  # a flag that does not exist (never abbreviated)
        ("lr=0.01,0.03", "lr=0.01,fast"),  # a grid value that does not parse
        ("--lr 0.05", "--lr -1"),  # a value the config refuses
        ("--epochs 20", "--set epochs=20"),  # a flag that moved elsewhere
        ("nnjax sweep", "python experiments/seeds.py"),  # a flag the script does not have (--grid)
        ("--baseline lr=0.03", "--baseline lr=0.3"),  # a baseline that names no row of the sweep
        ("--baseline lr=0.03", "--baseline lr=0.03 --epoch 4"),  # an epoch the sweep (3 epochs) did not train
    ]:
        failed = failing(commands("scratch.md", good.replace(old, new)), tmp_path, monkeypatch)
        assert failed and new in failed[0], (old, new, failed)  # the edited command (and a summary of its sweep)


def test_the_python_names_the_readmes_show_exist():
    """Every ``nnjax.module.name`` in a code span and every ``from nnjax.module import name`` resolves."""
    import importlib

    missing = []
    for doc in DOCS:
        text = (ROOT / doc).read_text()
        names = set(re.findall(r"`(nnjax(?:\.\w+)+)", text))
        for module, imported in re.findall(r"from (nnjax(?:\.\w+)*) import ([\w, ]+)", text):
            names |= {f"{module}.{n.strip()}" for n in imported.split(",") if n.strip()}
        for name in sorted(names):
            parts = name.split(".")  # nnjax is one flat package: nnjax.MODULE.NAME..
            obj = importlib.import_module(".".join(parts[:2])) if len(parts) > 1 else None
            for part in parts[2:]:
                obj = getattr(obj, part, None)
            if obj is None:
                missing.append(f"{doc}: {name}")
    assert not missing


def test_a_resume_is_checked_against_its_runs_config_as_the_commands_before_it_leave_it(tmp_path, monkeypatch):
    """A ``nnjax train --resume DIR`` is checked against the config.json that the README's commands before it leave,
    in order: after a ``--force`` resume to 4 epochs, resuming with ``--epochs 4`` again needs no --force (the check
    read the first ``--out DIR`` command's 2 epochs and called it a change: a false alarm), while going back to
    ``--epochs 2`` does (it let that through); a resume shown before the command that makes its run is only
    parsed, and a refused resume changes nothing."""
    monkeypatch.chdir(tmp_path)
    good = (
        "    nnjax train --epochs 2 --out runs/r\n"
        "    nnjax train --resume runs/r --epochs 4 --force\n"
        "    nnjax train --resume runs/r --epochs 4\n"
        "    nnjax train --resume runs/r --epochs 4 --checkpoint-every 2\n"
    )
    cmds = commands("scratch.md", good)
    assert failing(cmds, tmp_path, monkeypatch) == []
    bad = commands("scratch.md", good.replace("--resume runs/r --epochs 4\n", "--resume runs/r --epochs 2\n"))
    assert failing(bad, tmp_path, monkeypatch) == ["nnjax train --resume runs/r --epochs 2"]
    refused = good.replace("--epochs 4 --force", "--epochs 4 --seed 1 --force")  # not even --force changes the seed
    assert failing(commands("scratch.md", refused), tmp_path, monkeypatch) == [
        "nnjax train --resume runs/r --epochs 4 --seed 1 --force",
        "nnjax train --resume runs/r --epochs 4",  # the run still has 2 epochs: a change, without --force
        "nnjax train --resume runs/r --epochs 4 --checkpoint-every 2",
    ]
    before = "    nnjax train --resume runs/r --epochs 3\n" + good  # before its run is made: only parsed
    assert failing(commands("scratch.md", before), tmp_path, monkeypatch) == []


def test_a_resume_or_summary_names_its_folder_as_any_spelling_of_the_out_that_made_it(tmp_path, monkeypatch):
    """The replay matched folders as text: ``--resume ./runs/r/`` after ``--out runs/r`` (or ``summary ./sweeps/a``
    after ``sweep --out sweeps/a``) found no command that made it, so a resume changing the epochs without --force,
    or a summary --epoch past the sweep's, passed. Folders are compared as paths."""
    monkeypatch.chdir(tmp_path)
    text = (
        "    nnjax train --epochs 2 --out runs/r\n"
        "    nnjax train --resume ./runs/r/ --epochs 4\n"
        "    nnjax train --resume runs//r --epochs 4 --force\n"
        "    nnjax sweep --grid lr=0.01,0.03 --epochs 3 --out ./sweeps/a\n"
        "    nnjax summary sweeps/a/ --epoch 5\n"
        "    nnjax summary sweeps/a --epoch 3\n"
    )
    assert failing(commands("scratch.md", text), tmp_path, monkeypatch) == [
        "nnjax train --resume ./runs/r/ --epochs 4",
        "nnjax summary sweeps/a/ --epoch 5",
    ]


def test_a_summary_epoch_past_any_folders_sweep_or_a_resume_missing_force_fails(tmp_path, monkeypatch):
    """``nnjax summary A B --epoch N`` is checked against every folder's sweep, not only the first; a
    ``nnjax train --resume DIR`` with flags that change the results of the run a README command made there has
    ``--force`` (and a field not even ``--force`` changes, e.g. the seed, is refused)."""

    monkeypatch.chdir(tmp_path)
    good = (
        "    nnjax sweep --grid lr=0.01,0.03 --epochs 5 --out sweeps/a\n"
        "    nnjax sweep --grid lr=0.01,0.03 --epochs 3 --out sweeps/b\n"
        "    nnjax summary sweeps/a sweeps/b --epoch 3\n"
        "    nnjax train --epochs 2 --out runs/r\n"
        "    nnjax train --resume runs/r --epochs 4 --checkpoint-every 2 --force\n"
        "    nnjax train --resume runs/r --checkpoint-every 2\n"
    )
    cmds = commands("scratch.md", good)
    assert len(cmds) == 6
    for c in cmds:
        check(c, tmp_path, monkeypatch, cmds)
    for old, new in [
        ("--epoch 3", "--epoch 4"),  # past the epochs of the second folder's sweep (the first trained 5)
        ("--epochs 4 --checkpoint-every 2 --force", "--epochs 4 --checkpoint-every 2"),  # changes epochs: --force
        ("--epochs 4 --checkpoint-every 2 --force", "--seed 1 --force"),  # not even --force changes the seed
    ]:
        bad = commands("scratch.md", good.replace(old, new))
        failed = failing(bad, tmp_path, monkeypatch)
        assert failed == [next(c.text for c in bad if c.text.endswith(new))], (old, new, failed)


def heading_anchor(heading: str) -> str:
    """GitHub's anchor for a Markdown heading (github-slugger's): its text as shown (a link's text, not its
    address), lower case, every character but letters, marks, decimal digits, '-', '_' and spaces dropped (a code
    span's backticks, punctuation, '×', '÷', '²', an emoji), each space a hyphen."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading.strip()).lower()
    kept = (c for c in text if c in " -_" or unicodedata.category(c)[0] in "LM" or unicodedata.category(c) == "Nd")
    return "".join(kept).replace(" ", "-")


def heading_anchors(headings: list[str]) -> list[str]:
    """The anchors of a document's headings, in order: ``heading_anchor``'s, a repeated one with -1, -2, … as
    GitHub numbers them (the second "Results" is #results-1)."""
    counts: dict[str, int] = {}
    out = []
    for heading in headings:
        anchor = base = heading_anchor(heading)
        while anchor in counts:
            counts[base] += 1
            anchor = f"{base}-{counts[base]}"
        counts[anchor] = 0
        out.append(anchor)
    return out


def link_targets(prose: str) -> list[str]:
    """The address of every inline link ``[text](address)`` of Markdown prose, a titled one's
    (``[text](address "title")``, ``'title'`` or ``(title)``) included."""
    return re.findall(r"""\]\(([^)\s]+)(?:\s+(?:"[^"]*"|'[^']*'|\([^)]*\)))?\)""", prose)


def test_a_titled_link_is_a_link_too():
    """A link with a title was skipped (its address had to end at the bracket), so a broken one passed."""
    prose = "See [a](#one \"the first\"), [b](docs/x.png), [c](#two 'second') and [d](#three (third)), not f(x)."
    assert link_targets(prose) == ["#one", "docs/x.png", "#two", "#three"]


def test_every_link_in_the_docs_leads_to_a_heading_or_a_file():
    """A ``[text](#anchor)`` names a heading of its own document (the README's contents list included), and a
    relative ``[text](path)`` a file or folder of the repository: renaming a section or moving a file breaks it."""
    broken = []
    for doc in DOCS:
        text = (ROOT / doc).read_text()
        prose = re.sub(r"```.*?```", "", text, flags=re.S)
        anchors = set(heading_anchors(re.findall(r"^#{1,6} (.+)$", prose, flags=re.M)))
        for target in link_targets(prose):
            if target.startswith(("http://", "https://", "mailto:")):
                continue
            path, _, anchor = target.partition("#")
            if not path and anchor not in anchors:
                broken.append(f"{doc}: #{anchor} is no heading")
            elif path and not ((ROOT / doc).parent / path).exists():
                broken.append(f"{doc}: {path} does not exist")
    assert not broken, broken


def test_the_heading_anchor_is_githubs():
    assert heading_anchor("Nielsen's network.py") == "nielsens-networkpy"
    assert heading_anchor("The ReLU recipe, part by part") == "the-relu-recipe-part-by-part"
    assert heading_anchor("Learning-rate schedule") == "learning-rate-schedule"


def test_a_heading_anchor_drops_what_github_drops_and_numbers_a_repeated_one():
    """Python's ``\\w`` kept '²' (GitHub drops it) and dropped a combining accent (GitHub keeps it); a link in a
    heading kept its address; a repeated heading had no -1 of its own, so a link to it was called broken."""
    assert heading_anchor("`--member` by its values") == "--member-by-its-values"
    assert heading_anchor("16×16 ÷ 2: a² cost") == "1616--2-a-cost"
    assert heading_anchor("Café au lait, naïve") == "café-au-lait-naïve"
    assert heading_anchor("Cafe\u0301") == "cafe\u0301"
    assert heading_anchor("See [the video](https://youtu.be/aircAruvnKk)") == "see-the-video"
    assert heading_anchors(["Results", "Tests", "Results", "Results", "Results-1"]) == [
        "results", "tests", "results-1", "results-2", "results-1-1"
    ]  # fmt: skip


def test_the_readmes_contents_list_names_every_section_in_order():
    """The README's Contents list links every ``##`` and ``###`` heading below it, in the README's order: a new
    section left out of it, or one moved, fails here."""
    text = (ROOT / "README.md").read_text()
    _, found, rest = text.partition("Contents:\n")
    assert found, "README.md has no 'Contents:' list"
    listed_block = rest.lstrip("\n").split("\n\n", 1)[0]  # the list, up to the blank line after it
    listed = [t.removeprefix("#") for t in link_targets(listed_block) if t.startswith("#")]
    prose = re.sub(r"```.*?```", "", text, flags=re.S)
    headings = re.findall(r"^(#{1,6}) (.+)$", prose, flags=re.M)
    anchors = heading_anchors([h for _, h in headings])
    sections = [a for (marks, _), a in zip(headings, anchors) if marks in ("##", "###")]
    assert listed == sections
