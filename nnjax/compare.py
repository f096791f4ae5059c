"""Two trained networks on the same test images: which images each gets right, and whether their
accuracies differ by more than the test set's own sampling noise (McNemar's exact test).

Two accuracies of 96.50 % and 96.91 % on 10,000 test images may or may not be a real difference: what
decides it is how many images only one of the two networks gets right, and how unevenly those split.
The test takes the two trained networks as given; whether another seed would reverse the order is a
question for a sweep over seeds (``nnjax sweep --grid ... seed=0,1,2``), not for this test.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np

from nnjax.data import Splits
from nnjax.errors import ConfigError


def mcnemar_p(only_a: int, only_b: int) -> float:
    """Two-sided exact McNemar p-value: the chance that ``only_a + only_b`` images, each equally likely to
    be one network's or the other's (binomial, p = 1/2), split at least as unevenly as ``only_a`` : ``only_b``.
    1.0 when they never disagree; 0.0 where p is below the smallest float (a split of 0 : 1076, say)."""
    n = only_a + only_b
    # each binomial coefficient C(n, i) from the one before: math.comb(n, i) afresh for every i took 3.5 s for a
    # 4900 : 5100 split and 8 minutes for 30000 : 30000 (emnist/digits has 40,000 test images)
    term = tail = 1  # C(n, 0)
    for i in range(1, min(only_a, only_b) + 1):
        term = term * (n - i + 1) // i
        tail += term
    return min(1.0, 2 * tail / 2**n)  # exact integers; true division rounds once


def _network(folder: str | Path, member: int | None, where: str, epoch: int | None) -> tuple[Any, list, int]:
    from nnjax.run import load_network
    from nnjax.train import unstack

    cfg, params_K, epoch = load_network(folder, member, where=where, epoch=epoch)
    return cfg, unstack(params_K, 0), epoch


def compare_networks(
    a: str | Path,
    b: str | Path,
    *,
    member_a: int | str | None = None,
    member_b: int | str | None = None,
    epoch_a: int | None = None,
    epoch_b: int | None = None,
    splits: Splits | None = None,
    data_dir: str | None = None,
    tfds_dir: str | None = None,
) -> dict[str, Any]:
    """Networks ``a`` and ``b`` (run folders, or sweep folders with ``member_a`` / ``member_b``: a number, or text
    naming one member by its config values, ``"activation=relu,seed=1"``: ``sweep.resolve_member``) on the
    test split (``splits``, or ``a``'s data set found in ``data_dir`` / ``tfds_dir`` if given, else in
    ``a``'s folders). Returns a JSON-ready dict:

    ``epoch_a`` / ``epoch_b``: the parameters after that epoch, not the newest (``run.load_network``; 0: as
    initialised), e.g. a run against its own start (``compare_networks(run, run, epoch_a=0)``).

    ``a`` / ``b``: ``folder``, ``member`` (and for a member its ``diverged_epoch``, None if it did not
    diverge by the parameters' epoch, as ``eval_run`` gives it), ``epoch`` (of the parameters) and
    ``test_accuracy``;
    ``n_test``; ``both_right``, ``only_a_right``, ``only_b_right``, ``both_wrong`` (image counts);
    ``p_value``: McNemar's exact two-sided test of equal accuracy (``mcnemar_p``);
    ``only_a_right_digits`` / ``only_b_right_digits``: those images' positions in the test split, as
    ``nnjax viz --digits`` takes them.

    An answer is the most active output, as ``nnjax eval`` counts it; a network whose outputs are not
    finite, or a sweep member that diverged (and trained on inside its ensemble), is warned about on stderr,
    once.
    ConfigError if the two were trained on different data sets.
    """
    from nnjax.data import check_splits, load_splits
    from nnjax.images import predict
    from nnjax.run import folder_path
    from nnjax.sweep import resolve_member

    check_splits(splits, "compare_networks")
    # their numbers, where named by their values: each side's result and warnings give it
    member_a = resolve_member(folder_path(a, "compare_networks"), member_a)
    member_b = resolve_member(folder_path(b, "compare_networks"), member_b)
    cfg_a, params_a, epoch_a = _network(a, member_a, "compare_networks", epoch_a)
    cfg_b, params_b, epoch_b = _network(b, member_b, "compare_networks", epoch_b)
    if cfg_a.dataset != cfg_b.dataset:
        raise ConfigError(
            f"dataset: {a} was trained on {cfg_a.dataset!r}, {b} on {cfg_b.dataset!r}: no test split in common"
        )
    if splits is None:
        splits = load_splits(cfg_a.dataset, data_dir or cfg_a.data_dir, tfds_dir or cfg_a.tfds_dir, validation=False)
    x_Nx784, y_N = np.asarray(splits.x_test), np.asarray(splits.y_test)
    right: list[np.ndarray] = []
    for folder, member, cfg, params in ((a, member_a, cfg_a, params_a), (b, member_b, cfg_b, params_b)):
        pred_N, p_Nx10 = predict(params, cfg, x_Nx784)
        if (bad := int(np.sum(~np.all(np.isfinite(p_Nx10), axis=1)))) > 0:
            which = folder if member is None else f"{folder} member {member}"
            print(f"nnjax: warning: {which}: outputs not finite on {bad} test images (diverged?)", file=sys.stderr)
        right.append(pred_N == y_N)
    right_a, right_b = right
    only_a, only_b = np.flatnonzero(right_a & ~right_b), np.flatnonzero(right_b & ~right_a)

    def side(folder: str | Path, member: int | None, epoch: int, right_N: np.ndarray) -> dict[str, Any]:
        out: dict[str, Any] = {"folder": str(folder), "member": None if member is None else int(member)}
        if member is not None:  # loading it warned already (sweep.load_member); kept as eval_run gives it
            from nnjax.sweep import diverged_by

            out["diverged_epoch"] = diverged_by(folder, int(member), epoch)
        return {**out, "epoch": epoch, "test_accuracy": float(right_N.mean())}

    return {
        "a": side(a, member_a, epoch_a, right_a),
        "b": side(b, member_b, epoch_b, right_b),
        "n_test": len(y_N),
        "both_right": int(np.sum(right_a & right_b)),
        "only_a_right": len(only_a),
        "only_b_right": len(only_b),
        "both_wrong": int(np.sum(~right_a & ~right_b)),
        "p_value": mcnemar_p(len(only_a), len(only_b)),
        "only_a_right_digits": only_a.tolist(),
        "only_b_right_digits": only_b.tolist(),
    }
