"""`python -m chilecite`: the `chilecite` command."""

from chilecite.cli import main

main()
