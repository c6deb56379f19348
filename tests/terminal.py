"""What a command started by a test inherits from a terminal, whatever started the test run.

A shell that starts a command in the background without job control (``make test &`` in a script, ``nohup``) sets
SIGINT to "ignore", and an ignored signal stays ignored across fork and exec: Python then installs no
KeyboardInterrupt handler, and a test that presses Ctrl-C sees the command carry on. The commands these tests
start get Ctrl-C back as a terminal gives it, so the tests test the command and not the way pytest was launched.
"""

from __future__ import annotations

import signal


def ctrl_c_as_at_a_terminal() -> None:
    """A ``preexec_fn``: SIGINT to its default action in the child, before the command starts."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
