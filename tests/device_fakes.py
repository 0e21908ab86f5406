"""A sounddevice stand-in for the doctor's room test: one microphone whose recording is given samples."""
from __future__ import annotations

import numpy as np


class RecordedMicrophone:
    """sounddevice with one microphone that 'records' prepared samples (a room, then speech in it)."""

    def __init__(self, samples: np.ndarray):
        self.samples = samples

    def query_devices(self):
        return [{"name": "usb mic", "max_input_channels": 1, "max_output_channels": 0}]

    def rec(self, frames, **kwargs):
        return self.samples[:frames].reshape(-1, 1)

    def wait(self):
        pass
