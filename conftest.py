"""Root pytest configuration: skip the torch subpackage's doctests when torch is absent."""

import importlib.util

collect_ignore_glob = [] if importlib.util.find_spec("torch") else ["expandermask/torch/*"]
