"""Every limit the package enforces on what users give it, said once.

The command line, scenario and sweep files, the browser app and
:func:`~cocreate_sim.runner.run_model` all read these names; nothing else
declares a largest horizon, seed, replication count, run count or file size.
"""

from __future__ import annotations

MAX_HORIZON = 5200
"""Longest horizon anyone may ask for: 5,200 weeks (a hundred years)."""
APP_MAX_HORIZON = 1040
"""The classroom's cap: the browser app runs at most 1,040 weeks (twenty years), so a page stays responsive."""
MAX_SEED = 2**32 - 1
"""Largest base seed: numpy's legacy seeds and Mesa's ``rng=`` both accept 0 to 2**32 - 1."""
MAX_REPLICATIONS = 1000
"""Most replications of one scenario in one run."""
MAX_SWEEP_RUNS = 1_000_000
"""Most runs (design points x replications) in one sweep."""
MAX_FILE_BYTES = 1_000_000
"""Largest scenario, sweep or targets file read: such files are a few kilobytes of YAML."""
MAX_YAML_DEPTH = 8
"""Deepest nesting of mappings and lists read from a YAML file."""
MAX_SHOWN_CHARS = 100
"""Most characters of a user's value quoted back in an error message."""
IN_PROCESS_RUNS = 200
"""Below this many runs a batch runs in this process: starting workers would cost more than it saves."""
