"""Pre-trade risk: limits per scope, checks, the engine that gates every order, usage for the dialog."""

from core.services.risk.engine import HoldCause, Refusal, RiskEngine
from core.services.risk.limits import DEFAULT_LIMITS, LIMIT_FIELDS, LimitError, RiskConfig, RiskLimits
from core.services.risk.usage import Usage, usage_texts

__all__ = [
    "DEFAULT_LIMITS", "LIMIT_FIELDS", "HoldCause", "LimitError", "Refusal", "RiskConfig", "RiskEngine",
    "RiskLimits", "Usage", "usage_texts",
]
