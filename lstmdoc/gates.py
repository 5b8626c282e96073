"""Split a Keras LSTM's fused weights into its four gates, and join them back.

Keras stores the four gate blocks of an LSTM side by side along the last axis, in
the order input gate ``i``, forget gate ``f``, cell candidate ``c`` and output
gate ``o``::

    kernel            (features, 4 * units) = [W_i | W_f | W_c | W_o]
    recurrent_kernel  (units,    4 * units) = [U_i | U_f | U_c | U_o]
    bias              (4 * units,)          = [b_i | b_f | b_c | b_o]
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, Protocol, TypeVar

import numpy as np

from lstmdoc._checks import float_array
from lstmdoc._types import FloatArray

__all__ = [
    "LSTM_GATE_NAMES",
    "Gate",
    "GateSet",
    "LSTMGates",
    "check_lstm_weights",
    "split_lstm_weights",
]


#: Keras' order of the LSTM gate blocks, with a title for each.
LSTM_GATE_NAMES: dict[str, str] = {
    "i": "input gate",
    "f": "forget gate",
    "c": "cell candidate",
    "o": "output gate",
}


@dataclass(frozen=True, eq=False)
class Gate:
    """The weights of one gate block.

    Attributes:
        name: the gate's key: ``"i"``, ``"f"``, ``"c"`` or ``"o"``.
        title: the gate's name in words, such as ``"forget gate"``.
        W: input weights, shape ``(features, units)``.
        U: recurrent weights, shape ``(units, units)``; ``U[j, k]`` connects unit
            ``j``'s previous output to unit ``k``.
        b: bias, shape ``(units,)``, or ``None`` for a layer without bias.
    """

    name: str
    title: str
    W: FloatArray
    U: FloatArray
    b: FloatArray | None

    def __repr__(self) -> str:
        bias = "None" if self.b is None else f"{self.b.shape}"
        return f"Gate({self.name!r}, {self.title!r}, W={self.W.shape}, U={self.U.shape}, b={bias})"


class _GateWeights(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def W(self) -> FloatArray: ...
    @property
    def U(self) -> FloatArray: ...


GateType = TypeVar("GateType", bound=_GateWeights)


class GateSet(Generic[GateType]):
    """The gates of a recurrent layer in Keras' order, by key and in order.

    ``gates[key]`` is one gate; iterating yields the gates in Keras' order.
    Subclasses name the layer and its gates.
    """

    layer: ClassVar[str]
    gate_names: ClassVar[dict[str, str]]

    def __init__(self, gates: tuple[GateType, ...]) -> None:
        self._gates = gates

    def __getitem__(self, name: str) -> GateType:
        for gate in self._gates:
            if gate.name == name:
                return gate
        raise KeyError(
            f"no {self.layer} gate named {name!r}; the gates are {', '.join(self.gate_names)}"
        )

    def __iter__(self) -> Iterator[GateType]:
        return iter(self._gates)

    def __len__(self) -> int:
        return len(self._gates)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(\n" + "".join(f"  {gate!r},\n" for gate in self) + ")"

    @property
    def units(self) -> int:
        """The number of units of the layer."""
        return int(self._gates[0].U.shape[0])

    @property
    def features(self) -> int:
        """The number of input features of the layer."""
        return int(self._gates[0].W.shape[0])


class LSTMGates(GateSet[Gate]):
    """The four gates of an LSTM layer, in Keras' order ``i``, ``f``, ``c``, ``o``.

    ``gates["f"]`` is one :class:`Gate`; iterating yields the four gates in order.
    """

    layer = "LSTM"
    gate_names = LSTM_GATE_NAMES

    def join(self) -> tuple[FloatArray, FloatArray] | tuple[FloatArray, FloatArray, FloatArray]:
        """Fuse the gates back into Keras' layout.

        Returns:
            ``(kernel, recurrent_kernel, bias)``, or ``(kernel, recurrent_kernel)``
            for a layer without bias: exactly what ``layer.set_weights`` takes.
        """
        kernel = np.concatenate([gate.W for gate in self._gates], axis=-1)
        recurrent_kernel = np.concatenate([gate.U for gate in self._gates], axis=-1)
        # Narrowed to arrays here, so that mypy needs no ignore with any NumPy's stubs.
        biases = [gate.b for gate in self._gates if gate.b is not None]
        if len(biases) < len(self._gates):
            return kernel, recurrent_kernel
        return kernel, recurrent_kernel, np.concatenate(biases)


def check_lstm_weights(
    kernel: Any, recurrent_kernel: Any, bias: Any = None, *, blocks: int = 4, layer: str = "LSTM"
) -> tuple[FloatArray, FloatArray, FloatArray | None]:
    """Check and return a recurrent layer's fused weights as arrays.

    ``recurrent_kernel`` fixes ``units`` (its row count); it must then be
    ``(units, blocks * units)``, ``kernel`` must have ``blocks * units`` columns and
    ``bias`` must be ``(blocks * units,)``.

    Raises:
        TypeError: an argument is not a numeric array.
        ValueError: an argument has the wrong rank or shape.
    """
    recurrent_kernel = float_array("recurrent_kernel", recurrent_kernel, ndim=2)
    units = recurrent_kernel.shape[0]
    width = blocks * units
    if units == 0 or recurrent_kernel.shape[1] != width:
        raise ValueError(
            f"recurrent_kernel must have shape (units, {blocks} * units) for {layer} weights, "
            f"got {recurrent_kernel.shape}"
        )
    kernel = float_array("kernel", kernel, ndim=2)
    if kernel.shape[0] == 0 or kernel.shape[1] != width:
        raise ValueError(
            f"kernel must have shape (features, {width}) to match recurrent_kernel's "
            f"units={units} ({blocks} * {units} columns), got {kernel.shape}"
        )
    if bias is not None:
        bias = float_array("bias", bias, ndim=1)
        if bias.shape != (width,):
            raise ValueError(
                f"bias must have shape ({width},) to match units={units} "
                f"({blocks} * {units}), got {bias.shape}"
            )
    return kernel, recurrent_kernel, bias


def split_lstm_weights(kernel: Any, recurrent_kernel: Any, bias: Any = None) -> LSTMGates:
    """Split a Keras LSTM's fused weights into its four gates.

    Takes exactly what ``layer.get_weights()`` returns, so
    ``split_lstm_weights(*layer.get_weights())`` works.

    Args:
        kernel: ``(features, 4 * units)``.
        recurrent_kernel: ``(units, 4 * units)``.
        bias: ``(4 * units,)``, or ``None`` for a layer built with ``use_bias=False``.

    Returns:
        The gates ``i``, ``f``, ``c``, ``o``, each with ``W (features, units)``,
        ``U (units, units)`` and ``b (units,)``, as copies of the input.
        ``gates.join()`` gives back the original arrays exactly.

    Raises:
        TypeError: an argument is not a numeric array.
        ValueError: the shapes do not fit together as an LSTM's.
    """
    kernel, recurrent_kernel, bias = check_lstm_weights(kernel, recurrent_kernel, bias)
    units = recurrent_kernel.shape[0]
    gates = []
    for index, (name, title) in enumerate(LSTM_GATE_NAMES.items()):
        block = slice(index * units, (index + 1) * units)
        gates.append(
            Gate(
                name=name,
                title=title,
                W=kernel[:, block].copy(),
                U=recurrent_kernel[:, block].copy(),
                b=None if bias is None else bias[block].copy(),
            )
        )
    return LSTMGates(tuple(gates))
