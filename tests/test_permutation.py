"""The epoch's fast shuffle is exactly jax.random.permutation (the data order of every run depends on it)."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from nnjax.shuffle import _stable_argsort_u32, permutation


@pytest.mark.parametrize("n", [0, 1, 2, 7, 1000, 60000, 65537])
def test_permutation_equals_jax(n):
    for seed in range(3):
        key = jax.random.fold_in(jax.random.key(seed), n)
        want = jax.random.permutation(key, n)
        got = jax.jit(permutation, static_argnums=1)(key, n)
        assert got.dtype == want.dtype and got.shape == want.shape
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("high", [2, 16, 1 << 20, 1 << 32])
def test_argsort_is_stable_with_ties(high):
    keys = np.random.default_rng(high % 97).integers(0, high, 3000, dtype=np.uint64).astype(np.uint32)
    got = jax.jit(_stable_argsort_u32)(jnp.asarray(keys))
    np.testing.assert_array_equal(got, np.argsort(keys, kind="stable"))
