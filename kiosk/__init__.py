"""Offline voice symptom-guidance kiosk: pure core (content, triage, dialogue) with thin adapters."""
__version__ = "0.1.0"
