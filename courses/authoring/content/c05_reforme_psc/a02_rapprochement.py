"""Course 5, a02-rapprochement: reconciling an employer's roster with our contracts."""

from courses.authoring.content.c05_reforme_psc.setup_cells import SETUP_ROSTER
from courses.authoring.model import AssignmentSpec, Ex, Md, Written

MATCH_HIDDEN_SETUP = """
from courses.checks import assert_same_set, reference

_inv = reference("contracts").query("wave.notna()")[["subscriber_id"]]
_ben = reference("beneficiaries")
_agents = _inv.merge(_ben.loc[_ben["role"] == "subscriber", ["subscriber_id", "nir", "birth_date"]], on="subscriber_id")
_fichier = reference("psc_roster").drop_duplicates(subset=["agent_number"])
_fichier_ok = _fichier[_fichier["nir"].map(nir_valide)]
"""

A02 = AssignmentSpec(
    id="a02-rapprochement",
    title="Rapprocher le fichier de l'employeur et nos contrats",
    due_offset_days=56,
    blocks=(
        Md(
            """
            # Rapprocher le fichier de l'employeur et nos contrats

            À chaque vague, les employeurs transmettent leur **fichier RH** des agents concernés (`roster`). Avant
            d'émettre les cartes de tiers payant, la mutuelle le **rapproche** de ses propres données : qui est
            dans le fichier sans être chez nous ? qui est chez nous sans être dans le fichier ? Les informations
            concordent-elles ? Chaque écart devient une action : relance de l'employeur, correction, affiliation.

            La clé de rapprochement est le **NIR**. La fonction `nir_valide` du cours sur la qualité des données
            vous est fournie.
            """
        ),
        SETUP_ROSTER,
        Ex(
            title="Dédoublonner le fichier",
            points=1,
            competencies=("qualite.controle", "metier.psc"),
            prompt="""
            Certains agents figurent deux fois dans le fichier. Rangez dans `fichier` le fichier sans doublon :
            une seule ligne par matricule d'agent (`agent_number`), la première rencontrée.
            """,
            solution='fichier = roster.drop_duplicates(subset=["agent_number"])',
            visible="""
            assert fichier["agent_number"].is_unique, "Chaque matricule doit apparaître une seule fois."
            """,
            hidden="""
            from courses.checks import reference

            ref = reference("psc_roster").drop_duplicates(subset=["agent_number"])
            assert len(fichier) == len(ref), "fichier n'a pas le bon nombre de lignes."
            assert set(fichier["roster_line_id"]) == set(ref["roster_line_id"]), "Gardez la première ligne de chaque matricule."
            """,
            wrong='fichier = roster.drop_duplicates(subset=["agent_number"], keep="last")',
            alternatives=('fichier = roster[~roster["agent_number"].duplicated()].reset_index(drop=True)',),
        ),
        Ex(
            title="Les NIR à faire corriger",
            points=1,
            competencies=("qualite.referentiel", "metier.psc"),
            prompt="""
            Rangez dans `a_corriger` les lignes de `fichier` dont le NIR est **invalide** (clé fausse) : elles
            seront renvoyées à l'employeur.
            """,
            solution='a_corriger = fichier[~fichier["nir"].map(nir_valide).astype(bool)]',
            visible="""
            assert isinstance(a_corriger, pd.DataFrame), "a_corriger doit être un tableau (un filtre de fichier)."
            """,
            hidden=MATCH_HIDDEN_SETUP
            + """
assert_same_set(a_corriger["roster_line_id"], _fichier.loc[~_fichier["nir"].map(nir_valide), "roster_line_id"], what="a_corriger")
""",
            wrong='a_corriger = fichier[fichier["nir"].str.len() != 15]',
            alternatives=('a_corriger = fichier[[not nir_valide(n) for n in fichier["nir"]]]',),
        ),
        Ex(
            title="Nos agents invités et leur NIR",
            points=2,
            competencies=("pandas.jointure", "metier.psc"),
            prompt="""
            Construisez `agents` : pour chaque ligne de `contracts` ayant une vague (`wave` renseignée), le
            `subscriber_id`, le `nir` et la `birth_date` de l'adhérent (table `beneficiaries`, lignes
            `role == "subscriber"`).
            """,
            solution="""
            adherents = beneficiaries.loc[beneficiaries["role"] == "subscriber", ["subscriber_id", "nir", "birth_date"]]
            agents = contracts.loc[contracts["wave"].notna(), ["subscriber_id"]].merge(adherents, on="subscriber_id")
            """,
            visible="""
            assert {"subscriber_id", "nir", "birth_date"} <= set(agents.columns), "Colonnes attendues : subscriber_id, nir, birth_date."
            """,
            hidden=MATCH_HIDDEN_SETUP
            + """
assert_same_set(agents["nir"], _agents["nir"], what="les NIR de agents")
assert len(agents) == len(_agents), "agents n'a pas le bon nombre de lignes (une par agent invité)."
""",
            wrong="""
            agents = contracts.loc[contracts["wave"].notna(), ["subscriber_id"]].merge(beneficiaries[["subscriber_id", "nir", "birth_date"]], on="subscriber_id")
            """,
            alternatives=(
                """
                adherents = beneficiaries.query("role == 'subscriber'")[["subscriber_id", "nir", "birth_date"]]
                agents = adherents.merge(contracts.dropna(subset=["wave"])[["subscriber_id", "wave"]], on="subscriber_id")
                """,
            ),
        ),
        Ex(
            title="Dans le fichier, pas chez nous",
            points=2,
            competencies=("pandas.jointure", "metier.psc"),
            prompt="""
            Rangez dans `inconnus` l'ensemble des NIR **valides** de `fichier` qui ne correspondent à **aucun**
            agent de `agents` (des agents à affilier, ou à signaler à l'employeur).
            """,
            solution="""
            valides = fichier[fichier["nir"].map(nir_valide).astype(bool)]
            inconnus = set(valides.loc[~valides["nir"].isin(agents["nir"]), "nir"])
            """,
            visible="""
            assert isinstance(inconnus, set | frozenset | list | pd.Series), "inconnus doit être un ensemble de NIR (set(...))."
            """,
            hidden=MATCH_HIDDEN_SETUP
            + """
assert_same_set(inconnus, _fichier_ok.loc[~_fichier_ok["nir"].isin(_agents["nir"]), "nir"], what="inconnus")
""",
            wrong='inconnus = set(fichier.loc[~fichier["nir"].isin(agents["nir"]), "nir"])',
            alternatives=(
                """
                inconnus = list(fichier.loc[fichier["nir"].map(nir_valide) & ~fichier["nir"].isin(agents["nir"]), "nir"])
                """,
            ),
        ),
        Ex(
            title="Chez nous, pas dans le fichier",
            points=2,
            competencies=("pandas.jointure", "metier.psc"),
            prompt="""
            Rangez dans `absents` l'ensemble des NIR de `agents` qui n'apparaissent **pas** dans `fichier`.
            """,
            solution='absents = set(agents.loc[~agents["nir"].isin(fichier["nir"]), "nir"])',
            visible="""
            assert isinstance(absents, set | frozenset | list | pd.Series), "absents doit être un ensemble de NIR (set(...))."
            """,
            hidden=MATCH_HIDDEN_SETUP
            + """
assert_same_set(absents, _agents.loc[~_agents["nir"].isin(_fichier["nir"]), "nir"], what="absents")
""",
            wrong='absents = set(fichier.loc[~fichier["nir"].isin(agents["nir"]), "nir"])',
            alternatives=('absents = agents.loc[~agents["nir"].isin(set(fichier["nir"])), "nir"]',),
        ),
        Ex(
            title="Les dates de naissance discordantes",
            points=2,
            competencies=("qualite.controle", "pandas.jointure"),
            prompt="""
            Pour les agents présents des deux côtés (même NIR), rangez dans `dates_discordantes` l'ensemble des NIR
            dont la date de naissance du fichier **diffère** de la nôtre.

            *Indice* : `fichier.merge(agents, on="nir", suffixes=("_fichier", "_mutuelle"))`.
            """,
            solution="""
            communs = fichier.merge(agents, on="nir", suffixes=("_fichier", "_mutuelle"))
            dates_discordantes = set(communs.loc[communs["birth_date_fichier"] != communs["birth_date_mutuelle"], "nir"])
            """,
            visible="""
            assert isinstance(dates_discordantes, set | frozenset | list | pd.Series), "dates_discordantes doit être un ensemble de NIR."
            """,
            hidden=MATCH_HIDDEN_SETUP
            + """
_c = _fichier.merge(_agents, on="nir", suffixes=("_f", "_m"))
assert_same_set(dates_discordantes, _c.loc[_c["birth_date_f"] != _c["birth_date_m"], "nir"], what="dates_discordantes")
""",
            wrong="""
            communs = fichier.merge(agents, on="nir", suffixes=("_fichier", "_mutuelle"))
            dates_discordantes = set(communs.loc[communs["birth_date_fichier"].dt.year != communs["birth_date_mutuelle"].dt.year, "nir"])
            """,
            alternatives=(
                """
                nos_dates = agents.drop_duplicates("nir").set_index("nir")["birth_date"]
                communs = fichier[fichier["nir"].isin(nos_dates.index)]
                dates_discordantes = list(communs.loc[communs["birth_date"].to_numpy() != nos_dates.loc[communs["nir"]].to_numpy(), "nir"])
                """,
            ),
        ),
        Ex(
            title="Le taux de rapprochement",
            points=1,
            competencies=("metier.psc", "gouvernance.donnees"),
            prompt="""
            Rangez dans `taux_rapprochement` la part des lignes de `fichier` dont le NIR correspond à un agent de
            `agents` (entre 0 et 1). C'est l'indicateur suivi, vague après vague, avec chaque employeur.
            """,
            solution='taux_rapprochement = fichier["nir"].isin(agents["nir"]).mean()',
            visible="""
            assert 0 < taux_rapprochement <= 1, "Un taux entre 0 et 1."
            """,
            hidden=MATCH_HIDDEN_SETUP
            + """
from courses.checks import assert_close

assert_close(taux_rapprochement, _fichier["nir"].isin(_agents["nir"]).mean(), what="taux_rapprochement", abs_tol=1e-6)
""",
            # Computed on the raw file: the duplicated lines count twice.
            wrong='taux_rapprochement = roster["nir"].isin(agents["nir"]).mean()',
            alternatives=('taux_rapprochement = fichier["nir"].isin(agents["nir"]).sum() / len(fichier)',),
        ),
        Written(
            title="Un plan d'action pour chaque écart",
            points=3,
            competencies=("metier.psc", "gouvernance.donnees", "communication.ecrit"),
            prompt="""
            Pour chacun des quatre types d'écart trouvés (NIR invalide, agent du fichier inconnu chez nous, agent
            affilié absent du fichier, date de naissance discordante), dites en une ou deux phrases quelle action
            vous proposez et qui en est responsable (mutuelle ou employeur).
            """,
            answer="""
            Attendu : NIR invalide → renvoi à l'employeur pour correction, pas de correction « à la main » ;
            inconnu chez nous → vérifier (nouvel arrivant ?), inviter dans la prochaine vague / affiliation ;
            absent du fichier → interroger l'employeur (départ, mutation, oubli) avant toute radiation ; date
            discordante → contrôle sur pièce, la source de référence est l'état civil / l'employeur, tracer la
            correction. Mentionner la traçabilité des écarts et le suivi du taux de rapprochement.
            """,
        ),
    ),
)
