"""Batch matching: many jobs from a CSV or XLSX against one profile or the nearest.

:mod:`.io` reads and writes the files, :mod:`.kernel` matches decided jobs with
numpy, :mod:`.run` ties them together for ``bandwise match-batch``.
"""
