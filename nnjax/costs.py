"""Costs for one image, from the output layer's z_10 and the true digit."""

from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np

from nnjax.errors import ConfigError

Cost = Callable[[jax.Array, jax.Array], jax.Array]


def cross_entropy(z_10: jax.Array, label: jax.Array) -> jax.Array:
    """−log softmax(z)[label]: the cost of modern classifiers."""
    return -jax.nn.log_softmax(z_10)[label]


def quadratic(z_10: jax.Array, label: jax.Array) -> jax.Array:
    """The video's cost: ½‖σ(z) − y‖² against the one-hot label y."""
    a_10 = jax.nn.sigmoid(z_10)
    y_10 = jax.nn.one_hot(label, z_10.shape[-1])
    return 0.5 * jnp.sum((a_10 - y_10) ** 2)


def sigmoid_cross_entropy(z_10: jax.Array, label: jax.Array) -> jax.Array:
    """Nielsen's chapter-3 cross-entropy of sigmoid outputs: −Σ_j [y_j ln σ(z_j) + (1 − y_j) ln(1 − σ(z_j))].

    Against the one-hot label y, from z in log space (finite for any z); its gradient in z is σ(z) − y.
    """
    y_10 = jax.nn.one_hot(label, z_10.shape[-1])
    return -jnp.sum(y_10 * jax.nn.log_sigmoid(z_10) + (1.0 - y_10) * jax.nn.log_sigmoid(-z_10))


COSTS: dict[str, Cost] = {
    "cross_entropy": cross_entropy,
    "quadratic": quadratic,
    "sigmoid_cross_entropy": sigmoid_cross_entropy,
}
# Costs whose outputs are σ(z), one per digit, rather than a softmax over the digits.
SIGMOID_COSTS = ("quadratic", "sigmoid_cross_entropy")


def get_cost(name: str) -> Cost:
    """Return the cost called ``name``; unknown names list the valid ones."""
    try:
        return COSTS[name]
    except KeyError:
        raise ConfigError(f"unknown cost {name!r}; valid: {', '.join(COSTS)}") from None


def probabilities(z_B10: jax.Array | np.ndarray, cost: str) -> jax.Array | np.ndarray:
    """What the output layer says, as probabilities: softmax(z), or σ(z) normalised to sum 1 (``SIGMOID_COSTS``).

    NumPy logits give float64 NumPy probabilities (what is shown to people: float32 rounds a runner-up
    of 1e-8 away and says exactly 1); JAX arrays stay JAX arrays, for use inside compiled code.
    """
    if isinstance(z_B10, np.ndarray):
        z = z_B10.astype(np.float64)
        if cost in SIGMOID_COSTS:  # σ(z) = exp(log σ(z)), normalised: finite for any z (σ(-800) underflows to 0)
            z = -np.logaddexp(0.0, -z)
        e = np.exp(z - np.max(z, axis=-1, keepdims=True))
        return e / np.sum(e, axis=-1, keepdims=True)
    return jax.nn.softmax(_normalised(z_B10, cost), axis=-1)


def log_probabilities(z_B10: jax.Array, cost: str) -> jax.Array:
    """log ``probabilities`` of JAX logits, computed in log space: finite where a probability underflows to 0
    (the log-probability that viz's wanted inputs ascend)."""
    return jax.nn.log_softmax(_normalised(z_B10, cost), axis=-1)


def _normalised(z_B10: jax.Array, cost: str) -> jax.Array:
    """What a softmax turns into ``cost``'s probabilities: z, or log σ(z) for ``SIGMOID_COSTS`` (σ(z) normalised)."""
    return jax.nn.log_sigmoid(z_B10) if cost in SIGMOID_COSTS else z_B10
