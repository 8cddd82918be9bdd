"""`python -m app`: the `midwest` command from a checkout (see app/command.py)."""

from app.command import main

main()
