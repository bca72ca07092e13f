"""`python -m chilecite`: the command line, as the `chilecite` command runs it."""

from chilecite.cli import main

if __name__ == "__main__":
    main()
