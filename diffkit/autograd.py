"""``dk.autograd``: PyTorch's ``torch.autograd`` names for the Tensor tape.

Everything a PyTorch user reaches for under ``torch.autograd`` is here under
the same name: :func:`grad` and :func:`backward`, :class:`Function` (custom
ops) and its ``FunctionCtx``, the grad-mode switches, anomaly detection
(:func:`detect_anomaly`, :func:`set_detect_anomaly`) and :func:`gradcheck`.

Example
-------
>>> import diffkit as dk
>>> x = dk.tensor(2.0, requires_grad=True)
>>> dk.autograd.grad(x ** 3, x)
(tensor(12.),)
"""

from .ad.anomaly import (
    AnomalyError,
    detect_anomaly,
    is_anomaly_check_nan_enabled,
    is_anomaly_enabled,
    set_detect_anomaly,
)
from .ad.autograd import backward, grad
from .ad.function import Function, FunctionCtx
from .ad.grad_mode import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)
from .ad.hooks import RemovableHandle
from .numeric import gradcheck

__all__ = [
    "grad", "backward", "Function", "FunctionCtx", "detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled",
    "is_anomaly_check_nan_enabled", "AnomalyError", "no_grad", "enable_grad", "inference_mode",
    "set_grad_enabled", "is_grad_enabled", "is_inference_mode_enabled", "gradcheck", "RemovableHandle",
]
