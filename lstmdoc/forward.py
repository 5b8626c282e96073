"""A NumPy LSTM forward pass that reproduces ``keras.layers.LSTM``.

At every time step ``t`` Keras computes, with ``σ`` the recurrent activation and
``φ`` the activation::

    z   = x_t @ kernel + h_{t-1} @ recurrent_kernel + bias     # (batch, 4 * units)
    i   = σ(z_i)            f = σ(z_f)            o = σ(z_o)
    c_t = f * c_{t-1} + i * φ(z_c)
    h_t = o * φ(c_t)

starting from ``h_0 = c_0 = 0``. The arithmetic here is float64, so the difference
from Keras is Keras' own float32 rounding.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from lstmdoc._checks import describe, flag, float_array, sequence_input
from lstmdoc._types import Float64Array
from lstmdoc.gates import check_lstm_weights

__all__ = ["ACTIVATIONS", "LSTMTrace", "activation_function", "lstm_forward", "lstm_trace"]


_SELU_ALPHA = 1.6732632423543772
_SELU_SCALE = 1.0507009873554805


def _sigmoid(z: Float64Array) -> Float64Array:
    # The tanh form is exact and never overflows, unlike 1 / (1 + exp(-z)).
    return 0.5 * (1.0 + np.tanh(0.5 * z))


#: The activations ``lstm_forward`` understands, by Keras' names.
ACTIVATIONS: dict[str, Callable[[Float64Array], Float64Array]] = {
    "tanh": np.tanh,
    "sigmoid": _sigmoid,
    "relu": lambda z: np.maximum(z, 0.0),
    "linear": lambda z: z,
    "hard_sigmoid": lambda z: np.clip(z / 6.0 + 0.5, 0.0, 1.0),
    "relu6": lambda z: np.clip(z, 0.0, 6.0),
    "softsign": lambda z: z / (1.0 + np.abs(z)),
    "softplus": lambda z: np.logaddexp(0.0, z),
    "elu": lambda z: np.where(z > 0, z, np.expm1(np.minimum(z, 0.0))),
    "selu": lambda z: _SELU_SCALE * np.where(z > 0, z, _SELU_ALPHA * np.expm1(np.minimum(z, 0.0))),
    "silu": lambda z: z * _sigmoid(z),
    "exponential": np.exp,
}


@dataclass(frozen=True, eq=False)
class LSTMTrace:
    """Everything an LSTM computes, at every time step.

    Every attribute has shape ``(batch, timesteps, units)``; index ``[:, t]`` is
    time step ``t``.

    Attributes:
        input_gate: ``i``, how much of the candidate enters the cell.
        forget_gate: ``f``, how much of the previous cell state is kept.
        candidate: ``φ(z_c)``, the new content offered to the cell.
        output_gate: ``o``, how much of the cell is shown as output.
        cell: the cell state ``c_t``.
        hidden: the hidden state ``h_t``, which is the layer's output.
    """

    input_gate: Float64Array
    forget_gate: Float64Array
    candidate: Float64Array
    output_gate: Float64Array
    cell: Float64Array
    hidden: Float64Array

    def gate(self, name: str) -> Float64Array:
        """Return a gate's activations by its key, ``"i"``, ``"f"``, ``"c"`` or ``"o"``."""
        by_name = {
            "i": self.input_gate,
            "f": self.forget_gate,
            "c": self.candidate,
            "o": self.output_gate,
        }
        if name not in by_name:
            raise KeyError(f"no LSTM gate named {name!r}; the gates are i, f, c, o")
        return by_name[name]


def lstm_trace(
    x: Any,
    kernel: Any,
    recurrent_kernel: Any,
    bias: Any = None,
    *,
    activation: str = "tanh",
    recurrent_activation: str = "sigmoid",
    initial_state: tuple[Any, Any] | None = None,
) -> LSTMTrace:
    """Run an LSTM over ``x`` and record the gates and states at every time step.

    Args:
        x: inputs, ``(batch, timesteps, features)``.
        kernel: ``(features, 4 * units)``, as in ``layer.get_weights()``.
        recurrent_kernel: ``(units, 4 * units)``.
        bias: ``(4 * units,)``, or ``None`` for a layer without bias.
        activation: the layer's ``activation`` (``φ``), by Keras' name.
        recurrent_activation: the layer's ``recurrent_activation`` (``σ``).
        initial_state: ``(h_0, c_0)``, each ``(batch, units)``; zeros if ``None``.

    Returns:
        The gate activations, cell states and hidden states, each
        ``(batch, timesteps, units)``, in float64.

    Raises:
        TypeError: an argument is not a numeric array or an activation not a string.
        ValueError: shapes that do not fit together, or an unknown activation.
    """
    x, kernel, recurrent_kernel, bias, phi, sigma, (h, c) = _prepare(
        x, kernel, recurrent_kernel, bias, activation, recurrent_activation, initial_state
    )
    batch, timesteps, _ = x.shape
    units = recurrent_kernel.shape[0]
    records = np.empty((6, batch, timesteps, units))
    # One matrix product for the inputs of all time steps; only h needs the loop.
    inputs = x @ kernel + (0.0 if bias is None else bias)
    for step in range(timesteps):
        z = inputs[:, step] + h @ recurrent_kernel
        i = sigma(z[:, :units])
        f = sigma(z[:, units : 2 * units])
        g = phi(z[:, 2 * units : 3 * units])
        o = sigma(z[:, 3 * units :])
        c = f * c + i * g
        h = o * phi(c)
        records[:, :, step] = (i, f, g, o, c, h)
    return LSTMTrace(*records)


def lstm_forward(
    x: Any,
    kernel: Any,
    recurrent_kernel: Any,
    bias: Any = None,
    *,
    activation: str = "tanh",
    recurrent_activation: str = "sigmoid",
    return_sequences: bool = False,
    initial_state: tuple[Any, Any] | None = None,
) -> Float64Array:
    """Compute what ``keras.layers.LSTM`` outputs for ``x``, in NumPy.

    Args:
        x: inputs, ``(batch, timesteps, features)``.
        kernel: ``(features, 4 * units)``, as in ``layer.get_weights()``.
        recurrent_kernel: ``(units, 4 * units)``.
        bias: ``(4 * units,)``, or ``None`` for a layer without bias.
        activation: the layer's ``activation``: one of :data:`ACTIVATIONS`.
        recurrent_activation: the layer's ``recurrent_activation``.
        return_sequences: as in Keras: return every time step's output, not only the last.
        initial_state: ``(h_0, c_0)``, each ``(batch, units)``; zeros if ``None``.

    Returns:
        ``(batch, units)``, or ``(batch, timesteps, units)`` with ``return_sequences``,
        in float64.

    Raises:
        TypeError: an argument is not a numeric array or an activation not a string.
        ValueError: shapes that do not fit together, or an unknown activation.
    """
    return_sequences = flag("return_sequences", return_sequences)
    hidden = lstm_trace(
        x,
        kernel,
        recurrent_kernel,
        bias,
        activation=activation,
        recurrent_activation=recurrent_activation,
        initial_state=initial_state,
    ).hidden
    return hidden if return_sequences else hidden[:, -1]


def activation_function(argument: str, value: Any) -> Callable[[Float64Array], Float64Array]:
    """Return the activation named ``value``, checking it for the ``argument`` it was given as.

    Raises:
        TypeError: ``value`` is not a string.
        ValueError: ``value`` is not one of :data:`ACTIVATIONS`; the message lists them.
    """
    if not isinstance(value, str):
        raise TypeError(
            f"{argument} must be an activation's name (a string), got {describe(value)}"
        )
    if value not in ACTIVATIONS:
        raise ValueError(
            f"{argument} {value!r} is not supported; choose one of {', '.join(sorted(ACTIVATIONS))}"
        )
    return ACTIVATIONS[value]


# --- private helpers -------------------------------------------------------------


def _prepare(
    x: Any,
    kernel: Any,
    recurrent_kernel: Any,
    bias: Any,
    activation: Any,
    recurrent_activation: Any,
    initial_state: Any,
) -> tuple[Any, ...]:
    """Check every argument before any work and return them in float64."""
    kernel, recurrent_kernel, bias = check_lstm_weights(kernel, recurrent_kernel, bias)
    features, units = kernel.shape[0], recurrent_kernel.shape[0]
    x = sequence_input(x, features=features)
    phi = activation_function("activation", activation)
    sigma = activation_function("recurrent_activation", recurrent_activation)
    state = (np.zeros((x.shape[0], units)), np.zeros((x.shape[0], units)))
    if initial_state is not None:
        if not isinstance(initial_state, (tuple, list)) or len(initial_state) != 2:
            raise TypeError(
                f"initial_state must be a pair (h_0, c_0) or None, got {describe(initial_state)}"
            )
        state = tuple(  # type: ignore[assignment]
            float_array(name, value, ndim=2).astype(np.float64)
            for name, value in zip(
                ("initial_state[0]", "initial_state[1]"), initial_state, strict=True
            )
        )
        for name, value in zip(("initial_state[0]", "initial_state[1]"), state, strict=True):
            if value.shape != (x.shape[0], units):
                raise ValueError(
                    f"{name} must have shape (batch, units) = {(x.shape[0], units)}, "
                    f"got {value.shape}"
                )
    return (
        x,
        kernel.astype(np.float64),
        recurrent_kernel.astype(np.float64),
        None if bias is None else bias.astype(np.float64),
        phi,
        sigma,
        state,
    )
