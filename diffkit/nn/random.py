"""The random generator behind initialisation and dropout: :mod:`diffkit.ad.random`, re-exported.

It lives with the Tensor (``dk.randn``, ``dk.rand`` draw from it too), so one
``dk.manual_seed`` makes a whole script repeatable.

Example
-------
>>> import diffkit as dk
>>> from diffkit.nn.random import default_generator
>>> g = dk.manual_seed(1)
>>> default_generator() is g
True
"""

from ..ad.random import default_generator, initial_seed, manual_seed, resolve_generator

__all__ = ["manual_seed", "default_generator", "resolve_generator", "initial_seed"]
