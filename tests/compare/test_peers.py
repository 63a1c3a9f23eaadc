"""dk.compare(..., peers=True): PyTorch, JAX and HIPS autograd rows (diffkit/compare/peers.py).

JAX is never imported into the test process (see test_jax_and_every_peer_row_in_a_process_of_their_own)."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import diffkit as dk
from diffkit.compare import peers as peers_module
from diffkit.compare.peers import Peer

F = "log(x1) + x1*x2 - sin(x2)"


def _agreement(library: str) -> dict:
    """What one peer gives on the README's function and on a Jacobian over array points."""
    r = Peer(library).gradient(F, at={"x1": 2.0, "x2": 5.0})
    j = Peer(library).jacobian("x*y, sin(x) + y", at={"x": np.array([0.5, 1.0]), "y": 2.0})
    return {"value": r.value, "gradient": r.gradient, "primitives": r.ops.primitives, "library": r.info["library"],
            "dy2_dx": j.jacobian[1, 0].tolist(), "dy1_dy": j.jacobian[0, 1].tolist()}


def _check_agreement(got: dict, library: str) -> None:
    assert got["value"] == pytest.approx(11.652071455223084, rel=1e-15)
    assert got["gradient"]["x1"] == 5.5 and got["gradient"]["x2"] == pytest.approx(1.7163378145367738, rel=1e-15)
    assert got["primitives"] is None and got["library"] == library  # peers count nothing: blank cells
    np.testing.assert_allclose(got["dy2_dx"], np.cos([0.5, 1.0]), rtol=1e-15)
    np.testing.assert_allclose(got["dy1_dy"], [0.5, 1.0], rtol=1e-15)


@pytest.mark.parametrize("library", ["torch", "autograd"])
def test_a_peer_agrees_with_reverse_mode(library):
    pytest.importorskip(library)
    _check_agreement(_agreement(library), library)


_SCRIPT = """
import json, sys
sys.path.insert(0, HERE)
from test_peers import F, _agreement
import diffkit as dk
c = dk.compare(F, at={"x1": 2.0, "x2": 5.0}, methods=["reverse"], peers=True)
print(json.dumps({"agreement": _agreement("jax"), "rows": [r["method"] for r in c],
                  "family": [r["family"] for r in c], "errors": c.errors("jax")}))
"""


def test_jax_and_every_peer_row_in_a_process_of_their_own():
    """JAX starts threads, and a later fork in this process (the swell study's workers) could deadlock on
    them: JAX is never imported here."""
    import importlib.util

    if importlib.util.find_spec("jax") is None or importlib.util.find_spec("torch") is None:
        pytest.skip("needs jax and torch")
    code = _SCRIPT.replace("HERE", repr(str(Path(__file__).parent)))
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    got = json.loads(proc.stdout.strip().splitlines()[-1])
    _check_agreement(got["agreement"], "jax")
    assert got["rows"] == ["reverse", "torch", "jax", "autograd"] and got["family"][1:] == ["peer"] * 3
    assert got["errors"] == [0.0, 0.0]


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
