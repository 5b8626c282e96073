"""A GRU's fused weights split into gates, and a NumPy GRU that reproduces Keras'.

Keras stores the three gate blocks of a GRU side by side along the last axis, in
the order update gate ``z``, reset gate ``r`` and candidate ``h``::

    kernel            (features, 3 * units) = [W_z | W_r | W_h]
    recurrent_kernel  (units,    3 * units) = [U_z | U_r | U_h]
    bias              (2, 3 * units)        = [[b_z  | b_r  | b_h ],    reset_after=True
                                               [b'_z | b'_r | b'_h]]
    bias              (3 * units,)          =  [b_z  | b_r  | b_h ]     reset_after=False

With ``reset_after=True`` (Keras' default) the first bias row is added to the input
projection and the second to the recurrent one. The two settings differ in where
the reset gate ``r`` acts, so they compute different outputs even without a bias.
At every time step, with ``σ`` the recurrent activation and ``φ`` the activation::

    z   = σ(x_t W_z + b_z + h_{t-1} U_z + b'_z)
    r   = σ(x_t W_r + b_r + h_{t-1} U_r + b'_r)
    ĥ   = φ(x_t W_h + b_h + r * (h_{t-1} U_h + b'_h))       reset_after=True
    ĥ   = φ(x_t W_h + b_h + (r * h_{t-1}) U_h)               reset_after=False
    h_t = z * h_{t-1} + (1 - z) * ĥ

starting from ``h_0 = 0`` (the ``b'`` terms exist only with ``reset_after=True``).
The arithmetic is float64, so the difference from Keras is Keras' float32 rounding.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from lstmdoc._checks import flag, float_array, sequence_input
from lstmdoc._types import Float64Array, FloatArray
from lstmdoc.forward import activation_function
from lstmdoc.gates import GateSet, check_lstm_weights

__all__ = ["GRU_GATE_NAMES", "GRUGate", "GRUGates", "gru_forward", "split_gru_weights"]


#: Keras' order of the GRU gate blocks, with a title for each.
GRU_GATE_NAMES: dict[str, str] = {
    "z": "update gate",
    "r": "reset gate",
    "h": "candidate",
}


@dataclass(frozen=True, eq=False)
class GRUGate:
    """The weights of one GRU gate block.

    Attributes:
        name: the gate's key: ``"z"``, ``"r"`` or ``"h"``.
        title: the gate's name in words, such as ``"reset gate"``.
        W: input weights, shape ``(features, units)``.
        U: recurrent weights, shape ``(units, units)``.
        b: the bias added to the input projection, shape ``(units,)``, or ``None``
            for a layer without bias.
        recurrent_b: the bias added to the recurrent projection, shape ``(units,)``;
            only a GRU with ``reset_after=True`` has one, otherwise ``None``.
    """

    name: str
    title: str
    W: FloatArray
    U: FloatArray
    b: FloatArray | None
    recurrent_b: FloatArray | None

    def __repr__(self) -> str:
        def shape(array: FloatArray | None) -> str:
            return "None" if array is None else f"{array.shape}"

        return (
            f"GRUGate({self.name!r}, {self.title!r}, W={self.W.shape}, U={self.U.shape}, "
            f"b={shape(self.b)}, recurrent_b={shape(self.recurrent_b)})"
        )


class GRUGates(GateSet[GRUGate]):
    """The three gates of a GRU layer, in Keras' order ``z``, ``r``, ``h``.

    ``gates["r"]`` is one :class:`GRUGate`; iterating yields the three gates in order.
    """

    layer = "GRU"
    gate_names = GRU_GATE_NAMES

    def __init__(self, gates: tuple[GRUGate, ...], reset_after: bool | None) -> None:
        super().__init__(gates)
        self._reset_after = reset_after

    def __repr__(self) -> str:
        return (
            f"GRUGates(reset_after={self._reset_after},\n"
            + "".join(f"  {gate!r},\n" for gate in self)
            + ")"
        )

    @property
    def reset_after(self) -> bool | None:
        """The layer's ``reset_after``, as its bias shows it; ``None`` without a bias.

        Without a bias both settings have the same weights, so the weights cannot tell.
        """
        return self._reset_after

    def join(self) -> tuple[FloatArray, FloatArray] | tuple[FloatArray, FloatArray, FloatArray]:
        """Fuse the gates back into Keras' layout.

        Returns:
            ``(kernel, recurrent_kernel, bias)``, or ``(kernel, recurrent_kernel)``
            for a layer without bias: exactly what ``layer.set_weights`` takes. The
            bias is ``(2, 3 * units)`` with ``reset_after=True``, ``(3 * units,)``
            otherwise.
        """
        kernel = np.concatenate([gate.W for gate in self._gates], axis=-1)
        recurrent_kernel = np.concatenate([gate.U for gate in self._gates], axis=-1)
        biases = [gate.b for gate in self._gates]
        if any(bias is None for bias in biases):
            return kernel, recurrent_kernel
        bias: FloatArray = np.concatenate([bias for bias in biases if bias is not None])
        if self._reset_after:
            recurrent = [gate.recurrent_b for gate in self._gates if gate.recurrent_b is not None]
            bias = np.stack([bias, np.concatenate(recurrent)])
        return kernel, recurrent_kernel, bias


def split_gru_weights(kernel: Any, recurrent_kernel: Any, bias: Any = None) -> GRUGates:
    """Split a Keras GRU's fused weights into its three gates.

    Takes exactly what ``layer.get_weights()`` returns, so
    ``split_gru_weights(*layer.get_weights())`` works for either ``reset_after``.

    Args:
        kernel: ``(features, 3 * units)``.
        recurrent_kernel: ``(units, 3 * units)``.
        bias: ``(2, 3 * units)`` for ``reset_after=True`` (input bias, then recurrent
            bias), ``(3 * units,)`` for ``reset_after=False``, or ``None`` for a layer
            built with ``use_bias=False``.

    Returns:
        The gates ``z``, ``r``, ``h``, each with ``W (features, units)``,
        ``U (units, units)``, ``b (units,)`` and, with ``reset_after=True``,
        ``recurrent_b (units,)``, as copies of the input. ``gates.join()`` gives
        back the original arrays exactly.

    Raises:
        TypeError: an argument is not a numeric array.
        ValueError: the shapes do not fit together as a GRU's.
    """
    kernel, recurrent_kernel, bias, reset_after = _check_gru_weights(kernel, recurrent_kernel, bias)
    units = recurrent_kernel.shape[0]
    input_bias, recurrent_bias = _bias_rows(bias)
    gates = []
    for index, (name, title) in enumerate(GRU_GATE_NAMES.items()):
        block = slice(index * units, (index + 1) * units)
        gates.append(
            GRUGate(
                name=name,
                title=title,
                W=kernel[:, block].copy(),
                U=recurrent_kernel[:, block].copy(),
                b=None if input_bias is None else input_bias[block].copy(),
                recurrent_b=None if recurrent_bias is None else recurrent_bias[block].copy(),
            )
        )
    return GRUGates(tuple(gates), reset_after)


def gru_forward(
    x: Any,
    kernel: Any,
    recurrent_kernel: Any,
    bias: Any = None,
    *,
    reset_after: bool = True,
    activation: str = "tanh",
    recurrent_activation: str = "sigmoid",
    return_sequences: bool = False,
    initial_state: Any = None,
) -> Float64Array:
    """Compute what ``keras.layers.GRU`` outputs for ``x``, in NumPy.

    Args:
        x: inputs, ``(batch, timesteps, features)``.
        kernel: ``(features, 3 * units)``, as in ``layer.get_weights()``.
        recurrent_kernel: ``(units, 3 * units)``.
        bias: ``(2, 3 * units)`` with ``reset_after=True``, ``(3 * units,)`` with
            ``reset_after=False``, or ``None`` for a layer without bias.
        reset_after: the layer's ``reset_after``: apply the reset gate after the
            recurrent matrix product (Keras' default) or before it.
        activation: the layer's ``activation`` (``φ``): one of
            :data:`lstmdoc.ACTIVATIONS`.
        recurrent_activation: the layer's ``recurrent_activation`` (``σ``).
        return_sequences: as in Keras: return every time step's output, not only the last.
        initial_state: ``h_0``, ``(batch, units)``; zeros if ``None``.

    Returns:
        ``(batch, units)``, or ``(batch, timesteps, units)`` with ``return_sequences``,
        in float64.

    Raises:
        TypeError: an argument is not a numeric array, a flag not a bool, or an
            activation not a string.
        ValueError: shapes that do not fit together, a bias that belongs to the other
            ``reset_after`` setting, or an unknown activation.
    """
    reset_after = flag("reset_after", reset_after)
    return_sequences = flag("return_sequences", return_sequences)
    kernel, recurrent_kernel, bias, bias_reset_after = _check_gru_weights(
        kernel, recurrent_kernel, bias
    )
    if bias is not None and bias_reset_after != reset_after:
        expected = "(2, 3 * units)" if reset_after else "(3 * units,)"
        raise ValueError(
            f"bias must have shape {expected} for reset_after={reset_after}, got "
            f"{bias.shape}, which is the bias of a GRU with reset_after={bias_reset_after}"
        )
    features, units = kernel.shape[0], recurrent_kernel.shape[0]
    x = sequence_input(x, features=features)
    phi = activation_function("activation", activation)
    sigma = activation_function("recurrent_activation", recurrent_activation)
    batch, timesteps, _ = x.shape
    h = np.zeros((batch, units))
    if initial_state is not None:
        if isinstance(initial_state, (tuple, list)) and len(initial_state) == 1:
            initial_state = initial_state[0]  # Keras' own form: [h_0]
        h = float_array("initial_state", initial_state, ndim=2).astype(np.float64)
        if h.shape != (batch, units):
            raise ValueError(
                f"initial_state must have shape (batch, units) = {(batch, units)}, got {h.shape}"
            )

    kernel64, recurrent64 = kernel.astype(np.float64), recurrent_kernel.astype(np.float64)
    input_bias, recurrent_bias = _bias_rows(None if bias is None else bias.astype(np.float64))
    # One matrix product for the inputs of all time steps; only h needs the loop.
    inputs = x @ kernel64 + (0.0 if input_bias is None else input_bias)
    outputs = np.empty((batch, timesteps, units))
    for step in range(timesteps):
        x_z, x_r, x_h = np.split(inputs[:, step], 3, axis=-1)
        if reset_after:
            recurrent = h @ recurrent64 + (0.0 if recurrent_bias is None else recurrent_bias)
            h_z, h_r, h_h = np.split(recurrent, 3, axis=-1)
            z, r = sigma(x_z + h_z), sigma(x_r + h_r)
            candidate = phi(x_h + r * h_h)
        else:
            h_zr = h @ recurrent64[:, : 2 * units]
            z, r = sigma(x_z + h_zr[:, :units]), sigma(x_r + h_zr[:, units:])
            candidate = phi(x_h + (r * h) @ recurrent64[:, 2 * units :])
        h = z * h + (1.0 - z) * candidate
        outputs[:, step] = h
    return outputs if return_sequences else outputs[:, -1]


# --- private helpers -------------------------------------------------------------


def _check_gru_weights(
    kernel: Any, recurrent_kernel: Any, bias: Any
) -> tuple[FloatArray, FloatArray, FloatArray | None, bool | None]:
    """Check a GRU's weights; return them as arrays, with the ``reset_after`` the bias shows."""
    kernel, recurrent_kernel, _ = check_lstm_weights(
        kernel, recurrent_kernel, blocks=3, layer="GRU"
    )
    if bias is None:
        return kernel, recurrent_kernel, None, None
    width = recurrent_kernel.shape[1]
    try:
        rank = np.ndim(bias)
    except (TypeError, ValueError):  # a ragged list: let float_array describe it
        rank = 1
    bias = float_array("bias", bias, ndim=2 if rank == 2 else 1)
    if bias.shape not in {(2, width), (width,)}:
        raise ValueError(
            f"bias must have shape (2, {width}) for reset_after=True or ({width},) for "
            f"reset_after=False, to match units={width // 3} (3 * {width // 3}), "
            f"got {bias.shape}"
        )
    return kernel, recurrent_kernel, bias, bias.ndim == 2


def _bias_rows(bias: FloatArray | None) -> tuple[FloatArray | None, FloatArray | None]:
    """Return ``(input bias, recurrent bias)`` of a checked GRU bias."""
    if bias is None:
        return None, None
    if bias.ndim == 2:
        return bias[0], bias[1]
    return bias, None
