"""Benchmarks: how close the bot comes to the limits of PTB, the database and Telegram.

`python -m bench` (or `disposisi bench`) runs each scenario with the emulator and the bot as
separate processes on loopback, and prints a table (or `--json`). See bench/RESULTS.md.
"""
