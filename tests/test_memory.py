"""The memory estimate that refuses, before anything is compiled, a network or ensemble too large."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import synthetic_splits

from nnjax import memory, sweep, sweep_grid
from nnjax.config import Config, validate
from nnjax.errors import ConfigError
from nnjax.run import train_and_evaluate

N_TRAIN, N_EVAL = 256, 64
SPLITS = synthetic_splits(N_TRAIN, N_EVAL)
TINY = Config(hidden=(8,), epochs=2, batch_size=32, checkpoint_every=1)


def test_memory_estimate_scales_with_members_and_layers():
    one, two, four = (memory.estimate_bytes([TINY] * k, N_TRAIN, N_EVAL) for k in (1, 2, 4))
    per_member = two - one
    assert four - one == 3 * per_member  # linear in K
    assert per_member >= 4 * 6_370 * 3  # 784-8-10 has 6,370 float32 parameters; adam keeps 2 more copies
    # the shared uint8 images count once, and so does the epoch's copy of the training images in batch order
    assert one - per_member >= (2 * N_TRAIN + 2 * N_EVAL) * 784
    wide = memory.estimate_bytes([TINY.replace(hidden=(1024, 1024))], N_TRAIN, N_EVAL)
    assert wide > 1.8e6 * 4 * 4  # 1.8 M parameters, float32, params + adam state (at least)
    # Split over 2 CPU devices: 3 members pad to 4, and each device holds its own copy of the data.
    shared = one - per_member
    assert memory.estimate_bytes([TINY] * 3, N_TRAIN, N_EVAL, cpu_devices=2) == 4 * per_member + 2 * shared
    assert memory.estimate_bytes([TINY], N_TRAIN, N_EVAL, cpu_devices=2) == one  # one member: one device


def test_memory_estimate_counts_the_optimizer_state_and_the_batch():
    """Adam's two copies of the parameters and a larger mini-batch's activations are in the estimate (a full
    batch of 60,000 images was estimated as if it were 32)."""
    n_params, units = 6_370, 8 + 10  # 784-8-10
    adam, sgd = (memory.estimate_bytes([TINY.replace(optimizer=o)], N_TRAIN, N_EVAL) for o in ("adam", "sgd"))
    assert adam - sgd >= 4 * n_params * 2 * 2  # 2 more copies, in and out of the epoch
    big, less = (memory.estimate_bytes([TINY.replace(batch_size=b)], N_TRAIN, N_EVAL) for b in (4096, 2048))
    assert big - less >= 4 * units * 3 * (4096 - 2048) + 4 * 784 * (4096 - 2048)  # activations, scaled images


def test_the_parameter_count_is_the_networks_own():
    """Weights and biases, as model.init_params makes them, for networks with and without hidden layers."""
    import jax

    from nnjax.model import count_params, init_params

    for hidden in ((8,), (16, 16), ()):
        params = init_params(jax.random.key(0), hidden, "glorot")
        assert memory.params_per_member(TINY.replace(hidden=hidden)) == count_params(params), hidden


def test_the_estimate_counts_the_evaluation_and_test_images_and_only_their_own_activations():
    """Every evaluation image is held twice (the evaluation and the test split, uint8); an evaluation chunk of a
    small split is that split, not a full EVAL_CHUNK of activations; a member holds no copy of the input layer,
    which the members share."""
    from nnjax.train import EVAL_CHUNK

    grown = memory.estimate_bytes([TINY], N_TRAIN, 2 * N_EVAL) - memory.estimate_bytes([TINY], N_TRAIN, N_EVAL)
    assert grown >= 2 * N_EVAL * 784
    wide = TINY.replace(hidden=(2048,))
    few, chunk = (memory.estimate_bytes([wide], N_TRAIN, n, host=False) for n in (1, EVAL_CHUNK))
    assert chunk - few >= 4 * 2048 * (EVAL_CHUNK - 1)  # at least one float32 layer of the chunk's other images
    one, two = (memory.estimate_bytes([TINY] * k, N_TRAIN, N_EVAL, host=False) for k in (1, 2))
    assert two - one < 4 * 784 * (TINY.batch_size + N_EVAL)  # less than the scaled input of a batch and a chunk


def test_members_split_over_cpu_devices_are_padded_to_an_even_split():
    """5 members over 4 CPU devices train as 8 (two per device), so they need as much memory as 8 do."""
    five, eight = (memory.estimate_bytes([TINY] * k, N_TRAIN, N_EVAL, cpu_devices=4) for k in (5, 8))
    assert five == eight > memory.estimate_bytes([TINY] * 4, N_TRAIN, N_EVAL, cpu_devices=4)


def test_a_validation_run_is_estimated_on_its_own_split_sizes():
    """Without loaded splits the sizes come from the data set: a validation run trains on 50,000 MNIST images
    and evaluates on 10,000, not on all 60,000."""
    cfg = TINY.replace(validation=True)
    need = memory.estimate_bytes([cfg], 50_000, 10_000)
    memory.check_memory([[cfg]], limit=need)
    with pytest.raises(ConfigError, match="needs about"):
        memory.check_memory([[cfg]], limit=need - 1)


def test_a_run_on_part_of_the_training_split_is_estimated_on_its_own_images():
    """train_size: the estimate counts the first N training images the run holds, not the whole split's 60,000
    (nor, from loaded splits, more than they hold); the evaluation split stays whole."""
    cfg = TINY.replace(train_size=1_000)
    need = memory.estimate_bytes([cfg], 1_000, 10_000)
    assert need < memory.estimate_bytes([cfg], 60_000, 10_000)
    memory.check_memory([[cfg]], limit=need)
    with pytest.raises(ConfigError, match="needs about"):
        memory.check_memory([[cfg]], limit=need - 1)
    small = TINY.replace(train_size=100)
    memory.check_memory([[small]], SPLITS, limit=memory.estimate_bytes([small], 100, N_EVAL))


@pytest.mark.parametrize("dataset", ["mnsit", "MNIST", ["mnist"]])
def test_an_unknown_data_set_is_one_line_naming_the_field_not_a_key_error(dataset):
    """check_memory called directly with a config that skipped validate: a KeyError 'mnsit' (or a TypeError for a
    list) from the table of split sizes; now validate's own line. From loaded splits it needs no table."""
    cfg = TINY.replace(dataset=dataset)
    with pytest.raises(ConfigError) as e:
        memory.check_memory([[cfg]], limit=2**40)
    assert str(e.value) == f"config field 'dataset' = {dataset!r}: unknown; valid: mnist, fashion_mnist, kmnist, " + (
        "emnist/digits"
    )
    assert e.value.fields == ("dataset",)
    if isinstance(dataset, str):  # validate says the same of it
        with pytest.raises(ConfigError, match=f"^{re.escape(str(e.value))}$"):
            validate(cfg)
    memory.check_memory([[cfg]], SPLITS, limit=2**40)


def test_the_memory_limit_is_the_accelerators_own_when_it_reports_one(monkeypatch):
    import jax

    class Device:
        def memory_stats(self):
            return {"bytes_limit": 10 * 2**30, "bytes_in_use": 0}

    monkeypatch.setattr(jax, "local_devices", lambda *a, **k: [Device()])
    assert memory.memory_limit_bytes() == int(memory.MEMORY_FRACTION * 10 * 2**30)


def test_memory_refusal_before_compiling(tmp_path):
    huge = TINY.replace(hidden=(200_000, 200_000))  # 40 G parameters per member
    with pytest.raises(ConfigError, match=r"needs about .* GiB, more than the .* GiB available") as e:
        sweep.run_sweep(huge, {"seed": [0, 1]}, tmp_path / "s", progress=False, splits=SPLITS)
    assert "\n" not in str(e.value)
    assert not (tmp_path / "s").exists()
    with pytest.raises(ConfigError, match="available"):  # the limit is a parameter of the check
        memory.check_memory(sweep_grid.group(sweep_grid.expand(TINY, {"seed": [0, 1]})), SPLITS, limit=1000)


def test_the_memory_estimate_reads_optimizer_state_off_optax():
    """No table of optimisers to forget: a new one in optim.py is estimated from its own init."""
    copies = [memory.optimizer_copies(TINY.replace(optimizer=o)) for o in ("sgd", "momentum", "adam", "adamw")]
    assert copies == [0, 1, 2, 2]


def test_a_single_run_too_large_is_refused_before_anything_is_written(tmp_path):
    """As a sweep group of one: it used to abort inside XLA with a C++ stack trace."""
    huge = TINY.replace(hidden=(200_000, 200_000))
    with pytest.raises(ConfigError, match=r"^a network with hidden=200000,200000 and batch_size=32 needs about .* GiB"):
        train_and_evaluate(huge, tmp_path / "r", progress=False, splits=SPLITS)
    assert not (tmp_path / "r").exists()
    with pytest.raises(ConfigError, match="use smaller layers or a smaller batch"):
        memory.check_memory([[TINY]], SPLITS, limit=1000)
    memory.check_memory([[TINY]], SPLITS)  # the video-sized network fits


def test_members_split_over_accelerators_count_one_devices_share():
    """Each accelerator has its own memory: with members split over 8 of them, one device's share (padded
    to an even split) must fit its limit, not all K members."""
    wide = TINY.replace(hidden=(1024, 1024))
    one_device = memory.estimate_bytes([wide] * 128, N_TRAIN, N_EVAL)
    memory.check_memory([[wide] * 1024], SPLITS, limit=one_device, devices=8, shared_memory=False)
    with pytest.raises(ConfigError, match=r"^sweep group of 1024 members with hidden=1024,1024 and"):
        memory.check_memory([[wide] * 1024], SPLITS, limit=one_device)
    with pytest.raises(ConfigError, match=r"^sweep group of 1024 members with hidden=1024,1024 and"):
        memory.check_memory([[wide] * 1024], SPLITS, limit=one_device, devices=8)  # 8 CPU devices: one memory
    with pytest.raises(ConfigError, match=r"^sweep group of 1025 members \(129 on each of 8 devices\) with hidden"):
        memory.check_memory([[wide] * 1025], SPLITS, limit=one_device, devices=8, shared_memory=False)


def test_a_sweep_checks_each_group_as_it_will_be_placed(monkeypatch):
    """Members split over CPU devices share the host's memory; split over accelerators, each holds its share."""
    import jax

    import nnjax.train

    calls = []
    monkeypatch.setattr(memory, "check_memory", lambda groups, splits, **kw: calls.append((len(groups[0]), kw)))
    monkeypatch.setattr(sweep, "check_memory", memory.check_memory)
    monkeypatch.setattr(nnjax.train, "ensemble_placement", lambda k, shard: ([], {"split": "members", "n_devices": 8}))
    for backend in ("cpu", "gpu"):
        monkeypatch.setattr(jax, "default_backend", lambda backend=backend: backend)
        sweep._check_placement([TINY] * 20, SPLITS, True)
    assert calls == [(20, {"devices": 8, "shared_memory": True}), (20, {"devices": 8, "shared_memory": False})]


def test_the_estimate_covers_a_checkpoint_being_written(tmp_path):
    """Serialising a checkpoint makes transient copies of the state; the estimate counts them (a sweep
    that fits while training must not fail at its first save)."""
    import subprocess
    import sys
    import textwrap

    if not Path("/proc/self/clear_refs").exists():
        pytest.skip("needs Linux's /proc/self/clear_refs to reset the peak memory it reads")

    n = 8_000_000  # float32 parameters: a 32 MB state, 96 MB with Adam's two copies
    # The peak is read from VmHWM, reset once the state is built (Linux: "5" to clear_refs). Not ru_maxrss: it
    # keeps the peak of the process before exec, here the test suite's, far above the save's (seen in CI).
    code = textwrap.dedent(f"""
        import numpy as np
        from nnjax import checkpoint
        def status(key):
            return next(int(line.split()[1]) * 1024 for line in open("/proc/self/status") if line.startswith(key))
        tree = {{name: np.full({n}, i, np.float32) for i, name in enumerate(("params", "mu", "nu"))}}
        open("/proc/self/clear_refs", "w").write("5")
        before = status("VmRSS")
        checkpoint.save({str(tmp_path)!r}, 1, tree, {{}})
        print(status("VmHWM") - before, before, status("VmRSS"))
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    grew = int(out.split()[0])
    state = 4 * n * 3
    assert grew > state, out  # serialising holds at least one copy of the state: what the test is about
    assert state + grew <= memory.checkpoint_bytes(n, 2)  # the state itself, and the save's copies of it
    assert memory.checkpoint_bytes(n, 2) >= 4.8 * state  # the peak of a whole sweep, measured (its docstring)
    big = TINY.replace(hidden=(2048, 2048))
    n_big = 785 * 2048 + 2049 * 2048 + 2049 * 10
    assert memory.estimate_bytes([big] * 2, N_TRAIN, N_EVAL) >= 2 * memory.checkpoint_bytes(n_big, 2)
    # an accelerator's memory holds the state, not the host's copies made while it is saved
    assert memory.estimate_bytes([big] * 2, N_TRAIN, N_EVAL, host=False) < 2 * memory.checkpoint_bytes(n_big, 2)


def test_on_an_accelerator_the_checkpoint_copies_are_checked_against_host_memory(monkeypatch):
    """The state's checkpoint copies are made in host memory: on a GPU they do not count against the GPU's
    limit, and a group whose copies do not fit the host's RAM is refused, saying so."""
    import os

    import jax

    class Gpu:
        platform = "gpu"

    wide = TINY.replace(hidden=(1024, 1024))
    training = memory.estimate_bytes([wide] * 4, N_TRAIN, N_EVAL, host=False)
    saving = 4 * memory.checkpoint_bytes(memory.params_per_member(wide), 2)
    assert training < saving  # a case where they differ
    with pytest.raises(ConfigError):  # on a CPU the copies are in the limit's memory
        memory.check_memory([[wide] * 4], SPLITS, limit=training)
    monkeypatch.setattr(jax, "devices", lambda *a: [Gpu()])
    memory.check_memory([[wide] * 4], SPLITS, limit=training)  # the GPU holds what training needs
    pages = int(saving / memory.MEMORY_FRACTION) // 4096 - 1  # host RAM just too small for the copies
    monkeypatch.setattr(os, "sysconf", lambda name: {"SC_PHYS_PAGES": pages, "SC_PAGE_SIZE": 4096}[name])
    with pytest.raises(ConfigError, match=r"GiB of host memory \(to write its checkpoints\), more than the"):
        memory.check_memory([[wide] * 4], SPLITS, limit=training)
    with pytest.raises(ConfigError, match=r"GiB of host memory \(to write its checkpoints\), more than the"):
        memory.check_memory([[wide] * 4], SPLITS, limit=10 * saving)  # a GPU larger than the host's memory
