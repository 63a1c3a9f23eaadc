"""A port of the array part of HIPS autograd's ``tests/test_systematic.py`` (with ``numpy_utils.stat_check``).

Every combination of inputs and options HIPS lists, checked with their
``combo_check`` (``check_grads`` over the product of the lists; forward and
reverse mode, order 2, or 3 where they ask), on NumPy's own functions handed
to diffkit through ``__array_function__``. The unary and binary ufunc tests
of that file are the elementwise vocabulary's (tests of ``ops/elementwise``).

Adapted: ``stat_check`` of ``max`` and ``min`` runs on real inputs only
(complex numbers have no order; diffkit refuses their derivative, checked
below). ``np.msort`` is gone from NumPy 2.
"""

from itertools import product

import numpy as np
import pytest
from hips_check import check_grads

import diffkit as dk
from diffkit.expr import ops

npr = np.random.RandomState(0)
R = npr.randn


def C(*shape):  # noqa: N802 - HIPS's name
    return npr.randn(*shape) + 1j * npr.randn(*shape)


def combo_check(fun, argnums, order=2, modes=("fwd", "rev")):
    """HIPS's ``combo_check``: ``check_grads`` for every combination of the listed arguments and options."""
    def check(*arg_lists, **kwarg_lists):
        keys = list(kwarg_lists)
        for args in product(*arg_lists):
            for values in product(*(kwarg_lists[k] for k in keys)):
                check_grads(fun, modes=modes, order=order, argnum=tuple(argnums))(*args, **dict(zip(keys, values)))

    return check


def stat_check(fun, test_complex=True):
    """numpy_utils.py::stat_check"""
    x, A, B, Cm, D = 3.5, npr.randn(), npr.randn(3), npr.randn(2, 3), npr.randn(1, 3)
    check = combo_check(fun, (0,))
    check([x, A])
    check([B, Cm, D], axis=[None, 0], keepdims=[True, False])
    check([Cm, D], axis=[None, 0, 1], keepdims=[True, False])
    if test_complex:
        c = npr.randn() + 0.1j * npr.randn()
        E = npr.randn(2, 3) + 0.1j * npr.randn(2, 3)
        check([x, c, A])
        check([B, Cm, D, E], axis=[None, 0], keepdims=[True, False])


@pytest.mark.parametrize("fun,complex_too", [(np.max, False), (np.min, False), (np.mean, True), (np.sum, True),
                                             (np.prod, True), (np.var, True), (np.std, True)],
                         ids=["test_max", "test_min", "test_mean", "test_sum", "test_prod", "test_var", "test_std"])
def test_statistics(fun, complex_too):
    """test_systematic.py::test_max, test_mean, test_min, test_sum, test_prod, test_var, test_std"""
    stat_check(fun, test_complex=complex_too)


def test_max_of_complex_numbers_is_refused():
    """test_systematic.py::test_max with complex inputs: no order, so diffkit refuses the derivative."""
    z = dk.tensor(C(2, 3), requires_grad=True)
    with pytest.raises(dk.ArgumentTypeError, match="complex"):
        dk.real(ops.max(z)).backward()


def test_transpose_moveaxis_rollaxis_swapaxes():
    """test_systematic.py::test_transpose, test_moveaxis, test_rollaxis, test_swapaxes"""
    combo_check(np.transpose, [0])(
        [R(2, 3, 4)], axes=[None, [0, 1, 2], [0, 2, 1], [2, 0, 1], [2, 1, 0], [1, 0, 2], [1, 2, 0]])
    combo_check(np.moveaxis, [0])([R(2, 3, 4)], source=[0, 1, 2], destination=[0, 1, 2])
    combo_check(np.rollaxis, [0])([R(2, 3, 4)], axis=[0, 1, 2], start=[0, 1, 2])
    combo_check(np.swapaxes, [0])([R(3, 4, 5)], axis1=[0, 1, 2], axis2=[0, 1, 2])


def test_repeat_tile():
    """test_systematic.py::test_repeat, test_tile"""
    combo_check(np.repeat, [0])([R(2, 3, 4), R(3, 1)], repeats=[0, 1, 2], axis=[None, 0, 1])
    combo_check(np.tile, [0])([R(2, 1, 3, 1)], reps=[(1, 4, 1, 2)])
    combo_check(np.tile, [0])([R(1, 2)], reps=[(1, 2), (2, 3), (3, 2, 1)])
    combo_check(np.tile, [0])([R(1)], reps=[(2,), 2])


def test_diff_gradient():
    """test_systematic.py::test_diff, test_gradient"""
    combo_check(np.diff, [0])([R(5, 5), R(5, 5, 5)], n=[1, 2], axis=[0, 1])
    combo_check(np.diff, [0])([R(1), R(1, 1)], axis=[0])
    combo_check(np.diff, [0])([R(1, 1), R(3, 1)], axis=[1])

    def gradient(x, axis):
        g = np.gradient(x, axis=axis)
        return dk.stack(list(g)) if isinstance(g, tuple) else g

    combo_check(gradient, [0])([R(5, 5), R(5, 5, 5)], axis=[None, 0, 1, -1])
    combo_check(gradient, [0])([R(5, 5, 5)], axis=[(0, 1), (0, -1)])


def test_kron_inner_outer():
    """test_systematic.py::test_kron, test_inner, test_outer"""
    combo_check(np.kron, [0, 1])([R(5, 5), R(4, 4), R(5), R(5, 1), R(1, 5), R(), C(5, 5)],
                                 [R(3, 3), R(2, 2), R(3), R(1, 3), R(3, 1), R(), C(3, 3)])
    combo_check(np.inner, [0, 1])([1.5, R(3), R(2, 3)], [0.3, R(3), R(4, 3)])
    combo_check(np.outer, [0, 1], order=3)([R(3), C(3)], [R(3), C(3)])


def test_dot_matmul():
    """test_systematic.py::test_dot, test_matmul, test_matmul_broadcast"""
    combo_check(np.dot, [0, 1], order=3)([1.5, R(3), R(2, 3), R(2, 2, 3), C(3), C(2, 3)],
                                         [0.3, R(3), R(3, 4), R(2, 3, 4), C(3)])
    combo_check(np.matmul, [0, 1])([R(3), R(2, 3), R(2, 2, 3), C(3), C(2, 3)],
                                   [R(3), R(3, 4), R(2, 3, 4), C(3), C(3, 4)])
    combo_check(np.matmul, [0, 1])([R(1, 2, 2)], [R(3, 2, 1)])


def test_tensordot():
    """test_systematic.py::test_tensordot_1 ... test_tensordot_8"""
    td = combo_check(np.tensordot, [0, 1], order=3)
    td([R(1, 3), R(2, 3, 2), C(1, 3)], [R(3), R(3, 1), R(3, 4, 2), C(3)], axes=[[(1,), (0,)]])
    td([R(3), R(3, 1), R(3, 4, 2)], [R(1, 3), R(2, 3, 2)], axes=[[(0,), (1,)]])
    td([R(2, 3), R(2, 3, 4)], [R(1, 2, 3), R(2, 2, 3, 4)], axes=[[(0, 1), (1, 2)], [(1, 0), (2, 1)]])
    td([R(2, 2), R(4, 2, 2)], [R(2, 2), R(2, 2, 4)], axes=[1, 2])
    td([R(4)], [R()], axes=[0])
    td([R(2, 6)], [R(6, 3)], axes=[[[-1], [0]]])
    td([R(2, 6)], [R(6, 3)], axes=[[-1, 0]])
    td([R(2)], [R(2, 2)], axes=[[0, 1]])


def test_maximum_minimum_fmax_fmin():
    """test_systematic.py::test_maximum, test_fmax, test_minimum, test_fmin"""
    for fun in (np.maximum, np.fmax, np.minimum, np.fmin):
        combo_check(fun, [0, 1])([R(1), R(1, 4), R(3, 4)], [R(1), R(1, 4), R(3, 4)])


def test_sort_partition():
    """test_systematic.py::test_sort, test_partition"""
    combo_check(np.sort, [0])([R(1), R(7)])
    combo_check(np.partition, [0])([R(7), R(14)], kth=[0, 3, 6])


def test_atleast():
    """test_systematic.py::test_atleast_1d, test_atleast_2d, test_atleast_3d"""
    combo_check(np.atleast_1d, [0])([1.2, R(1), R(7), R(1, 4), R(2, 4), R(2, 4, 5)])
    combo_check(np.atleast_2d, [0])([1.2, R(1), R(7), R(1, 4), R(2, 4), R(2, 4, 5)])
    combo_check(np.atleast_3d, [0])([1.2, R(1), R(7), R(1, 4), R(2, 4), R(2, 4, 5), R(2, 4, 3, 5)])


def test_einsum():
    """test_systematic.py::test_einsum_transpose, _matmult, _matmult_broadcast, _matmult_broadcast_leadzero,
    _covsum, _ellipses, _ellipses_tail, _ellipses_center, _three_args, test_einsum2_transpose, _matmult,
    _matmult_broadcast, _covsum, _three_args, test_einsum_naked_sum, _naked_sum2, _naked_sum_ellipsis,
    test_einsum_no_output_indices"""
    combo_check(np.einsum, [1])(["ij->ji"], [R(1, 1), R(4, 4), R(3, 4)])
    combo_check(np.einsum, [1, 2])(["ij,jk->ik"], [R(2, 3), C(2, 3)], [R(3, 4), C(3, 4)])
    combo_check(np.einsum, [1, 2])(["...ij,...jk->...ik"], [R(2, 3), R(2, 2, 3)], [R(3, 4), R(2, 3, 4)])
    combo_check(np.einsum, [1, 2])(["...ij,...jk->...ik"], [R(0, 2, 3)], [R(0, 3, 4)])
    combo_check(np.einsum, [1, 2])(["ijk,lji->lki"], [R(3, 4, 4)], [R(4, 4, 3)])
    combo_check(np.einsum, [1, 2])(["...jk,...lj->...lk", "...,...->..."], [R(4, 4), R(3, 4, 4)],
                                   [R(4, 4), R(3, 4, 4)])
    combo_check(np.einsum, [1, 2])(["jk...,lj...->lk..."], [R(3, 2), R(3, 2, 4)], [R(2, 3), R(2, 3, 4)])
    combo_check(np.einsum, [1, 2])(["j...k,lj...->lk..."], [R(2, 2), R(2, 2, 2)], [R(2, 2), R(2, 2, 2)])
    combo_check(np.einsum, [1, 2])(["ijk,lji,lli->lki"], [R(3, 4, 4)], [R(4, 4, 3)], [R(4, 4, 3)])
    combo_check(np.einsum, [0])([R(1, 1), R(4, 4), R(3, 4)], [(0, 1)], [(1, 0)])
    combo_check(np.einsum, [0, 2])([R(2, 3)], [(0, 1)], [R(3, 4)], [(1, 2)], [(0, 2)])
    combo_check(np.einsum, [0, 2])([R(2, 3), R(2, 2, 3)], [(Ellipsis, 0, 1)], [R(3, 4), R(2, 3, 4)],
                                   [(Ellipsis, 1, 2)], [(Ellipsis, 0, 2)])
    combo_check(np.einsum, [0, 2])([R(3, 4, 4)], [(0, 1, 2)], [R(4, 4, 3)], [(3, 1, 0)], [(3, 2, 0)])
    combo_check(np.einsum, [0, 2])([R(3, 4, 4)], [(0, 1, 2)], [R(4, 4, 3)], [(3, 1, 0)], [R(4, 4, 3)],
                                   [(3, 3, 0)], [(3, 2, 0)])
    combo_check(np.einsum, [1, 2])(["k,nk->"], [R(5)], [R(10, 5)])
    combo_check(np.einsum, [1])(["abcd->bd"], [R(3, 2, 3, 2)])
    combo_check(np.einsum, [1, 2])(["...k,...nk->..."], [R(3, 5)], [R(3, 10, 5)])
    combo_check(np.einsum, [1, 2])(["ij,k"], [R(3, 4)], [R(3)])


def test_trace_diag_triangles():
    """test_systematic.py::test_trace, test_diag, test_diag_flat, test_tril, test_triu, test_tril_3d, test_triu_3d"""
    combo_check(np.trace, [0])([R(5, 5), R(4, 5), R(5, 4), R(3, 4, 5)], offset=[-1, 0, 1])
    combo_check(np.diag, [0])([R(5, 5)], k=[-1, 0, 1])
    combo_check(np.diag, [0])([R(5)], k=[-1, 0, 1])
    for fun in (np.tril, np.triu):
        combo_check(fun, [0])([R(5, 5)], k=[-1, 0, 1])
        combo_check(fun, [0])([R(5, 5, 4)], k=[-1, 0, 1])


def test_cross():
    """test_systematic.py::test_cross"""
    combo_check(np.cross, [0, 1])([R(3, 3)], [R(3, 3)], axisa=[-1, 0, 1], axisb=[-1, 0, 1], axisc=[-1, 0, 1],
                                  axis=[None, -1, 0, 1])


def test_splits():
    """test_systematic.py::test_vsplit_2d, _3d, test_hsplit_2d, _3d, test_dsplit_3d, test_split_1d, _2d, _3d,
    test_array_split_1d, _2d, _3d"""
    def part(fun, i=0):
        return lambda *a, **k: fun(*a, **k)[i]

    for i in (0, -1):
        combo_check(part(np.vsplit, i), [0])([R(4, 8)], [4, [1, 2]])
        combo_check(part(np.vsplit, i), [0])([R(4, 4, 4)], [2, [1, 2]])
        combo_check(part(np.hsplit, i), [0])([R(4, 8)], [4, [1, 2]])
        combo_check(part(np.hsplit, i), [0])([R(4, 4, 4)], [2, [1, 2]])
        combo_check(part(np.dsplit, i), [0])([R(4, 4, 4)], [2, [1, 2]])
        combo_check(part(np.split, i), [0])([R(1), R(7)], [1], axis=[0])
        combo_check(part(np.split, i), [0])([R(4, 8)], [4, [1, 2]], axis=[0, 1])
        combo_check(part(np.split, i), [0])([R(4, 4, 4)], [2, [1, 2]], axis=[0, 1, 2])
        combo_check(part(np.array_split, i), [0])([R(1), R(7)], [1, 3], axis=[0])
        combo_check(part(np.array_split, i), [0])([R(7, 7)], [4, [3, 5]], axis=[0, 1])
        combo_check(part(np.array_split, i), [0])([R(7, 7, 7)], [4, [3, 5]], axis=[0, 1, 2])


def test_joins():
    """test_systematic.py::test_concatenate_1ist, _tuple, _2d, _3d, test_vstack_1d, _2d, _3d, test_hstack_1d, _2d,
    _3d, test_stack_1d, test_row_stack_1d, _2d, test_column_stack_1d, _2d (the first array of each list is
    differentiated, HIPS's argnum 0 of a list)"""
    def first_of(fun):
        def f(x, rest, **kw):
            return fun((x,) + tuple(rest), **kw)

        return f

    def join(fun, lists, **kw):
        for xs in lists:
            xs = xs if isinstance(xs, tuple) else (xs,)
            combo_check(first_of(fun), [0])([xs[0]], [xs[1:]], **kw)

    join(np.concatenate, [(R(1), R(3))], axis=[0])
    join(np.concatenate, [(R(2, 2), R(2, 2))], axis=[0, 1])
    join(np.concatenate, [(R(2, 2, 2), R(2, 2, 2))], axis=[0, 1, 2])
    join(np.vstack, [R(2), (R(2), R(2)), R(2, 3), (R(2, 4), R(1, 4)), R(2, 3, 4), (R(2, 3, 4), R(5, 3, 4))])
    join(np.hstack, [R(2), (R(2), R(2)), R(3, 2), (R(3, 4), R(3, 5)), R(2, 3, 4), (R(2, 1, 4), R(2, 5, 4))])
    join(np.stack, [(R(2),), (R(2), R(2))], axis=[0, 1])
    join(dk.vstack, [R(2), (R(2), R(2)), R(2, 3), (R(2, 4), R(1, 4))])
    join(np.column_stack, [R(2), (R(2), R(2)), R(2, 2), (R(2, 2), R(2, 2))])


def test_select():
    """test_systematic.py::test_select"""
    conds = [R(3, 4, 5) > 0, R(3, 4, 5) > 0, R(3, 4, 5) > 0]

    def fun(choices, default):
        return np.select(conds, list(choices), default=default)

    combo_check(fun, [0])([np.stack([R(3, 4, 5), R(3, 4, 5), R(3, 4, 5)])], default=[0.0, 1.1])


def test_pad():
    """test_systematic.py::test_pad"""
    combo_check(np.pad, [0])([R(2, 2)], [0, 3, (3,), (3, 2), ((3, 2),), ((1, 2), (3, 4)), ((0, 0), (0, 0))],
                             ["constant"])
