"""Maintenance of co-created facilities and the operations 'closed door' (003).

Vordingborg (003_2ba0a2bc3f04f1f8.txt): processes go smoothly "until they are
to be realised, then they meet a closed door ... operations in traffic, parks
and harbours"; maintaining what co-creation leaves behind "eats" the
operations budget unless "a special pool for the operation of co-created
facilities" is set aside; volunteers are not continuously reliable.

- realisation: a physical initiative needs operations to accept it; each week
  operations says yes with
  ``accept = 1 - door * silo * (1 - pool) * (1 - tie_help * tie) * (1 - top_focus)``;
- load: a facility needs ``facility_hours`` a week; the volunteers who built
  it take ``adopted_share`` of it at first, a share that wears off with
  volunteer attrition; the pool pays ``maintenance_pool`` of the rest,
  operations hours pay the remainder;
- a bounded stock: each week a facility is worn out and removed with chance
  ``1 / facility_lifetime_weeks``, and is adopted for good by a citizens'
  association (no more upkeep for the municipality) with chance
  ``adoption_rate * trust / 0.5``: trusting citizens take things over.
"""

from __future__ import annotations

from typing import Any


def operations_accepts(
    k: Any, silo_strength: float, maintenance_pool: float, tie_to_operations: bool, top_focus: float
) -> float:
    closed = silo_strength * (1.0 - maintenance_pool) * (1.0 - k.tie_help * tie_to_operations) * (1.0 - top_focus)
    return 1.0 - k.door * closed


def unfunded_hours(load_hours: float, volunteer_share: float, maintenance_pool: float) -> float:
    """Hours a week operations must take from its own time."""
    return load_hours * (1.0 - volunteer_share) * (1.0 - maintenance_pool)


def leaves_stock(k: Any, trust_mean: float) -> float:
    """Weekly chance that a facility stops needing the municipality: worn out, or adopted for good."""
    return 1.0 / k.facility_lifetime_weeks + k.adoption_rate * trust_mean / 0.5
