"""``python -m il7.cli``: the il7 command."""

from il7.cli import main

if __name__ == "__main__":
    main()
