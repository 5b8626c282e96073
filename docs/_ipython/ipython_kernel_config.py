"""IPython kernel settings for the notebooks that Sphinx executes.

conf.py copies this file into the profile of a private IPYTHONDIR under
docs/_build, so only the kernels of the docs build read it.
"""

c = get_config()  # noqa: F821  (IPython defines get_config in config files)

# TensorFlow writes start-up lines with C++ logging straight to file descriptor 2,
# whatever its environment variables say. By default ipykernel captures that
# descriptor and forwards it into the notebook as stderr, which would put log noise
# on a page, or fail the build. Without the capture, that noise goes to the build's
# terminal, while Python's own sys.stderr (warnings, tracebacks, prints) still
# reaches the cell, where conf.py makes any of it fail the build.
c.IPKernelApp.capture_fd_output = False

# Pages are built from scratch; a command history would only be written and never read.
c.HistoryManager.enabled = False

# PNG at 110 dots per inch: sharp on a phone, and a third of the bytes of "retina"
# (twice the density), which made the figure-heavy pages too slow for Lighthouse's
# mobile budget. Pillow's optimiser shrinks each file further, losslessly.
# PNG bytes are identical from build to build.
c.InlineBackend.figure_formats = {"png"}
c.InlineBackend.rc = {"figure.dpi": 110}
c.InlineBackend.print_figure_kwargs = {"bbox_inches": "tight", "pil_kwargs": {"optimize": True}}

# ipykernel sends what a cell prints in chunks, one every 0.2 s while the cell runs.
# MyST-NB joins a stream's chunks with rstrip() + "\n" (coalesce_streams in
# myst_nb/core/utils.py), which adds a blank line wherever a chunk began with the
# newline that ends a print: the blank lines in an output depended on how fast the
# build machine ran. With an interval longer than any cell, ipykernel sends each
# cell's output in one chunk, when the cell ends (it flushes before replying).
from ipykernel.iostream import OutStream

OutStream.flush_interval = 3600.0
