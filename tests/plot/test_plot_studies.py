import numpy as np

import diffkit as dk


def _drawn(fig):
    fig.canvas.draw()
    img = np.asarray(fig.canvas.buffer_rgba())
    assert img.std() > 5
    return img


def test_swell_figure(tmp_path):
    table = dk.symbolic.swell(dk.examples.logistic_map, n=range(1, 7))
    fig = dk.plot.swell(table, save=tmp_path / "swell.png")
    sizes, errors = fig.axes
    assert sizes.get_yscale() == "log" and sizes.get_xlabel() == "n" and "size" in sizes.get_ylabel()
    labels = [t.get_text() for t in sizes.get_legend().get_texts()]
    assert "AD trace (ops in one evaluation)" in labels and "derivative after CSE (DAG)" in labels
    tree = next(line for line in sizes.lines if line.get_label().startswith("derivative, as differentiated"))
    assert list(tree.get_xdata()) == [1, 2, 3, 4, 5, 6]
    assert "error" in errors.get_ylabel()
    assert (tmp_path / "swell.png").stat().st_size > 10_000
    _drawn(fig)


def test_dk_plot_is_lazy_and_complete():
    for name in ("graph", "swell", "op_counts", "loss_curve", "lr_paths"):
        assert callable(getattr(dk.plot, name))


def test_error_vs_h_figure(tmp_path):
    sweep = dk.numeric.step_sweep("exp(x)", at={"x": 1.0}, schemes=["forward", "central"],
                                  dtype=["float64", "float32"])
    fig = dk.plot.error_vs_h(sweep, save=tmp_path / "e.svg")
    assert len(fig.axes) == 2 and [ax.get_title() for ax in fig.axes] == ["float64", "float32"]
    for ax in fig.axes:
        assert ax.get_xscale() == ax.get_yscale() == "log" and ax.get_xlabel() == "step h"
        labels = [t.get_text() for t in ax.get_legend().get_texts()]
        assert any("predicted optimum" in t for t in labels) and any("measured" in t for t in labels)
        assert len([ln for ln in ax.lines if len(ln.get_xdata()) == len(sweep.h)]) >= 4
    assert (tmp_path / "e.svg").stat().st_size > 10_000
    _drawn(fig)


def test_error_vs_h_runs_its_own_sweep():
    fig = dk.plot.error_vs_h(f="sin(x)", at={"x": 0.5}, schemes=["central"], dtype="float64")
    assert len(fig.axes) == 1
