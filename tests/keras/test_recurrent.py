"""The rules of lstmdoc.keras.recurrent against real Keras."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from keras import layers

import lstmdoc
from tests._keras_models import (
    SIZES,
    SMALL,
    SWEEP,
    explained,
)

CELLS = st.sampled_from(["LSTMCell", "GRUCell", "SimpleRNNCell"])


def cell_of(kind: str, units: int, bias: bool, reset_after: bool):
    options = {"reset_after": reset_after} if kind == "GRUCell" else {}
    return getattr(layers, kind)(units, use_bias=bias, **options)


class TestRecurrent:
    @SWEEP
    @given(
        kind=st.sampled_from(["LSTM", "GRU", "SimpleRNN"]),
        units=SIZES,
        features=SIZES,
        bias=st.booleans(),
        reset_after=st.booleans(),
    )
    def test_recurrent_layers(self, kind, units, features, bias, reset_after):
        """LSTM, SimpleRNN and GRU, with either reset_after, match Keras' count."""
        options = {"reset_after": reset_after} if kind == "GRU" else {}
        (row,) = explained(getattr(layers, kind)(units, use_bias=bias, **options), (5, features))
        assert row.layer == kind

    @SWEEP
    @given(kind=CELLS, units=SIZES, features=SIZES, bias=st.booleans(), reset_after=st.booleans())
    def test_rnn_of_one_cell_shows_the_cell_beneath(self, kind, units, features, bias, reset_after):
        """RNN(LSTMCell(units)) counts what LSTM(units) counts, the cell on a row of its own."""
        layer = layers.RNN(cell_of(kind, units, bias, reset_after))
        rnn, cell = explained(layer, (5, features))
        assert rnn.layer == f"RNN({kind})"
        assert (cell.layer, cell.depth) == (kind, 1)
        assert rnn.formula == cell.formula

    def test_rnn_of_an_lstm_cell_is_an_lstm(self):
        """The Keras RNN guide's RNN(LSTMCell(20)) on one feature is the tutorial's 1,760."""
        rnn, cell = explained(layers.RNN(layers.LSTMCell(20)), (20, 1))
        assert rnn.params == cell.params == lstmdoc.lstm_param_count(20, 1) == 1760
        assert cell.formula == "4 × 20 × (1 + 20 + 1)"

    @SWEEP
    @given(
        kinds=st.lists(CELLS, min_size=1, max_size=3),
        units=st.lists(SIZES, min_size=3, max_size=3),
        features=SIZES,
        bias=st.booleans(),
        stacked=st.booleans(),
    )
    def test_stacked_cells(self, kinds, units, features, bias, stacked):
        """A list of cells or StackedRNNCells: each cell reads the one before's units."""
        cells = [cell_of(kind, size, bias, True) for kind, size in zip(kinds, units, strict=False)]
        layer = layers.RNN(layers.StackedRNNCells(cells) if stacked else cells)
        rows = explained(layer, (4, features))
        assert [row.layer for row in rows[2:]] == kinds
        assert [row.depth for row in rows] == [0, 1] + [2] * len(kinds)

    @SWEEP
    @given(
        kind=st.sampled_from(["LSTM", "GRU", "SimpleRNN"]),
        units=SIZES,
        features=SIZES,
        merge_mode=st.sampled_from(["concat", "sum", "mul", "ave", None]),
    )
    def test_bidirectional_counts_both_directions(self, kind, units, features, merge_mode):
        """Bidirectional is forward plus backward, twice the wrapped count, whatever merge_mode."""
        layer = layers.Bidirectional(getattr(layers, kind)(units), merge_mode=merge_mode)
        bidirectional, forward, backward = explained(layer, (5, features))
        assert bidirectional.layer == f"Bidirectional({kind})"
        assert bidirectional.formula == f"2 × {forward.formula}"
        assert forward.formula == backward.formula
        assert (forward.depth, backward.depth) == (1, 1)

    def test_bidirectional_with_a_different_backward_layer(self):
        """A backward_layer configured unlike the forward one is counted on its own row."""
        layer = layers.Bidirectional(
            layers.LSTM(6), backward_layer=layers.LSTM(4, use_bias=False, go_backwards=True)
        )
        bidirectional, forward, backward = explained(layer, (5, 3))
        assert bidirectional.formula == "4 × 6 × (3 + 6 + 1) + 4 × 4 × (3 + 4)"
        assert (forward.params, backward.params) == (240, 112)

    def test_bidirectional_of_an_rnn_of_cells(self):
        """Wrappers nest: Bidirectional(RNN(LSTMCell)) shows each level one deeper."""
        layer = layers.Bidirectional(layers.RNN(layers.LSTMCell(4)))
        rows = explained(layer, (5, 3))
        assert [(row.layer, row.depth) for row in rows] == [
            ("Bidirectional(RNN)", 0),
            ("RNN(LSTMCell)", 1),
            ("LSTMCell", 2),
            ("RNN(LSTMCell)", 1),
            ("LSTMCell", 2),
        ]

    @SWEEP
    @given(units=SIZES, features=SIZES, timesteps=SMALL)
    def test_time_distributed_dense(self, units, features, timesteps):
        """TimeDistributed(Dense) counts one Dense: the time axis adds no weights."""
        wrapper, inner = explained(
            layers.TimeDistributed(layers.Dense(units)), (timesteps, features)
        )
        assert wrapper.layer == "TimeDistributed(Dense)"
        assert wrapper.formula == inner.formula == f"{units} × ({features} + 1)"

    def test_time_distributed_conv2d(self):
        """TimeDistributed(Conv2D) counts the Conv2D on one frame."""
        explained(layers.TimeDistributed(layers.Conv2D(5, 3)), (4, 9, 9, 2))
