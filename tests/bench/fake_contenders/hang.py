"""Fake trainer that hangs, with a grandchild process that hangs too (the harness must kill both)."""

import subprocess
import sys
import time

from common import parse

args, spec = parse()
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
print(f"grandchild_pid={child.pid}", file=sys.stderr, flush=True)
time.sleep(120)
