"""refugee-rules: explained, cited decision support on the 1951 Refugee Convention and the entry and
residence regimes Russians leaving since 2022 meet. Advice support for trained advisers, not a decision.
"""

from ._version import __version__
from .api import assess
from .assessment import Assessment
from .errors import EngineError, ProfileError, RefugeeRulesError, RulesetError
from .profile import UNKNOWN, CaseProfile

__all__ = [
    "UNKNOWN",
    "Assessment",
    "CaseProfile",
    "EngineError",
    "ProfileError",
    "RefugeeRulesError",
    "RulesetError",
    "__version__",
    "assess",
]
