"""Keras: the rules for every Keras class that can own weights, and the models they explain.

- :mod:`~lstmdoc.keras.registry`: the table of rules (:data:`~lstmdoc.keras.registry.LAYER_RULES`),
  gathered from one module per layer family, as Keras keeps its layers:
  :mod:`~lstmdoc.keras.core`, :mod:`~lstmdoc.keras.convolutional`,
  :mod:`~lstmdoc.keras.recurrent`, :mod:`~lstmdoc.keras.attention`,
  :mod:`~lstmdoc.keras.normalization`, :mod:`~lstmdoc.keras.activations` and
  :mod:`~lstmdoc.keras.preprocessing`, with the layers Keras' applications define
  outside ``keras.layers`` (:mod:`~lstmdoc.keras.applications`) and the quantized
  layers (:mod:`~lstmdoc.keras.quantized`);
- :mod:`~lstmdoc.keras.specs` and :mod:`~lstmdoc.keras.einsum`: what the rules read;
- :mod:`~lstmdoc.keras.optimizers`: an optimizer's variables;
- :mod:`~lstmdoc.keras.live` and :mod:`~lstmdoc.keras.files`: a live model, and a
  saved one, walked with those rules.

Nothing here imports Keras, TensorFlow or PyTorch: a live model has imported Keras
already, and a file is read as data.
"""
