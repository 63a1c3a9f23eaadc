"""A small training loop, ``fit``, and the ``History`` of losses it returns.

``fit`` runs the loop every PyTorch tutorial writes by hand (zero_grad,
forward, loss, backward, step) once per batch, and records the mean loss of
each epoch (and, with ``eval_loader``, the evaluation loss and metrics).
``History.plot()`` draws the curves with :func:`diffkit.plot.loss_curve`.

Example
-------
>>> import diffkit as dk
>>> from diffkit import data, nn, optim
>>> x, y = data.noisy_linear()
>>> loader = data.DataLoader(data.TensorDataset(x, y), batch_size=20, shuffle=True, seed=0)
>>> _ = dk.manual_seed(0)
>>> model = nn.Linear(1, 1)
>>> history = nn.fit(model, loader, nn.MSELoss(), optim.SGD(model.parameters(), lr=1e-2),
...                  epochs=20, progress=False)
>>> len(history), history.history["loss"][-1] < history.history["loss"][0]
(20, True)
>>> abs(model.weight.item() - 3.0) < 0.2
True
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np

from ..ad.grad_mode import no_grad
from ..ad.tensor import Tensor
from ..errors import ArgumentError
from .module import Module

__all__ = ["fit", "evaluate", "accuracy", "History"]


class History:
    """Per-epoch values recorded during training: ``history.history["loss"]`` is a list of floats.

    Attributes
    ----------
    history : dict of str to list of float
        ``"loss"`` (mean training loss per epoch), and ``"val_loss"``,
        ``"<metric>"``, ``"val_<metric>"`` when those were asked for.
    unit : str
        What one entry is (``"epoch"``), for axis labels.

    Example
    -------
    >>> from diffkit.nn import History
    >>> h = History()
    >>> h.log(loss=1.0); h.log(loss=0.5)
    >>> h["loss"], len(h), h.unit
    ([1.0, 0.5], 2, 'epoch')
    """

    def __init__(self, unit: str = "epoch"):
        self.history: dict[str, list[float]] = {}
        self.unit = unit

    def log(self, **values: float) -> None:
        """Append one value to each named series.

        Example
        -------
        >>> from diffkit.nn import History
        >>> h = History(); h.log(loss=2.0, val_loss=3.0); h.history
        {'loss': [2.0], 'val_loss': [3.0]}
        """
        for name, value in values.items():
            self.history.setdefault(name, []).append(float(value))

    def __getitem__(self, name: str) -> list[float]:
        return self.history[name]

    def __contains__(self, name: str) -> bool:
        return name in self.history

    def __len__(self) -> int:
        return max((len(v) for v in self.history.values()), default=0)

    def plot(self, keys: Iterable[str] | None = None, **kwargs: Any):
        """Loss curves (all series with "loss" in their name, or ``keys``) via ``dk.plot.loss_curve``.

        Example
        -------
        >>> from diffkit.nn import History
        >>> h = History(); h.log(loss=1.0, accuracy=0.5); h.log(loss=0.4, accuracy=0.9)
        >>> fig = h.plot()
        >>> [line.get_label() for line in fig.axes[0].get_lines()]
        ['loss']
        """
        from ..plot.training import loss_curve

        names = list(keys) if keys is not None else [k for k in self.history if "loss" in k] or list(self.history)
        view = History(self.unit)
        view.history = {k: self.history[k] for k in names}
        return loss_curve(view, **kwargs)

    def table(self):
        """The history as a :class:`~diffkit.Table`, one row per epoch.

        Example
        -------
        >>> from diffkit.nn import History
        >>> h = History(); h.log(loss=1.0); h.log(loss=0.5)
        >>> h.table().to_records()
        [{'epoch': 1, 'loss': 1.0}, {'epoch': 2, 'loss': 0.5}]
        """
        from ..table import Table

        names = list(self.history)
        rows = []
        for i in range(len(self)):
            rows.append([i + 1] + [self.history[k][i] if i < len(self.history[k]) else None for k in names])
        return Table([self.unit] + names, rows, title="Training history")

    def __repr__(self) -> str:
        last = ", ".join(f"{k}={v[-1]:.4g}" for k, v in self.history.items() if v)
        return f"History({len(self)} {self.unit}s" + (f", last: {last})" if last else ")")


def accuracy(output: Any, target: Any) -> float:
    """Fraction of rows whose largest score is at the target class.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.nn import accuracy
    >>> accuracy(np.array([[0.1, 0.9], [0.8, 0.2]]), np.array([1, 1]))
    0.5
    """
    scores = np.asarray(output)
    labels = np.asarray(target)
    if labels.ndim == scores.ndim:  # one-hot or probability targets
        labels = labels.argmax(axis=-1)
    return float(np.mean(scores.argmax(axis=-1) == labels))


def _split(batch: Any) -> tuple[Any, Any]:
    if isinstance(batch, tuple | list) and len(batch) == 2:
        return batch[0], batch[1]
    raise ArgumentError("fit() expects the loader to yield (inputs, targets) pairs, got "
                        f"{type(batch).__name__} of length {len(batch) if hasattr(batch, '__len__') else '?'}")


def _size(x: Any) -> int:
    shape = getattr(x, "shape", None)
    return int(shape[0]) if shape else 1


def evaluate(model: Module, loader: Iterable[Any], loss_fn: Callable[[Any, Any], Any] | None = None,
             metrics: Mapping[str, Callable[[Any, Any], float]] | None = None) -> dict[str, float]:
    """Mean loss and metrics of ``model`` over ``loader``, in eval mode and without recording.

    The model is put back in the mode it was in.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit import data, nn
    >>> model = nn.Linear(2, 2)
    >>> loader = data.DataLoader(data.TensorDataset(np.zeros((6, 2), np.float32), np.zeros(6, np.int64)), 4)
    >>> round(nn.evaluate(model, loader, nn.CrossEntropyLoss(), {"accuracy": nn.accuracy})["loss"], 4) > 0
    True
    """
    was_training = model.training
    model.eval()
    totals: dict[str, float] = {}
    count = 0
    try:
        with no_grad():
            for batch in loader:
                xb, yb = _split(batch)
                out = model(xb)
                n = _size(xb)
                count += n
                if loss_fn is not None:
                    totals["loss"] = totals.get("loss", 0.0) + float(loss_fn(out, yb)) * n
                for name, fn in (metrics or {}).items():
                    totals[name] = totals.get(name, 0.0) + float(fn(out, yb)) * n
    finally:
        model.train(was_training)
    return {k: v / max(count, 1) for k, v in totals.items()}


def _closure(optimizer: Any, model: Module, loss_fn: Callable[[Any, Any], Any], xb: Any, yb: Any,
             seen: list) -> Callable[[], Any]:
    """PyTorch's closure for one batch (every optimizer takes one; LBFGS calls it more than once).

    Each call appends ``(output, loss)`` to ``seen``.
    """
    def closure() -> Any:
        optimizer.zero_grad()
        out = model(xb)
        loss = loss_fn(out, yb)
        loss.backward()
        seen.append((out, loss))
        return loss

    return closure


def fit(model: Module, loader: Iterable[Any], loss_fn: Callable[[Any, Any], Any], optimizer: Any,
        epochs: int = 1, progress: bool = True, eval_loader: Iterable[Any] | None = None, *,
        scheduler: Any = None, metrics: Mapping[str, Callable[[Any, Any], float]] | None = None,
        history: History | None = None) -> History:
    """Train ``model`` for ``epochs`` passes over ``loader``; returns the :class:`History`.

    Each batch runs ``optimizer.step(closure)`` with a closure doing
    ``optimizer.zero_grad()``, ``loss_fn(model(x), y)``, ``loss.backward()``
    (so ``LBFGS`` works too; the batch's loss is the closure's first). Per
    epoch it records the mean training loss (``"loss"``) and each metric on
    the training batches, with ``eval_loader`` records ``"val_loss"`` and
    ``"val_<metric>"`` (computed in eval mode under ``no_grad``), and steps
    ``scheduler`` if given (``ReduceLROnPlateau`` with the epoch's
    ``val_loss``, or its training loss without ``eval_loader``). A tqdm progress bar shows multi-epoch runs unless
    ``progress=False``. Pass an existing ``history`` to continue it.

    Example
    -------
    >>> import diffkit as dk
    >>> from diffkit import data, nn, optim
    >>> X, y = data.gaussian_classes(200)
    >>> train = data.DataLoader(data.TensorDataset(X, y), batch_size=32, shuffle=True, seed=0)
    >>> _ = dk.manual_seed(0)
    >>> model = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 2))
    >>> opt = optim.Adam(model.parameters(), lr=0.05)
    >>> h = nn.fit(model, train, nn.CrossEntropyLoss(), opt, epochs=10, eval_loader=train,
    ...            metrics={"accuracy": nn.accuracy}, progress=False)
    >>> sorted(h.history), h["val_accuracy"][-1] > 0.9
    (['accuracy', 'loss', 'val_accuracy', 'val_loss'], True)
    """
    if not isinstance(epochs, int) or epochs < 0:
        raise ArgumentError(f"epochs must be a non-negative integer, got {epochs!r}")
    hist = history if history is not None else History()
    bar = None
    if progress and epochs > 1:
        from tqdm import tqdm

        bar = tqdm(total=epochs, unit="epoch", desc="fit")
    try:
        for _ in range(epochs):
            model.train()
            total, count = 0.0, 0
            sums: dict[str, float] = {}
            for batch in loader:
                xb, yb = _split(batch)
                seen: list = []
                optimizer.step(_closure(optimizer, model, loss_fn, xb, yb, seen))
                out, loss = seen[0]
                n = _size(xb)
                total += float(loss.item() if isinstance(loss, Tensor) else loss) * n
                count += n
                for name, fn in (metrics or {}).items():
                    sums[name] = sums.get(name, 0.0) + float(fn(out.detach() if isinstance(out, Tensor) else out,
                                                               yb)) * n
            values = {"loss": total / max(count, 1)}
            values.update({k: v / max(count, 1) for k, v in sums.items()})
            if eval_loader is not None:
                ev = evaluate(model, eval_loader, loss_fn, metrics)
                values.update({f"val_{k}": v for k, v in ev.items()})
            if scheduler is not None:
                if "metrics" in inspect.signature(scheduler.step).parameters:  # ReduceLROnPlateau
                    scheduler.step(values.get("val_loss", values["loss"]))
                else:
                    scheduler.step()
            hist.log(**values)
            if bar is not None:
                bar.set_postfix({k: f"{v:.4g}" for k, v in values.items()})
                bar.update()
    finally:
        if bar is not None:
            bar.close()
    return hist
