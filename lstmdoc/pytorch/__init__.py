"""PyTorch: why its counts differ from Keras', its weights in Keras' layouts, and its rules.

- :mod:`~lstmdoc.pytorch.formulas`: ``torch.nn.LSTM``, ``GRU`` and ``RNN``'s counts
  and shapes (why ``LSTM(1, 20)`` has 1,840 parameters where Keras has 1,760);
- :mod:`~lstmdoc.pytorch.converters`: Keras' recurrent weights in PyTorch's layout,
  and back (NumPy arrays);
- :mod:`~lstmdoc.pytorch.registry`: the rule for each ``torch.nn`` class that creates
  parameters, gathered from one module per family, as PyTorch keeps its modules:
  :mod:`~lstmdoc.pytorch.linear`, :mod:`~lstmdoc.pytorch.sparse`,
  :mod:`~lstmdoc.pytorch.conv`, :mod:`~lstmdoc.pytorch.normalization`,
  :mod:`~lstmdoc.pytorch.batchnorm`, :mod:`~lstmdoc.pytorch.activation` and
  :mod:`~lstmdoc.pytorch.rnn`, each with its ``state_dict`` recogniser, and the
  quantized modules of ``torch.ao.nn.quantized`` (:mod:`~lstmdoc.pytorch.quantized`);
- :mod:`~lstmdoc.pytorch.live`, :mod:`~lstmdoc.pytorch.state_dicts`,
  :mod:`~lstmdoc.pytorch.checkpoints` and :mod:`~lstmdoc.pytorch.explaining`: a live
  module, a ``state_dict`` and a saved file, walked with those rules.

Each public name, listed once in ``__init__.pyi``, is imported from its module on
first use. Nothing imports PyTorch but reading a file.
"""

from __future__ import annotations

from lstmdoc._lazy import attach_stub

__getattr__, __dir__, __all__ = attach_stub(__name__, __file__)
