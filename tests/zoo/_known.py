"""What lstmdoc gets wrong on the zoo today: model -> check -> why, for each framework.

Each entry becomes a strict expected failure (``tests.zoo._harness.cases``): the run
stays green while lstmdoc fails the check for this reason, and fails as soon as a fix
makes the check pass. Remove the entry then. The reasons are issue 20's and issue 21's
findings, with the numbers the zoo measured. A file format lstmdoc does not read at
all is not listed here: its ``FileFormat(supported=False)`` marks every model's check.
"""

from __future__ import annotations

# --- Keras ----------------------------------------------------------------------------

KERAS_KNOWN: dict[str, dict[str, str]] = {
    "shared_dense": {
        "file-h5": "Keras 2's HDF5 format stores the shared Dense under the inner model and "
        "again at the top, and keras.saving.load_model builds two layers of 20 from it: "
        "lstmdoc counts the 40 the file holds, the live model holds 20",
    },
}


# --- PyTorch --------------------------------------------------------------------------

TORCH_KNOWN: dict[str, dict[str, str]] = {
    "wav2vec2": {
        "rules": "weight_norm's ParametrizedConv1d and its ParametrizationList (original0, "
        "original1) are sums of declared rows",
    },
    "quantized_lstm": {
        f"file-{suffix}": "refused: a quantized module's state_dict holds its packed weights "
        "as TorchScript objects, which torch.load(weights_only=True) does not build"
        for suffix in ("pt", "ckpt")
    },
}
