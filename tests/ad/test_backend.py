import numpy as np
import pytest

import diffkit as dk
from diffkit.ad import backend


def test_cpu_is_numpy():
    assert backend.get_namespace("cpu") is np
    assert backend.normalize_device("cuda:1") == "cuda"


def test_unknown_device():
    with pytest.raises(dk.BackendError, match="unknown device"):
        backend.get_namespace("tpu")


def test_cuda_without_gpu_says_how():
    if backend.cuda_available():
        pytest.skip("a GPU is present")
    with pytest.raises(dk.BackendError, match="cpu"):
        backend.get_namespace("cuda")
