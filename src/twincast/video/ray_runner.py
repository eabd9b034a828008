"""Run batch jobs on a Ray cluster (``twincast batch --ray ADDRESS``).

Each job is one Ray task needing one CPU, so the cluster's scheduler spreads jobs over its
nodes; each worker process keeps its avatar and voices loaded between jobs (Ray reuses worker
processes). Progress comes back through a zero-CPU :class:`ray.util.queue.Queue` actor. Paths
in jobs are absolute and must be visible to every node (one machine, or a shared folder).

Ray is optional (``pip install 'twincast[ray]'``); without it, or with an address nobody
answers at, the user gets a message saying which, before anything is submitted.
"""

from __future__ import annotations

import os
import queue as queue_mod
import socket
import time
from typing import Callable

from ..errors import TwincastError
from .batch import Event, Job, JobResult, run_job

CONNECT_TIMEOUT_S = 3.0


def _reachable(address: str) -> None:
    """Fail in seconds, not after Ray's long connection retries, when no head node listens."""
    hostport = address.removeprefix("ray://")
    host, _, port = hostport.rpartition(":")
    if not host or not port.isdigit():
        raise TwincastError(f"--ray {address!r} is not HOST:PORT",
                            "pass the head node's address, e.g. --ray 127.0.0.1:6379 (as printed by `ray start --head`)")
    try:
        with socket.create_connection((host, int(port)), timeout=CONNECT_TIMEOUT_S):
            pass
    except OSError as exc:
        raise TwincastError(f"no Ray cluster answers at {address} ({exc.strerror or exc})",
                            "start one with `ray start --head --port PORT` or check the address and firewall") from None


def connect(address: str):
    try:
        import ray
    except ImportError:
        raise TwincastError("Ray is not installed, so --ray cannot be used",
                            "install it with: pip install 'twincast[ray]' (ray==2.60.0), or run without --ray "
                            "to use local worker processes") from None
    _reachable(address)
    if ray.is_initialized():
        return ray
    env = {k: v for k, v in os.environ.items() if k == "TWINCAST_HOME"}
    try:
        ray.init(address=address, runtime_env={"env_vars": env} if env else None, log_to_driver=False,
                 logging_level="error")
    except Exception as exc:  # noqa: BLE001 - ConnectionError, RuntimeError, version mismatch...
        raise TwincastError(f"cannot join the Ray cluster at {address}: {exc.__class__.__name__}: {exc}",
                            "check that the cluster runs the same Ray and Python versions as this machine") from None
    return ray


def run_on_ray(jobs: list[Job], address: str, on_event: Callable[[Event], None]) -> list[JobResult]:
    ray = connect(address)
    from ray.util.queue import Queue

    try:
        events = Queue(actor_options={"num_cpus": 0})
        task = ray.remote(num_cpus=1, max_retries=0)(run_job)
        refs = {task.remote(job, events): job for job in jobs}
        results: dict[str, JobResult] = {}
        pending = list(refs)
        while pending:
            done, pending = ray.wait(pending, num_returns=1, timeout=0.25)
            _drain(events, on_event)
            for ref in done:
                job = refs[ref]
                try:
                    results[job.id] = ray.get(ref)
                except Exception as exc:  # noqa: BLE001 - a node died, a worker crashed
                    results[job.id] = JobResult(job.id, "failed", job.output,
                                                f"Ray task failed: {exc.__class__.__name__}: {str(exc)[:200]}")
                on_event((job.id, "done", results[job.id]))
        time.sleep(0.1)
        _drain(events, on_event)
        return [results[j.id] for j in jobs]
    finally:
        ray.shutdown()


def _drain(events, on_event) -> None:
    for _ in range(10_000):
        try:
            ev = events.get_nowait()
        except (queue_mod.Empty, Exception):  # noqa: BLE001 - ray.util.queue.Empty and actor errors
            return
        on_event(ev)
