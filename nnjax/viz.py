"""Looking inside a trained network: PNG figures of a run (or sweep) folder.

``nnjax viz RUN_DIR`` writes into ``RUN_DIR/figures``:
  weights.png          the first layer's weights, one 28×28 image per neuron (green +, pink −, zero white)
  activations.png      chosen test digits flowing through the network: input, every layer, prediction
  neurons.png          what each hidden neuron responds to: the test digits that drive it hardest
  confusion.png        the confusion matrix on the whole test split, with per-class accuracy
  mistakes.png         the test digits the network gets wrong most confidently
  learning_curves.png  loss and accuracy per epoch (metrics.jsonl)
  wants.png            what each output wants: gradient ascent on its log-probability from a noise image, and
                       the network's answers on 1,000 noise images
For a sweep folder, ``nnjax viz SWEEP_DIR`` draws the learning curves: one curve per setting of
the grid fields other than seed, its mean over seeds with a min–max band, coloured and (more than 12 settings) laid
out as the sweep's accuracy.png, with the sweep's --target; ``--member N`` draws all the figures above for member N's
network into ``SWEEP_DIR/figures/member-N``.

Every figure has a fixed size in pixels for a given network (no tight bounding box), so a figure in a
document does not jump in size from run to run. matplotlib is imported only when drawing.
"""

from __future__ import annotations

import functools
import io
import math
import sys
import textwrap
from collections.abc import Callable, Collection, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from nnjax.config import non_ascii_note, parse_number
from nnjax.errors import CheckpointError, ConfigError
from nnjax.images import answers, percent
from nnjax.sweep_grid import format_value, varied_fields
from nnjax.sweep_summary import plural

if TYPE_CHECKING:
    from nnjax.config import Config
    from nnjax.data import Splits

DPI = 100
CELLS_UP_TO = 32  # layers up to this wide are drawn as separate cells; wider ones as a heat strip
STRIP_COLS = 256  # a heat strip wraps onto more rows beyond this, so every neuron keeps its own pixel
N_MISTAKES = 32  # 4 rows × 8
N_TOP = 6  # test digits shown per hidden neuron in neurons.png (2 rows × 3)
# A hidden neuron whose reach (viz.neuron_reach) is at most this share of its layer's largest is inert:
# neurons.png greys it out and counts it (a dead ReLU unit, or one weight decay has cut off).
INERT_SHARE = 0.01
# Positive weights green and negative ones pink-red, as the video colours them; ColorBrewer's PiYG
# keeps the two apart for red–green colour-blind readers too.
WEIGHTS_CMAP = "PiYG"
TRAIN_MARKER = "x"  # a sweep's single-epoch train mean, told apart from the evaluation's dot
MARKED_EPOCHS = 30  # sweep mean curves up to this many epochs mark each epoch with a dot
METRIC_COLUMNS = {"train": "train", "test": "test", "val": "validation"}
LEGEND_ROW_IN = 0.19  # height of one row of a legend at fontsize 8
# The sweep curves' dashed line: per member, train_loss/train_accuracy are means over the epoch's batches
# (as the single-run curves' legend says); the line is their mean over the setting's members.
TRAIN_SWEEP_LABEL = "train (members' mean of epoch's batch means)"  # ≤ 46 characters: 3 legend columns
LEGEND_CHAR_IN = 0.062  # width of one character of a legend label at fontsize 8, with room to spare
# A sweep's accuracy.png of more settings than this, over several fields, draws one panel per value of one field
# (its other fields' settings coloured alike in each), not every setting in one panel with a legend of them all.
PANELS_OVER = 12
PANEL_ROW_IN = 0.17  # height of one setting's row in the last-epoch panel at fontsize 8, with room to spare
CURVE_PANEL_IN = 2.3  # width of one of learning_curves.png's small panels (the loss's, or the accuracy's)
# More than PANELS_OVER settings of one ordered field (a numeric one): coloured in order along this colour map
# (up to SEQUENTIAL_END: viridis' last yellow is too pale on white), with a colour bar of the values below
SEQUENTIAL_CMAP = "viridis"
SEQUENTIAL_END = 0.9
COLORBAR_BAND_IN = 0.75  # height of that colour bar with its values and label below it
COLORBAR_MARGIN_IN = 1.0  # its ends' distance from the figure's sides
# Up to PANELS_OVER settings of two fields, each of up to SHADES_UP_TO values: one hue of matplotlib's 10 per value of
# one field (``hue_field``), a shade of it per value of the other, from dark (mixed toward black by -SHADE_SPAN[0])
# to light (toward white by SHADE_SPAN[1]): a reader sees which curves share a value of either field.
SHADES_UP_TO = 6
SHADE_SPAN = (-0.35, 0.5)
LOG_LOSS_LABEL = "loss, log scale (own cost's units)"  # one line: two were cut off at the figure's edges
METRICS = ("loss", "accuracy")  # what learning curves show, each in its own panel
# wants.png: gradient ascent of each output's log-probability in input space (``wanted_inputs``), from the first of
# the NOISE_IMAGES uniform-noise images drawn from NOISE_SEED, which the noise line also answers
WANTS_STEPS = 300
WANTS_LR = 1.0  # plain gradient steps: log-probability per unit of pixel brightness, times this
NOISE_IMAGES = 1000
NOISE_SEED = 0


def _figure(**kw: Any):
    """A matplotlib Figure drawn with Agg, without pyplot (so the process's backend stays as it was)."""
    from matplotlib.figure import Figure

    return Figure(**kw)


def _subplots(rows: int = 1, cols: int = 1, gridspec_kw: dict[str, Any] | None = None, **kw: Any):
    """(figure, axes) like ``pyplot.subplots``, without pyplot."""
    fig = _figure(**kw)
    return fig, fig.subplots(rows, cols, gridspec_kw=gridspec_kw)


def _save(fig, path: Path) -> Path:
    """Write the figure as PNG through a temporary name (a half-written figure never replaces a good one)."""
    from nnjax.checkpoint import write_atomic

    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    fig.savefig(buf, dpi=fig.dpi, format="png")
    write_atomic(path, buf.getvalue())
    return path


def setting_colours(n: int) -> list:
    """One colour per curve of ``n``, all different: matplotlib's 10 for up to 10 curves, then its 20 (the
    dark ten first, then their light partners), then evenly spaced along a rainbow."""
    import matplotlib

    if n <= 10:
        return list(matplotlib.colormaps["tab10"].colors[:n])
    if n <= 20:
        tab20 = matplotlib.colormaps["tab20"].colors
        return [*tab20[0::2], *tab20[1::2]][:n]
    return [matplotlib.colormaps["turbo"](0.05 + 0.9 * i / (n - 1)) for i in range(n)]


def _legend_below(fig, handles: list, labels: list[str], ncol: int | None = None) -> float:
    """A figure legend of ``labels`` at the bottom of ``fig``, in ``ncol`` columns (default: as many, up to 4, as
    its width holds), taller figures for more rows; returns the height (inches) it takes, to keep the axes above
    it."""
    if ncol is None:
        ncol = max(1, min(len(labels), 4, _legend_columns(fig, labels)))
    band = 0.2 + LEGEND_ROW_IN * math.ceil(len(labels) / ncol)
    fig.legend(handles, labels, loc="lower center", bbox_to_anchor=(0.5, 0.02), fontsize=8, ncol=ncol, frameon=False)
    return band


def _legend_columns(fig, labels: Sequence[str]) -> int:
    """How many columns of ``labels`` (at fontsize 8, with their line samples) the width of ``fig`` holds."""
    column = LEGEND_CHAR_IN * max(len(label) for label in labels) + 0.7  # + the line sample and gaps
    return int((fig.get_figwidth() - 0.3) / column)


def _framed(ax, colour: str) -> None:
    """An image's panel: no ticks, a thin frame in ``colour``."""
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_color(colour)


def _grid_shape(n: int) -> tuple[int, int]:
    """(rows, cols) of a near-square grid for n panels, at most 8 wide."""
    cols = min(8, max(1, math.ceil(math.sqrt(n))))
    return math.ceil(n / cols), cols


# --------------------------------------------------------------------------------------------------
# Numbers behind the figures
# --------------------------------------------------------------------------------------------------


def layer_activations(params: list, cfg: Config, x_Dx784: np.ndarray) -> list[np.ndarray]:
    """Every layer's values for D uint8 images: [a_Dx784 (prepared input), a_DxH1, …, z_Dx10 (the outputs)].

    The outputs are the last layer's z, the very numbers ``images.predict`` answers from (one compiled
    program, ``model.activations_jit``); ``images.answers`` turns them into what the figures show.
    Bad arguments raise as ``images.predict``'s do (``images.check_network_input``).
    """
    import jax

    from nnjax.activations import get_activation
    from nnjax.data import prepare_images
    from nnjax.images import check_network_input
    from nnjax.model import activations_jit

    cfg = check_network_input(params, cfg, x_Dx784, "layer_activations", "x_Dx784")
    σ = get_activation(cfg.activation)
    acts = activations_jit(params, prepare_images(x_Dx784, cfg.standardize), σ)
    return [np.asarray(a) for a in jax.device_get(acts)]


def confusion_matrix(y_N: np.ndarray, pred_N: np.ndarray) -> np.ndarray:
    """counts_CxC: row = true class, column = predicted class."""
    from nnjax.model import N_CLASSES  # not at the top: nnjax.model imports jax, which viz imports only when used

    counts = np.zeros((N_CLASSES, N_CLASSES), np.int64)
    np.add.at(counts, (np.asarray(y_N), np.asarray(pred_N)), 1)
    return counts


def per_class_accuracy(counts_CxC: np.ndarray) -> np.ndarray:
    """acc_C: the share of each true class (row) that was predicted right; NaN for a class with no image."""
    counts_CxC = np.asarray(counts_CxC)
    row_total = counts_CxC.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(row_total > 0, np.diag(counts_CxC) / row_total, np.nan)


def confident_mistakes(y_N: np.ndarray, pred_N: np.ndarray, p_Nx10: np.ndarray, n: int = N_MISTAKES) -> np.ndarray:
    """Indices of the ≤ n wrongly answered images (answer ``pred_N``), most confident (highest probability of
    the answer) first."""
    wrong = np.flatnonzero(pred_N != y_N)
    order = np.argsort(-p_Nx10[wrong, pred_N[wrong]], kind="stable")
    return wrong[order][:n]


def top_inputs(params: list, acts: list[np.ndarray], n: int = N_TOP) -> list[np.ndarray]:
    """Per hidden layer, idx_HxT (T = min(n, N)): the N images (``acts``, ``layer_activations`` of them)
    that drive each neuron hardest, strongest first. Ranked by the neuron's input z = W a + b, not by σ(z),
    which a saturated sigmoid ties at 1; ties keep the images' order. An image whose z is not finite (a
    diverged network's) is no answer: -1 in its place."""
    out = []
    for layer, a_NxD in zip(params[:-1], acts[:-2]):  # each hidden layer and the activations it reads
        z_NxH = a_NxD @ np.asarray(layer["W"], np.float32).T + np.asarray(layer["b"], np.float32)
        idx_TxH = np.argsort(-z_NxH, axis=0, kind="stable")[:n]  # NaN sorts last
        out.append(np.where(np.isfinite(np.take_along_axis(z_NxH, idx_TxH, axis=0)), idx_TxH, -1).T)
    return out


def neuron_reach(params: list, acts: list[np.ndarray]) -> list[np.ndarray]:
    """Per hidden layer, reach_H: how far each neuron moves the next layer's inputs W a + b across the images
    (``acts``, ``layer_activations`` of them): the spread (std) of its own value a times the length of the
    next layer's weights that read it. 0 for a ReLU neuron that is 0 on every image, or one whose outgoing
    weights weight decay has shrunk to nothing; NaN for a diverged network's."""
    out = []
    for nxt, a_NxH in zip(params[1:], acts[1:-1]):  # each hidden layer's values and the weights that read them
        W_next = np.asarray(nxt["W"], np.float64)
        out.append(np.asarray(a_NxH, np.float64).std(axis=0) * np.linalg.norm(W_next, axis=0))
    return out


def inert_neurons(reach: Sequence[np.ndarray]) -> list[np.ndarray]:
    """Per hidden layer, inert_H (bool): neurons whose ``neuron_reach`` is at most ``INERT_SHARE`` of their
    layer's largest (every neuron of a layer whose reach is all 0): what they respond to changes nothing
    downstream. None in a layer with a reach that is not finite (a diverged network)."""
    return [
        reach_H <= INERT_SHARE * np.max(reach_H, initial=0.0)
        if np.all(np.isfinite(reach_H))
        else np.zeros(reach_H.shape, bool)
        for reach_H in reach
    ]


def hidden_reach(params: list, cfg: Config, x_Nx784: np.ndarray) -> list[np.ndarray] | None:
    """Per hidden layer (in ``cfg.hidden``'s order), reach_H of its neurons over the images ``x_Nx784``
    (``neuron_reach``: what neurons.png computes on the same images); [] for a network without a hidden layer,
    None where a reach is not finite (a diverged network's)."""
    with np.errstate(over="ignore", invalid="ignore"):  # huge parameters: an inf reach, None below, no warning
        reach = neuron_reach(params, layer_activations(params, cfg, x_Nx784))
    return reach if all(np.all(np.isfinite(reach_H)) for reach_H in reach) else None


def inert_counts(params: list, cfg: Config, x_Nx784: np.ndarray) -> list[int] | None:
    """Per hidden layer (in ``cfg.hidden``'s order), how many of its neurons are inert over the images
    ``x_Nx784`` (``inert_neurons`` of ``hidden_reach``: what neurons.png counts on the same images); [] for a
    network without a hidden layer, None where a reach is not finite (a diverged network's)."""
    reach = hidden_reach(params, cfg, x_Nx784)
    return None if reach is None else [int(inert_H.sum()) for inert_H in inert_neurons(reach)]


def noise_images(key: Any, n: int = NOISE_IMAGES) -> np.ndarray:
    """x_Nx784: n uint8 images of uniform noise (every pixel 0 … 255 alike), drawn from the jax.random ``key``."""
    import jax

    return np.asarray(jax.random.randint(key, (n, 784), 0, 256)).astype(np.uint8)


@functools.cache
def _ascent_program(σ: Callable, standardize: bool, cost: str, steps: int, lr: float) -> Callable:
    """The jitted ``wanted_inputs`` program for one activation, input scaling, cost and schedule (compiled once per
    network shape)."""
    import jax
    import jax.numpy as jnp
    import optax

    from nnjax.costs import log_probabilities
    from nnjax.data import scale_pixels
    from nnjax.model import N_CLASSES, forward_one

    opt = optax.sgd(lr)

    def log_p(params: list, u_784: Any, c: Any) -> Any:
        return log_probabilities(forward_one(params, scale_pixels(u_784, standardize), σ), cost)[c]

    def ascend(params: list, start_784: Any, c: Any) -> Any:
        def step(carry: tuple, _: None) -> tuple:
            u_784, state = carry
            updates, state = opt.update(-jax.grad(log_p, argnums=1)(params, u_784, c), state, u_784)
            return (jnp.clip(optax.apply_updates(u_784, updates), 0.0, 1.0), state), None

        (u_784, _), _ = jax.lax.scan(step, (start_784, opt.init(start_784)), None, length=steps)
        return u_784

    def program(params: list, start_784: Any) -> tuple[Any, Any]:
        u_10x784 = jax.vmap(ascend, in_axes=(None, None, 0))(params, start_784, jnp.arange(N_CLASSES))
        z_10x10 = jax.vmap(lambda u: forward_one(params, scale_pixels(u, standardize), σ))(u_10x784)
        return u_10x784, z_10x10

    return jax.jit(program)


def wanted_inputs(
    params: list, cfg: Config, start_784: np.ndarray, steps: int = WANTS_STEPS, lr: float = WANTS_LR
) -> tuple[np.ndarray, np.ndarray]:
    """What each output "wants": (u_10x784, z_10x10). Row c of u is the image, in pixel brightness 0 … 1, that
    ``steps`` steps of gradient ascent (optax.sgd at ``lr``) on log p(c) make of the uint8 image ``start_784``
    (a ``noise_images`` image, or a test digit), every pixel clipped back into 0 … 1 after each step, so that it
    stays an image of the kind the network was trained on (its input is ``data.scale_pixels`` of it: the pixels,
    or standardised where ``cfg.standardize``); row c of z is the network's outputs on it. One jitted program,
    the 10 outputs vmapped; the same start gives the same images, bit for bit. A network whose outputs are not
    finite (a diverged one's) has no gradient to follow: its rows of u and z are NaN, not images (``plot_wants``
    titles them "no answer").

    Why log p(c), the log of the probability the cost reads (softmax, or normalised σ for a σ-output cost): z_c
    alone can rise with every other output, so its image need not be read as c; p(c) itself saturates, its
    gradient p(1 − p) vanishing near 0 as near 1, so a start the network reads as another digit hardly moves;
    log p(c) = z_c − log Σ_j exp z_j asks for c *over the other digits*, as the answer reads them, and its
    gradient shrinks only as p(c) nears 1. Why plain gradient steps, not Adam: each step is then W₁ᵀ(…), a
    combination of the first layer's weight images, so a pixel the network barely reads barely moves;
    Adam gives every pixel a step of about ``lr``, whatever its gradient, which would paint noise of its own.
    Bad arguments raise as ``images.predict``'s do (``images.check_network_input``)."""
    import jax

    from nnjax.activations import get_activation
    from nnjax.data import prepare_images
    from nnjax.images import check_network_input

    start_1x784 = np.asarray(start_784)[None]
    cfg = check_network_input(params, cfg, start_1x784, "wanted_inputs", "start_784")
    program = _ascent_program(get_activation(cfg.activation), bool(cfg.standardize), cfg.cost, int(steps), float(lr))
    u_10x784, z_10x10 = jax.device_get(program(params, prepare_images(start_1x784, False)[0]))  # brightness 0 … 1
    return np.asarray(u_10x784), np.asarray(z_10x10)


class NoiseAnswers(NamedTuple):
    """What a network answers on images of noise: ``counts_10`` how many got each digit (of those with finite
    outputs), ``mean_top`` the mean probability of the answer over them (NaN if none), ``n`` the images."""

    counts_10: np.ndarray
    mean_top: float
    n: int


def noise_answers(digit_N: np.ndarray, p_Nx10: np.ndarray) -> NoiseAnswers:
    """What a network answered (``images.predict`` on ``noise_images``: digit_N, p_Nx10), summed up; an image
    whose probabilities are not finite (a diverged network's) is counted nowhere."""
    from nnjax.model import N_CLASSES

    finite_N = np.all(np.isfinite(p_Nx10), axis=1)
    counts_10 = np.bincount(np.asarray(digit_N)[finite_N], minlength=N_CLASSES)
    mean_top = float(p_Nx10[finite_N].max(axis=1).mean()) if finite_N.any() else float("nan")
    return NoiseAnswers(counts_10, mean_top, len(digit_N))


def noise_line(noise: NoiseAnswers, test_top_N: np.ndarray) -> str:
    """One line: how many of the noise images got each digit (most first), their mean top probability, and the
    mean top probability on the test images (``test_top_N``: each one's probability of its answer). Both means are
    over the images with finite outputs; those without (a diverged network's) are counted as ``no answer ×N``, on
    noise and on the test images alike."""
    counts_10 = noise.counts_10
    answered = [f"{d} ×{int(counts_10[d])}" for d in np.argsort(-counts_10, kind="stable") if counts_10[d]]
    if lost := noise.n - int(counts_10.sum()):
        answered.append(_no_answer(lost))
    finite_T = np.isfinite(test_top_N)
    noise_top = percent(noise.mean_top) if np.isfinite(noise.mean_top) else "none"
    test_top = percent(float(test_top_N[finite_T].mean())) if finite_T.any() else "none"
    if lost_test := int(np.sum(~finite_T)):
        test_top += f", {_no_answer(lost_test)}"
    return (
        f"{noise.n:,} uniform-noise images answered {', '.join(answered)}; mean top probability {noise_top} "
        f"({len(test_top_N):,} test images: {test_top})"
    )


def _no_answer(n: int) -> str:
    """How ``noise_line`` counts ``n`` images whose outputs are not finite."""
    return f"no answer ×{n} (outputs not finite)"


def default_digits(y_N: np.ndarray) -> list[int]:
    """The index of the first test image of each class present (one of each digit, in class order)."""
    from nnjax.model import N_CLASSES

    return [int(np.flatnonzero(y_N == c)[0]) for c in range(N_CLASSES) if np.any(y_N == c)]


# --------------------------------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------------------------------


def weights_scale(W_Nx784: np.ndarray) -> float:
    """The half-range of ``plot_weights``' colour scale for these neurons' weights when none is given: the
    99th percentile of |w| (1.0 where it is 0, so zero weights stay white)."""
    return float(np.percentile(np.abs(W_Nx784), 99)) or 1.0


def plot_weights(
    W_Nx784: np.ndarray,
    b_N: np.ndarray,
    path: Path,
    max_neurons: int = 64,
    subject: str = "",
    output_layer: bool = False,
    weights_range: float | None = None,
) -> Path:
    """The first ``max_neurons`` first-layer neurons' weights as 28×28 images on one symmetric colour scale
    (``output_layer``: the network has no hidden layer, so they are the 10 digits' output neurons).

    The scale is ±``weights_range`` if given (the colour bar's label says so: figures drawn with the same one
    compare shade for shade), else ±``weights_scale`` (99th percentile of |w|), so a few large weights do not
    wash out the rest.
    Size: 1.45 in per column (+1.1 in for the colour bar), at least 5.5 in for the title's two lines, × 1.55 in
    per row (+1 in for the title), at least 3.4 in for the colour bar's label.
    """
    n_total = W_Nx784.shape[0]
    n = min(n_total, max_neurons)
    # no hidden layer: the first layer is the output layer, one neuron per digit
    unit = "digit" if output_layer else "neuron"
    W_Nx784, b_N = np.asarray(W_Nx784[:n]), np.asarray(b_N[:n])
    rows, cols = _grid_shape(n)
    vmax = weights_scale(W_Nx784) if weights_range is None else float(weights_range)
    shown = f"all {n_total}" if n == n_total else f"the first {n} of {n_total}"
    title = (
        f"{'Output' if unit == 'digit' else 'First-layer'} weights{' of ' * bool(subject)}{subject}: "
        f"{shown} {unit}s (green +, pink −, white 0)"
    )
    width = max(1.45 * cols + 1.1, 5.5)
    lines = textwrap.wrap(title, int(width * 10), max_lines=2, placeholder=" …")  # ~10 characters per inch
    fig = _figure(figsize=(width, max(1.55 * rows + 1.0, 3.4)), dpi=DPI)
    top = 1 - 1.0 / fig.get_figheight()
    grid = fig.add_gridspec(rows, cols, left=0.02, right=1 - 1.1 / fig.get_figwidth(), top=top, bottom=0.02)
    grid.update(wspace=0.08, hspace=0.3)
    image = None
    for i in range(rows * cols):
        ax = fig.add_subplot(grid[i // cols, i % cols])
        _framed(ax, "0.75")
        if i >= n:
            ax.set_axis_off()
            continue
        image = ax.imshow(W_Nx784[i].reshape(28, 28), cmap=WEIGHTS_CMAP, vmin=-vmax, vmax=vmax)
        ax.set_title(f"{unit} {i}  b={b_N[i]:+.2f}", fontsize=8, pad=3)
    fig.suptitle(
        "\n".join(lines),
        fontsize=11,
        y=1 - 0.25 / fig.get_figheight(),
    )
    cax = fig.add_axes((1 - 0.75 / fig.get_figwidth(), 0.1, 0.18 / fig.get_figwidth(), top - 0.2))
    bar = fig.colorbar(image, cax=cax)
    clipped = "99th pct of |w|" if weights_range is None else f"±{vmax:.4g}, as given"
    bar.set_label(f"weight (clipped at {clipped})", fontsize=8)
    bar.ax.tick_params(labelsize=7)
    return _save(fig, path)


def heat_strip(a_H: np.ndarray) -> np.ndarray:
    """A wide layer's activations as rows × cols (cols ≤ ``STRIP_COLS``, neuron order row by row); the
    unused tail of the last row is NaN (drawn as background)."""
    rows = math.ceil(len(a_H) / STRIP_COLS)
    cols = math.ceil(len(a_H) / rows)
    padded = np.full(rows * cols, np.nan, dtype=np.float32)
    padded[: len(a_H)] = a_H
    return padded.reshape(rows, cols)


def _short(v: float, a: np.ndarray) -> str:
    """``v`` to 3 significant digits of the largest magnitude in ``a``: sigmoid's 4.4e-06 … 1 reads 0 … 1."""
    return "0" if abs(v) < 5e-4 * float(np.abs(a).max()) else f"{v:.3g}"


def neuron_ticks(h: int) -> list[int]:
    """The neurons numbered under a row of h circles: every one up to 20 neurons; beyond, every 4th and
    the last, none within 2 of the last (so that no two numbers run together)."""
    if h <= 20:
        return list(range(h))
    return [*range(0, h - 2, 4), h - 1]


def _layer_scale(a_DxH: np.ndarray, activation: str) -> tuple[str, float, float]:
    """(colour map, vmin, vmax) shared by every digit's row of one layer."""
    if activation == "sigmoid":
        return "gray", 0.0, 1.0
    lo, hi = float(a_DxH.min()), float(a_DxH.max())
    if lo < 0:  # tanh and friends: a diverging map centred at zero
        m = max(-lo, hi) or 1.0
        return "RdBu_r", -m, m
    return "gray", 0.0, hi or 1.0


def plot_activation_flow(
    params: list,
    cfg: Config,
    x_Dx784: np.ndarray,
    y_D: np.ndarray,
    indices: Sequence[int],
    path: Path,
    when: str = "",
) -> Path:
    """One row per test digit: the input image, every hidden layer's activations, the output probabilities
    (``when``, e.g. " at epoch 0", follows "Activation flow" in the title).

    Drawn like the video, light on dark: hidden layers up to ``CELLS_UP_TO`` wide are a row of neurons
    (circles, brighter = more active); wider ones a continuous heat strip. The output is a bar per
    digit, the prediction in green (right) or red (wrong), and its probability at the right. A hidden
    layer's title gives its activations' min … max over the digits shown ("observed"), not the colour
    scale's limits: sigmoid's scale is 0 … 1, one of negative values is symmetric about 0.
    Size: 1.3 + 1.0 + 3.2 per hidden layer + 2.6 + 0.9 in wide, 0.95 in per digit + 1.1 in tall.
    """
    import matplotlib.style

    from nnjax.costs import probabilities
    from nnjax.model import N_CLASSES

    acts = layer_activations(params, cfg, x_Dx784)
    hidden, z_Dx10 = acts[1:-1], acts[-1]
    p_Dx10 = probabilities(z_Dx10, cfg.cost)  # in float64: a doubt is not rounded away
    d = len(x_Dx784)
    widths = [1.0, *([3.2] * len(hidden)), 2.6, 0.9]
    fig_w, fig_h = 1.3 + sum(widths), 0.95 * d + 1.1
    ink, faint, green, red = "0.92", "0.45", "#4cc24c", "#ff5a4a"
    with matplotlib.style.context("dark_background"):
        fig = _figure(figsize=(fig_w, fig_h), dpi=DPI, facecolor="black")
        grid = fig.add_gridspec(
            d,
            len(widths),
            width_ratios=widths,
            left=1.25 / fig_w,
            right=1 - 0.05 / fig_w,
            top=1 - 0.8 / fig_h,
            bottom=0.3 / fig_h,
            wspace=0.12,
            hspace=0.3,
        )
        scales = [_layer_scale(a, cfg.activation) for a in hidden]
        for r in range(d):
            pred, label = int(np.argmax(z_Dx10[r])), int(y_D[r])  # the most active output, as eval counts
            verdict = green if pred == label else red
            ax = fig.add_subplot(grid[r, 0])
            ax.imshow(x_Dx784[r].reshape(28, 28), cmap="gray", vmin=0, vmax=255)
            _framed(ax, faint)
            ax.set_ylabel(f"test #{indices[r]}\nlabel {label}", rotation=0, ha="right", va="center", fontsize=9)
            if r == 0:
                ax.set_title("input\n784 pixels", fontsize=9)
            for j, (a_DxH, (cmap, lo, hi)) in enumerate(zip(hidden, scales)):
                ax = fig.add_subplot(grid[r, 1 + j])
                h = a_DxH.shape[1]
                if h <= CELLS_UP_TO:  # one circle per neuron, as the video draws them
                    width_pt = 72 * 3.2
                    size = min(0.8 * width_pt / h, 16.0) ** 2
                    ax.scatter(
                        np.arange(h),
                        np.zeros(h),
                        s=size,
                        c=a_DxH[r],
                        cmap=cmap,
                        vmin=lo,
                        vmax=hi,
                        edgecolors=ink,
                        linewidths=0.8,
                    )
                    ax.set_xlim(-0.8, h - 0.2)
                    ax.set_ylim(-1, 1)
                    ax.set_axis_off()
                    if r == d - 1:  # neuron numbers, as in the weights figure
                        for k in neuron_ticks(h):
                            ax.text(k, -1.15, str(k), ha="center", va="top", fontsize=6.5, color=faint)
                else:  # too many neurons for circles: a heat strip, wrapped onto rows of ≤ STRIP_COLS
                    ax.imshow(heat_strip(a_DxH[r]), cmap=cmap, vmin=lo, vmax=hi, aspect="auto", interpolation="nearest")
                    _framed(ax, faint)
                if r == 0:
                    n_rows, n_cols = heat_strip(a_DxH[r]).shape
                    strip = f"  ({n_rows} rows of {n_cols})" if h > CELLS_UP_TO and n_rows > 1 else ""
                    # the values' own range over the digits shown; the colour scale may be wider (sigmoid's 0 … 1)
                    values = f"observed {_short(a_DxH.min(), a_DxH)} … {_short(a_DxH.max(), a_DxH)}"
                    ax.set_title(f"hidden layer {j + 1}: {h} neurons{strip}\n{cfg.activation}, {values}", fontsize=9)
            ax = fig.add_subplot(grid[r, -2])
            colours = ["0.6"] * N_CLASSES
            colours[pred] = verdict
            ax.bar(np.arange(N_CLASSES), p_Dx10[r], color=colours, width=0.75)
            ax.set_ylim(0, 1.02)
            ax.set_xlim(-0.6, N_CLASSES - 0.4)
            ax.set_xticks(np.arange(N_CLASSES))
            ax.set_yticks([])
            ax.tick_params(labelsize=8, length=0, colors=ink)
            for side in ("top", "right", "left"):
                ax.spines[side].set_visible(False)
            ax.spines["bottom"].set_color(faint)
            if r == 0:
                ax.set_title("output: probability\nof each digit", fontsize=9)
            ax = fig.add_subplot(grid[r, -1])
            ax.set_axis_off()
            ax.text(0.5, 0.62, str(pred), ha="center", va="center", fontsize=20, fontweight="bold", color=verdict)
            ax.text(0.5, 0.12, percent(p_Dx10[r, pred]), ha="center", va="center", fontsize=8, color=ink)
            if r == 0:
                ax.set_title("reads", fontsize=9)
        fig.suptitle(f"Activation flow{when}: layer after layer  a' = σ(W a + b)", fontsize=12, y=1 - 0.18 / fig_h)
        return _save(fig, path)


def plot_neurons(
    x_Nx784: np.ndarray,
    top: Sequence[np.ndarray],
    path: Path,
    max_neurons: int = 64,
    subject: str = "",
    inert: Sequence[np.ndarray] | None = None,
) -> Path:
    """What each hidden neuron responds to: for the first ``max_neurons`` neurons of every hidden layer, the
    test digits that drive it hardest (``top``: ``top_inputs``), up to ``N_TOP`` per neuron in 2 rows × 3,
    strongest at the top left (a test split of fewer images leaves the rest black, and the title says how
    many); each layer starts a new row of at most 8 neurons. Neurons marked in ``inert`` (``inert_neurons``)
    are drawn faint, labelled inert, and counted in the title: their top digits mean nothing downstream. A
    layer wider than ``max_neurons`` has its drawn neurons' count and its whole layer's both said ("3 of the 64
    drawn in layer 1 (10 of all 128)").
    Size: 11.6 in wide, 1.25 in per row of neurons + 1 in for the title (1.2 in for three lines, 1.4 for four)."""
    cols = 8
    shown = [min(len(idx_HxT), max_neurons) for idx_HxT in top]
    n_top = min(N_TOP, top[0].shape[1]) if top else N_TOP  # fewer when the test split has fewer images
    layer_rows = [math.ceil(n / cols) for n in shown]
    fig = _figure(figsize=(1.45 * cols, 1.25 * sum(layer_rows) + 1.0), dpi=DPI)
    grid = fig.add_gridspec(sum(layer_rows), cols, left=0.01, right=0.99, top=1 - 0.9 / fig.get_figheight())
    grid.update(bottom=0.02, wspace=0.08, hspace=0.35)
    first_row = 0
    for j, (idx_HxT, n) in enumerate(zip(top, shown)):
        for k in range(n):
            tiles_Tx28x28 = np.zeros((N_TOP, 28, 28), np.uint8)  # a test split of fewer images: black tiles
            found = idx_HxT[k, :n_top] >= 0  # not a non-finite W a + b
            tiles_Tx28x28[:n_top][found] = np.asarray(x_Nx784)[idx_HxT[k, :n_top][found]].reshape(-1, 28, 28)
            ax = fig.add_subplot(grid[first_row + k // cols, k % cols])
            is_inert = inert is not None and bool(inert[j][k])
            ax.imshow(
                tiles_Tx28x28.reshape(2, 3, 28, 28).transpose(0, 2, 1, 3).reshape(56, 84),
                cmap="gray",
                vmin=0,
                vmax=255 * (4 if is_inert else 1),  # faint: a quarter of the brightness
            )
            _framed(ax, "0.75")
            note = ": W a + b not finite" * (not found.all()) or ": inert" * is_inert
            colour = "tab:red" if not found.all() else "0.5" if is_inert else "black"
            ax.set_title(f"layer {j + 1} neuron {k}{note}", fontsize=8, pad=3, color=colour)
        first_row += layer_rows[j]
    layers = _neurons_shown([len(t) for t in top], shown)
    title = (
        f"What each hidden neuron responds to{' in ' * bool(subject)}{subject}: the {n_top} test "
        f"digit{'s' * (n_top != 1)} with the largest W a + b, strongest first ({layers})"
    )
    if inert is not None and any(m.any() for m in inert):
        counts = ", ".join(
            f"{int(m.sum())} of {len(m)} in layer {j + 1}"
            if n == len(m)
            else f"{int(m[:n].sum())} of the {n} drawn in layer {j + 1} ({int(m.sum())} of all {len(m)})"
            for j, (m, n) in enumerate(zip(inert, shown))
            if m.any()
        )
        title += (
            f". Inert, drawn faint: {counts} — each moves the next layer's W a + b by at most "
            f"{INERT_SHARE:.0%} of its layer's most moving neuron"
        )
    lines = textwrap.wrap(title, 110, max_lines=4, placeholder=" …")
    if len(lines) > 2:  # room for a third and fourth line
        fig.set_figheight(fig.get_figheight() + 0.2 * (len(lines) - 2))
        grid.update(top=1 - (0.9 + 0.2 * (len(lines) - 2)) / fig.get_figheight())
    fig.suptitle("\n".join(lines), fontsize=11, y=1 - 0.2 / fig.get_figheight())
    return _save(fig, path)


def _layer_numbers(js: Sequence[int]) -> str:
    """Layer numbers (1-based, ascending) as words: 'layer 2', 'layers 1 and 2', 'layers 1–5', 'layers 1, 3 and 5'."""
    runs: list[list[int]] = []
    for j in js:
        if runs and j == runs[-1][-1] + 1:
            runs[-1].append(j)
        else:
            runs.append([j])
    items = [x for r in runs for x in ([f"{r[0]}–{r[-1]}"] if len(r) > 2 else map(str, r))]
    text = items[-1] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"
    return f"layer{'s' * (len(js) > 1)} {text}"


def _neurons_shown(sizes: Sequence[int], shown: Sequence[int]) -> str:
    """Which neurons of each hidden layer (``sizes``) a figure draws (the first ``shown``), layers drawn alike
    said once: 'all 16 of layers 1–5', 'the first 64 of layers 1 and 3, all 16 of layer 2'; 'every neuron'
    when the layers drawn whole have over two widths (the panels' titles count them). A title that named every
    layer was cut short at 5."""
    kinds: dict[tuple[bool, int], list[int]] = {}
    for j, (size, n) in enumerate(zip(sizes, shown)):
        kinds.setdefault((n == size, n), []).append(j + 1)
    uncapped_sizes = {n for (everyone, n) in kinds if everyone}
    parts = []
    for (everyone, n), js in kinds.items():
        if not everyone:
            parts.append(f"the first {n} of {_layer_numbers(js)}")
        elif len(uncapped_sizes) <= 2:
            parts.append(f"all {n} of {_layer_numbers(js)}")
    if len(uncapped_sizes) > 2:  # layers of many widths: their counts are in the panels' titles
        every = sorted(j for (everyone, _), js in kinds.items() if everyone for j in js)
        parts.append(f"every neuron of {_layer_numbers(every)}" if len(parts) else "every neuron")
    return ", ".join(parts)


def plot_confusion(y_N: np.ndarray, pred_N: np.ndarray, path: Path, when: str = "") -> Path:
    """Confusion matrix (counts) with per-class accuracy at the right; size 7.6 × 6.6 in (``when``, e.g.
    " at epoch 0", follows "Confusion matrix" in the title).

    Correct counts (the diagonal) are shaded green, mistakes red by their own scale so the rare
    confusions stay visible next to diagonals a hundred times larger.
    """
    from matplotlib.colors import to_rgba

    from nnjax.model import N_CLASSES

    counts = confusion_matrix(y_N, pred_N)
    row_total = counts.sum(axis=1)
    acc_C = per_class_accuracy(counts)
    off = counts * (1 - np.eye(N_CLASSES, dtype=np.int64))
    off_max = max(int(off.max()), 1)
    fig, ax = _subplots(figsize=(7.6, 6.6), dpi=DPI)
    fig.subplots_adjust(left=0.1, right=0.84, top=0.88, bottom=0.1)
    rgba = np.ones((N_CLASSES, N_CLASSES, 4))
    green, red = np.array(to_rgba("tab:green")), np.array(to_rgba("tab:red"))
    for t in range(N_CLASSES):
        for p in range(N_CLASSES):
            c = counts[t, p]
            if t == p:
                colour, strength = green, 0.25 + 0.5 * np.nan_to_num(acc_C[t])
            else:
                colour, strength = red, 0.75 * (c / off_max) ** 0.7 if c else 0.0
            rgba[t, p] = (1 - strength) * np.ones(4) + strength * colour
    ax.imshow(rgba, interpolation="nearest")
    for t in range(N_CLASSES):
        for p in range(N_CLASSES):
            if counts[t, p]:
                bold = t == p
                ax.text(
                    p,
                    t,
                    str(counts[t, p]),
                    ha="center",
                    va="center",
                    fontsize=8 if bold else 7.5,
                    fontweight="bold" if bold else "normal",
                )
        ax.text(N_CLASSES - 0.3, t, f"{100 * acc_C[t]:5.1f} %  of {row_total[t]}", ha="left", va="center", fontsize=8)
    ax.text(N_CLASSES - 0.3, -0.85, "per-class accuracy", ha="left", va="center", fontsize=8, fontweight="bold")
    ax.set_xticks(np.arange(N_CLASSES))
    ax.set_yticks(np.arange(N_CLASSES))
    ax.set_xlabel("predicted digit")
    ax.set_ylabel("true digit")
    ax.set_xticks(np.arange(-0.5, N_CLASSES, 1), minor=True)
    ax.set_yticks(np.arange(-0.5, N_CLASSES, 1), minor=True)
    ax.grid(which="minor", color="white", linewidth=1.5)
    ax.tick_params(which="minor", length=0)
    total = int(counts.sum())
    accuracy = np.trace(counts) / total if total else float("nan")
    title = f"Confusion matrix{when}: {100 * accuracy:.2f} % of {total:,} test images right"
    ax.set_title(title, fontsize=11, pad=22)
    return _save(fig, path)


def plot_mistakes(
    x_Nx784: np.ndarray, y_N: np.ndarray, pred_N: np.ndarray, p_Nx10: np.ndarray, path: Path, when: str = ""
) -> Path:
    """The ``N_MISTAKES`` most confident wrong answers ``pred_N`` on the test split, 4 rows × 8; size 12 × 7.4 in
    (``when``, e.g. " at epoch 0", follows "The most confident mistakes" in the title)."""
    idx = confident_mistakes(y_N, pred_N, p_Nx10)
    n_wrong = int(np.sum(pred_N != y_N))
    rows, cols = 4, 8
    fig, axes = _subplots(rows, cols, figsize=(12, 7.4), dpi=DPI)
    fig.subplots_adjust(left=0.01, right=0.99, top=0.86, bottom=0.01, wspace=0.1, hspace=0.6)
    for k, ax in enumerate(axes.ravel()):
        ax.set_xticks([])
        ax.set_yticks([])
        if k >= len(idx):
            ax.set_axis_off()
            continue
        i = idx[k]
        pred = int(pred_N[i])
        ax.imshow(x_Nx784[i].reshape(28, 28), cmap="gray", vmin=0, vmax=255)
        ax.set_title(f"#{i}\n{int(y_N[i])} → {pred} ({percent(p_Nx10[i, pred])})", fontsize=9, color="tab:red")
    if len(idx) == 0:
        fig.text(0.5, 0.45, "no mistakes on the test split", ha="center", fontsize=14)
    fig.suptitle(
        f"The most confident mistakes{when} ({len(idx)} of {n_wrong:,} wrong test images): true → predicted "
        "(probability)",
        fontsize=11,
    )
    return _save(fig, path)


def plot_wants(
    start_784: np.ndarray,
    start_p_10: np.ndarray,
    u_10x784: np.ndarray,
    p_10x10: np.ndarray,
    path: Path,
    subject: str = "",
    noise: str = "",
    steps: int = WANTS_STEPS,
) -> Path:
    """What each output wants (``wanted_inputs``): the uint8 start image and the 10 images made of it (brightness
    0 … 1), drawn as activations.png draws its inputs (grey, white = 1), each titled with the network's answer
    on it and that answer's probability (``p_10x10``, ``start_p_10``: probabilities as ``images.answers`` gives
    them); an image not read as the digit it was made for has its title in red. Below each, its change from the
    start (green brighter, pink darker), all 10 on one symmetric scale (``weights_scale`` of the changes).
    ``noise`` (``noise_line``) is the title's last line or two. Size: 12.4 × 3.4 in, + 0.2 in per title line past 2
    (of up to 4)."""
    from nnjax.model import N_CLASSES

    cols = N_CLASSES + 1
    fig = _figure(figsize=(12.4, 3.4), dpi=DPI)
    grid = fig.add_gridspec(2, cols, left=0.01, right=0.99, top=1 - 0.95 / 3.4, bottom=0.02, wspace=0.12, hspace=0.1)
    start_u_784 = np.asarray(start_784, np.float64) / 255.0
    change_10x784 = np.asarray(u_10x784, np.float64) - start_u_784
    finite = change_10x784[np.isfinite(change_10x784)]
    span = weights_scale(finite) if len(finite) else 1.0

    def said(p_10: np.ndarray) -> str:
        if not np.all(np.isfinite(p_10)):
            return "no answer"  # a diverged network's NaN outputs: argmax 0 would be no reading
        d = int(np.argmax(p_10))
        return f"reads {d} ({percent(p_10[d])})"

    ax = fig.add_subplot(grid[0, 0])
    ax.imshow(start_u_784.reshape(28, 28), cmap="gray", vmin=0, vmax=1)
    _framed(ax, "0.75")
    ax.set_title(f"start\n{said(start_p_10)}", fontsize=8, pad=3)
    ax = fig.add_subplot(grid[1, 0])
    ax.set_axis_off()
    ax.text(
        0.5,
        0.5,
        f"change from\nthe start:\ngreen brighter,\npink darker\n(±{span:.2g})",
        ha="center",
        va="center",
        fontsize=8,
    )
    for c in range(N_CLASSES):
        ax = fig.add_subplot(grid[0, 1 + c])
        ax.imshow(np.asarray(u_10x784[c]).reshape(28, 28), cmap="gray", vmin=0, vmax=1)
        _framed(ax, "0.75")
        hit = np.all(np.isfinite(p_10x10[c])) and int(np.argmax(p_10x10[c])) == c
        ax.set_title(f"wants {c}\n{said(p_10x10[c])}", fontsize=8, pad=3, color="black" if hit else "tab:red")
        ax = fig.add_subplot(grid[1, 1 + c])
        ax.imshow(change_10x784[c].reshape(28, 28), cmap=WEIGHTS_CMAP, vmin=-span, vmax=span)
        _framed(ax, "0.75")
    title = (
        f"What each output{' of ' * bool(subject)}{subject} wants: {steps} steps of gradient ascent on log p(digit) "
        "from the start, every pixel kept in 0 … 1"
    )
    lines = textwrap.wrap(title, 120, max_lines=2, placeholder=" …")
    lines += textwrap.wrap(noise, 120, max_lines=2, placeholder=" …")
    if len(lines) > 2:  # room for a third and fourth line
        fig.set_figheight(fig.get_figheight() + 0.2 * (len(lines) - 2))
        grid.update(top=1 - (0.95 + 0.2 * (len(lines) - 2)) / fig.get_figheight())
    fig.suptitle("\n".join(lines), fontsize=10, y=1 - 0.15 / fig.get_figheight(), va="top")
    return _save(fig, path)


def _series(lines: list[dict[str, Any]], column: str) -> tuple[list[int], list[float]]:
    points = [(m["epoch"], m[column]) for m in lines if m.get(column) is not None and m.get("finite", True)]
    return [e for e, _ in points], [v for _, v in points]


def _eval_split(lines: list[dict[str, Any]]) -> str:
    return "val" if any("val_accuracy" in m for m in lines) else "test"


def _curve_axes(title: str):
    fig, (ax_loss, ax_acc) = _subplots(1, 2, figsize=(11, 4.4), dpi=DPI)
    fig.subplots_adjust(left=0.07, right=0.95, top=0.85, bottom=0.13, wspace=0.25)
    fig.suptitle(title, fontsize=11)
    ax_loss.set_ylabel("loss (mean cost per image)")
    ax_acc.set_ylabel("accuracy (%)")
    for ax in (ax_loss, ax_acc):
        _epoch_axis(ax)
    return fig, ax_loss, ax_acc


def _epoch_axis(ax) -> None:
    """x axis labelled "epoch", with whole-epoch ticks only (a single one for a 1-epoch run)."""
    from matplotlib.ticker import MaxNLocator

    ax.set_xlabel("epoch")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))
    ax.grid(alpha=0.3)


def _target_line(ax, target: float) -> None:
    """An accuracy to reach (--target, a fraction) on a panel of accuracies in %: a thin dashed grey line across
    it, labelled "target 96 %" on the line itself, at its left."""
    from nnjax.target import target_percent

    ax.axhline(100 * target, color="0.3", ls="--", lw=0.8)
    ax.annotate(f"target {target_percent(target)}", (0.01, 100 * target), xycoords=("axes fraction", "data"),
                xytext=(0, 2), textcoords="offset points", fontsize=8, color="0.3", va="bottom")  # fmt: skip


def plot_learning_curves(
    lines: list[dict[str, Any]],
    path: Path,
    title: str = "",
    shown_epoch: int | None = None,
    target: float | None = None,
) -> Path:
    """Train and test (or validation) loss and accuracy per epoch of one run; size 11 × 4.4 in. The train
    curves' legend says what they are: the mean over each epoch's mini-batches as the parameters moved (they lag
    the epoch-end parameters the test curves measure). ``shown_epoch``: the epoch the other figures show,
    marked by a dotted line on both panels. ``target``: the run's accuracy to reach (--target), on the accuracy
    panel as a sweep's accuracy.png draws it (a thin dashed line labelled "target 96 %")."""
    split = _eval_split(lines)
    fig, ax_loss, ax_acc = _curve_axes(title or "Learning curves")
    for part, colour in (("train", "tab:blue"), (split, "tab:orange")):
        label = METRIC_COLUMNS[part]
        of = "mean over the epoch's batches, " if part == "train" else ""
        e, loss = _series(lines, f"{part}_loss")
        final = f" ({of}last {loss[-1]:.4f})" if loss else ""
        ax_loss.plot(e, loss, color=colour, marker=".", label=label + final)
        e, acc = _series(lines, f"{part}_accuracy")
        final = f" ({of}last {100 * acc[-1]:.2f} %)" if acc else ""
        ax_acc.plot(e, [100 * a for a in acc], color=colour, marker=".", label=label + final)
        if acc and part == split:
            best = int(np.argmax(acc))
            best_label = f"best {label}: {100 * acc[best]:.2f} % (epoch {e[best]})"
            ax_acc.plot(e[best], 100 * acc[best], "o", mfc="none", color=colour, ms=10, label=best_label)
    for ax in (ax_loss, ax_acc):
        if shown_epoch is not None:
            ax.axvline(shown_epoch, color="0.35", ls=":", lw=1.5, label=f"epoch {shown_epoch}: the other figures")
        ax.legend(fontsize=9)
    if target is not None:
        _target_line(ax_acc, target)
    return _save(fig, path)


def _mean_marker(n_epochs: int) -> str | None:
    """The marker of a mean curve over ``n_epochs`` epochs: a large dot for a single epoch (which has no
    line to show it), a dot per epoch up to ``MARKED_EPOCHS``, none on a longer (dense) curve."""
    return "o" if n_epochs == 1 else "." if n_epochs <= MARKED_EPOCHS else None


def _min_max_band(ax, e_E: np.ndarray, lo_E: np.ndarray, hi_E: np.ndarray, colour: str) -> None:
    """The min–max band of a group's curve; for a single epoch, where a band has no width, a capped bar."""
    if len(e_E) == 1:
        ax.errorbar(e_E, (lo_E + hi_E) / 2, yerr=(hi_E - lo_E) / 2, fmt="none", ecolor=colour, alpha=0.5, capsize=5)
    else:
        ax.fill_between(e_E, lo_E, hi_E, color=colour, alpha=0.2, linewidth=0)


def group_curves(
    lines: list[dict[str, Any]], varied: Sequence[str], column: str
) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]]:
    """Per group of sweep members (same values of the ``varied`` fields): (epochs_E, mean_E, min_E,
    max_E, n members) of one metrics column. Non-finite epochs of a diverged member are left out."""
    groups: dict[str, dict[int, list[dict[str, Any]]]] = {}
    for m in lines:
        groups.setdefault(group_label(m, varied), {}).setdefault(m["member"], []).append(m)
    out = {}
    for label, members in groups.items():
        per_member = [c for c in (dict(zip(*_series(ms, column))) for ms in members.values()) if c]
        if not per_member:
            continue
        epochs_E = np.array(sorted(set().union(*per_member)))
        v_MxE = np.array([[c.get(e, np.nan) for e in epochs_E] for c in per_member], dtype=float)
        lo_E, hi_E = np.nanmin(v_MxE, 0), np.nanmax(v_MxE, 0)
        # equal members' mean can round one step outside their range (five at 0.926: 1e-16 below the min)
        mean_E = np.clip(np.nanmean(v_MxE, 0), lo_E, hi_E)
        out[label] = (epochs_E, mean_E, lo_E, hi_E, len(per_member))
    return out


def group_label(line: dict[str, Any], varied: Sequence[str]) -> str:
    """``activation=relu, lr=0.1``: the group of a sweep's metrics line (its values of the ``varied``
    fields), as the curves' legends name it; "all members" when nothing is varied."""
    return ", ".join(f"{f}={format_value(line.get(f))}" for f in varied) or "all members"  # as the table shows


def diverged_note(lines: list[dict[str, Any]], varied: Sequence[str], diverged: Collection[int]) -> str:
    """What a sweep figure that leaves out the ``diverged`` members says about them ("" for none):
    ``2 diverged members left out; no curve for lr=1000.0 (all its members diverged)``, naming every group
    (of ``lines``, by ``varied``) that has no member left."""
    if not diverged:
        return ""
    note = f"{plural(len(diverged), 'diverged member')} left out"
    members: dict[str, set[int]] = {}
    for m in lines:
        members.setdefault(group_label(m, varied), set()).add(m["member"])
    gone = [label for label, ids in members.items() if ids <= set(diverged)]
    if gone and not varied:
        return f"{note}: every member diverged"
    if gone:
        whose = "its" if len(gone) == 1 else "their"
        note += f"; no curve for {' and '.join(gone)} (all {whose} members diverged)"
    return note


def _sweep_curve(ax, curve: tuple, train: tuple | None, label: str, colour: Any, scale: float) -> bool:
    """One setting's curves on ``ax`` (``group_curves``' tuples, times ``scale``): its eval mean, labelled, with
    its min–max band, and its ``train`` mean dashed (a cross for a single epoch); whether either is a single
    epoch (drawn as marks, which the legend must tell apart)."""
    e, mean, lo, hi, n = curve
    ax.plot(e, scale * mean, "-", marker=_mean_marker(len(e)), color=colour, label=f"{label} (n={n})")
    _min_max_band(ax, e, scale * lo, scale * hi, colour)
    single = len(e) == 1
    if train is not None:
        one = len(train[0]) == 1  # a single epoch: a cross, or nothing would show
        single |= one
        ax.plot(
            train[0], scale * train[1], "--", marker=TRAIN_MARKER if one else None, color=colour, linewidth=1, alpha=0.8
        )
    return single


def _style_keys(name: str, single: bool) -> tuple[list, list[str]]:
    """(handles, labels) of what a sweep's learning curves' line styles mean: the ``name`` split's mean with its
    band, and the train mean (dashed); with their marks where some curve is a ``single`` epoch."""
    from matplotlib.lines import Line2D

    styles = [
        Line2D([], [], linestyle="-", marker=_mean_marker(1) if single else None, color="0.3"),
        Line2D([], [], linestyle="--", marker=TRAIN_MARKER if single else None, color="0.3"),
    ]
    return styles, [f"{name} (band: min–max)", TRAIN_SWEEP_LABEL]


def plot_sweep_curves(
    lines: list[dict[str, Any]],
    varied: Sequence[str],
    path: Path,
    title: str = "",
    target: float | None = None,
    every: list[dict[str, Any]] | None = None,
) -> Path:
    """Sweep learning curves, one colour per setting (members with the same values of ``varied``): the eval loss and
    accuracy as the mean over the setting's members with a min–max band, the train ones as a dashed mean over the
    members of each one's train figure, itself a mean over the epoch's batches (the legend says so:
    ``TRAIN_SWEEP_LABEL``). A single epoch is a dot with a capped min–max bar, its train mean a cross. The legend
    (line styles, then settings) is below both panels, never over a curve. Size 11 × 4.4 in, taller for its legend.
    As accuracy.png: more than ``PANELS_OVER`` settings over several fields are one small panel per value of one
    field for the loss and as many for the accuracy (``_curve_panels``); of one field whose values have an order
    (``ordered_colours``), coloured in that order with a colour bar of the values in place of their legend; of two
    fields of a few values each, a hue per value of one and a shade per value of the other (``shaded_colours``),
    the settings' legend laid out as the grid under the line styles', each setting's place in that grid taken from
    ``every`` member's lines (default ``lines``; ``render_sweep``: the diverged members' too, so that a value whose
    settings all diverged keeps its hue or shade, as on accuracy.png). A ``target`` accuracy (--target) is a thin
    dashed grey line across each accuracy panel, labelled "target 96 %", as accuracy.png draws it."""
    split = _eval_split(lines)
    name = METRIC_COLUMNS[split]
    title = title or f"Sweep: loss and accuracy per epoch ({name}: mean, min–max)"
    # per metric, the train and the eval split's curves
    sweep = {
        m: (group_curves(lines, varied, f"train_{m}"), group_curves(lines, varied, f"{split}_{m}")) for m in METRICS
    }
    costs = len({m["cost"] for m in lines if "cost" in m}) > 1  # a grid over cost: losses in different units
    drawn = {**sweep["loss"][1], **sweep["accuracy"][1]}  # every setting with a curve (the accuracy's where both)
    if len(drawn) > PANELS_OVER and len(varied) > 1:
        return _save(_curve_panels(lines, varied, sweep, drawn, name, title, costs, target), path)
    fig, ax_loss, ax_acc = _curve_axes(title)
    if costs:
        ax_loss.set_yscale("log")  # else a cross-entropy of ~2 flattens every quadratic curve (≤ 0.5) to its floor
        ax_loss.set_ylabel(LOG_LOSS_LABEL)
    ordered = ordered_colours(lines, varied, drawn)
    shaded = shaded_colours(lines if every is None else every, varied)  # as accuracy.png's
    single = False  # some curve is a single epoch: drawn as marks, which the legend must tell apart
    for ax, metric, scale in ((ax_loss, "loss", 1.0), (ax_acc, "accuracy", 100.0)):
        train, curves = sweep[metric]
        colours = curve_colours(curves, ordered, shaded)
        for (label, curve), colour in zip(curves.items(), colours):
            single |= _sweep_curve(ax, curve, train.get(label), label, colour, scale)
    handles, labels = ax_acc.get_legend_handles_labels()
    if handles:  # first what the line styles mean, then the settings: all below the panels, over no curve
        styles, said = _style_keys(name, single)
        height = fig.get_figheight()
        if shaded is not None:  # the settings as the grid lays them out, and above them the line styles
            below = _grid_legend_below(fig, shaded, handles, labels)
            band = below + 0.2 + LEGEND_ROW_IN
        elif ordered is None:
            band = _legend_below(fig, styles + handles, [*said, *labels])
        else:  # the line styles, and above them the settings' colour bar
            below = _legend_below(fig, styles, said)
            band = below + COLORBAR_BAND_IN
        fig.set_figheight(height + band)
        inches = fig.get_figheight()  # the axes keep their own height, above the legend
        fig.subplots_adjust(top=1 - 0.15 * height / inches, bottom=(band + 0.13 * height) / inches)
        if ordered is not None:
            _colorbar_below(fig, varied[0], ordered, drawn, below)
        if shaded is not None:  # placed once the figure has its height, as the colour bar
            anchor = (0.5, (below + 0.02 * inches) / inches)
            fig.legend(styles, said, loc="lower center", bbox_to_anchor=anchor, fontsize=8, ncol=2, frameon=False)
    if target is not None:
        _target_line(ax_acc, target)
    return _save(fig, path)


def _curve_panels(
    lines: list[dict[str, Any]],
    varied: Sequence[str],
    sweep: dict[str, tuple[dict, dict]],
    drawn: dict[str, tuple],
    name: str,
    title: str,
    log_loss: bool,
    target: float | None = None,
):
    """The figure of a sweep's learning curves (``sweep``: per metric, the train and eval ``group_curves``;
    ``drawn``: every setting's eval curve, the accuracy's where it has both) of many settings over several
    fields: left, one small loss panel per value of one field (``_panel_plan``, as accuracy.png's), right, as
    many accuracy panels, each on shared axes; each setting coloured by its other fields' values, the same colour
    in every panel, with a legend of the line styles and those colours below (``_panel_legend``); a ``target``
    accuracy on each accuracy panel. ``CURVE_PANEL_IN`` wide per panel, at least 11 in; tall enough for its rows."""
    values = _setting_values(lines, varied)
    i, panels, rests, colours = _panel_plan(drawn, values)
    rows, cols = _grid_shape(len(panels))
    height = max(4.4, 1.4 + 2.2 * rows)
    fig = _figure(figsize=(max(11.0, 2 * cols * CURVE_PANEL_IN + 1.0), height), dpi=DPI)
    fig.suptitle(title, fontsize=11)
    outer = fig.add_gridspec(1, 2)
    titles = [f"{varied[i]}={p}" for p in panels]
    single = False
    loss_label = LOG_LOSS_LABEL if log_loss else "loss (mean cost per image)"
    halves = ((outer[0], "loss", 1.0, loss_label), (outer[1], "accuracy", 100.0, "accuracy (%)"))
    for spec, metric, scale, ylabel in halves:
        axes = _panel_axes(fig, spec, titles, ylabel)
        if log_loss and metric == "loss":
            axes[0].set_yscale("log")  # shared by every loss panel
        train, curves = sweep[metric]
        for label, curve in curves.items():
            v = values[label]
            single |= _sweep_curve(
                axes[panels.index(v[i])], curve, train.get(label), label, colours[_rest(v, i)], scale
            )
        if target is not None and metric == "accuracy":
            for ax in axes:
                _target_line(ax, target)
    counts = {rest: set() for rest in rests}  # each colour's settings' numbers of members
    for label, curve in drawn.items():
        counts[_rest(values[label], i)].add(curve[4])
    marker = _mean_marker(max(len(curve[0]) for curve in drawn.values()))
    others = [f for j, f in enumerate(varied) if j != i]
    band = _panel_legend(fig, rests, colours, counts, others, marker, _style_keys(name, single))
    fig.set_figheight(height + band)
    fig.tight_layout(rect=(0, band / fig.get_figheight(), 1, 1))
    return fig


def curve_colours(curves: Collection[str], ordered: dict[str, Any] | None, shaded: ShadedGrid | None) -> list:
    """The colour of each of a sweep figure's settings (``curves``, by ``group_label``, in that order): of two
    fields, their hues and shades (``shaded_colours``); else of one ordered field, its values' order
    (``ordered_colours``); else the palette's (``setting_colours``)."""
    each = ordered if shaded is None else shaded.colours
    return setting_colours(len(curves)) if each is None else [each[label] for label in curves]


def ordered_colours(
    lines: list[dict[str, Any]], varied: Sequence[str], drawn: Collection[str]
) -> dict[str, Any] | None:
    """For more than ``PANELS_OVER`` settings of one field whose values have an order (numbers, or hidden layers
    of one depth, as the metrics ``lines`` hold them): each drawn setting's colour (by ``group_label``, in that
    order) along a sequential colour map, ``SEQUENTIAL_CMAP`` from its dark end; else None (a legend names each
    setting's colour)."""
    if len(varied) != 1 or len(drawn) <= PANELS_OVER:
        return None
    raw = {group_label(m, varied): m.get(varied[0]) for m in lines}
    keys = {label: _order_key(raw[label]) for label in drawn}
    if None in keys.values() or len({len(k) for k in keys.values()}) > 1:  # e.g. 16x16 beside 32
        return None
    import matplotlib

    cmap = matplotlib.colormaps[SEQUENTIAL_CMAP]
    ranked = sorted(drawn, key=keys.__getitem__)
    return {label: cmap(SEQUENTIAL_END * r / (len(ranked) - 1)) for r, label in enumerate(ranked)}


def _order_key(v: Any) -> tuple | None:
    """A grid value as a tuple that sorts it among its field's (a number, or hidden layers' widths); None for one
    with no such order (an activation's name)."""
    if isinstance(v, list | tuple) and v and all(isinstance(w, int) and not isinstance(w, bool) for w in v):
        return tuple(v)
    if isinstance(v, int | float) and not isinstance(v, bool):
        return (v,)
    return None


def hue_field(varied: Sequence[str]) -> int:
    """Which of two varied fields takes the hue in a figure of their settings (``shaded_colours``), the other
    taking the shade: the one that changes the compiled program (``config.PROGRAM_FIELDS``: what the network or
    its recipe is, e.g. the activation) when only one does, the other being a knob of it (lr, weight decay) whose
    values have an order, as shades do; else the first."""
    from nnjax.config import PROGRAM_FIELDS

    program = [f in PROGRAM_FIELDS for f in varied]
    return program.index(True) if program.count(True) == 1 else 0


class ShadedGrid(NamedTuple):
    """The colours of a two-field figure (``shaded_colours``): each setting's, by ``group_label``; and the
    settings as the grid lays them out, one row per value of the hue field (in grid order), one label per value of
    the shade field, dark to light (None where no setting has both values)."""

    colours: dict[str, Any]
    rows: list[list[str | None]]


def shaded_colours(lines: list[dict[str, Any]], varied: Sequence[str]) -> ShadedGrid | None:
    """For the settings (of the metrics ``lines``) of two varied fields, at most ``PANELS_OVER``, each field of 2
    to ``SHADES_UP_TO`` values: one of matplotlib's 10 hues per value of one field (``hue_field``), in grid order,
    and a shade of it per value of the other, dark to light in their order (numbers: smallest dark; else the
    grid's); else None (each setting its own colour), as where each value of the hue field has one setting only
    (a linked item's pairs, ``activation,lr=sigmoid:0.03,relu:0.01``: no two settings share a hue)."""
    if len(varied) != 2:
        return None
    import matplotlib

    raw = {group_label(m, varied): (m.get(varied[0]), m.get(varied[1])) for m in lines}
    i = hue_field(varied)
    hues = list(dict.fromkeys(format_value(v[i]) for v in raw.values()))
    shades = {format_value(v[1 - i]): _order_key(v[1 - i]) for v in raw.values()}  # in grid order
    if not (1 < len(hues) <= SHADES_UP_TO and 1 < len(shades) <= SHADES_UP_TO and len(raw) <= PANELS_OVER):
        return None
    if len(raw) == len(hues):  # one setting per hue (a linked item's pairs): no two settings a shade would tell apart
        return None
    if None not in shades.values() and len({len(k) for k in shades.values()}) == 1:  # e.g. not 16x16 beside 32
        shades = dict(sorted(shades.items(), key=lambda item: item[1]))
    base = matplotlib.colormaps["tab10"].colors
    mix = np.linspace(*SHADE_SPAN, len(shades))
    rows: list[list[str | None]] = [[None] * len(shades) for _ in hues]
    colours = {}
    for label, v in raw.items():
        h, s = hues.index(format_value(v[i])), list(shades).index(format_value(v[1 - i]))
        rows[h][s] = label
        c, t = np.array(base[h]), mix[s]
        colours[label] = tuple(c * (1 + t) if t < 0 else c + (1 - c) * t)
    return ShadedGrid(colours, rows)


def _grid_legend_below(fig, shaded: ShadedGrid, handles: list, labels: list[str]) -> float:
    """The legend of a two-field figure's settings (``handles`` and ``labels`` of its curves, labelled
    ``group_label (n=…)``) at the bottom of ``fig``, laid out as the grid (``shaded.rows``): one column per value of
    the hue field, each dark to light down it, where the width holds them, else one row per value (a blank where the
    grid has no setting); returns the height (inches) it takes (``_legend_below``)."""
    from matplotlib.lines import Line2D

    entry = {label.rsplit(" (n=", 1)[0]: (handle, label) for handle, label in zip(handles, labels)}
    blank = (Line2D([], [], linestyle="none"), "")
    cells = [[entry.get(label, blank) if label else blank for label in row] for row in shaded.rows]
    n_hues, n_shades, fit = len(cells), len(cells[0]), _legend_columns(fig, labels)
    if n_hues <= fit:  # a column per hue: matplotlib fills each column in turn
        ordered, ncol = [cell for row in cells for cell in row], n_hues
    elif n_shades <= fit:
        ordered, ncol = [cell for column in zip(*cells) for cell in column], n_shades
    else:  # labels too long for either: each hue's settings together, as many columns as fit
        ordered, ncol = [cell for row in cells for cell in row if cell is not blank], None
    return _legend_below(fig, [h for h, _ in ordered], [t for _, t in ordered], ncol)


def _colorbar_below(fig, field: str, colours: dict[str, Any], curves: dict[str, tuple], lift: float) -> None:
    """A horizontal colour bar of ``field``'s values (``colours``: each setting's, by ``group_label``, in order)
    across the bottom of ``fig``, ``lift`` inches above its lower edge (``COLORBAR_BAND_IN`` tall with its
    labels), each value in its band, labelled as many as fit (the first, every k-th, the last); its label says
    each setting's number of members (``curves``: their ``group_curves``)."""
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import BoundaryNorm, ListedColormap

    texts = [label.split("=", 1)[1] for label in colours]
    n, (w, h) = len(texts), fig.get_size_inches()
    span = w - 2 * COLORBAR_MARGIN_IN
    cax = fig.add_axes((COLORBAR_MARGIN_IN / w, (lift + COLORBAR_BAND_IN - 0.3) / h, span / w, 0.14 / h))
    bands = ScalarMappable(BoundaryNorm(np.arange(n + 1) - 0.5, n), ListedColormap(list(colours.values())))
    bar = fig.colorbar(bands, cax=cax, orientation="horizontal")
    step = math.ceil((LEGEND_CHAR_IN * max(map(len, texts)) + 0.15) / (span / n))  # values per label
    ticks = [*range(0, n - step, step), n - 1]
    bar.set_ticks(ticks, labels=[texts[t] for t in ticks])
    bar.ax.set_xticks(range(n), minor=True)
    bar.ax.tick_params(labelsize=8)
    ns = sorted({curves[label][4] for label in colours if label in curves})
    each = f"{ns[0]}" if len(ns) == 1 else f"{ns[0]}–{ns[-1]}"
    bar.set_label(f"{field} (n={each} per value)", fontsize=9, labelpad=2)


def _setting_values(lines: list[dict[str, Any]], varied: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """Each setting's values of the ``varied`` fields as text, by its ``group_label``."""
    return {group_label(m, varied): tuple(format_value(m.get(f)) for f in varied) for m in lines}


def panel_field(values: Collection[tuple[str, ...]]) -> int:
    """Which field (an index into each setting's ``values``) gets one panel per value in a sweep's accuracy.png
    of many settings: the one of the fewest panels whose settings the other fields tell apart in at most 10
    colours (matplotlib's 10 distinct ones), else the one that leaves the fewest colours."""

    def cost(i: int) -> tuple[bool, bool, int]:
        panels = len({v[i] for v in values})
        colours = len({v[:i] + v[i + 1 :] for v in values})
        return panels < 2, colours > 10, panels if colours <= 10 else colours

    return min(range(len(next(iter(values)))), key=cost)


def _rest(v: tuple[str, ...], i: int) -> tuple[str, ...]:
    """A setting's values (``_setting_values``) without field ``i``'s: what its colour stands for in a panel of
    that field's value."""
    return v[:i] + v[i + 1 :]


def _panel_plan(
    drawn: Collection[str], values: dict[str, tuple[str, ...]]
) -> tuple[int, list[str], list[tuple[str, ...]], dict[tuple[str, ...], Any]]:
    """How a figure of many settings (``values``: every setting's, in grid order; ``drawn``: the labels of those
    with a curve) is split into panels: (the panels' field, an index into each setting's values
    (``panel_field``); its values with a curve, one panel each; the other fields' values, in grid order; one
    colour for each of those, the same in every panel)."""
    i = panel_field([values[label] for label in drawn])
    panels = [p for p in dict.fromkeys(v[i] for v in values.values()) if any(values[c][i] == p for c in drawn)]
    # in grid order (of every setting's values: a diverged one's too), as the panels
    fields = range(len(values[next(iter(drawn))]))
    orders = [list(dict.fromkeys(v[j] for v in values.values())) for j in fields if j != i]
    rests = sorted(
        {_rest(values[label], i) for label in drawn},
        key=lambda rest: [order.index(v) for order, v in zip(orders, rest)],
    )
    return i, panels, rests, dict(zip(rests, setting_colours(len(rests))))


def _panel_axes(fig, spec, titles: Sequence[str], ylabel: str) -> list:
    """One small panel per title, in a near-square grid (``_grid_shape``) inside ``spec`` (a cell of the
    figure's grid), on shared axes: the epochs labelled on each column's last panel, ``ylabel`` on each row's
    first."""
    rows, cols = _grid_shape(len(titles))
    grid = spec.subgridspec(rows, cols)
    axes: list = []
    for k, title in enumerate(titles):
        ax = fig.add_subplot(
            grid[k // cols, k % cols], sharex=axes[0] if axes else None, sharey=axes[0] if axes else None
        )
        ax.set_title(title, fontsize=9)
        _epoch_axis(ax)
        ax.tick_params(labelsize=8, labelbottom=k + cols >= len(titles), labelleft=k % cols == 0)
        ax.set_xlabel("epoch" if k + cols >= len(titles) else "", fontsize=9)
        ax.set_ylabel(ylabel if k % cols == 0 else "", fontsize=9)
        axes.append(ax)
    return axes


def _panel_legend(
    fig,
    rests: list[tuple[str, ...]],
    colours: dict[tuple[str, ...], Any],
    counts: dict[tuple[str, ...], set[int]],
    others: Sequence[str],
    marker: str | None,
    styles: tuple[list, list[str]] = ([], []),
) -> float:
    """The legend below a figure of panels (``_legend_below``; returns its height in inches): ``styles``' entries
    (handles, labels), then each colour's values of the ``others`` fields and its settings' numbers of members
    (``counts``)."""
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], color=colours[rest], marker=marker) for rest in rests]
    labels = []
    for rest in rests:
        ns = sorted(counts[rest])
        n = f"{ns[0]}" if len(ns) == 1 else f"{ns[0]}–{ns[-1]}"
        labels.append(", ".join(f"{f}={v}" for f, v in zip(others, rest)) + f" (n={n})")
    return _legend_below(fig, [*styles[0], *handles], [*styles[1], *labels])


def _accuracy_panels(
    curves: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]],
    values: dict[str, tuple[str, ...]],
    varied: Sequence[str],
    split: str,
    width: float,
):
    """The left of a many-setting accuracy.png (``values``: every setting's, in grid order; ``curves``: those
    drawn): one small panel per value of one field (``_panel_plan``), on shared axes, its settings coloured by
    their other fields' values (the same colour in every panel) with a legend of those below; the figure tall
    enough for each setting's row in the last-epoch panel. Returns
    (figure, last-epoch axes, each setting's (last mean, min, max, label, colour), legend height in inches, the
    panels' field)."""
    i, panels, rests, colours = _panel_plan(curves, values)
    rows, _ = _grid_shape(len(panels))
    height = max(5.0, 1.0 + 2.0 * rows, 1.6 + PANEL_ROW_IN * len(curves))
    fig = _figure(figsize=(width, height), dpi=120)
    outer = fig.add_gridspec(1, 2, width_ratios=[2.3, 1])
    axes = _panel_axes(fig, outer[0], [f"{varied[i]}={p}" for p in panels], f"{split} accuracy (%)")
    ends, counts = [], {rest: set() for rest in rests}  # each colour's settings' numbers of members
    for label, (e, mean, lo, hi, n) in curves.items():
        v = values[label]
        colour = colours[_rest(v, i)]
        ax = axes[panels.index(v[i])]
        ax.plot(e, 100 * mean, marker=_mean_marker(len(e)), color=colour, label=f"{label} (n={n})")
        _min_max_band(ax, e, 100 * lo, 100 * hi, colour)
        ends.append((100 * mean[-1], 100 * lo[-1], 100 * hi[-1], label, colour))
        counts[_rest(v, i)].add(n)
    marker = _mean_marker(max(len(e) for e, *_ in curves.values()))
    band = _panel_legend(fig, rests, colours, counts, [f for j, f in enumerate(varied) if j != i], marker)
    fig.set_figheight(height + band)
    ax_end = fig.add_subplot(outer[1])
    return fig, ax_end, ends, band, varied[i]


def plot_sweep_accuracy(
    lines: list[dict[str, Any]],
    varied: Sequence[str],
    path: Path,
    split: str,
    diverged: Collection[int] = (),
    target: float | None = None,
    over: str = "seeds",
) -> Path:
    """A sweep's ``split`` accuracy, one colour per setting (members with the same values of ``varied``):
    left, per epoch, the mean over its members (seeds) with a min–max band (a single epoch: a dot with a
    capped min–max bar), the legend below both panels (never over a curve); right, each setting's last epoch
    (mean and min–max), best at the top, on its own scale so that close settings can be told apart (one far
    below the rest, under Q1 − 3 IQR of the means and more than the others' whole range below them, is an
    arrow at the left edge with its value). The members in ``diverged`` are left out, and the figure's title
    says how many and which settings lost every member (``diverged_note``). A ``target`` accuracy (--target) is a
    thin dashed line across each per-epoch panel, labelled "target 96 %". Size 12 × 5 in (the sweep
    folder's accuracy.png), wider for long setting names and taller for a legend of more than two rows. More
    than ``PANELS_OVER`` settings over several fields: the left is one small panel per value of one field
    (``panel_field``), each setting coloured by its other fields' values, alike in every panel, and the
    figure is taller for its panels and a last-epoch row per setting (``_accuracy_panels``); of one field whose
    values have an order (``ordered_colours``), coloured in that order with a colour bar of the values below in
    place of their legend, and as tall as a last-epoch row per setting needs; of two fields of a few values each,
    a hue per value of one and a shade per value of the other (``shaded_colours``), the legend laid out as the
    grid (``_grid_legend_below``). ``over`` names
    what a setting's members differ in, for the titles (``members (seed, data_seed)`` with --replicates)."""
    from matplotlib.ticker import MaxNLocator

    kept = [m for m in lines if m["member"] not in diverged]
    curves = group_curves(kept, varied, f"{split}_accuracy")
    ordered = None  # the settings' colours, in their values' order (else their legend's)
    shorts = {label: label.split("=", 1)[1] if len(varied) == 1 else label for label in curves}
    longest = max((len(t) for t in shorts.values()), default=0)  # the right panel's tick labels
    width = 12 + max(0.0, LEGEND_CHAR_IN * longest - 1.5)
    # several members per setting (seeds), or none drawn at all; else one member each
    seeds = any(n > 1 for *_, n in curves.values()) or not curves
    per = f"mean over {over}, band = min–max" if seeds else "one member per setting"
    note = diverged_note(lines, varied, diverged)
    if len(curves) > PANELS_OVER and len(varied) > 1:
        fig, ax_end, ends, band, field = _accuracy_panels(curves, _setting_values(lines, varied), varied, split, width)
        title = f"{split} accuracy per epoch, one panel per {field}: {per}"
        if note:  # it may name many settings: wrapped to the figure's width
            title += "\n" + "\n".join(textwrap.wrap(note, int(fig.get_figwidth() / 0.085)))
        fig.suptitle(title, x=0.5 if note else 0.35, fontsize=10)  # without a note: over the panels
    else:
        fig, (ax, ax_end) = _subplots(1, 2, figsize=(width, 5), dpi=120, gridspec_kw={"width_ratios": [2.3, 1]})
        if note:
            fig.suptitle(note, fontsize=10)
        ends = []
        ordered = ordered_colours(kept, varied, curves)
        shaded = shaded_colours(lines, varied)  # a setting whose members all diverged keeps its place
        colours = curve_colours(curves, ordered, shaded)
        for (label, (e, mean, lo, hi, n)), colour in zip(curves.items(), colours):
            ax.plot(e, 100 * mean, marker=_mean_marker(len(e)), color=colour, label=f"{label} (n={n})")
            _min_max_band(ax, e, 100 * lo, 100 * hi, colour)
            ends.append((100 * mean[-1], 100 * lo[-1], 100 * hi[-1], shorts[label], colour))
        _epoch_axis(ax)
        ax.set_ylabel(f"{split} accuracy (%)")
        ax.set_title(f"{split} accuracy per epoch: {per}", fontsize=10)
        band = 0.0
        if curves and shaded is not None:  # below both panels, as the grid lays the settings out
            band = _grid_legend_below(fig, shaded, *ax.get_legend_handles_labels())
            fig.set_figheight(max(5.0, 4.4 + band))
        elif curves and ordered is None:  # below both panels: on no curve
            band = _legend_below(fig, *ax.get_legend_handles_labels())
            fig.set_figheight(max(5.0, 4.4 + band))
        elif curves:  # a colour bar of the values in order, as tall as a last-epoch row per setting needs
            band = COLORBAR_BAND_IN
            fig.set_figheight(max(5.0, 4.4 + band, 1.6 + PANEL_ROW_IN * len(curves) + band))
    if target is not None:  # on each per-epoch panel, labelled on the line itself: the legend is the settings'
        for ax in (a for a in fig.axes if a is not ax_end):
            _target_line(ax, target)
    layout = {"rect": (0, band / fig.get_figheight(), 1, 1)}
    if not ends:  # every member diverged (or nothing was logged yet)
        ax_end.text(0.5, 0.5, f"no finite {split} accuracy", ha="center", va="center", transform=ax_end.transAxes)
        ax_end.set_axis_off()
        fig.tight_layout(**layout)
        return _save(fig, path)
    ends.sort(key=lambda t: t[0])  # best last: at the top
    means = np.array([t[0] for t in ends])
    inside = np.ones(len(ends), bool)
    if len(ends) >= 4:  # far below the rest (under Q1 − 3 IQR): marked at the left edge, not scaled in
        q1, q3 = np.percentile(means, [25, 75])
        inside = means >= q1 - 3 * max(q3 - q1, 0.05)
        if not inside.all():  # ... unless the others' own range would reach it: then it costs little room
            left = min(t[1] for t, i in zip(ends, inside) if i)
            right = max(t[2] for t, i in zip(ends, inside) if i)
            inside |= np.array([t[1] >= left - (right - left) for t in ends])
    left = min(t[1] for t, i in zip(ends, inside) if i)
    right = max(t[2] for t, i in zip(ends, inside) if i)
    pad = max(0.1 * (right - left), 0.05)
    ax_end.set_xlim(left - 2 * pad, right + 3 * pad)
    ax_end.xaxis.set_major_locator(MaxNLocator(5))
    for y, ((mean, lo, hi, _, colour), i) in enumerate(zip(ends, inside)):
        if i:
            ax_end.errorbar(mean, y, xerr=[[mean - lo], [hi - mean]], fmt="o", color=colour, capsize=3)
            where, text = hi, f"{mean:.2f}"
        else:
            where, text = left - 1.5 * pad, f"{mean:.2f} (off scale)"
            ax_end.plot(where, y, "<", color=colour)
        ax_end.annotate(text, (where, y), xytext=(5, 0), textcoords="offset points", va="center", fontsize=8)
    ax_end.set_yticks(range(len(ends)), [t[3] for t in ends], fontsize=8)
    ax_end.set_ylim(-0.6, len(ends) - 0.4)
    if len(varied) == 1:  # the ticks are its values
        ax_end.set_ylabel(varied[0])
    ax_end.set_xlabel(f"{split} accuracy (%)")
    ax_end.set_title("last epoch" + (f"\nmean, min–max over {over}" if seeds else ""), fontsize=10)
    ax_end.grid(alpha=0.3, axis="x")
    fig.tight_layout(**layout)
    if ordered is not None:  # placed after the layout, which would move it with the panels
        _colorbar_below(fig, varied[0], ordered, curves, 0.0)
    return _save(fig, path)


# --------------------------------------------------------------------------------------------------
# Folders
# --------------------------------------------------------------------------------------------------


def render_sweep(sweep_dir: str | Path, out_dir: str | Path | None = None) -> list[Path]:
    """Learning curves of a sweep folder (sweep.json + metrics.jsonl with a ``member`` column), with the sweep's
    --target if it has one."""
    from nnjax.checkpoint import check_writable_folder
    from nnjax.run import epochs_by_member, epochs_out_of_place, read_numbered_metrics
    from nnjax.sweep import SWEEP_KEYS, diverged_epochs, load_sweep_spec

    sweep_dir = Path(sweep_dir)
    out = Path(out_dir) if out_dir is not None else sweep_dir / "figures"
    check_writable_folder(out)
    _, grid = load_sweep_spec(sweep_dir)
    path = sweep_dir / "metrics.jsonl"
    numbered = read_numbered_metrics(path, SWEEP_KEYS)
    if not numbered:
        raise CheckpointError(f"{sweep_dir}: metrics.jsonl is empty or missing: nothing to plot yet")
    for mid, epochs in sorted(epochs_by_member(numbered).items()):  # a line repeated or lost would draw a false mean
        if wrong := epochs_out_of_place(epochs, len(epochs), mid):
            raise CheckpointError(f"{path}: {wrong} (edited or damaged?); no learning curves drawn")
    if wrong := _not_a_number(path, numbered):
        raise CheckpointError(f"{wrong} (edited or damaged?); no learning curves drawn")
    lines = [m for _, m in numbered]
    split = METRIC_COLUMNS[_eval_split(lines)]
    # A diverged member trains on inside its ensemble: left out, as the sweep's table and accuracy.png leave it
    diverged = diverged_epochs(sweep_dir)
    kept = [m for m in lines if m["member"] not in diverged]
    if not kept:
        print(f"nnjax: warning: {sweep_dir}: every member diverged; no learning curves drawn", file=sys.stderr)
        return []
    options = sweep_options_to_draw(sweep_dir)
    replicates = options["replicates"]  # averaged over, as in the sweep's table
    varied = varied_fields(grid) if replicates is None else varied_fields(grid, replicates)
    note = diverged_note(lines, varied, diverged)
    title = f"Sweep {sweep_dir.name}: {split} loss and accuracy (mean, band = min–max)" + (f"\n{note}" if note else "")
    return [plot_sweep_curves(kept, varied, out / "learning_curves.png", title, options["target"], lines)]


def run_target_to_draw(run_dir: Path) -> float | None:
    """A run folder's target (``run.load_run_target``) for its learning curves. One that does not read (target.json
    edited by hand) is None here, with one warning line on stderr naming the file and what is wrong with it, as
    ``sweep_options_to_draw`` does for a sweep's: the curves are drawn without it (``nnjax train --resume`` still
    refuses it unless a new --target replaces it)."""
    from nnjax.run import load_run_target

    try:
        return load_run_target(run_dir)
    except (CheckpointError, ConfigError) as e:
        print(f"nnjax: warning: {e}; drawn without it (edited by hand?)", file=sys.stderr)
        return None


def sweep_options_to_draw(sweep_dir: Path) -> dict[str, Any]:
    """A sweep folder's stored options (``sweep.load_sweep_options``: target, replicates, baseline) for its figures.
    One that does not read (sweep.json edited by hand: ``"target": "x"``) is None here, with one warning line on
    stderr naming the file, the option and its value: the curves are drawn without it (``nnjax summary`` and
    ``sweep --resume`` still refuse it)."""
    from nnjax.sweep import load_sweep_options

    def warn(e: ConfigError) -> None:
        print(f"nnjax: warning: {e}; drawn without it (edited by hand?)", file=sys.stderr)

    return load_sweep_options(sweep_dir, on_bad=warn)


def _not_a_number(path: Path, numbered: list[tuple[int, dict[str, Any]]]) -> str | None:
    """The first value of a drawn column (a loss or accuracy) that is neither a number nor null (an
    edited file), as one line naming the file and line; None when there is none."""
    from nnjax.config import is_number

    for i, m in numbered:
        for k in (f"{split}_{what}" for split in METRIC_COLUMNS for what in ("loss", "accuracy")):
            if k in m and m[k] is not None and not is_number(m[k]):
                return f"{path}: line {i}: {k!r} is not a number ({m[k]!r})"
    return None


def _curve_lines(path: Path, member: int | None = None) -> tuple[list[dict[str, Any]], str]:
    """The lines of a metrics file to draw learning curves from (only ``member``'s of a sweep's file) and,
    when there are none, why: one line naming the file (missing, empty, cut short, damaged)."""
    from nnjax.run import epochs_out_of_place, read_numbered_metrics
    from nnjax.sweep import SWEEP_KEYS

    path = Path(path)
    if not path.exists():
        return [], f"{path}: not found"
    try:
        numbered = read_numbered_metrics(path, SWEEP_KEYS if member is not None else None)
    except CheckpointError as e:
        return [], str(e)
    if member is not None:
        numbered = [(i, m) for i, m in numbered if m["member"] == member]
        if not numbered:
            return [], f"{path}: no line of member {member}"
    # epochs 1, 2, … once each, as training wrote them (a line repeated or lost would draw a false curve)
    if wrong := epochs_out_of_place([(m["epoch"], i) for i, m in numbered], len(numbered), member):
        return [], f"{path}: {wrong}"
    if wrong := _not_a_number(path, numbered):
        return [], wrong
    if numbered:
        return [m for _, m in numbered], ""
    text = path.read_bytes().decode("utf-8", errors="replace")
    if not text.strip():
        return [], f"{path}: empty, no epoch logged"
    # every complete line is blank, so the text left is a last line cut short mid-write
    return [], f"{path}: line {len(text.splitlines())}: cut short (no newline at its end), no complete epoch"


def parse_digits(text: str, n_test: int) -> list[int]:
    """``"3,17,42"`` → [3, 17, 42]; ConfigError on a bad index."""
    out = []
    for part in text.split(","):
        try:
            i = parse_number(part)
        except ValueError:
            why = f"{part.strip()!r} is not a test-image index (e.g. --digits 0,1,2){non_ascii_note(part)}"
            raise ConfigError(f"--digits: {why}") from None
        if not 0 <= i < n_test:
            raise ConfigError(f"--digits: index {i} is outside the test split (0 … {n_test - 1})")
        out.append(i)
    return out


def render_run(
    run_dir: str | Path,
    out_dir: str | Path | None = None,
    *,
    digits: str | Sequence[int] | None = None,
    max_neurons: int = 64,
    member: int | str | None = None,
    splits: Splits | None = None,
    on_written: Callable[[Path], None] | None = None,
    data_dir: str | None = None,
    tfds_dir: str | None = None,
    epoch: int | None = None,
    weights_range: float | None = None,
    on_weights_range: Callable[[float], None] | None = None,
    on_noise: Callable[[str], None] | None = None,
) -> list[Path]:
    """Every figure of a run folder, written into ``out_dir`` (default RUN_DIR/figures); returns their paths.
    With ``member``, ``run_dir`` is a sweep folder and the figures are those of that member's network
    (default folder SWEEP_DIR/figures/member-N; a member named by its config values, ``"activation=relu,seed=1"``,
    is its number N: ``sweep.resolve_member``). With ``epoch``, the figures are of the network after that
    epoch (``run.load_network``; 0: as initialised), their titles say so, the learning curves mark it, and the
    default folder is RUN_DIR/figures/epoch-E (SWEEP_DIR/figures/member-N/epoch-E): the newest's stay. The
    learning curves draw the run's --target (target.json), or a member's its sweep's (sweep.json), if it has one.

    The weights and learning curves need only the run folder and are written first; the others read
    the test split (``splits``, or the config's data set, found in ``data_dir`` / ``tfds_dir`` if given,
    else in the run's folders). ``on_written`` is called with each path as
    soon as its figure is written (so a data error later still leaves the earlier figures reported).
    ``digits``: positions in the test split as tfds orders it (not the IDX file's order), as a list or
    as text ("3,17"); the test split is read first, so that a bad index writes no figure.
    An ``out_dir`` that cannot be a writable folder is a CheckpointError before anything is written; a
    metrics file with no line to draw (missing, empty, damaged) is one warning line on stderr, and the
    other figures are still written.
    ``weights_range``: weights.png's colours span ±it (``plot_weights``); ``on_weights_range`` is called with
    the half-range weights.png used, given or its own, so that another call can draw on the same scale.
    wants.png (``plot_wants``) is last: what each output wants, made from the first of ``NOISE_IMAGES`` noise
    images (``noise_images`` of ``NOISE_SEED``); ``on_noise`` is called with its ``noise_line`` (the network's
    answers on all of them, beside its mean top probability on the test split).
    """
    import jax

    from nnjax.checkpoint import check_writable_folder
    from nnjax.config import is_index
    from nnjax.data import check_splits, load_splits
    from nnjax.images import predict
    from nnjax.model import layer_sizes
    from nnjax.run import folder_path, load_network
    from nnjax.sweep import diverged_epochs, resolve_member
    from nnjax.train import unstack

    check_splits(splits, "render_run")
    if not is_index(max_neurons):
        raise ConfigError(f"max_neurons={max_neurons!r}: expected a positive int")
    max_neurons = int(max_neurons)
    if max_neurons <= 0:
        raise ConfigError(f"max_neurons={max_neurons}: expected a positive int")
    if digits is not None and not isinstance(digits, str) and np.ndim(digits) == 0:  # one number, not a list
        raise ConfigError(
            f"digits={digits!r}: expected test-image indices as a list (e.g. [{digits!r}]) or text '3,17'"
        )
    if weights_range is not None and not (
        isinstance(weights_range, (int, float, np.floating, np.integer))
        and not isinstance(weights_range, bool)
        and 0 < weights_range < np.inf
    ):
        raise ConfigError(f"weights_range={weights_range!r}: expected a positive finite number")
    run_dir = folder_path(run_dir, "render_run")
    member = resolve_member(run_dir, member)  # its number (the folder and titles name it), where named by values
    asked = epoch
    cfg, params_K, epoch = load_network(run_dir, member, where="render_run", epoch=asked)
    # a damaged target.json, or a bad option of sweep.json: a warning, drawn without it
    target = run_target_to_draw(run_dir) if member is None else sweep_options_to_draw(run_dir)["target"]
    if member is None:
        default = run_dir / "figures"
        title = run_dir.name
    else:
        default = run_dir / "figures" / f"member-{member}"
        title = f"{run_dir.name} member {member}"
    # an epoch asked for: said in every title, and its own default folder (the newest network's figures stay)
    when = "" if asked is None else f" at epoch {epoch}" + " (as initialised)" * (epoch == 0)
    if asked is not None:
        default = default / f"epoch-{epoch}"
    out = Path(out_dir) if out_dir is not None else default
    check_writable_folder(out)
    lines, no_curves = _curve_lines(run_dir / "metrics.jsonl", member)
    curves_note = ""
    if member is not None and lines and (gone := diverged_epochs(run_dir, [member]).get(member)):
        # it trained on inside its ensemble: as in members.csv, only its epochs before the divergence count
        lines = [m for m in lines if m["epoch"] < gone]
        no_curves = f"{run_dir}: member {member} diverged at epoch {gone}, before any epoch to draw"
        curves_note = f"\n(diverged at epoch {gone}: drawn up to epoch {gone - 1})"
    params = [{k: np.asarray(v) for k, v in layer.items()} for layer in unstack(params_K, 0)]
    sizes = "-".join(map(str, layer_sizes(cfg.hidden)))
    name = f"{title} ({sizes}, {cfg.activation}, epoch {epoch})"
    if asked is not None:  # the curves are the whole run's; the epoch shown is marked on them
        name = f"{title} ({sizes}, {cfg.activation}), epoch {epoch} marked"
    written: list[Path] = []

    def done(path: Path) -> None:
        written.append(path)
        if on_written is not None:
            on_written(path)

    def test_split() -> Splits:
        nonlocal splits
        if splits is None:
            splits = load_splits(cfg.dataset, data_dir or cfg.data_dir, tfds_dir or cfg.tfds_dir, validation=False)
        return splits

    if digits is not None:  # a bad index is refused before any figure is written
        text = digits if isinstance(digits, str) else ",".join(str(i) for i in digits)
        digits = parse_digits(text, test_split().n_test)
    if member is not None:
        subject = f"member {member} ({cfg.activation}){when}"
    else:
        subject = f"the network{when}" if when else ""
    done(
        plot_weights(
            params[0]["W"],
            params[0]["b"],
            out / "weights.png",
            max_neurons,
            subject=subject,
            output_layer=len(params) == 1,
            weights_range=weights_range,
        )
    )
    if on_weights_range is not None:
        on_weights_range(weights_scale(params[0]["W"][:max_neurons]) if weights_range is None else weights_range)
    if lines:
        curves = (lines, out / "learning_curves.png", f"Learning curves of {name}{curves_note}")
        marks = ({} if asked is None else {"shown_epoch": epoch}) | ({} if target is None else {"target": target})
        done(plot_learning_curves(*curves, **marks))
    else:
        print(f"nnjax: warning: {no_curves}; learning_curves.png not drawn", file=sys.stderr)

    x_Nx784, y_N = np.asarray(test_split().x_test), np.asarray(test_split().y_test)
    indices = list(digits) if digits is not None else default_digits(y_N)
    done(plot_activation_flow(params, cfg, x_Nx784[indices], y_N[indices], indices, out / "activations.png", when))
    acts = layer_activations(params, cfg, x_Nx784)  # one pass over the test split: the neurons and the answers
    if len(params) > 1:  # a network with hidden layers
        inert = inert_neurons(neuron_reach(params, acts))
        done(plot_neurons(x_Nx784, top_inputs(params, acts), out / "neurons.png", max_neurons, subject, inert))
    pred_N, p_Nx10 = answers(acts[-1], cfg.cost)  # what images.predict gives, to the bit
    done(plot_confusion(y_N, pred_N, out / "confusion.png", when))
    done(plot_mistakes(x_Nx784, y_N, pred_N, p_Nx10, out / "mistakes.png", when))
    x_noise = noise_images(jax.random.key(NOISE_SEED))
    noise_digit_N, noise_p_Nx10 = predict(params, cfg, x_noise)
    noise = noise_line(noise_answers(noise_digit_N, noise_p_Nx10), p_Nx10.max(axis=1))
    u_10x784, z_10x10 = wanted_inputs(params, cfg, x_noise[0])  # from the first noise image, the line's too
    done(
        plot_wants(
            x_noise[0],
            noise_p_Nx10[0],
            u_10x784,
            answers(z_10x10, cfg.cost)[1],
            out / "wants.png",
            subject,
            f"Noise: {noise}",
        )
    )
    if on_noise is not None:
        on_noise(noise)
    return written
