"""Products: einsum (the primitive), and tensordot, dot, inner, outer, kron, cross built on it or on mul.

``einsum`` takes any subscripts NumPy takes (implicit or explicit output,
``...``, repeated labels for diagonals, size-one broadcasting, the
interleaved ``einsum(x, [0, 1], y, [1, 2])`` form). The public function
rewrites them in one explicit form without ``...`` (the op's ``subscripts``
parameter), so the rules see plain labels. The gradient with respect to one
operand is another einsum: the output cotangent contracted with the other
operands down to that operand's labels; a label that is only the operand's
own (summed away) or that the operand broadcasts (size one) is summed there
and spread back, and a repeated label puts the result on a diagonal.

Cost: the naive contraction, ``n_operands × (product of all label sizes)``
element-operations (a matrix product ``ij,jk->ik`` counts ``2 i j k``, as
``matmul`` does). On a namespace without ``einsum`` (the Array API has
none) the product is formed by broadcasting and summed, exact but with
memory of that product's size.

Example
-------
>>> import numpy as np
>>> from diffkit.expr.ops.products import einsum, kron
>>> einsum("ii->", np.eye(3)).item()
3.0
>>> kron(np.eye(2), np.ones((1, 2))).tolist()
[[1.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 1.0]]
"""

from __future__ import annotations

import math
from typing import Any

import numpy as _numpy

from ...errors import ArgumentError, ShapeError
from .core import _defop
from .shapes import broadcast_to, getitem, matmul, reshape, stack, where
from .support import constant

__all__ = ["einsum", "tensordot", "dot", "inner", "outer", "kron", "cross"]

_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


# ---------------------------------------------------------------------------
# Subscripts: every NumPy form, rewritten explicitly without "..."
# ---------------------------------------------------------------------------

def _from_sublists(args: tuple) -> tuple[str, list]:
    """``einsum(x, [0, 1], y, [1, 2], [0, 2])`` as ``("AB,BC->AC", [x, y])``."""
    def letters(sub):
        out = []
        for s in sub:
            if s is Ellipsis:
                out.append("...")
            elif isinstance(s, (int, _numpy.integer)) and 0 <= s < len(_LETTERS):
                out.append(_LETTERS[s])
            else:
                raise ArgumentError(f"einsum: sublist entries are integers 0-51 or Ellipsis, got {s!r}")
        return "".join(out)

    operands, terms = list(args[0::2]), [letters(s) for s in args[1::2]]
    if len(args) % 2:  # an output sublist at the end
        operands = operands[:-1]
        return ",".join(terms) + "->" + letters(args[-1]), operands
    return ",".join(terms), operands


def _explicit(subscripts: str, shapes: list[tuple]) -> str:
    """NumPy's subscripts as ``"ab,bc->ac"``: the output written out, ``...`` spelled with spare letters."""
    s = subscripts.replace(" ", "")
    lhs, arrow, rhs = s.partition("->")
    terms = lhs.split(",")
    if len(terms) != len(shapes):
        raise ArgumentError(f"einsum: the subscripts {subscripts!r} name {len(terms)} operand(s) but "
                            f"{len(shapes)} were given")
    for ch in s:
        if ch not in _LETTERS and ch not in ",.->":
            raise ArgumentError(f"einsum: {ch!r} in {subscripts!r} is not a subscript letter (a-z, A-Z)")
    spare = [c for c in _LETTERS if c not in s]
    widths = []
    for term, shape in zip(terms, shapes):
        named = len(term.replace("...", ""))
        if "..." in term:
            widths.append(len(shape) - named)
        elif named != len(shape):
            raise ShapeError(f"einsum: the term {term!r} names {named} axes but its operand has shape {shape}")
        else:
            widths.append(0)
        if widths[-1] < 0:
            raise ShapeError(f"einsum: the term {term!r} names more axes than its operand has {shape}")
    ell = "".join(spare[: max(widths, default=0)])
    terms = [t.replace("...", ell[len(ell) - w:] if w else "") for t, w in zip(terms, widths)]
    if arrow:
        out = rhs.replace("...", ell)
        for ch in out:
            if ch not in "".join(terms):
                raise ArgumentError(f"einsum: the output label {ch!r} appears in no operand of {subscripts!r}")
            if out.count(ch) > 1:
                raise ArgumentError(f"einsum: the output label {ch!r} is repeated in {subscripts!r}")
    else:
        counts: dict[str, int] = {}
        for ch in "".join(terms):
            counts[ch] = counts.get(ch, 0) + 1
        out = ell + "".join(sorted(ch for ch, c in counts.items() if c == 1 and ch not in ell))
    return ",".join(terms) + "->" + out


def _parse(subscripts: str) -> tuple[list[str], str]:
    lhs, _, out = subscripts.partition("->")
    return lhs.split(","), out


def _sizes(terms: list[str], shapes: list[tuple]) -> dict[str, int]:
    sizes: dict[str, int] = {}
    for term, shape in zip(terms, shapes):
        for ch, n in zip(term, shape):
            if sizes.get(ch, 1) not in (1, n) and n != 1:
                raise ShapeError(f"einsum: label {ch!r} has lengths {sizes[ch]} and {n} in different places")
            sizes[ch] = max(sizes.get(ch, 1), n)
    return sizes


# ---------------------------------------------------------------------------
# The op
# ---------------------------------------------------------------------------

def _fallback(xp, subscripts, xs):
    """einsum by broadcasting and summing, for namespaces without one."""
    terms, out = _parse(subscripts)
    order = list(dict.fromkeys("".join(terms) + out))
    product = None
    for term, x in zip(terms, xs):
        labels = list(term)
        while len(set(labels)) < len(labels):  # a repeated label: keep its diagonal
            ch = next(c for c in labels if labels.count(c) > 1)
            p = labels.index(ch)
            q = labels.index(ch, p + 1)
            n = x.shape[p]
            eq = xp.reshape(xp.arange(n), tuple(n if i == p else 1 for i in range(x.ndim))) == xp.reshape(
                xp.arange(n), tuple(n if i == q else 1 for i in range(x.ndim)))
            x = xp.sum(xp.where(eq, x, xp.zeros((), dtype=x.dtype)), axis=q)
            del labels[q]
        perm = tuple(sorted(range(len(labels)), key=lambda i: order.index(labels[i])))
        x = xp.permute_dims(x, perm)
        placed = [labels[i] for i in perm]
        x = xp.reshape(x, tuple(x.shape[placed.index(c)] if c in placed else 1 for c in order))
        product = x if product is None else product * x
    summed = tuple(i for i, c in enumerate(order) if c not in out)
    if summed:
        product = xp.sum(product, axis=summed)
    left = [c for c in order if c in out]
    return xp.permute_dims(product, tuple(left.index(c) for c in out))


def _einsum_impl(xp, *xs, subscripts):
    f = getattr(xp, "einsum", None)
    if f is None:
        return _fallback(xp, subscripts, xs)
    return f(subscripts, *xs, optimize=len(xs) > 1) if xp.__name__ in ("numpy", "cupy") else f(subscripts, *xs)


def _einsum_cost(out, args, params) -> int:
    terms, _ = _parse(params["subscripts"])
    sizes = _sizes(terms, [tuple(a.shape) for a in args])
    return max(1, len(args)) * math.prod(sizes.values())


def _einsum_jvp(tangents, ans, *xs, subscripts):
    out = None
    for k, t in enumerate(tangents):
        if t is None:
            continue
        term = einsum_op([t if j == k else x for j, x in enumerate(xs)], subscripts=subscripts)
        out = term if out is None else out + term
    return out


def _operand_cotangent(g, xs, k, subscripts):
    terms, out = _parse(subscripts)
    shapes = [tuple(x.shape) for x in xs]
    sizes = _sizes(terms + [out], shapes + [tuple(g.shape)])
    mine, shape = terms[k], shapes[k]
    own = {ch: n for ch, n in zip(mine, shape)}
    elsewhere = set(out).union(*(set(t) for j, t in enumerate(terms) if j != k))
    keep = [ch for ch in dict.fromkeys(mine) if ch in elsewhere and own[ch] == sizes[ch]]
    inputs = [out] + [t for j, t in enumerate(terms) if j != k]
    operands = [g] + [x for j, x in enumerate(xs) if j != k]
    r = einsum_op(operands, subscripts=",".join(inputs) + "->" + "".join(keep))
    seen: set[str] = set()
    placed = []
    for ch in mine:
        placed.append(sizes[ch] if ch in keep and ch not in seen else 1)
        seen.add(ch)
    r = reshape(r, shape=tuple(placed))
    if tuple(placed) != shape:
        r = broadcast_to(r, shape=shape)
    if len(set(mine)) < len(mine):  # repeated labels: only the diagonal entries move
        mask = _numpy.ones(shape, dtype=bool)
        for ch in set(mine):
            at = [i for i, c in enumerate(mine) if c == ch]
            for p in at[1:]:
                line = [1] * len(shape)
                line[at[0]] = shape[at[0]]
                other = [1] * len(shape)
                other[p] = shape[p]
                mask &= _numpy.arange(shape[at[0]]).reshape(line) == _numpy.arange(shape[p]).reshape(other)
        r = where(constant(mask, g), r, 0.0)
    return r


def _einsum_batch(op, args, batched, params):
    """vmap of einsum: the batch is one more label, on the batched operands and first in the output."""
    terms, out = _parse(params["subscripts"])
    label = next(c for c in _LETTERS if c not in params["subscripts"])
    terms = [label + t if b else t for t, b in zip(terms, batched)]
    return einsum_op(list(args), subscripts=",".join(terms) + "->" + label + out)


einsum_op = _defop(
    "einsum", -1, _einsum_impl,
    jvp=_einsum_jvp,
    vjp=lambda g, ans, *xs, subscripts: tuple(_operand_cotangent(g, xs, k, subscripts) for k in range(len(xs))),
    kind="array", cost=_einsum_cost, template="einsum({0}, ...)",
    doc="Einstein summation, with subscripts in explicit form (see diffkit.einsum for every NumPy form)",
    batch=_einsum_batch,
)


def einsum(subscripts: Any, *operands: Any) -> Any:
    """Einstein summation, as ``np.einsum``: any subscripts, differentiable in every operand.

    Parameters
    ----------
    subscripts : str
        ``"ij,jk->ik"``, implicit (``"ij,jk"``), with ``...``, or repeated
        labels (``"ii->i"``). The interleaved form ``einsum(x, [0, 1], y,
        [1, 2], [0, 2])`` works too.
    *operands : arrays, Tensors or traced values

    Example
    -------
    >>> import numpy as np
    >>> import diffkit as dk
    >>> a, b = np.ones((2, 3)), np.ones((3, 4))
    >>> dk.einsum("ij,jk->ik", a, b).shape
    (2, 4)
    >>> dk.einsum("...j,j", np.ones((5, 2, 3)), np.arange(3.0)).shape
    (5, 2)
    """
    if not isinstance(subscripts, str):
        subscripts, ops = _from_sublists((subscripts,) + operands)
        operands = tuple(ops)
    if not operands:
        raise ArgumentError("einsum needs at least one operand")
    shapes = [tuple(x.shape if hasattr(x, "shape") else _numpy.shape(x)) for x in operands]
    explicit = _explicit(subscripts, shapes)
    _sizes(_parse(explicit)[0], shapes)
    return einsum_op(list(operands), subscripts=explicit)


# ---------------------------------------------------------------------------
# Products built on einsum and on broadcasting
# ---------------------------------------------------------------------------

def _axes_pair(axes: Any, na: int, nb: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
    if isinstance(axes, (int, _numpy.integer)) and not isinstance(axes, bool):
        if not 0 <= axes <= min(na, nb):
            raise ArgumentError(f"tensordot: axes={axes} must be between 0 and {min(na, nb)}")
        return tuple(range(na - axes, na)), tuple(range(axes))
    try:
        ia, ib = axes
    except (TypeError, ValueError):
        raise ArgumentError(f"tensordot: axes must be an int or a pair of axis lists, got {axes!r}") from None
    ia = (ia,) if isinstance(ia, (int, _numpy.integer)) else tuple(ia)
    ib = (ib,) if isinstance(ib, (int, _numpy.integer)) else tuple(ib)
    if len(ia) != len(ib):
        raise ArgumentError(f"tensordot: axes {axes!r} pair {len(ia)} axes of a with {len(ib)} of b")
    return tuple(i % na for i in ia), tuple(i % nb for i in ib)


def tensordot(a: Any, b: Any, axes: Any = 2, *, dims: Any = None) -> Any:
    """Sum of products over the given axes of ``a`` and ``b`` (``np.tensordot``; PyTorch's ``dims=``).

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.expr.ops.products import tensordot
    >>> tensordot(np.ones((2, 3, 4)), np.ones((4, 3, 5)), axes=([1, 2], [1, 0])).tolist()[0][:2]
    [12.0, 12.0]
    """
    if dims is not None:
        axes = dims
    na, nb = len(getattr(a, "shape", ())), len(getattr(b, "shape", ()))
    ia, ib = _axes_pair(axes, na, nb)
    la = list(_LETTERS[:na])
    lb = list(_LETTERS[na:na + nb])
    for i, j in zip(ia, ib):
        lb[j] = la[i]
    out = [c for i, c in enumerate(la) if i not in ia] + [c for j, c in enumerate(lb) if j not in ib]
    return einsum(f"{''.join(la)},{''.join(lb)}->{''.join(out)}", a, b)


def outer(a: Any, b: Any) -> Any:
    """The outer product of the flattened ``a`` and ``b`` (``np.outer``).

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.expr.ops.products import outer
    >>> outer(np.array([1.0, 2.0]), np.array([1.0, 10.0])).tolist()
    [[1.0, 10.0], [2.0, 20.0]]
    """
    na, nb = math.prod(_shape(a)), math.prod(_shape(b))
    return reshape(a, shape=(na, 1)) * reshape(b, shape=(1, nb))


def _shape(x: Any) -> tuple:
    return tuple(x.shape if hasattr(x, "shape") else _numpy.shape(x))


def inner(a: Any, b: Any) -> Any:
    """Sum of products over the last axes of ``a`` and ``b`` (``np.inner``; a number scales).

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.expr.ops.products import inner
    >>> inner(np.ones((2, 3)), np.ones((4, 3))).shape
    (2, 4)
    """
    if not _shape(a) or not _shape(b):
        return a * b
    return tensordot(a, b, axes=([-1], [-1]))


def dot(a: Any, b: Any) -> Any:
    """NumPy's ``dot``: a product with a number, matrix products, and beyond 2-D the sum
    over the last axis of ``a`` and the second-to-last of ``b``.

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.expr.ops.products import dot
    >>> dot(np.ones((2, 3, 4)), np.ones((5, 4, 6))).shape
    (2, 3, 5, 6)
    """
    na, nb = len(_shape(a)), len(_shape(b))
    if na == 0 or nb == 0:
        return a * b
    if nb == 1 or (na <= 2 and nb <= 2):
        return matmul(a, b)
    return tensordot(a, b, axes=([-1], [-2]))


def kron(a: Any, b: Any) -> Any:
    """The Kronecker product: blocks ``a[i, j] * b`` (``np.kron``).

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.expr.ops.products import kron
    >>> kron(np.array([1.0, 2.0]), np.array([1.0, 10.0])).tolist()
    [1.0, 10.0, 2.0, 20.0]
    """
    sa, sb = _shape(a), _shape(b)
    nd = max(len(sa), len(sb))
    sa, sb = (1,) * (nd - len(sa)) + sa, (1,) * (nd - len(sb)) + sb
    if nd == 0:
        return a * b
    left = reshape(a, shape=tuple(v for n in sa for v in (n, 1)))
    right = reshape(b, shape=tuple(v for n in sb for v in (1, n)))
    return reshape(left * right, shape=tuple(m * n for m, n in zip(sa, sb)))


def cross(a: Any, b: Any, axisa: int = -1, axisb: int = -1, axisc: int = -1, axis: int | None = None) -> Any:
    """The cross product of 3-vectors along an axis, broadcasting the others (``np.cross``).

    Example
    -------
    >>> import numpy as np
    >>> from diffkit.expr.ops.products import cross
    >>> cross(np.array([1.0, 0.0, 0.0]), np.array([0.0, 1.0, 0.0])).tolist()
    [0.0, 0.0, 1.0]
    """
    from .movement import moveaxis

    if axis is not None:
        axisa = axisb = axisc = axis
    a, b = moveaxis(a, axisa, -1), moveaxis(b, axisb, -1)
    if a.shape[-1] != 3 or b.shape[-1] != 3:
        raise ShapeError(f"cross needs vectors of 3 components along the axis; got {a.shape[-1]} and "
                         f"{b.shape[-1]} (NumPy 2 deprecates 2-vectors: pad them with a zero)")
    ai = [getitem(a, index=(Ellipsis, i)) for i in range(3)]
    bi = [getitem(b, index=(Ellipsis, i)) for i in range(3)]
    c = stack([ai[1] * bi[2] - ai[2] * bi[1], ai[2] * bi[0] - ai[0] * bi[2], ai[0] * bi[1] - ai[1] * bi[0]],
              axis=-1)
    return moveaxis(c, -1, axisc)
