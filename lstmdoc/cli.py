"""The ``lstmdoc`` command line.

``lstmdoc count lstm --units 20 --features 1`` prints where an LSTM's 1,760
parameters come from. Counting imports no TensorFlow, so it answers at once.
``lstmdoc explain model.keras`` explains every layer of a saved model from the
file's configuration, without importing TensorFlow or Keras, and never runs code
stored in the file. ``lstmdoc explain model.pt`` explains a PyTorch ``state_dict``
from its tensors' names and shapes, read with ``torch.load(..., weights_only=True)``.
A bad argument prints one line on stderr and exits with status 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import NoReturn

import lstmdoc
from lstmdoc import counting, explaining

__all__ = ["main"]

USAGE_ERROR = 2

_LAYERS = {
    "lstm": ("LSTM", counting.lstm_param_breakdown),
    "gru": ("GRU", counting.gru_param_breakdown),
    "simple-rnn": ("SimpleRNN", counting.simple_rnn_param_breakdown),
    "dense": ("Dense", counting.dense_param_breakdown),
}


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line on stderr and exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(USAGE_ERROR, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


class _Version(argparse.Action):
    """Print lstmdoc's version, looked up only when asked (reading metadata is slow)."""

    def __call__(self, parser: argparse.ArgumentParser, *_args: object) -> None:
        print(f"lstmdoc {lstmdoc.__version__}")
        parser.exit()


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """Return the parser for ``lstmdoc``'s commands."""
    parser = _Parser(
        prog="lstmdoc",
        description="Explain where a Keras layer's parameter count comes from.",
    )
    parser.add_argument("--version", action=_Version, nargs=0, help="show the version and exit")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    count = commands.add_parser(
        "count",
        help="derive a layer's parameter count, weight by weight",
        description="Derive a Keras layer's parameter count, weight by weight.",
    )
    layers = count.add_subparsers(dest="layer", metavar="LAYER", required=True)
    for name, (keras_name, _) in _LAYERS.items():
        layer = layers.add_parser(
            name,
            help=f"keras.layers.{keras_name}",
            description=f"Derive the parameter count of keras.layers.{keras_name}(units).",
        )
        layer.add_argument(
            "--units", type=_positive_int, required=True, help="the layer's units (its output size)"
        )
        layer.add_argument(
            "--features",
            type=_positive_int,
            required=True,
            help="the size of the last axis of the layer's input",
        )
        layer.add_argument(
            "--no-bias", dest="use_bias", action="store_false", help="a layer with use_bias=False"
        )
        if name == "gru":
            layer.add_argument(
                "--no-reset-after",
                dest="reset_after",
                action="store_false",
                help="a GRU with reset_after=False (one bias vector instead of two)",
            )
        layer.add_argument("--json", action="store_true", help="print JSON for scripts")
    explain_command = commands.add_parser(
        "explain",
        help="explain every layer's parameter count in a saved .keras model or .pt state_dict",
        description=(
            "Explain the parameter count of every layer of a model saved with "
            "model.save('model.keras'), from the file's configuration. Neither TensorFlow "
            "nor Keras is imported, and nothing stored in the file is run: a custom class "
            "is listed with the count stored for it in the weights file (read with h5py, "
            "if installed). A PyTorch state_dict saved with torch.save(model.state_dict(), "
            "'model.pt') is explained from its tensors' names and shapes, read with "
            "torch.load(..., weights_only=True), which runs no pickled code; it needs "
            'PyTorch (pip install "lstmdoc[torch]").'
        ),
    )
    explain_command.add_argument(
        "file", metavar="FILE", help="a .keras file, or a .pt or .pth file holding a state_dict"
    )
    explain_command.add_argument("--json", action="store_true", help="print JSON for scripts")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default: ``sys.argv[1:]``); return the exit status."""
    arguments = build_parser().parse_args(argv)
    if arguments.command == "explain":
        return _explain(arguments.file, as_json=arguments.json)
    _, breakdown_function = _LAYERS[arguments.layer]
    options = {"use_bias": arguments.use_bias}
    if arguments.layer == "gru":
        options["reset_after"] = arguments.reset_after
    try:
        breakdown = breakdown_function(arguments.units, arguments.features, **options)
    except (TypeError, ValueError) as error:  # argparse checks first; this is a safety net
        print(f"lstmdoc count {arguments.layer}: error: {error}", file=sys.stderr)
        return USAGE_ERROR
    if arguments.json:
        text = json.dumps(breakdown.to_dict(), indent=2, ensure_ascii=False)
    else:
        text = str(breakdown)
    return _print(text)


def _explain(file: str, *, as_json: bool) -> int:
    """Run ``lstmdoc explain FILE``: print the report, or one line on stderr."""
    try:
        report = explaining.explain_file(file)
    except (TypeError, ValueError, ImportError) as error:
        message = " ".join(str(error).split())  # one line, whatever the file held
        print(f"lstmdoc explain: error: {message}", file=sys.stderr)
        return USAGE_ERROR
    return _print(report.to_json() if as_json else str(report))


def _print(text: str) -> int:
    try:
        print(text)
        sys.stdout.flush()
    except BrokenPipeError:  # `lstmdoc count ... | head -1`
        sys.stderr.close()
    return 0
