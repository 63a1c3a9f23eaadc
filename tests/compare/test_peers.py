"""dk.compare(..., peers=True): PyTorch, JAX and HIPS autograd rows (diffkit/compare/peers.py)."""

import numpy as np
import pytest

import diffkit as dk
from diffkit.compare import peers as peers_module
from diffkit.compare.peers import Peer

F = "log(x1) + x1*x2 - sin(x2)"


@pytest.mark.parametrize("library", ["torch", "jax", "autograd"])
def test_a_peer_agrees_with_reverse_mode(library):
    pytest.importorskip(library)
    at = {"x1": 2.0, "x2": 5.0}
    r = Peer(library).gradient(F, at=at)
    assert r.value == pytest.approx(11.652071455223084, rel=1e-15)
    assert r.gradient["x1"] == 5.5 and r.gradient["x2"] == pytest.approx(1.7163378145367738, rel=1e-15)
    assert r.ops.primitives is None and r.info["library"] == library  # peers count nothing: blank cells
    j = Peer(library).jacobian("x*y, sin(x) + y", at={"x": np.array([0.5, 1.0]), "y": 2.0})
    np.testing.assert_allclose(j.jacobian[1, 0], np.cos([0.5, 1.0]), rtol=1e-15)
    np.testing.assert_allclose(j.jacobian[0, 1], [0.5, 1.0], rtol=1e-15)


def test_compare_with_peers_adds_their_rows():
    pytest.importorskip("torch")
    c = dk.compare(F, at={"x1": 2.0, "x2": 5.0}, methods=["reverse"], peers=True)
    rows = {row["method"]: row for row in c}
    assert list(rows) == ["reverse", "torch", "jax", "autograd"] and rows["torch"]["family"] == "peer"
    assert c.errors("torch") == (0.0, 0.0)


def test_a_missing_peer_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(peers_module.PEERS, "nopeer", ("no_such_module_anywhere", "nopeer-pkg"))
    c = dk.compare("x^2", at={"x": 1.0}, methods=["reverse", Peer("nopeer")])
    row = [r for r in c if r["method"] == "nopeer"][0]
    assert row["gradient"] == "failed: PeerNotInstalled: nopeer is not installed (pip install nopeer-pkg)"


def test_kinks_show_each_peers_own_rule():
    pytest.importorskip("torch")
    pytest.importorskip("autograd")
    at = {"x": 0.0}
    assert Peer("torch").gradient("relu(x)", at=at).gradient["x"] == 0.0  # PyTorch's relu'(0), diffkit's too
    assert Peer("autograd").gradient("relu(x)", at=at).gradient["x"] == 0.5  # np.maximum(x, 0) splits the tie
