"""``python -m bench --scale S|M|L [...]``: the benchmark (see ``bench/run.py``)."""

from __future__ import annotations

import sys

from bench.run import main

if __name__ == "__main__":
    sys.exit(main())
