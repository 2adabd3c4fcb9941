"""Reading back what a scan wrote, to look for personal values left in it."""

from __future__ import annotations

import re

# what the scan writes about itself, not about the interaction: hashes, times, scores,
# versions; a value's digits must not be "found" in those
OWN_NUMBERS = re.compile(
    r"\":\s*-?\d+(?:\.\d+)?|\b[0-9a-f]{16,}\b|\d{4}-\d{2}-\d{2}[T ][\d:.+Z]+"
    r"|\b\d+\.\d+\b|\bv?\d+\.\d+\.\d+\b"
)
