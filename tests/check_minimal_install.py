"""Check, in an environment with lstmdoc's wheel and NumPy alone, that lstmdoc works.

Run by ``nox -s minimal``; exits non-zero with a message if anything is wrong.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import sys

if importlib.util.find_spec("tensorflow") is not None:
    sys.exit("this check must run where TensorFlow is not installed")
installed = {dist.metadata["Name"].lower() for dist in importlib.metadata.distributions()}
if installed - {"pip", "setuptools", "wheel"} != {"lstmdoc", "numpy"}:
    sys.exit(f"this check must run with lstmdoc and NumPy alone, found {sorted(installed)}")

from pathlib import Path

import lstmdoc

# The installed wheel, not the source tree beside this script.
assert "site-packages" in Path(lstmdoc.__file__).parts, lstmdoc.__file__
assert lstmdoc.__version__ == importlib.metadata.version("lstmdoc")

# A saved model is explained from its config.json alone: no TensorFlow, no Keras, and
# here no h5py to read Keras' stored counts with, and not even NumPy.
report = lstmdoc.explain_file(Path(__file__).parent / "data" / "tutorial.keras")
assert [row.formula for row in report.rows] == ["4 × 20 × (1 + 20 + 1)", "20 × (20 + 1)"]
assert report.derived_params == 2180
assert report.total_params is None
assert any("h5py is not installed" in note for note in report.notes), report.notes
assert not any(name.split(".")[0] in {"numpy", "h5py"} for name in sys.modules)

import numpy as np

assert lstmdoc.lstm_param_count(20, 1) == 4 * 20 * (1 + 20 + 1)
gates = lstmdoc.split_lstm_weights(np.zeros((1, 8)), np.zeros((2, 8)), np.zeros(8))
assert [gate.name for gate in gates] == ["i", "f", "c", "o"]
output = lstmdoc.lstm_forward(np.ones((1, 3, 1)), *gates.join())
assert output.shape == (1, 2)
assert not any(name.split(".")[0] in {"tensorflow", "keras"} for name in sys.modules)

# A PyTorch file without PyTorch: one line that says how to install it, and status 2.
import contextlib
import io
import tempfile

from lstmdoc.cli import main

with tempfile.TemporaryDirectory() as folder:
    checkpoint = Path(folder) / "model.pt"
    checkpoint.write_bytes(b"")
    errors = io.StringIO()
    with contextlib.redirect_stderr(errors):
        status = main(["explain", str(checkpoint)])
assert status == 2, status
assert errors.getvalue().count("\n") == 1, errors.getvalue()
assert 'pip install "lstmdoc[torch]"' in errors.getvalue(), errors.getvalue()
print(f"lstmdoc {lstmdoc.__version__} works with NumPy {np.__version__} alone")
