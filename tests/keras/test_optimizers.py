"""lstmdoc.keras.optimizers against the variables real Keras optimizers keep."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from keras import layers

import lstmdoc
from tests._formulas import evaluate
from tests._keras_models import (
    known,
    size,
)

OPTIMIZERS = {
    "Adam": keras.optimizers.Adam,
    "Adam amsgrad": lambda: keras.optimizers.Adam(amsgrad=True),
    "Adam schedule": lambda: keras.optimizers.Adam(
        keras.optimizers.schedules.ExponentialDecay(0.1, 10, 0.9)
    ),
    "Adam ema": lambda: keras.optimizers.Adam(use_ema=True),
    "Adam accumulation": lambda: keras.optimizers.Adam(gradient_accumulation_steps=2),
    "AdamW": keras.optimizers.AdamW,
    "Adamax": keras.optimizers.Adamax,
    "Nadam": keras.optimizers.Nadam,
    "SGD": keras.optimizers.SGD,
    "SGD momentum": lambda: keras.optimizers.SGD(momentum=0.9),
    "RMSprop": keras.optimizers.RMSprop,
    "RMSprop centered momentum": lambda: keras.optimizers.RMSprop(momentum=0.5, centered=True),
    "Adagrad": keras.optimizers.Adagrad,
    "Adadelta": keras.optimizers.Adadelta,
    "Ftrl": keras.optimizers.Ftrl,
    "Lion": keras.optimizers.Lion,
    "Lamb": keras.optimizers.Lamb,
    "LossScaleOptimizer": lambda: keras.optimizers.LossScaleOptimizer(keras.optimizers.Adam()),
}


def compiled_model(optimizer) -> keras.Model:
    """A model with trainable and non-trainable weights, its optimizer built."""
    model = keras.Sequential(
        [keras.Input(shape=(3,)), layers.Dense(4), layers.BatchNormalization(), layers.Dense(1)]
    )
    model.compile(optimizer=optimizer, loss="mse")
    model.optimizer.build(model.trainable_variables)
    return model


class TestOptimizers:
    @pytest.mark.parametrize("name", sorted(OPTIMIZERS))
    def test_optimizer_params_are_keras_optimizer_params(self, name):
        """Each optimizer's variables are derived from its config and the trainable count."""
        model = compiled_model(OPTIMIZERS[name]())
        optimizer = lstmdoc.explain(model).optimizer
        assert optimizer is not None
        assert optimizer.framework_params == size(model.optimizer.variables)
        assert optimizer.params == optimizer.framework_params, optimizer
        assert evaluate(str(optimizer.formula)) == optimizer.params
        assert optimizer.check == "ok"

    def test_adam_is_two_slots_per_trainable_parameter_and_two_scalars(self):
        """Adam's 'Optimizer params' are 2 × trainable + 2 (iteration and learning_rate)."""
        model = compiled_model("adam")
        report = lstmdoc.explain(model)
        optimizer = report.optimizer
        assert optimizer is not None
        assert optimizer.formula == f"2 × {report.trainable_params} + 2"
        assert "(momentum, velocity)" in optimizer.explanation
        assert "2 scalars (iteration, learning_rate)" in optimizer.explanation

    def test_a_learning_rate_schedule_keeps_no_variable(self):
        """With a LearningRateSchedule, Adam keeps iteration alone: 2 × trainable + 1."""
        schedule = keras.optimizers.schedules.ExponentialDecay(0.1, 10, 0.9)
        model = compiled_model(keras.optimizers.Adam(schedule))
        report = lstmdoc.explain(model)
        optimizer = report.optimizer
        assert optimizer is not None
        assert optimizer.formula == f"2 × {report.trainable_params} + 1"
        assert optimizer.params == size(model.optimizer.variables)
        assert "1 scalar (iteration)" in optimizer.explanation
        assert "schedule" in optimizer.explanation

    def test_keras_summary_prints_the_same_optimizer_count(self):
        """model.summary()'s "Optimizer params" line shows the count lstmdoc derives."""
        model = compiled_model("adam")
        model.fit(np.zeros((4, 3)), np.zeros((4, 1)), verbose=0)
        lines = []
        model.summary(print_fn=lambda line, *_args, **_kwargs: lines.append(line))
        summary = "\n".join(lines)
        optimizer = lstmdoc.explain(model).optimizer
        assert optimizer is not None
        params = known(optimizer.params)
        assert f"Optimizer params: {params:,}" in summary.replace("\x1b[1m", "").replace(
            "\x1b[0m", ""
        )

    def test_an_unbuilt_optimizer_is_not_reported(self):
        """A compiled model whose optimizer never built has no optimizer line, as in Keras."""
        model = keras.Sequential([keras.Input(shape=(3,)), layers.Dense(1)])
        model.compile(optimizer="adam", loss="mse")
        assert lstmdoc.explain(model).optimizer is None

    def test_an_optimizer_without_a_rule(self):
        """Adafactor's factored slots have no rule: listed with Keras' count, not derived."""
        model = compiled_model(keras.optimizers.Adafactor())
        optimizer = lstmdoc.explain(model).optimizer
        assert optimizer is not None
        assert (optimizer.params, optimizer.check) == (None, "not derived")
        assert optimizer.framework_params == size(model.optimizer.variables)
