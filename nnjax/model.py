"""The network of the video: every layer is  a' = σ(W a + b).

Parameters are a plain pytree: a list with one ``{"W": W_outxin, "b": b_out}`` dict per layer, so
``params[0]["W"]`` is the 16×784 matrix of the video's first layer. The forward pass is written for
ONE image, exactly as the video draws it, and lifted to a batch with ``jax.vmap``.
"""

from collections.abc import Sequence

import jax
import jax.numpy as jnp

from nnjax.activations import Activation
from nnjax.errors import ConfigError

Params = list[dict[str, jax.Array]]

N_PIXELS = 28 * 28
N_CLASSES = 10


def forward_one(params: Params, image_784: jax.Array, σ: Activation) -> jax.Array:
    """Output-layer pre-activations z_10 (logits) for one image: a' = σ(W a + b), layer after layer."""
    a = image_784
    for layer in params[:-1]:
        a = σ(layer["W"] @ a + layer["b"])
    last = params[-1]
    return last["W"] @ a + last["b"]  # the cost squashes the output: softmax, or a sigmoid per digit


def activations_one(params: Params, image_784: jax.Array, σ: Activation) -> list[jax.Array]:
    """Every layer's activations for one image: [a_784, a_16, a_16, z_10] (what viz draws)."""
    acts = [image_784]
    for layer in params[:-1]:
        acts.append(σ(layer["W"] @ acts[-1] + layer["b"]))
    acts.append(params[-1]["W"] @ acts[-1] + params[-1]["b"])
    return acts


def forward(params: Params, images_Bx784: jax.Array, σ: Activation) -> jax.Array:
    """Logits z_Bx10 for a batch: ``forward_one`` vmapped over the images."""
    return jax.vmap(forward_one, in_axes=(None, 0, None))(params, images_Bx784, σ)


forward_jit = jax.jit(forward, static_argnums=2)


def activations(params: Params, images_Bx784: jax.Array, σ: Activation) -> list[jax.Array]:
    """Every layer's values for a batch: ``activations_one`` vmapped over the images, [a_Bx784, …, z_Bx10]."""
    return jax.vmap(activations_one, in_axes=(None, 0, None))(params, images_Bx784, σ)


# One compiled program for every layer's values, which images.predict and viz.layer_activations both run, so that
# nnjax predict and the figures answer from the same z to the bit (the same pass run op by op differs in the last
# bits; forward_jit, another program, may too).
activations_jit = jax.jit(activations, static_argnums=2)


def layer_sizes(hidden: Sequence[int]) -> list[int]:
    """[784, *hidden, 10]."""
    return [N_PIXELS, *hidden, N_CLASSES]


def count_params(params: Params) -> int:
    """Number of scalars in a parameter pytree (13,002 for 784-16-16-10)."""
    return sum(int(x.size) for x in jax.tree_util.tree_leaves(params))


# Standard deviation of each weight for fan-in n_in and fan-out n_out. "standard_normal" is the video's
# and Nielsen's network.py: weights and biases ~ N(0, 1). The scaled schemes keep activations' variance
# stable through depth and start the biases at zero.
INITS = {
    "standard_normal": lambda n_in, n_out: 1.0,
    "lecun": lambda n_in, n_out: (1.0 / n_in) ** 0.5,
    "glorot": lambda n_in, n_out: (2.0 / (n_in + n_out)) ** 0.5,
    "he": lambda n_in, n_out: (2.0 / n_in) ** 0.5,
}


def init_params(key: jax.Array, hidden: Sequence[int], init: str) -> Params:
    """Random parameters for 784-hidden-10 under the named scheme (see ``INITS``)."""
    if init not in INITS:
        raise ConfigError(f"unknown init {init!r}; valid: {', '.join(INITS)}")
    sizes = layer_sizes(hidden)
    params = []
    for key_l, n_in, n_out in zip(jax.random.split(key, len(sizes) - 1), sizes[:-1], sizes[1:]):
        key_W, key_b = jax.random.split(key_l)
        W = INITS[init](n_in, n_out) * jax.random.normal(key_W, (n_out, n_in), jnp.float32)
        if init == "standard_normal":
            b = jax.random.normal(key_b, (n_out,), jnp.float32)
        else:
            b = jnp.zeros((n_out,), jnp.float32)
        params.append({"W": W, "b": b})
    return params
