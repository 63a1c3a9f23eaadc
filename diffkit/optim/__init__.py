"""``diffkit.optim``: optimizers and learning-rate schedulers with PyTorch's names and exact updates.

Example
-------
>>> import numpy as np
>>> from diffkit import nn, optim
>>> model = nn.Linear(3, 1)
>>> opt = optim.Adam(model.parameters(), lr=1e-2)
>>> x, y = np.ones((4, 3), dtype=np.float32), np.zeros((4, 1), dtype=np.float32)
>>> opt.zero_grad(); nn.MSELoss()(model(x), y).backward(); opt.step()
>>> opt.state[model.weight]["step"]
1
"""

from . import lr_scheduler
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .lbfgs import LBFGS
from .nadam import NAdam
from .optimizer import Optimizer
from .radam import RAdam
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "NAdam", "RAdam", "LBFGS", "lr_scheduler"]
