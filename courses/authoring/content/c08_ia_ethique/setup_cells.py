"""Course 8's provided code cells: the audited model and the AI Act use cases."""

from courses.authoring.model import Code

SETUP = Code(
    '''
    import hashlib

    import numpy as np
    import pandas as pd
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from datasets_synthetic import load

    claims = load("claims")
    beneficiaries = load("beneficiaries")
    VARIABLES = ["amount_billed", "extra_fees", "quantity", "age", "chronic_condition"]


    def preparer(lignes, personnes):
        """Les lignes de prestations avec le sexe, l'âge, la tranche d'âge et l'ALD de la personne soignée."""
        d = lignes.merge(personnes[["beneficiary_id", "sex", "birth_date", "chronic_condition"]], on="beneficiary_id")
        d["age"] = d["care_date"].dt.year - d["birth_date"].dt.year
        bornes, noms = [0, 18, 40, 60, 75, 200], ["0-17", "18-39", "40-59", "60-74", "75+"]
        d["tranche_age"] = pd.cut(d["age"], bornes, right=False, labels=noms).astype(str)
        return d


    def entrainer(d):
        """Le modèle audité : une régression logistique qui donne un score de suspicion à chaque ligne."""
        modele = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000, class_weight="balanced"))
        return modele.fit(d[VARIABLES].astype(float), d["fraud_type"].notna().astype(int))


    def alertes(d, modele):
        """Les 2 % de lignes au score le plus élevé partent en contrôle."""
        score = pd.Series(modele.predict_proba(d[VARIABLES].astype(float))[:, 1], index=d.index)
        return score >= score.quantile(0.98)


    donnees = preparer(claims, beneficiaries)
    modele = entrainer(donnees)
    donnees["alerte"] = alertes(donnees, modele)
    donnees["fraude"] = donnees["fraud_type"].notna()
    donnees[VARIABLES + ["sex", "tranche_age", "alerte", "fraude"]].head()
    '''
)

CAS_USAGE = Code(
    """
    CAS = {
        "notation_sociale": "Attribuer à chaque adhérent une note de comportement, tirée de ses réseaux sociaux, qui module ses droits.",
        "emotions_conseillers": "Détecter par webcam les émotions des conseillers pendant leurs appels pour évaluer leur travail.",
        "tarification_individuelle": "Évaluer le risque d'une personne et fixer le prix de son assurance santé individuelle.",
        "tri_cv": "Trier automatiquement les CV des candidats à un poste de conseiller.",
        "assistant_adherents": "Un agent conversationnel qui répond aux adhérents sur leurs garanties.",
        "tri_courriels": "Aiguiller les courriels entrants vers la bonne équipe, un conseiller les traitant ensuite.",
        "anti_spam": "Filtrer les courriels indésirables reçus par la mutuelle.",
    }
    NIVEAUX = ["inacceptable", "haut", "limite", "minimal"]
    """
)
