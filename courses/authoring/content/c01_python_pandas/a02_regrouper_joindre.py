"""Course 1, a02-regrouper-joindre: groupby and joins between claims and beneficiaries."""

from courses.authoring.content.c01_python_pandas.setup_cells import SETUP
from courses.authoring.model import AssignmentSpec, Ex, Md

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
