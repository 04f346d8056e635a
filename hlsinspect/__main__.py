"""`python -m hlsinspect` is the same as the `hlsinspect` command."""

try:
    from hlsinspect.command import main
except KeyboardInterrupt:  # Ctrl-C before the command could handle it: its line, no traceback
    import os

    os.write(2, b"hlsinspect: interrupted\n")
    os._exit(130)

if __name__ == "__main__":
    main()
