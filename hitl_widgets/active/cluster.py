"""Where a Dask pool is computed: a ``dask.distributed`` client for a scheduler given as a Client,
an address or ``"local"``, made once and reused.

Example:
    >>> from hitl_widgets.active.cluster import get_client
    >>> get_client(42)
    Traceback (most recent call last):
    ...
    TypeError: scheduler must be a dask.distributed Client, a scheduler address or 'local', not int
"""
from __future__ import annotations

from typing import Any

__all__ = ["check_scheduler", "get_client"]

_CLIENTS: dict[str, Any] = {}


def check_scheduler(scheduler: Any) -> None:
    """Refuse what ``get_client`` cannot take, before any client is made: a type other than a Client
    or a str, and a str that is neither "local" nor an address (dask's own scheduler names,
    "threads" / "processes" / "sync", would be tried as host names; None is this process)."""
    if scheduler is None or type(scheduler).__name__ == "Client" or (isinstance(scheduler, str) and (
            scheduler == "local" or "://" in scheduler or ":" in scheduler)):
        return
    if isinstance(scheduler, str):
        raise ValueError(f"scheduler {scheduler[:80]!r} is not 'local' nor an address such as 'tcp://10.0.0.5:8786' "
                         "(a scheduler's host:port); for this process, pass None")
    raise TypeError(f"scheduler must be a dask.distributed Client, a scheduler address or 'local', not {type(scheduler).__name__}")


def get_client(scheduler: Any) -> Any:
    """A ``dask.distributed.Client`` for ``scheduler``: a Client (used as is), ``"local"`` (a
    ``LocalCluster`` of worker processes on this machine, started once and reused; in a script, under
    ``if __name__ == "__main__":``, since its workers are started by spawning), or a scheduler
    address such as ``"tcp://10.0.0.5:8786"`` (connected once and reused). Clients made here do not
    become dask's default scheduler, so the rest of a session's dask work is not moved to them."""
    from distributed import Client, LocalCluster

    if isinstance(scheduler, Client):
        return scheduler
    check_scheduler(scheduler)
    client = _CLIENTS.get(scheduler)
    if client is None or client.status not in ("running", "connecting"):
        if scheduler == "local":
            cluster = LocalCluster(processes=True, dashboard_address=None)
            client = Client(cluster, set_as_default=False)
        else:
            client = Client(scheduler, set_as_default=False, timeout="30s")
        _CLIENTS[scheduler] = client
    return client
