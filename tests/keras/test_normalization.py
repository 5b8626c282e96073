"""The rules of lstmdoc.keras.normalization (and preprocessing, activations) against real Keras."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from keras import layers

import lstmdoc
from tests._keras_models import (
    SIZES,
    SMALL,
    SWEEP,
    explained,
    model_of,
)


class TestNormalization:
    @SWEEP
    @given(
        sizes=st.lists(SIZES, min_size=1, max_size=3),
        two_axes=st.booleans(),
        center=st.booleans(),
        scale=st.booleans(),
    )
    def test_layer_normalization(self, sizes, two_axes, center, scale):
        """LayerNormalization counts gamma and beta over the normalised axes."""
        axis = [-2, -1] if two_axes and len(sizes) >= 2 else -1
        layer = layers.LayerNormalization(axis=axis, center=center, scale=scale or not center)
        explained(layer, tuple(sizes))

    @pytest.mark.parametrize("center", [True, False])
    def test_layer_normalization_with_rms_scaling_has_gamma_only(self, center):
        """The deprecated rms_scaling=True keeps gamma and drops beta, even with center."""
        with pytest.warns(UserWarning, match="rms_scaling"):
            layer = layers.LayerNormalization(center=center, rms_scaling=True)
        (row,) = explained(layer, (4, 6))
        assert row.formula == "6"

    @SWEEP
    @given(
        channels=SIZES,
        leading=st.lists(SMALL, max_size=2),
        center=st.booleans(),
        scale=st.booleans(),
        renorm=st.booleans(),
        channels_first=st.booleans(),
        frozen=st.booleans(),
    )
    def test_batch_normalization(
        self, channels, leading, center, scale, renorm, channels_first, frozen
    ):
        """BatchNormalization: gamma and beta trainable unless frozen, the statistics never."""
        axis = 1 if channels_first else -1
        shape = (channels, *leading) if channels_first else (*leading, channels)
        layer = layers.BatchNormalization(axis=axis, center=center, scale=scale, renorm=renorm)
        layer.trainable = not frozen
        (row,) = explained(layer, shape)
        learned = (int(center) + int(scale)) * channels
        assert row.trainable_params == (0 if frozen else learned)
        assert row.non_trainable_params == (2 + 3 * int(renorm)) * channels + (
            learned if frozen else 0
        )

    def test_batch_normalization_shows_two_trainable_and_two_statistics(self):
        """BatchNormalization on 64 channels reads 2 × 64 + 2 × 64: 128 trainable, 128 not."""
        (row,) = explained(layers.BatchNormalization(), (10, 64))
        assert row.formula == "2 × 64 + 2 × 64"
        assert (row.trainable_params, row.non_trainable_params) == (128, 128)
        assert [weight.name for weight in row.weights] == [
            "gamma",
            "beta",
            "moving_mean",
            "moving_variance",
        ]

    @SWEEP
    @given(group_size=SMALL, groups=SMALL, center=st.booleans(), scale=st.booleans())
    def test_group_normalization(self, group_size, groups, center, scale):
        """GroupNormalization: gamma and beta per channel, whatever the number of groups."""
        layer = layers.GroupNormalization(groups=groups, center=center, scale=scale or not center)
        explained(layer, (5, group_size * groups))

    @SWEEP
    @given(sizes=st.lists(SIZES, min_size=1, max_size=3), two_axes=st.booleans())
    def test_rms_normalization(self, sizes, two_axes):
        """RMSNormalization: one scale over the normalised axes."""
        axis = [-2, -1] if two_axes and len(sizes) >= 2 else -1
        explained(layers.RMSNormalization(axis=axis), tuple(sizes))

    @SWEEP
    @given(sizes=st.lists(SIZES, min_size=1, max_size=3), axes=st.sampled_from([-1, None, (1, -1)]))
    def test_normalization_statistics_are_not_trainable(self, sizes, axes):
        """Normalization keeps a mean and a variance per kept axis, and a count: none trainable."""
        if axes == (1, -1) and len(sizes) < 2:
            axes = -1
        (row,) = explained(layers.Normalization(axis=axes), tuple(sizes))
        assert row.trainable_params == 0
        assert [weight.name for weight in row.weights] == ["mean", "variance", "count"]

    def test_normalization_with_a_given_mean_has_no_weights(self):
        """With mean and variance given, Normalization holds constants, not weights."""
        model = model_of(layers.Normalization(mean=2.0, variance=4.0), (3,))
        report = lstmdoc.explain(model)
        assert model.count_params() == report.derived_params == 0

    @pytest.mark.parametrize("wrapped", ["Dense", "Conv2D", "Embedding"])
    def test_spectral_normalization_keeps_a_vector(self, wrapped):
        """SpectralNormalization adds a non-trainable vector as long as the kernel's last axis."""
        inner, shape, dtype = {
            "Dense": (layers.Dense(5), (4,), None),
            "Conv2D": (layers.Conv2D(5, 3), (6, 6, 2), None),
            "Embedding": (layers.Embedding(30, 5), (3,), "int32"),
        }[wrapped]
        outer, inner_row = explained(layers.SpectralNormalization(inner), shape, dtype=dtype)
        assert outer.non_trainable_params == 5
        assert outer.formula == f"{inner_row.formula} + 5"

    @SWEEP
    @given(sizes=st.lists(SMALL, min_size=1, max_size=3), data=st.data())
    def test_prelu_shared_axes(self, sizes, data):
        """PReLU learns one alpha per input value, shared along shared_axes."""
        shared = data.draw(st.lists(st.integers(1, len(sizes)), unique=True, max_size=len(sizes)))
        explained(layers.PReLU(shared_axes=shared or None), tuple(sizes))

    @pytest.mark.parametrize("mode", ["log", "real", "imag", "magnitude"])
    def test_stft_spectrogram(self, mode):
        """STFTSpectrogram's kernels are frame_length × (fft_length / 2 + 1) each."""
        layer = layers.STFTSpectrogram(mode=mode, frame_length=6, window=None)
        (row,) = explained(layer, (40, 1))
        assert row.formula == f"{1 if mode in ('real', 'imag') else 2} × 6 × 5"
