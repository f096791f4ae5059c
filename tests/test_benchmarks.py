"""The benchmark scripts: bad input is one line naming the flag and value, before anything is measured."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
BENCHMARKS = ROOT / "benchmarks"


def script(name: str, *argv, cwd: Path) -> subprocess.CompletedProcess:
    """``python benchmarks/NAME ARGV`` in ``cwd``, importing this checkout's nnjax (as the scripts' own
    children do). The timeout only bounds a script that wrongly starts measuring."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, (str(ROOT), os.environ.get("PYTHONPATH"))))}
    return subprocess.run(
        [sys.executable, str(BENCHMARKS / name), *map(str, argv)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=120,
    )


FULL_WIDTH = "'４' is U+FF14, not ASCII (numbers are written in 0-9)"  # config.non_ascii_note's words
CASES = [
    # ensemble_scaling.py: K sizes, counts, overrides (a bad K used to be an IndexError, --rounds 0 a
    # StatisticsError, --processes 0 an UnboundLocalError)
    ("ensemble_scaling.py", ["--ks", "abc"], "argument --ks: 'abc': expected integers separated by commas"),
    ("ensemble_scaling.py", ["--ks", "0"], "argument --ks: '0': 0 is below 1"),
    ("ensemble_scaling.py", ["--ks", "1,-4"], "argument --ks: '1,-4': -4 is below 1"),
    ("ensemble_scaling.py", ["--ks", "1,,4"], "argument --ks: '1,,4': expected integers"),
    ("ensemble_scaling.py", ["--rounds", "0"], "argument --rounds: '0': must be at least 1"),
    ("ensemble_scaling.py", ["--processes", "0"], "argument --processes: '0': must be at least 1"),
    ("ensemble_scaling.py", ["--processes", "x"], "argument --processes: 'x': expected an integer"),
    ("ensemble_scaling.py", ["--set", "nosuch=1"], "--set: unknown config field 'nosuch'"),
    ("ensemble_scaling.py", ["--proc", "1"], "unrecognized arguments: --proc 1"),  # no abbreviations
    # profile_ensemble.py: --set was a ConfigError traceback, --k 0 an IndexError
    ("profile_ensemble.py", ["--k", "0"], "argument --k: '0': must be at least 1"),
    ("profile_ensemble.py", ["--top", "-1"], "argument --top: '-1': must be at least 1"),
    ("profile_ensemble.py", ["--set", "lr=abc"], "--set: config field 'lr': cannot parse 'abc' as a number"),
    ("profile_ensemble.py", ["--set", "nosuch=1"], "--set: unknown config field 'nosuch'"),
    # profile_epoch.py: its flags are config fields, checked as a run's are
    ("profile_epoch.py", ["--batch-size", "0"], "--batch-size: config field 'batch_size' = 0: must be positive"),
    ("profile_epoch.py", ["--lr", "-1"], "--lr: config field 'lr' = -1.0: must be a positive finite number"),
    ("profile_epoch.py", ["--optimizer", "nosuch"], "--optimizer: config field 'optimizer' = 'nosuch': unknown"),
    # plain_reference.py, adam_variants.py
    ("plain_reference.py", ["--rounds", "0"], "argument --rounds: '0': must be at least 1"),
    ("plain_reference.py", ["--processes", "-1"], "argument --processes: '-1': must be at least 1"),
    ("plain_reference.py", ["--k", "1"], "--k 1: an ensemble needs at least 2 members"),
    ("adam_variants.py", ["--rounds", "0"], "argument --rounds: '0': must be at least 1"),
    ("adam_variants.py", ["--processes", "0"], "argument --processes: '0': must be at least 1"),
    ("adam_variants.py", ["--variants", "stock,nosuch"], "--variants: 'stock,nosuch': unknown variant 'nosuch'"),
    ("adam_variants.py", ["--variants", "mof,mof"], "argument --variants: 'mof,mof': 'mof' is named twice"),
    # scan_unroll.py: each bad value used to be a failed row (or a traceback) after processes had run
    ("scan_unroll.py", ["--unrolls", "abc"], "argument --unrolls: 'abc': expected integers separated by commas"),
    ("scan_unroll.py", ["--unrolls", "1,65"], "argument --unrolls: '1,65': 65 is above 64"),
    ("scan_unroll.py", ["--unrolls", "2,2"], "argument --unrolls: '2,2': 2 is given twice"),
    ("scan_unroll.py", ["--runs", "video,nosuch"], "argument --runs: 'video,nosuch': unknown run 'nosuch'; valid:"),
    ("scan_unroll.py", ["--runs", "video,video"], "argument --runs: 'video,video': 'video' is named twice"),
    ("scan_unroll.py", ["--epochs", "1"], "--epochs must be at least 2"),
    ("scan_unroll.py", ["--xla", "noequals"], "argument --xla: 'noequals': expected NAME=FLAGS"),
    ("scan_unroll.py", ["--xla", "default=--x"], "argument --xla: 'default=--x': 'default' names the run without"),
    ("scan_unroll.py", ["--xla", "a=--x", "--xla", "a=--y"], "--xla: variant 'a' is named twice"),
    ("scan_unroll.py", ["--timeout", "nan"], "argument --timeout: 'nan': must be a positive finite number"),
    # compare.py: lists, counts, and an --out that could not be written after the whole run
    ("compare.py", ["--configs", "a,d"], "argument --configs: 'a,d': unknown config 'd'; valid: a, b, c"),
    ("compare.py", ["--configs", "a,a"], "argument --configs: 'a,a': 'a' is named twice"),
    ("compare.py", ["--contenders", "numpy,numpy"], "argument --contenders: 'numpy,numpy': 'numpy' is named twice"),
    ("compare.py", ["--reps", "0"], "argument --reps: '0': must be at least 1"),
    ("compare.py", ["--train-limit", "-5"], "argument --train-limit: '-5': must be at least 1"),
    ("compare.py", ["--threads", "0"], "argument --threads: '0': must be at least 1"),
    ("compare.py", ["--quick", "--out", "no/such/x.md"], "--out 'no/such/x.md': folder no/such does not exist"),
    ("compare.py", ["--quick", "--out", ""], "--out '': empty: name a file"),
    ("compare.py", ["--quick", "--out", "."], "--out '.': is a folder: name a file"),
    ("compare.py", ["--quick", "--out", "r.json"], "--out 'r.json': the raw numbers go to the same name with .json"),
    # a number in characters outside ASCII (a full-width ４ is U+FF14): int() and float() took it as 4
    ("compare.py", ["--epochs", "４"], f"argument --epochs: '４': expected an integer; {FULL_WIDTH}"),
    ("plain_reference.py", ["--k", "４"], f"argument --k: '４': expected an integer; {FULL_WIDTH}"),
    ("profile_epoch.py", ["--batch-size", "４"], f"--batch-size: config field 'batch_size': cannot parse '４' as an "
                                                f"integer; {FULL_WIDTH}"),
    ("profile_epoch.py", ["--lr", "0.0４"], f"--lr: config field 'lr': cannot parse '0.0４' as a number; {FULL_WIDTH}"),
    ("scan_unroll.py", ["--epochs", "４"], f"argument --epochs: '４': expected an integer; {FULL_WIDTH}"),
    ("scan_unroll.py", ["--timeout", "４"], f"argument --timeout: '４': expected a number; {FULL_WIDTH}"),
    # the tuning scripts' one argument
    ("tuning/p1_init_lr.py", ["nosuch"], "p1_init_lr.py: error: 'nosuch' is not one of sigmoid, relu"),
    ("tuning/final_test.py", ["video", "video"], "final_test.py: error: 'video' is named twice"),
    # a contender's command line (compare.py writes it)
    ("contenders/numpy_mlp.py", [], "numpy_mlp.py: error: expected JOB.json RESULT.json, got 0 argument(s)"),
]  # fmt: skip


@pytest.mark.parametrize("name, argv, line", CASES, ids=[f"{n}-{' '.join(a)}" for n, a, _ in CASES])
def test_bad_flag_is_one_line(tmp_path, name, argv, line):
    """Exit 2 with one line on stderr that names the flag and the value, no traceback, nothing written."""
    done = script(name, *argv, cwd=tmp_path)
    assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
    assert line in done.stderr and "Traceback" not in done.stderr, done.stderr
    assert done.stderr.startswith(f"{Path(name).name}: error: ")
    assert not done.stdout and not list(tmp_path.iterdir())


def test_no_script_reads_a_number_with_pythons_int_or_float():
    """A flag given ``type=int`` or ``type=float`` took a full-width ４ as 4 (benchmarks/compare.py --epochs,
    plain_reference.py --k, profile_epoch.py --batch-size and --lr, scan_unroll.py --epochs): every flag of nnjax,
    the benchmarks and the experiments reads a number through ``config.parse_number`` (``cli.integer``,
    ``cli.int_at_least``, ``cli.int_list``, ``cli.positive_float``, ``config.parse_value``)."""
    import ast

    found = []
    for path in sorted(p for folder in ("nnjax", "benchmarks", "experiments") for p in (ROOT / folder).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                found += [
                    f"{path.relative_to(ROOT)}:{node.lineno}: type={k.value.id}"
                    for k in node.keywords
                    if k.arg == "type" and isinstance(k.value, ast.Name) and k.value.id in ("int", "float")
                ]
    assert not found, found


def test_compare_keeps_the_results_file_on_a_bad_flag(tmp_path):
    """A bad value is refused before the run starts, so the --out file of an earlier run is untouched."""
    out = tmp_path / "RESULTS.md"
    out.write_text("earlier results\n")
    done = script("compare.py", "--out", out, "--reps", "0", "--no-default-run", "--no-ensemble", cwd=tmp_path)
    assert done.returncode == 2 and "argument --reps: '0'" in done.stderr
    assert out.read_text() == "earlier results\n" and sorted(tmp_path.iterdir()) == [out]


@pytest.mark.parametrize(
    "argv, line",
    [
        (["missing.json", "result.json"], "numpy_mlp.py: error: missing.json: No such file or directory\n"),
        (["job.json", "no/such/result.json"], "numpy_mlp.py: error: no/such/result.json: folder no/such does not"),
        (["bad.json", "result.json"], "numpy_mlp.py: error: bad.json: not a JSON job file"),
    ],
)
def test_contender_refuses_a_bad_job_or_result_path_in_one_line(tmp_path, argv, line):
    """Found before any training: a result folder that does not exist used to fail only once training was done."""
    (tmp_path / "job.json").write_text('{"contender": "numpy"}')
    (tmp_path / "bad.json").write_text("{")
    done = script("contenders/numpy_mlp.py", *argv, cwd=tmp_path)
    assert done.returncode == 1 and done.stderr.count("\n") == 1 and line in done.stderr, done.stderr
    assert not (tmp_path / "result.json").exists()


def test_ensemble_scalings_children_compile_their_programs_whatever_jax_compilation_cache_dir_says(
    tmp_path, monkeypatch
):
    """benchmarks/ensemble_scaling.py measures in fresh child processes and reports their compile times: with
    JAX_COMPILATION_CACHE_DIR set they would be loads from JAX's persistent cache. Its children run without it."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("ensemble_scaling", BENCHMARKS / "ensemble_scaling.py")
    scaling = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(scaling)
    monkeypatch.setenv("JAX_COMPILATION_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("NNJAX_SEEN", "kept")
    show = (
        "import json, os; print(json.dumps([os.environ.get(n) for n in ('JAX_COMPILATION_CACHE_DIR', 'NNJAX_SEEN')]))"
    )
    assert scaling.run_json_child([sys.executable, "-c", show]) == [None, "kept"]


def test_compares_children_compile_their_programs_whatever_jax_compilation_cache_dir_says(tmp_path, monkeypatch):
    """benchmarks/compare.py's children (nnjax train, the contenders, ensemble_scaling.py) report compile
    times and check "compile < 2 s": with JAX_COMPILATION_CACHE_DIR set they loaded the epoch program from JAX's
    persistent cache and reported the load as the compile. They run without it, on either device."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("compare", BENCHMARKS / "compare.py")
    compare = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(compare)
    monkeypatch.setenv("JAX_COMPILATION_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("NNJAX_SEEN", "kept")
    names = ("JAX_COMPILATION_CACHE_DIR", "NNJAX_SEEN", "JAX_PLATFORMS")
    show = f"import os; print(*(os.environ.get(name) for name in {names!r}))"
    for device, platforms in (("cpu", "cpu"), ("cuda", None)):
        monkeypatch.delenv("JAX_PLATFORMS", raising=False)
        rc, _, _ = compare.run_child([sys.executable, "-c", show], tmp_path / "log", device)
        assert rc == 0 and (tmp_path / "log").read_text() == f"None kept {platforms}\n", device
