"""The pure core: content, triage, dialogue, intents and text normalization. No I/O, no clocks."""
