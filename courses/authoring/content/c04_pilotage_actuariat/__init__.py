"""Course 4: technical steering and actuarial basics (premiums vs claims, loss ratio, AMO/AMC, 100 % Santé)."""

from courses.authoring.content.c04_pilotage_actuariat.a01_cotisations_sinistralite import A01
from courses.authoring.content.c04_pilotage_actuariat.a02_amo_amc_100_sante import A02
from courses.authoring.model import CourseSpec

COURSE = CourseSpec(
    id="c04-pilotage-actuariat",
    title="Pilotage technique et actuariat",
    order=4,
    assignments=(A01, A02),
)
