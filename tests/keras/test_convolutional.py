"""The rules of lstmdoc.keras.convolutional against real Keras."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from keras import layers

from tests._keras_models import (
    SIZES,
    SMALL,
    SWEEP,
    explained,
)


class TestConvolutions:
    @SWEEP
    @given(
        rank=st.sampled_from([1, 2]),
        filters=SIZES,
        group_channels=SMALL,
        groups=st.sampled_from([1, 1, 2, 3]),
        kernel=st.lists(st.integers(1, 3), min_size=2, max_size=2),
        bias=st.booleans(),
        channels_first=st.booleans(),
    )
    def test_convolutions_with_groups(
        self, rank, filters, group_channels, groups, kernel, bias, channels_first
    ):
        """Conv1D and Conv2D count filters × (window × channels / groups + 1)."""
        channels = group_channels * groups
        layer = getattr(
            layers, f"Conv{rank}D"
        )(
            filters * groups,  # Keras needs filters divisible by groups
            tuple(kernel[:rank]),
            groups=groups,
            use_bias=bias,
            padding="same",
            data_format="channels_first" if channels_first else "channels_last",
        )
        space = (5,) * rank
        explained(layer, (channels, *space) if channels_first else (*space, channels))

    @pytest.mark.parametrize("rank", [1, 2, 3])
    @pytest.mark.parametrize("bias", [True, False])
    def test_transposed_convolutions(self, rank, bias):
        """Conv1DTranspose to Conv3DTranspose count like their convolutions."""
        layer = getattr(layers, f"Conv{rank}DTranspose")(4, 3, use_bias=bias)
        explained(layer, (*(5,) * rank, 3))

    @SWEEP
    @given(
        rank=st.sampled_from([1, 2]),
        multiplier=SMALL,
        channels=SMALL,
        kernel=st.integers(1, 3),
        bias=st.booleans(),
        channels_first=st.booleans(),
    )
    def test_depthwise_convolutions(self, rank, multiplier, channels, kernel, bias, channels_first):
        """DepthwiseConv1D/2D count channels × depth_multiplier × (window + 1)."""
        layer = getattr(layers, f"DepthwiseConv{rank}D")(
            kernel,
            depth_multiplier=multiplier,
            use_bias=bias,
            data_format="channels_first" if channels_first else "channels_last",
        )
        space = (6,) * rank
        explained(layer, (channels, *space) if channels_first else (*space, channels))

    @SWEEP
    @given(
        rank=st.sampled_from([1, 2]),
        filters=SIZES,
        multiplier=SMALL,
        channels=SMALL,
        bias=st.booleans(),
    )
    def test_separable_convolutions(self, rank, filters, multiplier, channels, bias):
        """SeparableConv1D/2D: a depthwise window per channel, then a pointwise projection."""
        layer = getattr(layers, f"SeparableConv{rank}D")(
            filters, 3, depth_multiplier=multiplier, use_bias=bias
        )
        explained(layer, (*(6,) * rank, channels))

    @SWEEP
    @given(
        rank=st.sampled_from([1, 2]),
        filters=st.integers(1, 8),
        channels=SMALL,
        kernel=st.lists(st.integers(1, 3), min_size=2, max_size=2),
        bias=st.booleans(),
        channels_first=st.booleans(),
    )
    def test_conv_lstm(self, rank, filters, channels, kernel, bias, channels_first):
        """ConvLSTM1D and ConvLSTM2D count 4 × filters × (window × (channels + filters) + 1)."""
        layer = getattr(layers, f"ConvLSTM{rank}D")(
            filters,
            tuple(kernel[:rank]),
            use_bias=bias,
            padding="same",
            data_format="channels_first" if channels_first else "channels_last",
        )
        space = (4,) * rank
        explained(layer, (3, channels, *space) if channels_first else (3, *space, channels))


CELLS = st.sampled_from(["LSTMCell", "GRUCell", "SimpleRNNCell"])
