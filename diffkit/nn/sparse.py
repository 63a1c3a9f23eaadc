"""``Embedding``: a lookup table of learned vectors, one row per index, as in PyTorch.

Example
-------
>>> import numpy as np
>>> import diffkit as dk
>>> from diffkit import nn
>>> _ = dk.manual_seed(0)
>>> emb = nn.Embedding(10, 3, padding_idx=0)
>>> emb, emb(np.array([[1, 2, 0]])).shape, emb.weight[0].tolist()
(Embedding(10, 3, padding_idx=0), (1, 3, 3), [0.0, 0.0, 0.0])
"""

from __future__ import annotations

from typing import Any

from ..ad.grad_mode import no_grad
from ..errors import ArgumentError, ShapeError
from . import functional as F
from . import init
from .layers import empty_parameter
from .module import Module, Parameter

__all__ = ["Embedding"]


class Embedding(Module):
    """Row ``i`` of ``weight`` (num_embeddings, embedding_dim) for each integer ``i`` of the input.

    Initialised from N(0, 1), the ``padding_idx`` row zeroed (and kept out of
    the gradient).

    Parameters
    ----------
    num_embeddings, embedding_dim : int
    padding_idx : int, optional
        An index whose row gets no gradient (negative counts from the end).
    max_norm : float, optional
        Rows looked up are rescaled in place to at most this norm.
    norm_type : float, default 2.0
    scale_grad_by_freq, sparse : bool
        Not supported (an error if True).
    _weight : array or Tensor, optional
        Start from this table instead of a random one.
    _freeze : bool, default False
        Make the weight not require grad.
    device, dtype : optional

    Example
    -------
    >>> import numpy as np
    >>> from diffkit import nn
    >>> emb = nn.Embedding(4, 2, _weight=np.arange(8.0).reshape(4, 2))
    >>> emb(np.array([3, 0])).tolist()
    [[6.0, 7.0], [0.0, 1.0]]
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None,
                 max_norm: float | None = None, norm_type: float = 2.0, scale_grad_by_freq: bool = False,
                 sparse: bool = False, _weight: Any = None, _freeze: bool = False, device: Any = None,
                 dtype: Any = None):
        super().__init__()
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        if padding_idx is not None:
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise ArgumentError(f"Embedding: padding_idx must be within num_embeddings ({num_embeddings}), "
                                    f"got {padding_idx}")
            padding_idx = padding_idx % num_embeddings
        self.padding_idx = padding_idx
        self.max_norm, self.norm_type = max_norm, norm_type
        if scale_grad_by_freq or sparse:
            raise ArgumentError("Embedding: scale_grad_by_freq and sparse gradients are not supported")
        self.scale_grad_by_freq, self.sparse = scale_grad_by_freq, sparse
        if _weight is None:
            self.weight = empty_parameter((num_embeddings, embedding_dim), device, dtype)
            self.reset_parameters()
        else:
            self.weight = Parameter(_weight, requires_grad=not _freeze)
            if tuple(self.weight.shape) != (num_embeddings, embedding_dim):
                raise ShapeError(f"Embedding: _weight of shape {tuple(self.weight.shape)} does not match "
                                 f"(num_embeddings, embedding_dim) = ({num_embeddings}, {embedding_dim})")
        if _freeze:
            self.weight.requires_grad_(False)

    def reset_parameters(self) -> None:
        """Redraw the table from N(0, 1), the padding row zero.

        Example
        -------
        >>> from diffkit import nn
        >>> emb = nn.Embedding(3, 2, padding_idx=1); emb.reset_parameters()
        >>> emb.weight[1].tolist()
        [0.0, 0.0]
        """
        init.normal_(self.weight)
        if self.padding_idx is not None:
            with no_grad():
                self.weight._data[self.padding_idx] = 0

    def forward(self, input: Any) -> Any:
        return F.embedding(input, self.weight, self.padding_idx, self.max_norm, self.norm_type)

    def extra_repr(self) -> str:
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            s += f", norm_type={self.norm_type}"
        return s

    @classmethod
    def from_pretrained(cls, embeddings: Any, freeze: bool = True, padding_idx: int | None = None,
                        max_norm: float | None = None, norm_type: float = 2.0, scale_grad_by_freq: bool = False,
                        sparse: bool = False) -> Embedding:
        """An Embedding around a given (num_embeddings, embedding_dim) table; frozen unless ``freeze=False``.

        Example
        -------
        >>> import numpy as np
        >>> from diffkit import nn
        >>> emb = nn.Embedding.from_pretrained(np.eye(3))
        >>> emb(np.array([2])).tolist(), emb.weight.requires_grad
        ([[0.0, 0.0, 1.0]], False)
        """
        shape = tuple(getattr(embeddings, "shape", ()))
        if len(shape) != 2:
            raise ShapeError(f"Embedding.from_pretrained: embeddings must be 2-dimensional, got shape {shape}")
        return cls(shape[0], shape[1], padding_idx=padding_idx, max_norm=max_norm, norm_type=norm_type,
                   scale_grad_by_freq=scale_grad_by_freq, sparse=sparse, _weight=embeddings, _freeze=freeze)
