"""The report of an explained model, apart from any framework: rows, the walk, and their layout.

- :mod:`~lstmdoc.report.rows`: one layer's row, and the optimizer's;
- :mod:`~lstmdoc.report.model`: the whole model's report, its totals and verdict;
- :mod:`~lstmdoc.report.rules` and :mod:`~lstmdoc.report.walk`: what a framework's
  rules give, and the walk that turns a model's layers into rows with them, each
  weight counted once (:mod:`~lstmdoc.report.sharing`);
- :mod:`~lstmdoc.report.presentation`, :mod:`~lstmdoc.report.table`,
  :mod:`~lstmdoc.report.text` and :mod:`~lstmdoc.report.html`: what a report
  shows, and how the terminal and a notebook lay it out.

Nothing here imports Keras, PyTorch or NumPy, or the rules of ``lstmdoc.keras`` and
``lstmdoc.pytorch``: they import this.
"""

from __future__ import annotations

from lstmdoc.report.model import ModelReport
from lstmdoc.report.rows import LayerRow, LayerWeight, OptimizerRow

__all__ = ["LayerRow", "LayerWeight", "ModelReport", "OptimizerRow"]
