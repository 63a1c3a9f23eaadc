"""Pytrees: nested tuples, lists, dicts and None holding arrays, as JAX's transforms take them.

A transform flattens its arguments into their leaves (the arrays and
numbers), works on those, and builds results of the same structure:
``grad(loss)({"W": W, "b": b})`` returns ``{"W": dL/dW, "b": dL/db}``.
Containers are tuples (named tuples too), lists and dicts; ``None`` is an
empty container, as in JAX. Anything else is a leaf.

An argument that is a list of plain numbers (``f([1.0, 2.0])``) is an array, as
NumPy reads it, not a list of two scalars: see :func:`as_arrays`.

Example
-------
>>> from diffkit.ad.transforms.pytree import flatten, unflatten
>>> leaves, tree = flatten({"W": 1.0, "b": (2.0, None)})
>>> leaves
[1.0, 2.0]
>>> unflatten(tree, [10.0, 20.0])
{'W': 10.0, 'b': (20.0, None)}
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ...errors import ShapeError

__all__ = ["TreeDef", "flatten", "unflatten", "tree_map", "broadcast_prefix", "as_arrays", "number_as_array", "LEAF"]


class TreeDef:
    """The structure of a pytree: its containers, with a hole for each leaf.

    Example
    -------
    >>> from diffkit.ad.transforms.pytree import flatten
    >>> flatten([1.0, {"a": 2.0}])[1]
    TreeDef(list[*, dict{'a': *}])
    """

    __slots__ = ("kind", "meta", "children", "n_leaves")

    def __init__(self, kind: Any, meta: Any = None, children: tuple = ()):
        self.kind = kind
        self.meta = meta
        self.children = children
        self.n_leaves = 1 if kind is None else sum(c.n_leaves for c in children)

    @property
    def is_leaf(self) -> bool:
        """Whether this is a single leaf (no container)."""
        return self.kind is None

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, TreeDef) and self.kind is other.kind and self.meta == other.meta
                and self.children == other.children)

    __hash__ = None  # type: ignore[assignment]

    def _text(self) -> str:
        if self.kind is None:
            return "*"
        if self.kind is type(None):
            return "None"
        if self.kind is dict:
            return "dict{" + ", ".join(f"{k!r}: {c._text()}" for k, c in zip(self.meta, self.children)) + "}"
        return f"{self.kind.__name__}[" + ", ".join(c._text() for c in self.children) + "]"

    def __repr__(self) -> str:
        return f"TreeDef({self._text()})"


LEAF = TreeDef(None)


def _children(x: Any) -> tuple[Any, Any, tuple] | None:
    """``(kind, meta, children)`` of a container, None for a leaf."""
    if x is None:
        return type(None), None, ()
    t = type(x)
    if t is tuple or t is list:
        return t, None, tuple(x)
    if t is dict:
        return dict, tuple(x), tuple(x.values())
    if isinstance(x, tuple) and hasattr(t, "_fields"):  # a named tuple
        return t, None, tuple(x)
    return None


def flatten(tree: Any) -> tuple[list, TreeDef]:
    """The leaves of ``tree`` in order, and its structure.

    Example
    -------
    >>> from diffkit.ad.transforms.pytree import flatten
    >>> flatten((1.0, [2.0, 3.0]))[0]
    [1.0, 2.0, 3.0]
    """
    leaves: list = []

    def walk(x: Any) -> TreeDef:
        parts = _children(x)
        if parts is None:
            leaves.append(x)
            return LEAF
        kind, meta, kids = parts
        return TreeDef(kind, meta, tuple(walk(k) for k in kids))

    return leaves, walk(tree)


def unflatten(tree: TreeDef, leaves: Any) -> Any:
    """Rebuild a pytree of structure ``tree`` from its leaves.

    Example
    -------
    >>> from diffkit.ad.transforms.pytree import flatten, unflatten
    >>> unflatten(flatten((1.0, [2.0]))[1], [5.0, 6.0])
    (5.0, [6.0])
    """
    it = iter(leaves)

    def build(t: TreeDef) -> Any:
        if t.kind is None:
            return next(it)
        kids = [build(c) for c in t.children]
        if t.kind is type(None):
            return None
        if t.kind is dict:
            return dict(zip(t.meta, kids))
        if t.kind is tuple or t.kind is list:
            return t.kind(kids)
        return t.kind(*kids)  # a named tuple

    return build(tree)


def tree_map(fn: Callable[..., Any], tree: Any, *rest: Any) -> Any:
    """``fn`` applied leaf by leaf to ``tree`` (and the matching leaves of ``rest``, same structure).

    Example
    -------
    >>> from diffkit.ad.transforms.pytree import tree_map
    >>> tree_map(lambda a, b: a + b, {"x": 1.0}, {"x": 2.0})
    {'x': 3.0}
    """
    leaves, t = flatten(tree)
    others = []
    for r in rest:
        lv, rt = flatten(r)
        if rt != t:
            raise ShapeError(f"pytrees of different structures: {t} and {rt}")
        others.append(lv)
    return unflatten(t, [fn(*xs) for xs in zip(leaves, *others)])


def broadcast_prefix(prefix: Any, tree: Any, what: str = "in_axes") -> list:
    """One entry of ``prefix`` per leaf of ``tree``: ``prefix`` matches the top of ``tree``'s structure,
    and each of its leaves (None included) stands for every leaf of the subtree below it.

    Example
    -------
    >>> from diffkit.ad.transforms.pytree import broadcast_prefix
    >>> broadcast_prefix((None, 0), ({"W": 1.0, "b": 2.0}, 3.0))
    [None, None, 0]
    """
    out: list = []

    def walk(p: Any, t: Any) -> None:
        parts = None if p is None else _children(p)
        if parts is None:
            out.extend([p] * flatten(t)[1].n_leaves)
            return
        kind, meta, kids = parts
        tparts = _children(t)
        if tparts is None or tparts[0] is not kind or tparts[1] != meta or len(tparts[2]) != len(kids):
            raise ShapeError(f"{what} {p!r} does not match the structure of the arguments "
                             f"({flatten(t)[1]}); give one entry per argument, or a single one for all")
        for pk, tk in zip(kids, tparts[2]):
            walk(pk, tk)

    walk(prefix, tree)
    return out


def _numeric_list(x: Any) -> bool:
    if isinstance(x, list):
        return len(x) > 0 and all(_numeric_list(v) for v in x)
    return isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(x, bool)


def as_arrays(arg: Any) -> Any:
    """A transform's argument, an array if it is a (nested, rectangular) list of plain numbers, as NumPy
    reads it; lists inside other containers stay containers.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.ad.transforms.pytree import as_arrays
    >>> as_arrays([1.0, 2.0]), as_arrays([[1.0], 2.0]), as_arrays({"a": [3.0, 4.0]})
    (array([1., 2.]), [[1.0], 2.0], {'a': [3.0, 4.0]})
    """
    if isinstance(arg, list) and _numeric_list(arg):
        try:
            return np.asarray(arg, dtype=float)
        except ValueError:  # ragged: a container after all
            pass
    return arg


def number_as_array(x: Any) -> Any:
    """A Python number as a 0-d float64 (complex128) array (what the engines carry), anything else as it is.

    The ops' rules read ``.shape`` and ``.ndim`` of what they differentiate;
    results go back to Python numbers where the arguments were numbers.

    Example
    -------
    >>> from diffkit.ad.transforms.pytree import number_as_array
    >>> number_as_array(2), number_as_array(2.5).shape
    (array(2.), ())
    """
    if isinstance(x, (int, float)) and not isinstance(x, bool):
        return np.asarray(float(x))
    if isinstance(x, complex):
        return np.asarray(x)
    return x
