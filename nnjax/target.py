"""An accuracy to reach (``--target``): its check, how people write it, and when a curve reached and held it
(epochs, and a run's seconds of training)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from nnjax.config import non_ascii_note, parse_number
from nnjax.errors import ConfigError

TARGET_WORDS = "the accuracy to reach, a fraction in (0, 1], e.g. 0.96 for 96 %"


def check_target(target: Any) -> float | None:
    """``target`` as a float: None, or an accuracy to reach, a fraction in (0, 1]; else a ConfigError."""
    if target is None:
        return None
    if isinstance(target, bool) or not isinstance(target, (int, float)) or not 0 < target <= 1:
        raise ConfigError(f"target {target!r}: {TARGET_WORDS}")
    return float(target)


def target_flag(text: str | None) -> float | None:
    """``--target``'s text as ``check_target``'s float; else a ConfigError naming the flag and the text."""
    if text is None:
        return None
    try:
        return check_target(parse_number(text, float))
    except (ValueError, ConfigError):
        raise ConfigError(f"--target {text}: {TARGET_WORDS}{non_ascii_note(text)}") from None


def target_percent(fraction: float) -> str:
    """``96 %``, ``96.5 %``: a target accuracy as people write it."""
    return f"{round(100 * fraction, 6):g} %"


def target_epochs(points: Sequence[tuple[int, float]], target: float) -> dict[str, int | None]:
    """Of a curve's ``points`` (epoch, accuracy) in epoch order: the first epoch at or above ``target``
    (``first_epoch_at_target``) and the first of the epochs that stay at or above it through the last point
    (``target_held_from``); None where there is none."""
    held = None
    for e, a in reversed(points):
        if a < target:
            break
        held = e
    return {"first_epoch_at_target": next((e for e, a in points if a >= target), None), "target_held_from": held}


def target_figures(lines: Sequence[Mapping[str, Any]], target: float, split: str) -> dict[str, Any]:
    """When a run reached ``target`` on ``split`` ("test" or "val"), from its metrics ``lines`` (metrics.jsonl, in
    epoch order): ``target_epochs``'s ``first_epoch_at_target`` and ``target_held_from``, each with the seconds of
    training through it (``train_s_to_target``, ``train_s_to_held``: the sum of the epochs' own ``epoch_s``,
    compilation not included); None where there is no such epoch, or an epoch until then has no time."""
    got = target_epochs([(m["epoch"], m[f"{split}_accuracy"]) for m in lines], target)

    def seconds(epoch: int | None) -> float | None:
        times = [m.get("epoch_s") for m in lines if epoch is not None and m["epoch"] <= epoch]
        return round(sum(times), 4) if times and None not in times else None

    first, held = got["first_epoch_at_target"], got["target_held_from"]
    return {
        "first_epoch_at_target": first,
        "train_s_to_target": seconds(first),
        "target_held_from": held,
        "train_s_to_held": seconds(held),
    }
