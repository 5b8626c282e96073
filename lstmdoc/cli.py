"""The ``lstmdoc`` command line.

``lstmdoc count lstm --units 20 --features 1`` prints where an LSTM's 1,760
parameters come from; ``lstmdoc count`` knows every layer family of
:mod:`lstmdoc.counting.families`, Keras' and PyTorch's, and takes each family's
arguments by the framework's own names. Counting imports no TensorFlow, so it
answers at once.
``lstmdoc explain model.keras`` explains every layer of a saved model from the
file's configuration, without importing TensorFlow or Keras, and never runs code
stored in the file. ``lstmdoc explain model.pt`` explains a PyTorch ``state_dict``
from its tensors' names and shapes, read with ``torch.load(..., weights_only=True)``.
A bad argument prints one line on stderr and exits with status 2.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

import lstmdoc
from lstmdoc import _checks, counting, explaining
from lstmdoc.counting.family import Argument, Family
from lstmdoc.report.presentation import COLUMNS
from lstmdoc.report.text import terminal_width

__all__ = ["main"]

USAGE_ERROR = 2


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line on stderr and exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(USAGE_ERROR, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


class _Version(argparse.Action):
    """Print lstmdoc's version, looked up only when asked (reading metadata is slow)."""

    def __call__(self, parser: argparse.ArgumentParser, *_args: object) -> None:
        print(f"lstmdoc {lstmdoc.__version__}")
        parser.exit()


def _size(name: str, minimum: int) -> Any:
    """An argparse type: a whole number, checked by lstmdoc's one check of sizes."""

    def size(text: str) -> int:
        value: int | str = text  # not a number: the check names what was typed
        with contextlib.suppress(ValueError):
            value = int(text)
        try:
            return _checks.size(name, value, minimum=minimum)
        except (TypeError, ValueError) as error:
            raise argparse.ArgumentTypeError(str(error)) from None

    return size


def _add_family(layers: Any, family: Family) -> None:
    """A ``lstmdoc count`` subcommand for one family, its options the family's arguments."""
    layer = layers.add_parser(
        family.key,
        help=family.summary,
        description=f"Derive the parameter count of {family.summary}, weight by weight.",
    )
    for argument in family.arguments:
        _add_argument(layer, argument)
    layer.add_argument("--json", action="store_true", help="print JSON for scripts")


def _add_argument(layer: argparse.ArgumentParser, argument: Argument) -> None:
    if argument.kind == "flag":
        switch = argument.switch or "--" + argument.name.replace("_", "-")
        action = "store_false" if argument.default else "store_true"
        meaning = (
            f"{argument.name}=False (True: {argument.help})"
            if argument.default
            else f"{argument.name}=True: {argument.help}"
        )
        layer.add_argument(switch, dest=argument.name, action=action, help=meaning)
        return
    default = argument.default
    required = default is None
    note = (
        ""
        if required
        else f" (default: {'the same as ' if isinstance(default, str) else ''}{default})"
    )
    layer.add_argument(
        "--" + argument.name.replace("_", "-"),
        dest=argument.name,
        type=_size(argument.name, argument.minimum if argument.kind == "size" else 1),
        nargs="+" if argument.kind == "sizes" else None,
        required=required,
        default=None,
        metavar="N",
        help=argument.help + note,
    )


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
        description=(
            "Derive a Keras layer's or a PyTorch module's parameter count, weight by weight. "
            "PyTorch's modules are the families named torch-..."
        ),
    )
    layers = count.add_subparsers(dest="layer", metavar="LAYER", required=True)
    for family in counting.FAMILIES.values():
        _add_family(layers, family)
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
    explain_command.add_argument(
        "--json", action="store_true", help="print JSON for scripts: every row and column"
    )
    fit = explain_command.add_mutually_exclusive_group()
    fit.add_argument(
        "--wide",
        action="store_true",
        help="print every column and every cell whole, however wide (default: fit the "
        "terminal, COLUMNS or 80)",
    )
    fit.add_argument(
        "--width", type=_size("width", 20), metavar="N", help="fit the table in N columns"
    )
    explain_command.add_argument(
        "--depth",
        type=_size("depth", 0),
        metavar="N",
        help="fold the layers nested deeper than N into the layer that holds them "
        "(0: the model's own layers only)",
    )
    explain_command.add_argument(
        "--columns",
        metavar="NAMES",
        help=f"the columns to show, separated by commas, of: {', '.join(COLUMNS)}",
    )
    explain_command.add_argument(
        "--sort",
        choices=["params"],
        help="params: where the parameters go, every layer that holds weights itself, "
        "largest first",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default: ``sys.argv[1:]``); return the exit status."""
    arguments = build_parser().parse_args(argv)
    if arguments.command == "explain":
        return _explain(arguments)
    family = counting.FAMILIES[arguments.layer]
    given = {
        argument.name: getattr(arguments, argument.name)
        for argument in family.arguments
        if getattr(arguments, argument.name) is not None
    }
    try:
        breakdown = counting.breakdown(family, **given)
    except (TypeError, ValueError) as error:  # arguments that do not fit together
        print(f"lstmdoc count {arguments.layer}: error: {error}", file=sys.stderr)
        return USAGE_ERROR
    if arguments.json:
        text = json.dumps(breakdown.to_dict(), indent=2, ensure_ascii=False)
    else:
        # The multiply-adds beside the count, for the steps or positions given.
        text = "\n".join(filter(None, [str(breakdown), breakdown.cost_line, breakdown.saved_line]))
    return _print(text)


def _explain(arguments: argparse.Namespace) -> int:
    """Run ``lstmdoc explain FILE``: print the report, or one line on stderr."""
    try:
        columns = None if arguments.columns is None else arguments.columns.split(",")
        report = explaining.explain_file(arguments.file)
        if arguments.depth is not None:
            report = report.folded(arguments.depth)
        if arguments.sort == "params":
            report = report.largest()
        if arguments.json:
            return _print(report.to_json())
        width = arguments.width or (None if arguments.wide else terminal_width())
        return _print(report.text(width, columns=columns, wide=arguments.wide))
    except (TypeError, ValueError, ImportError) as error:
        return _refuse(str(error))
    except (OSError, MemoryError, RecursionError) as error:  # a file that defeats a bound
        return _refuse(f"{arguments.file} could not be read: {type(error).__name__}: {error}")


def _refuse(message: str) -> int:
    """One line on stderr, whatever the file held, and the usage error's status."""
    text = _checks.shown(" ".join(message.split()))
    print(f"lstmdoc explain: error: {text}", file=sys.stderr)
    return USAGE_ERROR


def _print(text: str) -> int:
    try:
        print(text)
        sys.stdout.flush()
    except BrokenPipeError:  # `lstmdoc count ... | head -1`
        sys.stderr.close()
    return 0
