"""Input checks shared by the public functions.

Every check raises before any work is done, and its message names the argument,
what it got and what it expected, so a reader never meets an IndexError from deep
inside NumPy.

NumPy is imported only by the checks that make arrays: a value can only be a NumPy
object if NumPy is imported already, so the others look it up in ``sys.modules``,
and counting and explaining a saved file stay free of NumPy's import time.
"""

from __future__ import annotations

import numbers
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray


def describe(value: Any) -> str:
    """Return a short description of ``value`` for an error message."""
    numpy = sys.modules.get("numpy")
    if numpy is not None and isinstance(value, numpy.ndarray):
        return f"an array of shape {value.shape}"
    text = repr(value)
    if len(text) > 40:
        text = text[:37] + "..."
    return f"{text} ({type(value).__name__})"


def is_torch_module(value: Any) -> bool:
    """Whether ``value`` is a ``torch.nn.Module``, without importing PyTorch.

    A module can only exist where PyTorch is imported already, so this looks
    ``torch`` up in ``sys.modules`` and imports nothing.
    """
    nn = getattr(sys.modules.get("torch"), "nn", None)
    return nn is not None and isinstance(value, nn.Module)


def size(name: str, value: Any, *, minimum: int = 1) -> int:
    """Return ``value`` as an ``int`` if it is a whole number of at least ``minimum``, else raise.

    The one check of every size lstmdoc takes, by the framework's own name for it
    (``units``, ``in_features``, ``proj_size`` ...). Booleans, floats (even ``2.0``),
    strings and ``None`` are refused with a ``TypeError``; a number below
    ``minimum`` with a ``ValueError``.
    """
    expected = (
        "a positive integer"
        if minimum == 1
        else ("a non-negative integer" if minimum == 0 else f"an integer of at least {minimum}")
    )
    if _is_bool(value) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be {expected}, got {describe(value)}")
    if value < minimum:
        bound = " (1 or more)" if minimum == 1 else ""
        raise ValueError(f"{name} must be {expected}{bound}, got {int(value)}")
    return int(value)


def positive_int(name: str, value: Any) -> int:
    """Return ``value`` as an ``int`` if it is a positive integer, else raise (see :func:`size`)."""
    return size(name, value)


def sizes(name: str, value: Any, *, length: int = 0) -> tuple[int, ...]:
    """Return ``value`` as a tuple of positive sizes, such as a kernel's ``(3, 3)``.

    One size stands for all ``length`` of them, as Keras reads ``kernel_size=3``.
    ``length`` 0 takes any number of sizes, at least one.
    """
    if _is_bool(value) or isinstance(value, numbers.Integral):
        value = (value,) * max(length, 1)
    if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)):
        raise TypeError(f"{name} must be a size or a tuple of sizes, got {describe(value)}")
    if length and len(value) == 1:
        value = tuple(value) * length
    if not value or (length and len(value) != length):
        wanted = f"{length} sizes" if length else "at least one size"
        raise ValueError(f"{name} must have {wanted}, got {len(value)}")
    return tuple(size(f"{name}[{index}]", item) for index, item in enumerate(value))


def flag(name: str, value: Any) -> bool:
    """Return ``value`` if it is a bool, else raise ``TypeError``."""
    if not _is_bool(value):
        raise TypeError(f"{name} must be True or False, got {describe(value)}")
    return bool(value)


def float_array(name: str, value: Any, *, ndim: int) -> NDArray[np.floating[Any]]:
    """Return ``value`` as a floating-point array with ``ndim`` dimensions, else raise.

    Float32 input stays float32 and float64 stays float64; integer input becomes
    float64. Non-numeric input raises ``TypeError``; the wrong rank ``ValueError``.
    """
    import numpy as np  # noqa: PLC0415  (only the checks that make arrays need NumPy)

    if value is None or isinstance(value, (str, bytes)):
        raise TypeError(f"{name} must be a {ndim}-D numeric array, got {describe(value)}")
    try:
        array = np.asarray(value)
    except (TypeError, ValueError) as error:  # ragged nested lists, for example
        raise TypeError(f"{name} must be a {ndim}-D numeric array: {error}") from None
    if array.dtype.kind in "biu":
        array = array.astype(np.float64)
    elif array.dtype.kind != "f":
        raise TypeError(
            f"{name} must be a {ndim}-D numeric array, got an array of dtype {array.dtype}"
        )
    if array.ndim != ndim:
        raise ValueError(
            f"{name} must be {ndim}-D, got an array of shape {array.shape} ({array.ndim}-D)"
        )
    return array


def sequence_input(value: Any, *, features: int) -> NDArray[np.float64]:
    """Return ``x`` as a float64 ``(batch, timesteps, features)`` array, else raise.

    ``features`` is what the kernel expects; at least one sample and one step are needed.
    """
    x = float_array("x", value, ndim=3)
    if x.shape[2] != features:
        raise ValueError(
            f"x must have shape (batch, timesteps, {features}) to match the kernel's "
            f"{features} features, got {x.shape}"
        )
    if x.shape[0] == 0 or x.shape[1] == 0:
        raise ValueError(f"x must have at least one sample and one time step, got {x.shape}")
    return x.astype("float64")


def first_line(error: BaseException | str, *, limit: int = 300) -> str:
    """The first line of an error's message, cut to ``limit`` characters, for a one-line report."""
    lines = str(error).strip().splitlines()
    text = (
        lines[0].strip() if lines else (error if isinstance(error, str) else type(error).__name__)
    )
    return text if len(text) <= limit else text[: limit - 3] + "..."


def shown(text: str) -> str:
    """``text`` safe to print: control characters, escapes and bidi overrides written out.

    A name read from a file can hold an escape sequence that clears a terminal or
    retitles its window, a carriage return that overwrites the line, or a
    right-to-left override that makes it read backwards. Each such character
    (Unicode's control, format and separator categories) is shown as Python writes
    it, ``\\x1b`` or ``\\u202e``; everything else is left as it is.
    """
    if text.isprintable():
        return text  # the common case, at C speed
    return "".join(
        character if character.isprintable() or character == " " else _escaped(character)
        for character in text
    )


def _escaped(character: str) -> str:
    code = ord(character)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def _is_bool(value: Any) -> bool:
    numpy = sys.modules.get("numpy")
    return isinstance(value, bool) or (numpy is not None and isinstance(value, numpy.bool_))
