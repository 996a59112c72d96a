"""Lianxin (连心桥): shared pieces of the four services.

The event contract, configuration, persistence with outbox and inbox, and the HTTP
layer live here so that each service holds only its own rules and tables.
"""
import sys
import warnings

# nameko 2.14 runs on eventlet and imports pkg_resources; both warn on every import.
warnings.filterwarnings("ignore", message=r"(?s).*Eventlet is deprecated")
warnings.filterwarnings("ignore", message=r"pkg_resources is deprecated")


def _runs_a_service(argv):
    """Whether this process is ``lianxin serve NAME`` (the console script, or ``python -m
    lianxin``, whose ``argv[0]`` is "-m" while the package is imported)."""
    program = argv[0].replace("\\", "/") if argv else ""
    lianxin = program in ("-m", "lianxin") or program.endswith(("/lianxin", "/__main__.py"))
    return lianxin and "serve" in argv[1:]


if _runs_a_service(sys.argv):
    # A service runs on eventlet. Patch before anything imports the blocking socket
    # and time functions (kombu binds time.sleep at import): unpatched, one retrying
    # connection to a broker that is away would stall every request of the process.
    import eventlet

    eventlet.monkey_patch()
