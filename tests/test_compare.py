"""``nnjax compare``: two networks on the same test images, and McNemar's exact test of equal accuracy."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from nnjax import sweep
from nnjax.compare import compare_networks, mcnemar_p
from nnjax.config import Config
from nnjax.errors import ConfigError
from nnjax.run import eval_run, train_and_evaluate

# ---- the test itself -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("only_a", "only_b", "p"),
    [
        (0, 0, 1.0),  # no disagreement: no evidence either way
        (0, 6, 2 / 64),  # all six one way: 2 · (1/2)^6
        (6, 0, 2 / 64),
        (1, 9, 2 * (1 + 10) / 1024),  # P(X ≤ 1) for X ~ Bin(10, 1/2), two-sided
        (5, 5, 1.0),  # an even split: the two-sided tail passes 1 and is capped
        (4, 5, 1.0),
    ],
)
def test_mcnemar_p_by_hand(only_a, only_b, p):
    assert mcnemar_p(only_a, only_b) == p


@pytest.mark.parametrize(("only_a", "only_b"), [(400, 480), (150, 210), (1000, 1090)])
def test_mcnemar_p_agrees_with_the_normal_approximation_for_many_disagreements(only_a, only_b):
    """With hundreds of disagreements the exact test is close to McNemar's χ² with continuity correction."""
    chi2 = (abs(only_a - only_b) - 1) ** 2 / (only_a + only_b)
    approx = math.erfc(math.sqrt(chi2 / 2))
    assert mcnemar_p(only_a, only_b) == pytest.approx(approx, rel=0.06)
    assert mcnemar_p(only_a, only_b) == mcnemar_p(only_b, only_a)


def test_mcnemar_p_of_a_whole_test_set_of_disagreements_is_a_number():
    """10,000 disagreements (2^10000 does not fit a float): exact integers still give a small p, not 0/0."""
    p = mcnemar_p(4700, 5300)
    assert 0 < p < 1e-8


def test_mcnemar_p_of_a_large_test_set_is_exact():
    """emnist/digits has 40,000 test images: two networks may split evenly over all of them (math.comb afresh
    for each of 20,000 terms took minutes: the commit says how long; speed is not a test's to time); a split of
    hundreds is still the sum of math.comb's."""
    assert mcnemar_p(20_000, 20_000) == 1.0
    assert 0 < mcnemar_p(19_500, 20_500) < 1e-6
    for only_a, only_b in ((300, 420), (511, 488), (0, 1074)):
        n = only_a + only_b
        want = min(1.0, 2 * sum(math.comb(n, i) for i in range(min(only_a, only_b) + 1)) / 2**n)
        assert mcnemar_p(only_a, only_b) == want


# ---- two trained networks ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory, splits_256) -> tuple[Path, Path]:
    """The video's network (sigmoid) and a ReLU one, 2 epochs each on mock MNIST."""
    root = tmp_path_factory.mktemp("compare")
    for activation in ("sigmoid", "relu"):
        cfg = Config(epochs=2, batch_size=32, activation=activation, checkpoint_every=0)
        train_and_evaluate(cfg, root / activation, progress=False, splits=splits_256)
    return root / "sigmoid", root / "relu"


def test_counts_add_up_and_the_accuracies_are_evals(two_runs, splits_256):
    a, b = two_runs
    r = compare_networks(a, b, splits=splits_256)
    n = r["n_test"]
    assert n == len(splits_256.y_test) == 256
    assert r["both_right"] + r["only_a_right"] + r["only_b_right"] + r["both_wrong"] == n
    for side, folder in (("a", a), ("b", b)):
        assert r[side]["test_accuracy"] == eval_run(folder, splits_256)["test_accuracy"]  # k/256: exact in float32
        assert r[side]["folder"] == str(folder) and r[side]["member"] is None and r[side]["epoch"] == 2
        assert r[side]["test_accuracy"] * n == r["both_right"] + r[f"only_{side}_right"]
    assert r["only_a_right"] + r["only_b_right"] > 0  # two different networks: the test has something to weigh
    assert r["p_value"] == mcnemar_p(r["only_a_right"], r["only_b_right"])
    assert len(r["only_a_right_digits"]) == r["only_a_right"] and len(r["only_b_right_digits"]) == r["only_b_right"]
    assert not set(r["only_a_right_digits"]) & set(r["only_b_right_digits"])
    json.dumps(r, allow_nan=False)  # JSON-ready


def test_swapping_the_networks_swaps_the_sides(two_runs, splits_256):
    a, b = two_runs
    ab, ba = compare_networks(a, b, splits=splits_256), compare_networks(b, a, splits=splits_256)
    assert (ab["a"], ab["b"]) == (ba["b"], ba["a"])
    assert (ab["only_a_right"], ab["only_a_right_digits"]) == (ba["only_b_right"], ba["only_b_right_digits"])
    assert ab["p_value"] == ba["p_value"]


def test_a_network_against_itself_never_disagrees(two_runs, splits_256):
    a, _ = two_runs
    r = compare_networks(a, a, splits=splits_256)
    assert r["only_a_right"] == r["only_b_right"] == 0 and r["p_value"] == 1.0
    assert r["both_right"] == round(r["a"]["test_accuracy"] * 256)


def test_sweep_members_are_compared_as_eval_sees_them(tmp_path, splits_256):
    out = tmp_path / "sweep"
    base = Config(epochs=2, batch_size=32, checkpoint_every=0)
    sweep.run_sweep(base, {"seed": [0, 1]}, out, progress=False, splits=splits_256)
    r = compare_networks(out, out, member_a=0, member_b=1, splits=splits_256)
    for side, member in (("a", 0), ("b", 1)):
        assert r[side]["member"] == member and r[side]["diverged_epoch"] is None
        assert r[side]["test_accuracy"] == eval_run(out, splits_256, member=member)["test_accuracy"]


def test_networks_of_two_data_sets_are_refused(two_runs, tmp_path, splits_256):
    a, _ = two_runs
    cfg = Config(epochs=1, batch_size=32, dataset="fashion_mnist", checkpoint_every=0)
    train_and_evaluate(cfg, tmp_path / "fashion", progress=False, splits=splits_256)
    with pytest.raises(ConfigError, match="'mnist'.*'fashion_mnist'"):
        compare_networks(a, tmp_path / "fashion", splits=splits_256)


# ---- the command line ----------------------------------------------------------------------------------


@pytest.fixture
def mock_data():
    import tensorflow_datasets as tfds

    return lambda: tfds.testing.mock_data(num_examples=256)


def test_cli_prints_both_accuracies_the_split_and_p(two_runs, splits_256, mock_data, cli):
    a, b = two_runs
    want = compare_networks(a, b, splits=splits_256)
    with mock_data():
        rc, out, err = cli("compare", a, b)
    assert rc == 0, err
    lines = out.splitlines()
    assert lines[0].startswith(f"A: {100 * want['a']['test_accuracy']:.2f} % of 256 test images ({a}, epoch 2)")
    assert lines[1].startswith(f"B: {100 * want['b']['test_accuracy']:.2f} % of 256 test images ({b}, epoch 2)")
    assert lines[2] == (
        f"both right {want['both_right']}, only A right {want['only_a_right']}, "
        f"only B right {want['only_b_right']}, both wrong {want['both_wrong']}"
    )
    n = want["only_a_right"] + want["only_b_right"]
    assert f"test on the {n} images only one gets right: p = {want['p_value']:.2g}" in lines[3]
    shown = [ln for ln in lines if ln.startswith("only A right")]
    if want["only_a_right"]:
        assert shown[0].split(": ")[1].split(" ")[0] == ",".join(map(str, want["only_a_right_digits"][:10]))
    with mock_data():
        rc, out, _ = cli("compare", a, b, "--json")
    assert rc == 0 and json.loads(out) == want


def test_cli_never_says_p_is_0(tmp_path, monkeypatch, cli):
    """A good network against a diverged one: p below the smallest float is 0.0, which 'p = 0' misstated
    (no split of images makes equal accuracy impossible); the line says p < 1e-300."""
    import nnjax.compare

    side = {"folder": "x", "member": None, "epoch": 1}
    r = {"a": {**side, "test_accuracy": 0.98}, "b": {**side, "test_accuracy": 0.0995}, "n_test": 10_000}
    r |= {"both_right": 900, "only_a_right": 8900, "only_b_right": 95, "both_wrong": 105}
    r |= {"only_a_right_digits": [1], "only_b_right_digits": [2]}
    for p, said in ((mcnemar_p(8900, 95), "p < 1e-300"), (1.6e-322, "p < 1e-300"), (3.2e-7, "p = 3.2e-07")):
        monkeypatch.setattr(nnjax.compare, "compare_networks", lambda *a, p=p, **k: {**r, "p_value": p})
        rc, out, err = cli("compare", tmp_path, tmp_path)
        assert rc == 0, err
        assert f"gets right: {said} (for these two" in out, out


def test_cli_names_the_member_flag_a_folder_needs(two_runs, tmp_path, splits_256, cli_error, capsys):
    a, _ = two_runs
    out = tmp_path / "sweep"
    sweep.run_sweep(Config(epochs=1, batch_size=32), {"seed": [0, 1]}, out, progress=False, splits=splits_256)
    capsys.readouterr()  # the sweep's own lines
    said = "is a sweep folder: name its member with --member-b N (members.csv) or --member-b FIELD=VALUE,.."
    assert said in cli_error("compare", a, out)
    assert "--member-a 0: " in cli_error("compare", a, out, "--member-a", "0", "--member-b", "1")
    assert "not a sweep folder" in cli_error("compare", a, out, "--member-a", "0", "--member-b", "1")
    assert cli_error("compare", "", a) == "nnjax: error: RUN_A is empty: name a path"
    nosuch = tmp_path / "nosuch"
    assert (
        cli_error("compare", a, nosuch, "--member-b", "1")
        == f"nnjax: error: --member-b 1: {nosuch}: sweep folder not found"
    )


def test_a_diverged_member_is_warned_about_once(tmp_path, splits_256, capsys, monkeypatch, cli):
    """A member that diverged trains on inside its ensemble to finite numbers: its accuracy is no result of its
    config, and compare says so (members.csv leaves its accuracy empty): warned once on loading it (a second
    warning of compare's own said it again), and in the result and the line, as nnjax eval says it."""
    out = tmp_path / "sweep"
    base = Config(epochs=3, batch_size=32, lr=1000.0, schedule="constant", checkpoint_every=0)
    summary = sweep.run_sweep(base, {"seed": [0, 1]}, out, progress=False, splits=splits_256)
    gone = {r["member"]: r["diverged_epoch"] for r in summary["members"] if r["diverged_epoch"] is not None}
    assert gone, "the recipe no longer diverges: pick a harsher one"
    member, epoch = next(iter(gone.items()))
    capsys.readouterr()
    r = compare_networks(out, out, member_a=member, member_b=member, splits=splits_256)
    err = capsys.readouterr().err
    said = f"sweep member {member} diverged at epoch {epoch}; these are its epoch-3 parameters"
    assert err.count(f" member {member} diverged") == 2 and err.count(said) == 2, err  # once per side
    assert r["a"]["diverged_epoch"] == r["b"]["diverged_epoch"] == epoch
    import nnjax.compare

    monkeypatch.setattr(nnjax.compare, "compare_networks", lambda *a, **k: r)
    rc, text, err = cli("compare", out, out, "--member-a", member, "--member-b", member)
    assert rc == 0, err
    assert f"({out} member {member}, which diverged at epoch {epoch}: not a result of its config, epoch 3)" in text


def test_a_network_against_its_own_start_or_an_earlier_epoch(tmp_path, splits_256, mock_data, cli):
    """``epoch_a=0``: the run as initialised against itself trained, each side as nnjax eval sees it at that
    epoch, and the A:/B: lines and --json say which epoch; a sweep member's earlier epoch likewise."""
    run = tmp_path / "run"
    train_and_evaluate(Config(epochs=3, batch_size=32, checkpoint_every=1), run, progress=False, splits=splits_256)
    r = compare_networks(run, run, epoch_a=0, epoch_b=2, splits=splits_256)
    for side, epoch in (("a", 0), ("b", 2)):
        assert r[side]["epoch"] == epoch
        assert r[side]["test_accuracy"] == eval_run(run, splits_256, epoch=epoch)["test_accuracy"]
    assert r["a"]["test_accuracy"] != r["b"]["test_accuracy"]
    with mock_data():
        rc, out, err = cli("compare", run, run, "--epoch-a", "0", "--epoch-b", "2")
    assert rc == 0, err
    lines = out.splitlines()
    assert (
        lines[0]
        == f"A: {100 * r['a']['test_accuracy']:.2f} % of 256 test images ({run}, epoch 0, as initialised: untrained)"
    )
    assert lines[1] == f"B: {100 * r['b']['test_accuracy']:.2f} % of 256 test images ({run}, epoch 2)"
    with mock_data():
        rc, out, _ = cli("compare", run, run, "--epoch-a", "0", "--json")
    got = json.loads(out)
    assert rc == 0 and (got["a"]["epoch"], got["b"]["epoch"]) == (0, 3)

    out = tmp_path / "sweep"
    base = Config(hidden=(8,), epochs=2, batch_size=32, checkpoint_every=1)
    sweep.run_sweep(base, {"seed": [0, 1]}, out, progress=False, splits=splits_256)
    r = compare_networks(out, out, member_a=1, member_b=1, epoch_a=1, splits=splits_256)
    assert (r["a"]["epoch"], r["b"]["epoch"]) == (1, 2)
    assert r["a"]["test_accuracy"] == eval_run(out, splits_256, member=1, epoch=1)["test_accuracy"]


def test_a_members_divergence_is_read_from_its_own_group_and_counts_from_its_epoch(tmp_path, splits_256, monkeypatch):
    """eval and compare of one sweep member read that member's group's divergence only (they decoded the newest
    checkpoint of every group still training), and both say a member diverged only for parameters from its
    divergence on (an earlier --epoch is from before it)."""
    out = tmp_path / "sweep"
    base = Config(epochs=2, batch_size=32, checkpoint_every=1)
    sweep.run_sweep(base, {"hidden": [(8,), (4,)]}, out, progress=False, splits=splits_256)
    for gid in ("g00", "g01"):  # as if still training: their checkpoints say who diverged
        (out / "groups" / gid / "result.json").unlink()
    decoded = []
    monkeypatch.setattr(
        sweep, "_newest_decodable", lambda d, gid: decoded.append(gid) or (2, {"state": {"diverged": [2]}})
    )
    r = eval_run(out, splits_256, member=1)
    c = compare_networks(out, out, member_a=1, member_b=1, epoch_b=1, splits=splits_256)
    assert decoded == ["g01", "g01", "g01"]  # its group only, once per reading
    assert r["diverged_epoch"] == c["a"]["diverged_epoch"] == 2
    assert c["b"]["diverged_epoch"] is None and eval_run(out, splits_256, member=1, epoch=1)["diverged_epoch"] is None
