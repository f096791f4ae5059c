"""The network itself: sizes, initialisation, the forward pass against NumPy, gradients against finite differences."""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.flatten_util import ravel_pytree

from nnjax.activations import ACTIVATIONS, DEFAULT_INIT, FORMULAS, get_activation
from nnjax.costs import COSTS, get_cost, probabilities
from nnjax.errors import ConfigError
from nnjax.model import (
    INITS,
    activations_one,
    count_params,
    forward,
    forward_jit,
    forward_one,
    init_params,
    layer_sizes,
)


def test_video_network_has_13002_parameters_in_W_and_b_per_layer():
    params = init_params(jax.random.key(0), (16, 16), "standard_normal")
    assert count_params(params) == 13_002  # the video's "about 13,000"
    assert [(layer["W"].shape, layer["b"].shape) for layer in params] == [
        ((16, 784), (16,)),
        ((16, 16), (16,)),
        ((10, 16), (10,)),
    ]
    assert all(leaf.dtype == jnp.float32 for leaf in jax.tree_util.tree_leaves(params))


@pytest.mark.parametrize(
    "hidden, n_params",
    [
        ((), 784 * 10 + 10),
        ((32,), 784 * 32 + 32 + 32 * 10 + 10),
        ((64, 8, 4), 784 * 64 + 64 + 64 * 8 + 8 + 8 * 4 + 4 + 4 * 10 + 10),
    ],
)
def test_other_sizes(hidden, n_params):
    params = init_params(jax.random.key(1), hidden, "he")
    sizes = layer_sizes(hidden)
    assert sizes == [784, *hidden, 10]
    assert [layer["W"].shape for layer in params] == list(zip(sizes[1:], sizes[:-1]))
    assert count_params(params) == n_params


@pytest.mark.parametrize(
    "init, std",
    [
        ("standard_normal", 1.0),
        ("lecun", math.sqrt(1 / 784)),
        ("glorot", math.sqrt(2 / (784 + 256))),
        ("he", math.sqrt(2 / 784)),
    ],
)
def test_init_scale(init, std):
    params = init_params(jax.random.key(2), (256, 16), init)
    W = np.asarray(params[0]["W"])  # 256×784: 200,704 draws, so the sample std is within ~0.5 %
    assert abs(W.mean()) < 0.01 * std
    assert W.std() == pytest.approx(std, rel=0.02)
    b = np.asarray(params[0]["b"])
    if init == "standard_normal":  # the video's / Nielsen's: biases ~ N(0, 1) too
        assert b.std() == pytest.approx(1.0, rel=0.3)
    else:
        assert not b.any()


def test_init_is_a_pure_function_of_the_key():
    a, b, c = (init_params(jax.random.key(k), (16, 16), "glorot") for k in (3, 3, 4))
    assert all(np.array_equal(x, y) for x, y in zip(jax.tree_util.tree_leaves(a), jax.tree_util.tree_leaves(b)))
    assert not np.array_equal(a[0]["W"], c[0]["W"])


def test_every_layer_and_each_bias_get_draws_of_their_own():
    """Each layer's W and b come from keys of their own: two layers of one shape do not repeat each other's
    weights, and a layer's biases are not the first draws of its weights (one key reused would give both)."""
    params = init_params(jax.random.key(0), (16, 16, 16), "standard_normal")
    assert params[1]["W"].shape == params[2]["W"].shape == (16, 16)
    assert not np.isin(np.asarray(params[1]["W"]), np.asarray(params[2]["W"])).any()
    for layer in params:
        W, b = np.asarray(layer["W"]), np.asarray(layer["b"])
        assert not np.isin(b, W).any()


def test_every_activation_has_a_default_init():
    assert set(DEFAULT_INIT) == set(ACTIVATIONS)
    assert set(DEFAULT_INIT.values()) <= set(INITS)


def test_default_init_is_he_for_rectifiers_glorot_for_saturating_ones_lecun_for_identity():
    """The rule DEFAULT_INIT documents (what ``init: auto`` trains with): variance-preserving He init for the
    rectifier family, Glorot for sigmoid and tanh, LeCun for the linear network."""
    rectifiers = {"relu", "gelu", "silu", "softplus", "leaky_relu"}
    assert {name for name, init in DEFAULT_INIT.items() if init == "he"} == rectifiers
    assert {name for name, init in DEFAULT_INIT.items() if init == "glorot"} == {"sigmoid", "tanh"}
    assert DEFAULT_INIT["identity"] == "lecun"


@pytest.mark.parametrize(
    "lookup, registry",
    [
        (lambda name: init_params(jax.random.key(0), (16,), name), INITS),
        (get_activation, ACTIVATIONS),
        (get_cost, COSTS),
    ],
    ids=["init", "activation", "cost"],
)
def test_unknown_name_lists_the_valid_ones(lookup, registry):
    with pytest.raises(ConfigError) as e:
        lookup("sigmoidd")
    assert "'sigmoidd'" in str(e.value)
    assert all(name in str(e.value) for name in registry)


# ---- forward pass against plain NumPy ----------------------------------------------------------------


def numpy_sigma(name: str):
    """The activation as its FORMULAS entry says, evaluated in NumPy (what an exported network computes)."""
    return lambda z: eval(FORMULAS[name], {"np": np, "z": z})


def test_every_activation_has_a_formula_that_matches_it():
    assert set(FORMULAS) == set(ACTIVATIONS)
    z = np.linspace(-6, 6, 241)
    for name, σ in ACTIVATIONS.items():
        np.testing.assert_allclose(numpy_sigma(name)(z), np.asarray(σ(jnp.asarray(z, jnp.float32))), atol=2e-6)
    exact_gelu = z * 0.5 * (1 + np.vectorize(math.erf)(z / np.sqrt(2)))  # not what jax.nn.gelu computes
    assert np.abs(numpy_sigma("gelu")(z) - exact_gelu).max() > 1e-4


def numpy_forward(params, images_Bx784: np.ndarray, σ) -> np.ndarray:
    """The video's a' = σ(W a + b), one image at a time, in float64 NumPy."""
    out = []
    for a in images_Bx784.astype(np.float64):
        for layer in params[:-1]:
            a = σ(np.asarray(layer["W"], np.float64) @ a + np.asarray(layer["b"], np.float64))
        out.append(np.asarray(params[-1]["W"], np.float64) @ a + np.asarray(params[-1]["b"], np.float64))
    return np.stack(out)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_batched_jitted_forward_equals_numpy(name):
    key_p, key_x = jax.random.split(jax.random.key(5))
    params = init_params(key_p, (16, 16), DEFAULT_INIT[name])
    x_Bx784 = np.asarray(jax.random.uniform(key_x, (12, 784)))
    z_Bx10 = forward_jit(params, jnp.asarray(x_Bx784), ACTIVATIONS[name])
    assert z_Bx10.shape == (12, 10)
    np.testing.assert_allclose(
        np.asarray(z_Bx10), numpy_forward(params, x_Bx784, numpy_sigma(name)), rtol=1e-4, atol=1e-4
    )


def test_activations_one_ends_in_the_forward_logits():
    params = init_params(jax.random.key(6), (16, 16), "standard_normal")
    image_784 = jax.random.uniform(jax.random.key(7), (784,))
    acts = activations_one(params, image_784, jax.nn.sigmoid)
    assert [a.shape for a in acts] == [(784,), (16,), (16,), (10,)]
    assert all(0 < float(a.min()) and float(a.max()) < 1 for a in acts[1:3])  # sigmoid outputs
    np.testing.assert_allclose(acts[-1], forward_one(params, image_784, jax.nn.sigmoid), rtol=1e-6)
    batched = forward(params, image_784[None], jax.nn.sigmoid)[0]
    np.testing.assert_allclose(batched, acts[-1], rtol=1e-5, atol=1e-6)


def test_probabilities_are_each_costs_definition_and_sum_to_one():
    z_Bx10 = jax.random.normal(jax.random.key(8), (5, 10)) * 3
    for cost in COSTS:
        p = probabilities(z_Bx10, cost)
        np.testing.assert_allclose(p.sum(axis=-1), 1.0, rtol=1e-5)
        assert np.array_equal(np.argmax(p, -1), np.argmax(z_Bx10, -1))  # both are monotone in z
    z = np.asarray(z_Bx10, np.float64)  # what each says, by its definition, for JAX and NumPy logits
    e, s = np.exp(z), 1 / (1 + np.exp(-z))
    for cost, want in {
        "cross_entropy": e / e.sum(-1, keepdims=True),
        "quadratic": s / s.sum(-1, keepdims=True),
        "sigmoid_cross_entropy": s / s.sum(-1, keepdims=True),
    }.items():
        np.testing.assert_allclose(probabilities(z_Bx10, cost), want, rtol=1e-5)
        np.testing.assert_allclose(probabilities(z, cost), want, rtol=1e-12)


def test_log_probabilities_are_the_log_of_each_costs_probabilities_and_finite_where_they_underflow():
    """``costs.log_probabilities`` (what viz's wanted inputs ascend) is log ``probabilities`` for every cost, the
    same softmax input as ``probabilities`` (the JAX branch: one definition of what each cost reads), and stays
    finite for logits whose probability is 0 in float32."""
    from nnjax.costs import log_probabilities

    z_Bx10 = jax.random.normal(jax.random.key(8), (5, 10)) * 3
    for cost in COSTS:
        np.testing.assert_allclose(np.exp(log_probabilities(z_Bx10, cost)), probabilities(z_Bx10, cost), rtol=1e-5)
    far = jnp.array([[0.0] + [-800.0] * 9])  # p of the 9 underflows to 0: log p does not go to -inf
    for cost, want in {"cross_entropy": -800.0, "quadratic": -800.0 + np.log(2.0)}.items():
        log_p = np.asarray(log_probabilities(far, cost))
        assert np.all(np.isfinite(log_p)) and np.asarray(probabilities(far, cost))[0, 1] == 0.0, cost
        np.testing.assert_allclose(log_p[0, 1], want, rtol=1e-6)


def test_numpy_probabilities_normalise_each_image_on_its_own():
    """Each row of NumPy logits is its own distribution: beside an image whose logits are 1000 larger (a
    saturated network), an ordinary image keeps its probabilities. Expected values from the definitions: softmax
    is unchanged by adding a constant to a row; σ(z) = 1 for z ≈ 1000 (float64), so that row is uniform; σ(z) ≈ e^z
    for z ≈ -1000, so that row is softmax(z)."""
    small = np.random.default_rng(12).normal(size=10) * 2
    z = np.stack([small, small + 1000.0, small - 1000.0])
    soft = np.exp(small) / np.exp(small).sum()
    sig = 1 / (1 + np.exp(-small))
    want = {
        "cross_entropy": np.stack([soft, soft, soft]),
        "quadratic": np.stack([sig / sig.sum(), np.full(10, 0.1), soft]),
        "sigmoid_cross_entropy": np.stack([sig / sig.sum(), np.full(10, 0.1), soft]),
    }
    for cost, expected in want.items():
        np.testing.assert_allclose(probabilities(z, cost), expected, rtol=1e-9, atol=1e-15)


def test_costs_of_a_confident_right_answer_are_small():
    z_10 = jnp.full(10, -10.0).at[3].set(10.0)  # ±8: sigmoid_cross_entropy's 10 × ln(1 + e^-8) is 3e-3
    for cost in COSTS.values():
        assert float(cost(z_10, jnp.int32(3))) < 1e-3
        assert float(cost(z_10, jnp.int32(4))) > 0.9


def test_cross_entropy_is_minus_log_softmax_of_the_label():
    """−log(e^z_y / Σ e^z) in float64 NumPy, for every label of one random z."""
    z_10 = jax.random.normal(jax.random.key(11), (10,)) * 3
    z = np.asarray(z_10, np.float64)
    for label in range(10):
        want = -(z[label] - np.log(np.sum(np.exp(z))))
        assert float(get_cost("cross_entropy")(z_10, jnp.int32(label))) == pytest.approx(want, rel=1e-5)


def test_quadratic_cost_is_half_squared_distance_to_one_hot():
    z_10 = jax.random.normal(jax.random.key(9), (10,))
    a = 1 / (1 + np.exp(-np.asarray(z_10, np.float64)))
    y = np.eye(10)[7]
    assert float(get_cost("quadratic")(z_10, jnp.int32(7))) == pytest.approx(0.5 * np.sum((a - y) ** 2), rel=1e-5)


def test_sigmoid_cross_entropy_is_nielsens_chapter_3_cost():
    """−Σ_j [y_j ln a_j + (1 − y_j) ln(1 − a_j)], a = σ(z), in float64 NumPy, for every label of one random z."""
    z_10 = jax.random.normal(jax.random.key(13), (10,)) * 3
    a = 1 / (1 + np.exp(-np.asarray(z_10, np.float64)))
    for label in range(10):
        y = np.eye(10)[label]
        want = -np.sum(y * np.log(a) + (1 - y) * np.log(1 - a))
        assert float(get_cost("sigmoid_cross_entropy")(z_10, jnp.int32(label))) == pytest.approx(want, rel=1e-5)


def test_sigmoid_cross_entropy_is_finite_for_saturated_outputs():
    """Where σ(z) rounds to 0 or 1, ln σ(z) written out is −inf (and 0·ln 0 NaN); the cost is still
    ln(1 + e^{−z}) for the label and ln(1 + e^{z}) for the others, from the definition with σ(z) = 1/(1 + e^{−z})."""
    z = np.array([200.0, -200.0, 90.0, -90.0, 40.0, -40.0, 0.0, 1.0, -3.0, 17.0])
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):  # the formula written out, in float32
        a, y = 1 / (1 + np.exp(-z.astype(np.float32))), np.eye(10, dtype=np.float32)[1]
        naive = -(y * np.log(a) + (1 - y) * np.log(1 - a))
    assert np.isinf(naive).any() and np.isnan(naive).any()
    cost = get_cost("sigmoid_cross_entropy")
    for label in (0, 1, 6):
        y = np.eye(10)[label]
        want = np.sum(y * np.logaddexp(0.0, -z) + (1 - y) * np.logaddexp(0.0, z))
        got = float(cost(jnp.asarray(z, jnp.float32), jnp.int32(label)))
        assert got == pytest.approx(want, rel=1e-6)
    assert 400 < float(cost(jnp.asarray(z, jnp.float32), jnp.int32(1))) < np.inf  # z = −200 the label, z = 200 not


def test_sigmoid_cross_entropy_gradient_is_sigma_minus_y_without_the_slowdown():
    """Nielsen's point: ∂C/∂z = σ(z) − y, no σ'(z) factor, so a saturated wrong output still learns fast. The
    quadratic cost's gradient there, (σ(z) − y) σ'(z), is near 0."""
    z = jnp.asarray([12.0, -12.0, 40.0, -40.0, 0.0, 1.5, -0.7, 3.0, -100.0, 100.0])
    for label in (0, 2, 8):
        y = np.eye(10)[label]
        grad = np.asarray(jax.grad(get_cost("sigmoid_cross_entropy"))(z, jnp.int32(label)), np.float64)
        np.testing.assert_allclose(grad, 1 / (1 + np.exp(-np.asarray(z, np.float64))) - y, atol=1e-6)
    grad = jax.grad(get_cost("sigmoid_cross_entropy"))(z, jnp.int32(3))  # label 3 at z = −40: saturated wrong
    assert float(grad[3]) == pytest.approx(-1.0, abs=1e-6) and float(grad[2]) == pytest.approx(1.0, abs=1e-6)
    assert abs(float(jax.grad(get_cost("quadratic"))(z, jnp.int32(3))[3])) < 1e-15


# ---- gradients against finite differences -------------------------------------------------------------


@pytest.mark.parametrize("cost_name", sorted(COSTS))
@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "softplus"])
def test_gradient_matches_finite_differences(cost_name, activation):
    """d cost / d every W and b of a tiny 6-4-3-10 network, in float64, against central differences."""
    enable_x64 = getattr(jax, "enable_x64", None)
    if enable_x64 is None:  # jax < 0.8
        from jax.experimental import enable_x64
    with enable_x64(True):
        sizes = [6, 4, 3, 10]
        keys = jax.random.split(jax.random.key(10), 2 * len(sizes))
        params = [
            {
                "W": jax.random.normal(keys[2 * i], (n_out, n_in), jnp.float64),
                "b": jax.random.normal(keys[2 * i + 1], (n_out,), jnp.float64),
            }
            for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:]))
        ]
        image = jax.random.uniform(keys[-1], (6,), jnp.float64)
        label = jnp.int32(2)
        σ, cost = ACTIVATIONS[activation], COSTS[cost_name]

        def per_image_cost(p):
            return cost(forward_one(p, image, σ), label)

        grads = jax.grad(per_image_cost)(params)
        flat, unravel = ravel_pytree(params)
        assert flat.dtype == jnp.float64 and flat.size == 6 * 4 + 4 + 4 * 3 + 3 + 3 * 10 + 10
        f = jax.jit(lambda v: per_image_cost(unravel(v)))
        eps = 1e-6
        eye = np.eye(flat.size)
        numeric = np.array([(f(flat + eps * e) - f(flat - eps * e)) / (2 * eps) for e in eye])
        analytic = np.asarray(ravel_pytree(grads)[0])
        assert np.abs(analytic).max() > 1e-3  # not a vacuous comparison of zeros
        np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-8)
