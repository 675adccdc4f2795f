"""Course 1: first steps in Python and pandas on the claims table."""

from courses.authoring.content.c01_python_pandas.a01_premiers_pas import A01
from courses.authoring.content.c01_python_pandas.a02_regrouper_joindre import A02
from courses.authoring.model import CourseSpec

COURSE = CourseSpec(
    id="c01-python-pandas",
    title="Prise en main de Python et pandas sur les prestations",
    order=1,
    assignments=(A01, A02),
)
