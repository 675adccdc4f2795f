"""Course 4, a01-cotisations-sinistralite: premiums, claims and loss ratios."""

from courses.authoring.content.c04_pilotage_actuariat.setup_cells import SETUP_SP
from courses.authoring.model import AssignmentSpec, Ex, Md, Written

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
