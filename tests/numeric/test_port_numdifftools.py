"""numdifftools' own tests (``src/numdifftools/tests/test_numdifftools.py``), ported to diffkit.

Inputs and tolerances are numdifftools'. Its methods map to diffkit's: numdifftools
always extrapolates over a sequence of steps, so its "central", "forward" and
"backward" are ``method="richardson"`` with that ``scheme``, and its ``order`` (the
accuracy order) is ``accuracy``; its "complex" is ``method="complex"``. Its ``n``
(which derivative) is diffkit's ``order``. Not ported: the "multicomplex" method
(diffkit has none), tests of numdifftools' internals (``default_scale``, step
generators, ``num_extrap``, ``final_step``), and complex points for finite
differences (diffkit refuses a complex x there: see docs/differences.md).
Hypothesis tests run fewer examples (numdifftools' explicit examples are all kept)
so that the port stays within the suite's time budget.
"""

import warnings

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

import diffkit as dk
from diffkit.numeric.estimates import richardson_weights

FD = ["central", "forward", "backward"]


def kw(method, order=None):
    """numdifftools' method and order (accuracy) as diffkit's keywords."""
    if method == "complex":
        return {"method": "complex"}
    out = {"method": "richardson", "scheme": method}
    if order is not None:
        out["accuracy"] = order if method != "central" or order % 2 == 0 else order + 1
    return out


def rosen(x):
    """numdifftools.testing.rosen."""
    x = np.atleast_1d(x)
    return (1 - x[0]) ** 2 + 105.0 * (x[1] - x[0] ** 2) ** 2


# -- TestRichardson ------------------------------------------------------------------------------------
def test_richardson_rule_central_forward_backward():
    """test_numdifftools.py::TestRichardson::test_central_forward_backward: the rule coefficients for
    step ratio 2 with one and two extra terms (central: error terms h^q, h^(q+2); one-sided: h^q, h^(q+1))."""
    central = {(1, 1): [-0.33333333, 1.33333333], (1, 2): [-0.33333333, 1.33333333],
               (1, 3): [-0.33333333, 1.33333333], (1, 4): [-0.06666667, 1.06666667],
               (1, 5): [-0.06666667, 1.06666667], (1, 6): [-0.01587302, 1.01587302],
               (2, 1): [0.02222222, -0.44444444, 1.42222222], (2, 2): [0.02222222, -0.44444444, 1.42222222],
               (2, 3): [0.02222222, -0.44444444, 1.42222222],
               (2, 4): [1.05820106e-03, -8.46560847e-02, 1.08359788e00],
               (2, 5): [1.05820106e-03, -8.46560847e-02, 1.08359788e00],
               (2, 6): [6.22471211e-05, -1.99190787e-02, 1.01985683e00]}
    forward = {(1, 1): [-1.0, 2.0], (1, 2): [-0.33333333, 1.33333333], (1, 3): [-0.14285714, 1.14285714],
               (1, 4): [-0.06666667, 1.06666667], (1, 5): [-0.03225806, 1.03225806],
               (1, 6): [-0.01587302, 1.01587302], (2, 1): [0.33333333, -2.0, 2.66666667],
               (2, 2): [0.04761905, -0.57142857, 1.52380952], (2, 3): [0.00952381, -0.22857143, 1.21904762],
               (2, 4): [0.00215054, -0.10322581, 1.10107527],
               (2, 5): [5.12032770e-04, -4.91551459e-02, 1.04864311e00],
               (2, 6): [1.24984377e-04, -2.39970004e-02, 1.02387202e00]}
    for (terms, order), rule in central.items():
        q = max(2, order - order % 2)  # a central stencil's error has even powers
        assert_allclose(richardson_weights(terms, 2.0, q, 2), rule, atol=1e-8)
    for (terms, order), rule in forward.items():
        assert_allclose(richardson_weights(terms, 2.0, order, 1), rule, atol=1e-8)


# -- TestDerivative ------------------------------------------------------------------------------------
def test_directional_diff():
    """TestDerivative::test_directional_diff: numdifftools' directionaldiff divides by |v|; diffkit's does not."""
    v = np.array([1.0, -1.0])
    assert_allclose(dk.numeric.directional_derivative(rosen, [2.0, 3.0], v / np.linalg.norm(v)),
                    743.87633380824832)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_infinite_functions():
    """TestDerivative::test_infinite_functions (the n = 0 part is not ported: diffkit's orders start at 1)."""
    with pytest.warns(dk.numeric.NumericWarning, match="not finite"):
        val = dk.numeric.derivative(lambda x: np.inf * np.ones_like(x), 0.0)
    assert np.isnan(val)


def test_high_order_derivative_cos():
    """TestDerivative::test_high_order_derivative_cos (n from 1)."""
    true_vals = (0.0, -1.0, 0.0, 1.0, 0.0, -1.0, 0.0)
    for method in ["complex", "central", "forward", "backward"]:
        n_max = {"central": 6}.get(method, 5)
        for n in range(1, n_max + 1):
            for order in range(2, 9, 2):
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", dk.numeric.NumericWarning)
                    d = dk.numeric.derivative(np.cos, np.pi / 2.0, order=n, **kw(method, order))
                assert_allclose(d, true_vals[n], atol=1e-4, err_msg=f"{method} n={n} order={order}")


@settings(deadline=None, max_examples=3)
@given(st.floats(min_value=0, max_value=10))
@example(7.6564547238847105)
@example(8.9428143931508)
@example(2.2204460492503134e-14)
def test_derivative_of_cos_x(x):
    """TestDerivative::test_derivative_of_cos_x: within rtol 1e-6 or 100 times the error estimate."""
    true_vals = (-np.sin(x), -np.cos(x), np.sin(x), np.cos(x)) * 2
    for method in ["complex", "central", "forward", "backward"]:
        n_max = {"complex": 7, "central": 6}.get(method, 4)
        for n in range(1, n_max + 1):
            start, stop, step = {"central": (2, 7, 2), "complex": (2, 3, 1)}.get(method, (1, 5, 1))
            for order in range(start, stop, step):
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", dk.numeric.NumericWarning)
                    res = dk.numeric.derivative(np.cos, x, order=n, full_output=True, **kw(method, order))
                assert_allclose(res.value, true_vals[n - 1], rtol=1e-6, atol=100 * res.error + 1e-14,
                                err_msg=f"{method} n={n} order={order}")


@pytest.mark.parametrize("method", FD + ["complex"])
def test_fun_with_additional_parameters(method):
    """TestDerivative::test_fun_with_additional_parameters (issue #9): args and keyword arguments."""
    def func(x, a, b=1):
        return b * a * x * x * x

    for name in ["gradient", "derivative", "jacobian", "hessdiag", "hessian"]:
        dfun = getattr(dk.numeric, name)
        assert_allclose(dfun(func, 0.0, args=(1.0,), kwargs={"b": 2}, **kw(method)), 0, atol=1e-13)
        truth = 12 if name in ("hessdiag", "hessian") else 6
        assert_allclose(dfun(func, 1.0, args=(1.0,), kwargs={"b": 2}, **kw(method)), truth)


def test_derivative_cube():
    """TestDerivative::test_derivative_cube (issue 7): the shape of x is kept (diffkit's default method)."""
    x = np.ones((3, 2)) * 2
    dx = dk.numeric.derivative(lambda x: x * x * x, x)
    assert dx.shape == (3, 2)
    assert_allclose(dx, 3 * x**2, rtol=1e-8)


def test_derivative_exp_sin_and_sinh():
    """TestDerivative::test_derivative_exp, test_derivative_sin, test_backward_derivative_on_sinh (defaults)."""
    assert_allclose(dk.numeric.derivative(np.exp, 0.0), np.exp(0), rtol=1e-8)
    x = np.linspace(0, 2.0 * np.pi, 13)
    assert_allclose(dk.numeric.derivative(np.sin, x), np.cos(x), atol=1e-8)
    assert_allclose(dk.numeric.derivative(np.sinh, 0.0, scheme="backward"), np.cosh(0.0))


def test_central_and_forward_derivative_on_log():
    """TestDerivative::test_central_and_forward_derivative_on_log at x = 0.001."""
    for method in ["central", "forward"]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # the largest steps leave log's domain
            assert_allclose(dk.numeric.derivative(np.log, 0.001, **kw(method)), 1.0 / 0.001)


# -- TestJacobian --------------------------------------------------------------------------------------
@settings(deadline=None, max_examples=10)
@given(st.floats(min_value=-1000, max_value=1000))
def test_scalar_to_vector(val):
    """TestJacobian::test_scalar_to_vector: diffkit keeps no axis for a scalar x (shape (3,), not (3, 1))."""
    truth = np.array([1.0, 2 * val, 3 * val**2])
    for method in ["complex"] + FD:
        res = dk.numeric.jacobian(lambda x: np.array([x, x**2, x**3]).ravel(), val, **kw(method))
        assert res.shape == (3,)
        assert_allclose(res, truth, rtol=1e-3, atol=1e-6)


def test_jacobian_on_scalar_function():
    """TestJacobian::test_on_scalar_function: a scalar function's Jacobian is its gradient, shape x.shape."""
    def fun(x):
        return x[0] * x[1] * x[2] + np.exp(x[0]) * x[1]

    for method in ["complex"] + FD:
        assert_allclose(dk.numeric.jacobian(fun, [3.0, 5.0, 7.0], **kw(method)), [135.42768462, 41.08553692, 15.0])


@pytest.mark.parametrize("order", [2, 4])
def test_jacobian_on_vector_valued_function(order):
    """TestJacobian::test_on_vector_valued_function: zero at the data's exact parameters."""
    xdata = np.arange(0, 1, 0.1)
    ydata = 1 + 2 * np.exp(0.75 * xdata)

    def fun(c):
        return (c[0] + c[1] * np.exp(c[2] * xdata) - ydata) ** 2

    for method in ["complex"] + FD:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", dk.numeric.NumericWarning)  # zero within rounding
            j_val = dk.numeric.jacobian(fun, [1.0, 2.0, 0.75], **kw(method, order))
        assert_allclose(j_val, np.zeros((ydata.size, 3)), atol=1e-12)


def test_jacobian_on_matrix_valued_function():
    """TestJacobian::test_on_matrix_valued_function. numdifftools treats the columns of a 2-d x as separate
    points; diffkit's x is one point whose entries are all variables, so the per-point Jacobians are taken one
    point at a time and stacked as numdifftools' are."""
    def fun(x):
        x = np.atleast_1d(x)
        return np.array([x[0] ** 2 + x[1] ** 2, x[0] ** 3 + x[1] ** 3])

    jac = lambda x: dk.numeric.jacobian(fun, x)  # noqa: E731
    assert_allclose(jac([1.0, 2.0]), [[2.0, 4.0], [3.0, 12.0]])
    assert_allclose(jac([3.0, 4.0]), [[6.0, 8.0], [27.0, 48.0]])
    x = np.array([(1, 2, 3, 4), (5, 6, 7, 8)], dtype=float)
    per_point = np.stack([jac(x[:, k]) for k in range(x.shape[1])], axis=-1)  # (2 outputs, 2 variables, 4 points)
    assert_allclose(per_point, [[[2.0, 4.0, 6.0, 8.0], [10.0, 12.0, 14.0, 16.0]],
                                [[3.0, 12.0, 27.0, 48.0], [75.0, 108.0, 147.0, 192.0]]])


def test_jacobian_issue_68_and_25():
    """TestJacobian::test_issue_68 (an output of shape (1,)) and test_issue_25 (the size of the Jacobian)."""
    x = np.array([1.0, 2])
    assert_allclose(dk.numeric.jacobian(lambda x: np.array([np.sum(x**2) - 1]), x), [[2.0, 4.0]])

    def g_fun(x):
        out = np.zeros((2, 2))
        out[0] = x
        out[1] = x
        return out

    assert_allclose(dk.numeric.jacobian(g_fun, np.array([1.0, 2.0])), [[[1.0, 0.0], [0.0, 1.0]],
                                                                         [[1.0, 0.0], [0.0, 1.0]]])

    def fun3(x):
        return np.vstack((x[0] * x[1] * x[2] ** 2, x[0] * x[1] * x[2]))

    x = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]).T  # numdifftools: two points, the columns
    tv = [[[18.0, 180.0], [9.0, 144.0], [12.0, 240.0]], [[6.0, 30.0], [3.0, 24.0], [2.0, 20.0]]]
    per_point = np.stack([dk.numeric.jacobian(lambda v: fun3(v)[:, 0], x[:, k]) for k in range(2)], axis=-1)
    assert_allclose(per_point, tv)


@pytest.mark.parametrize("method", ["complex", "central", "forward", "backward"])
def test_jacobian_issue_27_memory(method):
    """TestJacobian::test_issue_27a (marked slow there; n = 500 takes a moment here): x**2 of 500 variables."""
    n = 500
    J = dk.numeric.jacobian(lambda x: x**2, np.ones(n), **({"method": "complex"} if method == "complex"
                                                           else {"scheme": method}))
    assert_allclose(J, 2 * np.diag(np.ones(n)), atol=1e-6)


def test_jacobian_full_output():
    """TestJacobian::test_jacobian_fulloutput (numdifftools' step policy, final_step, is not ported)."""
    res = dk.numeric.jacobian(lambda x, y: x + y, 1.0, args=(3.0,), full_output=True, **kw("central"))
    assert_allclose(res.value, 1)
    assert res.error < 1e-13


# -- TestGradient ----------------------------------------------------------------------------------------
def test_gradient_directional_diff():
    """TestGradient::test_directional_diff."""
    v = np.r_[1.0, -1.0]
    v = v / np.linalg.norm(v)
    assert_allclose(np.dot(dk.numeric.gradient(rosen, [2.0, 3.0]), v), 743.87633380824832)


@pytest.mark.parametrize("order", [2, 4])
def test_gradient(order):
    """TestGradient::test_gradient (with diffkit's default plain differences too)."""
    for method in ["complex"] + FD:
        assert_allclose(dk.numeric.gradient(lambda x: np.sum(x**2), [1.0, 2.0, 3.0], **kw(method, order)),
                        [2.0, 4.0, 6.0])
        if method != "complex":
            assert_allclose(dk.numeric.gradient(lambda x: np.sum(x**2), [1.0, 2.0, 3.0], scheme=method,
                                                accuracy=order + (order % 2 and method == "central")),
                            [2.0, 4.0, 6.0])


# -- TestHessdiag ----------------------------------------------------------------------------------------
def _fun(x):
    return x[0] + x[1] ** 2 + x[2] ** 3


def _hfun(x):
    return 0, 2, 6 * x[2]


@settings(deadline=None, max_examples=8)
@given(st.tuples(st.floats(-100, 100), st.floats(-100, 100), st.floats(-100, 100)))
@example((0.0, 16.003907623933742, 68.02057249966789))
@example((1, 2, 3))
@example((1.2009289063e-314, 1.2009289063e-314, 1.2009289063e-314))
@example((88.01663712016305, 88.01663712016305, 88.01663712016305))
@example((0.0, 19.945812226807096, 54.11322414875562))
def test_hessdiag_fixed_step(vals):
    """TestHessdiag::test_fixed_step: within rtol 1e-5 or 100 times the largest error estimate (diffkit's
    default steps; numdifftools' fixed step sequence is its own)."""
    htrue = _hfun(vals)
    for order in range(2, 7, 2):
        for method in ["central", "complex", "forward", "backward"]:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", dk.numeric.NumericWarning)
                res = dk.numeric.hessdiag(_fun, np.array(vals, dtype=float), full_output=True, **kw(method, order))
            assert_allclose(res.value, htrue, rtol=1e-5, atol=100 * max(res.error), err_msg=f"{method} {order}")


def test_hessdiag_default_step():
    """TestHessdiag::test_default_step: the error is within min(1e-8, the largest error estimate)."""
    htrue = np.array([0.0, 2.0, 18.0])
    for order in range(2, 7, 2):
        for method in ["central", "complex", "forward", "backward"]:
            res = dk.numeric.hessdiag(_fun, [1.0, 2.0, 3.0], full_output=True, **kw(method, order))
            assert_allclose(res.value, htrue, atol=min(1e-8, res.error.max()), err_msg=f"{method} {order}")


# -- TestHessian -----------------------------------------------------------------------------------------
def test_run_hamiltonian():
    """TestHessian::test_run_hamiltonian (tests/hamiltonian.py): two trapped ions, positions near 2.8e-6.
    numdifftools' steps start at base_step=1e-4; diffkit's Richardson gets it with its defaults, and the complex
    step with a real step on the positions' own scale (with its default one it warns instead: see
    tests/numeric/test_estimates.py). The potential uses a complex-aware abs, as numdifftools' c_abs."""
    optimize = pytest.importorskip("scipy.optimize")
    constants = pytest.importorskip("scipy.constants")
    w = 2 * np.pi * 1000000
    C = (4 * np.pi * constants.epsilon_0) ** (-1) * constants.e**2
    m = 39.96 * 1.66e-27

    def potential(x):
        x = np.asarray(x)
        d = x[0] - x[1]
        d = np.where(np.real(d) < 0, -d, d)
        return 0.5 * m * w**2 * np.sum(x**2, axis=0) + C / d

    xopt = optimize.fmin(potential, np.r_[-0.5, 0.5], xtol=1e-10, disp=False)
    true_h = np.array([[5.23748385e-12, -2.61873829e-12], [-2.61873829e-12, 5.23748385e-12]])
    for options in ({"method": "richardson"}, {"method": "richardson", "h": 1e-4},
                    {"method": "complex", "real_h": 1e-9}):
        h = dk.numeric.hessian(potential, xopt, **options)
        assert (np.abs((h - true_h) / true_h) < 1e-4).all(), options


def test_complex_hessian_issue_35():
    """TestHessian::test_complex_hessian_issue_35 for a real point (diffkit refuses a complex x for finite
    differences): the complex step refuses a complex-valued function, differences take its Hessian."""
    def foo(x):
        return 1j * np.inner(x, x)

    x = np.random.default_rng(0).standard_normal(3)
    with pytest.raises(ValueError):
        dk.numeric.hessian(foo, x, method="complex")
    for method in FD:
        assert_allclose(dk.numeric.hessian(foo, x, **kw(method)), [[2j, 0j, 0j], [0j, 2j, 0j], [0j, 0j, 2j]],
                        atol=1e-11)


def test_hessian_cos_x_y_at_0_0():
    """TestHessian::test_hessian_cos_x_y_at_0_0."""
    def fun(xy):
        return np.cos(xy[0] - xy[1])

    for method in ["complex"] + FD:
        assert_allclose(dk.numeric.hessian(fun, [0.0, 0.0], **kw(method)), [[-1.0, 1.0], [1.0, -1.0]])


def test_hessian_on_scalar_and_vector_valued_functions():
    """TestHessian::test_on_scalar_function and test_on_vector_valued_function (Hessians of each output)."""
    def fun(xyz):
        x, y, z = xyz[0], xyz[1], xyz[2]
        return x * y * z + np.exp(x) * y

    def ddfun(xyz):
        x, y, z = xyz
        return np.array([[np.exp(x) * y, np.exp(x) + z, y], [np.exp(x) + z, 0, x], [y, x, 0]])

    for method in ["complex"] + FD:
        assert_allclose(ddfun([3.0, 5.0, 7.0]), dk.numeric.hessian(fun, [3.0, 5.0, 7.0], **kw(method)), atol=1e-4)

    def vfun(xy):
        return np.array([np.cos(xy[0] * xy[1]), np.sin(xy[0] * xy[1])])

    x, y = 3.0, 5.0
    c, s = np.cos(x * y), np.sin(x * y)
    want = np.array([[[-y * y * c, -x * y * c - s], [-x * y * c - s, -x * x * c]],
                     [[-y * y * s, c - x * y * s], [c - x * y * s, -x * x * s]]])
    for method in ["complex"] + FD:
        assert_allclose(want, dk.numeric.hessian(vfun, [x, y], **kw(method)), atol=1e-4)
