"""Course 6: fraud and anomaly detection (rules, then a scikit-learn model, precision/recall and costs)."""

from courses.authoring.content.c06_fraude.a01_regles_metier import A01
from courses.authoring.content.c06_fraude.a02_modele_et_couts import A02
from courses.authoring.model import CourseSpec

COURSE = CourseSpec(
    id="c06-fraude",
    title="Détection de fraude et d'anomalies",
    order=6,
    assignments=(A01, A02),
)
