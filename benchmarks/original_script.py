"""The classic experiment as readers first wrote it: 1,500 epochs of one sample.

This is the baseline that ``nox -s bench`` times against a cold build of the whole
site: the site trains the same model, with the same 1,500 optimiser steps, and more.
"""

import keras
import numpy as np

sequence = np.arange(0, 400, 20, dtype="float32")
x = sequence.reshape(1, 20, 1)
y = sequence.reshape(1, 20)

keras.utils.set_random_seed(0)
model = keras.Sequential(
    [
        keras.Input(shape=(20, 1)),
        keras.layers.LSTM(20, activation="relu"),
        keras.layers.Dense(20),
    ]
)
model.compile(optimizer="adam", loss="mse")
model.fit(x, y, epochs=1500, batch_size=1, verbose=0)
print(f"final loss {model.evaluate(x, y, verbose=0):.3f}")
