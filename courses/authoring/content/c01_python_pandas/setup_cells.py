"""Course 1's provided code cells (shared by both assignments)."""

from courses.authoring.model import Code

SETUP = Code(
    """
    import pandas as pd
    from datasets_synthetic import load

    # Les données sont synthétiques : aucune personne réelle derrière ces lignes.
    claims = load("claims")
    beneficiaries = load("beneficiaries")
    claims.head()
    """
)
