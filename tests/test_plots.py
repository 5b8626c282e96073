"""Tests of lstmdoc.plots: what each figure shows, and that it shows the data given."""

from __future__ import annotations

import io

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from matplotlib.axes import Axes
from matplotlib.figure import Figure

import lstmdoc
import lstmdoc.plots
from lstmdoc import LSTMGates, LSTMTrace


def _gates(seed: int, features: int = 2, units: int = 3, use_bias: bool = True) -> LSTMGates:
    rng = np.random.default_rng(seed)
    kernel = rng.normal(size=(features, 4 * units))
    recurrent_kernel = rng.normal(size=(units, 4 * units))
    bias = rng.normal(size=4 * units) if use_bias else None
    return lstmdoc.split_lstm_weights(kernel, recurrent_kernel, bias)


def _panels(figure: Figure) -> list[Axes]:
    """The axes that hold data (the others are colour bars), in drawing order."""
    return [ax for ax in figure.axes if ax.get_images() and ax.get_title()]


def _colorbars(figure: Figure) -> list[Axes]:
    return [ax for ax in figure.axes if ax not in _panels(figure)]


def _draws(figure: Figure) -> bool:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue().startswith(b"\x89PNG")


class TestPlotGateWeights:
    @pytest.mark.parametrize("part", ["W", "U", "b"])
    def test_shows_every_gate_of_every_version(self, part):
        """One titled, labelled panel per gate (rows) and version (columns), holding that weight."""
        before, after = _gates(0), _gates(1)
        figure = lstmdoc.plots.plot_gate_weights({"before": before, "after": after}, part)
        panels = _panels(figure)
        assert len(panels) == 8
        expected = []  # row by row: one row per gate, one column per version
        for old, new in zip(before, after, strict=True):
            for label, gate in (("before", old), ("after", new)):
                assert gate.b is not None
                values = {"W": gate.W, "U": gate.U, "b": gate.b.reshape(1, -1)}[part]
                expected.append((f"{gate.title} {part}, {label}", values))
        for ax, (title, values) in zip(panels, expected, strict=True):
            assert ax.get_title() == title
            assert ax.get_xlabel()
            np.testing.assert_array_equal(ax.get_images()[0].get_array(), values)
        assert figure.get_suptitle()
        assert _draws(figure)

    def test_shares_one_zero_centred_colour_scale(self):
        """Every panel uses one scale from -m to m, m the largest magnitude, with one colour bar."""
        before, after = _gates(0), _gates(1)
        largest = max(np.abs(gate.U).max() for layer in (before, after) for gate in layer)
        figure = lstmdoc.plots.plot_gate_weights({"before": before, "after": after}, "U")
        for ax in _panels(figure):
            image = ax.get_images()[0]
            assert image.norm.vmin == pytest.approx(-largest)
            assert image.norm.vmax == pytest.approx(largest)
        colorbars = _colorbars(figure)
        assert len(colorbars) == 1
        assert colorbars[0].get_ylabel() == "weight value"

    def test_all_zero_weights_still_have_a_scale(self):
        """Weights that are all zero are drawn on the scale -1 to 1, not a degenerate one."""
        zeros = lstmdoc.split_lstm_weights(np.zeros((1, 8)), np.zeros((2, 8)), np.zeros(8))
        figure = lstmdoc.plots.plot_gate_weights({"zeros": zeros}, "b")
        image = _panels(figure)[0].get_images()[0]
        assert (image.norm.vmin, image.norm.vmax) == (-1.0, 1.0)

    @pytest.mark.parametrize(
        ("gates", "part", "error", "words"),
        [
            ([], "U", TypeError, "gates must be a mapping of labels to LSTMGates"),
            ({}, "U", ValueError, "at least one version"),
            ({1: None}, "U", TypeError, "labels must be strings, got 1"),
            ({"a": "weights"}, "U", TypeError, r"gates\['a'\] must be LSTMGates"),
            ({"a": "gates"}, "V", TypeError, r"gates\['a'\] must be LSTMGates"),
        ],
    )
    def test_refuses_bad_gates(self, gates, part, error, words):
        """Anything but a non-empty mapping of labels to LSTMGates raises, naming gates."""
        with pytest.raises(error, match=words):
            lstmdoc.plots.plot_gate_weights(gates, part)

    def test_refuses_a_bad_part(self):
        """part must be one of 'W', 'U' or 'b'."""
        gates = {"a": _gates(0)}
        with pytest.raises(ValueError, match="part must be 'W', 'U' or 'b', got 'V'"):
            lstmdoc.plots.plot_gate_weights(gates, "V")
        with pytest.raises(TypeError, match="part must be 'W', 'U' or 'b', got 0"):
            lstmdoc.plots.plot_gate_weights(gates, 0)  # type: ignore[arg-type]

    def test_refuses_versions_of_different_shapes(self):
        """Versions of different sizes cannot share panels."""
        with pytest.raises(ValueError, match=r"gates\['b'\] has features=2, units=4"):
            lstmdoc.plots.plot_gate_weights({"a": _gates(0), "b": _gates(0, units=4)}, "U")

    def test_refuses_the_bias_of_a_layer_without_one(self):
        """Asking for 'b' of a layer built with use_bias=False raises ValueError."""
        with pytest.raises(ValueError, match=r"gates\['a'\] has no bias"):
            lstmdoc.plots.plot_gate_weights({"a": _gates(0, use_bias=False)}, "b")


class TestPlotTrace:
    def _trace(self, batch: int = 2) -> LSTMTrace:
        gates = _gates(2, features=1, units=3)
        x = np.random.default_rng(3).normal(size=(batch, 5, 1))
        return lstmdoc.lstm_trace(x, *gates.join())

    def test_shows_gates_and_states_over_time(self):
        """Six titled panels of (units, time steps), holding the trace of the chosen sample."""
        trace = self._trace()
        figure = lstmdoc.plots.plot_trace(trace, sample=1)
        panels = _panels(figure)
        expected = [
            trace.input_gate,
            trace.forget_gate,
            trace.output_gate,
            trace.candidate,
            trace.cell,
            trace.hidden,
        ]
        assert len(panels) == 6
        for ax, values in zip(panels, expected, strict=True):
            np.testing.assert_array_equal(ax.get_images()[0].get_array(), values[1].T)
            assert ax.get_xlabel() == "time step t"
            assert ax.get_ylabel() == "unit"
        assert [ax.get_title() for ax in panels[:3]] == [
            "input gate i",
            "forget gate f",
            "output gate o",
        ]
        assert _draws(figure)

    def test_gates_share_the_zero_to_one_scale(self):
        """The three gates share one 0-1 colour bar; each state has its own: four in all."""
        figure = lstmdoc.plots.plot_trace(self._trace())
        for ax in _panels(figure)[:3]:
            image = ax.get_images()[0]
            assert (image.norm.vmin, image.norm.vmax) == (0.0, 1.0)
        labels = sorted(ax.get_ylabel() for ax in _colorbars(figure))
        assert labels == ["gate activation (0 to 1)", "value", "value", "value"]

    def test_refuses_bad_arguments(self):
        """A trace that is not an LSTMTrace, or a sample outside the batch, raises."""
        trace = self._trace(batch=2)
        with pytest.raises(TypeError, match="trace must be an LSTMTrace"):
            lstmdoc.plots.plot_trace(np.zeros((1, 2, 3)))  # type: ignore[arg-type]
        with pytest.raises(ValueError, match=r"sample must be between 0 and 1 .* got 2"):
            lstmdoc.plots.plot_trace(trace, sample=2)
        with pytest.raises(TypeError, match="sample must be an integer, got True"):
            lstmdoc.plots.plot_trace(trace, sample=True)
