"""`python -m lagesbild` runs the command line."""

from lagesbild.cli import main

raise SystemExit(main())
