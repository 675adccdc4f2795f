"""Course 5: the PSC reform and mass enrolment (waves, automatic enrolment, exemptions, reconciliation)."""

from courses.authoring.content.c05_reforme_psc.a01_vagues_affiliation import A01
from courses.authoring.content.c05_reforme_psc.a02_rapprochement import A02
from courses.authoring.model import CourseSpec

COURSE = CourseSpec(
    id="c05-reforme-psc",
    title="Réforme PSC et affiliation de masse",
    order=5,
    assignments=(A01, A02),
)
