"""Your own handwriting: image files made into MNIST digits, and the network's reading of them.

MNIST's digits were made from scanned forms in a fixed way (LeCun et al.): the ink, grey-scale and
anti-aliased, was cropped to its bounding box, scaled to fit a 20×20 box keeping the aspect ratio,
and pasted into a 28×28 field so that its centre of mass sits at the field's centre. ``to_mnist``
does the same to a photo or drawing of any size, colour, and polarity, so a digit written on paper
reaches the network looking like the digits it was trained on.
"""

from __future__ import annotations

import struct
import warnings
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from nnjax.errors import DataError, ParamsError

if TYPE_CHECKING:
    from nnjax.config import Config

FIELD = 28  # MNIST's image side
BOX = 20  # the ink is scaled to fit a BOX × BOX square ...
CENTRE = 14.0  # ... whose centre of mass lands here (the mean over MNIST's test digits is 13.99, 14.01)
MIN_CONTRAST = 0.1  # ink must differ from the paper by 10 % of the grey range, or the image counts as blank
INK_FLOOR = 0.15  # paper texture and JPEG ringing below 15 % of the ink's strength count as paper
INK_PERCENTILE = 99  # the ink's full strength: this percentile of the pixels that differ from the paper
SPOT_FRACTION = 0.05  # a side with fewer strong pixels than this fraction of the other's is a spot, not ink
# Fewer strong ink pixels than this is a speck (dust, a stray dot), not a digit: 4, or 1 in 100,000 of a
# large photo's pixels (a digit written in a 2000×2000 photo covers thousands).
MIN_INK_PIXELS, MIN_INK_FRACTION = 4, 1e-5
# A patch of ink holding under this fraction of all the ink, apart from the rest by over this fraction of the
# image's side, is a speck (dust, a pencil dot), not part of the digit: left out before the crop.
SPECK_MASS, SPECK_GAP = 0.01, 0.05


def percent(p: float) -> str:
    """A probability as a percentage that never rounds a doubt away: 0.9996 → '> 99.9 %', not '100.0 %'."""
    text = f"{100 * p:.1f}"
    return "> 99.9 %" if text == "100.0" and p < 1 else f"{text} %"


@dataclass(frozen=True)
class Failure:
    """An image file that could not be read as a digit, and why (one line that names the file)."""

    file: str
    message: str


@dataclass(frozen=True)
class Prediction:
    """What the network reads in one image file."""

    file: str
    digit: int
    probabilities_10: list[float]

    def line(self) -> str:
        """``FILE: 7 (98.2 %)  0:0.000 1:0.001 …`` — the predicted digit and all ten probabilities."""
        probs = " ".join(f"{d}:{p:.3f}" for d, p in enumerate(self.probabilities_10))
        return f"{self.file}: {self.digit} ({percent(self.probabilities_10[self.digit])})  {probs}"

    def to_json(self) -> dict[str, Any]:
        """``{"file", "digit", "probability", "probabilities"}``."""
        return {
            "file": self.file,
            "digit": self.digit,
            "probability": self.probabilities_10[self.digit],
            "probabilities": self.probabilities_10,
        }


def read_grey(path: str | Path) -> np.ndarray:
    """The image file as grey levels grey_HxW in [0, 1] (float32); DataError naming the file if unreadable.

    Colour is reduced to luma; a transparent background is filled with the colour opposite to the ink,
    so a drawing on a transparent canvas reads like one on paper. Phone photos are turned upright.
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    if isinstance(path, str) and not path:  # Path("") is ".", the current folder: named as given instead
        raise DataError("'': an empty path, not an image file")
    path = Path(path)
    if path.is_dir():
        raise DataError(f"{path}: is a folder, not an image file")
    try:  # a page of 90 to 179 megapixels is read (Pillow's two-line warning left out); larger is refused
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as img:
                img.load()
                file_format = img.format  # (a turned copy has none)
                img = ImageOps.exif_transpose(img)
    except FileNotFoundError:
        raise DataError(f"{path}: file not found") from None
    except PermissionError:
        raise DataError(f"{path}: permission denied") from None
    except UnidentifiedImageError:
        raise DataError(f"{path}: not an image file (PNG or JPEG expected)") from None
    except Image.DecompressionBombError as e:
        raise DataError(f"{path}: image too large ({e})") from None
    # Pillow reports damaged data with any of these, depending on the format and where the damage is.
    except (OSError, SyntaxError, ValueError, EOFError, struct.error, zlib.error) as e:
        raise DataError(f"{path}: corrupt or truncated image ({e or type(e).__name__})") from None
    if img.mode in ("I", "I;16", "I;16B", "I;16L", "F"):
        grey = np.asarray(img, dtype=np.float32)
        if bad := int((~np.isfinite(grey)).sum()):  # NaN survives clipping and blanks the paper's level
            raise DataError(f"{path}: {bad} of {grey.size} pixels are not numbers (NaN or infinite)")
        # 16-bit grey (a PNG's "I" is 16-bit too): its white is 65535 however dark the image; other integer
        # images (a 32-bit TIFF) say nothing of their range: 0-255 unless the values go higher
        sixteen_bit = img.mode.startswith("I;16") or (img.mode == "I" and file_format == "PNG")
        top = 65535.0 if sixteen_bit or grey.max() > 255 else 255.0
        if img.mode == "F" and grey.max() <= 1.0:  # floating-point grey levels: 0 to 1, as usual
            top = 1.0
        return np.clip(grey / top, 0.0, 1.0)
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        alpha_HxW = np.asarray(rgba.getchannel("A"), dtype=np.float32) / 255.0
        luma_HxW = np.asarray(rgba.convert("L"), dtype=np.float32) / 255.0
        opaque = alpha_HxW > 0.5
        # Dark strokes on a transparent canvas go onto white paper, light strokes onto black.
        ink_is_dark = not opaque.any() or np.median(luma_HxW[opaque]) < 0.5
        background = 1.0 if ink_is_dark else 0.0
        return alpha_HxW * luma_HxW + (1.0 - alpha_HxW) * background
    try:
        return np.asarray(img.convert("L"), dtype=np.float32) / 255.0
    except ValueError:  # a mode Pillow cannot turn into grey levels (e.g. a CIELab TIFF)
        raise DataError(
            f"{path}: unsupported image mode {img.mode} (grey, RGB, CMYK, palette or alpha expected)"
        ) from None


def ink_map(grey_HxW: np.ndarray, name: str = "image") -> np.ndarray:
    """Ink strength ink_HxW in [0, 1] (1: a full-strength stroke, 0: paper) for either polarity.

    The paper is what covers the image's border (its median), so dark ink on light paper and chalk on
    a dark board both work. The ink is the side of the paper that reaches farther from it, unless that
    side is only a spot beside the other's strokes (a small glare spot on dark ink on grey paper is not
    the digit), and full strength is its 99th percentile, so one stray pixel darker than the strokes
    does not make a light pencil digit faint. Raises DataError when nothing differs from the paper (a
    blank image).
    """
    h, w = grey_HxW.shape
    ring = max(1, min(h, w) // 50)
    border = np.concatenate(
        [grey_HxW[:ring].ravel(), grey_HxW[-ring:].ravel(), grey_HxW[:, :ring].ravel(), grey_HxW[:, -ring:].ravel()]
    )
    paper = float(np.median(border))
    darker_HxW, lighter_HxW = paper - grey_HxW, grey_HxW - paper
    farthest = max(float(darker_HxW.max()), float(lighter_HxW.max()))
    if farthest < MIN_CONTRAST:
        raise DataError(
            f"{name}: no ink found (blank image: no pixel differs from the background by {MIN_CONTRAST:.0%} or more)"
        )
    # The ink is the side that reaches farther from the paper (paper lit brighter in places is not the
    # digit) unless that side is only a spot: fewer strong pixels (at least half as far as the farthest)
    # than SPOT_FRACTION of the other side's (a glare spot on dark ink).
    strong = max(MIN_CONTRAST, farthest / 2)
    n_dark, n_light = int((darker_HxW >= strong).sum()), int((lighter_HxW >= strong).sum())
    dark = float(darker_HxW.max()) >= float(lighter_HxW.max())
    if (n_dark < SPOT_FRACTION * n_light) if dark else (n_light < SPOT_FRACTION * n_dark):
        dark = not dark
    ink = darker_HxW if dark else lighter_HxW
    strength = float(np.percentile(ink[ink >= MIN_CONTRAST], INK_PERCENTILE))
    return np.clip((ink / strength - INK_FLOOR) / (1.0 - INK_FLOOR), 0.0, 1.0)


def without_specks(ink_HxW: np.ndarray) -> np.ndarray:
    """``ink_HxW`` without its specks: patches of touching ink pixels that hold under ``SPECK_MASS`` of all
    the ink and lie farther than ``SPECK_GAP`` of the image's side from the digit's box (the box of the
    larger patches, grown by each small patch near it, and again, so a chain of them is kept). A speck
    beside the digit would otherwise stretch the crop and shrink the digit. Small patches near the strokes
    (a broken or dotted pencil line, the separate bar of a 4 or 5) are part of the digit."""
    from scipy import ndimage

    labels_HxW, n = ndimage.label(ink_HxW > 0, structure=np.ones((3, 3)))
    if n < 2:
        return ink_HxW
    mass = np.asarray(ndimage.sum(ink_HxW, labels_HxW, index=np.arange(1, n + 1)))
    small = mass < SPECK_MASS * mass.sum()
    if not small.any() or small.all():
        return ink_HxW
    boxes = ndimage.find_objects(labels_HxW)  # (row slice, column slice) of each patch
    digit = [boxes[i] for i in np.flatnonzero(~small)]
    top, bottom = min(b[0].start for b in digit), max(b[0].stop for b in digit)
    left, right = min(b[1].start for b in digit), max(b[1].stop for b in digit)
    gap = SPECK_GAP * max(ink_HxW.shape)
    specks = list(np.flatnonzero(small))
    while True:  # a small patch near the box joins the digit and grows the box
        near = [
            i
            for i in specks
            if boxes[i][0].stop >= top - gap
            and boxes[i][0].start <= bottom + gap
            and boxes[i][1].stop >= left - gap
            and boxes[i][1].start <= right + gap
        ]
        if not near:
            break
        specks = [i for i in specks if i not in near]
        top, bottom = min(top, *(boxes[i][0].start for i in near)), max(bottom, *(boxes[i][0].stop for i in near))
        left, right = min(left, *(boxes[i][1].start for i in near)), max(right, *(boxes[i][1].stop for i in near))
    return np.where(np.isin(labels_HxW, [i + 1 for i in specks]), 0.0, ink_HxW) if specks else ink_HxW


def to_mnist(ink_HxW: np.ndarray, name: str = "image") -> np.ndarray:
    """The MNIST recipe on an ink map: crop to the ink, fit in 20×20, centre of mass at the middle of 28×28.

    Returns image_28x28 as uint8 (ink high), exactly like a row of the data set's x_Nx784 reshaped.
    """
    from PIL import Image

    ink_HxW = without_specks(ink_HxW)
    rows, cols = np.flatnonzero(ink_HxW.any(axis=1)), np.flatnonzero(ink_HxW.any(axis=0))
    if rows.size == 0:
        raise DataError(f"{name}: no ink found (blank image)")
    strong = int((ink_HxW > 0.5).sum())
    if strong < max(MIN_INK_PIXELS, MIN_INK_FRACTION * ink_HxW.size):
        raise DataError(f"{name}: no digit found (only a speck of ink: {strong} pixel{'s' * (strong != 1)})")
    crop = ink_HxW[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    scale = BOX / max(crop.shape)
    h, w = max(1, round(crop.shape[0] * scale)), max(1, round(crop.shape[1] * scale))
    box = np.asarray(Image.fromarray(crop.astype(np.float32)).resize((w, h), Image.LANCZOS))
    box = np.clip(box, 0.0, 1.0)  # Lanczos overshoots a little at sharp edges
    # A thin pen shrunk from a large photo comes out faint; MNIST's strokes reach full strength.
    box = box / box.max()
    yy, xx = np.mgrid[:h, :w]
    mass = box.sum()
    com_y, com_x = float((yy * box).sum() / mass), float((xx * box).sum() / mass)
    # Whole-pixel shift, kept inside the field so that no ink is cut off.
    top = min(max(round(CENTRE - com_y), 0), FIELD - h)
    left = min(max(round(CENTRE - com_x), 0), FIELD - w)
    image = np.zeros((FIELD, FIELD), np.float32)
    image[top : top + h, left : left + w] = box
    return np.round(255 * image).astype(np.uint8)


def load_digit(path: str | Path) -> np.ndarray:
    """An image file as an MNIST digit image_784 (uint8, ink high); DataError naming the file if it can't be."""
    return to_mnist(ink_map(read_grey(path), str(path)), str(path)).reshape(FIELD * FIELD)


def check_network_input(params: Any, cfg: Any, x_Nx784: Any, where: str, x_name: str = "x_Nx784") -> Config:
    """``cfg`` typed as a config file's fields are (``config.typed``: ``standardize="false"``, a truthy str,
    would have standardised the pixels); raises, naming the argument of ``where`` (a function's name), unless
    ``params`` is one network (the list of ``{"W", "b"}`` dicts ``train.unstack`` gives; ParamsError, also a
    ValueError), ``cfg`` a Config with fields of the right types (ConfigError) and ``x_Nx784`` (the argument
    ``x_name``) uint8 images of shape (N, 784) (DataError, ``data.check_images``). All are NnjaxErrors: the
    command line reports them in one line."""
    from nnjax.config import typed
    from nnjax.data import check_images

    layers = params if isinstance(params, (list, tuple)) else []
    if not layers or not all(isinstance(layer, dict) and {"W", "b"} <= layer.keys() for layer in layers):
        raise ParamsError(
            f"{where}: params: {type(params).__name__}; expected one network, a list of {{'W', 'b'}} dicts "
            "(unstack(params_K, 0) of load_run's params_K)"
        )
    for i, layer in enumerate(layers):
        if np.ndim(layer["W"]) != 2 or np.ndim(layer["b"]) != 1:
            stacked = " (stacked as an ensemble: unstack(params_K, k) gives network k)" * (np.ndim(layer["W"]) == 3)
            raise ParamsError(
                f"{where}: params[{i}]: W of shape {np.shape(layer['W'])} and b of shape {np.shape(layer['b'])}; "
                f"expected one network's W_outxin and b_out{stacked}"
            )
    cfg = typed(cfg, source=f"{where}: cfg")
    check_images(x_Nx784, f"{where}: {x_name}")
    return cfg


def predict(params: list, cfg: Config, x_Nx784: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Answers digit_N and probabilities p_Nx10 of one network (unstacked params) for uint8 images x_Nx784.

    The answer is the most active output (argmax of z), as training's accuracy counts it: with a σ-output cost
    (quadratic, sigmoid_cross_entropy), outputs whose σ(z) is 1 to float64's precision tie as probabilities, but
    not as z. Stacked parameters, a cfg that is not a Config (or has a field of the wrong type), or images not
    uint8 of shape (N, 784) (float images in [0, 1] included) raise an error naming the argument
    (``check_network_input``).
    """
    import jax

    from nnjax.activations import get_activation
    from nnjax.data import prepare_images
    from nnjax.model import activations_jit

    cfg = check_network_input(params, cfg, x_Nx784, "predict")
    x = prepare_images(np.asarray(x_Nx784), cfg.standardize)
    # the program viz.layer_activations runs: the figures' answers are these, to the bit, on any machine
    z_Nx10 = activations_jit(params, x, get_activation(cfg.activation))[-1]
    return answers(np.asarray(jax.device_get(z_Nx10)), cfg.cost)


def answers(z_Nx10: np.ndarray, cost: str) -> tuple[np.ndarray, np.ndarray]:
    """(digit_N, p_Nx10) of a network's outputs z: the most active output and the probabilities ``cost``
    reads them as (float64: a doubt is not rounded to 1)."""
    from nnjax.costs import probabilities

    return np.argmax(z_Nx10, axis=-1), probabilities(z_Nx10, cost)


def predict_files(
    run_dir: str | Path, files: list[str], member: int | str | None = None, *, epoch: int | None = None
) -> list[Prediction | Failure]:
    """One Prediction (or the Failure that stopped it) per file, in order, from a run's newest checkpoint
    (or a sweep ``member``'s: a number, or text naming it by its config values, ``"activation=relu,seed=1"``;
    ``epoch``: the parameters after that epoch, 0 as initialised, see ``run.load_network``). ``files``: a list
    of paths (one path alone is a TypeError: a str would be read as one file per character)."""
    from nnjax.run import load_network
    from nnjax.train import unstack

    if isinstance(files, (str, bytes, Path)):
        raise TypeError(f"predict_files: files={str(files)!r}: one path; expected a list of image paths, e.g. [path]")
    cfg, params_K, _ = load_network(run_dir, member, where="predict_files", epoch=epoch)
    return read_files(unstack(params_K, 0), cfg, files)


def read_files(params: list, cfg: Config, files: list[str]) -> list[Prediction | Failure]:
    """One Prediction (or the Failure that stopped it) per image file, in order, of one network (``params`` of
    ``cfg``, as ``run.load_network`` unstacks them): what ``predict_files`` answers once it has loaded it."""
    results: list[Prediction | Failure] = []
    for f in files:
        try:
            digit_784 = load_digit(f)
        except DataError as e:
            results.append(Failure(f, str(e)))
            continue
        # One image per forward pass: a file's numbers do not depend on which other files came with it
        # (a batch of N may sum in another order than a batch of 1).
        (digit,), (p_10,) = predict(params, cfg, digit_784[None])
        if not np.all(np.isfinite(p_10)):  # NaN's argmax is 0: a diverged member's "0 (nan %)" was no answer
            why = "the network's outputs are NaN or infinite (the parameters of a diverged network?)"
            results.append(Failure(f, f"{f}: no digit read: {why}"))
            continue
        results.append(Prediction(f, int(digit), [float(p) for p in p_10]))  # unrounded
    return results
