"""Faces: how a person or another program talks to the kiosk (text, voice, command line, ...)."""
