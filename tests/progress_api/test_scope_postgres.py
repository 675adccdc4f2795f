"""The trainer-scope and CSV-export tests again on PostgreSQL: their SQL (correlated EXISTS, string concatenation
and substr on event ids, a grade id cast to text, a server-side cursor for the streamed export) must mean the same
there. Same test functions, with `settings` pointing at a fresh PostgreSQL database."""

from __future__ import annotations

import pytest

from progress_api.core.config import Settings
from tests.progress_api.api.test_api_trainer_scope import (  # noqa: F401 -- collected again, on PostgreSQL
    other,
    test_a_grade_of_another_cohort_is_403_to_read_and_to_override,
    test_a_learners_progress_shows_a_trainer_only_their_cohorts,
    test_a_trainer_enrolling_an_existing_user_keeps_their_profile_and_gains_no_reach,
    test_events_and_xapi_show_a_trainer_only_their_cohorts,
    test_lists_show_a_trainer_only_their_cohorts_work,
)
from tests.progress_api.services.test_csv_exports import (  # noqa: F401
    test_french_export_dates_are_paris_time_without_a_zone_and_the_comma_export_keeps_iso,
    test_grades_export_is_streamed_and_holds_the_cohorts_work_only,
)
from tests.progress_api.test_api_postgres import pg_settings  # noqa: F401 -- the fresh database per test

pytestmark = pytest.mark.postgres


@pytest.fixture
def settings(pg_settings: Settings) -> Settings:  # noqa: F811 -- overrides the SQLite `settings` of conftest.py
    return pg_settings
