"""dk.widgets: the step-size and learning-rate explorers, with ipywidgets and without."""

import numpy as np
import pytest
from figure_checks import assert_house_style

import diffkit as dk
from diffkit import widgets


@pytest.fixture(scope="module")
def explorer():
    return dk.widgets.step_size(dk.examples.lecture(), at=dk.examples.LECTURE_POINT, wrt="x1", h=1e-4)


def _forward(h, dtype):
    """The forward difference of f = ln x1 + x1 x2 - sin x2 in x1 at (2, 5), by hand, in ``dtype``."""
    t = np.dtype(dtype).type
    x1, x2 = t(2.0), t(5.0)
    step = (x1 + t(h)) - x1  # the representable step, as the sweep uses
    f = lambda a: np.log(a) + a * x2 - np.sin(x2)  # noqa: E731
    return float((f(x1 + step) - f(x1)) / step)


@pytest.mark.parametrize("h, dtype", [(1e-4, "float64"), (1e-8, "float64"), (1e-3, "float32")])
def test_step_size_reads_out_the_estimate_at_the_chosen_step(explorer, h, dtype):
    explorer.update(h=h, dtype=dtype)
    assert explorer.h == pytest.approx(h, rel=1e-12) and explorer.dtype == dtype
    v = explorer.at_h()["forward"]
    assert v["estimate"] == pytest.approx(_forward(h, dtype), rel=1e-6 if dtype == "float32" else 1e-14)
    assert v["error"] == pytest.approx(abs(v["estimate"] - 5.5), rel=1e-6)
    th = explorer.sweep.theory()["forward", dtype]
    assert v["truncation"] == pytest.approx(0.5 * h * 0.25, rel=1e-9)  # |C| |f''| h = h/2 * 1/x1^2
    assert v["truncation"] + v["rounding"] == pytest.approx(float(th.curve(np.array([explorer.h]))[0]))
    assert f"estimate {v['estimate']:.10g}" in explorer.readout()


def test_step_size_marks_the_step_on_the_figure(explorer):
    explorer.update(h=1e-6, dtype="float64")
    assert list(explorer._line.get_xdata()) == [explorer.h, explorer.h]
    i = int(np.argmin(abs(explorer.sweep.h - 1e-6)))
    circled = explorer._dots.get_offsets()
    assert np.allclose(circled[:, 0], explorer.h)
    assert np.allclose(circled[:, 1], [explorer.sweep.errors[s, "float64"][i] for s in explorer.sweep.schemes])
    assert_house_style(explorer.figure)


def test_step_size_snaps_to_the_sweep_and_refuses_unswept_dtypes(explorer):
    explorer.update(h=3e-5)
    assert explorer.h in explorer.sweep.h
    with pytest.raises(dk.DiffkitError, match="float16"):
        explorer.update(dtype="float16")
    with pytest.raises(dk.DiffkitError, match="between 1e-16 and 1"):
        dk.widgets.step_size("exp(x)", at=1.0, h=0.0)


def test_sliders_drive_the_figure(monkeypatch):
    pytest.importorskip("ipywidgets")
    import IPython.display

    shown = []
    monkeypatch.setattr(IPython.display, "display", shown.append)
    ex = dk.widgets.step_size("exp(x)", at={"x": 1.0}, schemes=["central"], h=1e-4)
    assert set(ex.controls) == {"h", "dtype"} and ex.widget is not None
    ex._ipython_display_()
    assert shown == [ex.widget]
    before = ex._image.value
    assert before[:8] == b"\x89PNG\r\n\x1a\n"
    ex.controls["h"].value = 1e-9
    assert ex.h == pytest.approx(1e-9) and ex._image.value != before
    assert "h = 1.00e-09" in ex._text.value
    ex.update(dtype="float32")  # from code: the buttons follow
    assert ex.controls["dtype"].value == "float32"


def test_without_ipywidgets_a_static_figure(monkeypatch):
    pytest.importorskip("IPython")
    import IPython.display

    monkeypatch.setattr(widgets, "_ipywidgets", lambda: None)
    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda obj: shown.append(obj))
    ex = dk.widgets.learning_rate(lr=0.005)
    assert ex.widget is None and ex.controls == {}
    ex._ipython_display_()
    (image,) = shown
    assert isinstance(image, IPython.display.Image) and image.data[:8] == b"\x89PNG\r\n\x1a\n"


def test_learning_rate_explorer():
    x, y = dk.data.noisy_linear()
    ex = dk.widgets.learning_rate(lr=0.005)
    A = np.stack([x[:, 0], np.ones(len(x))], axis=1).astype(float)
    assert ex.limit == pytest.approx(2 / np.linalg.eigvalsh(2 / len(x) * A.T @ A).max())
    (ref,) = dk.plot.gd_paths(x[:, 0], y[:, 0], lrs=[0.005])
    np.testing.assert_array_equal(ex.path.params, ref.params)
    assert ex.figure.texts[0].get_text() == f"lr = 0.005: {ref.outcome}"
    assert_house_style(ex.figure)
    ex.update(lr=1.01 * ex.limit, steps=200)
    assert ex.path.verdict == "diverging" and "above it" in ex.readout()
    ex.update(lr=0.9 * ex.limit)
    assert ex.path.verdict != "diverging" and "below it" in ex.readout()
    with pytest.raises(dk.DiffkitError, match="positive"):
        dk.widgets.learning_rate(lr=-0.1)
