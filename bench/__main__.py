"""`python -m bench`: see bench/harness/cli.py."""

import sys

from bench.harness.cli import main

sys.exit(main())
