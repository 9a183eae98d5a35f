"""``python -m sparsity_oracle``: the command line."""

import sys

from .cli import main

sys.exit(main())
