"""Read a PyTorch checkpoint's tensors into numpy without importing torch.

Why: the speaker-similarity metric (resemblyzer's d-vector encoder, :mod:`.similarity`) ships
its weights as ``pretrained.pt`` inside its PyPI wheel, and installing torch only to read
5 MB of LSTM weights would pull ~700 MB (or, without the local CPU wheel, several GB of CUDA
packages). ``pretrained.pt`` uses torch's *legacy* (pre-1.6, non-zip) format:

    pickle(magic) pickle(protocol) pickle(sys_info) pickle(object) pickle(storage keys)
    then, per storage key in that order: int64 element count + the raw little-endian data.

The object pickle refers to storages by persistent id and builds tensors with
``torch._utils._rebuild_tensor_v2``; both are replaced here by numpy stand-ins. The zip format
(torch >= 1.6) is also read, for completeness (``data.pkl`` + ``data/<key>`` members).
"""

from __future__ import annotations

import io
import pickle
import struct
import zipfile
from collections import OrderedDict
from pathlib import Path

import numpy as np

MAGIC = 0x1950A86A20F9469CFC6C
_DTYPES = {"FloatStorage": np.float32, "DoubleStorage": np.float64, "HalfStorage": np.float16,
           "LongStorage": np.int64, "IntStorage": np.int32, "ShortStorage": np.int16,
           "CharStorage": np.int8, "ByteStorage": np.uint8, "BoolStorage": np.bool_,
           "BFloat16Storage": None}


class _Storage:
    """A storage whose bytes arrive after the object pickle (legacy) or from a zip member."""

    def __init__(self, dtype, numel: int) -> None:
        self.dtype, self.numel, self.data = dtype, numel, None


class _Tensor:
    """A tensor waiting for its storage's bytes."""

    def __init__(self, storage: _Storage, offset: int, size, stride) -> None:
        self.storage, self.offset, self.size, self.stride = storage, offset, tuple(size), tuple(stride)

    def numpy(self) -> np.ndarray:
        data = self.storage.data
        if data is None:
            raise ValueError("checkpoint storage was never read")
        item = data.itemsize
        return np.lib.stride_tricks.as_strided(
            data[self.offset:], shape=self.size, strides=[s * item for s in self.stride]).copy()


def _rebuild_tensor(storage, offset, size, stride, *_args):
    return _Tensor(storage, offset, size, stride)


def _rebuild_parameter(data, *_args):
    return data


class _StorageType:
    def __init__(self, name: str) -> None:
        if _DTYPES.get(name) is None:
            raise ValueError(f"unsupported tensor type {name} in checkpoint")
        self.dtype = _DTYPES[name]


class _Unpickler(pickle.Unpickler):
    def __init__(self, f, storages: dict, zip_reader=None) -> None:
        super().__init__(f)
        self.storages, self.zip_reader = storages, zip_reader

    def find_class(self, module, name):
        if module == "torch._utils" and name in ("_rebuild_tensor_v2", "_rebuild_tensor"):
            return _rebuild_tensor
        if module == "torch._utils" and name == "_rebuild_parameter":
            return _rebuild_parameter
        if module == "torch" and name.endswith("Storage"):
            return _StorageType(name)
        if module == "collections" and name == "OrderedDict":
            return OrderedDict
        if module.startswith("torch"):  # e.g. torch.nn.modules.* for whole pickled modules
            raise pickle.UnpicklingError(f"cannot read {module}.{name} without torch")
        return super().find_class(module, name)

    def persistent_load(self, pid):
        kind = pid[0]
        if kind == "module":
            return None
        if kind != "storage":
            raise pickle.UnpicklingError(f"unknown persistent id {kind!r}")
        stype, key = pid[1], str(pid[2])
        if key not in self.storages:
            dtype = stype.dtype
            numel = int(pid[4]) if len(pid) > 4 else 0
            st = _Storage(dtype, numel)
            if self.zip_reader is not None:
                st.data = np.frombuffer(self.zip_reader(key), dtype=np.dtype(dtype).newbyteorder("<"))
            self.storages[key] = st
        return self.storages[key]


def _materialise(obj):
    if isinstance(obj, _Tensor):
        return obj.numpy()
    if isinstance(obj, dict):
        return type(obj)((k, _materialise(v)) for k, v in obj.items())
    if isinstance(obj, (list, tuple)):
        return type(obj)(_materialise(v) for v in obj)
    return obj


def load(path: str | Path):
    """The checkpoint's object (dicts, lists, numbers) with every tensor as a numpy array."""
    path = Path(path)
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
            prefix = names[0].split("/")[0]
            storages: dict = {}
            reader = lambda key: zf.read(f"{prefix}/data/{key}")  # noqa: E731
            obj = _Unpickler(io.BytesIO(zf.read(f"{prefix}/data.pkl")), storages, reader).load()
            return _materialise(obj)
    with open(path, "rb") as f:
        if pickle.load(f) != MAGIC:
            raise ValueError(f"{path} is not a PyTorch checkpoint (bad magic number)")
        pickle.load(f)  # protocol version
        pickle.load(f)  # sys_info (endianness, type sizes)
        storages = {}
        obj = _Unpickler(f, storages).load()
        for key in pickle.load(f):
            st = storages[str(key)]
            (numel,) = struct.unpack("<q", f.read(8))
            dt = np.dtype(st.dtype).newbyteorder("<")
            st.data = np.frombuffer(f.read(numel * dt.itemsize), dtype=dt)
    return _materialise(obj)
