"""Kernels that start with TensorFlow already imported: the build's pages fork from one process.

Every page is a notebook executed in a kernel of its own, and most import TensorFlow
and Keras, which takes seconds of CPU each time: on two cores, more than a third of a
cold build went into importing the same modules over and over. So the build keeps
one server process that imports them once (:data:`WARM`), and every page's kernel is
a ``fork()`` of it: a fresh process, with nothing of any other page, whose
``import tensorflow`` finds the module loaded already.

How a kernel starts. The build points ``JUPYTER_PATH`` at a kernel spec ``python3`` of
its own, whose command is this file's ``launch``: a small process that jupyter_client
starts, signals and waits for, as it would a kernel. It asks the server, over a Unix
socket, to fork a kernel with its connection file, working folder and environment;
the child becomes an ipykernel (``IPKernelApp``) in that folder and environment. The
launcher passes on SIGINT (an interrupt) and SIGTERM to the child, and exits when the
server reports the child's exit. A child whose launcher is gone (killed) stops itself.

A fork is safe here because the server has run nothing: importing TensorFlow starts
no thread, and its thread pools are made at the first operation, in the child. The
results are those of a fresh kernel: each page seeds what it uses, and the kernels of
the build share ``PYTHONHASHSEED=0`` whichever way they start.

If the server cannot be reached (it failed to start, or is not running), the launcher
replaces itself with a plain kernel, ``python -m ipykernel_launcher``: slower, never
wrong. Only the build uses these kernels: a reader's session and the site's tests start
plain ones.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import sys
import time
from pathlib import Path
from typing import Any, NoReturn

WARM = (
    "numpy",
    "tensorflow",
    "keras",
    "keras.layers",
    "keras.models",
    "ipykernel.kernelapp",
    "lstmdoc",
    "lstmdoc.example",
    "lstmdoc.explaining",
    "lstmdoc.keras.live",
)
"""What the server imports once for every kernel (not Matplotlib's pyplot: each kernel
picks its own backend, the inline one, when a page first imports it)."""

SOCKET_VARIABLE = "LSTMDOC_KERNEL_SERVER"
"""The environment variable that holds the server's socket path, for the launchers."""

_WAIT_FOR_SERVER = 120.0  # seconds: the server's imports, on a busy machine


# --- the launcher: what jupyter_client starts as the kernel ---------------------------


def launch(connection_file: str) -> None:
    """Be a kernel for jupyter_client: have the server fork one, or become a plain one."""
    connection = _connect(os.environ.get(SOCKET_VARIABLE, ""))
    if connection is None:
        _plain_kernel(connection_file)
    request = {
        "connection_file": connection_file,
        "cwd": str(Path.cwd()),
        "env": dict(os.environ),
        "launcher": os.getpid(),
    }
    connection.sendall(json.dumps(request).encode() + b"\n")
    reader = connection.makefile("r")
    child = int(reader.readline() or 0)
    if not child:
        _plain_kernel(connection_file)

    def relay(number: int, _frame: Any) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(child, number)

    signal.signal(signal.SIGINT, relay)
    signal.signal(signal.SIGTERM, relay)
    status = reader.readline()  # the server writes the child's exit status when it ends
    sys.exit(int(status or 1))


def _connect(path: str) -> socket.socket | None:
    """A connection to the server at ``path``, waiting while it imports; ``None`` if none."""
    if not path:
        return None
    deadline = time.monotonic() + _WAIT_FOR_SERVER
    pid_file = Path(path).with_suffix(".pid")
    while time.monotonic() < deadline:
        connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            connection.connect(path)
        except OSError:
            connection.close()
            if not _alive(pid_file):
                return None
            time.sleep(0.05)
            continue
        return connection
    return None


def _alive(pid_file: Path) -> bool:
    """Whether the server whose pid ``pid_file`` holds is still running."""
    try:
        os.kill(int(pid_file.read_text()), 0)
    except (OSError, ValueError):
        return False
    return True


def _plain_kernel(connection_file: str) -> NoReturn:
    os.execv(sys.executable, [sys.executable, "-m", "ipykernel_launcher", "-f", connection_file])


# --- the server: imports once, forks a kernel per request ------------------------------


def serve(path: str) -> None:
    """Import :data:`WARM`, then fork a kernel for each launcher that connects to ``path``."""
    import importlib  # noqa: PLC0415
    import selectors  # noqa: PLC0415

    # What ipykernel sets before a page's code runs, so before anything imports
    # Matplotlib (TensorFlow does): Matplotlib reads its backend when first imported.
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    for name in WARM:
        importlib.import_module(name)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path + ".new")
    listener.listen(16)
    Path(path + ".new").replace(path)  # launchers connect only once the imports are done
    # Stopped, it leaves at once: its kernels have ended, and Python's shutdown, with
    # TensorFlow loaded, would keep the build waiting most of a second.
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    waiting: dict[int, socket.socket] = {}  # each child's launcher, told when it ends
    selector = selectors.DefaultSelector()
    selector.register(listener, selectors.EVENT_READ)
    while True:
        for _key, _events in selector.select(timeout=0.05):
            connection, _ = listener.accept()
            try:
                request = json.loads(connection.makefile("r").readline())
            except ValueError:  # a launcher gone before it asked: it starts no kernel
                connection.close()
                continue
            child = os.fork()
            if child == 0:
                selector.close()
                listener.close()
                for other in waiting.values():
                    other.close()
                _become_kernel(request, connection)
            waiting[child] = connection
            connection.sendall(f"{child}\n".encode())
        _reap(waiting)


def _reap(waiting: dict[int, socket.socket]) -> None:
    """Tell the launcher of each child that has ended how it ended."""
    while waiting:
        try:
            child, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if child == 0:
            return
        connection = waiting.pop(child, None)
        if connection is not None:
            with contextlib.suppress(OSError):
                connection.sendall(f"{os.waitstatus_to_exitcode(status)}\n".encode())
            connection.close()


def _become_kernel(request: dict[str, Any], connection: socket.socket) -> None:
    """In the forked child: take the launcher's folder and environment, and run a kernel."""
    launcher = int(request["launcher"])
    connection.close()
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _stop_with(launcher)
    from ipykernel import kernelapp  # noqa: PLC0415  (imported already, by the server)

    argv = ["-f", request["connection_file"]]
    # ipykernel reads its parent from the environment when it is imported, which was
    # in the server: give it the launcher's, as a plain kernel would have it.
    if os.environ.get("JPY_PARENT_PID"):
        argv.append(f"--IPKernelApp.parent_handle={os.environ['JPY_PARENT_PID']}")
    code = 0
    try:
        kernelapp.launch_new_instance(argv=argv)
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else 0
    finally:
        os._exit(code)


def _stop_with(launcher: int) -> None:
    """End this kernel when its launcher is gone (jupyter_client killed it)."""
    import threading  # noqa: PLC0415

    def watch() -> None:
        while True:
            time.sleep(1)
            try:
                os.kill(launcher, 0)
            except ProcessLookupError:
                os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


# --- the Sphinx side: the server's lifetime, and the kernel spec ------------------------

_server: Any = None
_folder: Path | None = None


def start() -> None:
    """Start the server and point the kernels of this build at it, through the environment.

    Its socket and kernel spec live in a short temporary folder: a Unix socket's path
    is limited to about a hundred characters, which a deep checkout could pass.
    """
    import subprocess  # noqa: PLC0415
    import tempfile  # noqa: PLC0415

    global _server, _folder  # noqa: PLW0603  (one server per build)
    if _server is not None:
        return
    folder = _folder = Path(tempfile.mkdtemp(prefix="lstmdoc-kernels-"))
    path = folder / "server.sock"
    spec = folder / "kernels" / "python3"
    spec.mkdir(parents=True, exist_ok=True)
    (spec / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [sys.executable, __file__, "launch", "{connection_file}"],
                "display_name": "Python 3 (lstmdoc's build)",
                "language": "python",
                "metadata": {"debugger": False},
            },
            indent=1,
        )
    )
    _server = subprocess.Popen([sys.executable, __file__, "serve", str(path)])
    path.with_suffix(".pid").write_text(str(_server.pid))
    os.environ[SOCKET_VARIABLE] = str(path)
    os.environ["JUPYTER_PATH"] = os.pathsep.join(
        [str(folder), *filter(None, [os.environ.get("JUPYTER_PATH")])]
    )


def stop(*_: Any) -> None:
    """Stop the server, if this process started one, and remove its folder."""
    import shutil  # noqa: PLC0415

    global _server, _folder  # noqa: PLW0603
    if _server is None:
        return
    _server.terminate()
    try:
        _server.wait(timeout=10)
    except Exception:  # noqa: BLE001  (stopping must not fail the build)
        _server.kill()
    _server = None
    if _folder is not None:
        shutil.rmtree(_folder, ignore_errors=True)
        _folder = None


if __name__ == "__main__":
    command, argument = sys.argv[1:3]
    if command == "serve":
        serve(argument)
    else:
        launch(argument)
