"""Effect evidence and the inequality watch (issue 12), pure Python on pandas.

The overview app builds a `Panel` from the modules' contracts and calls
`assess_effect` (grade, reasons, and the estimate when it may be shown) or
`inequality_watch`. Nothing here touches the database.
"""

from tillid.overview.effects.estimate import (
    EffectEstimate,
    EffectSettings,
    EventRow,
    NotEstimable,
    PreTrend,
    estimate_effect,
)
from tillid.overview.effects.grade import Evidence, Grade, GradeRules, Reason, assess_effect
from tillid.overview.effects.inequality import InequalityWatch, UnitValue, inequality_watch
from tillid.overview.effects.panel import (
    Design,
    Observation,
    Panel,
    PanelError,
    Problem,
    UnitInfo,
)

__all__ = [
    "Design",
    "EffectEstimate",
    "EffectSettings",
    "EventRow",
    "Evidence",
    "Grade",
    "GradeRules",
    "InequalityWatch",
    "NotEstimable",
    "Observation",
    "Panel",
    "PanelError",
    "PreTrend",
    "Problem",
    "Reason",
    "UnitInfo",
    "UnitValue",
    "assess_effect",
    "estimate_effect",
    "inequality_watch",
]
