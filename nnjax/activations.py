"""The activation functions σ, by name: the one registry for layers, configs, sweeps and flags.

An activation is one entry in each of three dicts: ``ACTIVATIONS`` (the JAX function of ``z``), ``FORMULAS``
(the same function as a NumPy expression of ``z``: what ``nnjax export`` writes) and ``DEFAULT_INIT`` (the
init that ``init="auto"`` gives it). A config naming an activation that lacks any of the three is refused.
Added in this file, it is every process's, the ``nnjax`` command's included (``tests/test_model.py``
checks the three entries against each other and DEFAULT_INIT's rule). Added from Python before a run or
sweep starts, it is that process's only, with no edit of the package::

    import jax
    import jax.numpy as jnp
    from nnjax.activations import ACTIVATIONS, DEFAULT_INIT, FORMULAS

    ACTIVATIONS["mish"] = lambda z: z * jnp.tanh(jax.nn.softplus(z))
    FORMULAS["mish"] = "z * np.tanh(np.logaddexp(z, 0))"
    DEFAULT_INIT["mish"] = "he"

A run or sweep trained with such an activation is read back (evaluated, resumed, drawn, exported) only by a
process that adds it again; the ``nnjax`` command refuses its config.json as naming an unknown activation.
"""

from collections.abc import Callable

import jax
import jax.numpy as jnp

from nnjax.errors import ConfigError

Activation = Callable[[jax.Array], jax.Array]

# A new activation is one entry here, one in FORMULAS and one in DEFAULT_INIT below (tests/test_model.py
# checks all three, and compares each function with its formula in NumPy).
ACTIVATIONS: dict[str, Activation] = {
    "sigmoid": jax.nn.sigmoid,  # the video's σ(z) = 1 / (1 + e^-z)
    "relu": jax.nn.relu,  # max(0, z): the modern default
    "tanh": jnp.tanh,
    "gelu": jax.nn.gelu,
    "silu": jax.nn.silu,
    "softplus": jax.nn.softplus,
    "leaky_relu": jax.nn.leaky_relu,  # slope 0.01 below zero
    "identity": lambda z: z,  # no squashing: the whole network is then linear
}

# Each activation as a NumPy expression of z (``np`` is numpy): what an exported network (``nnjax export``)
# computes, for readers of its .npz file outside JAX.
FORMULAS: dict[str, str] = {
    "sigmoid": "1 / (1 + np.exp(-z))",
    "relu": "np.maximum(z, 0)",
    "tanh": "np.tanh(z)",
    "gelu": "0.5 * z * (1 + np.tanh(np.sqrt(2 / np.pi) * (z + 0.044715 * z**3)))",  # jax.nn.gelu: the tanh form
    "silu": "z / (1 + np.exp(-z))",
    "softplus": "np.logaddexp(z, 0)",
    "leaky_relu": "np.where(z >= 0, z, 0.01 * z)",
    "identity": "z",
}

# The variance-preserving initialisation usual for each activation (see nnjax/model.py INITS): He for the
# rectifier family, Glorot for the saturating ones. A convention, not a measured best: with Adam, the video's ReLU
# network ended level under he, glorot, lecun and N(0, 1) (README "Input scaling and initial weights").
DEFAULT_INIT: dict[str, str] = {
    "sigmoid": "glorot",
    "relu": "he",
    "tanh": "glorot",
    "gelu": "he",
    "silu": "he",
    "softplus": "he",
    "leaky_relu": "he",
    "identity": "lecun",
}


def get_activation(name: str) -> Activation:
    """Return the activation function called ``name``; unknown names list the valid ones."""
    try:
        return ACTIVATIONS[name]
    except KeyError:
        raise ConfigError(f"unknown activation {name!r}; valid: {', '.join(ACTIVATIONS)}") from None
