"""The build's kernel clients: jupyter_client's, less two waits that serve no page.

Every page starts a kernel, waits for it, runs its cells and stops it. Starting and
stopping spent about 0.3 s of every page waiting on clocks rather than on the kernel,
on each core: about 3 s of a cold build on two cores. Both waits are in jupyter_client
(8.x, ``client.py`` and ``manager.py``); the build uses these subclasses instead:

- Once a kernel has answered ``kernel_info`` and its IOPub channel has delivered a
  message, ``wait_for_ready`` goes on reading IOPub until 0.2 s pass without one,
  to drop the status messages of its ``kernel_info`` requests. nbclient reads only
  the messages that answer its own requests, so :class:`BuildKernelClient` stops
  waiting there. It still waits for the reply and for IOPub to deliver, so no output
  of the first cell is lost.
- Stopping a kernel, the manager asks it to shut down, then checks every 0.1 s
  whether its process has ended. :class:`BuildKernelManager` checks every 0.01 s.

:func:`use_in_executions` makes jupyter-cache's executions, which MyST-NB runs, use
them. A reader's session, the site's tests and a plain ``jupyter`` are untouched.
"""

from __future__ import annotations

import functools
import math
import time
from queue import Empty

from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.manager import AsyncKernelManager
from traitlets import Type

_POLL = 0.01  # seconds between checks that a stopping kernel has ended


class BuildKernelClient(AsyncKernelClient):
    """An ``AsyncKernelClient`` that is ready once the kernel answers on shell and IOPub."""

    async def wait_for_ready(self, timeout: float | None = None) -> None:  # type: ignore[override]
        """Wait until the kernel answers ``kernel_info`` and its IOPub channel delivers.

        As jupyter_client's, less its last 0.2 s of reading IOPub.
        """
        deadline = time.monotonic() + (math.inf if timeout is None else timeout)
        while True:
            self.kernel_info()
            try:
                reply = await self.shell_channel.get_msg(timeout=1)
            except Empty:
                reply = None
            if reply is not None and reply["msg_type"] == "kernel_info_reply":
                try:  # any message on IOPub shows that it is connected
                    await self.iopub_channel.get_msg(timeout=0.2)
                except Empty:
                    pass
                else:
                    self._handle_kernel_info_reply(reply)
                    return
            if not await self._async_is_alive():
                raise RuntimeError("Kernel died before replying to kernel_info")
            if time.monotonic() > deadline:
                raise RuntimeError(f"Kernel didn't respond in {timeout} seconds")


class BuildKernelManager(AsyncKernelManager):
    """An ``AsyncKernelManager`` whose clients are :class:`BuildKernelClient`, and that
    notices a stopped kernel's end within 0.01 s."""

    # The class that client() makes. (Its default comes from client_class only in
    # KernelManager: AsyncKernelManager sets both, so client_class alone changes nothing.)
    client_factory = Type(klass=BuildKernelClient)

    async def _async_finish_shutdown(
        self, waittime: float | None = None, pollinterval: float = _POLL, restart: bool = False
    ) -> None:
        await super()._async_finish_shutdown(waittime, min(pollinterval, _POLL), restart)


def use_in_executions() -> None:
    """Make jupyter-cache's notebook executions (MyST-NB's) use :class:`BuildKernelManager`.

    jupyter-cache runs ``nbclient.execute``, which it imports as ``executenb``; the
    executions get it with the manager class as an option of nbclient's.
    """
    from jupyter_cache.executors import utils  # noqa: PLC0415

    execute = getattr(utils, "executenb", None)
    if execute is None:
        raise RuntimeError(
            "jupyter_cache.executors.utils has no executenb to wrap: has jupyter-cache changed?"
        )
    if isinstance(execute, functools.partial):
        return  # wrapped already
    utils.executenb = functools.partial(execute, kernel_manager_class=BuildKernelManager)
