"""Version counters: backward refuses a value that was changed in place after a rule recorded it.

Every Tensor carries a cell ``[version, clock]``, shared by all the tensors
that alias one buffer (a base and its views). An in-place op bumps the
version and stamps the cell with the global in-place clock; a tape node
remembers the clock when it was recorded (its *epoch*). At backward, a node
whose epoch is older than the clock looks for stamps newer than itself on
what its rules **read** — found by probing the rules (:mod:`.rule_facts`),
so that ``3 * d`` never complains about ``d``, as in PyTorch — and on a
custom Function's saved tensors.

Example
-------
>>> import diffkit as dk
>>> d = dk.tensor([2.0], requires_grad=True) * 1
>>> e = 3 * d       # the rule for d reads 3, not d
>>> d += 1
>>> e.backward(); d.grad_fn, e.grad_fn
(<AddBackward>, <MulBackward>)
"""

from __future__ import annotations

from typing import Any

from ..errors import GradientError
from .rule_facts import OUTPUT, rule_reads

__all__ = ["check_versions"]


def _stale(a: Any, epoch: int) -> bool:
    vc = getattr(a, "_vc", None)
    return vc is not None and vc[1] > epoch


def _changed_output(node: Any) -> GradientError:
    return GradientError(
        f"the output of {node.name} was changed by an in-place operation after it was computed (it is now "
        f"at version {node.out_vc[0]}), and its gradient needs the original value; change a copy instead "
        "(y = y.clone(); y.add_(...)) or write it out of place (y = y + ...)")


def _changed_input(node: Any, what: str, a: Any) -> GradientError:
    return GradientError(
        f"one of the tensors needed to compute the gradient of {node.name} ({what}, shape {tuple(a.shape)}) was "
        f"changed by an in-place operation after it was used (it is now at version {a._vc[0]}); change a copy "
        "instead (t.clone()) or write the update out of place")


def check_versions(node: Any) -> None:
    """Raise if anything ``node``'s rules read was changed in place after it was recorded."""
    epoch = node.epoch
    args = node.args
    saved = getattr(node.op, "saved", None)
    if saved is not None:  # a custom Function reads what it saved, nothing else
        for i, a in enumerate(saved):
            if _stale(a, epoch):
                raise _changed_input(node, f"saved tensor {i}", a)
        return
    out_stale = node.out_vc[1] > epoch
    stale = [i for i, a in enumerate(args) if _stale(a, epoch)]
    if not out_stale and not stale:
        return
    raw = tuple(getattr(a, "_data", a) for a in args)
    reads = rule_reads(node.op, node.needs, raw, node.ans, node.params)
    if out_stale and OUTPUT in reads:
        raise _changed_output(node)
    for i in stale:
        if i in reads:
            raise _changed_input(node, f"input {i}", args[i])
