"""Where an nnjax epoch's time goes, for the video networks on this CPU (profiling notes in benchmarks/README.md).

    python benchmarks/profile_epoch.py            # config b: 784-16-16-10 ReLU, Adam, batch 32

Times (median of 7 calls, compiled, on device arrays) of the parts of one epoch: the shuffle (jax's
``random.permutation`` vs nnjax's ``shuffle.permutation``), the evaluation of the 10,000 test images, the
first layer's forward and forward+backward over every mini-batch (the bulk of the arithmetic), and the
whole ``make_epoch`` program. Needs the MNIST arrays (TFDS_DATA_DIR or NNJAX_DATA_DIR).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from nnjax.activations import get_activation
from nnjax.cli import OneLineParser
from nnjax.config import Config, flag_name, parse_value, validate
from nnjax.data import load_splits, prepare_images
from nnjax.errors import ConfigError
from nnjax.shuffle import permutation
from nnjax.train import epoch_key, init_state, make_epoch, make_evaluate, to_device


def median_s(fn: Callable[..., Any], *args: Any, reps: int = 7) -> float:
    """Median seconds of a compiled call of ``fn(*args)`` (compile excluded)."""
    compiled = jax.jit(fn).lower(*args).compile()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        jax.block_until_ready(compiled(*args))
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def parser() -> OneLineParser:
    """The script's argument parser (``main`` parses ``sys.argv`` with it)."""
    p = OneLineParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--activation", default="relu")
    p.add_argument("--optimizer", default="adam")
    p.add_argument("--lr", default="0.003")
    p.add_argument("--batch-size", default="32")
    return p


def profiled_config(args: argparse.Namespace) -> Config:
    """The config the flags ask for, on a constant schedule without weight decay; each number read as ``nnjax
    train`` reads its flag (``config.parse_value``). A bad value is a ConfigError naming its flag."""
    cfg = Config(activation=args.activation, optimizer=args.optimizer, schedule="constant", weight_decay=0.0)
    for field in ("lr", "batch_size"):
        try:
            cfg = cfg.replace(**{field: parse_value(field, getattr(args, field))})
        except ConfigError as e:
            raise ConfigError(f"{flag_name(field)}: {e}") from None
    try:
        return validate(cfg)
    except ConfigError as e:
        raise ConfigError(f"{flag_name(e.fields[0])}: {e}" if e.fields else str(e)) from None


def main() -> None:
    p = parser()
    try:  # a bad value: one line naming its flag, before the data is loaded
        cfg = profiled_config(p.parse_args())
    except ConfigError as e:
        p.error(str(e))
    s = load_splits("mnist")
    n, B = len(s.x_train), cfg.batch_size
    steps = n // B
    state = init_state([cfg], n)
    x_train, y_train, x_test, y_test = to_device(s.x_train, s.y_train, s.x_test, s.y_test)
    key = epoch_key(cfg, 0)
    W_16x784 = state.params[0]["W"][0]
    idx_SxB = jnp.arange(steps * B).reshape(steps, B)
    flop = 2 * B * 784 * W_16x784.shape[0]  # one 784→16 matrix product of a mini-batch
    σ = get_activation(cfg.activation)
    # The first-layer rows fetch each mini-batch's rows per step (in plain order) and scale them; the epoch
    # program gathers the epoch's images once before its loop (profiling note 6), so they are an upper bound.

    def first_layer_fwd(W, x):
        def step(c, idx):
            return c + jnp.sum(prepare_images(x[idx], False) @ W.T), None

        return jax.lax.scan(step, 0.0, idx_SxB)[0]

    def first_layer_fwd_bwd(W, x):
        def step(W, idx):
            x_Bx784 = prepare_images(x[idx], False)
            g = jax.grad(lambda W: jnp.sum(σ(x_Bx784 @ W.T)))(W)
            return W - 1e-6 * g, None

        return jax.lax.scan(step, W, idx_SxB)[0]

    epoch = make_epoch(cfg, n)
    rows = [
        ("jax.random.permutation(key, 60000)", median_s(lambda k: jax.random.permutation(k, n), key)),
        ("nnjax shuffle.permutation(key, 60000) (same result)", median_s(lambda k: permutation(k, n), key)),
        ("evaluate: 10,000 test images", median_s(make_evaluate(cfg), state.params, x_test, y_test)),
        (f"first layer forward, {steps} batches of {B}", median_s(first_layer_fwd, W_16x784, x_train)),
        (f"first layer forward+backward, {steps} batches", median_s(first_layer_fwd_bwd, W_16x784, x_train)),
        (
            "whole epoch (make_epoch: shuffle, train, evaluate)",
            median_s(lambda st, k: epoch(st, k, x_train, y_train, x_test, y_test), state, key),
        ),
    ]
    print(f"config: {cfg.activation}, {cfg.optimizer}, batch {B}, {steps} steps; jax {jax.__version__}")
    for name, t in rows:
        print(f"{t * 1e3:9.2f} ms  {name}")
    fb = rows[4][1]
    print(f"first layer fwd+bwd: {fb / steps * 1e6:.1f} µs/step = {2 * flop * steps / fb / 1e9:.0f} GFLOP/s")


if __name__ == "__main__":
    main()
