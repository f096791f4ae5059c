"""Training: one compiled epoch lowers the loss, runs are reproducible, run folders hold what they promise."""

from __future__ import annotations

import dataclasses
import json
import re
import statistics

import jax
import numpy as np
import optax
import pytest

from nnjax import checkpoint
from nnjax.config import OPTIMIZERS, SCHEDULES, Config, load_json
from nnjax.errors import ConfigError
from nnjax.model import init_params
from nnjax.optim import make_optimizer
from nnjax.run import eval_run, export_run, load_run, read_metrics, train_and_evaluate
from nnjax.train import epoch_key, init_state, make_epoch, make_evaluate, steps_per_epoch, to_device, unstack

TINY = Config(name="tiny", batch_size=16, epochs=3, lr=0.01, checkpoint_every=1, keep_checkpoints=2)


def _train_one_epoch(cfg: Config, splits):
    """Loss on the training images before and after one epoch, and the epoch's metrics."""
    x, y = splits.x_train, splits.y_train
    state = init_state([cfg], len(x))
    data = to_device(x, y, x, y)  # evaluate on the training images themselves
    loss_before, _ = jax.jit(make_evaluate(cfg))(state.params, x, y)
    new_state, metrics = make_epoch(cfg, len(x))(state, epoch_key(cfg, 0), *data)
    return float(loss_before[0]), {k: np.asarray(v) for k, v in metrics.items()}, new_state


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"cost": "quadratic", "lr": 0.03},
        {"cost": "sigmoid_cross_entropy", "optimizer": "sgd", "lr": 0.5, "schedule": "constant"},
        {"activation": "relu", "optimizer": "sgd", "lr": 0.1, "schedule": "constant"},
    ],
    ids=["video", "quadratic", "sigmoid-cross-entropy-sgd", "relu-sgd"],
)
def test_one_epoch_on_mock_data_lowers_the_loss(splits_256, changes):
    cfg = TINY.replace(**changes)
    loss_before, m, _ = _train_one_epoch(cfg, splits_256)
    assert set(m) >= {"train_loss", "train_accuracy", "eval_loss", "eval_accuracy", "grad_norm", "param_norm", "finite"}
    assert all(v.shape == (1,) for v in m.values())  # a single run is an ensemble of one
    assert bool(m["finite"][0])
    assert m["eval_loss"][0] < 0.95 * loss_before, (loss_before, m["eval_loss"][0])
    assert 0 <= m["eval_accuracy"][0] <= 1 and m["grad_norm"][0] > 0


@pytest.mark.parametrize(
    ("cost", "weight_decay"),
    [("cross_entropy", 0.0), ("quadratic", 0.0), ("sigmoid_cross_entropy", 0.0), ("cross_entropy", 0.5)],
)
def test_a_one_step_epochs_metrics_are_that_steps_loss_accuracy_and_norms(splits_256, cost, weight_decay):
    """With one mini-batch of all the training images, the epoch's train_* metrics are the start's loss and
    accuracy on them, grad_norm is the norm of that step's gradient and param_norm the norm of the result.
    The gradient is the mean cost's alone, without the weight decay the optimiser adds (as README says)."""
    from nnjax.activations import get_activation
    from nnjax.costs import get_cost
    from nnjax.model import forward
    from nnjax.train import prepare_images

    x, y = splits_256.x_train, splits_256.y_train
    cfg = TINY.replace(batch_size=len(x), cost=cost, weight_decay=weight_decay)
    state = init_state([cfg], len(x))
    loss_0, acc_0 = jax.jit(make_evaluate(cfg))(state.params, x, y)
    new_state, m = make_epoch(cfg, len(x))(state, epoch_key(cfg, 0), *to_device(x, y, x, y))
    params_0 = unstack(state.params, 0)

    def mean_cost(params):
        z_Nx10 = forward(params, prepare_images(jax.numpy.asarray(x), cfg.standardize), get_activation(cfg.activation))
        return jax.numpy.mean(jax.vmap(get_cost(cost))(z_Nx10, y))

    assert 0.02 < float(acc_0[0]) < 0.5  # an untrained network: the accuracy and its complement differ
    assert float(m["train_accuracy"][0]) == pytest.approx(float(acc_0[0]), abs=1e-6)
    assert float(m["train_loss"][0]) == pytest.approx(float(loss_0[0]), rel=1e-5)
    assert float(m["train_loss"][0]) == pytest.approx(float(mean_cost(params_0)), rel=1e-5)
    grad_norm = float(optax.tree.norm(jax.grad(mean_cost)(params_0)))
    assert float(m["grad_norm"][0]) == pytest.approx(grad_norm, rel=1e-4)
    assert float(m["param_norm"][0]) == pytest.approx(float(optax.tree.norm(unstack(new_state.params, 0))), rel=1e-6)
    assert float(m["param_norm"][0]) != pytest.approx(float(optax.tree.norm(params_0)), rel=1e-6)  # one step moved it


@pytest.mark.parametrize(
    "a, b, exact",
    [
        ({"schedule": "warmup_cosine", "warmup_epochs": 0}, {"schedule": "cosine"}, True),
        ({"optimizer": "momentum", "momentum": 0.0}, {"optimizer": "sgd", "momentum": 0.0}, True),
        # the same arithmetic, compiled in another order: float rounding apart
        ({"optimizer": "adamw", "weight_decay": 0.0}, {"optimizer": "adam", "weight_decay": 0.0}, False),
        ({"hidden": (), "activation": "tanh"}, {"hidden": (), "activation": "sigmoid"}, True),
        ({"scan_unroll": 1}, {"scan_unroll": 0}, True),
    ],
    ids=["warmup-0", "momentum-0", "adamw-no-decay", "no-hidden-layer", "unroll-auto"],
)
def test_what_trains_the_same_network_trains_it(splits_256, a, b, exact):
    """``config.what_trains`` calls these pairs one network (a sweep refuses or reports them as twins)."""
    from nnjax.config import what_trains

    cfg_a, cfg_b = TINY.replace(**a), TINY.replace(**b)
    assert what_trains(cfg_a)[0] == what_trains(cfg_b)[0]
    (_, metrics_a, state_a), (_, metrics_b, state_b) = (_train_one_epoch(c, splits_256) for c in (cfg_a, cfg_b))
    same = np.testing.assert_array_equal if exact else lambda x, y: np.testing.assert_allclose(x, y, atol=1e-6)
    for leaf_a, leaf_b in zip(jax.tree_util.tree_leaves(state_a.params), jax.tree_util.tree_leaves(state_b.params)):
        same(leaf_a, leaf_b)
    same(metrics_a["train_loss"], metrics_b["train_loss"])


def test_epoch_key_is_a_pure_function_of_data_seed_and_epoch():
    k = jax.random.key_data
    assert np.array_equal(k(epoch_key(TINY, 3)), k(epoch_key(TINY.replace(seed=9), 3)))
    assert not np.array_equal(k(epoch_key(TINY, 3)), k(epoch_key(TINY, 4)))
    assert not np.array_equal(k(epoch_key(TINY, 3)), k(epoch_key(TINY.replace(data_seed=1), 3)))


def test_epoch_e_shuffles_with_the_documented_fold_in_of_data_seed():
    """Epoch e's key is fold_in(key(data_seed), e), the data order every measured figure was trained in
    (the same key as split(key(data_seed), n)[e], as epoch_key's docstring says)."""
    k = jax.random.key_data
    for e in (0, 1, 5):
        want = jax.random.fold_in(jax.random.key(3), e)
        assert np.array_equal(k(epoch_key(TINY.replace(data_seed=3), e)), k(want))
        assert np.array_equal(k(want), k(jax.random.split(jax.random.key(3), 6)[e]))


def test_ensemble_member_equals_its_single_run(splits_256):
    """K=2 vmapped members train exactly as each would alone (the sweep relies on this)."""
    a, b = TINY, TINY.replace(seed=1, lr=0.003)
    x, y = splits_256.x_train, splits_256.y_train
    data = to_device(x, y, splits_256.x_test, splits_256.y_test)
    both, m2 = make_epoch(a, len(x))(init_state([a, b], len(x)), epoch_key(a, 0), *data)
    alone, m1 = make_epoch(b, len(x))(init_state([b], len(x)), epoch_key(b, 0), *data)
    np.testing.assert_allclose(m2["train_loss"][1], m1["train_loss"][0], rtol=1e-5)
    for got, want in zip(jax.tree_util.tree_leaves(unstack(both.params, 1)), jax.tree_util.tree_leaves(alone.params)):
        np.testing.assert_allclose(got, want[0], rtol=1e-3, atol=2e-4)  # Adam amplifies round-off


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_init_state_is_each_members_own_start_bit_for_bit(optimizer):
    """The stacked start of K members is exactly what each member's seed, init scheme and hyper-parameters
    give alone (the same seed gives the same numbers, inside an ensemble or not)."""
    configs = [
        TINY.replace(optimizer=optimizer, seed=s, init=i, lr=lr, weight_decay=wd, momentum=m)
        for s, i, lr, wd, m in (
            (0, "auto", 0.1, 0.0, 0.9),
            (7, "lecun", 0.003, 1e-3, 0.5),
            (2**32 - 1, "he", 1.0, 2e-4, 0.0),
        )
    ]
    state = init_state(configs, 100)
    for k, cfg in enumerate(configs):
        params = init_params(jax.random.key(cfg.seed), cfg.hidden, cfg.resolved_init())
        want = (params, make_optimizer(cfg, steps_per_epoch(cfg, 100)).init(params))
        got = unstack(tuple(state), k)
        assert jax.tree_util.tree_structure(got) == jax.tree_util.tree_structure(want)
        for g, w in zip(jax.tree_util.tree_leaves(got), jax.tree_util.tree_leaves(want)):
            assert g.dtype == w.dtype and g.shape == w.shape
            np.testing.assert_array_equal(g, w)


def test_an_ensemble_of_different_programs_is_refused():
    """Members that differ in a field that changes the compiled program (here the layer sizes) cannot be
    stacked into one ensemble; a different seed or lr can."""
    init_state([TINY, TINY.replace(seed=1, lr=0.3)], 100)
    with pytest.raises(ConfigError, match="ensemble members differ in 'hidden'"):
        init_state([TINY, TINY.replace(hidden=(8,))], 100)


def test_batch_larger_than_the_data_is_an_error():
    with pytest.raises(ConfigError, match="batch_size.*larger than the 100 training images"):
        steps_per_epoch(TINY.replace(batch_size=101), 100)
    assert steps_per_epoch(TINY.replace(batch_size=30), 100) == 3  # the partial batch is dropped


def test_a_batch_size_that_divides_the_images_draws_every_image_each_epoch():
    """n // batch_size full batches: when the batch size divides the training set, no batch is dropped (the
    60,000 MNIST images in batches of 10 are 6,000 steps, not 5,999)."""
    for batch_size, n, steps in ((10, 60_000, 6_000), (25, 100, 4), (1, 7, 7), (100, 100, 1), (16, 256, 16)):
        assert steps_per_epoch(TINY.replace(batch_size=batch_size), n) == steps, (batch_size, n)


def test_a_schedule_without_a_shape_is_an_error_not_silently_cosine():
    from nnjax.optim import schedule_shape

    with pytest.raises(ValueError, match="'linear' has no shape"):
        schedule_shape(TINY.replace(schedule="linear"), 10)


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
@pytest.mark.parametrize("schedule", SCHEDULES)
def test_every_optimizer_and_schedule_steps_downhill(optimizer, schedule):
    cfg = TINY.replace(optimizer=optimizer, schedule=schedule, warmup_epochs=1, weight_decay=1e-4, epochs=2)
    params = init_params(jax.random.key(0), (4,), "lecun")
    tx = make_optimizer(cfg, steps_per_epoch=5)
    state = tx.init(params)
    assert float(state.hyperparams["learning_rate"]) == pytest.approx(cfg.lr)  # per member, in the state

    def loss(p):  # a bowl with its minimum at zero: every optimiser at lr 0.01 must go down it
        return 0.5 * sum(jax.numpy.sum(leaf**2) for leaf in jax.tree_util.tree_leaves(p))

    for _ in range(2):  # warmup_cosine starts at learning rate 0
        before = loss(params)
        updates, state = tx.update(jax.grad(loss)(params), state, params)
        params = optax.apply_updates(params, updates)
    assert loss(params) < before


# ---- run folders ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def run_pair(splits_256, tmp_path_factory):
    """Two runs of the same tiny config and one with another seed (3 epochs each)."""
    root = tmp_path_factory.mktemp("runs")
    results = {}
    for name, cfg in {"a": TINY, "b": TINY, "seed1": TINY.replace(seed=1)}.items():
        results[name] = train_and_evaluate(cfg, root / name, progress=False, splits=splits_256)
    return root, results


def _numbers(path):
    """metrics.jsonl without the wall-clock field."""
    return [{k: v for k, v in m.items() if k != "epoch_s"} for m in read_metrics(path)]


def test_same_config_and_seed_give_identical_metrics(run_pair):
    root, results = run_pair
    a, b = _numbers(root / "a" / "metrics.jsonl"), _numbers(root / "b" / "metrics.jsonl")
    assert len(a) == TINY.epochs and a == b
    assert results["a"]["test_accuracy"] == results["b"]["test_accuracy"]


def test_another_seed_gives_other_metrics(run_pair):
    root, _ = run_pair
    a, c = _numbers(root / "a" / "metrics.jsonl"), _numbers(root / "seed1" / "metrics.jsonl")
    assert [m["train_loss"] for m in a] != [m["train_loss"] for m in c]


def test_run_folder_contents(run_pair):
    root, results = run_pair
    run = root / "a"
    assert load_json(run / "config.json") == TINY.replace(init=TINY.resolved_init())
    metrics = read_metrics(run / "metrics.jsonl")
    assert [m["epoch"] for m in metrics] == [1, 2, 3]
    assert {"train_loss", "train_accuracy", "test_loss", "test_accuracy", "grad_norm", "param_norm"} <= set(metrics[0])
    assert metrics[-1]["train_loss"] < metrics[0]["train_loss"]
    assert [e for e, _ in checkpoint.list_checkpoints(run / "checkpoints")] == [2, 3]  # keep_checkpoints=2
    saved = json.loads((run / "result.json").read_text())
    assert saved["test_accuracy"] == results["a"]["test_accuracy"]
    assert saved["n_params"] == 13_002 and saved["epochs"] == 3
    assert all(p.suffix not in (".pkl", ".pickle") for p in run.rglob("*"))


def test_eval_recomputes_the_saved_test_accuracy(run_pair, splits_256):
    root, results = run_pair
    r = eval_run(root / "a", splits=splits_256)
    assert r["epoch"] == 3
    assert r["test_accuracy"] == results["a"]["test_accuracy"]
    assert r["test_loss"] == results["a"]["test_loss"]
    assert r["inert"] == results["a"]["inert"] and len(r["inert"]) == 2  # the count training made, per hidden layer


def test_eval_counts_no_inert_neurons_on_one_processs_block_of_the_test_split(run_pair, splits_256):
    """A process that holds only its block of rows (multi-host) would count on part of the test images: None, as
    a run's result.json and a sweep's members.csv say there; the accuracy is still the whole split's."""
    import dataclasses

    root, results = run_pair
    s = splits_256
    block = dataclasses.replace(s, sizes=(len(s.x_train), len(s.x_eval), len(s.x_test)))  # this block: every row
    r = eval_run(root / "a", splits=block)
    assert block.is_block and r["inert"] is None
    assert r["test_accuracy"] == results["a"]["test_accuracy"]


def test_load_run_gives_the_final_parameters(run_pair, splits_256):
    root, _ = run_pair
    cfg, params_K, epoch = load_run(root / "a")
    assert epoch == 3 and cfg.seed == 0
    assert params_K[0]["W"].shape == (1, 16, 784)
    x, y = splits_256.x_train, splits_256.y_train  # the same 3 epochs, in process: the same parameters
    state, epoch_fn, data = init_state([TINY], len(x)), make_epoch(TINY, len(x)), to_device(x, y, x, y)
    for e in range(3):
        state, _ = epoch_fn(state, epoch_key(TINY, e), *data)
    for got, want in zip(jax.tree_util.tree_leaves(params_K), jax.tree_util.tree_leaves(state.params)):
        np.testing.assert_array_equal(got, want)


def test_export_then_plain_numpy_forward(run_pair, splits_256, tmp_path):
    root, _ = run_pair
    path = export_run(root / "a", tmp_path / "w.npz")
    with np.load(path, allow_pickle=False) as z:
        arrays = dict(z)
    assert str(arrays["activation"]) == "sigmoid"
    x = splits_256.x_test.astype(np.float64) / 255.0
    a = x.T
    for i in range(2):
        a = 1 / (1 + np.exp(-(arrays[f"layer{i}_W"] @ a + arrays[f"layer{i}_b"][:, None])))
    z_10xN = arrays["layer2_W"] @ a + arrays["layer2_b"][:, None]
    acc = float(np.mean(np.argmax(z_10xN, axis=0) == splits_256.y_test))
    assert acc == pytest.approx(eval_run(root / "a", splits=splits_256)["test_accuracy"], abs=1 / 256)


def test_export_makes_missing_folders_as_train_does_and_refuses_a_file_on_the_way_first(
    run_pair, tmp_path, monkeypatch
):
    """Every command that writes makes the missing folders of its path (train, sweep and viz --out, time_to_target's
    --out-root); so does export. A file on the way was said only after the run was read, without the export file's
    name ("afile: is a file, not a folder"); now it names it, before the run is read."""
    import nnjax.run

    root, _ = run_pair
    assert export_run(root / "a", tmp_path / "new" / "deeper" / "w.npz").is_file()
    (tmp_path / "afile").write_text("mine")
    monkeypatch.setattr(nnjax.run, "load_network", lambda *a, **k: pytest.fail("read the run despite a bad file"))
    for out in ("afile/w.npz", "afile/sub/w.npz"):
        with pytest.raises(checkpoint.CheckpointError) as e:
            export_run(root / "a", tmp_path / out)
        assert str(e.value) == f"{tmp_path / out}: {tmp_path / 'afile'}: is a file, not a folder"
    assert (tmp_path / "afile").read_text() == "mine"


def test_numpy_values_train_as_python_values_and_a_wrong_type_is_refused(run_pair, splits_256, tmp_path):
    """A config built in Python with NumPy numbers trains exactly what the same Python numbers do, and its
    config.json is the same; standardize=1 is refused before anything is written (it trained, and then
    nnjax could not read the run's config.json back)."""
    root, _ = run_pair
    numpy_cfg = TINY.replace(lr=np.float32(TINY.lr), seed=np.int64(TINY.seed))
    train_and_evaluate(numpy_cfg, tmp_path / "np", progress=False, splits=splits_256)
    assert _numbers(tmp_path / "np" / "metrics.jsonl") == _numbers(root / "a" / "metrics.jsonl")
    assert load_json(tmp_path / "np" / "config.json") == load_json(root / "a" / "config.json")
    with pytest.raises(ConfigError, match=r"^config: field 'standardize' has the wrong type: 1"):
        train_and_evaluate(TINY.replace(standardize=1), tmp_path / "bad", progress=False, splits=splits_256)
    assert not (tmp_path / "bad").exists()


def test_existing_run_folder_is_refused(run_pair, splits_256):
    root, _ = run_pair
    with pytest.raises(ConfigError, match="already exists"):
        train_and_evaluate(TINY, root / "a", progress=False, splits=splits_256)


def test_the_progress_bar_names_its_train_figures_as_train(splits_256, tmp_path, capsys):
    """The bar's loss and accuracy of the training images are named train_loss and train_acc beside the
    test_acc of the epoch's final parameters (they read 'loss' and 'acc', as if of the same parameters and
    split), each the epoch's metrics line's value."""
    train_and_evaluate(TINY.replace(epochs=1), tmp_path / "r", progress=True, splits=splits_256)
    err = capsys.readouterr().err
    (m,) = read_metrics(tmp_path / "r" / "metrics.jsonl")
    bar = f"test_acc={m['test_accuracy']:.4f}, train_acc={m['train_accuracy']:.4f}, train_loss={m['train_loss']:.4f}]"
    assert bar in err, err  # tqdm sorts the fields
    assert " acc=" not in err and " loss=" not in err


def test_resume_continues_to_the_same_numbers(run_pair, splits_256, tmp_path):
    """Train 2 of 3 epochs, then resume: the metrics equal an uninterrupted run's."""
    root, results = run_pair
    train_and_evaluate(TINY.replace(epochs=3), tmp_path / "r", progress=False, splits=splits_256)
    ckpts = checkpoint.list_checkpoints(tmp_path / "r" / "checkpoints")
    ckpts[-1][1].unlink()  # as if killed after epoch 2
    resumed = train_and_evaluate(TINY, tmp_path / "r", resume=True, progress=False, splits=splits_256)
    assert _numbers(tmp_path / "r" / "metrics.jsonl") == _numbers(root / "a" / "metrics.jsonl")
    assert resumed["test_accuracy"] == results["a"]["test_accuracy"]


def test_train_and_evaluate_loads_mock_data_itself(tmp_path):
    import tensorflow_datasets as tfds

    cfg = TINY.replace(epochs=1, tfds_dir=str(tmp_path / "tfds"))
    with tfds.testing.mock_data(num_examples=64):
        r = train_and_evaluate(cfg, tmp_path / "run", progress=False)
        again = eval_run(tmp_path / "run")  # the same mock split, evaluated from the saved checkpoint
    assert json.loads((tmp_path / "run" / "result.json").read_text()) == r
    assert r["epochs"] == 1 and [m["epoch"] for m in read_metrics(tmp_path / "run" / "metrics.jsonl")] == [1]
    assert 0 <= r["test_accuracy"] <= 1 and r["test_accuracy"] == again["test_accuracy"]


def test_members_differing_only_in_seed_or_lr_share_one_compiled_evaluation():
    from nnjax.train import evaluator

    a = Config(seed=0, lr=0.01, name="a")
    assert evaluator(a) is evaluator(a.replace(seed=7, lr=0.3, name="b", epochs=3))
    assert evaluator(a) is not evaluator(a.replace(activation="relu"))
    assert evaluator(a) is not evaluator(a.replace(standardize=True))


def test_a_run_checkpoints_its_last_epoch_and_reports_its_last_validation_accuracy(tmp_path):
    """epochs=3, checkpoint_every=2: the final epoch is checkpointed too (eval, export and a resume read the
    newest); with --validation the result holds the last epoch's validation accuracy, the final parameters'."""
    from conftest import synthetic_splits

    from nnjax.data import Splits

    s = synthetic_splits(n_train=512, n_test=128)
    val = Splits(s.x_train[:384], s.y_train[:384], s.x_train[384:], s.y_train[384:], s.x_test, s.y_test, "val")
    cfg = TINY.replace(validation=True, checkpoint_every=2, keep_checkpoints=3)
    result = train_and_evaluate(cfg, tmp_path / "run", progress=False, splits=val)
    assert [e for e, _ in checkpoint.list_checkpoints(tmp_path / "run" / "checkpoints")] == [2, 3]
    accs = [m["val_accuracy"] for m in read_metrics(tmp_path / "run" / "metrics.jsonl")]
    assert len(accs) == 3 and accs[0] != accs[-1]  # (else the check below could not tell them apart)
    assert result["val_accuracy"] == accs[-1]


def test_resume_refuses_a_checkpoint_of_another_data_order(run_pair, splits_256, tmp_path):
    """Checkpoints copied from a run of another data_seed (its config.json otherwise alike) would continue
    with another run's state: their saved data-order key tells them apart."""
    import shutil

    from nnjax.errors import CheckpointError

    root, _ = run_pair
    train_and_evaluate(TINY.replace(data_seed=1), tmp_path / "other", progress=False, splits=splits_256)
    run = tmp_path / "a"
    shutil.copytree(root / "a", run)
    (run / "result.json").unlink()  # unfinished: it resumes from its newest checkpoint
    for p in (run / "checkpoints").iterdir():
        p.unlink()
    for p in (tmp_path / "other" / "checkpoints").iterdir():
        shutil.copy(p, run / "checkpoints" / p.name)
    with pytest.raises(CheckpointError, match="its data-order key is not that of data_seed=0 at epoch 3"):
        train_and_evaluate(TINY, run, resume=True, progress=False, splits=splits_256)
    assert not (run / "result.json").exists()


def test_a_run_folder_started_by_another_process_while_waiting_for_the_lock_is_not_overwritten(
    tmp_path, monkeypatch, splits_256
):
    run_dir = tmp_path / "run"
    real_locked = checkpoint.locked

    def locked_after_another_process_wrote(folder):
        (run_dir / "config.json").write_text("another process's run")
        return real_locked(folder)

    monkeypatch.setattr(checkpoint, "locked", locked_after_another_process_wrote)
    with pytest.raises(ConfigError, match="another process started a run in this folder"):
        train_and_evaluate(TINY, run_dir, progress=False, splits=splits_256)
    assert (run_dir / "config.json").read_text() == "another process's run"
    assert sorted(p.name for p in run_dir.iterdir() if not p.name.startswith(".")) == ["config.json"]


def test_an_epoch_is_sgd_over_the_shuffled_full_batches_and_reports_their_means(splits_256):
    """One epoch, written out by hand: the rows of ``jax.random.permutation(epoch_key)`` in full batches (the
    partial last one dropped), one SGD step (L2 weight decay) on each batch's mean cost of the standardised pixels; the
    train_* metrics and grad_norm are the means over the steps, and eval_* the final parameters' on the eval
    split."""
    from nnjax.activations import get_activation
    from nnjax.costs import get_cost
    from nnjax.data import prepare_images
    from nnjax.model import forward

    jnp = jax.numpy
    x, y, x_ev, y_ev = splits_256.x_train, splits_256.y_train, splits_256.x_test, splits_256.y_test
    cfg = TINY.replace(optimizer="sgd", momentum=0.0, schedule="constant", lr=0.5, batch_size=96, standardize=True)
    σ, cost = get_activation(cfg.activation), get_cost(cfg.cost)
    state = init_state([cfg], len(x))
    new_state, m = make_epoch(cfg, len(x))(state, epoch_key(cfg, 0), *to_device(x, y, x_ev, y_ev))

    def loss_acc(params, xb, yb):
        z = forward(params, prepare_images(jnp.asarray(xb), True), σ)
        return jnp.mean(jax.vmap(cost)(z, yb)), jnp.mean(jnp.argmax(z, -1) == yb)

    params = unstack(state.params, 0)
    order = np.asarray(jax.random.permutation(epoch_key(cfg, 0), len(x)))
    losses, accs, norms = [], [], []
    for step in range(len(x) // 96):  # 2 steps; the last 64 rows are not drawn this epoch
        idx = order[96 * step : 96 * (step + 1)]
        (loss, acc), grads = jax.value_and_grad(loss_acc, has_aux=True)(params, x[idx], y[idx])
        params = jax.tree_util.tree_map(lambda p, g: p - cfg.lr * (g + cfg.weight_decay * p), params, grads)
        losses, accs, norms = losses + [float(loss)], accs + [float(acc)], norms + [float(optax.tree.norm(grads))]
    assert losses[0] != pytest.approx(losses[1], rel=1e-3) and norms[0] != pytest.approx(norms[1], rel=1e-3)
    for got, want in zip(jax.tree_util.tree_leaves(unstack(new_state.params, 0)), jax.tree_util.tree_leaves(params)):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)
    assert float(m["train_loss"][0]) == pytest.approx(np.mean(losses), rel=1e-5)
    assert float(m["train_accuracy"][0]) == pytest.approx(np.mean(accs), abs=1e-6)
    assert float(m["grad_norm"][0]) == pytest.approx(np.mean(norms), rel=1e-4)
    eval_loss, eval_acc = loss_acc(params, x_ev, y_ev)
    assert float(m["eval_loss"][0]) == pytest.approx(float(eval_loss), rel=1e-4)
    assert float(m["eval_accuracy"][0]) == pytest.approx(float(eval_acc), abs=1e-6)


def test_evaluation_in_chunks_weighs_the_padding_of_the_last_chunk_zero(monkeypatch):
    """256 images evaluated in chunks of 100 (the last padded with 44 blank images of label 0, which this
    network reads as 0): loss and accuracy are those of the 256 real images, computed at once."""
    import nnjax.train as train
    from nnjax.activations import get_activation
    from nnjax.costs import get_cost
    from nnjax.data import prepare_images
    from nnjax.model import forward

    rng = np.random.default_rng(3)
    x = rng.integers(0, 256, (256, 784)).astype(np.uint8)
    y = rng.integers(0, 10, 256).astype(np.int32)
    cfg = TINY.replace(activation="relu")
    params = init_params(jax.random.key(4), cfg.hidden, "he")
    params[-1]["b"] = params[-1]["b"].at[0].add(2.0)
    z = forward(params, prepare_images(jax.numpy.asarray(x), False), get_activation("relu"))
    want_loss = float(jax.numpy.mean(jax.vmap(get_cost(cfg.cost))(z, y)))
    want_acc = float(np.mean(np.argmax(z, -1) == y))
    z_blank = forward(params, jax.numpy.zeros((1, 784)), get_activation("relu"))
    assert int(np.argmax(z_blank)) == 0 and 0.05 < want_acc < 0.95  # padding would count as right
    monkeypatch.setattr(train, "EVAL_CHUNK", 100)
    params_K = jax.tree_util.tree_map(lambda a: a[None], params)
    loss_K, acc_K = jax.jit(make_evaluate(cfg))(params_K, x, y)
    assert float(loss_K[0]) == pytest.approx(want_loss, rel=1e-5)
    assert float(acc_K[0]) == pytest.approx(want_acc, abs=1e-6)


def test_an_evaluated_accuracy_is_the_float32_nearest_its_count_over_the_images():
    """k correct of 10,000 images is float32(k / 10,000), correctly rounded, for every member: XLA had turned the
    division into a multiplication by 1/10,000, a float32 step below for about a third of the counts (9239
    correct: 0.92389995, which no writer can show as 0.9239)."""
    from nnjax.activations import get_activation
    from nnjax.data import prepare_images
    from nnjax.model import forward

    rng = np.random.default_rng(5)
    x = rng.integers(0, 256, (10_000, 784)).astype(np.uint8)
    y = rng.integers(0, 10, 10_000).astype(np.int32)
    cfgs = [TINY.replace(seed=s) for s in range(8)]
    params_K = init_state(cfgs, 10_000).params
    _, acc_K = jax.jit(make_evaluate(TINY))(params_K, x, y)
    for k, acc in enumerate(np.asarray(acc_K)):
        z = forward(unstack(params_K, k), prepare_images(jax.numpy.asarray(x), False), get_activation("sigmoid"))
        correct = int(np.sum(np.argmax(z, -1) == y))
        assert acc == np.float32(correct) / np.float32(10_000), (k, correct, acc)


def test_a_quotient_of_one_member_is_correctly_rounded_for_every_count_and_keeps_nan_and_inf():
    """rounded_quotient of K = 1 member, jitted as evaluate jits it (a constant n, or a sum XLA folds to one):
    each of the 10,001 counts k of 10,000 images gives float32(k) / float32(10,000). jax 0.5.1 folded an
    optimization_barrier around one member's n into the constant and multiplied by 1/10,000 (1001: 0.100099996)."""
    from nnjax.train import rounded_quotient

    counts = np.arange(10_001, dtype=np.float32)
    for quotient in (
        jax.jit(lambda s_1: rounded_quotient(s_1, 10_000)),  # as _row_sharded_evaluate: an int
        jax.jit(lambda s_1: rounded_quotient(s_1, jax.numpy.sum(jax.numpy.ones(10_000)))),  # as evaluate: a sum
    ):
        got = np.concatenate(jax.device_get([quotient(counts[k : k + 1]) for k in range(len(counts))]))
        wrong = np.flatnonzero(got != counts / np.float32(10_000))
        assert wrong.size == 0, (wrong[:5], got[wrong[:5]])
        special = np.asarray(quotient(np.array([np.nan], np.float32))), quotient(np.array([np.inf], np.float32))
        assert np.isnan(special[0][0]) and special[1][0] == np.inf


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_each_optimizer_is_its_textbook_update_with_the_members_hyper_parameters(optimizer):
    """Three steps of make_optimizer (a one-epoch cosine schedule of 5 steps, non-default lr, momentum / b1 and
    weight decay) equal optax's own: L2 decay added to the gradient for sgd, momentum and adam; decoupled decay
    after the Adam direction for adamw; the learning rate lr times the schedule at each step."""
    lr, wd, mom = 0.05, 0.1, 0.5
    cfg = TINY.replace(optimizer=optimizer, schedule="cosine", epochs=1, lr=lr, weight_decay=wd, momentum=mom)
    lr_t = optax.cosine_decay_schedule(lr, decay_steps=5)
    want_tx = {
        "sgd": optax.chain(optax.add_decayed_weights(wd), optax.sgd(lr_t)),
        "momentum": optax.chain(optax.add_decayed_weights(wd), optax.sgd(lr_t, momentum=mom)),
        "adam": optax.chain(optax.add_decayed_weights(wd), optax.adam(lr_t, b1=mom)),
        "adamw": optax.adamw(lr_t, b1=mom, weight_decay=wd),
    }[optimizer]
    params = init_params(jax.random.key(0), (4,), "lecun")
    tx = make_optimizer(cfg, steps_per_epoch=5)
    got, want = params, params
    got_state, want_state = tx.init(params), want_tx.init(params)
    for step in range(3):
        leaves, tree = jax.tree_util.tree_flatten(params)
        grads = tree.unflatten(jax.random.normal(jax.random.key(10 * step + i), g.shape) for i, g in enumerate(leaves))
        updates, got_state = tx.update(grads, got_state, got)
        got = optax.apply_updates(got, updates)
        updates, want_state = want_tx.update(grads, want_state, want)
        want = optax.apply_updates(want, updates)
    for g, w in zip(jax.tree_util.tree_leaves(got), jax.tree_util.tree_leaves(want)):
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-6)


def test_schedules_peak_at_1_and_decay_to_0_at_the_last_step():
    """The learning-rate multiplier over a 4-epoch run of 10 steps an epoch: cosine from 1 at step 0 to 0.5
    halfway and 0 at step 40; warmup_cosine rises from 0 to 1 over the warm-up epoch (10 steps), then decays
    to 0 at step 40."""
    from nnjax.optim import schedule_shape

    cfg = TINY.replace(epochs=4)
    constant = schedule_shape(cfg.replace(schedule="constant"), 10)
    assert [float(constant(s)) for s in (0, 20, 40)] == [1.0, 1.0, 1.0]
    cosine = schedule_shape(cfg.replace(schedule="cosine"), 10)
    np.testing.assert_allclose([float(cosine(s)) for s in (0, 20, 40)], [1.0, 0.5, 0.0], atol=1e-6)
    warm = schedule_shape(cfg.replace(schedule="warmup_cosine", warmup_epochs=1), 10)
    np.testing.assert_allclose([float(warm(s)) for s in (0, 5, 10, 25, 40)], [0.0, 0.5, 1.0, 0.5, 0.0], atol=1e-6)


def test_an_epoch_whose_last_step_overflows_the_parameters_is_not_finite(splits_256):
    """One step (the whole set as one batch) with a learning rate and weight decay that send the weights to
    ±inf: the step's own loss, computed before the update, is finite, but the epoch's parameters are not, and
    ``finite`` says so."""
    x, y = splits_256.x_train, splits_256.y_train
    cfg = TINY.replace(
        optimizer="sgd", momentum=0.0, schedule="constant", lr=1e38, weight_decay=1e10, batch_size=len(x)
    )
    new_state, m = make_epoch(cfg, len(x))(init_state([cfg], len(x)), epoch_key(cfg, 0), *to_device(x, y, x, y))
    assert np.isfinite(float(m["train_loss"][0]))
    assert not all(np.isfinite(leaf).all() for leaf in jax.tree_util.tree_leaves(new_state.params))
    assert not bool(m["finite"][0])
    # One value of one leaf is enough (an overflow of a few weights is as fatal as of all of them)
    from nnjax.train import _tree_finite

    one_inf = [{"W": np.array([[1.0, np.inf], [0.0, 2.0]], np.float32), "b": np.zeros(2, np.float32)}]
    assert not bool(_tree_finite(one_inf)) and bool(_tree_finite([{"W": np.ones((2, 2)), "b": np.zeros(2)}]))


def _eqns(jaxpr):
    """Every equation of a jaxpr and of the jaxprs inside it (jit, scan, cond bodies)."""
    for eqn in jaxpr.eqns:
        yield eqn
        for v in eqn.params.values():
            for sub in v if isinstance(v, tuple) else (v,):
                if hasattr(sub, "eqns") or hasattr(getattr(sub, "jaxpr", None), "eqns"):
                    yield from _eqns(getattr(sub, "jaxpr", sub))


def test_scan_unroll_is_the_unroll_of_the_epochs_loop_over_its_mini_batches():
    """The config's scan_unroll (0: auto) reached no program: ignoring it failed no test."""
    from nnjax.config import AUTO_SCAN_UNROLL

    x, y = np.zeros((64, 784), np.uint8), np.zeros(64, np.int32)
    for unroll, want in ((0, AUTO_SCAN_UNROLL), (1, 1), (3, 3)):
        cfg = TINY.replace(scan_unroll=unroll)  # batch 16: 4 steps
        epoch = make_epoch(cfg, 64)
        jaxpr = jax.make_jaxpr(epoch)(init_state([cfg], 64), epoch_key(cfg, 0), *to_device(x, y, x, y)).jaxpr
        steps = [e for e in _eqns(jaxpr) if e.primitive.name == "scan" and e.params["length"] == 4]
        assert [e.params["unroll"] for e in steps] == [want], unroll


def test_an_epoch_of_row_sharded_data_needs_its_mesh_and_the_eval_size():
    """make_epoch(shard_data=True) gathers rows over batch_sharding's mesh and weighs the first n_eval evaluation
    rows: either one missing is a ValueError naming both, not an AttributeError or an epoch that weighs nothing."""
    from jax.sharding import NamedSharding, PartitionSpec

    from nnjax.parallel import AXIS, make_mesh

    sharding = NamedSharding(make_mesh(jax.devices()[:1]), PartitionSpec(AXIS))
    said = r"make_epoch\(shard_data=True\) needs a batch_sharding \(its mesh\) and n_eval"
    for kwargs in ({"n_eval": 64}, {"batch_sharding": sharding}, {}):
        with pytest.raises(ValueError, match=said):
            make_epoch(TINY, 256, shard_data=True, **kwargs)


def test_evaluate_split_of_the_first_images_evaluates_those_only(splits_256):
    """evaluate_split(..., first=n): the loss and accuracy of the split's first n images, not of all of them."""
    from nnjax.train import evaluate_split

    params_K = init_state([TINY], 256).params
    x, y = splits_256.x_train, splits_256.y_train
    loss_K, acc_K = evaluate_split(TINY, params_K, splits_256, "train", 10)
    want_loss, want_acc = jax.jit(make_evaluate(TINY))(params_K, x[:10], y[:10])
    all_loss, _ = jax.jit(make_evaluate(TINY))(params_K, x, y)
    assert loss_K.shape == acc_K.shape == (1,) and float(loss_K[0]) != pytest.approx(float(all_loss[0]), rel=1e-4)
    assert float(loss_K[0]) == pytest.approx(float(want_loss[0]), rel=1e-6)
    assert float(acc_K[0]) == pytest.approx(float(want_acc[0]), abs=1e-7)


def test_unstack_refuses_a_k_out_of_range_or_not_an_int_and_a_tree_already_unstacked():
    """unstack(params, 0) of one network already unstacked gave each W's first row, silently; unstack(params_K,
    True) gave member 1 with an extra axis; an index out of range named no argument."""
    from nnjax.model import init_params
    from nnjax.train import stack

    params = init_params(jax.random.key(0), (8,), "he")
    params_K = stack([params, params])
    assert unstack(params_K, 1)[0]["W"].shape == unstack(params_K, -2)[0]["W"].shape == (8, 784)
    assert unstack(params_K, np.int64(1))[1]["b"].shape == (10,)
    best = jax.numpy.argmax(jax.numpy.array([0.1, 0.9]))  # the best member, as a notebook finds it: a 0-d JAX array
    np.testing.assert_array_equal(unstack(params_K, best)[0]["W"], params_K[0]["W"][1])
    with pytest.raises(ValueError, match=r"^unstack: not a stacked pytree: \[0\]\['W'\] has shape \(8, 784\)"):
        unstack(params, 0)
    with pytest.raises(ValueError, match=r"^unstack: not a stacked pytree: its leaves' leading axes differ \(8, 10\)"):
        unstack({"a": np.zeros(8), "b": np.zeros((10, 2))}, 0)
    # A 0-d leaf has no member axis: it was "its leaves' leading axes differ (None)", naming no leaf.
    zero_d = r"^unstack: not a stacked pytree: {} has shape \(\), a 0-d leaf with no member axis to take member k from$"
    with pytest.raises(ValueError, match=zero_d.format(r"\['scale'\]")):
        unstack({"step": np.zeros(2), "scale": np.float32(1.0)}, 0)
    with pytest.raises(ValueError, match=zero_d.format(r"\['count'\]")):  # the first in the tree's order
        unstack({"count": np.array(3), "scale": jax.numpy.float32(1.0)}, 0)
    with pytest.raises(ValueError, match=zero_d.format("the tree itself")):
        unstack(jax.numpy.float32(1.0), 0)
    square = init_params(jax.random.key(0), (10, 10), "he")  # every leaf's leading size is 10, as K would be
    with pytest.raises(ValueError, match=r"^unstack: not a stacked pytree: \[0\]\['W'\] has shape \(10, 784\)"):
        unstack(square, 0)
    assert unstack(stack([square, square]), 1)[2]["W"].shape == (10, 10)
    cfg = dataclasses.replace(TINY, hidden=(10, 10))
    state_K = init_state([cfg, dataclasses.replace(cfg, seed=1)], 64)  # an optimiser state's W moments too
    assert jax.tree_util.tree_structure(unstack(state_K, 0)) == jax.tree_util.tree_structure(state_K)
    with pytest.raises(IndexError, match=r"^unstack: k=2: out of range for an ensemble of 2 \(0 … 1\)$"):
        unstack(params_K, 2)
    with pytest.raises(IndexError, match=r"^unstack: k=-3: out of range"):
        unstack(params_K, -3)
    for bad in (True, np.True_, 1.0, "1", np.array([1])):
        with pytest.raises(TypeError, match=re.escape(f"unstack: k={bad!r}: expected a member index (an int)")):
            unstack(params_K, bad)


def test_read_metrics_of_a_run_folder_names_the_metrics_file_in_it(tmp_path):
    """read_metrics(RUN_DIR) was an IsADirectoryError traceback."""
    from nnjax.errors import CheckpointError

    assert read_metrics(tmp_path / "metrics.jsonl") == []  # a run not started yet: no lines (polled)
    assert read_metrics(str(tmp_path / "nope" / "metrics.jsonl")) == []  # nor its folder made yet
    with pytest.raises(CheckpointError, match=rf"^{tmp_path}: is a folder; give the metrics file in it \("):
        read_metrics(tmp_path)


def test_a_metrics_file_that_training_wrote_and_is_gone_is_an_error_naming_it(tmp_path):
    """read_metrics of a missing file gave [] to every caller: ``nnjax train --target`` said "not reached" of a
    run whose metrics.jsonl was lost. Where training wrote the file (``missing_ok=False``) it is one line naming
    it; absent where nothing wrote it yet (a poll), still no lines."""
    from nnjax.cli import reached_text
    from nnjax.errors import CheckpointError

    path = tmp_path / "metrics.jsonl"
    said = f"^{re.escape(str(path))}: not found, though training wrote it \\(the folder is damaged\\?\\)$"
    with pytest.raises(CheckpointError, match=said):
        read_metrics(path, missing_ok=False)
    with pytest.raises(CheckpointError, match=said):
        reached_text(tmp_path, 0.9, "test")  # --target's line, after the run trained
    assert read_metrics(path) == []
    path.write_text('{"epoch": 1, "test_accuracy": 0.95, "epoch_s": 0.5}\n')
    assert read_metrics(path, missing_ok=False) == [{"epoch": 1, "test_accuracy": 0.95, "epoch_s": 0.5}]
    assert reached_text(tmp_path, 0.9, "test")[1]["first_epoch_at_target"] == 1


def test_a_runs_epoch_times_are_the_median_and_sum_of_its_metrics_lines(run_pair):
    """result.json's epoch_s_median and train_s are the median and the sum of its metrics lines' epoch times."""
    from conftest import epoch_times_sum

    root, results = run_pair
    times = [m["epoch_s"] for m in read_metrics(root / "a" / "metrics.jsonl")]
    assert len(times) == 3
    assert results["a"]["epoch_s_median"] == round(statistics.median(times), 4)
    assert results["a"]["train_s"] == epoch_times_sum(times)


def test_a_validation_runs_test_numbers_are_the_test_splits(tmp_path):
    """With --validation the epochs are evaluated on the held-out validation rows, but result.json's
    test_accuracy, test_loss and n_test are the official test split's (here 64 images, the validation 128)."""
    from conftest import synthetic_splits

    from nnjax.data import Splits

    s = synthetic_splits(n_train=512, n_test=64)
    val = Splits(s.x_train[:384], s.y_train[:384], s.x_train[384:], s.y_train[384:], s.x_test, s.y_test, "val")
    result = train_and_evaluate(TINY.replace(validation=True), tmp_path / "run", progress=False, splits=val)
    assert result["n_test"] == 64
    again = eval_run(tmp_path / "run", splits=val)
    assert (result["test_accuracy"], result["test_loss"]) == (again["test_accuracy"], again["test_loss"])
    assert result["test_loss"] != read_metrics(tmp_path / "run" / "metrics.jsonl")[-1]["val_loss"]


def test_the_divergence_yardstick_is_the_untrained_loss_on_training_images(tmp_path, monkeypatch):
    """A run and a sweep member stop (or are marked) when the loss passes 100x the untrained network's loss
    on the training images (as many as the test split holds), not on the test images."""
    from conftest import synthetic_splits

    import nnjax.run as run
    from nnjax import sweep
    from nnjax.train import evaluate_split

    seen = []
    real = run.divergence_cause
    monkeypatch.setattr(run, "divergence_cause", lambda m, init_loss: seen.append(init_loss) or real(m, init_loss))
    cfg = TINY.replace(epochs=1)
    splits = synthetic_splits(n_train=256, n_test=128)  # train and test images differ (tfds mock's do not)
    n = splits.n_test
    run.train_and_evaluate(cfg, tmp_path / "run", progress=False, splits=splits)
    params = init_state([cfg], n).params
    (expected,) = evaluate_split(cfg, params, splits, "train", n)[0]
    assert expected != evaluate_split(cfg, params, splits, "test", n)[0][0]
    assert seen == [float(expected)]
    seen.clear()
    sweep.run_sweep(cfg, {"seed": [0, 1]}, tmp_path / "sweep", progress=False, splits=splits)
    params_K = init_state([cfg.replace(seed=s) for s in (0, 1)], n).params
    expected_K = evaluate_split(cfg, params_K, splits, "train", n)[0]
    assert seen == [float(x) for x in np.asarray(expected_K)]


def test_a_runs_last_metrics_line_is_its_final_parameters(run_pair):
    """The last epoch's line: test loss and accuracy are result.json's (the final parameters on the test
    split), param_norm the norm of the saved parameters; the train loss is the epoch's, not the test's."""
    root, results = run_pair
    last = read_metrics(root / "a" / "metrics.jsonl")[-1]
    assert last["test_loss"] == pytest.approx(results["a"]["test_loss"], rel=1e-5)
    assert last["test_accuracy"] == pytest.approx(results["a"]["test_accuracy"], abs=1e-6)
    _, params_K, _ = load_run(root / "a")
    assert last["param_norm"] == pytest.approx(float(optax.tree.norm(unstack(params_K, 0))), rel=1e-5)
    assert last["train_loss"] != last["test_loss"]  # (mock data: the test images are the training images)
    assert 0 < last["grad_norm"] != last["param_norm"]


def test_a_runs_epoch_e_is_the_epoch_program_with_epoch_key_e(tmp_path, splits_256):
    """train_and_evaluate's epoch e (0-based) shuffles with epoch_key(cfg, e): its final parameters are those
    of the epoch program applied with keys 0, 1, … (the data order a resume and a sweep rely on)."""
    cfg = TINY.replace(epochs=2)
    train_and_evaluate(cfg, tmp_path / "run", progress=False, splits=splits_256)
    _, params_K, _ = load_run(tmp_path / "run")
    s = splits_256
    state = init_state([cfg], s.n_train)
    epoch = make_epoch(cfg, s.n_train)
    data = to_device(s.x_train, s.y_train, s.x_eval, s.y_eval)
    for e in range(cfg.epochs):
        state, _ = epoch(state, epoch_key(cfg, e), *data)
    for a, b in zip(jax.tree_util.tree_leaves(params_K), jax.tree_util.tree_leaves(state.params)):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-5, atol=1e-6)


def test_a_new_run_records_no_value_for_a_field_it_does_not_use(splits_256, tmp_path):
    """sgd kept the default momentum 0.9 in config.json although it has none: nnjax train recorded 0, but
    train_and_evaluate from Python did not (and an explicit --momentum 0.9 with sgd is refused). A field the
    optimiser uses keeps its value."""
    sgd = TINY.replace(optimizer="sgd", epochs=1, checkpoint_every=0)
    train_and_evaluate(sgd, tmp_path / "sgd", progress=False, splits=splits_256)
    assert load_json(tmp_path / "sgd" / "config.json").momentum == 0.0
    train_and_evaluate(TINY.replace(epochs=1, checkpoint_every=0), tmp_path / "adam", progress=False, splits=splits_256)
    assert load_json(tmp_path / "adam" / "config.json").momentum == 0.9
    # resumed with the Config it was started from (momentum 0.9 unused), or extended with --force: still none
    for cfg, force in ((sgd, False), (sgd.replace(epochs=2), True)):
        train_and_evaluate(cfg, tmp_path / "sgd", resume=True, force=force, progress=False, splits=splits_256)
        saved = load_json(tmp_path / "sgd" / "config.json")
        assert (saved.momentum, saved.epochs) == (0.0, cfg.epochs)


# ---- numbers as written: float32's own digits ------------------------------------------------------------


def test_short_float_writes_a_float32_in_the_digits_that_name_it():
    """float() of a float32 gives its float64 digits (9554 of 10,000 images: 0.9553999900817871): noise the
    network never computed. short_float gives the shortest decimal that reads back as the same float32, or the
    exact value where that has at most 9 digits (k of 256: k/256); float64 and non-finite values pass as they are."""
    from nnjax.config import short_float

    for n in (10_000, 5_000, 256, 100):  # an accuracy: correct / n, as the evaluation divides in float32
        for k in range(n + 1):
            assert short_float(np.float32(k) / np.float32(n)) == k / n, (k, n)
    assert float(np.float32(0.9554)) == 0.9553999900817871 and short_float(np.float32(0.9554)) == 0.9554
    assert short_float(jax.numpy.float32(0.9554)) == 0.9554  # a JAX scalar as NumPy's
    rng = np.random.default_rng(0)
    for v in [*rng.standard_normal(1000).astype(np.float32), *np.float32([1e-8, 3e-39, 1e-45, 3.4028235e38, -0.0])]:
        got = short_float(v)
        assert np.float32(got) == v and len(repr(got)) <= len(repr(float(v)))  # the same float32, never longer
        assert np.signbit(got) == np.signbit(v)
    assert short_float(np.float32(1e-45)) == 1e-45 and short_float(np.float32(1e-8)) == 1e-8  # subnormal, tiny
    assert repr(short_float(np.float32(2.3025851))) == "2.3025851"
    assert np.isnan(short_float(np.float32("nan"))) and short_float(np.float32("-inf")) == -np.inf
    assert short_float(0.9553999900817871) == 0.9553999900817871  # a float64 is what it is
    assert short_float(np.float64(0.9553999900817871)) == 0.9553999900817871
    with np.printoptions(precision=2, floatmode="fixed"):  # a script's print options change nothing written
        assert short_float(np.float32(0.9554)) == 0.9554


def test_a_runs_files_hold_its_float32_numbers_in_their_own_digits(tmp_path):
    """metrics.jsonl, result.json and eval write each number the network computed (float32) as
    ``short_float`` does: a test accuracy of k of 10,000 images reads k/10000 (0.1234, not 0.1234000027179718)."""
    from conftest import synthetic_splits

    from nnjax.config import short_float
    from nnjax.run import LINE_METRICS

    s = synthetic_splits(n_train=256, n_test=10_000)
    cfg = TINY.replace(epochs=1, lr=1e-4)  # barely trained: an accuracy that no float64 holds exactly
    result = train_and_evaluate(cfg, tmp_path / "run", progress=False, splits=s)
    text = (tmp_path / "run" / "result.json").read_text()
    k = round(result["test_accuracy"] * 10_000)
    assert k % 625, k  # k/10000 is no multiple of 1/16, which float32 holds exactly (else this would prove nothing)
    assert f'"test_accuracy": {k / 10_000!r},' in text  # e.g. 0.1234, as the file's reader sees it
    assert json.loads(text)["test_accuracy"] == k / 10_000
    (line,) = read_metrics(tmp_path / "run" / "metrics.jsonl")
    assert line["test_accuracy"] == k / 10_000  # the last epoch's, of the same parameters
    numbers = [line[name.replace("eval", "test")] for name in LINE_METRICS] + [result["test_loss"]]
    assert all(v == short_float(np.float32(v)) for v in numbers), numbers
    again = eval_run(tmp_path / "run", splits=s)
    assert (again["test_accuracy"], again["test_loss"]) == (result["test_accuracy"], result["test_loss"])


# ---- one compiled epoch program per process ---------------------------------------------------------------


def _final_numbers(run_dir):
    """A run folder's final parameters (NumPy leaves) and metrics lines without their wall-clock field."""
    _, params_K, _ = load_run(run_dir)
    return [np.asarray(x) for x in jax.tree_util.tree_leaves(params_K)], _numbers(run_dir / "metrics.jsonl")


def test_a_run_reuses_the_program_an_earlier_run_compiled_and_trains_what_a_fresh_compile_trains(
    splits_256, tmp_path, monkeypatch
):
    """A second run of the same program shape (other seed, lr, momentum, weight decay: data in the optimiser
    state) reuses the first's compiled epoch and says so in result.json; its parameters and metrics are bit for
    bit those of the same run compiled afresh."""
    import collections

    import nnjax.train

    other = TINY.replace(seed=1, lr=0.03, momentum=0.8, weight_decay=0.0, name="other")
    monkeypatch.setattr(nnjax.train, "_compiled_epochs", collections.OrderedDict())  # nothing compiled yet
    fresh = train_and_evaluate(other, tmp_path / "fresh", progress=False, splits=splits_256)
    monkeypatch.setattr(nnjax.train, "_compiled_epochs", collections.OrderedDict())
    first = train_and_evaluate(TINY, tmp_path / "first", progress=False, splits=splits_256)
    again = train_and_evaluate(other, tmp_path / "again", progress=False, splits=splits_256)
    assert (fresh["compile_reused"], first["compile_reused"], again["compile_reused"]) == (False, False, True)
    assert json.loads((tmp_path / "again" / "result.json").read_text())["compile_reused"] is True
    params_fresh, lines_fresh = _final_numbers(tmp_path / "fresh")
    params_again, lines_again = _final_numbers(tmp_path / "again")
    assert all(np.array_equal(a, b) for a, b in zip(params_fresh, params_again, strict=True))
    assert lines_again == lines_fresh and again["test_accuracy"] == fresh["test_accuracy"]
    assert _final_numbers(tmp_path / "first")[1] != lines_fresh  # another seed and lr: other numbers
    assert len(nnjax.train._compiled_epochs) == 1


@pytest.mark.parametrize(
    "changes",
    [
        {"activation": "relu"},
        {"hidden": (16,)},
        {"cost": "quadratic"},
        {"optimizer": "sgd"},
        {"batch_size": 32},
        {"schedule": "constant"},
        {"epochs": 4},  # the cosine schedule's length
        {"schedule": "warmup_cosine", "warmup_epochs": 1},
        {"standardize": True},
        {"scan_unroll": 2},
        {"train_size": 128},
        {"shard_members": True},
    ],
    ids=lambda c: ",".join(c),
)
def test_a_program_of_another_shape_is_never_reused(splits_256, monkeypatch, changes):
    """Each kind of field that changes the epoch program (a constant in it, or the shape of its data or state)
    and the placement give a program that is compiled, not the base's reused; the same shape again is reused.
    (XLA's own compile is replaced by a token here: what is tested is which programs count as the same.)"""
    import collections

    import nnjax.train
    from nnjax.data import take_train
    from nnjax.train import compile_epoch

    monkeypatch.setattr(nnjax.train, "_compiled_epochs", collections.OrderedDict())
    monkeypatch.setattr(jax.stages.Lowered, "compile", lambda self: object())

    def compiled(cfg, **kwargs):
        splits = take_train(splits_256, cfg.train_size)
        program, _, _, _, how = compile_epoch(cfg, splits, init_state([cfg], splits.n_train), 0, **kwargs)
        return program, how == "reused"

    base, reused = compiled(TINY)
    assert not reused
    assert compiled(TINY.replace(seed=3, lr=0.2, momentum=0.5, weight_decay=0.1, init="lecun", name="x")) == (
        base,
        True,
    )
    placement = {"shard_members": changes["shard_members"]} if "shard_members" in changes else {}
    cfg = TINY.replace(**{k: v for k, v in changes.items() if k != "shard_members"})
    other, reused = compiled(cfg, **placement)
    assert not reused and other is not base
    assert compiled(cfg, **placement) == (other, True)
    assert compiled(TINY) == (base, True)


def test_reuse_false_compiles_and_keeps_nothing(splits_256, monkeypatch):
    """compile_epoch(reuse=False), as sweeps compile: a program compiled now, never one from before, and none kept
    for later."""
    import collections

    import nnjax.train
    from nnjax.train import compile_ensemble, compile_epoch

    monkeypatch.setattr(nnjax.train, "_compiled_epochs", collections.OrderedDict())
    monkeypatch.setattr(jax.stages.Lowered, "compile", lambda self: object())
    state = init_state([TINY], splits_256.n_train)
    first = compile_epoch(TINY, splits_256, state, 0)
    again = compile_epoch(TINY, splits_256, state, 0, reuse=False)
    assert first[4] == "compiled" and again[4] == "compiled" and again[0] is not first[0]
    assert compile_ensemble(TINY, splits_256, state, 0)[0] is not first[0]
    assert len(nnjax.train._compiled_epochs) == 1


def test_the_compiled_programs_kept_are_the_most_recently_used(splits_256, monkeypatch):
    """At most EPOCH_PROGRAMS compiled programs are kept; the one used least recently goes first."""
    import collections

    import nnjax.train
    from nnjax.train import compile_epoch

    monkeypatch.setattr(nnjax.train, "_compiled_epochs", collections.OrderedDict())
    monkeypatch.setattr(jax.stages.Lowered, "compile", lambda self: object())
    monkeypatch.setattr(nnjax.train, "EPOCH_PROGRAMS", 2)

    def reused(epochs):
        cfg = TINY.replace(epochs=epochs)
        return compile_epoch(cfg, splits_256, init_state([cfg], splits_256.n_train), 0)[4] == "reused"

    assert [reused(e) for e in (3, 4, 3, 5)] == [False, False, True, False]  # 5 pushes out 4, not 3
    assert [reused(e) for e in (3, 4)] == [True, False]
    assert len(nnjax.train._compiled_epochs) == 2


def test_keep_epochs_are_written_and_kept_besides_the_newest_and_change_no_result(tmp_path, splits_256, cli):
    """--keep-epochs 1,3: those checkpoints are written though --checkpoint-every 2 skips them, and never pruned by
    --keep-checkpoints 1's rotation, which keeps the newest of the others (epochs 2 and 4 went); the trained
    network is the one a run without the list trains, and eval --epoch reads a kept epoch as it was trained."""
    cfg = TINY.replace(epochs=6, batch_size=32, checkpoint_every=2, keep_checkpoints=1)
    plain = train_and_evaluate(cfg, tmp_path / "plain", progress=False, splits=splits_256)
    listed = train_and_evaluate(cfg.replace(keep_epochs=(3, 1)), tmp_path / "listed", progress=False, splits=splits_256)
    assert [e for e, _ in checkpoint.list_checkpoints(tmp_path / "plain" / "checkpoints")] == [6]
    assert [e for e, _ in checkpoint.list_checkpoints(tmp_path / "listed" / "checkpoints")] == [1, 3, 6]
    assert json.loads((tmp_path / "listed" / "config.json").read_text())["keep_epochs"] == [3, 1]
    assert listed["test_accuracy"] == plain["test_accuracy"] and listed["test_loss"] == plain["test_loss"]
    a, b = (checkpoint.read(checkpoint.checkpoint_path(tmp_path / r / "checkpoints", 6)) for r in ("plain", "listed"))
    assert jax.tree_util.tree_all(jax.tree_util.tree_map(np.array_equal, a["state"], b["state"]))  # bit for bit
    assert a["meta"] == b["meta"]  # what it records of the config: only fields that change a result
    lines = read_metrics(tmp_path / "listed" / "metrics.jsonl")
    for epoch in (1, 3):
        r = eval_run(tmp_path / "listed", splits_256, epoch=epoch)
        assert r["epoch"] == epoch and r["test_accuracy"] == lines[epoch - 1]["test_accuracy"]
    rc, out, err = cli("eval", tmp_path / "listed", "--epoch", "2")
    assert rc == 1 and err.strip() == (
        f"nnjax: error: {tmp_path / 'listed'}: no checkpoint of epoch 2 is kept (kept: epochs 1, 3 and 6; epoch 0, as "
        "initialised, needs none); it saved one every 2 epochs and keeps the newest 1 and those of epochs 1 and 3; "
        "one trained with --keep-epochs 2 keeps that epoch (--checkpoint-every 1 --keep-checkpoints 6: every epoch)"
    )


def test_an_epoch_not_kept_says_what_a_run_saving_only_its_final_checkpoint_kept():
    """--checkpoint-every 0 saves the final checkpoint and the listed epochs' (no rotation: --keep-checkpoints
    plays no part), so the error says no more than that."""
    from nnjax.run import keep_more

    tail = "one trained with --keep-epochs 3 keeps that epoch (--checkpoint-every 1 --keep-checkpoints 6: every epoch)"
    final = TINY.replace(epochs=6, checkpoint_every=0, keep_checkpoints=2)
    assert keep_more(final, 3) == f"it saved only the final one; {tail}"
    listed = final.replace(keep_epochs=(2, 1))
    assert keep_more(listed, 3) == f"it saved the final one and those of epochs 1 and 2; {tail}"


@pytest.mark.parametrize(
    "flags, line",
    [
        (
            ["--keep-epochs", "0,2"],
            "config field 'keep_epochs' = (0, 2): epoch 0 is not one of the run's epochs, 1 to 3",
        ),
        (["--keep-epochs", "4"], "config field 'keep_epochs' = (4,): epoch 4 is not one of the run's epochs, 1 to 3"),
        (["--keep-epochs", "2,1,2"], "config field 'keep_epochs' = (2, 1, 2): epoch 2 is listed twice"),
        (["--keep-epochs", "1.5"], "config field 'keep_epochs': cannot parse '1.5' as epochs like 1,2,5,10, or none"),
        (["--keep-epochs", "one"], "config field 'keep_epochs': cannot parse 'one' as epochs like 1,2,5,10, or none"),
    ],
)
def test_bad_keep_epochs_are_one_line_before_anything_is_written(tmp_path, cli_error, flags, line):
    out = tmp_path / "run"
    got = cli_error("train", "--epochs", "3", *flags, "--out", out, "--no-progress")
    assert got.startswith(f"nnjax: error: {line}")
    assert not out.exists()


def test_keep_epochs_of_a_config_file_are_a_list_of_epochs(tmp_path, cli_error):
    """In a config file: a JSON list of integers, in the words of its reader; none (an empty list): no such epochs."""
    file = tmp_path / "c.json"
    file.write_text(json.dumps({"epochs": 3, "keep_epochs": [1, True]}))
    assert cli_error("train", "--config-file", file, "--out", tmp_path / "run") == (
        f"nnjax: error: {file}: field 'keep_epochs' has the wrong type: [1, true] (expected epochs, a list of integers "
        "such as [1, 2, 5])"
    )
    file.write_text(json.dumps({"epochs": 3, "keep_epochs": [3, 1]}))
    assert load_json(file).keep_epochs == (3, 1)
    assert Config().keep_epochs == () and not (tmp_path / "run").exists()
    expected = r"field 'keep_epochs' has the wrong type: \(1, 2\.0\) \(expected epochs, a tuple of integers such as"
    with pytest.raises(ConfigError, match=expected):
        train_and_evaluate(Config(epochs=3, keep_epochs=(1, 2.0)), tmp_path / "run", progress=False)
