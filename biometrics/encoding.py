"""A face encoding's stored form: 128 little-endian float64 values (1024 bytes), NOT encrypted
here (the caller encrypts)."""

from __future__ import annotations

import numpy as np

ENCODING_SIZE = 128


def encoding_serialize(arr) -> bytes:
    a = np.asarray(arr, dtype="<f8").reshape(-1)
    if a.shape != (ENCODING_SIZE,):
        raise ValueError(f"a face encoding has {ENCODING_SIZE} values, not {a.shape[0]}")
    return a.tobytes()


def encoding_deserialize(b: bytes) -> np.ndarray:
    b = bytes(b)
    if len(b) != ENCODING_SIZE * 8:
        raise ValueError(f"a serialised face encoding is {ENCODING_SIZE * 8} bytes, not {len(b)}")
    return np.frombuffer(b, dtype="<f8").astype(np.float64)
