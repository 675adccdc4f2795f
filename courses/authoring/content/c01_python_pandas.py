"""Course 1: first steps in Python and pandas on the claims table."""

from courses.authoring.model import AssignmentSpec, Code, CourseSpec, Ex, Md, Written

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

A02 = AssignmentSpec(
    id="a02-regrouper-joindre",
    title="Regrouper et joindre les tables",
    due_offset_days=14,
    blocks=(
        Md(
            """
            # Regrouper et joindre les tables

            Les questions des équipes métier sont rarement « combien de lignes ? » mais plutôt « combien **par**
            famille d'actes ? », « combien **par** sexe ? » : c'est le rôle de `groupby`. Et l'information utile est
            souvent répartie dans plusieurs tables : le sexe et la date de naissance sont dans `beneficiaries`, pas
            dans `claims`. On les rapproche avec une **jointure** (`merge`) sur l'identifiant commun.
            """
        ),
        SETUP,
        Ex(
            title="Dépenses par famille d'actes",
            points=1,
            competencies=("pandas.agregation",),
            prompt="""
            Rangez dans `depenses_par_famille` le **montant facturé total** (`amount_billed`) pour chaque famille
            d'actes (`act_family`) : une Series indexée par famille.

            *Indice* : `claims.groupby("colonne")["autre_colonne"].sum()`.
            """,
            solution='depenses_par_famille = claims.groupby("act_family")["amount_billed"].sum()',
            visible="""
            assert len(depenses_par_famille) == claims["act_family"].nunique(), (
                f"Il faut une valeur par famille d'actes : {claims['act_family'].nunique()} familles, {len(depenses_par_famille)} valeurs obtenues."
            )
            """,
            hidden="""
            from courses.checks import assert_same_series, reference

            expected = reference("claims").groupby("act_family")["amount_billed"].sum()
            assert_same_series(depenses_par_famille, expected, what="depenses_par_famille")
            """,
            wrong='depenses_par_famille = claims.groupby("act_family")["amo_paid"].sum()',
            alternatives=(
                """
                depenses_par_famille = claims.groupby("act_family", as_index=False)["amount_billed"].sum()
                """,
            ),
        ),
        Ex(
            title="Nombre moyen de lignes par personne soignée",
            points=1,
            competencies=("pandas.agregation",),
            prompt="""
            Rangez dans `lignes_par_personne` le **nombre moyen de lignes par bénéficiaire** parmi les bénéficiaires
            qui ont au moins une ligne dans `claims`.

            *Indice* : `claims.groupby("beneficiary_id").size()` compte les lignes de chaque personne.
            """,
            solution='lignes_par_personne = claims.groupby("beneficiary_id").size().mean()',
            visible="""
            assert lignes_par_personne >= 1, "Chaque personne présente dans claims a au moins une ligne : la moyenne est ≥ 1."
            """,
            hidden="""
            from courses.checks import assert_close, reference

            ref = reference("claims")
            assert_close(lignes_par_personne, len(ref) / ref["beneficiary_id"].nunique(), what="lignes_par_personne")
            """,
            wrong="lignes_par_personne = len(claims) / len(beneficiaries)",
            alternatives=('lignes_par_personne = len(claims) / claims["beneficiary_id"].nunique()',),
        ),
        Ex(
            title="Joindre les prestations et les bénéficiaires",
            points=2,
            competencies=("pandas.jointure",),
            prompt="""
            Construisez `prestations` : la table `claims` complétée des colonnes `sex` et `birth_date` de
            `beneficiaries`, jointes sur `beneficiary_id`. Chaque ligne de `claims` doit rester présente **une seule
            fois**.

            *Indice* : `claims.merge(beneficiaries[["beneficiary_id", "sex", "birth_date"]], on="beneficiary_id", how="left")`.
            """,
            solution="""
            prestations = claims.merge(
                beneficiaries[["beneficiary_id", "sex", "birth_date"]], on="beneficiary_id", how="left"
            )
            """,
            visible="""
            assert {"sex", "birth_date", "amount_billed"} <= set(prestations.columns), (
                "prestations doit garder les colonnes de claims et ajouter sex et birth_date."
            )
            assert len(prestations) == len(claims), (
                f"La jointure ne doit ni perdre ni dupliquer de lignes de claims ({len(claims)} attendues, {len(prestations)} obtenues)."
            )
            """,
            hidden="""
            from courses.checks import assert_same_series, reference

            ref = reference("claims").merge(reference("beneficiaries")[["beneficiary_id", "sex"]], on="beneficiary_id", how="left")
            assert_same_series(
                prestations.set_index("claim_id")["sex"], ref.set_index("claim_id")["sex"], what="le sexe joint à chaque ligne"
            )
            """,
            # Aligned on the row number, not on the identifier: the classic silent join mistake.
            wrong='prestations = claims.assign(sex=beneficiaries["sex"], birth_date=beneficiaries["birth_date"])',
            alternatives=(
                """
                prestations = claims.join(beneficiaries.set_index("beneficiary_id")[["sex", "birth_date"]], on="beneficiary_id")
                """,
            ),
        ),
        Ex(
            title="Dépenses par sexe",
            points=1,
            competencies=("pandas.agregation", "pandas.jointure"),
            prompt="""
            À partir de `prestations`, rangez dans `depenses_par_sexe` le montant facturé total par sexe (Series
            indexée par `F` et `M`).
            """,
            solution='depenses_par_sexe = prestations.groupby("sex")["amount_billed"].sum()',
            visible="""
            from courses.checks import to_series

            assert set(map(str, to_series(depenses_par_sexe, index_name="sex").index)) == {"F", "M"}, "Il faut une valeur pour F et une pour M."
            """,
            hidden="""
            from courses.checks import assert_same_series, reference

            ref = reference("claims").merge(reference("beneficiaries")[["beneficiary_id", "sex"]], on="beneficiary_id")
            assert_same_series(depenses_par_sexe, ref.groupby("sex")["amount_billed"].sum(), what="depenses_par_sexe")
            """,
            wrong='depenses_par_sexe = prestations.groupby("sex")["amount_billed"].mean()',
            alternatives=('depenses_par_sexe = prestations.groupby("sex").agg(total=("amount_billed", "sum"))',),
        ),
        Ex(
            title="Dépenses par année de soins",
            points=1,
            competencies=("pandas.dates", "pandas.agregation"),
            prompt="""
            La colonne `care_date` est une date. Rangez dans `depenses_par_annee` le montant facturé total par
            **année de soins** : une Series indexée par l'année (un entier, par exemple 2025).

            *Indice* : `claims["care_date"].dt.year` donne l'année de chaque date ; on peut grouper sur cette Series.
            """,
            solution='depenses_par_annee = claims.groupby(claims["care_date"].dt.year)["amount_billed"].sum()',
            visible="""
            from courses.checks import to_series

            assert all(1900 < int(a) < 2100 for a in to_series(depenses_par_annee).index), "L'index doit contenir des années."
            """,
            hidden="""
            from courses.checks import assert_same_series, reference

            ref = reference("claims")
            expected = ref.groupby(ref["care_date"].dt.year)["amount_billed"].sum()
            assert_same_series(depenses_par_annee, expected, what="depenses_par_annee")
            """,
            wrong='depenses_par_annee = claims.groupby(claims["paid_date"].dt.year)["amount_billed"].sum()',
            alternatives=(
                """
                depenses_par_annee = claims.assign(annee=claims["care_date"].dt.year).groupby("annee")["amount_billed"].sum().astype("float32")
                """,
            ),
        ),
        Ex(
            title="Les bénéficiaires sans aucun soin",
            points=2,
            competencies=("pandas.jointure", "pandas.selection"),
            prompt="""
            Combien de bénéficiaires de la table `beneficiaries` n'ont **aucune ligne** dans `claims` ? Rangez ce
            nombre dans `nb_sans_soins`.

            *Indice* : `serie.isin(valeurs)` dit pour chaque valeur si elle est présente dans `valeurs` (donnez-lui
            plutôt la liste des identifiants distincts, `claims["beneficiary_id"].unique()` : c'est bien plus
            rapide) ; `~` inverse un masque ; `.sum()` compte les `True`.
            """,
            solution='nb_sans_soins = int((~beneficiaries["beneficiary_id"].isin(claims["beneficiary_id"].unique())).sum())',
            visible="""
            assert 0 <= nb_sans_soins <= len(beneficiaries), "nb_sans_soins doit être compris entre 0 et le nombre de bénéficiaires."
            """,
            hidden="""
            from courses.checks import reference

            ben, ref = reference("beneficiaries"), reference("claims")
            expected = int((~ben["beneficiary_id"].isin(ref["beneficiary_id"].unique())).sum())
            assert nb_sans_soins == expected, (
                f"nb_sans_soins vaut {nb_sans_soins} : comptez les personnes de beneficiaries absentes de claims (attention au sens de la comparaison)."
            )
            """,
            wrong="""
            nb_sans_soins = int((~claims["beneficiary_id"].isin(beneficiaries["beneficiary_id"])).sum())
            """,
            alternatives=('nb_sans_soins = len(set(beneficiaries["beneficiary_id"]) - set(claims["beneficiary_id"]))',),
        ),
        Ex(
            title="Un tableau croisé famille × sexe",
            points=2,
            competencies=("pandas.agregation",),
            prompt="""
            Rangez dans `croise` un tableau croisé du montant facturé total avec **une ligne par famille d'actes**
            et **une colonne par sexe** (`F`, `M`), à partir de `prestations`.

            *Indice* : `pd.pivot_table(prestations, values=..., index=..., columns=..., aggfunc="sum")`.
            """,
            solution="""
            croise = pd.pivot_table(prestations, values="amount_billed", index="act_family", columns="sex", aggfunc="sum")
            """,
            visible="""
            assert {"F", "M"} <= set(map(str, croise.columns)), "Les colonnes doivent être les sexes F et M."
            """,
            hidden="""
            from courses.checks import assert_same_series, reference

            ref = reference("claims").merge(reference("beneficiaries")[["beneficiary_id", "sex"]], on="beneficiary_id")
            expected = ref.pivot_table(values="amount_billed", index="act_family", columns="sex", aggfunc="sum")
            got = croise.set_index("act_family") if "act_family" in croise.columns else croise
            for sex in ("F", "M"):
                assert_same_series(got[sex].fillna(0), expected[sex].fillna(0), what=f"la colonne {sex} de croise")
            """,
            wrong="""
            croise = pd.pivot_table(prestations, values="amount_billed", index="act_family", columns="sex", aggfunc="mean")
            """,
            alternatives=(
                'croise = prestations.groupby(["act_family", "sex"])["amount_billed"].sum().unstack()',
                """
                croise = pd.crosstab(prestations["act_family"], prestations["sex"], values=prestations["amount_billed"], aggfunc="sum").reset_index()
                """,
            ),
        ),
    ),
)

COURSE = CourseSpec(
    id="c01-python-pandas",
    title="Prise en main de Python et pandas sur les prestations",
    order=1,
    assignments=(A01, A02),
)
