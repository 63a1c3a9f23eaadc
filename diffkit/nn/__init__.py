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
from .containers import ModuleDict, ModuleList, Sequential
from .layers import Dropout, Flatten, Identity, LeakyReLU, Linear, LogSoftmax, ReLU, Sigmoid, Softmax, Tanh
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
from .random import manual_seed
from .recurrent import GRU, LSTM, RNN, RNNBase
from .recurrent_cells import GRUCell, LSTMCell, RNNCell, RNNCellBase
from .training import History, accuracy, evaluate, fit

__all__ = [
    "functional", "init", "tracing", "utils", "manual_seed",
    "Module", "Parameter", "IncompatibleKeys", "StateDictError", "StateDictShapeError",
    "Sequential", "ModuleList", "ModuleDict",
    "Linear", "Identity", "ReLU", "LeakyReLU", "Sigmoid", "Tanh", "Softmax", "LogSoftmax", "Flatten", "Dropout",
    "MSELoss", "L1Loss", "CrossEntropyLoss", "NLLLoss", "BCEWithLogitsLoss", "BCELoss",
    "HuberLoss", "SmoothL1Loss", "KLDivLoss", "CosineEmbeddingLoss", "MarginRankingLoss",
    "RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell",
    "fit", "evaluate", "accuracy", "History",
]
