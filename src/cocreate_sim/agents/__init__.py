"""The people of the municipality: workers, leaders, politicians, citizens."""

from .citizens import Citizen, CitizenPopulation
from .leaders import Leader
from .politicians import Politician
from .workers import Worker

__all__ = ["Citizen", "CitizenPopulation", "Leader", "Politician", "Worker"]
