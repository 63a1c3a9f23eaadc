"""``nn.utils``: gradient clipping and flat parameter vectors, with PyTorch's names (``torch.nn.utils``).

Example
-------
>>> import numpy as np
>>> from diffkit import nn
>>> model = nn.Linear(3, 2)
>>> model(np.ones((4, 3), dtype=np.float32)).sum().backward()
>>> total = nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
>>> before, after = total.item(), nn.utils.get_total_norm([p.grad for p in model.parameters()]).item()
>>> before > 1.0, round(after, 5)
(True, 1.0)
>>> nn.utils.parameters_to_vector(model.parameters()).shape
(8,)
"""

from .clip_grad import clip_grad_norm, clip_grad_norm_, clip_grad_value_, clip_grads_with_norm_, get_total_norm
from .convert_parameters import parameters_to_vector, vector_to_parameters

__all__ = ["clip_grad_norm_", "clip_grad_norm", "clip_grad_value_", "get_total_norm", "clip_grads_with_norm_",
           "parameters_to_vector", "vector_to_parameters"]
