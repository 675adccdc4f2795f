"""Course 5, a01-vagues-affiliation: waves, automatic enrolment, exemptions."""

from courses.authoring.content.c05_reforme_psc.setup_cells import SETUP_WAVES
from courses.authoring.model import AssignmentSpec, Ex, Md, Written

A01 = AssignmentSpec(
    id="a01-vagues-affiliation",
    title="Vagues d'affiliation et adhésion d'office",
    due_offset_days=49,
    blocks=(
        Md(
            """
            # Vagues d'affiliation et adhésion d'office

            Avec la réforme de la **protection sociale complémentaire (PSC)**, l'adhésion au contrat collectif
            de son employeur devient **obligatoire** pour les agents actifs de l'État, et l'employeur paie au moins
            **50 %** de la cotisation d'équilibre. La mutuelle doit affilier des centaines de milliers d'agents à la
            fois : elle procède par **vagues**. À l'ouverture d'une vague, chaque agent reçoit un lien personnel et
            a **21 jours** pour répondre ; sans réponse, il est **affilié d'office** (sans option ni ayants droit).
            Certains agents sont **dispensés** (contrat individuel conservé jusqu'à son terme, ou couverture comme
            ayant droit du contrat collectif de leur conjoint).

            Dans `contracts`, les lignes issues d'une vague ont un numéro de vague (`wave`), la date d'ouverture
            de la vague (`wave_opened_date`), la date de réponse (`answer_date`, vide sans réponse) et le mode
            d'adhésion (`enrolment` : `chosen`, `automatic`, `exempted`).
            """
        ),
        SETUP_WAVES,
        Ex(
            title="Les agents invités",
            points=1,
            competencies=("metier.psc", "pandas.selection"),
            prompt="""
            Rangez dans `invites` les lignes de `contracts` qui ont un **numéro de vague** renseigné.

            *Indice* : `.notna()` vaut `True` quand une valeur est renseignée.
            """,
            solution='invites = contracts[contracts["wave"].notna()]',
            visible="""
            assert isinstance(invites, pd.DataFrame) and len(invites) > 0, "invites doit être un tableau non vide."
            assert invites["wave"].notna().all(), "Toutes les lignes gardées doivent avoir un numéro de vague."
            """,
            hidden="""
            from courses.checks import assert_same_set, reference

            ref = reference("contracts")
            assert_same_set(invites["contract_id"], ref.loc[ref["wave"].notna(), "contract_id"], what="invites")
            """,
            wrong='invites = contracts[contracts["kind"] == "collective_psc"]',
            alternatives=('invites = contracts.dropna(subset=["wave"]).sort_values("wave_opened_date")',),
        ),
        Ex(
            title="Comment les agents ont-ils adhéré ?",
            points=1,
            competencies=("metier.psc", "pandas.agregation"),
            prompt="""
            Rangez dans `modes_adhesion` le **nombre d'agents invités** par mode d'adhésion (`enrolment`).
            """,
            solution='modes_adhesion = invites["enrolment"].value_counts()',
            visible="""
            from courses.checks import to_series

            assert "automatic" in set(to_series(modes_adhesion, index_name="enrolment").index), "Il y a des adhésions d'office (automatic)."
            """,
            hidden="""
            from courses.checks import assert_same_series, reference

            ref = reference("contracts")
            assert_same_series(modes_adhesion, ref.loc[ref["wave"].notna(), "enrolment"].value_counts(), what="modes_adhesion")
            """,
            wrong='modes_adhesion = contracts["enrolment"].value_counts()',
            alternatives=('modes_adhesion = invites.groupby("enrolment").size()',),
        ),
        Ex(
            title="Le taux d'adhésion d'office par vague",
            points=2,
            competencies=("metier.psc", "pandas.agregation"),
            prompt="""
            Rangez dans `taux_office` la **part des agents invités affiliés d'office** (`enrolment == "automatic"`)
            pour chaque vague : une Series indexée par `wave`, avec des valeurs entre 0 et 1.

            *Indice* : la moyenne d'une Series de `True`/`False` est la part de `True`.
            """,
            solution='taux_office = (invites["enrolment"] == "automatic").groupby(invites["wave"]).mean()',
            visible="""
            from courses.checks import to_series

            assert all(0 <= v <= 1 for v in to_series(taux_office, index_name="wave")), "Les taux sont des parts entre 0 et 1."
            """,
            hidden="""
            from courses.checks import assert_same_series, reference

            ref = reference("contracts")
            inv = ref[ref["wave"].notna()]
            expected = (inv["enrolment"] == "automatic").groupby(inv["wave"]).mean()
            assert_same_series(taux_office, expected, what="taux_office", abs_tol=1e-6)
            """,
            wrong='taux_office = (invites["enrolment"] == "automatic").groupby(invites["wave"]).sum() / len(invites)',
            alternatives=(
                'taux_office = invites.groupby("wave")["enrolment"].apply(lambda s: (s == "automatic").mean())',
            ),
        ),
        Ex(
            title="Le délai de réponse",
            points=1,
            competencies=("metier.psc", "pandas.dates"),
            prompt="""
            Parmi les agents qui ont répondu (`answer_date` renseignée), rangez dans `delai_moyen` le **nombre
            moyen de jours** entre l'ouverture de la vague et la réponse.

            *Indice* : la différence de deux dates est une durée ; `.dt.days` la convertit en jours.
            """,
            solution="""
            repondu = invites[invites["answer_date"].notna()]
            delai_moyen = (repondu["answer_date"] - repondu["wave_opened_date"]).dt.days.mean()
            """,
            visible="""
            assert 0 <= delai_moyen <= 21, "Les agents ont 21 jours pour répondre : le délai moyen est entre 0 et 21."
            """,
            hidden="""
            from courses.checks import assert_close, reference

            ref = reference("contracts")
            rep = ref[ref["wave"].notna() & ref["answer_date"].notna()]
            assert_close(delai_moyen, (rep["answer_date"] - rep["wave_opened_date"]).dt.days.mean(), what="delai_moyen", abs_tol=1e-6)
            """,
            wrong="""
            delai_moyen = (invites["answer_date"] - invites["wave_opened_date"]).dt.days.fillna(21).mean()
            """,
            alternatives=(
                """
                repondu = invites.dropna(subset=["answer_date"])
                delai_moyen = (repondu["answer_date"] - repondu["wave_opened_date"]).mean() / pd.Timedelta(days=1)
                """,
            ),
        ),
        Ex(
            title="Les motifs de dispense",
            points=1,
            competencies=("metier.psc", "pandas.agregation"),
            prompt="""
            Rangez dans `dispenses` le nombre de dispenses par motif (`exemption_reason`), parmi les agents
            invités dispensés.
            """,
            solution='dispenses = invites.loc[invites["enrolment"] == "exempted", "exemption_reason"].value_counts()',
            visible="""
            assert len(dispenses) >= 1, "Il y a au moins un motif de dispense."
            """,
            hidden="""
            from courses.checks import assert_same_series, reference

            ref = reference("contracts")
            exp = ref.loc[ref["wave"].notna() & (ref["enrolment"] == "exempted"), "exemption_reason"].value_counts()
            assert_same_series(dispenses, exp, what="dispenses")
            """,
            wrong='dispenses = invites["exemption_reason"].value_counts(dropna=False)',
            alternatives=(
                """
                dispenses = invites.query("enrolment == 'exempted'").groupby("exemption_reason", as_index=False).size()
                """,
            ),
        ),
        Ex(
            title="Ce que paie l'agent",
            points=2,
            competencies=("metier.psc", "metier.actuariat"),
            prompt="""
            Sur un contrat collectif PSC, l'agent paie la cotisation totale moins la part employeur. Pour les
            contrats `collective_psc`, rangez dans `part_agent` la **part mensuelle moyenne payée par l'agent**
            (`monthly_premium_eur − employer_share_eur`) par niveau de garantie (`coverage_level`).
            """,
            solution="""
            collectifs = contracts[contracts["kind"] == "collective_psc"]
            part_agent = (collectifs["monthly_premium_eur"] - collectifs["employer_share_eur"]).groupby(collectifs["coverage_level"]).mean()
            """,
            visible="""
            from courses.checks import to_series

            assert len(part_agent) >= 1 and all(v > 0 for v in to_series(part_agent, index_name="coverage_level")), "L'agent paie une part positive."
            """,
            hidden="""
            from courses.checks import assert_same_series, reference

            ref = reference("contracts")
            col = ref[ref["kind"] == "collective_psc"]
            exp = (col["monthly_premium_eur"] - col["employer_share_eur"]).groupby(col["coverage_level"]).mean()
            assert_same_series(part_agent, exp, what="part_agent")
            """,
            wrong="""
            collectifs = contracts[contracts["kind"] == "collective_psc"]
            part_agent = collectifs.groupby("coverage_level")["monthly_premium_eur"].mean()
            """,
            alternatives=(
                """
                collectifs = contracts[contracts["kind"] == "collective_psc"].assign(part=lambda d: d["monthly_premium_eur"] - d["employer_share_eur"])
                part_agent = collectifs.groupby("coverage_level", as_index=False)["part"].mean()
                """,
            ),
        ),
        Ex(
            title="Le calendrier des vagues",
            points=2,
            competencies=("metier.psc", "pandas.jointure", "pandas.dates"),
            prompt="""
            Construisez `calendrier` : une ligne par `employer_id` ayant des agents invités, avec les colonnes
            - `premiere_vague` : la date d'ouverture de sa **première** vague (la plus ancienne `wave_opened_date`),
            - `psc_start_date` : la date d'effet de son contrat PSC (table `employers`),
            - `jours_avant_effet` : le nombre de jours entre les deux.

            Attention : l'`employer_id` des dispensés est vide (ils gardent leur contrat individuel) ; utilisez les
            lignes `collective_psc`.

            *Indice* : `groupby("employer_id", as_index=False).agg(premiere_vague=("wave_opened_date", "min"))`,
            puis `.merge(...)` avec `employers` ; la différence de deux dates donne une durée, `.dt.days` des jours.
            """,
            solution="""
            collectifs_invites = invites[invites["kind"] == "collective_psc"]
            calendrier = collectifs_invites.groupby("employer_id", as_index=False).agg(premiere_vague=("wave_opened_date", "min"))
            calendrier = calendrier.merge(employers[["employer_id", "psc_start_date"]], on="employer_id")
            calendrier["jours_avant_effet"] = (calendrier["psc_start_date"] - calendrier["premiere_vague"]).dt.days
            """,
            visible="""
            assert {"premiere_vague", "psc_start_date", "jours_avant_effet"} <= set(calendrier.columns), (
                "Colonnes attendues : premiere_vague, psc_start_date, jours_avant_effet."
            )
            """,
            hidden="""
            from courses.checks import assert_same_frame, reference

            ref = reference("contracts")
            ci = ref[ref["wave"].notna() & (ref["kind"] == "collective_psc")]
            exp = ci.groupby("employer_id", as_index=False).agg(premiere_vague=("wave_opened_date", "min"))
            exp = exp.merge(reference("employers")[["employer_id", "psc_start_date"]], on="employer_id")
            exp["jours_avant_effet"] = (exp["psc_start_date"] - exp["premiere_vague"]).dt.days
            got = calendrier.copy()
            for c in ("premiere_vague", "psc_start_date"):
                got[c] = pd.to_datetime(got[c]).dt.strftime("%Y-%m-%d")
                exp[c] = exp[c].dt.strftime("%Y-%m-%d")
            assert_same_frame(got, exp, what="calendrier", key=["employer_id"])
            """,
            wrong="""
            collectifs_invites = invites[invites["kind"] == "collective_psc"]
            calendrier = collectifs_invites.groupby("employer_id", as_index=False).agg(premiere_vague=("wave_opened_date", "max"))
            calendrier = calendrier.merge(employers[["employer_id", "psc_start_date"]], on="employer_id")
            calendrier["jours_avant_effet"] = (calendrier["psc_start_date"] - calendrier["premiere_vague"]).dt.days
            """,
            alternatives=(
                """
                premiere = invites[invites["kind"] == "collective_psc"].groupby("employer_id")["wave_opened_date"].min().rename("premiere_vague")
                calendrier = employers.set_index("employer_id")[["psc_start_date"]].join(premiere, how="inner")
                calendrier["jours_avant_effet"] = (calendrier["psc_start_date"] - calendrier["premiere_vague"]).dt.days
                """,
            ),
        ),
        Written(
            title="L'adhésion d'office",
            points=2,
            competencies=("metier.psc", "communication.ecrit"),
            prompt="""
            Un agent affilié d'office appelle : il découvre qu'il est couvert « sans option et sans ses enfants ».
            Expliquez-lui pourquoi, ce qu'il peut faire maintenant, et citez un risque pour la mutuelle si les
            taux d'adhésion d'office restent élevés.
            """,
            answer="""
            Attendu : sans réponse dans les 21 jours, la réforme prévoit l'affiliation d'office au socle, sans
            option ni ayants droit ; il peut compléter son adhésion (ajouter ses ayants droit, une option) via son
            espace ou un conseiller ; risques : enfants non couverts (insatisfaction, réclamations), charge du
            service client, cotisations mal calibrées, image de la mutuelle ; d'où relances avant la fin du délai.
            """,
        ),
    ),
)
