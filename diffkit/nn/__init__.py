"""``diffkit.nn``: PyTorch-style modules, layers, losses and initialisation on diffkit Tensors.

Example
-------
>>> import numpy as np
>>> import diffkit as dk
>>> from diffkit import nn
>>> _ = dk.manual_seed(0)
>>> model = nn.Sequential(nn.Linear(2, 3), nn.Sigmoid(), nn.Linear(3, 2))
>>> loss = nn.MSELoss()(model(np.ones((4, 2), dtype=np.float32)), np.zeros((4, 2), dtype=np.float32))
>>> loss.backward()
>>> [tuple(p.grad.shape) for p in model.parameters()]
[(3, 2), (3,), (2, 3), (2,)]
"""

from . import functional, init, tracing, utils
from .activation import ELU, GELU, SiLU, Softplus
from .containers import ModuleDict, ModuleList, Sequential
from .conv import Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
from .layers import (
    Dropout,
    Flatten,
    Identity,
    LeakyReLU,
    Linear,
    LogSoftmax,
    ReLU,
    Sigmoid,
    Softmax,
    Tanh,
    Unflatten,
)
from .losses import (
    BCELoss,
    BCEWithLogitsLoss,
    CosineEmbeddingLoss,
    CrossEntropyLoss,
    HuberLoss,
    KLDivLoss,
    L1Loss,
    MarginRankingLoss,
    MSELoss,
    NLLLoss,
    SmoothL1Loss,
)
from .module import IncompatibleKeys, Module, Parameter, StateDictError, StateDictShapeError
from .normalization import BatchNorm1d, BatchNorm2d, BatchNorm3d, GroupNorm, LayerNorm
from .pooling import AdaptiveAvgPool1d, AdaptiveAvgPool2d, AvgPool1d, AvgPool2d, MaxPool1d, MaxPool2d
from .random import manual_seed
from .recurrent import GRU, LSTM, RNN, RNNBase
from .recurrent_cells import GRUCell, LSTMCell, RNNCell, RNNCellBase
from .sparse import Embedding
from .training import History, accuracy, evaluate, fit

__all__ = [
    "functional", "init", "tracing", "utils", "manual_seed",
    "Module", "Parameter", "IncompatibleKeys", "StateDictError", "StateDictShapeError",
    "Sequential", "ModuleList", "ModuleDict",
    "Linear", "Identity", "ReLU", "LeakyReLU", "Sigmoid", "Tanh", "Softmax", "LogSoftmax", "Flatten", "Unflatten",
    "Dropout", "GELU", "SiLU", "Softplus", "ELU", "Embedding",
    "Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d",
    "MaxPool1d", "MaxPool2d", "AvgPool1d", "AvgPool2d", "AdaptiveAvgPool1d", "AdaptiveAvgPool2d",
    "BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "LayerNorm", "GroupNorm",
    "MSELoss", "L1Loss", "CrossEntropyLoss", "NLLLoss", "BCEWithLogitsLoss", "BCELoss",
    "HuberLoss", "SmoothL1Loss", "KLDivLoss", "CosineEmbeddingLoss", "MarginRankingLoss",
    "RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell",
    "fit", "evaluate", "accuracy", "History",
]
