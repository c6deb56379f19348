"""The rules explorer at ``/rules``: every finding beside the sources its rules cite (see :mod:`.explorer`)."""

from refugee_rules.frontends.explorer.explorer import Explorer
from refugee_rules.frontends.explorer.routes import CSP, explorer_router

__all__ = ["CSP", "Explorer", "explorer_router"]
