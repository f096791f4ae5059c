"""``nnjax predict``: image files of any size, colour and polarity become MNIST digits, and bad files fail alone.

The digit under test is a real MNIST test digit when $NNJAX_DATA_DIR holds the raw files (read straight
from the IDX gzip), otherwise a stroke digit drawn with Pillow. It is written the way a person would
hand it in — 280×280, dark ink on white paper, PNG and JPEG — and must come back as (nearly) the same
28×28 image and the same prediction.
"""

from __future__ import annotations

import gzip
import json
import shutil
import warnings
from pathlib import Path

import jax
import numpy as np
import pytest
from conftest import REAL_DATA_DIR
from PIL import Image, ImageDraw

from nnjax import images
from nnjax.cli import main as cli_main
from nnjax.config import Config
from nnjax.data import Splits
from nnjax.errors import ConfigError, ParamsError
from nnjax.model import init_params
from nnjax.run import eval_run, export_run, load_run, train_and_evaluate
from nnjax.sweep import load_member
from nnjax.viz import render_run

jax.config.update("jax_numpy_rank_promotion", "raise")

# A hand-drawn "2" in unit coordinates of the page (x right, y down): an arc, the diagonal, the base.
_T = np.linspace(np.pi * 1.05, np.pi * 2.25, 24)
STROKE_2 = [
    [(0.5 + 0.2 * np.cos(t), 0.33 + 0.17 * np.sin(t)) for t in _T] + [(0.27, 0.78), (0.74, 0.78)],
]


# --------------------------------------------------------------------------------------------------
# Digits and scans (also used to make docs/digit.png)
# --------------------------------------------------------------------------------------------------


def mnist_test_digit(index: int, data_dir: str) -> tuple[np.ndarray, int]:
    """(image_28x28 uint8, label) of MNIST test image ``index``, read directly from the raw IDX gzip files."""
    with gzip.open(Path(data_dir) / "t10k-images-idx3-ubyte.gz", "rb") as f:
        x = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 28, 28)
    with gzip.open(Path(data_dir) / "t10k-labels-idx1-ubyte.gz", "rb") as f:
        y = np.frombuffer(f.read(), np.uint8, offset=8)
    return x[index].copy(), int(y[index])


def draw_strokes(strokes: list[list[tuple[float, float]]], size: int = 280, width: float = 0.075) -> np.ndarray:
    """ink_SxS uint8 (ink high) of pen strokes given in unit coordinates, anti-aliased (drawn 4× larger)."""
    big = 4 * size
    img = Image.new("L", (big, big), 0)
    pen = ImageDraw.Draw(img)
    for stroke in strokes:
        points = [(x * big, y * big) for x, y in stroke]
        pen.line(points, fill=255, width=round(width * big), joint="curve")
        r = width * big / 2  # round pen tips
        for x, y in (points[0], points[-1]):
            pen.ellipse((x - r, y - r, x + r, y + r), fill=255)
    return np.asarray(img.resize((size, size), Image.BOX))


def mnist_like(ink_280: np.ndarray) -> np.ndarray:
    """The 28×28 MNIST version of a 280×280 ink image whose ink already spans 200 px: box-average by 10,
    then move the centre of mass to (14, 14) by whole pixels (an independent, simpler route than
    ``images.to_mnist``: no crop and no resampling filter)."""
    small = ink_280.reshape(28, 10, 28, 10).mean(axis=(1, 3))
    yy, xx = np.mgrid[:28, :28]
    com_y, com_x = (yy * small).sum() / small.sum(), (xx * small).sum() / small.sum()
    small = np.roll(small, (round(14 - com_y), round(14 - com_x)), axis=(0, 1))
    return np.round(small).astype(np.uint8)


def fit_ink_to_200px(ink: np.ndarray) -> np.ndarray:
    """Scale a drawn ink image so the ink's larger side is 200 px, on a 280×280 page (ink centred)."""
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    crop = Image.fromarray(ink[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1])
    s = 200 / max(crop.size)
    crop = crop.resize((max(1, round(crop.width * s)), max(1, round(crop.height * s))), Image.LANCZOS)
    page = Image.new("L", (280, 280), 0)
    page.paste(crop, ((280 - crop.width) // 2, (280 - crop.height) // 2))
    return np.asarray(page)


def sample_digit() -> tuple[np.ndarray, np.ndarray, str]:
    """(raw image_28x28, ink_280x280, where from): a real MNIST test digit if available, else a drawn '2'."""
    if REAL_DATA_DIR:
        raw, label = mnist_test_digit(0, REAL_DATA_DIR)
        return raw, np.asarray(Image.fromarray(raw).resize((280, 280), Image.LANCZOS)), f"MNIST test #0 ({label})"
    ink = fit_ink_to_200px(draw_strokes(STROKE_2))
    return mnist_like(ink), ink, "drawn 2"


def write_scan(ink: np.ndarray, path: Path, **save_kw) -> Path:
    """Save an ink image as a person's scan: dark ink on white paper (PNG or JPEG by the suffix)."""
    Image.fromarray(255 - ink).save(path, **save_kw)
    return path


def corr(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(a.ravel().astype(float), b.ravel().astype(float))[0, 1])


def corr_within_1px(a: np.ndarray, b: np.ndarray) -> float:
    """The best correlation over whole-pixel shifts of at most one pixel: when the centre of mass lies
    near a half pixel, two renditions of one digit may round to neighbouring placements."""
    a, b = a.reshape(28, 28), b.reshape(28, 28)
    return max(corr(np.roll(a, (dy, dx), axis=(0, 1)), b) for dy in (-1, 0, 1) for dx in (-1, 0, 1))


def random_net(seed: int = 0) -> tuple[list, Config]:
    cfg = Config(hidden=(16, 16), activation="sigmoid")
    return init_params(jax.random.key(seed), cfg.hidden, "glorot"), cfg


# --------------------------------------------------------------------------------------------------
# Preprocessing
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".png", ".jpg"])
def test_scan_of_a_digit_comes_back_as_the_same_28x28_and_prediction(tmp_path, suffix):
    raw_28x28, ink, source = sample_digit()
    path = write_scan(ink, tmp_path / f"digit{suffix}", **({"quality": 90} if suffix == ".jpg" else {}))
    assert Image.open(path).size == (280, 280)
    got = images.load_digit(path)
    assert got.shape == (784,) and got.dtype == np.uint8
    assert corr(got, raw_28x28) > 0.9, source
    params, cfg = random_net()
    _, p_2x10 = images.predict(params, cfg, np.stack([got, raw_28x28.ravel()]))
    np.testing.assert_allclose(p_2x10.sum(axis=1), 1.0, rtol=1e-5)
    # An untrained network gives every input the same argmax, so compare its outputs: the scan's are
    # far nearer the raw digit's than a blank image's are (the prediction itself: the next test).
    _, p_blank = images.predict(params, cfg, np.zeros((1, 784), np.uint8))
    assert np.abs(p_2x10[0] - p_2x10[1]).max() < 0.25 * np.abs(p_blank[0] - p_2x10[1]).max(), (source, p_2x10)


@pytest.mark.skipif(not REAL_DATA_DIR, reason="needs the real MNIST files ($NNJAX_DATA_DIR)")
def test_trained_linear_network_reads_scans_like_the_raw_digits(tmp_path):
    """A least-squares linear classifier (784-10, fit on 10,000 training digits) gives the same answer
    for most of 30 test digits whether it sees the raw digit or its preprocessed 280×280 scan."""
    with gzip.open(Path(REAL_DATA_DIR) / "train-images-idx3-ubyte.gz", "rb") as f:
        x = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 784)[:10_000] / 255.0
    with gzip.open(Path(REAL_DATA_DIR) / "train-labels-idx1-ubyte.gz", "rb") as f:
        y = np.frombuffer(f.read(), np.uint8, offset=8)[:10_000]
    x1 = np.hstack([x, np.ones((len(x), 1))])
    w = np.linalg.solve(x1.T @ x1 + 1.0 * np.eye(785), x1.T @ np.eye(10)[y])
    params = [{"W": jax.numpy.asarray(w[:784].T, "float32"), "b": jax.numpy.asarray(w[784], "float32")}]
    cfg = Config(hidden=())
    raws, scans, labels = [], [], []
    for i in range(30):
        raw, label = mnist_test_digit(i, REAL_DATA_DIR)
        ink = np.asarray(Image.fromarray(raw).resize((280, 280), Image.LANCZOS))
        scans.append(images.load_digit(write_scan(ink, tmp_path / f"{i}.png")))
        raws.append(raw.ravel())
        labels.append(label)
    pred_raw, _ = images.predict(params, cfg, np.stack(raws))
    pred_scan, _ = images.predict(params, cfg, np.stack(scans))
    assert (pred_raw == np.array(labels)).mean() >= 0.8  # the linear network does read digits
    assert (pred_scan == pred_raw).mean() >= 0.9


def test_polarity_colour_transparency_and_size_do_not_matter(tmp_path):
    _, ink, _ = sample_digit()
    reference = images.load_digit(write_scan(ink, tmp_path / "ref.png"))
    a = ink.astype(np.float32) / 255
    # light chalk on a dark board
    Image.fromarray(ink).save(tmp_path / "chalk.png")
    # blue ink on yellowish paper, as a photo might be
    paper, blue = np.array([240, 225, 170]), np.array([20, 30, 140])
    rgb = (1 - a)[..., None] * paper + a[..., None] * blue
    Image.fromarray(rgb.astype(np.uint8), "RGB").save(tmp_path / "blue.jpg", quality=85)
    # black strokes on a transparent canvas (RGB under the transparency is black too, as apps save it)
    rgba = np.zeros((280, 280, 4), np.uint8)
    rgba[..., 3] = ink
    Image.fromarray(rgba, "RGBA").save(tmp_path / "transparent.png")
    # a large page with a wide margin, the digit off to one side
    page = np.zeros((900, 1300), np.uint8)
    page[100:380, 700:980] = ink
    big = Image.fromarray(255 - page).resize((1950, 1350), Image.LANCZOS)
    big.save(tmp_path / "page.png")
    # a thumbnail twice MNIST's size
    Image.fromarray(255 - ink).resize((56, 56), Image.LANCZOS).save(tmp_path / "thumb.png")
    # white strokes on a transparent canvas, black RGB under the transparency
    rgba = np.zeros((280, 280, 4), np.uint8)
    rgba[..., :3], rgba[..., 3] = 255, ink
    Image.fromarray(rgba, "RGBA").save(tmp_path / "white_on_transparent.png")
    # a 16-bit greyscale scan (grey levels 0-65535) of a pencil digit, its darkest stroke at 40 % of white
    Image.fromarray(np.round(65535 * (1 - 0.6 * a)).astype(np.uint16)).save(tmp_path / "scan16.png")
    # a phone photo stored sideways, with the EXIF orientation tag that says to turn it upright
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    sideways = Image.fromarray(255 - ink).rotate(90, expand=True).convert("RGB")
    sideways.save(tmp_path / "phone.jpg", exif=exif, quality=95)
    for name in (
        "chalk.png", "blue.jpg", "transparent.png", "page.png", "thumb.png", "white_on_transparent.png",
        "scan16.png", "phone.jpg",
    ):  # fmt: skip
        got = images.load_digit(tmp_path / name)
        assert corr_within_1px(got, reference) > 0.9, name


def test_a_16_bit_png_is_read_on_its_own_scale_however_dark(tmp_path):
    """A 16-bit PNG's white is 65535 even when no pixel is above 255: a digit at 0.4 % contrast (ink 0, paper
    255 of 65535) is as blank as one at 0.5 % (paper 300), not full-strength ink (white taken to be 255)."""
    _, ink, _ = sample_digit()
    a = ink.astype(np.float32) / 255
    for paper in (255, 300):
        Image.fromarray(np.round(paper * (1 - a)).astype(np.uint16)).save(tmp_path / f"dark{paper}.png")
        grey = images.read_grey(tmp_path / f"dark{paper}.png")
        np.testing.assert_allclose(grey.max(), paper / 65535, rtol=1e-6)
        with pytest.raises(images.DataError, match="no ink found"):
            images.load_digit(tmp_path / f"dark{paper}.png")


def test_a_speck_beside_the_digit_is_left_out_and_a_piece_near_it_kept(tmp_path):
    """One pen dot in a corner stretched the crop and shrank the digit (test digits read at 200×200 fell from
    95.5 % to 88.5 %); it is now left out. A small piece of ink close to the strokes is part of the digit."""
    _, ink, _ = sample_digit()
    clean = images.load_digit(write_scan(ink, tmp_path / "clean.png"))
    dotted = ink.copy()
    dotted[270:274, 270:274] = 255  # a 4×4 dot at the far corner, 0.1 % of the ink
    got = images.load_digit(write_scan(dotted, tmp_path / "dot.png"))
    assert np.array_equal(got, clean)
    rows, cols = np.flatnonzero((ink > 128).any(axis=1)), np.flatnonzero((ink > 128).any(axis=0))
    assert cols[-1] + 7 < 270
    near = ink.copy()
    middle = (rows[0] + rows[-1]) // 2
    near[middle : middle + 4, cols[-1] + 3 : cols[-1] + 7] = 255  # as small, 3 pixels right of the strokes: kept
    got = images.load_digit(write_scan(near, tmp_path / "near.png")).reshape(28, 28)
    assert not np.array_equal(got.ravel(), clean)


def test_a_dotted_stroke_is_kept_whole_and_only_the_far_speck_left_out():
    """A 7 of a heavy bar and a light pencil diagonal broken into 40 dashes, each well under 1 % of the ink:
    the dashes chain to the bar, each near the last, so none is a speck, however far it runs from the bar
    (measured against the bar's box alone, the lower ones were cut off). A dot in a corner still is one."""
    from PIL import ImageDraw

    page = Image.new("L", (400, 400), 255)
    draw = ImageDraw.Draw(page)
    draw.line([(100, 80), (300, 80)], fill=0, width=16)
    for k in range(40):  # dashes of a quarter of their spacing along (300, 80) → (170, 340)
        t0, t1 = k / 40, (k + 0.25) / 40
        draw.line([(300 - 130 * t0, 80 + 260 * t0), (300 - 130 * t1, 80 + 260 * t1)], fill=90, width=3)
    ink = images.ink_map(np.asarray(page, np.float32) / 255)
    assert np.array_equal(images.without_specks(ink), ink)
    draw.rectangle([(380, 380), (383, 383)], fill=0)
    dotted = images.ink_map(np.asarray(page, np.float32) / 255)
    kept = images.without_specks(dotted)
    assert kept[370:, 370:].sum() == 0 and np.array_equal(kept[:370, :370], dotted[:370, :370])


def test_a_faint_tail_that_ends_near_the_digit_is_kept_however_far_it_starts():
    """A thin pencil line (under 1 % of the ink) above or left of the digit whose end comes within the gap of
    its box is near, wherever its other end is; a patch is a speck only when all of it is far off."""
    ink = np.zeros((400, 400), np.float32)
    ink[200:300, 100:200] = 1.0  # the digit: a block of 10,000 pixels
    ink[50:195, 150] = 0.5  # its tail: 145 pixels of half strength, ending 5 px above it (the gap is 20 px)
    for page in (ink, ink.T):
        np.testing.assert_array_equal(images.without_specks(page), page)


def test_full_strength_strokes_read_1_and_paper_0():
    """ink_map's scale: a stroke as dark as the ink gets is 1, paper and its faint texture 0, whatever the
    ink's grey level on the page."""
    for stroke, paper in ((0.0, 1.0), (0.3, 0.9), (0.95, 0.2)):
        grey = np.full((60, 60), paper, np.float32)
        grey[10:50, 28:32] = stroke
        grey[5, 5] = paper + 0.1 * (stroke - paper)  # texture: 10 % of the ink's contrast
        ink = images.ink_map(grey)
        assert ink[10:50, 28:32].min() == ink.max() == 1.0, (stroke, paper)
        assert ink[5, 5] == 0 and ink[:, :20].max() == 0


def test_a_digit_heavy_at_the_top_is_centred_without_losing_ink(tmp_path):
    """A 7 with a thick bar: centring its mass at (14, 14) would push the 20×20 box off the bottom of the
    28×28 field (a broadcast error, not a digit); the box stays inside, whole."""
    seven = np.zeros((280, 280), np.uint8)
    seven[40:90, 40:240] = 255  # the bar
    seven[90:240, 180:190] = 255  # a thin stem
    Image.fromarray(255 - seven).save(tmp_path / "seven.png")
    got = images.load_digit(tmp_path / "seven.png").reshape(28, 28)
    assert got.max() == 255
    rows = np.flatnonzero(got.any(axis=1))
    assert rows[-1] - rows[0] + 1 >= 19  # the whole 20-row box: bar and stem, none cut off
    # turned a quarter at a time, heavy at the left, bottom and right: the box stays inside on every side
    for turns in (1, 2, 3):
        got = images.to_mnist(np.rot90(seven, turns).astype(np.float32) / 255).reshape(28, 28)
        rows, cols = np.flatnonzero(got.any(axis=1)), np.flatnonzero(got.any(axis=0))
        assert max(rows[-1] - rows[0], cols[-1] - cols[0]) + 1 >= 19, turns


def test_a_glare_spot_or_a_stray_dark_pixel_does_not_change_the_digit(tmp_path):
    """The ink's side and full strength come from the whole image, not its two extreme pixels: a white
    glare spot on dark ink on grey paper was read as the digit (a solid square); one black pixel on a
    light pencil digit made the strokes faint and the image was refused as a speck. Nor may brightly lit
    paper count as ink by its area (as it did when the side with more strong pixels was taken)."""
    _, ink, _ = sample_digit()
    reference = images.load_digit(write_scan(ink, tmp_path / "ref.png"))
    a = ink.astype(np.float32) / 255
    grey_paper = np.round(130 - 90 * a).astype(np.uint8)  # ink 40 on paper 130
    grey_paper[20:26, 200:206] = 255  # glare
    Image.fromarray(grey_paper).save(tmp_path / "glare.png")
    pencil = np.round(255 * (1 - 0.4 * a)).astype(np.uint8)  # 40 % dark strokes
    pencil[150, 265] = 0  # a stray black pixel, away from the strokes
    Image.fromarray(pencil).save(tmp_path / "pencil.png")
    # dark ink (20) on paper lit from grey 150 at the edge to 230 over all but a 50-pixel margin: more of
    # the paper is strongly lighter than there are strokes, yet the strokes reach farther from it
    yy, xx = np.mgrid[:280, :280]
    lit = 150 + 80 * np.clip((np.minimum.reduce([yy, xx, 279 - yy, 279 - xx]) - 10) / 40, 0, 1)
    Image.fromarray(np.round(lit * (1 - a) + 20 * a).astype(np.uint8)).save(tmp_path / "lit_middle.png")
    for name in ("glare.png", "pencil.png", "lit_middle.png"):
        assert corr_within_1px(images.load_digit(tmp_path / name), reference) > 0.9, name
    # A thin '1' on paper lit brighter towards the middle (a lamp or flash: 0.65 in the corners, 0.85 in the
    # middle): the wide bright area must not outweigh the strokes and come out as a solid disc.
    yy, xx = np.mgrid[:1000, :1000]
    lit = 0.65 + 0.2 * np.clip(1 - (np.hypot(yy - 500, xx - 500) / 707) ** 2, 0, 1)
    lit[250:750, 500:506] = lit[250:256, 420:506] = 0.15
    Image.fromarray(np.round(255 * lit).astype(np.uint8)).save(tmp_path / "lit.png")
    one = images.load_digit(tmp_path / "lit.png").reshape(28, 28)
    assert (one > 128).any(axis=0).sum() <= 6 and (one > 128).sum() < 80, one  # a stroke, not a 20×20 disc


def test_aspect_ratio_kept_and_centre_of_mass_centred():
    """A tall thin '1' is 20 px tall and stays thin; a wide dash is 20 px wide; both are centred by mass."""
    one = fit_ink_to_200px(draw_strokes([[(0.5, 0.1), (0.5, 0.9)]], width=0.06))
    dash = draw_strokes([[(0.1, 0.5), (0.9, 0.5)]], width=0.1)
    for ink, tall in ((one, True), (dash, False)):
        got = images.to_mnist(ink.astype(np.float32) / 255).astype(float)
        rows, cols = np.flatnonzero(got.any(axis=1)), np.flatnonzero(got.any(axis=0))
        long_side, short_side = (len(rows), len(cols)) if tall else (len(cols), len(rows))
        assert 20 <= long_side <= 21  # 20 px, plus Lanczos's faint fringe
        assert short_side <= 5
        yy, xx = np.mgrid[:28, :28]
        com = ((yy * got).sum() / got.sum(), (xx * got).sum() / got.sum())
        assert abs(com[0] - 14) <= 0.5 and abs(com[1] - 14) <= 0.5
        assert got.max() == 255  # full-strength ink, as in MNIST


def test_blank_and_almost_blank_images_are_refused(tmp_path):
    Image.new("L", (100, 100), 255).save(tmp_path / "white.png")
    noise = np.random.default_rng(0).integers(200, 215, (120, 90), dtype=np.uint8)  # paper grain only
    Image.fromarray(noise).save(tmp_path / "grain.png")
    for name in ("white.png", "grain.png"):
        with pytest.raises(images.DataError, match="no ink found"):
            images.load_digit(tmp_path / name)


def test_a_speck_is_not_read_as_a_digit(tmp_path):
    """One or two dark pixels on a large white page were cropped, blown up to 20×20 and read as a
    confident 8; a tiny image of a real stroke still reads."""
    page = np.full((2000, 2000), 255, np.uint8)
    page[700, 900] = page[701, 900] = 0
    Image.fromarray(page).save(tmp_path / "specks.png")
    with pytest.raises(images.DataError, match=r"specks.png: no digit found \(only a speck of ink: 2 pixels\)"):
        images.load_digit(tmp_path / "specks.png")
    page[1000:1004, 1000:1004] = 0  # a 4×4 dot: more than two pixels, but a speck on a page this size
    Image.fromarray(page).save(tmp_path / "dot.png")
    with pytest.raises(images.DataError, match=r"dot.png: no digit found \(only a speck of ink: 18 pixels\)"):
        images.load_digit(tmp_path / "dot.png")
    one = np.full((5, 5), 255, np.uint8)
    one[:, 2] = 0  # a 5×5 image of a '1'
    Image.fromarray(one).save(tmp_path / "one.png")
    assert images.load_digit(tmp_path / "one.png").max() == 255


def test_floating_point_grey_levels_from_0_to_1(tmp_path):
    """A float TIFF (Pillow mode F) with grey levels in [0, 1] reads like the same 8-bit image, not blank."""
    _, ink, _ = sample_digit()
    grey = 1.0 - ink.astype(np.float32) / 255
    Image.fromarray(grey, "F").save(tmp_path / "digit.tiff")
    Image.fromarray(255 - ink).save(tmp_path / "digit.png")
    got, want = images.load_digit(tmp_path / "digit.tiff"), images.load_digit(tmp_path / "digit.png")
    assert np.abs(got.astype(int) - want.astype(int)).max() <= 1


# --------------------------------------------------------------------------------------------------
# The command line
# --------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    """A run folder of a (barely trained) 784-16-16-10 network: one epoch on 64 random images."""
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, (96, 784), dtype=np.uint8)
    y = rng.integers(0, 10, 96).astype(np.int32)
    splits = Splits(x[:64], y[:64], x[64:], y[64:], x[64:], y[64:], "test")
    out = tmp_path_factory.mktemp("predict") / "run"
    train_and_evaluate(Config(epochs=1, batch_size=32), out, progress=False, splits=splits)
    return out


def bad_files(folder: Path, good_png: Path) -> dict[str, Path]:
    """A truncated PNG, a text file named .jpg, a blank page and a missing file."""
    files = {
        "corrupt": folder / "corrupt.png",
        "not_image": folder / "notes.jpg",
        "blank": folder / "blank.png",
        "missing": folder / "missing.png",
    }
    files["corrupt"].write_bytes(good_png.read_bytes()[: len(good_png.read_bytes()) // 3])
    files["not_image"].write_text("these are my notes, not a photo\n")
    Image.new("RGB", (200, 200), (255, 255, 255)).save(files["blank"])
    return files


def test_cli_prediction_matches_the_library_and_each_bad_file_fails_alone(run_dir, tmp_path, capsys):
    _, ink, _ = sample_digit()
    good = write_scan(ink, tmp_path / "digit.png")
    good_jpg = write_scan(ink, tmp_path / "digit.jpg", quality=90)
    bad = bad_files(tmp_path, good)
    argv = ["predict", str(run_dir), str(good), str(bad["corrupt"]), str(bad["not_image"])]
    argv += [str(bad["blank"]), str(good_jpg), str(bad["missing"])]
    rc = cli_main(argv)
    out, err = capsys.readouterr()
    assert rc == 1
    lines = out.splitlines()
    assert [line.split(":")[0] for line in lines] == [str(good), str(good_jpg)]
    expected = images.predict_files(run_dir, [str(good)])[0]
    assert lines[0] == expected.line()
    digit = int(lines[0].split(": ")[1].split()[0])
    probs = [float(p.split(":")[1]) for p in lines[0].split()[-10:]]
    assert digit == int(np.argmax(probs)) and abs(sum(probs) - 1) < 0.01
    errors = err.strip().splitlines()
    assert len(errors) == 4 and all(e.startswith("nnjax: error: ") for e in errors)
    assert f"{bad['corrupt']}: corrupt or truncated image" in errors[0]
    assert f"{bad['not_image']}: not an image file" in errors[1]
    assert f"{bad['blank']}: no ink found" in errors[2]
    assert f"{bad['missing']}: file not found" in errors[3]
    assert "Traceback" not in err


def test_an_image_mode_without_grey_levels_fails_alone(run_dir, tmp_path):
    """A CIELab TIFF: one failure naming it (it was a traceback, and the other files' answers were lost)."""
    _, ink, _ = sample_digit()
    good = write_scan(ink, tmp_path / "digit.png")
    lab = tmp_path / "digit.tiff"
    Image.open(good).convert("RGB").convert("LAB").save(lab)
    assert Image.open(lab).mode == "LAB"
    read, failed = images.predict_files(run_dir, [str(good), str(lab)])
    assert isinstance(read, images.Prediction)
    assert failed.message == f"{lab}: unsupported image mode LAB (grey, RGB, CMYK, palette or alpha expected)"


def test_a_float_image_with_nan_or_infinite_pixels_fails_alone(run_dir, tmp_path):
    """A float TIFF with one NaN pixel was a traceback (the other files unanswered); one inf pixel made the
    digit 'only a speck of ink'."""
    _, ink, _ = sample_digit()
    good = write_scan(ink, tmp_path / "digit.png")
    files = [str(good)]
    for name, value in (("nan", np.nan), ("inf", np.inf)):
        grey = 1.0 - ink.astype(np.float32) / 255
        grey[14, 14] = value
        Image.fromarray(grey, "F").save(tmp_path / f"{name}.tiff")
        files.append(str(tmp_path / f"{name}.tiff"))
    read, *failed = images.predict_files(run_dir, files)
    assert isinstance(read, images.Prediction)
    assert [f.message for f in failed] == [
        f"{f}: 1 of {ink.size} pixels are not numbers (NaN or infinite)" for f in files[1:]
    ]


@pytest.mark.parametrize(
    "activation, standardize, cost",
    [("relu", True, "quadratic"), ("tanh", False, "cross_entropy"), ("sigmoid", False, "sigmoid_cross_entropy")],
)
def test_predict_uses_the_runs_pixel_scaling_activation_and_cost(activation, standardize, cost):
    """Against the network written out in NumPy, in float64."""
    cfg = Config(activation=activation, standardize=standardize, cost=cost)
    params = init_params(jax.random.key(1), cfg.hidden, "glorot")
    x = np.random.default_rng(0).integers(0, 256, (3, 784), dtype=np.uint8)
    digits, p = images.predict(params, cfg, x)
    np.testing.assert_allclose(p, numpy_probabilities(params, cfg, x), atol=1e-5)
    assert list(digits) == list(p.argmax(axis=1))


def numpy_probabilities(params: list, cfg: Config, x_Nx784: np.ndarray) -> np.ndarray:
    """The network's probabilities written out in NumPy, in float64."""
    a = x_Nx784 / 255.0
    if cfg.standardize:
        a = (a - 0.1307) / 0.3081
    σ = {"relu": lambda z: np.maximum(z, 0.0), "tanh": np.tanh, "sigmoid": lambda z: 1 / (1 + np.exp(-z))}
    W = [np.asarray(layer["W"], np.float64) for layer in params]
    b = [np.asarray(layer["b"], np.float64) for layer in params]
    for W_l, b_l in zip(W[:-1], b[:-1]):
        a = σ[cfg.activation](a @ W_l.T + b_l)
    z = a @ W[-1].T + b[-1]
    sigmoid_outputs = cfg.cost in ("quadratic", "sigmoid_cross_entropy")  # σ(z) per digit, not softmax
    e = 1.0 / (1.0 + np.exp(-z)) if sigmoid_outputs else np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def test_predict_files_answers_with_the_runs_parameters_scaling_activation_and_cost(tmp_path):
    """nnjax predict reads all of it from the run folder: a relu, standardised, quadratic-cost run."""
    from nnjax.run import load_run
    from nnjax.train import unstack

    rng = np.random.default_rng(1)
    x, y = rng.integers(0, 256, (96, 784), dtype=np.uint8), rng.integers(0, 10, 96).astype(np.int32)
    cfg = Config(activation="relu", standardize=True, cost="quadratic", epochs=1, batch_size=32, seed=3)
    train_and_evaluate(
        cfg, tmp_path / "run", progress=False, splits=Splits(x[:64], y[:64], *[x[64:], y[64:]] * 2, "test")
    )
    _, ink, _ = sample_digit()
    digit_784 = images.load_digit(write_scan(ink, tmp_path / "digit.png"))
    (got,) = images.predict_files(tmp_path / "run", [str(tmp_path / "digit.png")])
    saved_cfg, params_K, _ = load_run(tmp_path / "run")
    want = numpy_probabilities(unstack(params_K, 0), saved_cfg, digit_784[None])[0]
    np.testing.assert_allclose(got.probabilities_10, want, atol=1e-6)
    for other in (
        saved_cfg.replace(activation="sigmoid"),
        saved_cfg.replace(standardize=False),
        saved_cfg.replace(cost="cross_entropy"),
    ):
        assert np.abs(numpy_probabilities(unstack(params_K, 0), other, digit_784[None])[0] - want).max() > 1e-4


def test_quadratic_probabilities_are_finite_for_any_logits():
    """σ(z) normalised: logits below about −709 gave overflow warnings and NaN (σ underflowed to 0)."""
    from nnjax.costs import probabilities

    z = np.array([[-800.0, -801.0] + [-900.0] * 8, [3.0, -2.0] + [0.5] * 8])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        p = probabilities(z, "quadratic")
    np.testing.assert_allclose(p[0, :2], [1 / (1 + np.exp(-1.0)), 1 / (1 + np.e)], rtol=1e-12)  # σ ≈ e^z there
    σ = 1.0 / (1.0 + np.exp(-z[1]))
    np.testing.assert_allclose(p[1], σ / σ.sum(), rtol=1e-12)
    np.testing.assert_allclose(probabilities(jax.numpy.asarray(z, "float32"), "quadratic"), p, atol=1e-6)


def test_a_file_reads_the_same_whatever_other_files_come_with_it(run_dir, tmp_path):
    """Each image is its own forward pass: a batch of six may sum in another order than a batch of one,
    which changed the unrounded --json numbers in the 8th digit."""
    _, ink, _ = sample_digit()
    files = [str(write_scan(ink, tmp_path / "digit.png"))]
    others = (np.rot90(ink, 1), np.rot90(ink, 2), np.rot90(ink, 3), ink.T, np.fliplr(ink))  # a digit turned
    for i, other in enumerate(others):
        files.append(str(write_scan(np.ascontiguousarray(other), tmp_path / f"other{i}.png")))
    (alone,) = images.predict_files(run_dir, files[:1])
    together = images.predict_files(run_dir, files)
    assert together[0].probabilities_10 == alone.probabilities_10
    assert len({tuple(r.probabilities_10) for r in together}) == len(files)  # six different images


def test_a_very_large_page_reads_without_pillows_warning_and_a_larger_one_is_refused(tmp_path, monkeypatch):
    """Pillow warns (two lines on stderr) between its pixel limit and twice it, and refuses above."""
    from PIL import Image as PILImage

    monkeypatch.setattr(PILImage, "MAX_IMAGE_PIXELS", 1000)
    one = np.full((40, 40), 255, np.uint8)  # 1,600 pixels: past the limit, within twice it
    one[5:35, 18:22] = 0
    Image.fromarray(one).save(tmp_path / "large.png")
    Image.fromarray(np.pad(one, 5, constant_values=255)).save(tmp_path / "huge.png")  # 2,500 pixels
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert images.load_digit(tmp_path / "large.png").max() == 255
    with pytest.raises(images.DataError, match=r"huge.png: image too large"):
        images.load_digit(tmp_path / "huge.png")


def test_a_bad_config_json_is_named(run_dir, tmp_path, capsys):
    """predict, eval, viz and export read a run's config.json: a bad field names the file."""
    run = tmp_path / "run"
    shutil.copytree(run_dir, run)
    cfg = json.loads((run / "config.json").read_text())
    (run / "config.json").write_text(json.dumps({**cfg, "activation": "swish"}))
    assert cli_main(["predict", str(run), str(tmp_path / "x.png")]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"nnjax: error: {run / 'config.json'}: config field 'activation' = 'swish': unknown"), err


def test_a_near_certainty_is_not_rounded_to_certainty():
    """float32 softmax says exactly 1 for a runner-up 20 logits behind (e^-20 = 2e-9); shown to people, the
    probabilities are float64 and unrounded, so the answer reads '> 99.9 %', never '100.0 %'."""
    from nnjax.costs import probabilities

    z = np.array([[0.0, 20.0, -5.0] + [-30.0] * 7], np.float32)
    assert float(probabilities(jax.numpy.asarray(z), "cross_entropy")[0, 1]) == 1.0  # why: float32
    for cost in ("cross_entropy", "quadratic"):
        p = probabilities(z, cost)
        assert p.dtype == np.float64 and np.isclose(p.sum(), 1.0) and p[0, 1] < 1.0
    p = probabilities(z, "cross_entropy")[0]
    assert images.percent(p[1]) == "> 99.9 %"
    assert images.Prediction("f.png", 1, [float(x) for x in p]).to_json()["probability"] < 1.0


def test_cli_json_one_object_per_file(run_dir, tmp_path, capsys):
    _, ink, _ = sample_digit()
    good = write_scan(ink, tmp_path / "digit.png")
    bad = bad_files(tmp_path, good)
    assert cli_main(["predict", str(run_dir), str(good), "--json"]) == 0
    (obj,) = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert obj["file"] == str(good) and len(obj["probabilities"]) == 10
    assert obj["digit"] == int(np.argmax(obj["probabilities"]))
    assert obj["probability"] == obj["probabilities"][obj["digit"]]

    assert cli_main(["predict", str(run_dir), str(bad["blank"]), str(good), "--json"]) == 1
    out, err = capsys.readouterr()
    first, second = [json.loads(line) for line in out.splitlines()]
    assert first["file"] == str(bad["blank"]) and "no ink found" in first["error"]
    assert second["digit"] == obj["digit"]
    assert err.startswith(f"nnjax: error: {bad['blank']}: no ink found")


def test_cli_missing_run_folder_is_one_line(tmp_path, capsys):
    assert cli_main(["predict", str(tmp_path / "nope"), str(tmp_path / "x.png")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("nnjax: error: ") and "run folder not found" in err and len(err.splitlines()) == 1


def saturated_quadratic_net() -> tuple[list, Config]:
    """784 → 10 under the quadratic cost with outputs z = 40 (digit 0) and 45 (digit 1) for every image:
    σ(z) is 1 to float64's precision for both, so their probabilities tie, while z says 1."""
    b = np.full(10, -5.0, np.float32)
    b[:2] = 40.0, 45.0
    return [{"W": jax.numpy.zeros((10, 784)), "b": jax.numpy.asarray(b)}], Config(hidden=(), cost="quadratic")


def test_the_answer_is_the_most_active_output_even_where_probabilities_tie():
    params, cfg = saturated_quadratic_net()
    digits, p = images.predict(params, cfg, np.zeros((2, 784), np.uint8))
    assert p[0, 0] == p[0, 1]  # (else this test could not tell argmax z from argmax p)
    assert list(digits) == [1, 1]  # as training's accuracy counts it: argmax z


def test_a_palette_png_with_a_transparent_background_reads_like_the_scan(tmp_path):
    """A palette PNG (as small drawing apps save) whose background entry is transparent, strokes and background
    both black underneath: the background goes onto paper opposite to the ink, as for RGBA (converted straight
    to grey levels it is all black: no ink found)."""
    _, ink, _ = sample_digit()
    reference = images.load_digit(write_scan(ink, tmp_path / "ref.png"))
    pal = Image.fromarray((ink > 127).astype(np.uint8), "P")
    pal.putpalette([0, 0, 0] * 256)  # every entry black: only the transparency tells strokes from background
    pal.save(tmp_path / "palette.png", transparency=0)
    with Image.open(tmp_path / "palette.png") as img:
        assert img.mode == "P" and img.info.get("transparency") == 0
    assert corr_within_1px(images.load_digit(tmp_path / "palette.png"), reference) > 0.9


def test_a_32_bit_integer_tiff_is_scaled_to_its_range_not_clipped(tmp_path):
    """A 32-bit integer TIFF (mode I) says nothing of its range: values above 255 mean a 16-bit scale (clipped
    at 255 the image was blank), values up to 255 the usual 8-bit one."""
    _, ink, _ = sample_digit()
    a = ink.astype(np.float32) / 255
    reference = images.load_digit(write_scan(ink, tmp_path / "ref.png"))
    for top in (65535, 255):
        grey = np.round(top * (1 - 0.6 * a)).astype(np.int32)
        Image.fromarray(grey, "I").save(tmp_path / f"scan{top}.tiff")
        with Image.open(tmp_path / f"scan{top}.tiff") as img:
            assert img.mode == "I"
        read = images.read_grey(tmp_path / f"scan{top}.tiff")
        np.testing.assert_allclose([read.min(), read.max()], [0.4, 1.0], atol=0.01)
        assert corr_within_1px(images.load_digit(tmp_path / f"scan{top}.tiff"), reference) > 0.9, top


def test_a_folder_or_an_unreadable_file_is_named_for_what_it_is(run_dir, tmp_path, monkeypatch):
    """A folder is not reported as a corrupt image, nor is a file the process may not read."""
    _, ink, _ = sample_digit()
    good = write_scan(ink, tmp_path / "digit.png")
    folder = tmp_path / "scans"
    folder.mkdir()
    read, failed, empty = images.predict_files(run_dir, [str(good), str(folder), ""])
    assert isinstance(read, images.Prediction)
    assert failed.message == f"{folder}: is a folder, not an image file"
    # "" (an unset shell variable, quoted) was named as ".", the current folder: ".: is a folder, not an image file"
    assert (empty.file, empty.message) == ("", "'': an empty path, not an image file")

    def denied(path, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(Image, "open", denied)  # (chmod 000 does not stop root)
    with pytest.raises(images.DataError) as e:
        images.read_grey(good)
    assert str(e.value) == f"{good}: permission denied"


def test_a_network_with_non_finite_outputs_reads_no_digit(run_dir, tmp_path, monkeypatch, capsys):
    """A diverged sweep member's parameters (NaN) give NaN probabilities, whose argmax is 0: predict answered
    "0 (nan %)" and exited 0 (and --json printed NaN, which strict JSON readers refuse). Now each file is an
    error line naming it, and the exit code is 1."""
    import nnjax.run

    cfg, params_K, epoch = nnjax.run.load_network(run_dir)
    nan_K = jax.tree_util.tree_map(lambda x: x * np.nan, params_K)
    monkeypatch.setattr(nnjax.run, "load_network", lambda *a, **k: (cfg, nan_K, epoch))
    _, ink, _ = sample_digit()
    good = str(write_scan(ink, tmp_path / "digit.png"))
    (failed,) = images.predict_files(run_dir, [good])
    why = "the network's outputs are NaN or infinite (the parameters of a diverged network?)"
    assert (failed.file, failed.message) == (good, f"{good}: no digit read: {why}")
    assert cli_main(["predict", str(run_dir), good, "--json"]) == 1
    out, err = capsys.readouterr()
    assert json.loads(out) == {"file": good, "error": failed.message}
    assert err == f"nnjax: error: {failed.message}\n"


def test_parameters_that_are_not_one_network_are_one_line_from_the_command_line(tmp_path, monkeypatch, cli_error):
    """check_network_input raised a bare ValueError, which nnjax predict and viz would print as a traceback.
    No run folder reaches it today (a checkpoint must have the shapes its config.json says); a loader that
    gave one network's parameters an extra axis stands in for the next way there."""
    import nnjax.run

    params_K = [{k: v[None, None] for k, v in layer.items()} for layer in random_net()[0]]
    monkeypatch.setattr(nnjax.run, "load_network", lambda *a, **k: (random_net()[1], params_K, 1))
    _, ink, _ = sample_digit()
    line = cli_error("predict", tmp_path / "run", write_scan(ink, tmp_path / "digit.png"))
    assert line.startswith("nnjax: error: predict: params[0]: W of shape (1, 16, 784) and b of shape (1, 16); ")


def test_a_speck_gap_is_measured_on_the_longer_side_of_a_wide_or_tall_page():
    """A small patch 25 px beside the digit on an 800-px-wide page is near (5 % of 800 = 40 px) and kept; one
    far off is a speck. Measured on the short side (5 % of 200 = 10 px) the near patch was cut off."""
    ink = np.zeros((200, 800), np.float32)
    ink[50:150, 380:400] = 1.0  # the digit: a bar of 2000 pixels
    ink[100:103, 425:428] = 1.0  # 9 pixels, 25 px right of it
    ink[100:103, 700:703] = 1.0  # 9 pixels, 300 px right of it
    for page in (ink, ink.T):
        kept = images.without_specks(page)
        want = page.copy()
        far = (slice(100, 103), slice(700, 703)) if page is ink else (slice(700, 703), slice(100, 103))
        want[far] = 0
        np.testing.assert_array_equal(kept, want)


def test_a_stroke_of_medium_strength_is_a_digit_and_a_faint_one_a_speck():
    """to_mnist counts pixels of more than half strength as the digit's: a 0.6 stroke reads, a 0.4 one does not."""
    ink = np.zeros((28, 28), np.float32)
    ink[4:24, 13:15] = 0.6
    assert images.to_mnist(ink).max() > 0
    with pytest.raises(images.DataError, match=r"no digit found \(only a speck of ink: 0 pixels\)"):
        images.to_mnist(ink * (0.4 / 0.6))


def test_a_digit_reaching_near_the_edges_keeps_its_paper(tmp_path):
    """The paper is the median of a thin border ring: a thick 0 filling the image almost to its edges reads
    like the same 0 on a page with wide margins (a wide ring, mostly ink, took the ink for the paper)."""
    tight = np.full((100, 100), 255, np.uint8)
    tight[3:97, 3:97] = 0
    tight[23:77, 23:77] = 255  # a square 0, strokes 20 px wide, 3 px from each edge
    page = np.full((300, 300), 255, np.uint8)
    page[100:200, 100:200] = tight
    Image.fromarray(tight).save(tmp_path / "tight.png")
    Image.fromarray(page).save(tmp_path / "margins.png")
    got, want = images.load_digit(tmp_path / "tight.png"), images.load_digit(tmp_path / "margins.png")
    np.testing.assert_array_equal(got, want)
    # cropped tighter still, the 0's anti-aliased strokes cross the border ring: the paper is still what covers
    # most of the border (its median), so its grey edges read as on the page with margins
    big = Image.new("L", (400, 400), 255)
    ImageDraw.Draw(big).ellipse((0, 0, 399, 399), outline=0, width=80)
    tight = np.asarray(big.resize((100, 100), Image.BOX), np.float32) / 255
    page = np.ones((300, 300), np.float32)
    page[100:200, 100:200] = tight
    assert (tight[:2] < 0.5).any()  # ink on the border
    np.testing.assert_array_equal(images.ink_map(tight), images.ink_map(page)[100:200, 100:200])


@pytest.mark.parametrize("function", ["predict", "layer_activations"])
def test_batch_functions_refuse_float_images_stacked_params_and_a_wrong_cfg_naming_the_argument(function):
    """A notebook's mistakes: float images already in [0, 1] read as near-black pixels with no error; 28×28
    images, one image_784 or a stacked params_K (load_run's) failed deep in JAX with a dot_general shape error."""
    from nnjax import viz
    from nnjax.errors import DataError
    from nnjax.train import stack

    call = {"predict": images.predict, "layer_activations": viz.layer_activations}[function]
    x_name = {"predict": "x_Nx784", "layer_activations": "x_Dx784"}[function]
    params, cfg = saturated_quadratic_net()
    x = np.zeros((2, 784), np.uint8)
    call(params, cfg, x)  # well formed
    bad_images = [
        (x / 255, r"float64 of shape \(2, 784\); expected uint8 .*; float pixels in \[0, 1\]: np.round"),
        (x.reshape(2, 28, 28), r"uint8 of shape \(2, 28, 28\); expected .*: x.reshape\(len\(x\), 784\)$"),
        (x[0], r"uint8 of shape \(784,\); expected uint8 pixels 0–255 of shape \(N, 784\).*; one image: x\[None\]$"),
    ]
    for bad, message in bad_images:
        with pytest.raises(DataError, match=rf"^{function}: {x_name}: {message}"):
            call(params, cfg, bad)
    stacked = r"params\[0\]: W of shape \(1, 10, 784\) .*unstack\(params_K, k\)"
    with pytest.raises(ParamsError, match=rf"^{function}: {stacked}") as raised:
        call(stack([params]), cfg, x)
    assert isinstance(raised.value, ValueError)  # what it was before it was an NnjaxError
    with pytest.raises(ParamsError, match=rf"^{function}: params: dict; expected one network"):
        call(params[0], cfg, x)
    with pytest.raises(ConfigError, match=rf"^{function}: cfg: expected a Config \(e.g. nnjax.configs.video"):
        call(params, "runs/video", x)


@pytest.mark.parametrize("function", ["predict", "layer_activations"])
def test_batch_functions_read_a_config_built_by_hand_as_a_config_file_is_read(function):
    """Config(standardize="false") is a truthy str: predict and layer_activations standardised the pixels of a
    network trained without, silently; a run's config.json or --standardize false reads it as False."""
    from nnjax import viz
    from nnjax.model import init_params

    call = {"predict": images.predict, "layer_activations": viz.layer_activations}[function]
    params = init_params(jax.random.key(0), (8,), "he")
    x = np.arange(2 * 784).reshape(2, 784).astype(np.uint8)
    want = call(params, Config(hidden=(8,), standardize=False), x)
    got = call(params, Config(hidden=(8,), standardize="false"), x)
    for a, b in zip(jax.tree_util.tree_leaves(got), jax.tree_util.tree_leaves(want), strict=True):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ConfigError, match=rf"^{function}: cfg: field 'standardize' has the wrong type: 1 "):
        call(params, Config(hidden=(8,), standardize=1), x)


@pytest.mark.parametrize("one", ["digit.png", Path("digit.png")])
def test_predict_files_refuses_one_path_given_alone(tmp_path, one):
    """predict_files(run, "digit.png") read one file per character ('d', 'i', …) and returned nine Failures."""
    with pytest.raises(TypeError, match=r"^predict_files: files='digit.png': one path; expected a list of image paths"):
        images.predict_files(tmp_path / "run", one)


@pytest.mark.parametrize(
    ("function", "name", "call"),
    [
        ("predict_files", "run_dir", lambda p, tmp: images.predict_files(p, [str(tmp / "digit.png")])),
        ("eval_run", "run_dir", lambda p, tmp: eval_run(p)),
        ("export_run", "run_dir", lambda p, tmp: export_run(p, tmp / "out.npz")),
        ("load_run", "run_dir", lambda p, tmp: load_run(p)),
        ("load_member", "sweep_dir", lambda p, tmp: load_member(p, 0)),
        ("render_run", "run_dir", lambda p, tmp: render_run(p)),
    ],
)
def test_a_network_given_where_its_folder_goes_is_one_error_naming_the_argument(tmp_path, function, name, call):
    """predict_files(params, cfg, files), by analogy with predict(params, cfg, x), failed deep in pathlib with
    "expected str, bytes or os.PathLike object, not list", naming neither the function nor the argument."""
    params = init_params(jax.random.key(0), (4,), "glorot")
    with pytest.raises(TypeError, match=rf"^{function}: {name} is a list: expected the path of a run or sweep folder"):
        call(params, tmp_path)
