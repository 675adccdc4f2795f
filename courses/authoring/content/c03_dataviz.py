"""Course 3: data visualisation and reporting with matplotlib."""

from courses.authoring.model import AssignmentSpec, Code, CourseSpec, Ex, Md, Written

SETUP = Code(
    '''
    import matplotlib.pyplot as plt
    import pandas as pd
    from datasets_synthetic import load

    claims = load("claims")
    beneficiaries = load("beneficiaries")
    DATE_REF = claims["care_date"].max().normalize()  # date d'arrêté des statistiques


    def ajouter_age(df):
        """Ajoute la colonne `age` : l'âge en années révolues à la date DATE_REF."""
        out = df.copy()
        naissance = out["birth_date"]
        pas_encore_fete = (naissance.dt.month > DATE_REF.month) | (
            (naissance.dt.month == DATE_REF.month) & (naissance.dt.day > DATE_REF.day)
        )
        out["age"] = DATE_REF.year - naissance.dt.year - pas_encore_fete.astype(int)
        return out


    vivants = ajouter_age(beneficiaries[beneficiaries["death_date"].isna()])
    print("Arrêté au", DATE_REF.date(), "-", len(vivants), "bénéficiaires vivants")
    '''
)

MONTHLY_PROMPT = """
Rangez dans `mensuel` le **montant facturé total par mois de soins** : une Series indexée par mois, dans
l'ordre chronologique.

*Indice* : `claims["care_date"].dt.to_period("M")` donne le mois de chaque date (par exemple `2025-03`).
"""

A01 = AssignmentSpec(
    id="a01-graphiques-reporting",
    title="Graphiques et tableau de reporting",
    due_offset_days=28,
    blocks=(
        Md(
            """
            # Graphiques et tableau de reporting

            Le comité de direction veut voir, chaque mois, **qui** la mutuelle protège et **combien** coûtent les
            soins. Un bon graphique se lit en cinq secondes : un titre qui dit ce qu'on regarde, des axes nommés
            avec leur unité, pas de décor inutile. Un bon tableau de reporting se vérifie : ses totaux tombent juste.

            Vous utiliserez **matplotlib** : `fig, ax = plt.subplots()` crée une figure `fig` et un repère `ax` ;
            `ax.plot`, `ax.bar`, `ax.barh` dessinent ; `ax.set_title`, `ax.set_xlabel`, `ax.set_ylabel` légendent.
            Les tests examinent la figure que vous rangez dans la variable demandée.
            """
        ),
        SETUP,
        Ex(
            title="Les effectifs de la pyramide des âges",
            points=1,
            competencies=("pandas.agregation", "pandas.dates"),
            prompt="""
            Rangez dans `pyramide` le **nombre de bénéficiaires vivants** par tranche d'âge de 10 ans et par sexe :
            un tableau avec une ligne par tranche (la tranche vaut `(age // 10) * 10` : 0, 10, 20…) et une colonne
            par sexe (`F` et `M`), à partir de `vivants`.

            *Indice* : `pd.crosstab(lignes, colonnes)` compte les combinaisons de deux Series.
            """,
            solution='pyramide = pd.crosstab((vivants["age"] // 10) * 10, vivants["sex"])',
            visible="""
            from courses.checks import assert_same_series

            assert {"F", "M"} <= set(map(str, pyramide.columns)), "pyramide doit avoir une colonne F et une colonne M."
            assert pyramide.sum().sum() == len(vivants), (
                f"Chaque bénéficiaire vivant doit être compté une fois ({len(vivants)} vivants, {pyramide.sum().sum():g} comptés)."
            )
            """,
            hidden="""
            from courses.checks import reference

            ref = ajouter_age(reference("beneficiaries").query("death_date.isna()"))
            expected = pd.crosstab((ref["age"] // 10) * 10, ref["sex"])
            for sexe in ("F", "M"):
                # A groupby/unstack leaves NaN where crosstab puts 0: both are right.
                assert_same_series(pyramide[sexe].fillna(0), expected[sexe], what=f"la colonne {sexe} de pyramide")
            """,
            # The band number (0, 1, 2…) instead of the band's first age (0, 10, 20…).
            wrong='pyramide = pd.crosstab(vivants["age"] // 10, vivants["sex"])',
            alternatives=('pyramide = vivants.groupby([(vivants["age"] // 10) * 10, "sex"]).size().unstack()',),
        ),
        Ex(
            title="Dessiner la pyramide des âges",
            points=2,
            competencies=("dataviz.graphiques",),
            prompt="""
            Dessinez la pyramide avec `ax.barh` (barres horizontales) : les **hommes à gauche** (effectifs
            négatifs), les **femmes à droite** (effectifs positifs), une barre par tranche et par sexe. Donnez un
            titre et un nom à l'axe horizontal, puis rangez la figure dans `fig_pyramide`.

            ```python
            fig, ax = plt.subplots(figsize=(7, 5))
            ax.barh(pyramide.index, -pyramide["M"], height=8, label="Hommes")
            ...
            ```
            """,
            solution="""
            fig, ax = plt.subplots(figsize=(7, 5))
            ax.barh(pyramide.index, -pyramide["M"], height=8, label="Hommes")
            ax.barh(pyramide.index, pyramide["F"], height=8, label="Femmes")
            ax.set_title("Pyramide des âges des bénéficiaires")
            ax.set_xlabel("Nombre de bénéficiaires (hommes à gauche, femmes à droite)")
            ax.set_ylabel("Tranche d'âge")
            ax.legend()
            fig_pyramide = fig
            """,
            visible="""
            from matplotlib.figure import Figure

            assert isinstance(fig_pyramide, Figure), "fig_pyramide doit être la figure créée par plt.subplots()."
            _ax = fig_pyramide.axes[0]
            assert _ax.get_title(), "Donnez un titre au graphique (ax.set_title)."
            assert _ax.get_xlabel(), "Nommez l'axe horizontal (ax.set_xlabel)."
            assert len(_ax.patches) == 2 * len(pyramide), "Il faut une barre par tranche et par sexe."
            """,
            hidden="""
            from courses.checks import assert_close, reference

            ref = reference("beneficiaries").query("death_date.isna()")
            widths = [p.get_width() for p in fig_pyramide.axes[0].patches]
            assert_close(-sum(w for w in widths if w < 0), (ref["sex"] == "M").sum(), what="le total des barres des hommes")
            assert_close(sum(w for w in widths if w > 0), (ref["sex"] == "F").sum(), what="le total des barres des femmes")
            """,
            wrong="""
            fig, ax = plt.subplots()
            ax.barh(pyramide.index, pyramide["M"], height=8, label="Hommes")
            ax.barh(pyramide.index, pyramide["F"], height=8, label="Femmes")
            ax.set_title("Pyramide des âges")
            ax.set_xlabel("Effectifs")
            fig_pyramide = fig
            """,
        ),
        Ex(
            title="Les dépenses mois par mois",
            points=1,
            competencies=("pandas.dates", "pandas.agregation"),
            prompt=MONTHLY_PROMPT,
            solution='mensuel = claims.groupby(claims["care_date"].dt.to_period("M"))["amount_billed"].sum().sort_index()',
            visible="""
            from courses.checks import assert_same_series, by_month

            _mois = claims["care_date"].dt.to_period("M").nunique()
            assert len(mensuel) == _mois, f"Il faut une valeur par mois de soins ({_mois} mois, {len(mensuel)} valeurs) : groupez sur care_date."
            """,
            hidden="""
            from courses.checks import reference

            ref = reference("claims")
            expected = ref.groupby(ref["care_date"].dt.to_period("M"))["amount_billed"].sum()
            assert_same_series(by_month(mensuel), by_month(expected), what="mensuel", ordered=True)
            """,
            wrong='mensuel = claims.groupby(claims["care_date"].dt.to_period("M"))["amo_paid"].sum()',
            alternatives=('mensuel = claims.set_index("care_date").resample("MS")["amount_billed"].sum()',),
        ),
        Ex(
            title="La courbe des dépenses mensuelles",
            points=2,
            competencies=("dataviz.graphiques",),
            prompt="""
            Tracez `mensuel` en **courbe** (`ax.plot`), avec un titre et un nom d'axe vertical qui donne l'unité
            (euros). Rangez la figure dans `fig_mensuel`.

            *Indice* : pour un index de mois, `mensuel.index.astype(str)` donne des étiquettes lisibles ; une seule
            courbe suffit.
            """,
            solution="""
            fig, ax = plt.subplots(figsize=(9, 4))
            ax.plot(mensuel.index.astype(str), mensuel.to_numpy(), marker="o")
            ax.set_title("Montant facturé par mois de soins")
            ax.set_ylabel("Montant facturé (€)")
            ax.tick_params(axis="x", labelrotation=90)
            fig_mensuel = fig
            """,
            visible="""
            from matplotlib.figure import Figure

            assert isinstance(fig_mensuel, Figure), "fig_mensuel doit être une figure matplotlib."
            _ax = fig_mensuel.axes[0]
            assert len(_ax.lines) >= 1, "Tracez une courbe avec ax.plot."
            assert _ax.get_title() and _ax.get_ylabel(), "Donnez un titre et un nom à l'axe vertical."
            """,
            hidden="""
            import numpy as np

            from courses.checks import reference

            ref = reference("claims")
            expected = ref.groupby(ref["care_date"].dt.to_period("M"))["amount_billed"].sum().sort_index()
            y = np.asarray(fig_mensuel.axes[0].lines[0].get_ydata(), dtype=float)
            assert len(y) == len(expected), "La courbe doit avoir un point par mois."
            assert np.allclose(y, expected.to_numpy(), rtol=1e-6, atol=0.01), "Les points de la courbe ne sont pas les montants mensuels, dans l'ordre."
            """,
            wrong="""
            fig, ax = plt.subplots()
            ax.plot(mensuel.index.astype(str), mensuel.sort_values().to_numpy())
            ax.set_title("Dépenses")
            ax.set_ylabel("€")
            fig_mensuel = fig
            """,
            alternatives=(
                """
                fig_mensuel, ax = plt.subplots()
                mensuel.plot(ax=ax, title="Dépenses mensuelles")
                ax.set_ylabel("Montant facturé (€)")
                """,
            ),
        ),
        Ex(
            title="Le tableau de reporting",
            points=3,
            competencies=("dataviz.reporting", "metier.prestations"),
            prompt="""
            Construisez `tableau` : **une ligne par famille d'actes** (`act_family`, en index) et les colonnes
            - `nb_lignes` : le nombre de lignes,
            - `montant_facture` : la somme de `amount_billed`,
            - `amo` : la somme de `amo_paid`,
            - `amc` : la somme de `amc_paid`,
            - `reste_a_charge` : la somme de `out_of_pocket`,

            puis ajoutez une **dernière ligne `Total`** qui fait la somme de chaque colonne.

            *Indice* : `claims.groupby("act_family").agg(nb_lignes=("claim_id", "count"), ...)` ; puis
            `tableau.loc["Total"] = tableau.sum()`.
            """,
            solution="""
            tableau = claims.groupby("act_family").agg(
                nb_lignes=("claim_id", "count"),
                montant_facture=("amount_billed", "sum"),
                amo=("amo_paid", "sum"),
                amc=("amc_paid", "sum"),
                reste_a_charge=("out_of_pocket", "sum"),
            )
            tableau.loc["Total"] = tableau.sum()
            """,
            visible="""
            colonnes = ["nb_lignes", "montant_facture", "amo", "amc", "reste_a_charge"]
            assert set(colonnes) <= set(tableau.columns), f"tableau doit avoir les colonnes {colonnes}."
            assert "Total" in list(tableau.index), "Ajoutez la ligne Total (tableau.loc['Total'] = ...)."
            """,
            hidden="""
            from courses.checks import assert_same_series, reference

            ref = reference("claims")
            expected = ref.groupby("act_family").agg(
                nb_lignes=("claim_id", "count"),
                montant_facture=("amount_billed", "sum"),
                amo=("amo_paid", "sum"),
                amc=("amc_paid", "sum"),
                reste_a_charge=("out_of_pocket", "sum"),
            )
            expected.loc["Total"] = expected.sum()
            for colonne in colonnes:
                assert_same_series(tableau[colonne], expected[colonne], what=f"la colonne {colonne}")
            """,
            wrong="""
            tableau = claims.groupby("act_family").agg(
                nb_lignes=("claim_id", "count"),
                montant_facture=("amount_billed", "sum"),
                amo=("amo_paid", "sum"),
                amc=("amc_paid", "sum"),
                reste_a_charge=("out_of_pocket", "sum"),
            )
            tableau.loc["Total"] = tableau.mean()
            """,
            alternatives=(
                """
                par_famille = claims.groupby("act_family").agg(
                    nb_lignes=("claim_id", "size"),
                    montant_facture=("amount_billed", "sum"),
                    amo=("amo_paid", "sum"),
                    amc=("amc_paid", "sum"),
                    reste_a_charge=("out_of_pocket", "sum"),
                )
                tableau = pd.concat([par_famille, par_famille.sum().to_frame("Total").T])[["reste_a_charge", "amc", "amo", "montant_facture", "nb_lignes"]]
                """,
            ),
        ),
        Ex(
            title="Le tarif de la consultation, mois par mois",
            points=2,
            competencies=("pandas.dates", "metier.prestations"),
            prompt="""
            Le tarif de la consultation de médecin généraliste (code `G`) a augmenté le 22 décembre 2024. Rangez
            dans `tarif_g` la **base de remboursement moyenne** (`reimbursement_base`) des lignes `G`, **par mois
            de soins** (Series indexée par mois).
            """,
            solution="""
            g = claims[claims["act_code"] == "G"]
            tarif_g = g.groupby(g["care_date"].dt.to_period("M"))["reimbursement_base"].mean()
            """,
            visible="""
            assert len(tarif_g) > 1, "Il faut une valeur par mois."
            """,
            hidden="""
            from courses.checks import assert_same_series, by_month, reference

            ref = reference("claims").query("act_code == 'G'")
            expected = ref.groupby(ref["care_date"].dt.to_period("M"))["reimbursement_base"].mean()
            assert_same_series(by_month(tarif_g), by_month(expected), what="tarif_g")
            """,
            wrong="""
            tarif_g = claims.groupby(claims["care_date"].dt.to_period("M"))["reimbursement_base"].mean()
            """,
            alternatives=(
                """
                tarif_g = claims.query("act_code == 'G'").set_index("care_date").resample("MS")["reimbursement_base"].mean().dropna()
                """,
            ),
        ),
        Written(
            title="Lire la courbe honnêtement",
            points=2,
            competencies=("dataviz.reporting", "communication.ecrit"),
            prompt="""
            Sur la courbe mensuelle, le ou les derniers mois paraissent souvent plus bas. Sachant qu'une ligne
            n'arrive dans la base qu'une fois remboursée (`paid_date`), expliquez ce phénomène et proposez une façon
            honnête de le présenter au comité de direction.
            """,
            answer="""
            Attendu : délai de liquidation/remboursement ; les soins récents ne sont pas encore tous remboursés, donc
            les derniers mois sont incomplets (sous-estimés). Présenter : arrêter les statistiques à un mois
            « consolidé », griser/annoter les mois incomplets, ou estimer les soins restant à payer (provision).
            Ne pas conclure à une baisse des dépenses.
            """,
        ),
    ),
)

COURSE = CourseSpec(
    id="c03-dataviz",
    title="Datavisualisation et reporting",
    order=3,
    assignments=(A01,),
)
