"""Many live rooms on many machines: ``twincast fleet up|status|stop|down`` (docs/fleet.md).

Each room is a Ray actor running one :class:`~twincast.live.engine.LiveShow` with its web page;
a detached supervisor actor on the head node keeps the fleet's analytics ledger, restarts rooms
that die or stall, and serves the one fleet console.
"""
