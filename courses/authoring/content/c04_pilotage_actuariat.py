"""Course 4: technical steering and actuarial basics (premiums vs claims, loss ratio, AMO/AMC, 100 % Santé)."""

from courses.authoring.model import AssignmentSpec, Code, CourseSpec, Ex, Md, Written

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

A01 = AssignmentSpec(
    id="a01-cotisations-sinistralite",
    title="Cotisations, prestations et ratio S/P",
    due_offset_days=35,
    blocks=(
        Md(
            """
            # Cotisations, prestations et ratio S/P

            Le premier indicateur d'un portefeuille santé est le **ratio sinistres sur primes (S/P)** : ce que la
            mutuelle a versé en prestations divisé par ce qu'elle a encaissé en cotisations sur la même période.
            Un S/P de 0,80 signifie que 80 centimes de chaque euro de cotisation repartent en remboursements ; le
            reste doit couvrir les frais de gestion, les taxes et la marge de solvabilité.

            La mutuelle a des contrats **individuels** et des contrats **collectifs PSC** souscrits par les
            employeurs publics. Deux fonctions vous sont fournies : `mois_couverts(contrats)` (nombre de mois de
            l'exercice où chaque contrat est en vigueur) et `rattacher_contrat(lignes)` (le contrat du foyer en
            vigueur à la date de chaque soin).
            """
        ),
        SETUP_SP,
        Ex(
            title="Les cotisations de l'exercice",
            points=1,
            competencies=("metier.actuariat", "pandas.selection"),
            prompt="""
            La cotisation d'un contrat pour l'exercice vaut `monthly_premium_eur × mois_couverts`. Rangez dans
            `cotisations` le **total des cotisations** de l'exercice `ANNEE`, tous contrats confondus.
            """,
            solution='cotisations = (contracts["monthly_premium_eur"] * mois_couverts(contracts)).sum()',
            visible="""
            assert cotisations > 0, "Le total des cotisations doit être positif."
            """,
            hidden="""
            from courses.checks import assert_close, reference

            ref = reference("contracts")
            assert_close(cotisations, (ref["monthly_premium_eur"] * mois_couverts(ref)).sum(), what="cotisations")
            """,
            wrong='cotisations = (contracts["monthly_premium_eur"] * 12).sum()',
            alternatives=('cotisations = float(sum(contracts["monthly_premium_eur"] * mois_couverts(contracts)))',),
        ),
        Ex(
            title="Les prestations versées par la mutuelle",
            points=1,
            competencies=("metier.actuariat", "pandas.dates"),
            prompt="""
            Rangez dans `prestations` le total de la part **payée par la mutuelle** (`amc_paid`) pour les soins
            dont la date (`care_date`) tombe dans l'exercice `ANNEE`.
            """,
            solution='prestations = claims.loc[claims["care_date"].dt.year == ANNEE, "amc_paid"].sum()',
            visible="""
            assert 0 < prestations < claims["amc_paid"].sum() + 0.01, "Ne gardez que les soins de l'exercice ANNEE."
            """,
            hidden="""
            from courses.checks import assert_close, reference

            ref = reference("claims")
            assert_close(prestations, ref.loc[ref["care_date"].dt.year == ANNEE, "amc_paid"].sum(), what="prestations")
            """,
            wrong='prestations = claims["amc_paid"].sum()',
            alternatives=(
                """
                prestations = claims.loc[claims["care_date"].between(f"{ANNEE}-01-01", f"{ANNEE}-12-31"), "amc_paid"].sum()
                """,
            ),
        ),
        Ex(
            title="Le ratio S/P global",
            points=1,
            competencies=("metier.actuariat",),
            prompt="""
            Rangez dans `sp` le ratio S/P de l'exercice : prestations divisées par cotisations (un nombre, pas un
            pourcentage).
            """,
            solution="sp = prestations / cotisations",
            visible="""
            assert 0 < sp < 10, "sp est un rapport (par exemple 0.8), pas un pourcentage."
            """,
            hidden="""
            from courses.checks import assert_close, reference

            c, p = reference("contracts"), reference("claims")
            expected = p.loc[p["care_date"].dt.year == ANNEE, "amc_paid"].sum() / (c["monthly_premium_eur"] * mois_couverts(c)).sum()
            assert_close(sp, expected, what="sp", abs_tol=1e-6)
            """,
            wrong="sp = cotisations / prestations",
        ),
        Ex(
            title="Le S/P par nature de contrat",
            points=2,
            competencies=("metier.actuariat", "pandas.agregation"),
            prompt="""
            Rangez dans `sp_par_nature` le ratio S/P de l'exercice **par nature de contrat** (`kind` :
            `individual`, `collective_psc`) : une Series indexée par nature.

            Étapes : (1) les cotisations par nature (`groupby("kind")` sur les contrats) ; (2) les prestations
            `amc_paid` de l'exercice par nature, après `rattacher_contrat(...)` ; (3) la division des deux Series
            (pandas aligne les index tout seul).
            """,
            solution="""
            cot = (contracts["monthly_premium_eur"] * mois_couverts(contracts)).groupby(contracts["kind"]).sum()
            rattachees = rattacher_contrat(claims[claims["care_date"].dt.year == ANNEE])
            pres = rattachees.groupby("kind")["amc_paid"].sum()
            sp_par_nature = (pres / cot).dropna()
            """,
            visible="""
            from courses.checks import to_series

            assert "individual" in set(to_series(sp_par_nature, index_name="kind").index), "Il faut au moins la nature individual."
            """,
            hidden="""
            from courses.checks import assert_same_series, reference, to_series

            c, p = reference("contracts"), reference("claims")
            cot_ref = (c["monthly_premium_eur"] * mois_couverts(c)).groupby(c["kind"]).sum()
            pres_ref = rattacher_contrat(p[p["care_date"].dt.year == ANNEE], c, reference("beneficiaries")).groupby("kind")["amc_paid"].sum()
            assert_same_series(to_series(sp_par_nature, index_name="kind").dropna(), (pres_ref / cot_ref).dropna(), what="sp_par_nature", abs_tol=1e-6)
            """,
            wrong="""
            rattachees = rattacher_contrat(claims[claims["care_date"].dt.year == ANNEE])
            sp_par_nature = rattachees.groupby("kind")["amc_paid"].sum() / (contracts["monthly_premium_eur"] * 12).groupby(contracts["kind"]).sum()
            """,
            alternatives=(
                """
                cot = (contracts["monthly_premium_eur"] * mois_couverts(contracts)).groupby(contracts["kind"]).sum()
                pres = rattacher_contrat(claims[claims["care_date"].dt.year == ANNEE]).groupby("kind")["amc_paid"].sum()
                sp_par_nature = pd.DataFrame({"kind": pres.index, "sp": (pres / cot.reindex(pres.index)).to_numpy()})
                """,
            ),
        ),
        Ex(
            title="Le S/P de chaque employeur",
            points=3,
            competencies=("metier.actuariat", "pandas.agregation", "pandas.jointure"),
            prompt="""
            Pour les **contrats collectifs PSC**, construisez `sp_employeurs` : un tableau avec une ligne par
            `employer_id` et les colonnes `cotisations`, `prestations` (`amc_paid` de l'exercice, 0 si aucune) et
            `sp`. Ne gardez que les employeurs dont les cotisations de l'exercice sont **strictement positives**
            (les autres n'ont pas encore démarré leur contrat PSC).

            Étapes : (1) les contrats `collective_psc` et leurs cotisations de l'exercice, sommées par `employer_id` ;
            (2) les prestations `amc_paid` de l'exercice rattachées à ces contrats, sommées par `employer_id` ;
            (3) un tableau `pd.DataFrame({"cotisations": ...})`, filtré sur les cotisations positives, auquel vous
            ajoutez les prestations (`.reindex(...)` puis `.fillna(0)` pour les employeurs sans soin) et le ratio.
            """,
            solution="""
            collectifs = contracts[contracts["kind"] == "collective_psc"]
            cot_emp = (collectifs["monthly_premium_eur"] * mois_couverts(collectifs)).groupby(collectifs["employer_id"]).sum()
            rattachees = rattacher_contrat(claims[claims["care_date"].dt.year == ANNEE])
            pres_emp = rattachees[rattachees["kind"] == "collective_psc"].groupby("employer_id")["amc_paid"].sum()
            sp_employeurs = pd.DataFrame({"cotisations": cot_emp})
            sp_employeurs = sp_employeurs[sp_employeurs["cotisations"] > 0]
            sp_employeurs["prestations"] = pres_emp.reindex(sp_employeurs.index).fillna(0)
            sp_employeurs["sp"] = sp_employeurs["prestations"] / sp_employeurs["cotisations"]
            """,
            visible="""
            assert {"cotisations", "prestations", "sp"} <= set(sp_employeurs.columns), "Colonnes attendues : cotisations, prestations, sp."
            assert (sp_employeurs["cotisations"] > 0).all(), "Ne gardez que les employeurs avec des cotisations positives."
            """,
            hidden="""
            from courses.checks import assert_same_frame, reference

            c, p = reference("contracts"), reference("claims")
            col = c[c["kind"] == "collective_psc"]
            cot_ref = (col["monthly_premium_eur"] * mois_couverts(col)).groupby(col["employer_id"]).sum()
            cot_ref = cot_ref[cot_ref > 0]
            r = rattacher_contrat(p[p["care_date"].dt.year == ANNEE], c, reference("beneficiaries"))
            pres_ref = r[r["kind"] == "collective_psc"].groupby("employer_id")["amc_paid"].sum().reindex(cot_ref.index).fillna(0)
            expected = pd.DataFrame({"employer_id": cot_ref.index, "cotisations": cot_ref.to_numpy(), "prestations": pres_ref.to_numpy()})
            expected["sp"] = expected["prestations"] / expected["cotisations"]
            got = sp_employeurs.rename_axis("employer_id") if "employer_id" not in sp_employeurs.columns else sp_employeurs
            assert_same_frame(got, expected, what="sp_employeurs", key=["employer_id"])
            """,
            wrong="""
            collectifs = contracts[contracts["kind"] == "collective_psc"]
            cot_emp = (collectifs["monthly_premium_eur"] * mois_couverts(collectifs)).groupby(collectifs["employer_id"]).sum()
            rattachees = rattacher_contrat(claims[claims["care_date"].dt.year == ANNEE])
            pres_emp = rattachees[rattachees["kind"] == "collective_psc"].groupby("employer_id")["amount_billed"].sum()
            sp_employeurs = pd.DataFrame({"cotisations": cot_emp})
            sp_employeurs = sp_employeurs[sp_employeurs["cotisations"] > 0]
            sp_employeurs["prestations"] = pres_emp.reindex(sp_employeurs.index).fillna(0)
            sp_employeurs["sp"] = sp_employeurs["prestations"] / sp_employeurs["cotisations"]
            """,
            alternatives=(
                """
                collectifs = contracts[contracts["kind"] == "collective_psc"].assign(cot=lambda d: d["monthly_premium_eur"] * mois_couverts(d))
                rattachees = rattacher_contrat(claims[claims["care_date"].dt.year == ANNEE])
                pres_emp = rattachees[rattachees["kind"] == "collective_psc"].groupby("employer_id")["amc_paid"].sum().rename("prestations")
                sp_employeurs = collectifs.groupby("employer_id")["cot"].sum().rename("cotisations").to_frame().join(pres_emp).fillna({"prestations": 0})
                sp_employeurs = sp_employeurs[sp_employeurs["cotisations"] > 0].assign(sp=lambda d: d["prestations"] / d["cotisations"]).reset_index()
                """,
            ),
        ),
        Ex(
            title="Les employeurs à surveiller",
            points=1,
            competencies=("metier.actuariat", "pandas.selection"),
            prompt="""
            Rangez dans `a_surveiller` la liste des **cinq `employer_id`** dont le S/P est le plus élevé (d'après
            `sp_employeurs`).

            *Indice* : `.sort_values("sp", ascending=False).head(5)` puis `.index` ou la colonne `employer_id`.
            """,
            solution='a_surveiller = list(sp_employeurs.sort_values("sp", ascending=False).head(5).index)',
            visible="""
            assert len(a_surveiller) == min(5, len(sp_employeurs)), "Il faut cinq identifiants d'employeur."
            """,
            hidden="""
            from courses.checks import assert_same_set, reference

            c, p = reference("contracts"), reference("claims")
            col = c[c["kind"] == "collective_psc"]
            cot_ref = (col["monthly_premium_eur"] * mois_couverts(col)).groupby(col["employer_id"]).sum()
            cot_ref = cot_ref[cot_ref > 0]
            r = rattacher_contrat(p[p["care_date"].dt.year == ANNEE], c, reference("beneficiaries"))
            pres_ref = r[r["kind"] == "collective_psc"].groupby("employer_id")["amc_paid"].sum().reindex(cot_ref.index).fillna(0)
            assert_same_set(a_surveiller, (pres_ref / cot_ref).sort_values(ascending=False).head(5).index, what="a_surveiller")
            """,
            wrong='a_surveiller = list(sp_employeurs.sort_values("sp").head(5).index)',
            alternatives=('a_surveiller = sp_employeurs["sp"].nlargest(5).index',),
        ),
        Written(
            title="Un S/P de 0,95, est-ce une bonne nouvelle ?",
            points=2,
            competencies=("metier.actuariat", "communication.ecrit"),
            prompt="""
            Un employeur affiche un S/P de 0,95 sur l'exercice. Expliquez à un responsable commercial pourquoi ce
            contrat est probablement **déficitaire**, et citez deux limites de ce calcul (pensez aux soins pas
            encore remboursés et à la taille du groupe).
            """,
            answer="""
            Attendu : au-delà des prestations, les cotisations doivent payer frais de gestion (≈ 15-20 %), taxes
            (TSA ≈ 13,27 %) et marge → un S/P de 0,95 est déficitaire. Limites : soins de l'exercice pas encore
            remboursés (tardifs, provisions), petits effectifs très volatils (un gros sinistre suffit), exercice
            incomplet (démarrage PSC en cours d'année), cotisations émises ≠ encaissées.
            """,
        ),
    ),
)

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

COURSE = CourseSpec(
    id="c04-pilotage-actuariat",
    title="Pilotage technique et actuariat",
    order=4,
    assignments=(A01, A02),
)
