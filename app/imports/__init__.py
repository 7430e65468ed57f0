"""Importing outage windows from files: `formats` turns a file into rows, pure."""
