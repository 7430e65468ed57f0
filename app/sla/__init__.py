"""The pure SLA core: no web framework, no database, no I/O, no clock.

Everything here takes values and returns values; the caller passes `now`.
"""
