"""Course 4's provided code cells (one per assignment)."""

from courses.authoring.model import Code

SETUP_SP = Code(
    '''
    import numpy as np
    import pandas as pd
    from datasets_synthetic import load

    claims = load("claims")
    contracts = load("contracts")
    beneficiaries = load("beneficiaries")
    ANNEE = int(claims["care_date"].dt.year.max())  # l'exercice étudié : la dernière année de soins


    def mois_couverts(contrats, annee=ANNEE):
        """Nombre de mois (0 à 12) de l'année pendant lesquels chaque contrat est en vigueur (mois entamé = dû)."""
        debut = contrats["start_date"].clip(lower=pd.Timestamp(annee, 1, 1))
        fin = contrats["end_date"].fillna(pd.Timestamp(annee, 12, 31)).clip(upper=pd.Timestamp(annee, 12, 31))
        mois = (fin.dt.year - debut.dt.year) * 12 + (fin.dt.month - debut.dt.month) + 1
        return mois.where(fin >= debut, 0)


    def rattacher_contrat(lignes, contrats=None, personnes=None):
        """Ajoute à chaque ligne de prestation le contrat du foyer en vigueur à la date des soins (contract_id, kind, employer_id).

        Par défaut, les tables `contracts` et `beneficiaries` chargées ci-dessus.
        """
        contrats = contracts if contrats is None else contrats
        personnes = beneficiaries if personnes is None else personnes
        foyer = lignes.merge(personnes[["beneficiary_id", "subscriber_id"]], on="beneficiary_id", how="left")
        avec = foyer.merge(
            contrats[["contract_id", "subscriber_id", "kind", "employer_id", "start_date", "end_date"]],
            on="subscriber_id",
            how="left",
        )
        en_vigueur = (avec["start_date"] <= avec["care_date"]) & (
            avec["end_date"].isna() | (avec["care_date"] <= avec["end_date"])
        )
        return avec[en_vigueur].drop_duplicates("claim_id").drop(columns=["start_date", "end_date"])


    print("Exercice étudié :", ANNEE)
    '''
)

SETUP_AMC = Code(
    """
    import pandas as pd
    from datasets_synthetic import load

    claims = load("claims")
    practitioners = load("practitioners")
    beneficiaries = load("beneficiaries")
    claims[["amount_billed", "reimbursement_base", "amo_rate", "amo_paid", "amc_paid", "out_of_pocket"]].head()
    """
)
