"""`python -m medkg.cli`."""

from medkg.cli import main

main()
