"""Optax optimisers and learning-rate schedules from a Config.

Hyper-parameters that may differ between ensemble members (learning rate, weight decay, momentum)
are injected with ``optax.inject_hyperparams``: they live in the optimiser state as arrays, so a
stacked ensemble carries one value per member and one compiled program serves them all.
"""

from __future__ import annotations

import optax

from nnjax.config import Config


def schedule_shape(cfg: Config, steps_per_epoch: int) -> optax.Schedule:
    """The learning-rate multiplier over steps (peak 1), shared by every member of an ensemble."""
    total = cfg.epochs * steps_per_epoch
    if cfg.schedule == "constant":
        return optax.constant_schedule(1.0)
    if cfg.schedule == "cosine":
        return optax.cosine_decay_schedule(1.0, decay_steps=total)
    if cfg.schedule == "warmup_cosine":
        warmup = cfg.warmup_epochs * steps_per_epoch
        return optax.warmup_cosine_decay_schedule(0.0, 1.0, warmup_steps=warmup, decay_steps=total)
    raise ValueError(f"schedule {cfg.schedule!r} has no shape in optim.schedule_shape")  # a new SCHEDULES entry


def _chain(
    learning_rate: float,
    weight_decay: float,
    momentum: float,
    *,
    kind: str,
    shape: optax.Schedule,
) -> optax.GradientTransformation:
    if kind == "adamw":  # decoupled weight decay, after the Adam direction
        direction = [optax.scale_by_adam(b1=momentum), optax.add_decayed_weights(weight_decay)]
    else:  # L2 weight decay: added to the gradient before the direction
        base = {
            "sgd": optax.identity(),
            "momentum": optax.trace(decay=momentum),
            "adam": optax.scale_by_adam(b1=momentum),
        }[kind]
        direction = [optax.add_decayed_weights(weight_decay), base]
    return optax.chain(*direction, optax.scale_by_schedule(shape), optax.scale(-learning_rate))


def make_optimizer(cfg: Config, steps_per_epoch: int) -> optax.GradientTransformation:
    """The optimiser of ``cfg``: direction (sgd/momentum/adam/adamw) × schedule × lr."""
    return optax.inject_hyperparams(_chain, static_args=("kind", "shape"))(
        learning_rate=cfg.lr,
        weight_decay=cfg.weight_decay,
        momentum=cfg.momentum,
        kind=cfg.optimizer,
        shape=schedule_shape(cfg, steps_per_epoch),
    )
