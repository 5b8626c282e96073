"""Tests for lstmdoc.keras.costs: what a Keras model's mult-adds are for, and where none is given.

Each family's figure is held against Keras itself, run under PyTorch's
``FlopCounterMode``, in ``tests/pytorch/against_torch/test_keras_costs.py``. Here,
with TensorFlow, the numbers are derived by hand: the figure for an open time axis,
a saved file read the same as the live model, and the layers whose code lstmdoc
does not read, which leave the total unknown rather than guessed.
"""

from __future__ import annotations

import keras
from keras import layers, ops

import lstmdoc
from lstmdoc.report import html
from tests._keras_models import save


class Gram(layers.Layer):  # type: ignore[misc]
    """A weightless layer whose own code multiplies: x @ xᵀ, which no rule reads."""

    def call(self, inputs):
        return ops.matmul(inputs, ops.transpose(inputs, (0, 2, 1)))


def columns(report: lstmdoc.ModelReport) -> str:
    return " ".join(report.text(None, columns=["params", "mult_adds"]).split())


class TestWhatTheFigureIsFor:
    def test_an_open_time_axis_gives_a_figure_per_step_and_no_total(self):
        """LSTM on (None, 8): per step; the Dense after the pooling: per sample; no total."""
        model = keras.Sequential(
            [
                keras.Input((None, 8)),
                layers.LSTM(4, return_sequences=True),
                layers.GlobalAveragePooling1D(),
                layers.Dense(2),
            ]
        )
        report = lstmdoc.explain(model)
        lstm, dense = report.rows
        assert (lstm.mult_adds, lstm.mult_adds_per) == (4 * 4 * (8 + 4), "time step")
        assert (dense.mult_adds, dense.mult_adds_per) == (2 * 4, None)
        assert report.mult_adds is None
        assert "The total is not given: the layers' figures are for different things." in (
            columns(report)
        )

    def test_html_shows_the_columns_only_when_asked(self):
        """The notebook's HTML has no mult-adds by default; asked for, the column and its total."""
        model = keras.Sequential([keras.Input((20, 1)), layers.LSTM(20)])
        report = lstmdoc.explain(model)
        assert "mult-adds" not in report._repr_html_()
        shown = html.render(report.table(columns=["params", "mult_adds", "mult_adds_formula"]))
        assert "mult-adds" in shown
        assert "33,600" in shown
        # The formula's cell keeps its terms together: spaces that do not break.
        assert "20 × 4 × 20 × (1 + 20)" in shown.replace("\N{NO-BREAK SPACE}", " ")

    def test_a_fixed_length_gives_a_total_per_sample(self):
        """LSTM(20) on 20 steps of 1 feature, then Dense(3): 33,600 + 60 mult-adds a sample."""
        model = keras.Sequential([keras.Input((20, 1)), layers.LSTM(20), layers.Dense(3)])
        report = lstmdoc.explain(model)
        assert report.mult_adds == 20 * 4 * 20 * (1 + 20) + 3 * 20
        assert report.to_dict()["mult_adds"] == 33_660
        assert "per sample, for the input shape each layer was built on" in columns(report)


class TestViews:
    def test_largest_gives_no_total_since_its_rows_leave_out_their_parents_work(self):
        """report.largest(): a TimeDistributed's Dense is one step's; the total is not summed."""
        model = keras.Sequential(
            [keras.Input((20, 4)), layers.TimeDistributed(layers.Dense(3), name="steps")]
        )
        report = lstmdoc.explain(model)
        assert report.mult_adds == 20 * 3 * 4
        largest = report.largest()
        assert [row.mult_adds for row in largest.rows] == [3 * 4]  # the Dense, once a call
        assert largest.mult_adds is None
        assert largest.to_dict()["mult_adds"] is None
        assert "without what the layers holding it add" in columns(largest)

    def test_folding_keeps_the_total(self):
        """report.folded(0): the model's own rows, whose figures hold what is beneath them."""
        model = keras.Sequential(
            [keras.Input((20, 4)), layers.Bidirectional(layers.LSTM(3)), layers.Dense(2)]
        )
        report = lstmdoc.explain(model)
        assert report.folded(0).mult_adds == report.mult_adds == 2 * 20 * 4 * 3 * 7 + 2 * 6


class TestFromAFile:
    def test_a_saved_model_gives_the_live_models_figures(self, tmp_path):
        """The file's stored configuration gives each row the figure the live model has."""
        inputs = keras.Input((6, 5, 3))
        x = layers.Conv2D(4, 3, padding="same")(inputs)
        x = layers.Reshape((6, 20))(x)
        x = layers.Bidirectional(layers.GRU(3, return_sequences=True))(x)
        x = layers.MultiHeadAttention(num_heads=2, key_dim=3)(x, x)
        outputs = layers.TimeDistributed(layers.Dense(2))(x)
        model = keras.Model(inputs, outputs)
        live = lstmdoc.explain(model)
        stored = lstmdoc.explain_file(save(model, tmp_path / "model.keras"))
        assert [(row.name, row.mult_adds) for row in stored.rows] == [
            (row.name, row.mult_adds) for row in live.rows
        ]
        conv, *_ = live.rows
        assert conv.mult_adds == 6 * 5 * 4 * 3 * 3 * 3  # every output position, by hand
        assert stored.mult_adds == live.mult_adds is not None


class TestNotGuessed:
    def test_a_lambda_leaves_the_total_unknown_and_the_table_as_it_was(self):
        """A Lambda's code is not read: no total, a sentence naming it, and no row added."""
        model = keras.Sequential(
            [keras.Input((3,)), layers.Lambda(lambda x: x * 2, name="double"), layers.Dense(2)]
        )
        report = lstmdoc.explain(model)
        assert [row.layer for row in report.rows] == ["Dense"]
        assert report.rows[0].mult_adds == 6
        assert report.mult_adds is None
        assert "lstmdoc does not derive the mult-adds of double (Lambda)" in columns(report)

    def test_a_weightless_custom_layer_is_not_taken_as_zero(self):
        """A custom layer that multiplies in its own code leaves the total unknown."""
        model = keras.Sequential([keras.Input((5, 3)), Gram(name="gram"), layers.Dense(2)])
        report = lstmdoc.explain(model)
        assert report.mult_adds is None
        assert "gram (Gram)" in columns(report)

    def test_a_custom_layer_of_known_layers_is_their_sum_and_says_so(self):
        """A custom layer holding Dense layers: their figures' sum, with a sentence on its code."""

        class Block(layers.Layer):  # type: ignore[misc]
            def __init__(self, **kwargs):
                super().__init__(**kwargs)
                self.inner = layers.Dense(4)
                self.outer = layers.Dense(3)

            def call(self, inputs):
                return self.outer(self.inner(inputs))

        model = keras.Sequential([keras.Input((6,)), Block(name="block")])
        report = lstmdoc.explain(model)
        assert report.rows[0].mult_adds == 4 * 6 + 3 * 4
        assert "what its own code computes beside them is not seen: block" in columns(report)
