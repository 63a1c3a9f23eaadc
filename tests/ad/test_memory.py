import os
import subprocess
import sys

from diffkit.ad import memory


def test_applied_once_and_reported():
    first = memory.keep_freed_memory()
    assert memory.keep_freed_memory() is first
    if sys.platform.startswith("linux") and os.environ.get("DIFFKIT_MALLOC", "") != "system":
        assert first is True  # glibc accepts both settings


def test_environment_opt_out():
    code = "import diffkit.ad.memory as m; print(m.keep_freed_memory())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                         env={**os.environ, "DIFFKIT_MALLOC": "system"})
    assert out.stdout.strip() == "False"
