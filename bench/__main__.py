"""`python -m bench [--quick] [--postgres URL|auto]`: see bench/README.md."""

import sys

from bench.run import main

sys.exit(main())
