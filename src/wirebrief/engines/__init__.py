"""Engines: the one seam between wirebrief and a model runtime."""
