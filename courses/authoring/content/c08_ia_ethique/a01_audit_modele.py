"""Course 8, a01-audit-modele: bias, explanations, the AI Act and health data."""

from courses.authoring.content.c08_ia_ethique.setup_cells import CAS_USAGE, SETUP
from courses.authoring.model import AssignmentSpec, Ex, Md, Written

# The audited model and its data rebuilt from the published tables, once per kernel: hidden tests never trust the
# notebook's `donnees` or `modele`, which a learner may have changed.
AUDIT_REFERENCE = """
from courses.checks import cached, reference


def _audit_reference():
    d = preparer(reference("claims"), reference("beneficiaries"))
    m = entrainer(d)
    d["alerte"] = alertes(d, m)
    return d, m


_d, _m = cached("c08-reference", _audit_reference)
_d = _d.copy()
"""

QUASI = '["sex", beneficiaries["birth_date"].dt.year, "departement"]'

A01 = AssignmentSpec(
    id="a01-audit-modele",
    title="Auditer un modèle : biais, explications, cadre légal",
    due_offset_days=84,
    blocks=(
        Md(
            """
            # Auditer un modèle : biais, explications, cadre légal

            La mutuelle veut une IA **éthique et conforme dès la conception**, avec un **humain dans la boucle**.
            Vous auditez ici un modèle qui attribue un **score de suspicion** à chaque ligne de prestation : les
            2 % de lignes aux scores les plus élevés partent en contrôle. Le modèle utilise notamment l'**âge** et
            l'**ALD** de la personne soignée. Est-il équitable entre groupes ? Peut-on expliquer une alerte à la
            personne concernée ? Quelle catégorie de risque au sens du **règlement européen sur l'IA** (AI Act) ?
            Comment protéger les **données de santé** (RGPD, hébergement HDS) ?

            Les exercices sont courts ; les questions écrites, corrigées par un formateur, comptent autant.
            """
        ),
        SETUP,
        Md(
            """
            ## 1. Des groupes traités différemment ?

            Le **taux d'alerte** d'un groupe est la part de ses lignes envoyées en contrôle. Le **ratio d'impact**
            (plus petit taux / plus grand taux) est souvent comparé à la « règle des quatre cinquièmes » : en
            dessous de 0,8, on soupçonne un effet discriminatoire à examiner.
            """
        ),
        Ex(
            title="Le taux d'alerte selon le sexe",
            points=1,
            competencies=("ethique.biais", "pandas.agregation"),
            prompt="""
            Rangez dans `taux_sexe` la part des lignes en alerte (`alerte`) pour chaque sexe (Series indexée par
            `F` et `M`).
            """,
            solution='taux_sexe = donnees.groupby("sex")["alerte"].mean()',
            visible="""
            from courses.checks import to_series

            assert set(map(str, to_series(taux_sexe, index_name="sex").index)) == {"F", "M"}, "Une valeur pour F, une pour M."
            """,
            hidden=AUDIT_REFERENCE
            + """
from courses.checks import assert_same_series

assert_same_series(taux_sexe, _d.groupby("sex")["alerte"].mean(), what="taux_sexe", abs_tol=1e-9)
""",
            wrong='taux_sexe = donnees.groupby("sex")["alerte"].sum() / len(donnees)',
            alternatives=('taux_sexe = donnees.groupby("sex", as_index=False)["alerte"].mean()',),
        ),
        Ex(
            title="Le taux d'alerte par tranche d'âge",
            points=1,
            competencies=("ethique.biais", "pandas.agregation"),
            prompt="""
            Rangez dans `taux_age` la part des lignes en alerte pour chaque tranche d'âge (`tranche_age`).
            """,
            solution='taux_age = donnees.groupby("tranche_age")["alerte"].mean()',
            visible="""
            assert len(taux_age) == donnees["tranche_age"].nunique(), "Une valeur par tranche d'âge."
            """,
            hidden=AUDIT_REFERENCE
            + """
from courses.checks import assert_same_series

assert_same_series(taux_age, _d.groupby("tranche_age")["alerte"].mean(), what="taux_age", abs_tol=1e-9)
""",
            wrong='taux_age = donnees.groupby("tranche_age")["fraude"].mean()',
            alternatives=(
                'taux_age = pd.crosstab(donnees["tranche_age"], donnees["alerte"], normalize="index")[True]',
            ),
        ),
        Ex(
            title="Le ratio d'impact entre les sexes",
            points=1,
            competencies=("ethique.biais",),
            prompt="""
            Rangez dans `ratio_impact` le plus petit taux de `taux_sexe` divisé par le plus grand.
            """,
            solution="ratio_impact = taux_sexe.min() / taux_sexe.max()",
            visible="""
            assert 0 <= ratio_impact <= 1, "Le ratio d'impact est entre 0 et 1."
            """,
            hidden=AUDIT_REFERENCE
            + """
from courses.checks import assert_close

_t = _d.groupby("sex")["alerte"].mean()
assert_close(ratio_impact, _t.min() / _t.max(), what="ratio_impact", abs_tol=1e-9)
""",
            wrong="ratio_impact = taux_sexe.min() / taux_sexe.mean()",
            alternatives=("ratio_impact = float(min(taux_sexe) / max(taux_sexe))",),
        ),
        Ex(
            title="Les contrôles à tort selon l'âge",
            points=2,
            competencies=("ethique.biais", "ml.evaluation"),
            prompt="""
            Un taux d'alerte plus élevé peut refléter plus de fraude réelle. Ce qui compte pour les personnes
            honnêtes, c'est le **taux de faux positifs** : parmi les lignes **non frauduleuses** (`fraude` faux),
            la part mise en alerte. Rangez-le dans `faux_positifs_age`, par tranche d'âge.
            """,
            solution='faux_positifs_age = donnees[~donnees["fraude"]].groupby("tranche_age")["alerte"].mean()',
            visible="""
            assert len(faux_positifs_age) == donnees["tranche_age"].nunique(), "Une valeur par tranche d'âge."
            """,
            hidden=AUDIT_REFERENCE
            + """
from courses.checks import assert_same_series

_exp = _d[_d["fraud_type"].isna()].groupby("tranche_age")["alerte"].mean()
assert_same_series(faux_positifs_age, _exp, what="faux_positifs_age", abs_tol=1e-9)
""",
            # The honest lines are not singled out: this is the alert rate of everyone again.
            wrong='faux_positifs_age = donnees.groupby("tranche_age")["alerte"].mean()',
            alternatives=(
                """
                faux_positifs_age = donnees.loc[~donnees["fraude"]].groupby("tranche_age", as_index=False)["alerte"].mean()
                """,
            ),
        ),
        Md(
            """
            ## 2. Expliquer une alerte

            Le modèle est une régression logistique sur des variables **standardisées** (centrées, réduites) : son
            score dépend d'une somme `coefficient × valeur standardisée` sur les variables. Chaque terme est la
            **contribution** de la variable à l'alerte. `modele[0]` est le standardiseur, `modele[-1]` la
            régression (ses coefficients sont dans `modele[-1].coef_[0]`, dans l'ordre de `VARIABLES`).
            """
        ),
        Ex(
            title="Les coefficients du modèle",
            points=1,
            competencies=("ethique.explicabilite", "ml.modelisation"),
            prompt="""
            Rangez dans `coefficients` une Series des coefficients du modèle indexée par `VARIABLES`, triée par
            **valeur absolue décroissante** (la variable la plus influente en premier).

            *Indice* : `serie.reindex(serie.abs().sort_values(ascending=False).index)`.
            """,
            solution="""
            brut = pd.Series(modele[-1].coef_[0], index=VARIABLES)
            coefficients = brut.reindex(brut.abs().sort_values(ascending=False).index)
            """,
            visible="""
            from courses.checks import to_series

            assert set(to_series(coefficients).index) == set(VARIABLES), "Une valeur par variable de VARIABLES."
            """,
            hidden=AUDIT_REFERENCE
            + """
from courses.checks import assert_same_series

_b = pd.Series(_m[-1].coef_[0], index=VARIABLES)
assert_same_series(coefficients, _b.reindex(_b.abs().sort_values(ascending=False).index), what="coefficients", ordered=True, abs_tol=1e-9)
""",
            wrong="""
            coefficients = pd.Series(modele[-1].coef_[0], index=VARIABLES).sort_values(ascending=False)
            """,
            alternatives=(
                """
                coefficients = pd.Series(dict(zip(VARIABLES, modele[-1].coef_[0]))).sort_values(key=abs, ascending=False)
                """,
            ),
        ),
        Ex(
            title="La contribution de chaque variable à une alerte",
            points=2,
            competencies=("ethique.explicabilite",),
            prompt="""
            Écrivez une fonction `contributions(i)` qui renvoie, pour la ligne de position `i` de `donnees`, une
            Series indexée par `VARIABLES` : `coefficient × valeur standardisée` de chaque variable.

            *Indice* : `modele[0].transform(donnees[VARIABLES].astype(float).iloc[[i]])[0]` donne les valeurs
            standardisées de la ligne `i`.
            """,
            solution="""
            def contributions(i):
                valeurs = modele[0].transform(donnees[VARIABLES].astype(float).iloc[[i]])[0]
                return pd.Series(modele[-1].coef_[0] * valeurs, index=VARIABLES)
            """,
            visible="""
            assert set(contributions(0).index) == set(VARIABLES), "Une contribution par variable de VARIABLES."
            """,
            hidden=AUDIT_REFERENCE
            + """
from courses.checks import assert_same_series

_z = _m[0].transform(_d[VARIABLES].astype(float))
for _i in [0, 1, len(_d) // 2, len(_d) - 1]:
    assert_same_series(contributions(_i), pd.Series(_m[-1].coef_[0] * _z[_i], index=VARIABLES), what=f"contributions({_i})", abs_tol=1e-9)
""",
            wrong="""
            def contributions(i):
                valeurs = donnees[VARIABLES].astype(float).iloc[i].to_numpy()
                return pd.Series(modele[-1].coef_[0] * valeurs, index=VARIABLES)
            """,
            alternatives=(
                """
                def contributions(i):
                    x = donnees[VARIABLES].astype(float).iloc[i]
                    return (x - modele[0].mean_) / modele[0].scale_ * modele[-1].coef_[0]
                """,
            ),
        ),
        Md(
            """
            ## 3. Le cadre légal

            Le **règlement européen sur l'IA** classe les usages en quatre niveaux : **inacceptable** (interdit,
            article 5 : notation sociale, reconnaissance des émotions au travail…), **haut** risque (annexe III :
            recrutement, accès aux services essentiels dont la tarification d'assurance santé et vie des
            personnes…), risque **limité** (obligations de transparence, article 50 : dire qu'on parle à une IA…)
            et risque **minimal** (le reste).
            """
        ),
        CAS_USAGE,
        Ex(
            title="Classer des cas d'usage selon l'AI Act",
            points=3,
            competencies=("ethique.reglementation",),
            prompt="""
            Rangez dans `classes` un dictionnaire qui associe à **chaque clé** de `CAS` l'un des niveaux de
            `NIVEAUX` (`"inacceptable"`, `"haut"`, `"limite"`, `"minimal"`).
            """,
            solution="""
            classes = {
                "notation_sociale": "inacceptable",
                "emotions_conseillers": "inacceptable",
                "tarification_individuelle": "haut",
                "tri_cv": "haut",
                "assistant_adherents": "limite",
                "tri_courriels": "minimal",
                "anti_spam": "minimal",
            }
            """,
            visible="""
            assert set(classes) == set(CAS), "Donnez un niveau pour chaque cas d'usage de CAS."
            assert set(classes.values()) <= set(NIVEAUX), f"Les niveaux possibles sont {NIVEAUX}."
            """,
            hidden="""
            _attendu = {
                "notation_sociale": "inacceptable",
                "emotions_conseillers": "inacceptable",
                "tarification_individuelle": "haut",
                "tri_cv": "haut",
                "assistant_adherents": "limite",
                "tri_courriels": "minimal",
                "anti_spam": "minimal",
            }
            _faux = sorted(k for k in _attendu if classes.get(k) != _attendu[k])
            assert not _faux, f"{len(_faux)} cas mal classé(s)."
            """,
            wrong="""
            classes = {
                "notation_sociale": "inacceptable",
                "emotions_conseillers": "limite",
                "tarification_individuelle": "minimal",
                "tri_cv": "haut",
                "assistant_adherents": "minimal",
                "tri_courriels": "haut",
                "anti_spam": "minimal",
            }
            """,
        ),
        Ex(
            title="Pseudonymiser avant de partager",
            points=2,
            competencies=("ethique.reglementation", "python.bases"),
            prompt="""
            Avant de transmettre `beneficiaries` à un prestataire d'analyse, on retire l'identité directe. Écrivez
            `pseudonymiser(df, sel)` qui renvoie une **copie** de `df` sans les colonnes `nir`, `last_name` et
            `first_name`, avec une nouvelle colonne `pseudo` : les 16 premiers caractères de
            `hashlib.sha256((sel + nir).encode()).hexdigest()`. Le `sel` est un secret conservé par la mutuelle.
            """,
            solution="""
            def pseudonymiser(df, sel):
                out = df.drop(columns=["nir", "last_name", "first_name"])
                out["pseudo"] = [hashlib.sha256((sel + nir).encode()).hexdigest()[:16] for nir in df["nir"]]
                return out
            """,
            visible="""
            _p = pseudonymiser(beneficiaries.head(5), "secret")
            assert "nir" not in _p.columns and "pseudo" in _p.columns, "Retirez nir et ajoutez pseudo."
            assert "nir" in beneficiaries.columns, "Ne modifiez pas le tableau d'origine : travaillez sur une copie."
            """,
            hidden="""
            from courses.checks import assert_same_rows, reference

            _b = reference("beneficiaries").head(300)
            _p = pseudonymiser(_b, "grain-de-sel")
            assert not {"nir", "last_name", "first_name"} & set(_p.columns), "Les identifiants directs doivent disparaître."
            _attendu = _b["nir"].map(lambda n: hashlib.sha256(("grain-de-sel" + n).encode()).hexdigest()[:16])
            assert_same_rows(_p["pseudo"], _attendu, what="pseudo (le hachage salé du NIR)")
            assert list(pseudonymiser(_b, "autre")["pseudo"]) != list(_p["pseudo"]), "Le sel doit changer le pseudonyme."
            """,
            wrong="""
            def pseudonymiser(df, sel):
                out = df.drop(columns=["nir"])
                out["pseudo"] = [hashlib.sha256(nir.encode()).hexdigest()[:16] for nir in df["nir"]]
                return out
            """,
            alternatives=(
                """
                def pseudonymiser(df, sel):
                    pseudo = df["nir"].map(lambda nir: hashlib.sha256((sel + nir).encode()).hexdigest()[:16])
                    return df.assign(pseudo=pseudo).drop(columns=["first_name", "last_name", "nir"])
                """,
            ),
        ),
        Ex(
            title="Les personnes réidentifiables",
            points=2,
            competencies=("ethique.reglementation", "pandas.agregation"),
            prompt=f"""
            Même sans nom ni NIR, une personne peut être **réidentifiée** si sa combinaison sexe + année de
            naissance + département est unique. Rangez dans `part_uniques` la part des bénéficiaires dont la
            combinaison `{QUASI}` n'est partagée par **personne d'autre**.

            *Indice* : `beneficiaries.groupby([...])["beneficiary_id"].transform("size")` donne la taille du groupe
            de chaque personne.
            """,
            solution=f"""
            taille = beneficiaries.groupby({QUASI})["beneficiary_id"].transform("size")
            part_uniques = (taille == 1).mean()
            """,
            visible="""
            assert 0 <= part_uniques <= 1, "Une part entre 0 et 1."
            """,
            hidden="""
            from courses.checks import assert_close, reference

            _b = reference("beneficiaries")
            _t = _b.groupby(["sex", _b["birth_date"].dt.year, "departement"])["beneficiary_id"].transform("size")
            assert_close(part_uniques, (_t == 1).mean(), what="part_uniques", abs_tol=1e-9)
            """,
            wrong="""
            taille = beneficiaries.groupby(["sex", beneficiaries["birth_date"].dt.year])["beneficiary_id"].transform("size")
            part_uniques = (taille == 1).mean()
            """,
            alternatives=(
                """
                cles = beneficiaries.assign(annee=beneficiaries["birth_date"].dt.year)[["sex", "annee", "departement"]]
                part_uniques = 1 - cles.duplicated(keep=False).mean()
                """,
            ),
        ),
        Written(
            title="Expliquer une alerte à la personne concernée",
            points=3,
            competencies=("ethique.explicabilite", "ethique.humain", "communication.ecrit"),
            prompt="""
            Un adhérent de 78 ans en ALD découvre que ses remboursements sont suspendus « suite à une alerte
            automatique ». À partir des coefficients et de vos taux de faux positifs, dites ce qui a pu peser dans
            l'alerte, pourquoi ce circuit pose problème (pensez à l'article 22 du RGPD) et ce que vous changeriez.
            """,
            answer="""
            Attendu : l'âge et/ou l'ALD pèsent sur le score → les personnes âgées ou malades sont plus souvent
            contrôlées à tort (faux positifs plus élevés) ; une décision produisant des effets significatifs ne
            peut reposer uniquement sur un traitement automatisé (art. 22 RGPD) : droit à une intervention humaine,
            à l'explication et à contester. Changer : le score priorise seulement, contrôle humain avant toute
            suspension, retirer ou justifier les variables sensibles, suivre l'équité par groupe.
            """,
        ),
        Written(
            title="Données de santé et hébergement",
            points=3,
            competencies=("ethique.reglementation", "communication.ecrit"),
            prompt="""
            Une équipe propose d'envoyer les courriels des adhérents à un grand modèle de langage hébergé hors de
            l'Union européenne pour en produire des résumés. Les courriels mentionnent souvent des soins. Listez les
            questions à régler avant tout essai (base légale, hébergement, sous-traitance, minimisation…).
            """,
            answer="""
            Attendu : données de santé = catégorie particulière (art. 9 RGPD) → base légale et finalité précises ;
            hébergement certifié HDS obligatoire pour des données de santé ; transfert hors UE (garanties, risque
            d'accès par des autorités étrangères) → privilégier un cloud souverain ; contrat de sous-traitance
            (art. 28), pas de réutilisation pour entraîner le modèle ; analyse d'impact (AIPD) ; minimisation et
            pseudonymisation avant envoi ; information des adhérents ; avis du DPO ; journalisation.
            """,
        ),
        Written(
            title="L'humain dans la boucle, concrètement",
            points=2,
            competencies=("ethique.humain", "ethique.reglementation"),
            prompt="""
            Pour le modèle de suspicion audité ici, décrivez en quelques lignes un circuit de **contrôle humain**
            réaliste : qui voit quoi, qui décide, comment on s'assure que l'humain ne se contente pas de valider
            le score, et quels indicateurs on suit.
            """,
            answer="""
            Attendu : le score ne déclenche qu'une revue ; un contrôleur formé voit les éléments (lignes, motifs,
            contributions des variables) et décide ; possibilité d'écarter le score ; double regard avant sanction ;
            lutte contre le biais d'automatisation (échantillon de cas à faible score revus, suivi du taux
            d'accord humain/modèle) ; indicateurs d'équité par groupe, taux de contrôles à tort, recours.
            """,
        ),
    ),
)
