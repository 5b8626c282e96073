"""Figures of an LSTM's gate weights and of its activations over time.

Each function returns a :class:`matplotlib.figure.Figure` that pyplot has already
let go of: a notebook shows it once, as the cell's result, and a script calls
``figure.savefig(...)``. Every panel has a title and labelled axes, and every
colour scale a colour bar. Needs Matplotlib (``pip install "lstmdoc[plots]"``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from matplotlib import pyplot as plt
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from lstmdoc._checks import describe
from lstmdoc.forward import LSTMTrace
from lstmdoc.gates import LSTMGates

__all__ = ["GATE_COLORMAP", "WEIGHT_COLORMAP", "plot_gate_weights", "plot_trace"]

#: The colour map of weights, diverging around a white zero so signs and sizes read at a glance.
WEIGHT_COLORMAP = "RdBu_r"
#: The colour map of gate activations (between 0 and 1) and of states.
GATE_COLORMAP = "viridis"

_PARTS = {
    "W": ("input weights W", "unit", "feature"),
    "U": ("recurrent weights U", "to unit (column k)", "from unit (row j)"),
    "b": ("bias b", "unit", ""),
}


def plot_gate_weights(gates: Mapping[str, LSTMGates], part: str) -> Figure:
    """Draw one weight of each gate as a heatmap, for several versions of a layer.

    One row per gate (input, forget, cell candidate, output) and one column per
    version, such as ``{"before training": ..., "after training": ...}``. All
    panels share one symmetric colour scale, centred on zero, with one colour bar,
    so equal colours mean equal values across gates and versions.

    Args:
        gates: the versions to compare, by label, each from
            :func:`lstmdoc.split_lstm_weights`; all of the same shape.
        part: ``"W"`` (``features × units``), ``"U"`` (``units × units``; row
            ``j``, column ``k`` connects unit ``j``'s previous output to unit ``k``)
            or ``"b"`` (``units``).

    Returns:
        The figure, with the values of each panel in its image.

    Raises:
        TypeError: ``gates`` is not a mapping of labels to ``LSTMGates``, or
            ``part`` is not a string.
        ValueError: ``gates`` is empty, ``part`` is unknown, the versions differ in
            shape, or ``part`` is ``"b"`` for a layer without bias.
    """
    versions = _gate_versions(gates)
    if not isinstance(part, str):
        raise TypeError(f"part must be 'W', 'U' or 'b', got {describe(part)}")
    if part not in _PARTS:
        raise ValueError(f"part must be 'W', 'U' or 'b', got {part!r}")
    title, xlabel, ylabel = _PARTS[part]
    matrices = {label: [_part(gate, part, label) for gate in layer] for label, layer in versions}
    limit = max(float(np.max(np.abs(matrix))) for row in matrices.values() for matrix in row)
    norm = Normalize(vmin=-limit, vmax=limit) if limit > 0 else Normalize(vmin=-1.0, vmax=1.0)

    first = versions[0][1]
    panel_width = 3.2 if part == "U" else 4.2
    panel_height = 2.9 if part == "U" else max(1.1, 0.35 * first.features + 0.9)
    figure = _new_figure(
        figsize=(panel_width * len(versions) + 1.2, panel_height * len(first) + 0.6)
    )
    axes = figure.subplots(len(first), len(versions), squeeze=False)
    images = []
    for column, (label, layer) in enumerate(versions):
        for row, gate in enumerate(layer):
            ax = axes[row, column]
            image = ax.imshow(
                matrices[label][row],
                cmap=WEIGHT_COLORMAP,
                norm=norm,
                aspect="equal" if part == "U" else "auto",
                interpolation="nearest",
            )
            images.append(image)
            ax.set_title(f"{gate.title} {part}, {label}", fontsize="medium")
            ax.set_xlabel(xlabel)
            ax.set_ylabel(ylabel)
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # units are whole numbers
            ax.yaxis.set_major_locator(MaxNLocator(integer=True))
            if part == "b":
                ax.set_yticks([])
            elif part == "W":
                ax.set_yticks(range(first.features))
    figure.colorbar(images[0], ax=axes, label="weight value", shrink=0.8)
    figure.suptitle(f"The {title} of the four gates: {', '.join(label for label, _ in versions)}")
    return figure


def plot_trace(trace: LSTMTrace, *, sample: int = 0) -> Figure:
    """Draw what an LSTM computed at every time step, as six heatmaps over time × unit.

    The top row shows the three gates, which the sigmoid keeps between 0 and 1, on
    one shared scale; the bottom row shows the cell candidate, the cell state and
    the hidden state (the layer's output), each on its own scale.

    Args:
        trace: from :func:`lstmdoc.lstm_trace`.
        sample: which sample of the batch to draw.

    Returns:
        The figure, with six panels of shape ``(units, timesteps)``.

    Raises:
        TypeError: ``trace`` is not an ``LSTMTrace`` or ``sample`` not an integer.
        ValueError: ``sample`` is outside the batch.
    """
    if not isinstance(trace, LSTMTrace):
        raise TypeError(f"trace must be an LSTMTrace from lstm_trace, got {describe(trace)}")
    batch, timesteps, units = trace.hidden.shape
    if isinstance(sample, (bool, np.bool_)) or not isinstance(sample, (int, np.integer)):
        raise TypeError(f"sample must be an integer, got {describe(sample)}")
    if not 0 <= sample < batch:
        raise ValueError(f"sample must be between 0 and {batch - 1} (the batch), got {sample}")

    panels = [
        ("input gate i", trace.input_gate),
        ("forget gate f", trace.forget_gate),
        ("output gate o", trace.output_gate),
        ("cell candidate φ(z_c)", trace.candidate),
        ("cell state c", trace.cell),
        ("hidden state h (output)", trace.hidden),
    ]
    figure = _new_figure(figsize=(13, 6.5))
    axes = figure.subplots(2, 3)
    gate_norm = Normalize(vmin=0.0, vmax=1.0)
    gate_images = []
    for ax, (title, values) in zip(axes.flat, panels, strict=True):
        gate = title.endswith(("gate i", "gate f", "gate o"))
        image = ax.imshow(
            values[sample].T,
            cmap=GATE_COLORMAP,
            norm=gate_norm if gate else None,
            aspect="auto",
            origin="lower",
            interpolation="nearest",
        )
        ax.set_title(title)
        ax.set_xlabel("time step t")
        ax.set_ylabel("unit")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        if gate:
            gate_images.append(image)
        else:
            figure.colorbar(image, ax=ax, label="value")
    figure.colorbar(gate_images[0], ax=axes[0, :], label="gate activation (0 to 1)")
    figure.suptitle(f"Inside the LSTM at each of the {timesteps} time steps, for its {units} units")
    return figure


# --- private helpers -------------------------------------------------------------


def _new_figure(figsize: tuple[float, float]) -> Figure:
    """Return an empty figure with constrained layout, not kept by pyplot.

    Creating it through pyplot switches on Jupyter's inline backend, which is what
    shows a returned figure as an image rather than as "<Figure size ...>"; closing
    it at once means pyplot holds no reference and does not show it a second time.
    """
    figure = plt.figure(figsize=figsize, layout="constrained")
    plt.close(figure)
    return figure


def _gate_versions(gates: Any) -> list[tuple[str, LSTMGates]]:
    if not isinstance(gates, Mapping):
        raise TypeError(
            "gates must be a mapping of labels to LSTMGates, such as "
            f"{{'after training': split_lstm_weights(...)}}, got {describe(gates)}"
        )
    if not gates:
        raise ValueError("gates must hold at least one version of the layer, got an empty mapping")
    versions = []
    for label, layer in gates.items():
        if not isinstance(label, str):
            raise TypeError(f"gates' labels must be strings, got {describe(label)}")
        if not isinstance(layer, LSTMGates):
            raise TypeError(
                f"gates[{label!r}] must be LSTMGates from split_lstm_weights, got {describe(layer)}"
            )
        versions.append((label, layer))
    first_label, first = versions[0]
    for label, layer in versions[1:]:
        if (layer.features, layer.units) != (first.features, first.units):
            raise ValueError(
                f"gates[{label!r}] has features={layer.features}, units={layer.units} but "
                f"gates[{first_label!r}] has features={first.features}, units={first.units}"
            )
    return versions


def _part(gate: Any, part: str, label: str) -> Any:
    if part == "W":
        return gate.W
    if part == "U":
        return gate.U
    if gate.b is None:
        raise ValueError(f"gates[{label!r}] has no bias (a layer built with use_bias=False)")
    return gate.b.reshape(1, -1)
