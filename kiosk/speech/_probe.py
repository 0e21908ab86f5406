"""Load a Vosk model in a throw-away process: ``python -m kiosk.speech._probe MODEL_DIR``.

A damaged model can kill the process that loads it (a truncated graph file lets Model() succeed and
then segfaults when a recognizer is made), so an unknown model is tried here first. Prints one JSON line:
{"ok": true, "unk": "<UNK>"} or {"ok": false, "error": "..."}; a crash shows as a negative exit status.
"""
from __future__ import annotations

import json
import sys

UNK_CANDIDATES = ("[unk]", "<UNK>", "<unk>")


def probe(path: str) -> dict:
    import vosk

    vosk.SetLogLevel(-1)
    try:
        model = vosk.Model(path)
    except Exception as err:  # noqa: BLE001 - Vosk raises a bare Exception for a model it cannot read
        return {"ok": False, "error": str(err) or type(err).__name__}
    unk = next((w for w in UNK_CANDIDATES if model.vosk_model_find_word(w) != -1), "")
    silence = b"\0\0" * 8000
    for grammar in ([json.dumps([unk])] if unk else []) + [None]:
        rec = vosk.KaldiRecognizer(model, 16000, grammar) if grammar else vosk.KaldiRecognizer(model, 16000)
        rec.AcceptWaveform(silence)
        json.loads(rec.FinalResult())
    return {"ok": True, "unk": unk}


if __name__ == "__main__":
    print(json.dumps(probe(sys.argv[1])), flush=True)
