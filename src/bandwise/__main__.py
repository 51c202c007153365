"""``python -m bandwise``: the same entry point as the ``bandwise`` console script."""

from bandwise.cli import main

if __name__ == "__main__":
    main()
