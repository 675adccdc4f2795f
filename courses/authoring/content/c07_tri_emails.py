"""Course 7: automatic triage of incoming e-mails (preprocessing, TF-IDF + linear model, routing accuracy, humans)."""

from courses.authoring.model import AssignmentSpec, Code, CourseSpec, Ex, Md, Written

SETUP = Code(
    """
    import re

    import numpy as np
    import pandas as pd
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import accuracy_score
    from sklearn.model_selection import train_test_split
    from datasets_synthetic import load

    emails = load("emails")
    SEUIL_CONFIANCE = 0.6  # en dessous, le courriel part vers un conseiller qui l'aiguille à la main
    print(emails.loc[0, "subject"])
    print(emails.loc[0, "body"])
    """
)

CLEAN_REF = """
def _nettoyer_ref(texte):
    return re.sub(r"\\s+", " ", re.sub(r"[^a-zàâäçéèêëîïôöùûüÿœæ]+", " ", texte.lower())).strip()
"""

SPLIT_REF = (
    CLEAN_REF
    + """
from courses.checks import reference

_e = reference("emails")
_t = (_e["subject"] + " " + _e["body"]).map(_nettoyer_ref)
_Xtr, _Xte, _ytr, _yte = train_test_split(_t, _e["team"], test_size=0.25, random_state=42, stratify=_e["team"])
"""
)

A01 = AssignmentSpec(
    id="a01-tri-automatique",
    title="Aiguiller les courriels vers la bonne équipe",
    due_offset_days=77,
    blocks=(
        Md(
            """
            # Aiguiller les courriels vers la bonne équipe

            La mutuelle reçoit environ **1,5 million de courriels par an**. Chacun doit arriver dans la bonne
            équipe : remboursements, cotisations, vie du contrat, réclamations, devis, réforme PSC… Un modèle
            d'apprentissage automatique fait ce tri : il a appris, sur des courriels déjà aiguillés, quels mots
            signalent quelle équipe.

            Les étapes sont toujours les mêmes : **nettoyer** le texte, le transformer en nombres (**TF-IDF** :
            chaque mot pèse d'autant plus qu'il est fréquent dans le courriel et rare ailleurs), entraîner un
            **modèle linéaire**, mesurer son **exactitude** équipe par équipe, et décider **ce qui doit passer
            par un humain**.
            """
        ),
        SETUP,
        Ex(
            title="La répartition des courriels",
            points=1,
            competencies=("pandas.agregation", "ml.texte"),
            prompt="""
            Rangez dans `repartition` la **part** des courriels reçus par chaque équipe (`team`), entre 0 et 1.

            *Indice* : `value_counts(normalize=True)`.
            """,
            solution='repartition = emails["team"].value_counts(normalize=True)',
            visible="""
            from courses.checks import to_series

            assert abs(sum(to_series(repartition, index_name="team")) - 1) < 1e-6, "Les parts doivent faire 1 au total."
            """,
            hidden="""
            from courses.checks import assert_same_series, reference

            assert_same_series(repartition, reference("emails")["team"].value_counts(normalize=True), what="repartition", abs_tol=1e-6)
            """,
            # Counts people, not e-mails: one line per member.
            wrong='repartition = emails.drop_duplicates("subscriber_id")["team"].value_counts(normalize=True)',
            alternatives=('repartition = emails.groupby("team").size() / len(emails)',),
        ),
        Ex(
            title="Nettoyer un texte",
            points=2,
            competencies=("ml.texte", "python.bases"),
            prompt="""
            Écrivez une fonction `nettoyer(texte)` qui
            1. met le texte en **minuscules** ;
            2. remplace chaque suite de caractères qui ne sont **pas des lettres** (chiffres, ponctuation, retours
               à la ligne…) par **une espace** : `re.sub(r"[^a-zàâäçéèêëîïôöùûüÿœæ]+", " ", texte)` ;
            3. enlève les espaces au début et à la fin (`.strip()`).

            Exemple : `nettoyer("Bonjour,\\n\\nMa carte n°12 !")` renvoie `"bonjour ma carte n"`.
            """,
            solution="""
            def nettoyer(texte):
                return re.sub(r"[^a-zàâäçéèêëîïôöùûüÿœæ]+", " ", texte.lower()).strip()
            """,
            visible="""
            assert nettoyer("Bonjour,\\n\\nMa carte n°12 !") == "bonjour ma carte n", "Relisez les trois étapes de l'énoncé."
            """,
            hidden=CLEAN_REF
            + """
from courses.checks import reference

for _txt in reference("emails")["body"].head(200):
    assert nettoyer(_txt) == _nettoyer_ref(_txt), "nettoyer ne donne pas le résultat attendu sur certains courriels."
assert nettoyer("ÉTÉ 2025 : Déjà   là") == "été déjà là"
""",
            wrong="""
            def nettoyer(texte):
                return re.sub(r"[^a-z]+", " ", texte.lower()).strip()
            """,
            alternatives=(
                """
                def nettoyer(texte):
                    return " ".join(re.findall(r"[a-zàâäçéèêëîïôöùûüÿœæ]+", texte.lower()))
                """,
            ),
        ),
        Ex(
            title="Le texte complet de chaque courriel",
            points=1,
            competencies=("ml.texte", "pandas.selection"),
            prompt="""
            Rangez dans `textes` l'**objet** et le **corps** de chaque courriel, séparés par une espace puis
            nettoyés avec `nettoyer` (une Series, même index que `emails`).
            """,
            solution='textes = (emails["subject"] + " " + emails["body"]).map(nettoyer)',
            visible="""
            assert len(textes) == len(emails), "Un texte par courriel."
            assert textes.iloc[0].startswith(nettoyer(emails["subject"].iloc[0])), "Commencez par l'objet, puis le corps."
            """,
            hidden=CLEAN_REF
            + """
from courses.checks import reference

_e = reference("emails")
from courses.checks import assert_same_rows

assert_same_rows(textes, (_e["subject"] + " " + _e["body"]).map(_nettoyer_ref), what="textes")
""",
            # No space between subject and body: the last word of one sticks to the first of the other.
            wrong='textes = (emails["subject"] + emails["body"]).map(nettoyer)',
            alternatives=('textes = emails["subject"].str.cat(emails["body"], sep=" ").map(nettoyer)',),
        ),
        Ex(
            title="Apprentissage et test",
            points=1,
            competencies=("ml.modelisation",),
            prompt="""
            Séparez `textes` et les équipes (`emails["team"]`) en apprentissage (75 %) et test (25 %), en
            conservant les proportions d'équipes :

            ```python
            X_train, X_test, y_train, y_test = train_test_split(
                textes, emails["team"], test_size=0.25, random_state=42, stratify=emails["team"]
            )
            ```
            """,
            solution="""
            X_train, X_test, y_train, y_test = train_test_split(
                textes, emails["team"], test_size=0.25, random_state=42, stratify=emails["team"]
            )
            """,
            visible="""
            assert len(X_test) == len(y_test), "X_test et y_test vont ensemble."
            """,
            hidden=SPLIT_REF
            + """
assert set(X_test.index) == set(_Xte.index), "Utilisez test_size=0.25, random_state=42 et stratify."
""",
            wrong="""
            X_train, X_test, y_train, y_test = train_test_split(textes, emails["team"], test_size=0.25, random_state=0)
            """,
        ),
        Ex(
            title="La représentation TF-IDF",
            points=2,
            competencies=("ml.texte",),
            prompt="""
            Créez `vectoriseur = TfidfVectorizer(min_df=2, ngram_range=(1, 2))` (mots et paires de mots présents
            dans au moins 2 courriels). **Apprenez** le vocabulaire sur le seul jeu d'apprentissage
            (`fit_transform`) pour obtenir `X_train_tfidf`, puis **transformez** le jeu de test (`transform`) pour
            obtenir `X_test_tfidf`.
            """,
            solution="""
            vectoriseur = TfidfVectorizer(min_df=2, ngram_range=(1, 2))
            X_train_tfidf = vectoriseur.fit_transform(X_train)
            X_test_tfidf = vectoriseur.transform(X_test)
            """,
            visible="""
            assert X_train_tfidf.shape[0] == len(X_train) and X_test_tfidf.shape[0] == len(X_test), "Une ligne par courriel."
            assert X_train_tfidf.shape[1] == X_test_tfidf.shape[1], "Même vocabulaire pour l'apprentissage et le test."
            """,
            hidden=SPLIT_REF
            + """
_v = TfidfVectorizer(min_df=2, ngram_range=(1, 2)).fit(_Xtr)
assert set(vectoriseur.vocabulary_) == set(_v.vocabulary_), "Le vocabulaire doit être appris sur le seul jeu d'apprentissage."
""",
            wrong="""
            vectoriseur = TfidfVectorizer(min_df=2, ngram_range=(1, 2))
            vectoriseur.fit(textes)
            X_train_tfidf = vectoriseur.transform(X_train)
            X_test_tfidf = vectoriseur.transform(X_test)
            """,
            alternatives=(
                """
                vectoriseur = TfidfVectorizer(ngram_range=(1, 2), min_df=2).fit(X_train)
                X_train_tfidf = vectoriseur.transform(X_train)
                X_test_tfidf = vectoriseur.transform(X_test)
                """,
            ),
        ),
        Ex(
            title="Le modèle de routage",
            points=2,
            competencies=("ml.modelisation", "ml.evaluation"),
            prompt="""
            Entraînez `classifieur = LogisticRegression(max_iter=1000)` sur `X_train_tfidf`, `y_train`, puis
            rangez dans `exactitude` la part des courriels du test **bien aiguillés**.
            """,
            solution="""
            classifieur = LogisticRegression(max_iter=1000)
            classifieur.fit(X_train_tfidf, y_train)
            exactitude = accuracy_score(y_test, classifieur.predict(X_test_tfidf))
            """,
            visible="""
            assert 0 <= exactitude <= 1, "L'exactitude est une part entre 0 et 1."
            """,
            hidden="""
            from courses.checks import assert_close

            _acc = accuracy_score(y_test, classifieur.predict(X_test_tfidf))
            assert_close(exactitude, _acc, what="exactitude", abs_tol=1e-9)
            _majorite = pd.Series(y_test).value_counts(normalize=True).iloc[0]
            assert _acc > _majorite + 0.1, "Le modèle ne fait pas mieux que « tout envoyer à la plus grosse équipe »."
            """,
            wrong="""
            classifieur = LogisticRegression(max_iter=1000)
            classifieur.fit(X_train_tfidf, y_train)
            # Measured on the e-mails the model learnt from: optimistic, the classic evaluation mistake.
            exactitude = accuracy_score(y_train, classifieur.predict(X_train_tfidf))
            """,
            alternatives=(
                """
                classifieur = LogisticRegression(max_iter=1000).fit(X_train_tfidf, y_train)
                exactitude = (classifieur.predict(X_test_tfidf) == y_test).mean()
                """,
            ),
        ),
        Ex(
            title="L'exactitude équipe par équipe",
            points=2,
            competencies=("ml.evaluation",),
            prompt="""
            Une bonne exactitude globale peut cacher une équipe mal servie. Rangez dans `exactitude_par_equipe`,
            pour chaque équipe, la part de **ses** courriels de test que le modèle lui a bien attribués (une
            Series indexée par équipe).
            """,
            solution="""
            predictions = pd.Series(classifieur.predict(X_test_tfidf), index=y_test.index)
            exactitude_par_equipe = (predictions == y_test).groupby(y_test).mean()
            """,
            visible="""
            assert len(exactitude_par_equipe) == y_test.nunique(), "Une valeur par équipe."
            """,
            hidden="""
            from courses.checks import assert_same_series

            _pred = pd.Series(classifieur.predict(X_test_tfidf), index=y_test.index)
            assert_same_series(exactitude_par_equipe, (_pred == y_test).groupby(y_test).mean(), what="exactitude_par_equipe", abs_tol=1e-9)
            """,
            wrong="""
            predictions = pd.Series(classifieur.predict(X_test_tfidf), index=y_test.index)
            exactitude_par_equipe = predictions.value_counts(normalize=True)
            """,
            alternatives=(
                """
                from sklearn.metrics import recall_score

                equipes = classifieur.classes_
                exactitude_par_equipe = pd.Series(recall_score(y_test, classifieur.predict(X_test_tfidf), average=None, labels=equipes), index=equipes)
                """,
            ),
        ),
        Ex(
            title="Ce qui doit passer par un humain",
            points=3,
            competencies=("ml.evaluation", "ethique.humain"),
            prompt="""
            Le modèle donne, pour chaque courriel, une probabilité par équipe (`classifieur.predict_proba`). Quand
            la **plus forte** de ces probabilités est inférieure à `SEUIL_CONFIANCE`, le courriel part chez un
            conseiller. Rangez dans `a_verifier` ce masque (un booléen par courriel de test, dans l'ordre de
            `X_test`), puis dans `exactitude_automatique` l'exactitude du modèle sur les **seuls** courriels qui
            ne sont pas envoyés à un humain.

            *Indice* : `.max(axis=1)` donne la plus forte probabilité de chaque ligne ; `~a_verifier` inverse le
            masque ; `tableau[masque]` garde les lignes où le masque vaut `True` (aussi pour `np.asarray(y_test)`).
            """,
            solution="""
            confiance = classifieur.predict_proba(X_test_tfidf).max(axis=1)
            a_verifier = confiance < SEUIL_CONFIANCE
            automatiques = ~a_verifier
            exactitude_automatique = accuracy_score(
                np.asarray(y_test)[automatiques], classifieur.predict(X_test_tfidf)[automatiques]
            )
            """,
            visible="""
            assert len(a_verifier) == len(y_test), "Un booléen par courriel de test."
            """,
            hidden="""
            from courses.checks import assert_close, assert_same_rows

            _conf = classifieur.predict_proba(X_test_tfidf).max(axis=1)
            assert_same_rows(a_verifier, pd.Series(_conf < SEUIL_CONFIANCE, index=X_test.index), what="a_verifier")
            _auto = _conf >= SEUIL_CONFIANCE
            _acc = accuracy_score(np.asarray(y_test)[_auto], classifieur.predict(X_test_tfidf)[_auto])
            assert_close(exactitude_automatique, _acc, what="exactitude_automatique", abs_tol=1e-9)
            """,
            wrong="""
            confiance = classifieur.predict_proba(X_test_tfidf).max(axis=1)
            a_verifier = confiance > SEUIL_CONFIANCE
            exactitude_automatique = accuracy_score(y_test, classifieur.predict(X_test_tfidf))
            """,
            alternatives=(
                """
                a_verifier = pd.Series(classifieur.predict_proba(X_test_tfidf).max(axis=1) < SEUIL_CONFIANCE, index=X_test.index)
                bien = pd.Series(classifieur.predict(X_test_tfidf), index=y_test.index) == y_test
                exactitude_automatique = bien[~a_verifier].mean()
                """,
            ),
        ),
        Written(
            title="Quels courriels confier à un humain ?",
            points=3,
            competencies=("ethique.humain", "communication.ecrit"),
            prompt="""
            Au-delà du seuil de confiance, quels courriels enverriez-vous **toujours** à un conseiller, même si le
            modèle est sûr de lui ? Appuyez-vous sur votre exactitude par équipe et sur la nature des demandes
            (réclamations, données de santé, délais légaux…). Quel indicateur suivriez-vous chaque semaine ?
            """,
            answer="""
            Attendu : réclamations (obligation de réponse, insatisfaction, médiation), courriels mentionnant des
            données de santé sensibles ou une situation de vulnérabilité (décès, maladie grave), demandes avec
            délai légal (résiliation, RGPD) ; l'équipe la moins bien servie par le modèle. Indicateurs : part
            envoyée aux humains, exactitude par équipe, taux de réaiguillage, délai de traitement.
            """,
        ),
    ),
)

COURSE = CourseSpec(
    id="c07-tri-emails",
    title="Tri automatique des e-mails entrants",
    order=7,
    assignments=(A01,),
)
