"""Course 1, a01-premiers-pas: counting, summing and filtering the claims table."""

from courses.authoring.content.c01_python_pandas.setup_cells import SETUP
from courses.authoring.model import AssignmentSpec, Code, Ex, Md, Written

A01 = AssignmentSpec(
    id="a01-premiers-pas",
    title="Premiers pas avec les prestations",
    due_offset_days=7,
    blocks=(
        Md(
            """
            # Premiers pas avec les prestations

            Chaque jour, la mutuelle reçoit des milliers de **lignes de prestations** : une consultation chez le
            médecin, une boîte de médicaments, une paire de lunettes… Chaque ligne dit qui a été soigné, par qui,
            quand, combien cela a coûté et qui a payé quoi (l'Assurance maladie obligatoire, la mutuelle, l'adhérent).

            Dans ce carnet, vous allez découvrir la table `claims` avec **pandas**, la bibliothèque Python
            d'analyse de tableaux. Chaque exercice vous demande de ranger un résultat dans une **variable** au nom
            imposé : c'est elle que les tests vérifient.

            Le mode d'emploi juste en dessous vaut pour tous les carnets du parcours : prenez le temps de le lire
            une fois, en particulier la cellule *Vérifier ma réponse* qui vous accompagne à chaque exercice.
            """
        ),
        SETUP,
        Md(
            """
            ## Découvrir la table

            `claims.shape` donne (nombre de lignes, nombre de colonnes), `claims.columns` la liste des colonnes et
            `claims["amount_billed"]` une colonne. Essayez-les dans la cellule ci-dessous : celle-ci, vous pouvez
            la modifier à volonté (les autres cellules de code fournies sont protégées).
            """
        ),
        Code(
            """
            print(claims.shape)
            print(list(claims.columns))
            """,
            locked=False,
        ),
        Ex(
            title="Compter les lignes",
            points=1,
            competencies=("python.bases", "pandas.selection"),
            prompt="""
            Rangez dans la variable `nb_lignes` le **nombre de lignes** de la table `claims` (un entier).

            *Indice* : la fonction `len(...)` donne la longueur d'un tableau.
            """,
            solution="nb_lignes = len(claims)",
            visible="""
            assert isinstance(nb_lignes, int), "nb_lignes doit être un nombre entier (utilisez len(...))."
            assert nb_lignes > 0, "La table n'est pas vide : nb_lignes doit être positif."
            """,
            hidden="""
            from courses.checks import reference

            assert nb_lignes == len(reference("claims")), (
                f"nb_lignes vaut {nb_lignes} : ce n'est pas le nombre de lignes de claims (len(claims.columns) compte les colonnes)."
            )
            """,
            wrong="nb_lignes = len(claims.columns)",
            alternatives=("nb_lignes = claims.shape[0]",),
        ),
        Ex(
            title="Total remboursé par l'Assurance maladie",
            points=1,
            competencies=("pandas.selection", "metier.prestations"),
            prompt="""
            La colonne `amo_paid` contient la part payée par l'**Assurance maladie obligatoire** (AMO), en euros.
            Calculez le **total** de cette colonne dans la variable `total_amo`.

            *Indice* : une colonne pandas a une méthode `.sum()`.
            """,
            solution='total_amo = claims["amo_paid"].sum()',
            visible="""
            assert total_amo > 0, "total_amo doit être une somme positive en euros."
            """,
            hidden="""
            from courses.checks import assert_close, reference

            assert_close(total_amo, reference("claims")["amo_paid"].sum(), what="total_amo")
            """,
            wrong='total_amo = claims["amount_billed"].sum()',
        ),
        Ex(
            title="Filtrer les consultations de médecin généraliste",
            points=2,
            competencies=("pandas.selection",),
            prompt="""
            Le code d'acte `G` désigne la consultation de médecin généraliste. Rangez dans `consultations_g` le
            tableau des seules lignes dont `act_code` vaut `"G"`.

            *Indice* : `claims[claims["colonne"] == valeur]` garde les lignes qui vérifient la condition.
            """,
            solution='consultations_g = claims[claims["act_code"] == "G"]',
            visible="""
            assert isinstance(consultations_g, pd.DataFrame), "consultations_g doit être un tableau (DataFrame)."
            assert len(consultations_g) > 0, "Aucune ligne : vérifiez la valeur recherchée (\\"G\\", en majuscule)."
            assert (consultations_g["act_code"] == "G").all(), "Toutes les lignes gardées doivent avoir act_code == 'G'."
            """,
            hidden="""
            from courses.checks import assert_same_set, reference

            ref = reference("claims")
            assert_same_set(consultations_g["claim_id"], ref.loc[ref["act_code"] == "G", "claim_id"], what="consultations_g")
            assert len(consultations_g) == (ref["act_code"] == "G").sum(), "consultations_g contient des lignes en double."
            """,
            wrong='consultations_g = claims[claims["act_code"] == "G"].head()',
            alternatives=(
                """
                consultations_g = claims.query("act_code == 'G'").sort_values("care_date")
                """,
            ),
        ),
        Ex(
            title="Combien de personnes soignées ?",
            points=1,
            competencies=("pandas.selection",),
            prompt="""
            Une même personne a souvent plusieurs lignes. Rangez dans `nb_personnes_soignees` le nombre de
            **bénéficiaires différents** (`beneficiary_id`) présents dans `claims`.

            *Indice* : `.nunique()` compte les valeurs distinctes d'une colonne.
            """,
            solution='nb_personnes_soignees = claims["beneficiary_id"].nunique()',
            visible="""
            assert nb_personnes_soignees > 0, "nb_personnes_soignees doit être positif."
            assert nb_personnes_soignees < len(claims), "Il y a moins de personnes que de lignes : comptez les identifiants distincts."
            """,
            hidden="""
            from courses.checks import reference

            assert nb_personnes_soignees == reference("claims")["beneficiary_id"].nunique(), (
                f"nb_personnes_soignees vaut {nb_personnes_soignees} : comptez les bénéficiaires distincts présents dans claims."
            )
            """,
            wrong='nb_personnes_soignees = beneficiaries["beneficiary_id"].nunique()',
            alternatives=('nb_personnes_soignees = len(claims["beneficiary_id"].unique())',),
        ),
        Ex(
            title="Les cinq actes les plus fréquents",
            points=2,
            competencies=("pandas.agregation",),
            prompt="""
            Rangez dans `top5_actes` les **cinq codes d'acte les plus fréquents**, avec leur nombre de lignes :
            une Series dont l'index est le code d'acte et la valeur le nombre de lignes, du plus fréquent au moins
            fréquent.

            *Indice* : `.value_counts()` compte les valeurs et les trie ; `.head(5)` garde les cinq premières.
            """,
            solution='top5_actes = claims["act_code"].value_counts().head(5)',
            visible="""
            assert isinstance(top5_actes, pd.Series), "top5_actes doit être une Series (résultat de value_counts)."
            assert len(top5_actes) == 5, f"top5_actes doit contenir exactement 5 codes d'acte (il en a {len(top5_actes)})."
            """,
            hidden="""
            from courses.checks import reference

            counts = reference("claims")["act_code"].value_counts()
            got = top5_actes.astype(int)
            assert sorted(got.tolist(), reverse=True) == counts.head(5).tolist(), "Ce ne sont pas les 5 plus grands effectifs : gardez les cinq premiers du plus fréquent au moins fréquent."
            for code, n in got.items():
                assert counts.get(code) == n, f"Le nombre de lignes de l'acte {code} est faux."
            """,
            wrong='top5_actes = claims["act_code"].value_counts().tail(5)',
            alternatives=('top5_actes = claims.groupby("act_code").size().nlargest(5)',),
        ),
        Ex(
            title="Le reste à charge moyen",
            points=1,
            competencies=("pandas.selection", "metier.prestations"),
            prompt="""
            La colonne `out_of_pocket` est ce qui reste à payer à l'adhérent après l'Assurance maladie et la
            mutuelle (le **reste à charge**). Rangez dans `rac_moyen` le reste à charge **moyen par ligne**.
            """,
            solution='rac_moyen = claims["out_of_pocket"].mean()',
            visible="""
            assert rac_moyen >= 0, "Un reste à charge moyen ne peut pas être négatif."
            """,
            hidden="""
            from courses.checks import assert_close, reference

            assert_close(rac_moyen, reference("claims")["out_of_pocket"].mean(), what="rac_moyen")
            """,
            wrong='rac_moyen = claims["amc_paid"].mean()',
            alternatives=('rac_moyen = claims["out_of_pocket"].sum() / len(claims)',),
        ),
        Written(
            title="Une ligne de prestation, c'est quoi ?",
            points=2,
            competencies=("metier.prestations", "communication.ecrit"),
            prompt="""
            En trois ou quatre phrases, expliquez à un collègue du service adhérents ce que représente une ligne de
            la table `claims`, en citant au moins trois colonnes et ce qu'elles disent du remboursement.
            """,
            answer="""
            Attendu : une ligne = un acte de soin (consultation, médicament, lunettes…) pour un bénéficiaire, réalisé
            par un professionnel à une date. Citer par exemple `amount_billed` (montant facturé), `amo_paid` (part
            Assurance maladie), `amc_paid` (part mutuelle), `out_of_pocket` (reste à charge), `care_date`.
            Bonus : montant facturé = AMO + mutuelle + reste à charge.
            """,
        ),
    ),
)
