"""``python -m tgkit``: the same as the ``tgkit`` command."""

import sys

from tgkit.cli import main

sys.exit(main())
