import numpy as np
import pytest
from matplotlib.lines import Line2D

import diffkit as dk
from diffkit import data, plot


def _rendered(fig):
    fig.canvas.draw()
    img = np.asarray(fig.canvas.buffer_rgba())
    assert img.shape[0] > 100 and img.std() > 5  # non-empty
    return img


def test_gd_verdicts_match_the_lecture_study():
    x, y = data.noisy_linear()
    verdicts = {p.lr: p.verdict for p in plot.gd_paths(x[:, 0], y[:, 0])}
    assert verdicts[0.0005] == "slow"
    assert verdicts[0.005] == "good"
    assert verdicts[0.028] == "oscillating"
    assert verdicts[0.03] == "diverging"


def test_gd_path_matches_closed_form_step():
    x = np.array([0.0, 1.0, 2.0])
    y = np.array([1.0, 3.0, 5.0])
    (p,) = plot.gd_paths(x, y, lrs=[0.1], steps=1)
    # grad of mean((w x + b - y)^2) at (0, 0): (-2 mean(x y), -2 mean(y)) = (-26/3, -6)
    np.testing.assert_allclose(p.params[1], [0.1 * 26 / 3, 0.1 * 6])


def test_lr_paths_figure(tmp_path):
    out = tmp_path / "lr.png"
    fig = plot.lr_paths(save=out)
    assert out.stat().st_size > 10_000
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == [f"lr = {lr:g}: {v}" for lr, v in zip(
        plot.LECTURE_LRS, ["slow", "good", "good", "good", "oscillating", "diverging"])]
    for ax in fig.axes:
        assert ax.get_xlabel() == "weight w" and ax.get_ylabel() == "bias b"
        assert any(isinstance(a, Line2D) and len(a.get_xdata()) > 2 for a in ax.lines)
    _rendered(fig)


def test_loss_curve(tmp_path):
    fig = plot.loss_curve({"train": np.geomspace(10, 0.01, 50), "test": np.geomspace(12, 0.05, 50)},
                          save=tmp_path / "loss.svg")
    ax = fig.axes[0]
    assert ax.get_yscale() == "log" and ax.get_xlabel() == "epoch" and ax.get_ylabel() == "loss"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["train", "test"]
    assert (tmp_path / "loss.svg").read_text().startswith("<?xml")
    _rendered(fig)


def test_save_rejects_unknown_format(tmp_path):
    with pytest.raises(ValueError, match=".png"):
        plot.loss_curve([1.0, 2.0], save=tmp_path / "x.bmp")


def test_graph_drawing():
    f = dk.expr("log(x1) + x1*x2 - sin(x2)")
    fig = plot.graph(f, at={"x1": 2.0, "x2": 5.0})
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert len(texts) == 7  # 2 inputs + 5 ops
    assert any("ln(v_-1)" in t and "0.693" in t for t in texts)
    assert any("v_5" in t and "11.652" in t for t in texts)
    assert len(fig.axes[0].patches) == 7 + 8  # boxes + edges
    _rendered(fig)


def test_graph_with_given_adjoints():
    f = dk.expr("x*y")
    fig = plot.graph(f, at={"x": 2.0, "y": 3.0}, adjoints={"v_1": 1.0, "v_-1": 3.0, "v_0": 2.0})
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert any("adj 3" in t for t in texts)


def test_graph_with_reverse_mode_adjoints():
    fig = plot.graph(dk.examples.lecture(), at=dk.examples.LECTURE_POINT, adjoints=True)
    texts = {t.get_text().split("\n")[0]: t.get_text() for t in fig.axes[0].texts}
    assert "adj 5.5" in texts["v_-1 = x1"] and "adj 1.716" in texts["v_0 = x2"]
    assert "adj -1" in texts["v_3"] and "adj 1" in texts["v_5"]
    with pytest.raises(ValueError, match="needs a point"):
        plot.graph(dk.examples.lecture(), adjoints=True)
