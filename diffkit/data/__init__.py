"""Datasets, the DataLoader and small built-in data sets (no download).

Example
-------
>>> from diffkit import data
>>> x, y = data.noisy_linear()
>>> loader = data.DataLoader(data.TensorDataset(x, y), batch_size=32, shuffle=True, seed=0)
>>> len(loader)
4
"""

from .dataloader import DataLoader, DataLoaderError, WorkerInfo, default_convert, get_worker_info
from .dataset import Dataset, Subset, TensorDataset, default_collate, random_split
from .datasets import Digits, digits, gaussian_classes, load_digits, noisy_linear, sin_cubic, train_test_split
from .sampler import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)

__all__ = [
    "Dataset", "TensorDataset", "Subset", "random_split", "DataLoader", "default_collate", "default_convert",
    "Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler", "WeightedRandomSampler", "BatchSampler",
    "DataLoaderError", "WorkerInfo", "get_worker_info",
    "sin_cubic", "noisy_linear", "gaussian_classes", "digits", "load_digits", "Digits", "train_test_split",
]
