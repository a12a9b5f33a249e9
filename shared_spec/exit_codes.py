"""Exit statuses of a contender process: the protocol between a trainer CLI and the bench harness.

The harness reads the status together with the result line: 0 and 3 come with a result; 2 means the run
never started (a bad spec, or a device that is not there); 4 means the contender cannot run on this install.
"""

EXIT_OK = 0
EXIT_BAD_SPEC = 2
"""Bad preset, override or CLI value, or a demanded device that is absent: nothing was trained."""
EXIT_DIVERGED = 3
"""Training stopped on a non-finite loss or parameter; the result line says when."""
EXIT_UNAVAILABLE = 4
"""The contender cannot run with the installed libraries (e.g. brax.training on this JAX); the line says why."""
