"""Lianxin (连心桥): shared pieces of the four services.

The event contract, configuration, persistence with outbox and inbox, and the HTTP
layer live here so that each service holds only its own rules and tables.
"""
import warnings

# nameko 2.14 runs on eventlet and imports pkg_resources; both warn on every import.
warnings.filterwarnings("ignore", message=r"(?s).*Eventlet is deprecated")
warnings.filterwarnings("ignore", message=r"pkg_resources is deprecated")
