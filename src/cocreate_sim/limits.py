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
