"""The benchmarks. Each returns rows for diffkit and every installed peer, measured now.

Peers that are not installed are skipped with a note. Each benchmark also
names its target, as a ratio of diffkit's time to a peer's.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import isolated
from .cnn import CNN_IMPLS, CONV_IMPLS, bench_cnn_step, bench_conv2d
from .harness import Row, interleaved_times, median_time, peer, require


@dataclass
class Target:
    """``diffkit / peer <= limit`` for the given case (or every case when ``case`` is None); with
    ``error_limit``, also ``diffkit's error / peer's error <= error_limit``."""

    impl: str
    peer: str
    limit: float
    case: str | None = None
    error_limit: float | None = None


# --------------------------------------------------------------------------- mlp_step
# Every implementation is a factory: given the batch size it builds one model
# from the same weights and returns the step to time. They run in processes of
# their own (see isolated.py): OpenBLAS and OpenMP threads left spinning by one
# library slow the next one down.
LR = 0.01


def _mlp_numpy(batch: int, rng):
    sizes = [784, 512, 512, 10]
    Ws = [(rng.uniform(-1, 1, (o, i)) / np.sqrt(i)).astype(np.float32) for i, o in zip(sizes[:-1], sizes[1:])]
    bs = [np.zeros(o, np.float32) for o in sizes[1:]]
    x = rng.standard_normal((batch, 784)).astype(np.float32)
    y = rng.integers(0, 10, batch)
    return Ws, bs, x, y


def _mlp_data(batch: int):
    return _mlp_numpy(int(batch), np.random.default_rng(0))


def _xent_grad(z, y):
    """d(mean cross-entropy)/d(logits z) against classes y: (softmax(z) - one_hot(y)) / N."""
    z = z - z.max(axis=1, keepdims=True)
    p = np.exp(z)
    p /= p.sum(axis=1, keepdims=True)
    p[np.arange(len(y)), y] -= 1
    return p / len(y)


def mlp_numpy(batch):
    """Forward and backward written out in NumPy, the way the lecture derives them."""
    Ws, bs, x, y = _mlp_data(batch)

    def step():
        h1 = x @ Ws[0].T + bs[0]
        a1 = np.maximum(h1, 0)
        h2 = a1 @ Ws[1].T + bs[1]
        a2 = np.maximum(h2, 0)
        g = _xent_grad(a2 @ Ws[2].T + bs[2], y)
        gW2, gb2 = g.T @ a2, g.sum(0)
        g = (g @ Ws[2]) * (h2 > 0)
        gW1, gb1 = g.T @ a1, g.sum(0)
        g = (g @ Ws[1]) * (h1 > 0)
        gW0, gb0 = g.T @ x, g.sum(0)
        for P, G in zip(Ws + bs, [gW0, gW1, gW2, gb0, gb1, gb2]):
            P -= LR * G

    step.params = Ws + bs
    return step


def mlp_numpy_tuned(batch):
    """The floor for any NumPy-based engine: the lecture's NumPy with diffkit's layouts and
    one-pass update, and no Python between the array calls beyond the step itself."""
    from diffkit.ad.blas import axpy

    Ws, bs, x, y = _mlp_data(batch)

    def step():
        h1 = (Ws[0] @ x.T).T
        h1 += bs[0]
        a1 = np.maximum(h1, 0)
        h2 = (Ws[1] @ a1.T).T
        h2 += bs[1]
        a2 = np.maximum(h2, 0)
        g = _xent_grad((Ws[2] @ a2.T).T + bs[2], y)
        gW2, gb2 = g.T @ a2, g.sum(0)
        g = (Ws[2].T @ g.T).T * (h2 > 0)
        gW1, gb1 = g.T @ a1, g.sum(0)
        g = (Ws[1].T @ g.T).T * (h1 > 0)
        gW0, gb0 = g.T @ x, g.sum(0)
        for P, G in zip(Ws + bs, [gW0, gW1, gW2, gb0, gb1, gb2]):
            axpy(-LR, G, P)

    step.params = Ws + bs
    return step


def _pytorch_style(lib, to_tensor, batch):
    """The step as PyTorch code: diffkit runs the same lines, with ``lib = diffkit``."""
    nn = lib.nn
    Ws, bs, x, y = _mlp_data(batch)
    model = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10))
    with lib.no_grad():
        for layer, W, b in zip([model[0], model[2], model[4]], Ws, bs):
            layer.weight.copy_(to_tensor(W))
            layer.bias.copy_(to_tensor(b))
    opt = lib.optim.SGD(model.parameters(), lr=LR)
    xt, yt = to_tensor(x), to_tensor(y)
    loss_fn = nn.CrossEntropyLoss()

    def step():
        opt.zero_grad()
        loss = loss_fn(model(xt), yt)
        loss.backward()
        opt.step()

    layers = [model[0], model[2], model[4]]
    step.params = [layer.weight for layer in layers] + [layer.bias for layer in layers]
    return step


def mlp_diffkit(batch):
    import diffkit as dk

    return _pytorch_style(dk, dk.tensor, batch)


def mlp_torch(batch):
    torch = require("torch")
    return _pytorch_style(torch, torch.from_numpy, batch)


def mlp_jax(batch):
    jax = require("jax")
    import jax.numpy as jnp

    Ws, bs, x, y = _mlp_data(batch)
    params = [(jnp.asarray(W), jnp.asarray(b)) for W, b in zip(Ws, bs)]

    def jloss(params, x, y):
        h = x
        for i, (W, b) in enumerate(params):
            h = h @ W.T + b
            if i < len(params) - 1:
                h = jnp.maximum(h, 0)
        logp = jax.nn.log_softmax(h)
        return -jnp.mean(logp[jnp.arange(y.shape[0]), y])

    @jax.jit
    def jstep(params, x, y):
        g = jax.grad(jloss)(params, x, y)
        return [(W - LR * gW, b - LR * gb) for (W, b), (gW, gb) in zip(params, g)]

    jx, jy = jnp.asarray(x), jnp.asarray(y)
    state = {"p": params}

    def step():
        state["p"] = jstep(state["p"], jx, jy)
        jax.block_until_ready(state["p"])

    step()  # compile
    return step


def mlp_autograd(batch):
    ag = require("autograd")
    import autograd.numpy as anp

    Ws, bs, x, y = _mlp_data(batch)
    aparams = [(W.copy(), b.copy()) for W, b in zip(Ws, bs)]

    def aloss(params):
        h = x
        for i, (W, b) in enumerate(params):
            h = anp.dot(h, W.T) + b
            if i < len(params) - 1:
                h = anp.maximum(h, 0)
        h = h - anp.max(h, axis=1, keepdims=True)
        logp = h - anp.log(anp.sum(anp.exp(h), axis=1, keepdims=True))
        return -anp.mean(logp[np.arange(len(y)), y])

    agrad = ag.grad(aloss)

    def step():
        g = agrad(aparams)
        for (W, b), (gW, gb) in zip(aparams, g):
            W -= LR * gW
            b -= LR * gb

    return step


MLP_IMPLS = {"numpy by hand": mlp_numpy, "numpy tuned (limit)": mlp_numpy_tuned, "diffkit": mlp_diffkit,
             "torch eager": mlp_torch, "jax.jit": mlp_jax, "HIPS autograd": mlp_autograd}


def bench_mlp_step(quick: bool) -> list[Row]:
    """One SGD training step of an MLP 784-512-512-10, float32, cross-entropy (each in its own process)."""
    rows = []
    for batch in (64,) if quick else (64, 512):
        for impl in MLP_IMPLS:
            seconds, note = isolated.measure("mlp_step", impl, batch, processes=1 if quick else 3)
            rows.append(Row("mlp_step", f"batch {batch}", impl, seconds, note=note))
    return rows


MLP_TARGETS = [Target("diffkit", "torch eager", 1.0), Target("diffkit", "numpy by hand", 1.1)]


# --------------------------------------------------------------------------- tape_overhead
def bench_tape_overhead(quick: bool) -> list[Row]:
    """Forward + backward through a chain of N small-tensor ops (shape (4,)), per op."""
    import diffkit as dk

    rows = []
    for n in (1_000,) if quick else (1_000, 10_000):
        case = f"N = {n}"
        x0 = np.linspace(0.1, 0.4, 4)

        def diffkit_chain():
            x = dk.tensor(x0, requires_grad=True)
            h = x
            for _ in range(n // 2):
                h = (h * 0.999).sin()
            h.sum().backward()

        rows.append(Row("tape_overhead", case, "diffkit", median_time(diffkit_chain, repeat=5, min_seconds=0),
                        per=n))
        torch = peer("torch")
        if torch is not None:
            tx0 = torch.from_numpy(x0)

            def torch_chain():
                x = tx0.clone().requires_grad_(True)
                h = x
                for _ in range(n // 2):
                    h = (h * 0.999).sin()
                h.sum().backward()

            rows.append(Row("tape_overhead", case, "torch eager", median_time(torch_chain, min_seconds=0), per=n))
        ag = peer("autograd")
        if ag is not None:
            import autograd.numpy as anp

            def f(x):
                h = x
                for _ in range(n // 2):
                    h = anp.sin(h * 0.999)
                return anp.sum(h)

            g = ag.grad(f)
            rows.append(Row("tape_overhead", case, "HIPS autograd", median_time(lambda: g(x0), min_seconds=0),
                            per=n))
        from .micro import Scalar

        def micro_chain():  # scalar objects: four chains, one per element
            out = Scalar(0.0)
            for v in x0:
                h = Scalar(float(v))
                for _ in range(n // 2):
                    h = (h * 0.999).sin()
                out = out + h
            out.backward()

        rows.append(Row("tape_overhead", case, "micrograd-style", median_time(micro_chain, min_seconds=0), per=n))
    return rows


TAPE_TARGETS = [Target("diffkit", "HIPS autograd", 1.0), Target("diffkit", "torch eager", 2.0)]


# --------------------------------------------------------------------------- scalar_expr
def _scalar_chain(n: int):
    """A scalar expression of about n nodes: h <- sin(h) * y + x, repeated (as a traced Expr)."""
    import diffkit as dk

    def body(x, y):
        h = x
        for _ in range(n // 3):
            h = dk.sin(h) * y + x
        return h

    return dk.trace(body), body


def bench_scalar_expr(quick: bool) -> list[Row]:
    """Gradient of a scalar Expr of N nodes at one point (the compiled Graph path)."""
    import diffkit as dk

    rows = []
    at = {"x": 0.3, "y": 0.9}
    for n in (1_000, 10_000) if quick else (1_000, 10_000, 100_000):
        case = f"N = {n}"
        f, body = _scalar_chain(n)
        nodes = len(f.graph)
        rev = dk.ReverseMode()
        t0 = time.perf_counter()
        rev.gradient(f, at)  # records and compiles the gradient program once (cached)
        first_s = time.perf_counter() - t0
        rows.append(Row("scalar_expr", case, "diffkit", median_time(lambda: rev.gradient(f, at), min_seconds=0),
                        per=nodes, note=f"first call {first_s:.2f} s"))
        from .micro import Scalar

        def micro():
            x, y = Scalar(at["x"]), Scalar(at["y"])
            h = x
            for _ in range(n // 3):
                h = h.sin() * y + x
            h.backward()

        rows.append(Row("scalar_expr", case, "micrograd-style", median_time(micro, min_seconds=0), per=nodes))
        ag = peer("autograd")
        if ag is not None:
            import autograd.numpy as anp

            def af(x, y):
                h = x
                for _ in range(n // 3):
                    h = anp.sin(h) * y + x
                return h

            g = ag.grad(lambda xy: af(*xy))  # one reverse pass for both inputs
            rows.append(Row("scalar_expr", case, "HIPS autograd",
                            median_time(lambda: g((at["x"], at["y"])), min_seconds=0), per=nodes))
        jax = peer("jax")
        if jax is not None and n <= (1_000 if quick else 10_000):  # un-jitted JAX: seconds a call
            import jax.numpy as jnp

            def jf(x, y):
                h = x
                for _ in range(n // 3):
                    h = jnp.sin(h) * y + x
                return h

            jg = jax.grad(jf, argnums=(0, 1))
            rows.append(Row("scalar_expr", case, "jax (no jit)",
                            median_time(lambda: jax.block_until_ready(jg(at["x"], at["y"])), min_seconds=0), per=nodes))
            if n <= 1_000 and not quick:
                jj = jax.jit(jg)
                t0 = time.perf_counter()
                jax.block_until_ready(jj(at["x"], at["y"]))
                compile_s = time.perf_counter() - t0
                rows.append(Row("scalar_expr", case, "jax.jit",
                                median_time(lambda: jax.block_until_ready(jj(at["x"], at["y"])), min_seconds=0),
                                per=nodes, note=f"compile {compile_s:.1f} s"))
    return rows


SCALAR_TARGETS = [Target("diffkit", "micrograd-style", 0.25)]


# --------------------------------------------------------------------------- batch_grad
def _batch_points():
    rng = np.random.default_rng(0)
    n = 10**6
    return rng.uniform(0.5, 2.0, n), rng.uniform(-2.0, 2.0, n)


BATCH_F = "log(x) + x*y - sin(y)"


def batch_numpy():
    x, y = _batch_points()
    return lambda: (np.log(x) + x * y - np.sin(y), 1 / x + y, x - np.cos(y))


def _batch_diffkit(mode: str):
    import diffkit as dk

    x, y = _batch_points()
    f = dk.expr(BATCH_F)
    d = dk.ReverseMode() if mode == "reverse" else dk.ForwardMode()
    return lambda: d.gradient(f, {"x": x, "y": y})


def batch_torch():
    torch = require("torch")
    x, y = _batch_points()
    tx, ty = torch.from_numpy(x), torch.from_numpy(y)

    def grad():
        a = tx.clone().requires_grad_(True)
        b = ty.clone().requires_grad_(True)
        out = torch.log(a) + a * b - torch.sin(b)
        out.backward(torch.ones_like(out))
        return a.grad, b.grad

    return grad


def batch_jax():
    jax = require("jax")
    import jax.numpy as jnp

    jax.config.update("jax_enable_x64", True)
    x, y = _batch_points()
    g = jax.jit(jax.vmap(jax.grad(lambda a, b: jnp.log(a) + a * b - jnp.sin(b), argnums=(0, 1))))
    jx, jy = jnp.asarray(x), jnp.asarray(y)
    jax.block_until_ready(g(jx, jy))  # compile
    return lambda: jax.block_until_ready(g(jx, jy))


BATCH_IMPLS = {"numpy by hand": batch_numpy, "diffkit reverse": lambda: _batch_diffkit("reverse"),
               "diffkit forward": lambda: _batch_diffkit("forward"), "torch eager": batch_torch,
               "jax.jit(vmap(grad))": batch_jax}


def bench_batch_grad(quick: bool) -> list[Row]:
    """Gradient of log(x) + x*y - sin(y) at 10^6 points (each in its own process)."""
    x, y = _batch_points()
    exact = (1 / x + y, x - np.cos(y))
    rows = []
    for impl in BATCH_IMPLS:
        seconds, note = isolated.measure("batch_grad", impl, processes=1 if quick else 3)
        error = None
        if impl.startswith("diffkit"):  # its error, from one call here of what the process timed
            gr = BATCH_IMPLS[impl]()().gradient
            error = max(float(np.max(np.abs(gr["x"] - exact[0]))), float(np.max(np.abs(gr["y"] - exact[1]))))
        rows.append(Row("batch_grad", "10^6 points", impl, seconds, error=error, note=note))
    return rows


BATCH_TARGETS = [Target("diffkit reverse", "numpy by hand", 1.5), Target("diffkit reverse", "torch eager", 1.0)]


# --------------------------------------------------------------------------- fd_gradient
def bench_fd_gradient(quick: bool) -> list[Row]:
    """Batched finite-difference gradient of sum(sin(x) x^2) (the implementations take turns)."""
    import diffkit as dk

    def fn(x):  # points as columns when batched (SciPy's convention); a plain vector otherwise
        return np.sum(np.sin(x) * x**2, axis=0)

    rows = []
    for n in (10, 100, 1000):
        case = f"n = {n}"
        x = np.random.default_rng(n).uniform(-2, 2, n)
        exact = np.cos(x) * x**2 + 2 * x * np.sin(x)

        def err(g):
            return float(np.max(np.abs(np.asarray(g) - exact)))

        fns = {label: (lambda acc=acc: dk.numeric.gradient(fn, x, scheme="central", accuracy=acc))
               for label, acc in (("diffkit central", 2), ("diffkit central-4", 4))}
        # central-4 extrapolated once (h and h/2): what numdifftools does, at a fixed two steps
        fns["diffkit richardson-4 (2 steps)"] = lambda: dk.numeric.gradient(fn, x, method="richardson", accuracy=4,
                                                                            levels=2)
        opt = peer("scipy.optimize")
        if opt is not None:
            fns["scipy approx_fprime"] = lambda: opt.approx_fprime(x, fn)
        nd = peer("numdifftools")
        if nd is not None:
            G = nd.Gradient(fn)
            fns["numdifftools Gradient"] = lambda: G(x)
        times = interleaved_times(fns, repeat=5)
        rows += [Row("fd_gradient", case, label, times[label], error=err(f())) for label, f in fns.items()]
    return rows


FD_TARGETS = [Target("diffkit central", "scipy approx_fprime", 1 / 3, case="n = 100", error_limit=1 / 100),
              Target("diffkit central-4", "numdifftools Gradient", 1 / 5, case="n = 1000", error_limit=1.0),
              Target("diffkit richardson-4 (2 steps)", "numdifftools Gradient", 1 / 5, case="n = 1000",
                     error_limit=1.0)]


# --------------------------------------------------------------------------- swell
def bench_swell(quick: bool) -> list[Row]:
    """Derivative of the logistic map l_n, expanded: SymPy against the SymEngine backend."""
    import sympy

    import diffkit as dk

    rows = []
    for n in range(1, 9 if quick else 11):
        for label, backend in (("diffkit sympy", "sympy"), ("diffkit symengine", "symengine")):
            if backend == "symengine" and peer("symengine") is None:
                rows.append(Row("swell", f"n = {n}", label, None, note="not installed"))
                continue
            if backend == "sympy" and n > (8 if quick else 9):
                rows.append(Row("swell", f"n = {n}", label, None, note="skipped (minutes in SymPy)"))
                continue

            def derivative(n=n, backend=backend):
                # from scratch each time: a fresh expression, and SymPy's memo of earlier results emptied
                sympy.core.cache.clear_cache()
                return dk.Symbolic(simplify=True, backend=backend).derivative(
                    dk.examples.logistic_map(n), at={"x": 0.3}, wrt="x")

            size = derivative().size
            rows.append(Row("swell", f"n = {n}", label, median_time(derivative, min_seconds=0),
                            extra={"size": getattr(size, "tree", size)}))
    return rows


# --------------------------------------------------------------------------- cnn_step, conv2d: bench/cnn.py
CNN_TARGETS = [Target("diffkit", "torch eager", 1.5)]

#: Implementations timed in processes of their own: ``ISOLATED[bench][impl](*args)`` builds the callable.
ISOLATED = {"mlp_step": MLP_IMPLS, "batch_grad": BATCH_IMPLS, "cnn_step": CNN_IMPLS, "conv2d": CONV_IMPLS}

BENCHMARKS: dict[str, tuple[Any, list[Target], str]] = {
    "mlp_step": (bench_mlp_step, MLP_TARGETS, "ms"),
    "tape_overhead": (bench_tape_overhead, TAPE_TARGETS, "us/op"),
    "scalar_expr": (bench_scalar_expr, SCALAR_TARGETS, "us/node"),
    "batch_grad": (bench_batch_grad, BATCH_TARGETS, "ms"),
    "fd_gradient": (bench_fd_gradient, FD_TARGETS, "ms"),
    "swell": (bench_swell, [], "s"),
    "cnn_step": (bench_cnn_step, CNN_TARGETS, "ms"),
    "conv2d": (bench_conv2d, [], "ms"),
}

