"""Benchmarks: the full pipeline on the loopback emulator, side by side with lychee."""
