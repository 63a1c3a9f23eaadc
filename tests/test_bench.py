"""The benchmark harness: isolated timing, missing peers, and the target verdicts."""

import pytest

from bench import cases, isolated
from bench.cases import Target
from bench.harness import Row, interleaved_times, median_time, peer, require
from bench.run import _tables


def test_an_implementation_is_timed_in_a_process_of_its_own():
    seconds, note = isolated.measure("mlp_step", "diffkit", 8)
    assert note == "" and 0 < seconds < 1


def test_a_failing_implementation_is_reported_not_raised():
    seconds, note = isolated.measure("mlp_step", "no such implementation", 8)
    assert seconds is None and note.startswith("failed: KeyError")


def test_a_missing_peer_is_a_note(monkeypatch):
    with pytest.raises(ModuleNotFoundError):
        require("surely_not_an_installed_module")
    monkeypatch.setitem(cases.ISOLATED, "fake", {"peer": lambda: require("surely_not_an_installed_module")})
    assert isolated.main(["fake", "peer"]) == 3


def test_every_mlp_implementation_starts_from_the_same_weights():
    import numpy as np

    a, b = cases._mlp_data(8), cases._mlp_data(8)
    for u, v in zip(a[0] + a[1] + [a[2]], b[0] + b[1] + [b[2]]):
        np.testing.assert_array_equal(u, v)


def test_median_time_is_positive():
    assert median_time(lambda: sum(range(100)), repeat=3, min_seconds=0) > 0


def test_verdicts_compare_the_named_ratio_with_its_limit():
    rows = [Row("b", "c", "diffkit", 2.0), Row("b", "c", "peer", 1.0), Row("b", "c", "other", 4.0),
            Row("b", "c", "absent", None, note="not installed")]
    tables, verdicts = _tables("b", rows, "ms", [Target("diffkit", "peer", 1.5), Target("diffkit", "other", 1.0),
                                                  Target("diffkit", "absent", 1.0)])
    assert "= 2.00 (target <= 1.50): MISSED" in verdicts[0]
    assert "= 0.50 (target <= 1.00): met" in verdicts[1]
    assert "not measured" in verdicts[2]
    assert "not installed" in tables[0].to_markdown()


def test_interleaved_times_take_turns_and_keep_each_implementation_apart():
    calls = []
    times = interleaved_times({"a": lambda: calls.append("a"), "b": lambda: calls.append("b")}, repeat=3,
                              min_seconds=0)
    assert set(times) == {"a", "b"} and all(t > 0 for t in times.values())
    # warm-up and calibration for each, then a, b, a, b, a, b
    assert calls == ["a", "a", "b", "b", "a", "b", "a", "b", "a", "b"]


def test_the_mlp_implementations_take_the_same_steps():
    import numpy as np

    impls = ["numpy by hand", "numpy tuned (limit)", "diffkit"] + (["torch eager"] if peer("torch") else [])
    finals = {}
    for impl in impls:
        step = cases.MLP_IMPLS[impl](16)
        for _ in range(3):
            step()
        finals[impl] = [np.array(p.detach().numpy() if hasattr(p, "detach") else p) for p in step.params]
    for impl in impls[1:]:
        for a, b in zip(finals[impls[0]], finals[impl]):
            np.testing.assert_allclose(b, a, rtol=1e-4, atol=1e-6, err_msg=impl)


def test_a_partial_run_keeps_the_other_benchmarks_results(tmp_path, monkeypatch):
    from bench import run

    def fake(name, quick):
        return [Row(name, "c", "diffkit", 1.0 if name == "swell" else 3.0)]

    monkeypatch.setattr(run, "_in_own_process", fake)
    out = tmp_path / "R.md"
    run.main(["--only", "swell", "--out", str(out)])
    run.main(["--only", "fd_gradient", "--quick", "--out", str(out)])
    text = out.read_text()
    assert "## swell" in text and "## fd_gradient" in text and "(quick mode)" in text
    assert text.index("## fd_gradient") < text.index("## swell")  # the benchmarks' own order
    run.main(["--out", str(out)])  # a full run starts afresh
    assert "(quick mode)" not in out.read_text()


def test_results_from_another_machine_are_not_kept(tmp_path, monkeypatch):
    import json

    from bench import run

    monkeypatch.setattr(run, "_in_own_process", lambda name, quick: [Row(name, "c", "diffkit", 1.0)])
    out = tmp_path / "R.md"
    run.main(["--only", "swell", "--out", str(out)])
    data = json.loads(out.with_suffix(".json").read_text())
    data["machine"] = "some other machine"
    out.with_suffix(".json").write_text(json.dumps(data))
    run.main(["--only", "fd_gradient", "--out", str(out)])
    assert "## swell" not in out.read_text() and "## fd_gradient" in out.read_text()


def test_a_busy_machine_is_flagged_in_the_results(tmp_path, monkeypatch):
    from bench import run

    monkeypatch.setattr(run, "_in_own_process", lambda name, quick: [Row(name, "c", "diffkit", 1.0)])
    monkeypatch.setattr(run.os, "getloadavg", lambda: (64.0, 1.0, 1.0))
    out = tmp_path / "R.md"
    run.main(["--only", "swell", "--out", str(out)])
    assert "The machine was busy** (load average 64.0" in out.read_text()
    monkeypatch.setattr(run.os, "getloadavg", lambda: (0.0, 0.0, 0.0))
    run.main(["--only", "swell", "--out", str(out)])
    assert "busy" not in out.read_text()


def test_the_conv2d_implementations_compute_the_same_gradients():
    import numpy as np

    from bench import cnn

    impls = ["numpy im2col", "diffkit"] + (["torch eager"] if peer("torch") else [])
    grads = {impl: [np.asarray(g.numpy() if hasattr(g, "numpy") else g) for g in cnn.CONV_IMPLS[impl]()()]
             for impl in impls}
    for impl in impls[1:]:  # float32 sums of 25600 terms in different orders: 1e-5 of the largest entry
        for a, b in zip(grads[impls[0]], grads[impl]):
            np.testing.assert_allclose(b, a, rtol=1e-4, atol=1e-5 * np.abs(a).max(), err_msg=impl)
    assert cnn.im2col_bytes() == 4 * 64 * (24 * 24 * 25 + 2 * 20 * 20 * 8 * 25)


def test_an_error_limit_is_part_of_the_verdict():
    rows = [Row("b", "c", "diffkit", 1.0, error=2e-12), Row("b", "c", "peer", 4.0, error=1e-12)]
    _, verdicts = _tables("b", rows, "ms", [Target("diffkit", "peer", 0.5, error_limit=1.0),
                                             Target("diffkit", "peer", 0.5, error_limit=3.0)])
    assert "error ratio 2 (target <= 1): MISSED" in verdicts[0]
    assert "error ratio 2 (target <= 3): met" in verdicts[1]
