"""Hands-on lab walkthroughs: boto3 steps run against a local AWS emulator (moto) or real AWS.

Nothing here imports boto3 or moto at module level; the targets import them when a lab runs,
so the rest of srscards starts without them.
"""

from __future__ import annotations

from srscards.labs.catalog import Lab, cards_for_lab, find_labs, load_lab, unknown_lab_links
from srscards.labs.runner import LabEvent, LabResult, run_lab
from srscards.labs.steps import CheckFailed, LabContext, LabError, Step, expect, expect_in

__all__ = [
    "CheckFailed",
    "Lab",
    "LabContext",
    "LabError",
    "LabEvent",
    "LabResult",
    "Step",
    "cards_for_lab",
    "expect",
    "expect_in",
    "find_labs",
    "load_lab",
    "run_lab",
    "unknown_lab_links",
]
