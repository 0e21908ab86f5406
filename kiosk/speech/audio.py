"""Audio in: frame sources (microphone, WAV file, memory) of 30 ms frames of 16 kHz mono 16-bit PCM.

sounddevice is imported only inside the functions that need it: without PortAudio its import raises
OSError, and the text kiosk must still run. Every failure a person or operator can cause (a bad file, a
missing device) is an :class:`AudioError` whose message is one line saying what to do.
"""
from __future__ import annotations

import os
import time
import wave
from collections.abc import Iterator
from dataclasses import dataclass
from math import gcd
from pathlib import Path
from typing import Protocol

import numpy as np

SAMPLE_RATE = 16000
FRAME_MS = 30
FRAME_SAMPLES = SAMPLE_RATE * FRAME_MS // 1000
FRAME_BYTES = FRAME_SAMPLES * 2
SILENT_PEAK = 16
"""A file whose loudest sample is below this (of 32767) is treated as silent."""
CONVERT_HINT = "convert it with: sox IN -r 16000 -c 1 -b 16 OUT.wav"


class AudioError(Exception):
    """A recording or audio device that cannot be used; the message is one line saying what to do."""


class FrameSource(Protocol):
    """Successive FRAME_BYTES frames of int16 mono 16 kHz PCM."""

    def frames(self) -> Iterator[bytes]:
        """Frames until the source ends (a microphone ends only when closed)."""

    def close(self) -> None:
        """Release the device or file; safe to call twice."""


# ---- WAV files -------------------------------------------------------------------------------------

def read_wav(path: str | os.PathLike) -> np.ndarray:
    """A WAV file as int16 mono at 16 kHz, whatever its rate, channels and sample width."""
    path = Path(path)
    name = path.name
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise AudioError(f"{path}: file not found") from None
    except OSError as err:
        raise AudioError(f"{path}: cannot read ({err.strerror or err})") from None
    if size == 0:
        raise AudioError(f"{name}: empty file (0 bytes); record it again")
    try:
        data = path.read_bytes()
    except OSError as err:
        raise AudioError(f"{name}: cannot read ({err.strerror or err})") from None
    if data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise AudioError(f"{name}: not a WAV file (expected RIFF/WAVE); {CONVERT_HINT}")
    rate, channels, width, tag, raw = _parse_wav(data, name)
    usable = len(raw) - len(raw) % (width * channels)
    if usable == 0 or rate <= 0:
        raise AudioError(f"{name}: no audio in this WAV (truncated?); record it again")
    samples = (_to_float(raw[:usable], width) if tag == 1 else _float_samples(raw[:usable], width, name))
    samples = samples.reshape(-1, channels).mean(axis=1)
    samples = resample(samples, rate, SAMPLE_RATE)
    # the inverse of the /32768 in _to_float, so a 16 kHz 16-bit mono file comes back bit for bit
    out = np.clip(np.round(samples * 32768.0), -32768, 32767).astype(np.int16)
    if out.size == 0 or int(np.abs(out.astype(np.int32)).max()) < SILENT_PEAK:
        raise AudioError(f"{name}: the recording is silent; check the microphone and record again")
    return out


def _parse_wav(data: bytes, name: str) -> tuple[int, int, int, int, bytes]:
    """(rate, channels, bytes per sample, 1 for PCM or 3 for float, sample bytes) from RIFF chunks.

    Parsed here because the standard wave module rejects WAVE_FORMAT_EXTENSIBLE (what sox writes for
    24-bit audio) and float files."""
    fmt = None
    raw = None
    pos = 12
    while pos + 8 <= len(data):
        chunk, size = data[pos:pos + 4], int.from_bytes(data[pos + 4:pos + 8], "little")
        body = data[pos + 8:pos + 8 + size]
        if chunk == b"fmt " and len(body) >= 16:
            tag = int.from_bytes(body[0:2], "little")
            if tag == 0xFFFE and len(body) >= 26:  # extensible: the real format is in the sub-format GUID
                tag = int.from_bytes(body[24:26], "little")
            fmt = (tag, int.from_bytes(body[2:4], "little"), int.from_bytes(body[4:8], "little"),
                   int.from_bytes(body[14:16], "little"))
        elif chunk == b"data":
            raw = body  # may be shorter than its size says: a truncated file keeps what it has
            break
        pos += 8 + size + (size & 1)
    if fmt is None or raw is None:
        raise AudioError(f"{name}: cannot read this WAV (truncated or damaged; {CONVERT_HINT})")
    tag, channels, rate, bits = fmt
    if tag not in (1, 3) or channels < 1 or bits not in (8, 16, 24, 32, 64):
        raise AudioError(f"{name}: unsupported WAV encoding (format {tag}, {bits} bits); {CONVERT_HINT}")
    return rate, channels, bits // 8, tag, raw


def _float_samples(raw: bytes, width: int, name: str) -> np.ndarray:
    if width not in (4, 8):
        raise AudioError(f"{name}: unsupported float WAV; {CONVERT_HINT}")
    return np.clip(np.frombuffer(raw, dtype="<f4" if width == 4 else "<f8").astype(np.float64), -1.0, 1.0)


def _to_float(raw: bytes, width: int) -> np.ndarray:
    """PCM bytes of 1-4 bytes per sample as floats in -1..1."""
    if width == 1:
        return (np.frombuffer(raw, dtype=np.uint8).astype(np.float64) - 128.0) / 128.0
    if width == 2:
        return np.frombuffer(raw, dtype="<i2").astype(np.float64) / 32768.0
    if width == 3:
        b = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 3).astype(np.int32)
        v = b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)
        v = np.where(v & 0x800000, v - 0x1000000, v)
        return v.astype(np.float64) / 8388608.0
    if width == 4:
        return np.frombuffer(raw, dtype="<i4").astype(np.float64) / 2147483648.0
    raise AudioError(f"unsupported sample width {width} bytes; {CONVERT_HINT}")


def resample(samples: np.ndarray, from_rate: int, to_rate: int) -> np.ndarray:
    """Band-limited polyphase resampling (scipy), float in, float out."""
    if from_rate == to_rate:
        return np.asarray(samples, dtype=np.float64)
    from scipy.signal import resample_poly

    g = gcd(int(from_rate), int(to_rate))
    return resample_poly(np.asarray(samples, dtype=np.float64), to_rate // g, from_rate // g)


def write_wav(path: str | os.PathLike, samples: np.ndarray, rate: int = SAMPLE_RATE) -> None:
    """Write int16 mono samples as a WAV file."""
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(np.asarray(samples, dtype=np.int16).astype("<i2").tobytes())


def _power(x: np.ndarray) -> float:
    return float(np.mean(np.asarray(x, dtype=np.float64) ** 2)) if len(x) else 0.0


def snr_db(signal: np.ndarray, noise: np.ndarray) -> float:
    """Ratio of the powers of two signals, in decibels."""
    return 10.0 * np.log10(_power(signal) / max(_power(noise), 1e-12))


def mix_noise(speech: np.ndarray, noise: np.ndarray, snr_db: float, seed: int = 0) -> np.ndarray:
    """Speech with noise added at ``snr_db`` (speech power over the whole clip vs noise power), as int16.

    The noise is looped or cut to length from a seeded random offset, so mixes are reproducible."""
    speech = np.asarray(speech, dtype=np.float64)
    noise = np.asarray(noise, dtype=np.float64)
    if noise.size == 0 or _power(noise) == 0:
        return np.asarray(speech, dtype=np.int16)
    rng = np.random.default_rng(seed)
    start = int(rng.integers(0, len(noise)))
    reps = int(np.ceil((start + len(speech)) / len(noise))) + 1
    segment = np.tile(noise, reps)[start:start + len(speech)]
    gain = noise_gain(speech, segment, snr_db)
    return np.clip(np.round(speech + gain * segment), -32768, 32767).astype(np.int16)


def noise_gain(speech: np.ndarray, noise: np.ndarray, snr_db: float) -> float:
    """The factor that puts ``noise`` ``snr_db`` below ``speech`` (mean power over each whole clip); 0 for silent
    noise."""
    noise_power = _power(noise)
    return float(np.sqrt(_power(speech) / (noise_power * 10 ** (snr_db / 10.0)))) if noise_power else 0.0


def line_in_room(line: np.ndarray, room: np.ndarray, snr_db: float, lead_s: float, after_s: float,
                 offset: int = 0, level_from: np.ndarray | None = None) -> np.ndarray:
    """``line`` said after ``lead_s`` seconds of ``room`` (looped from sample ``offset``), which goes on
    ``after_s`` seconds more, as int16: a kiosk that waits in its room, then hears a visitor. The room's level is
    set ``snr_db`` below the line's (mean power of the line against the whole recording of the room), or below
    ``level_from``'s when given (the room alone, at the level a visitor's line would set)."""
    gain = noise_gain(line if level_from is None else level_from, room, snr_db)
    lead, after = int(lead_s * SAMPLE_RATE), int(after_s * SAMPLE_RATE)
    looped = np.asarray(room, dtype=np.float64)[(offset + np.arange(lead + len(line) + after)) % len(room)]
    clean = np.concatenate([np.zeros(lead), np.asarray(line, dtype=np.float64), np.zeros(after)])
    return np.clip(np.round(clean + gain * looped), -32768, 32767).astype(np.int16)


# ---- sources ---------------------------------------------------------------------------------------

class MemorySource:
    """Frames from samples in memory, with silence appended so an endpointer can close the last utterance."""

    def __init__(self, samples: np.ndarray, trailing_silence_ms: int = 1000, realtime: bool = False):
        pad = np.zeros(SAMPLE_RATE * trailing_silence_ms // 1000, dtype=np.int16)
        audio = np.concatenate([np.asarray(samples, dtype=np.int16), pad])
        audio = np.concatenate([audio, np.zeros((-len(audio)) % FRAME_SAMPLES, dtype=np.int16)])
        self._pcm = audio.astype("<i2").tobytes()
        self.realtime = realtime
        self.closed = False

    def frames(self) -> Iterator[bytes]:
        start = time.monotonic()
        for n, i in enumerate(range(0, len(self._pcm), FRAME_BYTES)):
            if self.closed:
                return
            if self.realtime:
                time.sleep(max(0.0, start + n * FRAME_MS / 1000 - time.monotonic()))
            yield self._pcm[i:i + FRAME_BYTES]

    def close(self) -> None:
        self.closed = True


class WavSource(MemorySource):
    """Frames from a WAV file (any format read_wav accepts), optionally with noise mixed in."""

    def __init__(self, path: str | os.PathLike, trailing_silence_ms: int = 1000, realtime: bool = False,
                 noise: np.ndarray | None = None, snr_db: float | None = None):
        samples = read_wav(path)
        if noise is not None and snr_db is not None:
            samples = mix_noise(samples, noise, snr_db)
        super().__init__(samples, trailing_silence_ms, realtime)


class MicrophoneSource:
    """The live microphone through sounddevice (PortAudio), 30 ms blocks of int16 mono at 16 kHz."""

    def __init__(self, device: str | int | None = None):
        sd = _sounddevice()
        index = find_device(device, "input")
        try:
            self._stream = sd.RawInputStream(samplerate=SAMPLE_RATE, channels=1, dtype="int16",
                                             blocksize=FRAME_SAMPLES, device=index)
            self._stream.start()
        except Exception as err:  # noqa: BLE001 - PortAudioError and friends
            raise AudioError(f"cannot open the microphone ({_one_line(err)}); run `kiosk devices` or `kiosk doctor`") from None
        self._closed = False

    def frames(self) -> Iterator[bytes]:
        while not self._closed:
            try:
                data, _overflowed = self._stream.read(FRAME_SAMPLES)
            except Exception as err:  # noqa: BLE001 - the device went away mid-stream
                if self._closed:
                    return
                raise AudioError(f"microphone stopped: {_one_line(err)}; check the cable or run `kiosk doctor`") from None
            yield bytes(data)

    def close(self) -> None:
        if not getattr(self, "_closed", True):
            self._closed = True
            try:
                self._stream.abort()
                self._stream.close()
            except Exception:  # noqa: BLE001 - already gone
                pass


# ---- devices ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Device:
    index: int
    name: str
    inputs: int
    outputs: int
    default_rate: float
    is_default_input: bool
    is_default_output: bool


def _sounddevice():
    try:
        import sounddevice
    except (OSError, ImportError) as err:
        raise AudioError(f"audio devices cannot be used ({_one_line(err)}); install libportaudio2 "
                         "(apt-get install libportaudio2)") from None
    return sounddevice


def _one_line(err: BaseException) -> str:
    return (str(err).strip().splitlines() or [err.__class__.__name__])[0]


def list_devices() -> list[Device]:
    """Every audio device PortAudio sees ([] when there are none)."""
    sd = _sounddevice()
    try:
        found = sd.query_devices()
        default_in, default_out = sd.default.device
    except Exception:  # noqa: BLE001 - no devices at all: PortAudio raises instead of listing none
        return []
    return [Device(i, d["name"], int(d["max_input_channels"]), int(d["max_output_channels"]),
                   float(d["default_samplerate"]), i == default_in, i == default_out) for i, d in enumerate(found)]


def find_device(spec: str | int | None, kind: str = "input") -> int | None:
    """Device index for an index or a case-insensitive name part; None means the system default."""
    if spec is None or spec == "":
        return None
    devices = [d for d in list_devices() if (d.inputs if kind == "input" else d.outputs) > 0]
    if isinstance(spec, int) or str(spec).strip().isdigit():
        index = int(spec)
        if any(d.index == index for d in devices):
            return index
    else:
        for d in devices:
            if str(spec).lower() in d.name.lower():
                return d.index
    raise AudioError(f"no {kind} device matching '{spec}'; run `kiosk devices` to list them")


def open_microphone(device: str = "") -> tuple[MicrophoneSource | None, str]:
    """(microphone, "") or (None, one line saying why not). Never raises."""
    try:
        devices = list_devices()
        if not any(d.inputs > 0 for d in devices):
            return None, "no microphone found (no audio input devices)"
        return MicrophoneSource(device or None), ""
    except AudioError as err:
        return None, str(err)


def format_devices(devices: list[Device]) -> str:
    """A table for `kiosk devices`; '>' and '<' mark the default input and output."""
    lines = [f"{'':2}{'index':>5}  {'in':>3}  {'out':>3}  {'rate':>6}  name"]
    for d in devices:
        mark = (">" if d.is_default_input else " ") + ("<" if d.is_default_output else " ")
        lines.append(f"{mark}{d.index:>5}  {d.inputs:>3}  {d.outputs:>3}  {d.default_rate:>6.0f}  {d.name}")
    lines.append("Set input_device / output_device in kiosk.toml to an index or a part of the name.")
    return "\n".join(lines)
