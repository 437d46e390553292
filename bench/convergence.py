#!/usr/bin/env python
"""The randomized convergence run at full size (issue 10): a few hundred random editor operations
with the real worker killed and restarted at random points, against the embedded index and the
real Elasticsearch node, then ``publish_site --verify``'s drift.

    .venv/bin/python bench/convergence.py [--operations 300] [--minutes M] [--seed N]
                                          [--index embedded|elasticsearch|both]

It runs ``tests/trust/test_random_convergence.py`` (which runs 30 operations per index in the
suite) with ``GONGYU_RANDOM_OPERATIONS``, in a private state folder, and prints its figures:
operations by kind, worker kills, change→visible p50/p95 on the site and in search, the worker's
own repairs, drift at the end (must be 0), the load average; a progress line every 25 operations.
"""

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--operations", type=int, default=300)
    parser.add_argument("--seed", type=int, default=20261130)
    parser.add_argument("--index", choices=["embedded", "elasticsearch", "both"], default="both")
    parser.add_argument("--minutes", type=float, default=0,
                        help="stop making changes after this many minutes (a busy machine); the count made is printed")
    args = parser.parse_args()
    var_dir = Path(tempfile.mkdtemp(prefix="gongyu-convergence-"))
    env = {**os.environ, "GONGYU_RANDOM_OPERATIONS": str(args.operations), "GONGYU_RANDOM_SEED": str(args.seed),
           "GONGYU_RANDOM_SECONDS": str(args.minutes * 60), "GONGYU_VAR_DIR": str(var_dir)}
    test = "tests/trust/test_random_convergence.py"
    select = [] if args.index == "both" else ["-k", args.index]
    # A private basetemp: the worker's log (what its own check repaired) outlives other test runs.
    code = subprocess.call([sys.executable, "-m", "pytest", test, "-q", "-s", "-p", "no:cacheprovider",
                            f"--basetemp={var_dir / 'pytest'}", *select], cwd=REPO, env=env)
    print(f"worker logs: {var_dir / 'pytest'}/*/worker.log")
    return code


if __name__ == "__main__":
    sys.exit(main())
