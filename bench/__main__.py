"""`python -m bench`: see bench/commands/__init__.py."""

import sys

from bench.commands import main

sys.exit(main())
