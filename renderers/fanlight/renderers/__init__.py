"""Renderers: how an evaluated form becomes output (HTML, print, plain-text case note, JSON)."""
