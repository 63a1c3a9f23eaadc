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
