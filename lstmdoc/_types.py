"""The array types of lstmdoc's signatures, named once.

NumPy spells an array of floats ``NDArray[np.floating[Any]]``, which its newer
releases expand to ``numpy.ndarray[tuple[Any, ...], numpy.dtype[...]]`` wherever
the type is printed. These aliases give the types short names, and the API
reference prints those names (docs/conf.py maps each to its entry there).
"""

from __future__ import annotations

from typing import Any, TypeAlias

import numpy as np
from numpy.typing import NDArray

__all__ = ["Float32Array", "Float64Array", "FloatArray"]

#: A NumPy array of floating-point numbers, of any precision.
FloatArray: TypeAlias = NDArray[np.floating[Any]]
#: A NumPy array of 64-bit floats: what lstmdoc's NumPy forward passes compute in.
Float64Array: TypeAlias = NDArray[np.float64]
#: A NumPy array of 32-bit floats: Keras' default precision, as the worked example's data.
Float32Array: TypeAlias = NDArray[np.float32]
