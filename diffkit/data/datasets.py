"""Small built-in data sets: no download, deterministic for a given seed.

Each function returns NumPy arrays ``(x, y)``; wrap them in
:class:`~diffkit.data.TensorDataset` for a :class:`~diffkit.data.DataLoader`.

Example
-------
>>> from diffkit import data
>>> x, y = data.sin_cubic()
>>> x.shape, y.shape
((2000,), (2000,))
>>> X, labels = data.digits()
>>> X.shape, sorted(set(labels.tolist())) == list(range(10))
((1797, 64), True)
"""

from __future__ import annotations

import functools
import importlib.util
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ArgumentError, DiffkitError, ShapeError

__all__ = ["sin_cubic", "noisy_linear", "gaussian_classes", "digits", "load_digits", "Digits", "train_test_split"]


def _count(name: str, n: int) -> int:
    """A sample count as given: a positive whole number, or an ArgumentError naming it."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ArgumentError(f"{name} must be a positive whole number of samples, got {n!r}")
    return int(n)


def _float_dtype(dtype: Any) -> np.dtype:
    dt = np.dtype(dtype)
    if dt.kind != "f":
        raise ArgumentError(f"dtype must be a floating type (float32 or float64), got {dt}")
    return dt


def sin_cubic(n: int = 2000, dtype=np.float64) -> tuple[np.ndarray, np.ndarray]:
    """The lecture's cubic-fit data: ``x`` evenly spaced on [-pi, pi], ``y = sin(x)``.

    Example
    -------
    >>> from diffkit import data
    >>> x, y = data.sin_cubic(5)
    >>> x.round(3).tolist()
    [-3.142, -1.571, 0.0, 1.571, 3.142]
    """
    x = np.linspace(-np.pi, np.pi, _count("n", n), dtype=_float_dtype(dtype))
    return x, np.sin(x)


def noisy_linear(n: int = 100, slope: float = 3.0, noise: float = 1.0, seed: int = 0,
                 dtype=np.float32) -> tuple[np.ndarray, np.ndarray]:
    """The lecture's regression data: ``x = 0, 0.1, ..., 9.9`` as a column, ``y = 3x + noise``.

    Example
    -------
    >>> from diffkit import data
    >>> x, y = data.noisy_linear()
    >>> x.shape, float(x[1, 0]) == float(np.float32(0.1))
    ((100, 1), True)
    """
    x = (np.arange(_count("n", n), dtype=np.float64) * 0.1).reshape(-1, 1)
    y = slope * x + noise * np.random.default_rng(seed).standard_normal(x.shape)
    return x.astype(dtype), y.astype(dtype)


def gaussian_classes(n: int = 200, separation: float = 3.0, seed: int = 0,
                     dtype=np.float32) -> tuple[np.ndarray, np.ndarray]:
    """Two 2-D Gaussian blobs (unit covariance) centred ``separation`` apart; labels 0/1.

    Example
    -------
    >>> from diffkit import data
    >>> x, y = data.gaussian_classes(100)
    >>> x.shape, int(y.sum())
    ((100, 2), 50)
    """
    rng = np.random.default_rng(seed)
    n = _count("n", n)
    half = n // 2
    centres = np.array([[-separation / 2, 0.0], [separation / 2, 0.0]])
    labels = np.repeat([0, 1], [half, n - half])
    x = centres[labels] + rng.standard_normal((n, 2))
    order = rng.permutation(n)
    return x[order].astype(dtype), labels[order]


# Digit shapes as polylines in the unit square (x right, y down). The 8x8
# images are rendered from them with random pen width, slant, scale and shift,
# in the style of the UCI 8x8 handwritten digits (values 0..16).
def _arc(cx, cy, rx, ry, a0=0.0, a1=2 * np.pi, k=24):
    t = np.linspace(a0, a1, k)
    return np.stack([cx + rx * np.cos(t), cy + ry * np.sin(t)], axis=1)


_STROKES: dict[int, list[np.ndarray]] = {
    0: [_arc(0.5, 0.5, 0.28, 0.4)],
    1: [np.array([[0.35, 0.25], [0.52, 0.1], [0.52, 0.9]])],
    2: [np.array([[0.2, 0.3], [0.3, 0.13], [0.5, 0.08], [0.7, 0.13], [0.78, 0.3], [0.68, 0.5],
                  [0.2, 0.9], [0.82, 0.9]])],
    3: [np.array([[0.2, 0.12], [0.75, 0.12], [0.45, 0.45], [0.72, 0.55], [0.78, 0.75], [0.6, 0.9],
                  [0.2, 0.88]])],
    4: [np.array([[0.66, 0.9], [0.66, 0.1], [0.15, 0.65], [0.85, 0.65]])],
    5: [np.array([[0.8, 0.1], [0.27, 0.1], [0.24, 0.45], [0.6, 0.42], [0.78, 0.6], [0.75, 0.8],
                  [0.55, 0.92], [0.2, 0.86]])],
    6: [np.array([[0.72, 0.1], [0.42, 0.28], [0.26, 0.58], [0.3, 0.84], [0.5, 0.92], [0.72, 0.82],
                  [0.74, 0.62], [0.52, 0.5], [0.28, 0.6]])],
    7: [np.array([[0.18, 0.1], [0.82, 0.1], [0.42, 0.9]])],
    8: [_arc(0.5, 0.29, 0.19, 0.19), _arc(0.5, 0.69, 0.24, 0.22)],
    9: [_arc(0.5, 0.32, 0.22, 0.21), np.array([[0.72, 0.32], [0.66, 0.6], [0.55, 0.9]])],
}


def _points(strokes: list[np.ndarray], per_unit: int = 40) -> np.ndarray:
    """Dense points along polylines."""
    out = []
    for line in strokes:
        for a, b in zip(line[:-1], line[1:]):
            k = max(2, int(np.hypot(*(b - a)) * per_unit))
            t = np.linspace(0.0, 1.0, k)[:, None]
            out.append(a + t * (b - a))
    return np.concatenate(out)


def digits(n_per_class: int = 180, seed: int = 0, noise: float = 0.8,
           jitter: float = 0.03) -> tuple[np.ndarray, np.ndarray]:
    """8x8 handwritten-style digits, generated deterministically: ``X`` (n, 64) in 0..16, labels 0..9.

    Same layout as the classic UCI 8x8 digits (1797 images with the defaults:
    the last class is three short). Each image is a digit's strokes drawn with
    jittered vertices and a random affine distortion (rotation, slant, scale,
    shift) and pen width,
    averaged onto an 8x8 grid, scaled to 0..16 and rounded, with pixel noise.

    Example
    -------
    >>> from diffkit import data
    >>> X, y = data.digits(n_per_class=3)
    >>> X.shape, X.min() >= 0, X.max() <= 16
    ((30, 64), np.True_, np.True_)
    """
    X, y = _digits(_count("n_per_class", n_per_class), seed, noise, jitter)
    return X.copy(), y.copy()


@functools.lru_cache(maxsize=4)
def _digits(n_per_class: int, seed: int, noise: float, jitter: float) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    res = 16  # render at 16x16, then average 2x2 blocks down to 8x8
    centres = (np.arange(res) + 0.5) / res
    gx, gy = np.meshgrid(centres, centres)
    grid = np.stack([gx.ravel(), gy.ravel()], axis=1)
    images, labels = [], []
    for digit in range(10):
        count = n_per_class if digit < 9 or n_per_class != 180 else n_per_class - 3
        for _ in range(count):
            # every writer bends the strokes a little differently
            strokes = [s + rng.normal(0, jitter, size=s.shape) for s in _STROKES[digit]]
            base = _points(strokes) - 0.5
            angle = rng.uniform(-0.25, 0.25)
            shear = rng.uniform(-0.3, 0.3)
            sx, sy = rng.uniform(0.75, 1.05), rng.uniform(0.8, 1.05)
            rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
            affine = rot @ np.array([[sx, shear], [0.0, sy]])
            pts = base @ affine.T + 0.5 + rng.uniform(-0.08, 0.08, size=2)
            width = rng.uniform(0.05, 0.09)
            d2 = ((grid[:, None, :] - pts[None, :, :]) ** 2).sum(-1).min(axis=1)
            ink = np.exp(-d2 / (2 * width**2)).reshape(res, res)
            img = ink.reshape(8, 2, 8, 2).mean(axis=(1, 3))
            img = img / max(img.max(), 1e-12) * 16 + rng.normal(0, noise, size=(8, 8))
            images.append(np.clip(np.rint(img), 0, 16).ravel())
            labels.append(digit)
    X = np.array(images, dtype=np.float64)
    y = np.array(labels, dtype=np.int64)
    order = rng.permutation(len(y))
    return X[order], y[order]


@dataclass(frozen=True)
class Digits:
    """8x8 digit images and their labels, and where they came from; unpacks as ``X, y``.

    Attributes
    ----------
    data : ndarray
        (n, 64) float64 pixel values 0..16, row by row.
    target : ndarray
        (n,) int64 labels.
    images : ndarray
        (n, 8, 8), the same pixels as images.
    source : str
        ``"uci"`` for the real UCI handwritten digits (scikit-learn's bundled
        copy), ``"synthetic"`` for :func:`digits`' generated ones.

    Example
    -------
    >>> from diffkit import data
    >>> d = data.load_digits(source="synthetic")
    >>> X, y = d
    >>> X.shape, d.images.shape, d.source
    ((1797, 64), (1797, 8, 8), 'synthetic')
    """

    data: np.ndarray
    target: np.ndarray
    images: np.ndarray
    source: str

    def __iter__(self):
        return iter((self.data, self.target))


def load_digits(n_class: int = 10, source: str = "auto") -> Digits:
    """The UCI handwritten digits (1797 images, 8x8, 0..16), as scikit-learn bundles them.

    With ``source="auto"`` (the default) the real images are read from
    scikit-learn's copy when scikit-learn is installed (``pip install
    'diffkit[data]'``; nothing is downloaded); without it the synthetic
    :func:`digits` stand in, with a warning. The result's ``source`` says
    which you got. ``source="uci"`` insists on the real ones,
    ``"synthetic"`` asks for the generated ones.

    Parameters
    ----------
    n_class : int, default 10
        Keep the digits 0 .. n_class - 1.
    source : {"auto", "uci", "synthetic"}

    Returns
    -------
    Digits
        ``data`` (n, 64), ``target`` (n,), ``images`` (n, 8, 8), ``source``;
        ``X, y = load_digits()`` unpacks the first two.

    Example
    -------
    >>> import warnings
    >>> from diffkit import data
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")       # (the fallback's warning, where scikit-learn is missing)
    ...     d = data.load_digits()
    >>> d.data.shape, d.images.shape, d.source in ("uci", "synthetic")
    ((1797, 64), (1797, 8, 8), True)
    """
    if source not in ("auto", "uci", "synthetic"):
        raise ArgumentError(f"load_digits(): source must be 'auto', 'uci' or 'synthetic', got {source!r}")
    if isinstance(n_class, bool) or not isinstance(n_class, (int, np.integer)) or not 1 <= n_class <= 10:
        raise ArgumentError(f"load_digits(): n_class must be a whole number from 1 to 10, got {n_class!r}")
    real = None if source == "synthetic" else _bundled_uci_digits()
    if real is not None:
        (X, y), source = real, "uci"
    else:
        if source == "uci":
            raise DiffkitError("load_digits(source='uci') reads scikit-learn's bundled copy of the UCI digits, and "
                               "scikit-learn is not installed: pip install 'diffkit[data]' (or scikit-learn)")
        if source == "auto":
            warnings.warn("scikit-learn is not installed, so load_digits() returns synthetic digits "
                          "(dk.data.digits()), not the real UCI ones: pip install 'diffkit[data]' for those; "
                          "result.source says which you have", UserWarning, stacklevel=2)
        (X, y), source = digits(), "synthetic"
    keep = y < n_class
    X, y = X[keep], y[keep]
    return Digits(X, y, X.reshape(-1, 8, 8), source)


def _bundled_uci_digits() -> tuple[np.ndarray, np.ndarray] | None:
    """scikit-learn's copy of the UCI digits as (X, y), or None without scikit-learn.

    Read straight from the package's data file (25 ms) rather than through
    ``import sklearn.datasets`` (4 s: it loads SciPy); through the public
    loader where the file is not where scikit-learn has always kept it.
    """
    spec = importlib.util.find_spec("sklearn")
    if spec is None:
        return None
    for folder in spec.submodule_search_locations or ():
        path = Path(folder, "datasets", "data", "digits.csv.gz")
        if path.is_file():
            table = np.loadtxt(path, delimiter=",")
            return table[:, :-1], table[:, -1].astype(np.int64)
    from sklearn.datasets import load_digits as bundled

    found = bundled()
    return np.asarray(found.data, dtype=np.float64), np.asarray(found.target, dtype=np.int64)


def train_test_split(*arrays: np.ndarray, test_size: float = 0.25, seed: int = 0) -> list[np.ndarray]:
    """Split arrays (same first dimension) into train and test parts: ``[a_train, a_test, b_train, ...]``.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit import data
    >>> xtr, xte = data.train_test_split(np.arange(8), test_size=0.25)
    >>> len(xtr), len(xte)
    (6, 2)
    """
    n = len(arrays[0])
    if any(len(a) != n for a in arrays):
        raise ShapeError(f"arrays differ in length: {[len(a) for a in arrays]}")
    if isinstance(test_size, bool) or not (isinstance(test_size, float) and 0.0 < test_size < 1.0
                                           or isinstance(test_size, (int, np.integer)) and 0 <= test_size <= n):
        raise ArgumentError(f"test_size must be a fraction between 0 and 1 or a count up to {n}, got {test_size!r}")
    perm = np.random.default_rng(seed).permutation(n)
    cut = n - (int(test_size) if isinstance(test_size, (int, np.integer)) else int(round(n * test_size)))
    out = []
    for a in arrays:
        out += [a[perm[:cut]], a[perm[cut:]]]
    return out
