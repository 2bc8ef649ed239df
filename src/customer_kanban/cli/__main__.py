"""Run the command line with ``python -m customer_kanban.cli``."""

import sys

from customer_kanban.cli._main import main

sys.exit(main())
