"""Shared helper for the tuning scripts: train one ensemble (one compiled program) and log results.

Every row goes to benchmarks/tuning/results.jsonl (one JSON object per member) and is printed.
Selection uses validation=True only; test numbers come from final_test.py.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import jax
import numpy as np

from nnjax import train
from nnjax.cli import OneLineParser
from nnjax.config import Config
from nnjax.data import load_splits

TFDS_DIR = os.environ.get("TFDS_DATA_DIR", "/tmp/tfds_test")
RESULTS = Path(__file__).with_name("results.jsonl")
_SPLITS: dict = {}


def pick(doc: str, choices: tuple[str, ...] = (), many: bool = False) -> list[str]:
    """The script's argument (``many``: arguments, all of ``choices`` if none), one of ``choices`` (none: the
    script takes no argument); ``--help`` prints the script's docstring ``doc``; a wrong one is one line (exit 2)."""
    p = OneLineParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    if not choices:
        p.parse_args()
        return []
    p.add_argument("which", nargs="*" if many else None, help=f"one of {', '.join(choices)}")
    which = p.parse_args().which
    which = (which or list(choices)) if many else [which]
    if bad := [w for w in which if w not in choices]:
        p.error(f"{bad[0]!r} is not one of {', '.join(choices)}")
    if twice := [w for w in which if which.count(w) > 1]:
        p.error(f"{twice[0]!r} is named twice")
    return which


def splits(validation: bool):
    if validation not in _SPLITS:
        _SPLITS[validation] = load_splits(tfds_dir=TFDS_DIR, validation=validation)
    return _SPLITS[validation]


DEFAULTS = Config()


def wide_base(hidden: tuple[int, ...], epochs: int) -> Config:
    """The wide ReLU MLP's tuning base: Adam + cosine, batch 128, selected on validation only."""
    return Config(
        name="wide",
        hidden=hidden,
        activation="relu",
        validation=True,
        optimizer="adam",
        schedule="cosine",
        batch_size=128,
        epochs=epochs,
    )


def diff(cfg: Config) -> dict:
    """Config fields that differ from the defaults (excluding name/tfds_dir)."""
    out = {}
    for k, v in cfg.to_dict().items():
        if k in ("name", "tfds_dir", "data_dir"):
            continue
        if v != DEFAULTS.to_dict()[k]:
            out[k] = v
    return out


def run_group(tag: str, members: list[Config], *, quiet: bool = False) -> list[dict]:
    """Train ``members`` (same program fields) as one ensemble; return one row per member."""
    base = members[0]
    s = splits(base.validation)
    n = len(s.x_train)
    state = train.init_state(members, n)
    data = train.to_device(s.x_train, s.y_train, s.x_eval, s.y_eval)
    epoch = train.make_epoch(base, n)
    t0 = time.perf_counter()
    hist = []
    t_first = None
    for e in range(base.epochs):
        state, m = epoch(state, train.epoch_key(base, e), *data)
        m = jax.device_get(m)
        if e == 0:
            t_first = time.perf_counter()
        hist.append(np.asarray(m["eval_accuracy"]))
    t_end = time.perf_counter()
    epoch_s = (t_end - t_first) / max(base.epochs - 1, 1)
    hist = np.stack(hist)  # E x K
    rows = []
    for k, cfg in enumerate(members):
        row = {
            "tag": tag,
            "cfg": diff(cfg),
            "split": s.eval_split,
            "final": float(hist[-1, k]),
            "best": float(hist[:, k].max()),
            "best_epoch": int(hist[:, k].argmax()) + 1,
            "train_loss": float(m["train_loss"][k]),
            "train_acc": float(m["train_accuracy"][k]),
            "finite": bool(m["finite"][k]),
            "K": len(members),
            "epoch_s_ensemble": epoch_s,
            "total_s": t_end - t0,
        }
        rows.append(row)
    with RESULTS.open("a") as f:
        for r in rows:
            f.write(json.dumps(r) + "\n")
    if not quiet:
        print(
            f"== {tag}: K={len(members)} epochs={base.epochs} epoch={epoch_s:.3f}s total={t_end - t0:.1f}s", flush=True
        )
        for r in rows:
            c = {k: v for k, v in r["cfg"].items() if k not in ("validation",)}
            print(
                f"  {r['final'] * 100:6.2f} (best {r['best'] * 100:6.2f}@{r['best_epoch']}) "
                f"trainacc {r['train_acc'] * 100:6.2f}  {c}",
                flush=True,
            )
    return rows


def summarize(rows: list[dict], keys: list[str]) -> None:
    """Mean/min over seeds of rows grouped by the given cfg keys."""
    groups: dict = {}
    for r in rows:
        key = tuple(str(r["cfg"].get(k, DEFAULTS.to_dict().get(k))) for k in keys)
        groups.setdefault(key, []).append(r["final"])
    for key, v in sorted(groups.items(), key=lambda kv: -np.mean(kv[1])):
        print(
            f"  mean {np.mean(v) * 100:6.2f} min {np.min(v) * 100:6.2f} n={len(v)}  "
            + ", ".join(f"{k}={x}" for k, x in zip(keys, key)),
            flush=True,
        )
