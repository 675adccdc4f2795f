"""Course 4, a02-amo-amc-100-sante: who pays what, 100 % Santé, out-of-pocket."""

from courses.authoring.content.c04_pilotage_actuariat.setup_cells import SETUP_AMC
from courses.authoring.model import AssignmentSpec, Ex, Md, Written

A02 = AssignmentSpec(
    id="a02-amo-amc-100-sante",
    title="Qui paie quoi : AMO, mutuelle, reste à charge",
    due_offset_days=42,
    blocks=(
        Md(
            """
            # Qui paie quoi : AMO, mutuelle, reste à charge

            Sur chaque soin, trois payeurs se partagent le **montant facturé** : l'**Assurance maladie
            obligatoire** (AMO : `amo_paid`), la **mutuelle** (AMC : `amc_paid`) et l'**adhérent** (reste à
            charge : `out_of_pocket`). L'AMO rembourse un pourcentage (`amo_rate`) de la **base de remboursement**,
            moins la participation forfaitaire (2 € par consultation) et les franchises, que la mutuelle n'a pas le
            droit de rembourser dans un contrat responsable. Au-delà de la base, les **dépassements**
            (`extra_fees`) sont pris en charge selon le niveau de garantie.

            Exemple : une consultation à 30 €, taux 70 % : AMO = 30 × 0,70 − 2 = 19 € ; la mutuelle paie le ticket
            modérateur de 9 € ; les 2 € restent à l'adhérent.

            Le **100 % Santé** garantit un reste à charge **nul** sur un panier de lunettes, prothèses dentaires et
            aides auditives.
            """
        ),
        SETUP_AMC,
        Ex(
            title="La répartition entre les trois payeurs",
            points=1,
            competencies=("metier.prestations", "pandas.selection"),
            prompt="""
            Rangez dans `repartition` une Series avec les **totaux** des colonnes `amo_paid`, `amc_paid` et
            `out_of_pocket` (l'index est le nom de la colonne).

            *Indice* : `claims[[col1, col2, col3]].sum()`.
            """,
            solution='repartition = claims[["amo_paid", "amc_paid", "out_of_pocket"]].sum()',
            visible="""
            from courses.checks import to_series

            assert set(to_series(repartition).index) == {"amo_paid", "amc_paid", "out_of_pocket"}, "Index attendu : amo_paid, amc_paid, out_of_pocket."
            """,
            hidden="""
            from courses.checks import assert_same_series, reference

            assert_same_series(repartition, reference("claims")[["amo_paid", "amc_paid", "out_of_pocket"]].sum(), what="repartition")
            """,
            wrong='repartition = claims[["amo_paid", "amc_paid", "out_of_pocket"]].mean()',
            alternatives=(
                """
                repartition = pd.Series({colonne: claims[colonne].sum() for colonne in ["out_of_pocket", "amc_paid", "amo_paid"]})
                """,
            ),
        ),
        Ex(
            title="Les parts de chaque payeur",
            points=1,
            competencies=("metier.prestations",),
            prompt="""
            Rangez dans `parts` la **part** de chaque payeur dans le total facturé (`amount_billed`) : la même
            Series que `repartition`, divisée par le total facturé. La somme des trois parts vaut 1 sur les lignes
            normales.
            """,
            solution='parts = repartition / claims["amount_billed"].sum()',
            visible="""
            from courses.checks import to_series

            assert all(0 <= v <= 1 for v in to_series(parts)), "Chaque part est comprise entre 0 et 1."
            """,
            hidden="""
            from courses.checks import assert_same_series, reference

            ref = reference("claims")
            expected = ref[["amo_paid", "amc_paid", "out_of_pocket"]].sum() / ref["amount_billed"].sum()
            assert_same_series(parts, expected, what="parts", abs_tol=1e-6)
            """,
            # The mean of the per-line shares, not the share of the totals: small bills weigh as much as large ones.
            wrong='parts = claims[["amo_paid", "amc_paid", "out_of_pocket"]].div(claims["amount_billed"], axis=0).mean()',
        ),
        Ex(
            title="Recalculer la part de l'Assurance maladie",
            points=2,
            competencies=("metier.prestations", "python.bases"),
            prompt="""
            Recalculez pour chaque ligne la part AMO théorique :
            `max(0, reimbursement_base × amo_rate − flat_participation − deductible)`, **arrondie au centime**.
            Rangez cette Series (une valeur par ligne de `claims`, même index) dans `amo_theorique`.

            *Indice* : `.clip(lower=0)` remplace les valeurs négatives par 0 ; `.round(2)` arrondit.
            """,
            solution="""
            amo_theorique = (
                claims["reimbursement_base"] * claims["amo_rate"] - claims["flat_participation"] - claims["deductible"]
            ).clip(lower=0).round(2)
            """,
            visible="""
            assert len(amo_theorique) == len(claims), "Il faut une valeur par ligne de claims."
            assert (amo_theorique >= 0).all(), "La part AMO ne peut pas être négative : pensez au max(0, ...)."
            """,
            hidden="""
            from courses.checks import assert_same_rows, reference

            ref = reference("claims")
            expected = (ref["reimbursement_base"] * ref["amo_rate"] - ref["flat_participation"] - ref["deductible"]).clip(lower=0)
            assert_same_rows(amo_theorique, expected, what="amo_theorique", abs_tol=0.011)
            """,
            wrong='amo_theorique = (claims["reimbursement_base"] * claims["amo_rate"]).round(2)',
            alternatives=(
                """
                import numpy as np

                brut = claims["reimbursement_base"] * claims["amo_rate"] - claims["flat_participation"] - claims["deductible"]
                amo_theorique = np.maximum(0, brut.to_numpy()).round(2)
                """,
            ),
        ),
        Ex(
            title="Le reste à charge du 100 % Santé",
            points=2,
            competencies=("metier.prestations", "pandas.agregation"),
            prompt="""
            Parmi les familles `optics`, `dental_prosthesis` et `hearing`, rangez dans `rac_100_sante` le **reste
            à charge moyen par ligne** selon que la ligne relève du 100 % Santé ou non : une Series indexée par
            `is_100_sante` (`True` / `False`).
            """,
            solution="""
            equipements = claims[claims["act_family"].isin(["optics", "dental_prosthesis", "hearing"])]
            rac_100_sante = equipements.groupby("is_100_sante")["out_of_pocket"].mean()
            """,
            visible="""
            assert len(rac_100_sante) == 2, f"Il faut deux valeurs : True (100 % Santé) et False (il y en a {len(rac_100_sante)})."
            """,
            hidden="""
            from courses.checks import assert_same_series, reference

            ref = reference("claims")
            eq = ref[ref["act_family"].isin(["optics", "dental_prosthesis", "hearing"])]
            assert_same_series(rac_100_sante, eq.groupby("is_100_sante")["out_of_pocket"].mean(), what="rac_100_sante")
            """,
            wrong='rac_100_sante = claims.groupby("is_100_sante")["out_of_pocket"].mean()',
            alternatives=(
                """
                equipements = claims[claims["act_family"].isin(["optics", "dental_prosthesis", "hearing"])]
                rac_100_sante = equipements.groupby("is_100_sante", as_index=False)["out_of_pocket"].mean()
                """,
            ),
        ),
        Ex(
            title="Où le reste à charge est-il le plus lourd ?",
            points=1,
            competencies=("metier.prestations", "pandas.agregation"),
            prompt="""
            Rangez dans `rac_par_famille` le **reste à charge total** par famille d'actes, trié du plus grand au
            plus petit.
            """,
            solution='rac_par_famille = claims.groupby("act_family")["out_of_pocket"].sum().sort_values(ascending=False)',
            visible="""
            from courses.checks import to_series

            _rac = to_series(rac_par_famille, index_name="act_family")
            assert list(_rac) == sorted(_rac, reverse=True), "Triez du plus grand au plus petit."
            """,
            hidden="""
            from courses.checks import assert_same_series, reference

            expected = reference("claims").groupby("act_family")["out_of_pocket"].sum().sort_values(ascending=False)
            assert_same_series(rac_par_famille, expected, what="rac_par_famille")
            """,
            wrong="""
            rac_par_famille = claims.groupby("act_family")["out_of_pocket"].mean().sort_values(ascending=False)
            """,
            alternatives=(
                """
                rac_par_famille = claims.groupby("act_family", as_index=False)["out_of_pocket"].sum().sort_values("out_of_pocket", ascending=False)
                """,
            ),
        ),
        Ex(
            title="Les dépassements selon le secteur du médecin",
            points=2,
            competencies=("metier.prestations", "pandas.jointure"),
            prompt="""
            Pour les lignes facturées par un **médecin** (`category == "doctor"` dans `practitioners`), rangez
            dans `depassements_secteur` la **part des dépassements** dans le montant facturé
            (`somme de extra_fees / somme de amount_billed`) par secteur du médecin (`sector` : `1`, `2`, `optam`).
            """,
            solution="""
            medecins = practitioners.loc[practitioners["category"] == "doctor", ["practitioner_id", "sector"]]
            lignes = claims.merge(medecins, on="practitioner_id")
            sommes = lignes.groupby("sector")[["extra_fees", "amount_billed"]].sum()
            depassements_secteur = sommes["extra_fees"] / sommes["amount_billed"]
            """,
            visible="""
            from courses.checks import to_series

            assert "1" in set(map(str, to_series(depassements_secteur, index_name="sector").index)), "Le secteur 1 doit apparaître."
            """,
            hidden="""
            from courses.checks import assert_same_series, reference

            pr = reference("practitioners")
            lignes = reference("claims").merge(pr.loc[pr["category"] == "doctor", ["practitioner_id", "sector"]], on="practitioner_id")
            s = lignes.groupby("sector")[["extra_fees", "amount_billed"]].sum()
            assert_same_series(depassements_secteur, s["extra_fees"] / s["amount_billed"], what="depassements_secteur", abs_tol=1e-6)
            """,
            wrong="""
            lignes = claims.merge(practitioners[["practitioner_id", "sector"]], on="practitioner_id")
            sommes = lignes.groupby("sector")[["extra_fees", "amount_billed"]].sum()
            depassements_secteur = sommes["extra_fees"] / sommes["amount_billed"]
            """,
            alternatives=(
                """
                lignes = claims.merge(practitioners.query("category == 'doctor'"), on="practitioner_id")
                depassements_secteur = lignes.groupby("sector")["extra_fees"].sum() / lignes.groupby("sector")["amount_billed"].sum()
                """,
            ),
        ),
        Ex(
            title="Le reste à charge annuel des patients en ALD",
            points=2,
            competencies=("metier.prestations", "pandas.jointure", "pandas.agregation"),
            prompt="""
            Les personnes en **affection de longue durée** (ALD, `chronic_condition`) sont remboursées à 100 % par
            l'AMO pour leurs soins liés. Calculez le reste à charge **total par bénéficiaire** sur toute la
            période, puis sa **moyenne** selon `chronic_condition` (parmi les bénéficiaires qui ont au moins une
            ligne). Rangez le résultat (Series indexée par `True`/`False`) dans `rac_ald`.
            """,
            solution="""
            par_personne = claims.groupby("beneficiary_id", as_index=False)["out_of_pocket"].sum()
            par_personne = par_personne.merge(beneficiaries[["beneficiary_id", "chronic_condition"]], on="beneficiary_id")
            rac_ald = par_personne.groupby("chronic_condition")["out_of_pocket"].mean()
            """,
            visible="""
            assert len(rac_ald) == 2, f"Il faut deux valeurs : True (ALD) et False (il y en a {len(rac_ald)})."
            """,
            hidden="""
            from courses.checks import assert_same_series, reference

            pp = reference("claims").groupby("beneficiary_id", as_index=False)["out_of_pocket"].sum()
            pp = pp.merge(reference("beneficiaries")[["beneficiary_id", "chronic_condition"]], on="beneficiary_id")
            assert_same_series(rac_ald, pp.groupby("chronic_condition")["out_of_pocket"].mean(), what="rac_ald")
            """,
            wrong="""
            lignes = claims.merge(beneficiaries[["beneficiary_id", "chronic_condition"]], on="beneficiary_id")
            rac_ald = lignes.groupby("chronic_condition")["out_of_pocket"].mean()
            """,
            alternatives=(
                """
                par_personne = claims.groupby("beneficiary_id")["out_of_pocket"].sum()
                ald = beneficiaries.set_index("beneficiary_id")["chronic_condition"].reindex(par_personne.index)
                rac_ald = par_personne.groupby(ald).mean().astype("float32")
                """,
            ),
        ),
        Written(
            title="Expliquer le 100 % Santé à un adhérent",
            points=2,
            competencies=("metier.prestations", "communication.ecrit"),
            prompt="""
            Un adhérent a payé 180 € de sa poche pour ses lunettes et s'étonne : « on m'avait dit que c'était
            gratuit ». À partir de vos résultats, rédigez une réponse claire et courtoise (5 à 8 lignes).
            """,
            answer="""
            Attendu : le 100 % Santé ne couvre sans reste à charge que les équipements du panier (classe A pour
            l'optique) ; un équipement hors panier (libre) est remboursé dans la limite des garanties du contrat
            (plafonds), d'où un reste à charge ; proposer de comparer avec une offre 100 % Santé chez l'opticien,
            citer les chiffres trouvés (reste à charge moyen ≈ 0 avec, nettement plus sans). Ton courtois.
            """,
        ),
    ),
)
