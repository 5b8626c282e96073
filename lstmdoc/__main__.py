"""Run the command line with ``python -m lstmdoc``."""

from lstmdoc.cli import main

raise SystemExit(main())
