"""What the families' mult-adds share: the sizes they are counted over, and their wording.

A family's parameter count depends on its sizes alone; its multiply-adds depend on
its input too: the time steps a recurrent layer runs, the positions a kernel is
applied at. Each is an argument with a default of 1, so ``lstmdoc count`` gives
the count without them, and the mult-adds of one step or position.
"""

from __future__ import annotations

from lstmdoc.counting.family import Argument, Template

__all__ = [
    "AT_OUTPUT_POSITIONS",
    "FOR_LENGTHS",
    "FOR_STEPS",
    "LENGTHS",
    "POSITIONS_TIMES",
    "STEPS_TIMES",
    "ZERO",
    "positions",
    "steps",
]

ZERO = Template("0")
"""The mult-adds of a family that computes no matrix product: a lookup, a normalization."""

STEPS_TIMES = "{'' if steps == 1 else str(steps) + ' × '}"
"""``20 × `` before a formula for 20 steps; nothing for one."""

POSITIONS_TIMES = "{'' if positions == 1 else str(positions) + ' × '}"
"""``100 × `` before a formula for 100 positions; nothing for one."""

FOR_STEPS = "for {steps} time step{'' if steps == 1 else 's'}"
"""What a recurrent layer's figure is for."""

AT_OUTPUT_POSITIONS = Template("at {positions} output position{'' if positions == 1 else 's'}")
"""What a convolution's figure is for."""


def steps(help_text: str = "time steps") -> Argument:
    """The time steps a recurrent layer runs, which its count does not depend on."""
    return Argument(
        "steps",
        default=1,
        help=f"{help_text}, for the mult-adds (the count does not depend on them)",
    )


def positions(help_text: str) -> Argument:
    """The positions a kernel is applied at, described by ``help_text``."""
    return Argument("positions", default=1, help=f"{help_text}, for the mult-adds")


LENGTHS = (
    Argument("query_length", default=1, help="the query's positions, for the mult-adds"),
    Argument(
        "key_length",
        default="query_length",
        help="the key's and value's positions, for the mult-adds",
    ),
)
"""The lengths attention is computed over: each query position against each key position."""

FOR_LENGTHS = Template(
    "for a query of {query_length} position{'' if query_length == 1 else 's'} and a key "
    "of {key_length}"
)
"""What an attention layer's figure is for."""
