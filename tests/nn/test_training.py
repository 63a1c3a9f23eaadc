"""fit() and History: recorded values, eval loop, scheduler, progress bar switch, plotting."""

import numpy as np
import pytest

import diffkit as dk
from diffkit import data, nn, optim


def _setup():
    x, y = data.noisy_linear()
    loader = data.DataLoader(data.TensorDataset(x, y), batch_size=25, shuffle=False)
    dk.manual_seed(0)
    model = nn.Linear(1, 1)
    return x, y, loader, model


def test_fit_records_the_mean_epoch_loss_exactly():
    x, y, loader, model = _setup()
    opt = optim.SGD(model.parameters(), lr=1e-3)
    # what the first epoch's recorded loss must be: the batch losses before each update, averaged
    w, b = model.weight.numpy().astype(np.float64).copy(), model.bias.numpy().astype(np.float64).copy()
    losses = []
    for i in range(4):
        xb, yb = x[25 * i:25 * i + 25].astype(np.float64), y[25 * i:25 * i + 25].astype(np.float64)
        r = xb @ w.T + b - yb
        losses.append(np.mean(r**2))
        w = w - 1e-3 * 2 * (r.T @ xb) / 25
        b = b - 1e-3 * 2 * r.mean(0)
    h = nn.fit(model, loader, nn.MSELoss(), opt, epochs=3, progress=False)
    assert h.unit == "epoch" and len(h) == 3 and list(h.history) == ["loss"]
    assert h["loss"][0] == pytest.approx(np.mean(losses), rel=1e-5)
    assert h["loss"][2] < h["loss"][0]


def test_fit_with_eval_loader_metrics_and_scheduler():
    X, labels = data.gaussian_classes(200)
    loader = data.DataLoader(data.TensorDataset(X, labels), batch_size=50, shuffle=True, seed=1)
    dk.manual_seed(1)
    model = nn.Sequential(nn.Linear(2, 4), nn.Dropout(0.1), nn.ReLU(), nn.Linear(4, 2))
    opt = optim.SGD(model.parameters(), lr=0.5, momentum=0.5)
    sched = optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    h = nn.fit(model, loader, nn.CrossEntropyLoss(), opt, epochs=4, eval_loader=loader, scheduler=sched,
               metrics={"accuracy": nn.accuracy}, progress=False)
    assert set(h.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert all(len(v) == 4 for v in h.history.values())
    assert opt.param_groups[0]["lr"] == pytest.approx(0.5 * 0.5**2)
    assert model.training  # evaluation put the mode back
    ev = nn.evaluate(model, loader, nn.CrossEntropyLoss(), {"accuracy": nn.accuracy})
    assert ev["accuracy"] > 0.9
    assert "val_accuracy" in h and "History(4 epochs" in repr(h)


def test_progress_bar_shows_and_can_be_switched_off(capsys):
    _, _, loader, model = _setup()
    opt = optim.SGD(model.parameters(), lr=1e-3)
    nn.fit(model, loader, nn.MSELoss(), opt, epochs=2, progress=False)
    assert "epoch" not in capsys.readouterr().err
    nn.fit(model, loader, nn.MSELoss(), opt, epochs=2)
    assert "epoch" in capsys.readouterr().err
    nn.fit(model, loader, nn.MSELoss(), opt, epochs=1)  # single epoch: no bar
    assert "epoch" not in capsys.readouterr().err


def test_history_plot_and_table():
    _, _, loader, model = _setup()
    h = nn.fit(model, loader, nn.MSELoss(), optim.SGD(model.parameters(), lr=1e-3), epochs=3, progress=False)
    fig = h.plot()
    ax = fig.axes[0]
    assert ax.get_xlabel() == "epoch"
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), h["loss"])
    fig2 = dk.plot.loss_curve(h)  # the plot module reads the History directly
    assert fig2.axes[0].get_lines()[0].get_label() == "loss"
    rows = h.table().to_records()
    assert [r["epoch"] for r in rows] == [1, 2, 3] and rows[1]["loss"] == pytest.approx(h["loss"][1])


def test_fit_rejects_bad_batches_and_epochs():
    model = nn.Linear(1, 1)
    opt = optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match=r"\(inputs, targets\)"):
        nn.fit(model, [np.zeros((2, 1), np.float32)], nn.MSELoss(), opt, progress=False)
    with pytest.raises(ValueError):
        nn.fit(model, [], nn.MSELoss(), opt, epochs=-1)


def test_fit_steps_lbfgs_through_a_closure_and_reduce_on_plateau_with_the_loss():
    x, y = data.noisy_linear()
    loader = data.DataLoader(data.TensorDataset(x.astype(np.float64), y.astype(np.float64)), batch_size=100)
    dk.manual_seed(0)
    model = nn.Linear(1, 1).double()
    lbfgs = optim.LBFGS(model.parameters(), line_search_fn="strong_wolfe")
    history = nn.fit(model, loader, nn.MSELoss(), lbfgs, epochs=2, progress=False)
    slope, intercept = np.polyfit(x[:, 0].astype(np.float64), y[:, 0].astype(np.float64), 1)
    assert model.weight.item() == pytest.approx(slope, rel=1e-6)
    assert model.bias.item() == pytest.approx(intercept, rel=1e-5)
    assert history["loss"][1] < history["loss"][0]
    sgd = optim.SGD(model.parameters(), lr=1e-2)
    plateau = optim.lr_scheduler.ReduceLROnPlateau(sgd, patience=0, threshold=0.5)  # never 50% better: cut
    nn.fit(model, loader, nn.MSELoss(), sgd, epochs=3, progress=False, scheduler=plateau)
    assert sgd.param_groups[0]["lr"] == pytest.approx(1e-4)
