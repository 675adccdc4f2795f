"""Course 8: ethical AI and governance (bias, explainability, EU AI Act, GDPR and health data, human in the loop)."""

from courses.authoring.content.c08_ia_ethique.a01_audit_modele import A01
from courses.authoring.model import CourseSpec

COURSE = CourseSpec(
    id="c08-ia-ethique",
    title="IA éthique et gouvernance",
    order=8,
    assignments=(A01,),
)
