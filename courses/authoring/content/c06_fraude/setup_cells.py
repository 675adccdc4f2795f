"""Course 6's provided code cells (one per assignment)."""

from courses.authoring.model import Code

SETUP_RULES = Code(
    """
    import pandas as pd
    from datasets_synthetic import load

    claims = load("claims")
    beneficiaries = load("beneficiaries")
    SEUIL_VOLUME = 60  # au-delà de 60 actes facturés dans la journée, un professionnel est suspect
    claims["fraud_type"].value_counts(dropna=False)
    """
)

SETUP_MODEL = Code(
    """
    import numpy as np
    import pandas as pd
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.metrics import precision_score, recall_score, roc_auc_score
    from sklearn.model_selection import train_test_split
    from datasets_synthetic import load

    claims = load("claims")
    beneficiaries = load("beneficiaries")
    COUT_CONTROLE_A_TORT = 300  # € : enquête inutile + relation abîmée avec un professionnel honnête
    COUT_FRAUDE_MANQUEE = 150  # € : montant moyen perdu sur une ligne frauduleuse non détectée (ordre de grandeur)
    SEUILS = np.round(np.arange(0.05, 1.0, 0.05), 2)


    def caracteristiques(lignes, personnes):
        '''Les variables du modèle, une ligne par ligne de prestation (même ordre, même index).'''
        deces = lignes["beneficiary_id"].map(personnes.set_index("beneficiary_id")["death_date"])
        naissance = lignes["beneficiary_id"].map(personnes.set_index("beneficiary_id")["birth_date"])
        cle = ["beneficiary_id", "practitioner_id", "care_date", "act_code"]
        return pd.DataFrame(
            {
                "amount_billed": lignes["amount_billed"],
                "reimbursement_base": lignes["reimbursement_base"],
                "extra_fees": lignes["extra_fees"],
                "quantity": lignes["quantity"],
                "volume_jour": lignes.groupby(["practitioner_id", "care_date"])["claim_id"].transform("size"),
                "nb_memes_actes": lignes.groupby(cle)["claim_id"].transform("size"),
                "apres_deces": (lignes["care_date"] > deces).astype(int),
                "age": lignes["care_date"].dt.year - naissance.dt.year,
            },
            index=lignes.index,
        )
    """
)
