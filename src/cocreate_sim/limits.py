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
"""Largest base seed of a scenario, a sweep or the app: numpy's legacy seeds accept 0 to 2**32 - 1."""
MAX_RUN_SEED = 2**64 - 1
"""Largest seed of one model run (``run_model(rng=...)``, ``CoCreationModel(rng=...)``): 64 bits hold every
seed the package derives (base seed + replication, a sweep's run seeds) and those other tools pass."""
MAX_REPLICATIONS = 1000
"""Most replications of one scenario in one run."""
MAX_SWEEP_RUNS = 1_000_000
"""Most runs (design points x replications) in one sweep."""
MAX_FILE_BYTES = 1_000_000
"""Largest scenario, sweep or targets file read: such files are a few kilobytes of YAML."""
MAX_POSTERIOR_BYTES = 100_000_000
"""Largest posterior file (``--posterior``) read: the shipped one is about 15 kB."""
MAX_POSTERIOR_PARTICLES = 100_000
"""Most particles (rows) of a posterior file, checked in its footer before any column is read. ``run.py
calibrate`` writes one ABC-SMC generation: ``--population`` particles (300 by default, the shipped posterior
has 300), each costing a simulation, so a real posterior has at most a few thousand; a tiny file can declare
tens of millions of identical rows, which would take minutes and gigabytes to read and check."""
MAX_PROVENANCE_BYTES = 64 * 1024
"""Largest provenance record (JSON in a posterior's Parquet metadata) read: the shipped one is under 2 kB."""
MAX_YAML_DEPTH = 8
"""Deepest nesting of mappings and lists read from a YAML file."""
MAX_NUMBER_CHARS = 1000
"""Longest number read from a YAML file, in characters: no value any key accepts needs more than a few digits."""
MAX_SHOWN_CHARS = 100
"""Most characters of a user's value quoted back in an error message."""
MAX_SHOWN_PATH_CHARS = 300
"""Most characters of a path shown in a message (its end, where the file name is); real paths are shorter."""
IN_PROCESS_RUNS = 200
"""Below this many runs a batch runs in this process: starting workers would cost more than it saves."""
MAX_REQUEST_BYTES = 32 * 1024
"""Largest request body the classroom app accepts; a page's biggest callback sends about 4 kB (HTTP 413 above)."""
MAX_HEAD_BYTES = 16 * 1024
"""Largest request line and headers the app's front accepts (a browser's are under 2 kB; HTTP 431 above)."""
CLIENT_TIMEOUT_S = 20.0
"""Longest the app's front waits for a client to send its whole request before it closes the connection."""
SEND_TIMEOUT_S = 300.0
"""Longest the app's front waits for a client to take an answer (plotly.js is 4.8 MB on a slow school network)."""
MAX_CONNECTIONS = 1000
"""Most connections the app's front keeps open at once (a class of 60 pages keeps about one each)."""
APP_SESSIONS = 240
"""Pages with a run on the classroom app's server at once by default (each holds one or two models, 1-3 MB
each): a class of 30 with several tabs each, before the least recently used page is dropped."""
MAX_APP_SESSIONS = 10_000
"""Largest ``serve --max-sessions`` accepted (10,000 pages would need 10-30 GB)."""
AUTO_APP_WORKERS = 4
"""Most worker processes ``serve`` starts by default (one per core up to this): each needs about 150 MB."""
MAX_APP_WORKERS = 32
"""Largest ``serve --workers`` accepted."""
MAX_WORKERS = 1024
"""Most worker processes (``--workers``) one command starts on this machine: far above any laptop's or
server's cores, so only a typo (100000) is refused before it starts a process per task."""
MAX_DESIGN_POINTS = 10_000
"""Most points of one design drawn from a command-line count (``regime --levels``, ``screen --trajectories``
and ``--draws``, ``calibrate --population`` and ``--predictive``): each costs at least one simulation, so even
the largest real study stays far below, and a typo (10**11) is refused before memory is reserved for it."""
MAX_SIMULATION_BUDGET = MAX_SWEEP_RUNS
"""Most simulations ``calibrate --budget`` may spend: as many as the largest sweep."""
MAX_RESULTS_FILE_BYTES = 4_000_000_000
"""Largest timeseries.parquet (on disk, and its table once read) or other file of a results folder checked or read:
a run of 1,000 replications over 5,200 weeks writes about 0.9 GB (1.8 GB once read), a run or comparison of
thousands of runs over five years some tens of megabytes."""
MAX_RESULTS_TABLE_BYTES = 16_000_000
"""Largest summary.csv, differences.csv, other table or checksums.json of a results folder read: about 7 kB per
compared scenario, so this holds a comparison of two thousand scenarios (a huge text table would fill memory)."""
