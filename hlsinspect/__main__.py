"""`python -m hlsinspect` is the same as the `hlsinspect` command."""

from hlsinspect.cli import main

if __name__ == "__main__":
    main()
