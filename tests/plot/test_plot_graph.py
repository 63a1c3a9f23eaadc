"""Graph drawings: of Exprs and of the tape behind a Tensor; a layered layout whose edges miss every box."""

import numpy as np
import pytest
from figure_checks import assert_house_style

import diffkit as dk
from diffkit import nn, plot
from diffkit.plot._layered import layout
from diffkit.plot._tensor_graph import tensor_boxes
from diffkit.plot.graph import _arrange, _expr_boxes


def _texts(fig):
    return [t.get_text() for t in fig.axes[0].texts]


def _crossings_through_boxes(lay) -> list:
    """(edge, box) pairs where an edge's polyline passes through a box other than its two ends."""
    bad = []
    for u, v, pts in lay.routes:
        pts = np.asarray(pts)
        samples = np.concatenate([np.linspace(a, b, 40) for a, b in zip(pts[:-1], pts[1:])])
        for k, (cx, cy) in lay.centre.items():
            if k in (u, v):
                continue
            w, h = lay.size[k]
            inside = (np.abs(samples[:, 0] - cx) < w / 2 - 1e-6) & (np.abs(samples[:, 1] - cy) < h / 2 - 1e-6)
            if inside.any():
                bad.append(((u, v), k))
    return bad


def test_graph_drawing():
    f = dk.expr("log(x1) + x1*x2 - sin(x2)")
    fig = plot.graph(f, at={"x1": 2.0, "x2": 5.0})
    texts = _texts(fig)
    assert len(texts) == 7  # 2 inputs + 5 ops
    assert any("ln(v_-1)" in t and "0.693" in t for t in texts)
    assert any("v_5" in t and "11.652" in t for t in texts)
    assert len(fig.axes[0].patches) == 7 + 8  # boxes + edges
    assert_house_style(fig)


def test_graph_with_given_adjoints():
    fig = plot.graph(dk.expr("x*y"), at={"x": 2.0, "y": 3.0}, adjoints={"v_1": 1.0, "v_-1": 3.0, "v_0": 2.0})
    assert any(r"$\bar{v}$ 3" in t for t in _texts(fig))


def test_graph_with_reverse_mode_adjoints_explains_them():
    fig = plot.graph(dk.examples.lecture(), at=dk.examples.LECTURE_POINT, adjoints=True)
    texts = {t.split("\n")[0]: t for t in _texts(fig)}
    assert r"$\bar{v}$ 5.5" in texts["v_-1 = x1"] and r"$\bar{v}$ 1.716" in texts["v_0 = x2"]
    assert r"$\bar{v}$ -1" in texts["v_3 = sin v_0"] and r"$\bar{v}$ 1" in texts["v_5 = v_4 - v_3"]
    key = fig.legends[0].get_title().get_text()
    assert r"\bar{v} = \partial y / \partial v" in key and "adjoint" in key  # on the figure, not in a caption
    with pytest.raises(ValueError, match="needs a point"):
        plot.graph(dk.examples.lecture(), adjoints=True)


@pytest.mark.parametrize("program", [dk.examples.PRIMER, dk.examples.LECTURE,
                                     "sin(x*y) + x*exp(y) + log(x + y*y) - x*y*z + z^3",
                                     ["a = x*y", "b = a + x", "c = b*a + y", "d = c*x + a*b", "f = d + a + b"]])
def test_no_edge_runs_through_a_box(program):
    """The old column layout drew v_3 -> v_5 straight through v_4's box; dummies in the layered layout
    give long edges slots of their own."""
    boxes, edges = _expr_boxes(dk.expr(program), None, False)
    lay = _arrange(boxes, edges, None)
    assert _crossings_through_boxes(lay) == []
    for u, v, pts in lay.routes:  # each edge starts at its source box and ends at its target's
        assert np.allclose(pts[0], _side(lay, u, pts[1])) and np.allclose(pts[-1], _side(lay, v, pts[-2]))


def _side(lay, k, towards):
    (cx, cy), (w, h) = lay.centre[k], lay.size[k]
    if lay.direction == "LR":
        return (cx + w / 2 if towards[0] > cx else cx - w / 2, cy)
    return (cx, cy - h / 2 if towards[1] < cy else cy + h / 2)


def test_layout_layers_and_dummies():
    lay = layout({"a": (1, 0.5), "b": (1, 0.5), "c": (1, 0.5), "d": (1, 0.5)},
                 [("a", "b"), ("b", "c"), ("a", "d"), ("c", "d")])
    assert lay.layer == {"a": 0, "b": 1, "c": 2, "d": 3}
    route = next(pts for u, v, pts in lay.routes if (u, v) == ("a", "d"))
    assert len(route) > 4  # it bends round b and c instead of crossing them
    assert _crossings_through_boxes(lay) == []


def test_wide_graph_is_drawn_top_to_bottom():
    fig = plot.graph(dk.examples.primer(), at={"xa": 1.0, "ab": 2.0, "ac": 0.5, "bc": -1.0, "cd": 0.25})
    assert fig.get_figwidth() == pytest.approx(6.5)  # fits a page: layers run top to bottom
    assert_house_style(fig)


def _small_net():
    w = dk.tensor([[0.5, -1.0], [2.0, 0.25]], dtype="float64", requires_grad=True)
    b = dk.tensor([0.1, -0.3], dtype="float64", requires_grad=True)
    x = dk.tensor([[1.0, 2.0]], dtype="float64")
    return w, b, x, ((x @ w + b).relu() ** 2).sum()


def test_tensor_graph_shows_values_and_gradients():
    w, b, x, loss = _small_net()
    boxes, edges = tensor_boxes(loss, {"w": w, "b": b})
    by_first = {bx.lines[0]: bx for bx in boxes.values()}
    assert set(by_first) == {"w", "b", "constant", "matmul", "add", "relu", "pow(·, 2)", "sum"}
    # x @ w = [4.5, -0.5]; + b = [4.6, -0.8]; relu = [4.6, 0]; loss = 4.6^2 = 21.16
    assert by_first["sum"].kind == "output" and by_first["sum"].lines[1:3] == ["scalar float64", "= 21.16"]
    assert by_first["add"].lines[2] == "= [4.6, -0.8]"
    # d loss / d (x @ w + b) = 2 relu(z) * [z > 0] = [9.2, 0]; d loss / d w = x^T that = [[9.2, 0], [18.4, 0]]
    assert by_first["add"].lines[3] == "grad = [9.2, 0]"
    assert by_first["b"].lines == ["b", "(2,) float64", "= [0.1, -0.3]", "grad = [9.2, 0]"]
    assert by_first["w"].lines[3] == "grad in [0, 18]"  # a range, to 2 figures
    assert by_first["constant"].kind == "const" and len(by_first["constant"].lines) == 3  # no grad
    assert len(edges) == 7
    assert w.grad is None and b.grad is None  # drawing works the gradients out without touching .grad
    loss.backward()
    np.testing.assert_allclose(w.grad.numpy(), [[9.2, 0.0], [18.4, 0.0]])


def test_tensor_graph_gradients_match_torch():
    torch = pytest.importorskip("torch")
    dk.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    x = dk.randn(5, 3)
    target = dk.tensor([0, 1, 1, 0, 1])
    loss = nn.functional.cross_entropy(model(x), target)
    boxes, _ = tensor_boxes(loss, dict(model.named_parameters()))
    tmodel = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2))
    tmodel.load_state_dict({k: torch.tensor(v.numpy()) for k, v in model.state_dict().items()})
    tloss = torch.nn.functional.cross_entropy(tmodel(torch.tensor(x.numpy())), torch.tensor(target.numpy()))
    tloss.backward()
    for name, p in tmodel.named_parameters():
        (box,) = [bx for bx in boxes.values() if bx.lines[0] == name]
        g = p.grad.numpy()
        shown = box.lines[3]
        expected = (f"grad in [{dk.plot._tensor_graph.summary(g)[4:-1]}]" if g.size > 3
                    else f"grad {dk.plot._tensor_graph.summary(g)}")
        assert shown == expected, (name, shown, expected)


def test_tensor_graph_figure():
    dk.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 2))
    loss = nn.functional.cross_entropy(model(dk.randn(4, 2)), dk.tensor([0, 1, 1, 0]))
    fig = plot.graph(loss, params=dict(model.named_parameters()))
    firsts = [t.split("\n")[0] for t in _texts(fig)]
    assert {"0.weight", "0.bias", "2.weight", "2.bias", "linear", "tanh"} <= set(firsts)
    assert fig.texts[0].get_text() == "Recorded graph: 4 leaf tensors, 4 ops"
    assert "grad = d output / d tensor" in fig.legends[0].get_title().get_text()
    boxes, edges = tensor_boxes(loss, dict(model.named_parameters()))
    assert _crossings_through_boxes(_arrange(boxes, edges, None)) == []
    assert_house_style(fig)


def test_tensor_graph_errors():
    _, _, _, loss = _small_net()
    loss.backward()
    with pytest.raises(dk.GradientError, match="freed by backward"):
        plot.graph(loss)
    with pytest.raises(dk.DiffkitError, match="no recorded graph"):
        plot.graph(dk.tensor([1.0, 2.0]))
    _, _, _, kept = _small_net()
    kept.backward(retain_graph=True)
    assert "grad = [9.2, 0]" in "\n".join(_texts(plot.graph(kept)))
