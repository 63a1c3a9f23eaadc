"""The lectures' training programs with diffkit in place of torch (lectures 000 and 003), and the digits MLP."""

import numpy as np
import pytest

import diffkit as dk
from diffkit import data, nn, optim


def _cubic_fit(lr, iterations):
    """Lecture 000, verbatim but for the names: a, b, c, d as scalars, sum-of-squares loss, manual updates."""
    x, y = data.sin_cubic()
    x, y = dk.tensor(x), dk.tensor(y)
    rng = np.random.default_rng(0)
    a, b, c, d = (dk.tensor(rng.standard_normal(), dtype="float64", requires_grad=True) for _ in range(4))
    for _ in range(iterations):
        y_pred = a + b * x + c * x ** 2 + d * x ** 3
        loss = (y_pred - y).pow(2).sum()
        loss.backward()
        with dk.no_grad():
            a -= lr * a.grad
            b -= lr * b.grad
            c -= lr * c.grad
            d -= lr * d.grad
        a.grad = None
        b.grad = None
        c.grad = None
        d.grad = None
    return np.array([a.item(), b.item(), c.item(), d.item()]), loss.item()


def _least_squares():
    x, y = data.sin_cubic()
    A = np.stack([np.ones_like(x), x, x**2, x**3], axis=1)
    coef = np.linalg.lstsq(A, y, rcond=None)[0]
    return coef, float(np.sum((A @ coef - y) ** 2))


def test_cubic_fit_of_sin_matches_least_squares():
    # The lecture's lr = 1e-6 for 2000 iterations stops short (max coefficient error ~0.016, slowest
    # mode of the Gram matrix); lr = 2e-6 (still below the stability limit 2/lambda_max ~ 3.6e-6)
    # reaches the least-squares solution to 1e-3 in the same 2000 iterations.
    coef, loss = _cubic_fit(2e-6, 2000)
    ls, ls_loss = _least_squares()
    np.testing.assert_allclose(coef, ls, atol=1e-3)
    assert loss == pytest.approx(ls_loss, rel=1e-3)


def test_cubic_fit_with_the_lectures_learning_rate_converges():
    coef, loss = _cubic_fit(1e-6, 2000)
    ls, ls_loss = _least_squares()
    assert np.abs(coef - ls).max() < 0.02
    assert loss < 1.05 * ls_loss


class MyLinearRegressionModel(nn.Module):
    """Lecture 003's model."""

    def __init__(self, d):
        super().__init__()
        self.w = nn.Parameter(dk.tensor(np.zeros((1, d), dtype=np.float32)))
        self.b = nn.Parameter(dk.tensor(np.zeros(1, dtype=np.float32)))

    def forward(self, x):
        return x @ self.w.T + self.b


def test_linear_regression_with_sgd_reaches_w_about_3():
    x, y = data.noisy_linear()
    model = MyLinearRegressionModel(1)
    assert model(dk.tensor([[2.0]])).item() == 0.0
    optimizer = optim.SGD(model.parameters(), lr=1e-3)
    for _ in range(100):
        prediction = model(x)
        loss = dk.mean((prediction - y) ** 2)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    # the lecture printed w = 2.918, b = 0.399 after these 100 steps on its own random data
    assert abs(model.w.item() - 3.0) < 0.1
    # and exactly what gradient descent in closed form gives
    w, b = 0.0, 0.0
    xs, ys = x[:, 0].astype(np.float64), y[:, 0].astype(np.float64)
    for _ in range(100):
        r = w * xs + b - ys
        w, b = w - 1e-3 * 2 * np.mean(r * xs), b - 1e-3 * 2 * np.mean(r)
    assert model.w.item() == pytest.approx(w, rel=1e-4)
    assert model.b.item() == pytest.approx(b, rel=1e-3)


def test_two_class_gaussian_net_with_mse_loss():
    # Lecture 000: Linear(2,3) -> Sigmoid -> Linear(3,2), MSELoss against one-hot targets,
    # manual updates over model.parameters().
    X, labels = data.gaussian_classes(200)
    Y = np.eye(2, dtype=np.float32)[labels]
    dk.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 3), nn.Sigmoid(), nn.Linear(3, 2))
    loss_function = nn.MSELoss()
    assert [tuple(p.shape) for p in [model[0].weight, model[0].bias, model[2].weight, model[2].bias]] == \
        [(3, 2), (3,), (2, 3), (2,)]
    learning_rate = 0.5
    first = None
    for _ in range(300):
        f = model(X)
        loss = loss_function(f, Y)
        model.zero_grad()
        loss.backward()
        with dk.no_grad():
            for param in model.parameters():
                param -= learning_rate * param.grad
        first = loss.item() if first is None else first
    assert loss.item() < 0.5 * first
    assert nn.accuracy(model(X).detach(), labels) > 0.9


def test_digits_mlp_reaches_95_percent():
    # Acceptance: MLP 64-128-10 >= 95% test accuracy (full run measured ~4 s on 2 cores incl. data).
    X, y = data.digits()
    Xtr, Xte, ytr, yte = data.train_test_split(X.astype(np.float32) / 16, y, test_size=0.25, seed=0)
    loader = data.DataLoader(data.TensorDataset(Xtr, ytr), batch_size=64, shuffle=True, seed=0)
    dk.manual_seed(0)
    model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
    history = nn.fit(model, loader, nn.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=1e-2), epochs=5,
                     progress=False)
    assert history["loss"][-1] < history["loss"][0]
    model.eval()
    with dk.no_grad():
        assert nn.accuracy(model(Xte), yte) >= 0.95
