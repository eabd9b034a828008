"""twincast: a CPU-first digital-human studio (talking avatars, live commerce, zh + en)."""

__version__ = "0.1.0"

import os as _os

# mediapipe and TFLite log start-up chatter to stderr through glog/absl; users should only
# see twincast's own messages. Set before any of them is imported.
_os.environ.setdefault("GLOG_minloglevel", "2")
_os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

# One BLAS thread. numpy's OpenBLAS otherwise starts a thread per core for the renderer's small
# matrix products and leaves them spinning: on two cores that burned most of a core (16.7 ms
# of CPU for 8.4 ms of rendering) that the synthesis and encoder threads needed; twincast runs
# its stages in parallel instead. Too late for the variables if numpy is already loaded (a
# test runner, a notebook): then limit the loaded BLAS directly.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    _os.environ.setdefault(_var, "1")
if "numpy" in __import__("sys").modules:
    try:
        from threadpoolctl import threadpool_limits as _limits

        _limits(1, user_api="blas")
    except ImportError:  # pragma: no cover - threadpoolctl is a pinned dependency
        pass
