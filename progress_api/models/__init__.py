"""Every table module, imported so that `SQLModel.metadata` is complete (Alembic and tests rely on it).

Add one import line per new model module.
"""

from progress_api.models import analytics as analytics
from progress_api.models import catalog as catalog
from progress_api.models import cedia as cedia
from progress_api.models import events as events
from progress_api.models import grading as grading
from progress_api.models import people as people
