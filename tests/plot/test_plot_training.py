"""Training figures: loss and accuracy curves, and the learning-rate study labelled by what each run did."""

import numpy as np
import pytest
from figure_checks import assert_house_style, data_points, drawn
from matplotlib.lines import Line2D

import diffkit as dk
from diffkit import data, plot
from diffkit.plot.training import CONVERGED


@pytest.fixture(scope="module")
def paths():
    x, y = data.noisy_linear()
    return {p.lr: p for p in plot.gd_paths(x[:, 0], y[:, 0])}


def test_gd_verdicts_come_from_the_measured_outcome(paths):
    x, y = data.noisy_linear()
    A = np.stack([x[:, 0], np.ones(len(x))], axis=1).astype(float)
    w_b = np.linalg.lstsq(A, y[:, 0].astype(float), rcond=None)[0]
    optimum = float(np.mean((A @ w_b - y[:, 0]) ** 2))
    assert verdicts_and_gaps(paths, optimum) == {
        0.0005: "slow", 0.001: "slow", 0.005: "slow", 0.025: "good", 0.028: "oscillating", 0.03: "diverging"}
    # "good" means it got there: within 1% of the least-squares loss
    assert paths[0.025].losses[-1] <= (1 + CONVERGED) * optimum
    assert paths[0.005].losses[-1] > (1 + CONVERGED) * optimum  # the path that stops visibly short


def verdicts_and_gaps(paths, optimum):
    for p in paths.values():
        assert p.optimum == pytest.approx(optimum, rel=1e-9)
        assert p.gap == pytest.approx((p.losses[-1] - optimum) / optimum) or p.verdict == "diverging"
    return {lr: p.verdict for lr, p in paths.items()}


def test_gd_path_matches_closed_form_step():
    x = np.array([0.0, 1.0, 2.0])
    y = np.array([1.0, 3.0, 5.0])
    (p,) = plot.gd_paths(x, y, lrs=[0.1], steps=1)
    # grad of mean((w x + b - y)^2) at (0, 0): (-2 mean(x y), -2 mean(y)) = (-26/3, -6)
    np.testing.assert_allclose(p.params[1], [0.1 * 26 / 3, 0.1 * 6])


def test_gd_stability_limit_is_two_over_the_largest_curvature():
    x, y = data.noisy_linear()
    A = np.stack([x[:, 0], np.ones(len(x))], axis=1).astype(float)
    limit = 2 / np.linalg.eigvalsh(2 / len(x) * A.T @ A).max()
    below, above = plot.gd_paths(x[:, 0], y[:, 0], lrs=[0.97 * limit, 1.03 * limit], steps=300)
    assert below.verdict != "diverging" and above.verdict == "diverging"


def test_lr_paths_figure(tmp_path, paths):
    out = tmp_path / "lr.png"
    fig = plot.lr_paths(save=out)
    assert out.stat().st_size > 10_000
    panels = [ax for ax in fig.axes if ax.axison]
    assert [ax.get_title() for ax in panels] == [f"lr = {lr:g}: {paths[lr].verdict}\n{paths[lr].detail}"
                                                 for lr in plot.LECTURE_LRS]
    assert panels[3].get_title().endswith("reaches the optimum")
    assert "3.2% above optimum" in panels[2].get_title()
    for ax in panels:
        assert any(isinstance(a, Line2D) and len(a.get_xdata()) > 2 for a in ax.lines)
    assert [ax.get_xlabel() for ax in fig.axes[3:]] == ["weight w"] * 3
    assert_house_style(fig)


def test_lr_paths_contours_are_visible():
    fig = plot.lr_paths(lrs=[0.005])
    (ax,) = [a for a in fig.axes if a.axison]
    drawn(fig)
    img = np.asarray(fig.canvas.buffer_rgba())[..., :3].astype(float)
    bbox = ax.get_window_extent()
    h = img.shape[0]
    inside = img[int(h - bbox.y1) + 5:int(h - bbox.y0) - 5, int(bbox.x0) + 5:int(bbox.x1) - 5]
    dark = (inside.mean(axis=2) < 140).mean()  # the contour lines (grey #555) cover a visible share
    assert dark > 0.01


def test_diverging_path_leaves_with_an_arrow_and_a_note(paths):
    fig = plot.lr_paths(lrs=[0.03])
    (ax,) = [a for a in fig.axes if a.axison]
    arrows = [t for t in ax.texts if getattr(t, "arrow_patch", None) is not None]
    assert len(arrows) == 1
    (x1, y1), lims = arrows[0].xy, (ax.get_xlim(), ax.get_ylim())
    on_edge = np.isclose(x1, lims[0]).any() or np.isclose(y1, lims[1]).any()
    assert on_edge, (arrows[0].xy, lims)  # the arrow ends on the border, where the path leaves
    note = next(t for t in ax.texts if "leaves the plot" in t.get_text())
    p = paths[0.03]
    assert f"loss {p.losses[-1]:.2g} at step {len(p.losses) - 1}" in note.get_text()
    assert len(data_points(ax)) < len(p.params)  # only the part inside the axes is drawn


def test_loss_curve_names_the_loss_and_shows_accuracy(tmp_path):
    hist = {"loss": [0.9, 0.5, 0.3], "val_loss": [1.0, 0.6, 0.4], "accuracy": [0.6, 0.8, 0.9],
            "val_accuracy": [0.5, 0.7, 0.85]}
    fig = plot.loss_curve(hist, loss="cross-entropy", save=tmp_path / "loss.svg")
    loss_ax, acc_ax = fig.axes
    assert loss_ax.get_ylabel() == "cross-entropy loss" and acc_ax.get_ylabel() == "accuracy (%)"
    acc = next(ln for ln in acc_ax.lines if ln.get_label() == "val_accuracy")
    assert list(acc.get_ydata()) == pytest.approx([50, 70, 85])
    assert [t.get_text() for t in loss_ax.get_legend().get_texts()] == ["loss", "val_loss"]
    assert (tmp_path / "loss.svg").read_text().startswith("<?xml")
    assert_house_style(fig)


def test_loss_curve(tmp_path):
    fig = plot.loss_curve({"train": np.geomspace(10, 0.01, 50), "test": np.geomspace(12, 0.05, 50)})
    (ax,) = fig.axes
    assert ax.get_yscale() == "log" and ax.get_xlabel() == "epoch" and ax.get_ylabel() == "loss"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["train", "test"]
    assert_house_style(fig)


def test_loss_curve_reads_a_fit_history():
    x, y = data.gaussian_classes(64, seed=0)
    loader = data.DataLoader(data.TensorDataset(x, y), batch_size=32)
    dk.manual_seed(0)
    model = dk.nn.Linear(2, 2)
    h = dk.nn.fit(model, loader, dk.nn.CrossEntropyLoss(), dk.optim.SGD(model.parameters(), lr=0.1), epochs=2,
                  progress=False, metrics={"accuracy": dk.nn.accuracy})
    fig = plot.loss_curve(h, loss="cross-entropy")
    assert len(fig.axes) == 2
    assert list(fig.axes[1].lines[0].get_ydata()) == pytest.approx([100 * a for a in h["accuracy"]])


def test_save_rejects_unknown_format(tmp_path):
    with pytest.raises(ValueError, match=".png"):
        plot.loss_curve([1.0, 2.0], save=tmp_path / "x.bmp")
