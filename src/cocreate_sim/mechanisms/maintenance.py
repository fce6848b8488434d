"""Maintenance of co-created facilities and the operations 'closed door' (003).

Vordingborg (003): processes go smoothly "until they are to be realised, then
they meet a closed door ... operations in traffic, parks and harbours"; the
operations leader is not measured on the shelters and benches co-creation
leaves behind, so maintaining them "eats" the operations budget unless "a
special pool for the operation of co-created facilities" is set aside.

- realisation: a physical initiative needs operations to accept it; each week
  operations says yes with a chance that the pool, a colleague tie into
  operations and top-management coordination raise:
  ``accept = 1 - DOOR * silo * (1 - pool) * (1 - TIE_HELP * tie) * (1 - top_focus)``;
- load: each completed physical facility needs ``HOURS_PER_FACILITY`` hours a
  week; volunteers who adopted it take a share that decays by volunteer
  attrition; the pool pays ``maintenance_pool`` of the rest, operations
  hours pay the remainder.
"""

from __future__ import annotations

HOURS_PER_FACILITY = 2.5
DOOR = 0.8
TIE_HELP = 0.5
ADOPTED_SHARE = 0.5
"""Share of a new facility's care volunteers take on at first."""
REFUSALS_TO_FAIL = 8
"""Weeks of refusal after which a physical initiative fails."""


def operations_accepts(
    silo_strength: float, maintenance_pool: float, tie_to_operations: bool, top_focus: float
) -> float:
    closed = silo_strength * (1.0 - maintenance_pool) * (1.0 - TIE_HELP * tie_to_operations) * (1.0 - top_focus)
    return 1.0 - DOOR * closed


def unfunded_hours(load_hours: float, volunteer_share: float, maintenance_pool: float) -> float:
    """Hours a week operations must take from its own time."""
    after_volunteers = load_hours * (1.0 - volunteer_share)
    return after_volunteers * (1.0 - maintenance_pool)
