"""The convolution benchmarks: a training step of notebook 09's digits CNN, and conv2d alone at a LeNet-like shape.

``cnn_step``: one SGD step (momentum 0.9) of the CNN of notebook 09 (two 3x3
convolutions with batch norm, ReLU and 2x2 max pooling, a linear head) on
8x8 images at batch 64, float32, cross-entropy: diffkit against torch eager,
each in a process of its own (see isolated.py).

``conv2d``: forward and backward of two stacked 5x5 convolutions, 1 -> 8 -> 16
channels on 28x28 images at batch 64, float32 (the gradient of the weights
and of the first convolution's output): diffkit, torch eager, and the
im2col a student writes in NumPy. Reported with the memory the im2col
buffers take (the windows as a matrix, and the gradient's columns before
col2im folds them back) and the peak memory tracemalloc sees.
"""

from __future__ import annotations

import tracemalloc

import numpy as np

from . import isolated
from .harness import Row, require

LR = 0.05


# --------------------------------------------------------------------------- cnn_step
def digits_cnn(lib):
    """Notebook 09's model, in diffkit or torch (the same lines)."""
    nn = lib.nn
    return nn.Sequential(nn.Conv2d(1, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(16, 32, 3, padding=1, bias=False), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(32 * 2 * 2, 10))


def _cnn_step(lib, to_tensor, batch: int):
    rng = np.random.default_rng(0)
    x = to_tensor(rng.standard_normal((batch, 1, 8, 8)).astype(np.float32))
    y = to_tensor(rng.integers(0, 10, batch))
    model = digits_cnn(lib)
    opt = lib.optim.SGD(model.parameters(), lr=LR, momentum=0.9)
    loss_fn = lib.nn.CrossEntropyLoss()

    def step():
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()

    return step


def cnn_diffkit(batch):
    import diffkit as dk

    return _cnn_step(dk, dk.tensor, int(batch))


def cnn_torch(batch):
    torch = require("torch")
    return _cnn_step(torch, torch.from_numpy, int(batch))


CNN_IMPLS = {"diffkit": cnn_diffkit, "torch eager": cnn_torch}


def bench_cnn_step(quick: bool) -> list[Row]:
    """One SGD step of notebook 09's digits CNN at batch 64, float32 (each implementation in its own process)."""
    rows = []
    for impl in CNN_IMPLS:
        seconds, note = isolated.measure("cnn_step", impl, 64, processes=1 if quick else 3)
        rows.append(Row("cnn_step", "batch 64", impl, seconds, note=note))
    return rows


# --------------------------------------------------------------------------- conv2d
LENET = dict(batch=64, channels=(1, 8, 16), size=28, kernel=5)


def _lenet_arrays():
    rng = np.random.default_rng(1)
    n, (c0, c1, c2), s, k = LENET["batch"], LENET["channels"], LENET["size"], LENET["kernel"]
    x = rng.standard_normal((n, c0, s, s)).astype(np.float32)
    w1 = (rng.standard_normal((c1, c0, k, k)) / np.sqrt(c0 * k * k)).astype(np.float32)
    w2 = (rng.standard_normal((c2, c1, k, k)) / np.sqrt(c1 * k * k)).astype(np.float32)
    out = s - 2 * (k - 1)
    g = rng.standard_normal((n, c2, out, out)).astype(np.float32)
    return x, w1, w2, g


def im2col_bytes() -> int:
    """Bytes of the im2col buffers of one forward and backward, as both NumPy-based versions lay them out:
    each convolution's windows (rows N*OH*OW, columns C*KH*KW), and for the second the columns of its input
    gradient before they are folded back."""
    n, (c0, c1, _), s, k = LENET["batch"], LENET["channels"], LENET["size"], LENET["kernel"]
    o1, o2 = s - k + 1, s - 2 * (k - 1)
    windows = n * o1 * o1 * c0 * k * k + n * o2 * o2 * c1 * k * k
    return 4 * (windows + n * o2 * o2 * c1 * k * k)


def conv_diffkit():
    import diffkit as dk
    from diffkit.nn import functional as F

    x, w1, w2, g = _lenet_arrays()
    x = dk.tensor(x)
    w1, w2 = dk.tensor(w1, requires_grad=True), dk.tensor(w2, requires_grad=True)
    g = dk.tensor(g)

    def step():
        w1.grad = w2.grad = None
        (F.conv2d(F.conv2d(x, w1), w2) * g).sum().backward()
        return w1.grad, w2.grad

    return step


def conv_torch():
    torch = require("torch")
    x, w1, w2, g = (torch.from_numpy(a) for a in _lenet_arrays())
    w1.requires_grad_()
    w2.requires_grad_()

    def step():
        w1.grad = w2.grad = None
        (torch.nn.functional.conv2d(torch.nn.functional.conv2d(x, w1), w2) * g).sum().backward()
        return w1.grad, w2.grad

    return step


def _im2col(x, k):
    """(C*k*k, N*OH*OW) columns, one per output position, the lecture's way."""
    n, c, h, w = x.shape
    oh, ow = h - k + 1, w - k + 1
    cols = np.empty((c, k, k, n, oh, ow), dtype=x.dtype)
    for i in range(k):
        for j in range(k):
            cols[:, i, j] = x[:, :, i:i + oh, j:j + ow].transpose(1, 0, 2, 3)
    return cols.reshape(c * k * k, n * oh * ow)


def _col2im(cols, shape, k):
    n, c, h, w = shape
    oh, ow = h - k + 1, w - k + 1
    cols = cols.reshape(c, k, k, n, oh, ow)
    out = np.zeros((c, n, h, w), dtype=cols.dtype)
    for i in range(k):
        for j in range(k):
            out[:, :, i:i + oh, j:j + ow] += cols[:, i, j]
    return out.transpose(1, 0, 2, 3)


def conv_numpy():
    """Forward and backward by hand: y = W @ cols, dW = dY @ cols^T, dx = col2im(W^T @ dY)."""
    x, w1, w2, g = _lenet_arrays()
    k = LENET["kernel"]

    def conv(x, w):
        cols = _im2col(x, k)
        y = w.reshape(w.shape[0], -1) @ cols
        n, oh = x.shape[0], x.shape[2] - k + 1
        return y.reshape(w.shape[0], n, oh, oh).transpose(1, 0, 2, 3), cols

    def step():
        h, cols1 = conv(x, w1)
        _, cols2 = conv(h, w2)
        dy = g.transpose(1, 0, 2, 3).reshape(w2.shape[0], -1)
        dw2 = dy @ cols2.T
        dh = _col2im(w2.reshape(w2.shape[0], -1).T @ dy, h.shape, k)
        dw1 = dh.transpose(1, 0, 2, 3).reshape(w1.shape[0], -1) @ cols1.T
        return dw1.reshape(w1.shape), dw2.reshape(w2.shape)

    return step


CONV_IMPLS = {"diffkit": conv_diffkit, "torch eager": conv_torch, "numpy im2col": conv_numpy}


def peak_bytes(make) -> int:
    """Peak memory NumPy allocates during one call (tracemalloc), above what the set-up holds."""
    step = make()
    step()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        step()
        return tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()


def bench_conv2d(quick: bool) -> list[Row]:
    """conv2d forward + backward, two 5x5 layers 1 -> 8 -> 16 channels, 28x28, batch 64, float32 (own processes)."""
    rows = []
    mb = im2col_bytes() / 2**20
    for impl in CONV_IMPLS:
        seconds, note = isolated.measure("conv2d", impl, processes=1 if quick else 3)
        extra = {} if impl == "torch eager" else {"im2col MB": round(mb, 1)}
        if impl != "torch eager":
            extra["peak MB"] = round(peak_bytes(CONV_IMPLS[impl]) / 2**20, 1)
        rows.append(Row("conv2d", "LeNet-like, batch 64", impl, seconds, note=note, extra=extra))
    return rows
