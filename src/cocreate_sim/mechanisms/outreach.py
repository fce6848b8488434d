"""Outreach to weak groups: staff hours that build knowledge and relations (000, 001, 002).

000_1eb98d991477f04b.txt: workers need "new knowledge of the needs of weaker
groups" who lack the power to take part. 001_fcedaec95fb1d514.txt: relations
as equals, and adapting the role to citizens who need support. 002: network
design decides who takes part. Outreach is therefore not a multiplier on
anyone's chances: it is hours a practising worker spends in contact with weak
groups, taken from operations, and what those hours build can fail to grow
(a burnt-out or departing worker takes it with them):

- hours: ``outreach_hours * effort`` a week while the worker co-creates
  (``effort`` from :func:`measurement.outreach_effort`);
- relations with weak groups: ``dR = relations_gain * (hours / outreach_hours) * (1 - R) - relations_decay * R``;
- knowledge of their needs: ``dK = (knowledge_contact * (weak share of one's participants + hours / outreach_hours)
  + knowledge_focus * focus * trial) * (1 - K)``.

Relations widen who hears of the worker's initiatives
(:func:`participation.weak_reach`); knowledge adapts the support
(:func:`participation.join_probability`), keeps weak participants motivated
and makes the worker's ideas address weak groups' needs.
"""

from __future__ import annotations

from typing import Any


def hours(k: Any, effort: float, engaged: bool) -> float:
    """Weekly hours a worker spends on outreach to weak groups."""
    return k.outreach_hours * effort if engaged else 0.0


def relations_change(k: Any, relations: float, outreach_hours: float) -> float:
    intensity = outreach_hours / k.outreach_hours if k.outreach_hours > 0 else 0.0
    return k.relations_gain * intensity * (1.0 - relations) - k.relations_decay * relations


def knowledge_change(
    k: Any, knowledge: float, weak_contact: float, outreach_hours: float, focus: float, trial: float
) -> float:
    intensity = outreach_hours / k.outreach_hours if k.outreach_hours > 0 else 0.0
    gain = k.knowledge_contact * (weak_contact + intensity) + k.knowledge_focus * focus * trial
    return gain * (1.0 - knowledge)
