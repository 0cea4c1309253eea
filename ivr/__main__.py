"""`python -m ivr` is the `hotline` command."""

import sys

from ivr.cli import main

sys.exit(main())
