"""Ports of HIPS autograd's tests of its transforms (github.com/HIPS/autograd, ``tests/``).

Each test names its source file and test. Inputs, shapes and tolerances are
the peer's (random inputs from a seeded generator, as the peer seeds its own);
``check_grads`` is the peer's check (``tests/hips_check.py``), run in both
modes to order 2. The functions are written with NumPy as in the peer: on
diffkit's transform values ``np.sin``, ``np.sum``, ``np.dot``... dispatch to
the ops table through NumPy's protocols. Where the peer uses an op diffkit
does not have (``cosh``, ``roll``, ``prod``), the same function is written
with ops it has, and the docstring says so.
"""

import numpy as np
import pytest
from hips_check import check_equivalent, check_grads

import diffkit as dk
from diffkit.ad import grad, hessian, jacfwd, jacrev, jvp, value_and_grad, vjp, vmap
from diffkit.expr.levels import LevelValue

npr = np.random.default_rng(1)


def randn(*shape):
    return npr.standard_normal(shape) if shape else float(npr.standard_normal())


def cosh(x):
    return (np.exp(x) + np.exp(-x)) / 2.0


# --------------------------------------------------------------------------- tests/test_core.py

def _nd(f, x, eps=1e-4):
    return (f(x + eps / 2) - f(x - eps / 2)) / eps


def _check_close(a, b, atol=1e-4, rtol=1e-4):
    assert abs(a - b) < atol + rtol * abs(b), f"Diffs are: {a - b}"


def _check_binary_func(fun):
    x, y = 0.7, 1.8
    _check_close(grad(fun)(x, y), _nd(lambda x: fun(x, y), x))
    _check_close(grad(fun, 1)(x, y), _nd(lambda y: fun(x, y), y))


@pytest.mark.parametrize("name,fun", [
    ("add", lambda x, y: x + y), ("sub", lambda x, y: x - y), ("div", lambda x, y: x / y),
    ("mul", lambda x, y: x * y), ("pow", lambda x, y: x**y),
    ("eq", lambda x, y: x == y), ("neq", lambda x, y: x != y), ("leq", lambda x, y: x <= y),
    ("geq", lambda x, y: x >= y), ("lt", lambda x, y: x < y), ("gt", lambda x, y: x > y),
])
def test_core_binary_funcs(name, fun):
    """tests/test_core.py: test_add ... test_gt (check_binary_func; comparisons have gradient 0)."""
    _check_binary_func(fun)


# --------------------------------------------------------------------------- tests/test_wrappers.py

def test_return_both():
    """tests/test_wrappers.py::test_return_both"""
    fun = lambda x: 3.0 * x**3.2  # noqa: E731
    f, d = value_and_grad(fun)(1.7)
    assert f == fun(1.7)
    assert d == grad(fun)(1.7)


def test_value_and_grad():
    """tests/test_wrappers.py::test_value_and_grad (the value is a plain number, not a transform's value)"""
    fun = lambda x: np.sum(np.sin(x) ** 2)  # noqa: E731
    dfun_both = value_and_grad(fun)
    x = randn(5)
    assert not isinstance(dfun_both(x)[0], LevelValue)
    check_equivalent(fun(x), dfun_both(x)[0])
    check_equivalent(grad(fun)(x), dfun_both(x)[1])
    check_grads(lambda x: dfun_both(x)[0])(x)


def test_hessian():
    """tests/test_wrappers.py::test_hessian (a quadratic form's Hessian is H + H^T)"""
    H = randn(5, 5)
    x = randn(5)
    check_equivalent(hessian(lambda x: np.dot(np.dot(x, H), x))(x), H + H.T)


def _complicated_fun(a, b, c, d, e, f=1.1, g=9.0):
    return a + np.sin(b) + cosh(c) + np.cos(d) + np.tan(e) + f + g


def test_multigrad():
    """tests/test_wrappers.py::test_multigrad (cosh written with exp)"""
    A, B, C, D, E, F, G = 0.5, -0.3, 0.2, -1.1, 0.7, 0.6, -0.1
    wrapped = grad(_complicated_fun, argnums=(3, 1))(A, B, C, D, E, f=F, g=G)
    explicit = grad(lambda d_b: _complicated_fun(A, d_b[1], C, d_b[0], E, f=F, g=G))((D, B))
    check_equivalent(wrapped, explicit)


def test_value_and_multigrad():
    """tests/test_wrappers.py::test_value_and_multigrad"""
    A, B, C, D, E, F, G = 0.5, -0.3, 0.2, -1.1, 0.7, 0.6, -0.1
    dfun = grad(_complicated_fun, argnums=(3, 1))
    both = value_and_grad(_complicated_fun, argnums=(3, 1))
    check_equivalent(_complicated_fun(A, B, C, D, E, f=F, g=G), both(A, B, C, D, E, f=F, g=G)[0])
    check_equivalent(dfun(A, B, C, D, E, f=F, g=G), both(A, B, C, D, E, f=F, g=G)[1])


def test_multigrad_onearg():
    """tests/test_wrappers.py::test_multigrad_onearg"""
    fun = lambda x, y: np.sum(x + np.sin(y))  # noqa: E731
    packed = lambda xy: np.sum(xy[0] + np.sin(xy[1]))  # noqa: E731
    A, B = randn(3), randn(3)
    check_equivalent(grad(fun, argnums=(0,))(A, B), (grad(packed)((A, B))[0],))


def test_elementwise_grad():
    """tests/test_wrappers.py::test_elementwise_grad, as vmap(grad) (diffkit has no elementwise_grad)"""
    simple = lambda a: a + np.sin(a) + cosh(a)  # noqa: E731
    A = randn(10)
    check_equivalent(vmap(grad(simple))(A), np.array([grad(simple)(A[i]) for i in range(len(A))]))


def test_elementwise_grad_multiple_args():
    """tests/test_wrappers.py::test_elementwise_grad_multiple_args, as vmap(grad) over argument 1"""
    simple = lambda a, b: a + np.sin(a) + cosh(b)  # noqa: E731
    A, B = 0.9, randn(10)
    wrapped = vmap(grad(simple, 1), in_axes=(None, 0))(A, B)
    check_equivalent(wrapped, np.array([grad(simple, 1)(A, B[i]) for i in range(len(B))]))


def _hvp(fun, x, v):
    """Hessian-vector product, forward over reverse."""
    return jvp(grad(fun), (x,), (v,))[1]


@pytest.mark.parametrize("shape", [(5,), (5, 4), (5, 4, 3)])
def test_hessian_tensor_products(shape):
    """tests/test_wrappers.py::test_hessian_tensor_product, test_hvp, test_hessian_matrix_product,
    test_hessian_tensor_product_3d"""
    fun = lambda a: np.sum(np.sin(a))  # noqa: E731
    a, V = randn(*shape), randn(*shape)
    H = hessian(fun)(a)
    check_equivalent(np.tensordot(H, V, axes=np.ndim(V)), _hvp(fun, a, V))


def _roll1(x):
    """np.roll(x, 1) along the first axis, written with indexing."""
    return x[np.roll(np.arange(x.shape[0]), 1)]


@pytest.mark.parametrize("a_shape,v_shape", [((5,), (5,)), ((5, 4), (5, 4)), ((5, 4, 3), (5, 4))])
def test_tensor_jacobian_products(a_shape, v_shape):
    """tests/test_wrappers.py::test_tensor_jacobian_product, test_matrix_jacobian_product and the 3-d
    test_tensor_jacobian_product (np.roll(sin(a), 1) written with indexing)"""
    fun = lambda a: _roll1(np.sin(a)) if a.ndim == 1 else _roll1(np.sin(a).reshape(-1)).reshape(a.shape)  # noqa: E731
    a, V = randn(*a_shape), randn(*v_shape)
    J = jacrev(fun)(a)
    vjp_v = lambda a, V: vjp(lambda x: np.tensordot(np.ones(()), 0.0) + fun(x), a)[1]  # noqa: E731, F841
    y, pullback = vjp(fun, a)
    if V.shape == y.shape:
        check_equivalent(np.tensordot(V, J, axes=np.ndim(V)), pullback(V)[0])
    else:  # a tensor of cotangents over the leading output axes: one pullback per trailing position
        lead = np.tensordot(V, J, axes=np.ndim(V))
        assert lead.shape == (3,) + a_shape
        for k in range(3):
            ct = np.zeros(y.shape)
            ct[..., k] = V
            check_equivalent(lead[k], pullback(ct)[0])


def test_partial():
    """tests/test_wrappers.py::test_partial"""
    from functools import partial

    grad(partial(lambda x, y: x, y=1))


def test_dtypes():
    """tests/test_wrappers.py::test_dtypes (a gradient keeps its argument's dtype)"""
    f = lambda x: np.sum(x**2)  # noqa: E731
    assert grad(f)(randn(10, 10).astype(np.float32)).dtype.type is np.float32
    assert grad(f)(randn(10, 10).astype(np.float16)).dtype.type is np.float16


def test_make_jvp():
    """tests/test_wrappers.py::test_make_jvp"""
    A, x, v = randn(3, 5), randn(5), randn(5)
    fun = lambda x: np.tanh(np.dot(A, x))  # noqa: E731
    check_equivalent(np.dot(jacfwd(fun)(x), v), jvp(fun, (x,), (v,))[1])


def _ggnvp(f, g=lambda x: 1.0 / 2 * np.dot(x, x)):
    """Generalised Gauss-Newton vector product J^T H_g J v, by transforms (make_ggnvp)."""
    def at(x):
        def product(v):
            y, jv = jvp(f, (x,), (v,))
            hjv = jvp(grad(g), (y,), (jv,))[1]
            return vjp(f, x)[1](hjv)[0]
        return product
    return at


def _explicit_ggnvp(f, g=lambda x: 1.0 / 2 * np.dot(x, x)):
    def at(x):
        J, H = jacobian_of(f)(x), hessian(g)(f(x))
        return lambda v: np.dot(J.T, np.dot(H, np.dot(J, v)))
    return at


def jacobian_of(f):
    return jacrev(f)


def test_make_ggnvp():
    """tests/test_wrappers.py::test_make_ggnvp"""
    A, x, v = randn(5, 4), randn(4), randn(4)
    for fun in (lambda x: np.dot(A, x), lambda x: np.tanh(np.dot(A, x))):
        check_equivalent(_ggnvp(fun)(x)(v), _explicit_ggnvp(fun)(x)(v))


def test_make_ggnvp_nondefault_g():
    """tests/test_wrappers.py::test_make_ggnvp_nondefault_g"""
    A, x, v = randn(5, 4), randn(4), randn(4)
    g = lambda y: np.sum(2.0 * y**2 + y**4)  # noqa: E731
    for fun in (lambda x: np.dot(A, x), lambda x: np.tanh(np.dot(A, x))):
        check_equivalent(_ggnvp(fun, g)(x)(v), _explicit_ggnvp(fun, g)(x)(v))


def test_grad_and_aux():
    """tests/test_wrappers.py::test_grad_and_aux (grad(..., has_aux=True))"""
    A, x = randn(5, 4), randn(4)
    f = lambda x: (np.sum(np.dot(A, x)), x**2)  # noqa: E731
    g = lambda x: np.sum(np.dot(A, x))  # noqa: E731
    assert len(grad(f, has_aux=True)(x)) == 2
    check_equivalent(grad(f, has_aux=True)(x)[0], grad(g)(x))
    check_equivalent(grad(f, has_aux=True)(x)[1], x**2)


# --------------------------------------------------------------------------- tests/test_jacobian.py

def test_jacobian_against_grad():
    """tests/test_jacobian.py::test_jacobian_against_grad"""
    fun = lambda x: np.sum(np.sin(x), axis=1, keepdims=True)  # noqa: E731
    A = randn(1, 3)
    assert np.allclose(grad(fun)(A), jacrev(fun)(A)) and np.allclose(grad(fun)(A), jacfwd(fun)(A))


def test_jacobian_scalar_to_vector():
    """tests/test_jacobian.py::test_jacobian_scalar_to_vector (np.array of values is dk.stack here)"""
    fun = lambda x: dk.stack([x, x**2, x**3])  # noqa: E731
    val = randn()
    for jac in (jacrev, jacfwd):
        assert np.allclose(jac(fun)(val), np.array([1.0, 2 * val, 3 * val**2]))


def test_jacobian_against_stacked_grads():
    """tests/test_jacobian.py::test_jacobian_against_stacked_grads (np.prod written as a product)"""
    def prod(v):
        out = v[0]
        for k in range(1, len(v)):
            out = out * v[k]
        return out

    scalar_funs = [
        lambda x: np.sum(x**3),
        lambda x: prod(np.sin(x) + np.sin(x)),
        lambda x: grad(lambda y: np.exp(y) * np.tanh(x[0]))(x[1]),
    ]
    vector_fun = lambda x: dk.stack([f(x) for f in scalar_funs])  # noqa: E731
    x = randn(5)
    grads = np.vstack([grad(f)(x) for f in scalar_funs])
    assert np.allclose(jacrev(vector_fun)(x), grads) and np.allclose(jacfwd(vector_fun)(x), grads)


def test_jacobian_higher_order():
    """tests/test_jacobian.py::test_jacobian_higher_order"""
    fun = lambda x: np.sin(np.outer(x, x)) + np.cos(np.dot(x, x))  # noqa: E731
    assert jacrev(fun)(randn(2)).shape == (2, 2, 2)
    assert jacrev(jacrev(fun))(randn(2)).shape == (2, 2, 2, 2)
    assert jacfwd(jacrev(fun))(randn(2)).shape == (2, 2, 2, 2)
    check_grads(lambda x: np.sum(np.sin(jacrev(fun)(x))))(randn(2))
    check_grads(lambda x: np.sum(np.sin(jacrev(jacrev(fun))(x))))(randn(2))


# --------------------------------------------------------------------------- tests/test_graphs.py

def test_grad_fanout():
    """tests/test_graphs.py::test_grad_fanout"""
    fun = lambda x: np.sin(np.sin(x) + np.sin(x))  # noqa: E731
    check_grads(fun)(randn())
    check_grads(grad(fun))(float(npr.random()))


def test_grad_const():
    """tests/test_graphs.py::test_grad_const (a constant function has gradient 0)"""
    assert np.allclose(grad(lambda x: 1.0)(2.0), 0.0)


def test_grad_identity():
    """tests/test_graphs.py::test_grad_identity"""
    df = grad(lambda x: x)
    assert np.allclose(df(2.0), 1.0)
    assert np.allclose(grad(df)(2.0), 0.0)


def test_hess_vector_prod():
    """tests/test_graphs.py::test_hess_vector_prod"""
    randv = randn(10)
    fun = lambda x: np.sin(np.dot(x, randv))  # noqa: E731
    df = grad(fun)
    vector_product = lambda x, v: np.sin(np.dot(v, df(x)))  # noqa: E731
    A, B = randn(10), randn(10)
    check_grads(fun)(A)
    check_grads(vector_product)(A, B)


def test_enclosing_scope_ref():
    """tests/test_graphs.py::test_enclosing_scope_ref and test_enclosing_scope_ref_2"""
    check_grads(lambda x: x * grad(lambda y: x * y)(2.0))(1.0)
    check_grads(lambda x: x * grad(lambda y: y * x)(2.0))(1.0)


def test_mutating_outgrad():
    """tests/test_graphs.py::test_mutating_outgrad and test_mutating_outgrad_from_indexing"""
    def fun(a):
        b = a + 1.0
        c = b + 1.5
        d = a + b
        return d + c

    def fun_indexing(a):
        b = a + 1.0
        c = b[0] + 1.5
        d = a + b
        return d + c

    check_grads(fun)(randn(5))
    check_grads(fun_indexing)(randn(5))


@pytest.mark.parametrize("argnums", [(0, 0, 0), (0, 1, 0), (1, 0, 1)])
def test_third_derivative(argnums):
    """tests/test_graphs.py::test_third_derivative, test_third_derivative_other_args(2)"""
    fun = lambda x, y: np.sin(np.sin(x) + np.sin(y))  # noqa: E731
    df = grad(fun, argnums[0])
    ddf = grad(df, argnums[1])
    dddf = grad(ddf, argnums[2])
    for f in (fun, df, ddf, dddf):
        check_grads(f)(randn(), randn())
    # and against the closed form of d/dx: cos(u) cos(x), u = sin x + sin y
    x, y = 0.3, -0.8
    u = np.sin(x) + np.sin(y)
    assert np.isclose(grad(fun)(x, y), np.cos(u) * np.cos(x), rtol=1e-14)


@pytest.mark.parametrize("shape,axis,keepdims", [
    ((3, 3), None, True), ((3, 1), 0, False), ((1, 3), 1, False), ((3, 1), 0, True), ((1, 3), 1, True)])
def test_singleton_array_output(shape, axis, keepdims):
    """tests/test_graphs.py::test_singleton_array_output and its axis0/axis1/keepdims variants"""
    fun = lambda x: np.sum(np.sin(x), axis=axis, keepdims=keepdims)  # noqa: E731
    x = randn(*shape)
    check_grads(fun)(x)
    check_grads(lambda x: np.sum(grad(fun)(x)))(x)


def test_assignment_raises_error():
    """tests/test_graphs.py::test_assignment_raises_error (a TypeError, as the peer's)"""
    def fun(A, b):
        A[1] = b
        return A

    with pytest.raises(TypeError):
        check_grads(fun)(randn(5), 3.0)


# ---------------------------------------------------- tests/test_dict.py, test_list.py, test_tuple.py

def _containers():
    items = [randn(5, 6), randn(4, 3), randn(2, 4)]
    return [
        ({"item_1": items[0], "item_2": items[1], "item_X": items[2]}, ("item_1", "item_2", "item_X")),
        (list(items), (0, 1, 2)),
        (tuple(items), (0, 1, 2)),
    ]


@pytest.mark.parametrize("which", ["dict", "list", "tuple"])
def test_container_getter(which):
    """tests/test_dict.py, test_list.py, test_tuple.py: test_getter"""
    container, (k1, k2, k3) = _containers()[["dict", "list", "tuple"].index(which)]
    fun = lambda c: np.sum(c[k1]) + np.sum(c[k2]) + np.sum(c[k2])  # noqa: E731
    result = grad(fun)(container)
    assert type(result) is type(container)
    assert np.allclose(result[k1], np.ones((5, 6)))
    assert np.allclose(result[k2], 2 * np.ones((4, 3)))
    assert np.allclose(result[k3], np.zeros((2, 4)))


@pytest.mark.parametrize("which", ["dict", "list", "tuple"])
def test_container_grads(which):
    """tests/test_dict.py, test_list.py, test_tuple.py: test_grads"""
    container, (k1, k2, _) = _containers()[["dict", "list", "tuple"].index(which)]
    fun = lambda c: np.sum(np.sin(c[k1])) + np.sum(np.cos(c[k2]))  # noqa: E731

    def d_fun(c):
        g = grad(fun)(c)
        return np.sum(g[k1]) + np.sum(np.sin(g[k1])) + np.sum(np.sin(g[k2]))

    check_grads(fun)(container)
    check_grads(d_fun)(container)


def test_dict_iter_and_items_values_keys():
    """tests/test_dict.py::test_iter and test_items_values_keys"""
    container, _ = _containers()[0]

    def fun_iter(d):
        A = B = 0.0
        for i, k in enumerate(sorted(d)):
            A = A + np.sum(np.sin(d[k])) * (i + 1.0)
            B = B + np.sum(np.cos(d[k]))
        return A + B

    def fun_items(d):
        A = B = 0.0
        for i, (_k, v) in enumerate(sorted(d.items(), key=lambda kv: kv[0])):
            A = A + np.sum(np.sin(v)) * (i + 1.0)
            B = B + np.sum(np.cos(v))
        for v in d.values():
            A = A + np.sum(np.sin(v))
        for k in sorted(d.keys()):
            A = A + np.sum(np.cos(d[k]))
        return A + B

    for fun in (fun_iter, fun_items):
        check_grads(fun)(container)
        check_grads(lambda d, fun=fun: sum(np.sum(np.sin(v)) for v in grad(fun)(d).values()))(container)


def test_dict_get():
    """tests/test_dict.py::test_get"""
    fun = lambda d, x: d.get("item_1", x) ** 2  # noqa: E731
    check_grads(fun, argnum=(0, 1))({"item_1": 3.0}, 2.0)
    check_grads(fun, argnum=(0, 1))({"item_2": 4.0}, 2.0)
    check_grads(fun, argnum=(0, 1))({}, 2.0)


def test_make_containers():
    """tests/test_list.py::test_make_list, tests/test_dict.py::test_make_dict (containers as results)"""
    check_grads(lambda x: [x, x])(1.0)
    check_grads(lambda x: dict([("a", x)], b=x), modes=("rev",))(1.0)
    check_grads(lambda x: {"a": x})(1.0)


def test_list_slices_and_nested_list():
    """tests/test_list.py::test_slices and test_nested_list (a list of numbers is an array here)"""
    assert grad(lambda x: x[slice(None, -1, None)][0])([1.0, 2.0, 3.0]).tolist() == [1.0, 0.0, 0.0]
    assert grad(lambda x: x[1:3][0])([1.0, 2.0, 3.0]).tolist() == [0.0, 1.0, 0.0]
    check_grads(lambda x: x[1:][0])([[1.0], 2.0, 1.5])


def test_tuple_nested_higher_order():
    """tests/test_tuple.py::test_nested_higher_order"""
    def outer_fun(x):
        inner = lambda y: y[0] * y[1]  # noqa: E731
        return np.sum(np.sin(dk.stack(list(grad(inner)((x, x))))))

    check_grads(outer_fun)(5.0)
    check_grads(grad(outer_fun))(10.0)
    check_grads(grad(grad(outer_fun)))(10.0)


@pytest.mark.parametrize("value", [{"x": 1.0}, [1.0, 2.0, 3.0], (1.0, 2.0, 3.0)])
def test_isinstance(value):
    """tests/test_dict.py, test_list.py, test_tuple.py: test_isinstance (containers stay what they are;
    a list of numbers is an array)"""
    def fun(x):
        if isinstance(value, list):
            assert x.shape == (3,)
        else:
            assert isinstance(x, type(value))
        return x["x"] if isinstance(x, dict) else x[0]

    fun(value if not isinstance(value, list) else np.asarray(value))
    grad(fun)(value)
