"""Course 5's provided code cells (one per assignment)."""

from courses.authoring.model import Code

SETUP_WAVES = Code(
    """
    import pandas as pd
    from datasets_synthetic import load

    contracts = load("contracts")
    employers = load("employers")
    contracts[["contract_id", "kind", "employer_id", "enrolment", "wave", "wave_opened_date", "answer_date"]].head()
    """
)

SETUP_ROSTER = Code(
    '''
    import pandas as pd
    from datasets_synthetic import load

    contracts = load("contracts")
    beneficiaries = load("beneficiaries")
    roster = load("psc_roster").drop(columns=["discrepancy"])  # le fichier tel que l'employeur l'envoie


    def nir_valide(nir):
        """Vrai si le NIR a 15 caractères et une clé correcte (voir le cours sur la qualité des données)."""
        if not isinstance(nir, str) or len(nir) != 15:
            return False
        corps = nir[:5] + nir[5:7].replace("2A", "19").replace("2B", "18") + nir[7:13]
        return corps.isdigit() and nir[13:].isdigit() and 97 - int(corps) % 97 == int(nir[13:])


    roster.head()
    '''
)
