"""`python -m tests.variants`: see runner.py."""

import sys

from tests.variants.runner import main

sys.exit(main())
