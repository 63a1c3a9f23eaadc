"""A port of HIPS autograd's ``tests/test_numpy.py`` onto diffkit.

The functions are written with NumPy's own functions, as in autograd: on
Tensors and dual numbers NumPy hands them to diffkit (``__array_function__``
and ``__array_ufunc__``), and the finite differences run NumPy itself, so each
test checks diffkit's derivative against NumPy's function. Inputs, seeds and
tolerances are HIPS's; ``check_grads`` is theirs (``tests/hips_check.py``),
differentiating the first argument unless ``argnum`` says otherwise.

Adapted, with the reason in the docstring: autograd's ``np.array([box, ...])``
(NumPy doesn't dispatch ``np.array`` on lists, so ``dk.stack`` builds the
array), ``np.r_``/``np.c_`` (index tricks, likewise ``dk.concat``),
``np.make_diagonal`` (autograd's own; ``dk.diag_embed``). Left out:
``test_numpy_version`` (autograd's wrapper).
"""

import numpy as np
from hips_check import check_grads

import diffkit as dk
from diffkit.expr.ops import astype
from diffkit.expr.ops.support import plain

npr = np.random.RandomState(1)


def combo_check(fun, argnums, **kw):
    """HIPS's ``combo_check``: ``check_grads`` over every combination of the listed inputs and options."""
    from itertools import product

    def check(*arg_lists, **kwarg_lists):
        keys = list(kwarg_lists)
        for args in product(*arg_lists):
            for values in product(*(kwarg_lists[k] for k in keys)):
                check_grads(fun, argnum=argnums, **kw)(*args, **dict(zip(keys, values)))

    return check


def test_dot():
    """test_numpy.py::test_dot"""
    def fun(x, y):
        return np.dot(x, y)

    mat1, mat2 = npr.randn(10, 11), npr.randn(10, 11)
    vect1, vect2, vect3 = npr.randn(10), npr.randn(11), npr.randn(11)
    check_grads(fun, argnum=0)(mat1, vect2)
    check_grads(fun, argnum=0)(mat1, mat2.T)
    check_grads(fun, argnum=0)(vect1, mat1)
    check_grads(fun, argnum=0)(vect2, vect3)


def test_dot_with_floats():
    """test_numpy.py::test_dot_with_floats"""
    def fun(x, y):
        return np.dot(x, y)

    mat1, vect1, float1 = npr.randn(10, 11), npr.randn(10), npr.randn()
    check_grads(fun, argnum=0)(mat1, float1)
    check_grads(fun, argnum=0)(float1, mat1)
    check_grads(fun, argnum=0)(vect1, float1)
    check_grads(fun, argnum=0)(float1, vect1)


def test_outer():
    """test_numpy.py::test_outer"""
    def fun(x, y):
        return np.outer(x, y)

    vect2, vect3 = npr.randn(11), npr.randn(11)
    check_grads(fun, argnum=0)(vect2, vect3)
    check_grads(fun, argnum=0)(vect2.T, vect3)
    check_grads(fun, argnum=0)(vect2.T, vect3.T)


def test_max_min_sum_mean():
    """test_numpy.py::test_max, test_max_axis, test_max_axis_keepdims, test_min*, test_sum_1/2/3,
    test_sum_with_axis_tuple, test_mean_1/2/3"""
    mat, cube = npr.randn(10, 11), npr.randn(3, 4, 5)
    for fn in (np.max, np.min):
        check_grads(fn)(mat)
        check_grads(lambda x, fn=fn: fn(x, axis=1))(cube)
        check_grads(lambda x, fn=fn: fn(x, axis=1, keepdims=True))(cube)
    for fn in (np.sum, np.mean):
        check_grads(fn)(mat)
        check_grads(lambda x, fn=fn: fn(x, axis=0))(mat)
        check_grads(lambda x, fn=fn: fn(x, axis=0, keepdims=True))(mat)
    check_grads(lambda x: np.sum(x, axis=(1, 2)))(npr.randn(10, 11, 7))


def test_plain_numpy_reductions_on_box():
    """test_numpy.py::test_plain_numpy_reductions_on_box"""
    base = np.abs(npr.randn(5)) + 0.5
    for reduction in (np.sum, np.prod, np.max, np.min):
        def fun(a, r=reduction):
            return r(np.exp(a) * base)

        check_grads(fun)(0.7)


def test_flips_and_rot90():
    """test_numpy.py::test_flipud, test_fliplr, test_rot90"""
    mat = npr.randn(10, 11)
    for fn in (np.flipud, np.fliplr, np.rot90):
        check_grads(fn)(mat)


def test_cumsum():
    """test_numpy.py::test_cumsum_axis0, test_cumsum_axis1, test_cumsum_1d, test_cumsum_no_axis"""
    check_grads(lambda x: np.cumsum(x, axis=0))(npr.randn(10, 11))
    check_grads(lambda x: np.cumsum(x, axis=1))(npr.randn(10, 11))
    check_grads(np.cumsum)(npr.randn(10))
    check_grads(np.cumsum)(npr.randn(10, 11))


def test_non_numpy_sum():
    """test_numpy.py::test_non_numpy_sum"""
    check_grads(lambda x, y: sum([x, y]), argnum=0)(npr.randn(10, 11), npr.randn(10, 11))


def test_statistics_of_lists():
    """test_numpy.py::test_mean_list_of_boxes, test_std_list_of_boxes, test_var_list_of_boxes
    (adapted: the list is stacked with dk.stack)."""
    assert dk.ad.grad(lambda x: np.mean(dk.stack([x, x + 2])))(0.0) == 1.0
    assert dk.ad.grad(lambda x: np.std(dk.stack([x, x + 2])))(0.0) == 0.0
    assert dk.ad.grad(lambda x: np.var(dk.stack([x, x + 2])))(0.0) == 0.0


def test_indexing():
    """test_numpy.py::test_index_ints, test_index_slice, test_index_lists, test_index_mixed, test_vector_slice,
    test_index_slice_fanout, test_index_multiple_slices, test_multi_index, test_multi_index2,
    test_index_dot_slices"""
    A = npr.randn(5, 6, 4)
    check_grads(lambda x: x[3, 0, 1])(A)
    check_grads(lambda x: x[::-1, 2:4, :])(A)
    check_grads(lambda x: x[[0, 1, 2], :, :])(A)
    check_grads(lambda x: x[3, 2:, [1, 3]])(A)
    check_grads(lambda x: x[2:4])(npr.randn(5))
    check_grads(lambda x: x[::-1, 2:4, :] + x[::-1, 3:5, :])(A)
    check_grads(lambda x: x[2:6][1:3])(npr.randn(7))
    check_grads(lambda x: np.sum(x[[0, 0]]))(npr.randn(3))
    check_grads(lambda x: np.sum(x[[0, 1, 0]]))(npr.randn(3))
    check_grads(lambda x: np.dot(x[:2], x[2:]))(npr.randn(4))


def test_reshape_ravel_flatten():
    """test_numpy.py::test_reshape_method, test_reshape_call, test_reshape_method_nolist, test_ravel_method,
    test_ravel_call, test_flatten_method"""
    A = npr.randn(5, 6, 4)
    check_grads(lambda x: x.reshape((5 * 4, 6)))(A)
    check_grads(lambda x: np.reshape(x, (5 * 4, 6)))(A)
    check_grads(lambda x: x.reshape(5 * 4, 6))(A)
    check_grads(lambda x: x.ravel())(A)
    check_grads(np.ravel)(A)
    check_grads(lambda x: x.flatten())(A)


def test_append():
    """test_numpy.py::test_simple_append_list, test_simple_append_arr, test_simple_append_list_2D"""
    check_grads(np.append, argnum=(0, 1))([1.0, 2.0, 3.0], 4.0)
    check_grads(np.append, argnum=(0, 1))(np.array([1.0, 2.0, 3.0]), 4.0)
    check_grads(lambda a, b: np.append(a, b, axis=0), argnum=(0, 1))(
        [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], [[7.0, 8.0, 9.0]])


def test_concatenate():
    """test_numpy.py::test_simple_concatenate, test_concatenate_axis_0, test_concatenate_axis_1,
    test_concatenate_axis_1_unnamed"""
    A, B = npr.randn(5, 6, 4), npr.randn(4, 6, 4)
    check_grads(lambda x: np.concatenate((A, x)))(B)
    A, B = npr.randn(5, 6, 4), npr.randn(5, 6, 4)
    check_grads(lambda x: np.concatenate((B, x, B)))(A)
    check_grads(lambda x: np.concatenate((B, x, B), axis=1))(A)
    check_grads(lambda x: np.concatenate((B, x, B), 1))(A)


def test_trace():
    """test_numpy.py::test_trace, test_trace2, test_trace_extradims"""
    for shape, lo, hi in (((10, 11), -9, 11), ((11, 10), -9, 11), ((5, 6, 4, 3), -5, 6)):
        offset = npr.randint(lo, hi)
        check_grads(lambda x, offset=offset: np.trace(x, offset=offset))(npr.randn(*shape))


def test_matrix_shapes():
    """test_numpy.py::test_diag, test_transpose, test_roll, test_roll_no_axis, test_triu, test_tril, test_clip"""
    check_grads(np.diag)(npr.randn(10, 10))
    check_grads(lambda x: x.T)(npr.randn(8, 8))
    check_grads(lambda x: np.roll(x, 2, axis=1))(npr.randn(4, 5))
    check_grads(lambda x: np.triu(x, k=2))(npr.randn(5, 5))
    check_grads(lambda x: np.tril(x, k=2))(npr.randn(5, 5))
    check_grads(lambda x: np.clip(x, a_min=0.1, a_max=1.1))(npr.randn(5, 5))


def test_prod():
    """test_numpy.py::test_prod_1, test_prod_2, test_prod_3, test_prod_4"""
    check_grads(np.prod)(npr.randn(2, 3) ** 2 / 10.0 + 0.1)
    check_grads(lambda x: np.prod(x, axis=0))(npr.randn(2, 3) ** 2 + 0.1)
    check_grads(lambda x: np.prod(x, axis=0, keepdims=True))(npr.randn(2, 3) ** 2 + 0.1)
    check_grads(np.prod)(npr.randn(7) ** 2 + 0.1)


def test_arrays_from_values():
    """test_numpy.py::test_1d_array, test_2d_array, test_1d_array_fanout, test_2d_array_fanout,
    test_array_from_scalar, test_array_from_arrays, test_array_from_arrays_2 (adapted: dk.stack builds the
    array NumPy builds from a list of boxes)."""
    check_grads(lambda x: dk.stack([x, x * 1.0, x + 2.5]))(3.0)
    check_grads(lambda x: dk.stack([dk.stack([x, x * 1.0, x + 2.5]), dk.stack([x**2, x, x / 2.0])]))(3.0)
    check_grads(lambda x: dk.stack([x, x * 1.0, x + 2.5]) * 2.0)(3.0)
    check_grads(lambda x: x * 1.0)(3.0)
    A = npr.randn(3, 2)
    check_grads(lambda x: dk.stack([x, x]))(A)
    check_grads(lambda x: dk.stack([dk.stack([2 * x, x + 1]), dk.stack([x, x])]))(A)


def test_scalar_attributes_and_len():
    """test_numpy.py::test_scalar_array_box_attributes, test_len"""
    def fun(x):
        assert x.shape == () and x.ndim == 0 and x.dtype == np.float64
        return x**2

    assert dk.ad.grad(fun)(3.0) == 6.0

    def fun_len(x):
        assert len(x) == 3
        return x

    check_grads(fun_len)(npr.randn(3, 2))


def test_r_and_c():
    """test_numpy.py::test_r_basic, test_r_double, test_no_relation, test_r_no_relation, test_r_node_and_const,
    test_r_mixed, test_r_slicing, test_c_, test_c_mixed (adapted: np.r_[...] is dk.concat along axis 0,
    np.c_[...] along the last axis)."""
    c, A = npr.randn(3, 2), npr.randn(3, 2)
    check_grads(lambda x: dk.concat([x], axis=0))(A)
    check_grads(lambda x: dk.concat([x, x], axis=0))(A)
    check_grads(lambda x: dk.concat([x, c], axis=0) * 1.0)(A)
    check_grads(lambda x: dk.concat([x, c, x], axis=0))(A)
    check_grads(lambda x: dk.concat([x, c, x], axis=-1))(A)
    c10 = npr.randn(10)
    check_grads(lambda x: dk.concat([x, c10, np.arange(1.0, 10.0)], axis=0))(npr.randn(10))


def test_var_std_ddof():
    """test_numpy.py::test_var_ddof, test_std_ddof"""
    B, C, D = npr.randn(3), npr.randn(3, 4), npr.randn(1, 3)
    for fn in (np.var, np.std):
        combo_check(fn, (0,))([B, C, D], axis=[None], keepdims=[True, False], ddof=[0, 1])
        combo_check(fn, (0,))([C, D], axis=[None, 1], keepdims=[True, False], ddof=[2])


def test_where_squeeze_repeat_expand_dims():
    """test_numpy.py::test_where, test_squeeze_func, test_squeeze_method, test_repeat, test_repeat_axis1_rep1,
    test_repeat_axis0, test_repeat_1d_axis0, test_repeat_axis0_rep1, test_expand_dims"""
    C = npr.randn(4, 5) > 0
    check_grads(lambda x, y: np.where(C, x, y), argnum=(0, 1))(npr.randn(4, 5), npr.randn(4, 5))
    A = npr.randn(5, 1, 4)
    check_grads(np.squeeze)(A)
    check_grads(lambda x: x.squeeze())(A)
    check_grads(lambda x: np.repeat(x, 2, axis=1))(npr.randn(5, 3, 4))
    check_grads(lambda x: np.repeat(x, 1, axis=1))(npr.randn(5, 3, 4))
    check_grads(lambda x: np.repeat(x, 2, axis=0))(npr.randn(5, 3))
    check_grads(lambda x: np.repeat(x, 2, axis=0))(npr.randn(5))
    check_grads(lambda x: np.repeat(x, 1, axis=0))(npr.randn(5, 1))
    check_grads(lambda x: np.expand_dims(x, 2))(npr.randn(5, 1, 4))


def test_tensordot_kwargs_by_position():
    """test_numpy.py::test_tensordot_kwargs_by_position"""
    g = dk.ad.grad(lambda x: np.sum(np.tensordot(x * np.ones((2, 2)), x * np.ones((2, 2)), 2)))(1.0)
    assert g == 8.0


def test_cast_to_int():
    """test_numpy.py::test_cast_to_int (adapted: the indices are read off the values, as np.int64 does there)"""
    inds = np.ones(5)[:, None]
    W = np.random.RandomState(0).randn(5, 10)

    def fun(W):
        np.concatenate((W, inds), axis=1)
        new_W = W[:, :-1]
        new_inds = np.asarray(plain(W[:, -1])).astype(np.int64)
        return new_W[new_inds].sum()

    check_grads(fun)(W)


def test_make_diagonal_and_diagonal():
    """test_numpy.py::test_make_diagonal (autograd's np.make_diagonal is dk.diag_embed), test_diagonal"""
    D = npr.randn(4)
    A = dk.diag_embed(D, axis1=-1, axis2=-2)
    assert np.allclose(np.diag(A), D)
    check_grads(lambda d: dk.diag_embed(d, axis1=-1, axis2=-2))(D)
    D = npr.randn(3, 4)
    A = dk.diag_embed(D, axis1=-1, axis2=-2)
    assert all(np.allclose(np.diag(A[i]), D[i]) for i in range(3))
    check_grads(lambda d: dk.diag_embed(d, axis1=-1, axis2=-2))(D)
    check_grads(lambda d: np.diagonal(d, axis1=-1, axis2=-2))(npr.randn(4, 4))
    check_grads(lambda d: np.diagonal(d, axis1=-1, axis2=-2))(npr.randn(3, 4, 4))


def test_nan_to_num():
    """test_numpy.py::test_nan_to_num"""
    y = np.array([0.0, np.nan, np.inf, -np.inf])
    check_grads(lambda x: np.sum(np.sin(np.nan_to_num(x + y))))(npr.randn(4))


def test_max_and_maximum_with_equal_values():
    """test_numpy.py::test_max_equal_values, test_max_equal_values_2d, test_min_3_way_equality,
    test_maximum_equal_values, test_maximum_equal_values_2d (arrays of boxes built with dk.stack)"""
    def m(rows):
        return dk.stack([dk.stack(r) if isinstance(r, list) else r for r in rows])

    check_grads(lambda x: np.max(dk.stack([x, x])))(1.0)
    for v in (1.0, -1.0):
        check_grads(lambda x: np.max(m([[x, x], [x, 0.5 + 0 * x]]), axis=1))(v)
        check_grads(lambda x: np.min(m([[x, x, x], [x, 0.5 + 0 * x, 0.5 + 0 * x], [0.5 + 0 * x] * 3,
                                        [x, x, 0.5 + 0 * x]]), axis=0))(v)
    check_grads(lambda x: np.maximum(x, x))(1.0)
    for v in (1.0, -1.0, 2.0):
        check_grads(lambda x: np.maximum(m([x, x, 0.5 + 0 * x]), m([[x, 0.5 + 0 * x, x], [x, x, 0.5 + 0 * x]])))(v)


def test_linspace():
    """test_numpy.py::test_linspace"""
    for num in [0, 1, 5]:
        def fun(x, y, num=num):
            return np.linspace(x, y, num)

        check_grads(fun, argnum=(0, 1))(1.2, 3.4)
        check_grads(fun, argnum=(0, 1))(1.2, -3.4)
        check_grads(fun, argnum=(0, 1))(1.2, 1.2)


def test_astype():
    """test_numpy.py::test_astype (the gradient keeps the argument's dtype)"""
    x = np.arange(3, dtype="float32")
    g = dk.ad.grad(lambda x: np.sum(np.sin(astype(x, dtype="float64"))))(x)
    assert g.dtype == np.dtype("float32")


def test_gradient():
    """test_numpy.py::test_gradient"""
    check_grads(np.gradient, argnum=0)(npr.randn(10))
    check_grads(lambda x: np.gradient(x)[0], argnum=0)(npr.randn(10, 10))
    check_grads(lambda x: np.gradient(x)[2], argnum=0)(npr.randn(10, 10, 10))
    for a in [None, 0, 1, -1, (0, 1), (0, -1)]:
        check_grads(lambda x, a=a: np.stack(np.gradient(x, axis=a)) if isinstance(a, tuple) or a is None
                    else np.gradient(x, axis=a))(npr.randn(10, 10, 10))
