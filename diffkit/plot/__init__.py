"""matplotlib figures, each returned as a Figure, each with a ``save=`` path (.png, .svg).

Example
-------
>>> import diffkit as dk
>>> fig = dk.plot.loss_curve([1.0, 0.5, 0.25])
>>> type(fig).__name__
'Figure'
"""

from .error_vs_h import error_vs_h
from .graph import graph
from .op_counts import op_counts
from .swell import swell
from .training import LECTURE_LRS, GDPath, gd_paths, loss_curve, lr_paths

__all__ = ["error_vs_h", "graph", "op_counts", "swell", "loss_curve", "lr_paths", "gd_paths", "GDPath", "LECTURE_LRS"]
