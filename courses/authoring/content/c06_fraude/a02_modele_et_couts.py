"""Course 6, a02-modele-et-couts: a random forest, thresholds and the cost of errors."""

from courses.authoring.content.c06_fraude.setup_cells import SETUP_MODEL
from courses.authoring.model import AssignmentSpec, Ex, Md, Written

A02 = AssignmentSpec(
    id="a02-modele-et-couts",
    title="Un modèle de détection et le coût des erreurs",
    due_offset_days=70,
    blocks=(
        Md(
            """
            # Un modèle de détection et le coût des erreurs

            Les règles trouvent une partie des fraudes. Un **modèle d'apprentissage supervisé** peut combiner
            plusieurs signaux faibles : il apprend, sur des lignes dont on connaît la réponse, à donner à chaque
            nouvelle ligne une **probabilité** d'être frauduleuse. Reste à choisir à partir de quelle probabilité
            on déclenche un contrôle : trop bas, on accuse à tort des professionnels honnêtes ; trop haut, on
            laisse passer la fraude. Ce choix se raisonne en **coûts**.

            La fonction `caracteristiques(lignes, personnes)` vous est fournie : elle calcule les variables du
            modèle pour chaque ligne.
            """
        ),
        SETUP_MODEL,
        Ex(
            title="La cible à prédire",
            points=1,
            competencies=("ml.modelisation",),
            prompt="""
            Rangez dans `y` la **cible** : 1 pour une ligne frauduleuse (`fraud_type` renseigné), 0 sinon (une
            Series d'entiers, même index que `claims`).
            """,
            solution='y = claims["fraud_type"].notna().astype(int)',
            visible="""
            assert set(pd.Series(y).unique()) <= {0, 1}, "y ne contient que des 0 et des 1."
            assert len(y) == len(claims), f"Une valeur par ligne de claims ({len(claims)} attendues, {len(y)} obtenues)."
            """,
            hidden="""
            from courses.checks import assert_same_rows, reference

            assert_same_rows(y, reference("claims")["fraud_type"].notna().astype(int), what="y")
            """,
            wrong='y = claims["fraud_type"].isna().astype(int)',
            alternatives=(
                'y = pd.Series(np.where(claims["fraud_type"].isna(), 0, 1), index=claims.index, dtype="int8")',
            ),
        ),
        Ex(
            title="Les variables explicatives",
            points=1,
            competencies=("ml.modelisation", "pandas.jointure"),
            prompt="""
            Rangez dans `X` les variables du modèle, calculées par `caracteristiques(claims, beneficiaries)`.
            Regardez leurs noms : lesquelles reprennent vos règles du carnet précédent ?
            """,
            solution="X = caracteristiques(claims, beneficiaries)",
            visible="""
            assert isinstance(X, pd.DataFrame) and len(X) == len(claims), "X a une ligne par ligne de claims."
            """,
            hidden="""
            from courses.checks import assert_same_frame, reference

            exp = caracteristiques(reference("claims"), reference("beneficiaries"))
            # Column order and dtype are free; an extra column (the target!) is not: the model would cheat.
            assert_same_frame(X, exp, what="X", on_index=True, extra_columns=False)
            """,
            wrong='X = caracteristiques(claims, beneficiaries).drop(columns=["volume_jour"])',
            alternatives=('X = caracteristiques(claims, beneficiaries).astype("float32").iloc[:, ::-1]',),
        ),
        Ex(
            title="Séparer apprentissage et test",
            points=2,
            competencies=("ml.modelisation", "ml.evaluation"),
            prompt="""
            Séparez les données en un jeu d'**apprentissage** (70 %) et un jeu de **test** (30 %), en conservant la
            même proportion de fraudes dans les deux (`stratify=y`) et avec `random_state=42` :

            ```python
            X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=42, stratify=y)
            ```
            """,
            solution="X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=42, stratify=y)",
            visible="""
            assert len(X_test) == len(y_test) and len(X_train) == len(y_train), "X et y doivent être séparés ensemble."
            assert abs(len(X_test) / len(X) - 0.3) < 0.01, "Le jeu de test fait 30 % des lignes."
            """,
            hidden="""
            from courses.checks import reference

            _r = reference("claims")
            _y = _r["fraud_type"].notna().astype(int)
            _, _Xt, _, _ = train_test_split(_r[["claim_id"]], _y, test_size=0.3, random_state=42, stratify=_y)
            assert set(X_test.index) == set(_Xt.index), "Utilisez test_size=0.3, random_state=42 et stratify=y."
            """,
            wrong="X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0)",
        ),
        Ex(
            title="Entraîner une forêt aléatoire",
            points=2,
            competencies=("ml.modelisation",),
            prompt="""
            Entraînez sur `X_train`, `y_train` une forêt aléatoire et rangez-la dans `modele` :

            ```python
            modele = RandomForestClassifier(n_estimators=40, max_depth=8, max_samples=0.2, class_weight="balanced", random_state=0, n_jobs=1)
            ```

            `class_weight="balanced"` compense la rareté des fraudes ; `max_samples=0.2` fait apprendre chaque arbre sur 20 %
            des lignes tirées au hasard (plus rapide, et les arbres sont plus variés).
            N'utilisez **jamais** le jeu de test pour entraîner.
            """,
            solution="""
            modele = RandomForestClassifier(n_estimators=40, max_depth=8, max_samples=0.2, class_weight="balanced", random_state=0, n_jobs=1)
            modele.fit(X_train, y_train)
            """,
            visible="""
            assert hasattr(modele, "classes_"), "Le modèle doit être entraîné (modele.fit(X_train, y_train))."
            """,
            hidden="""
            assert modele.n_features_in_ == X.shape[1], "Entraînez le modèle sur toutes les colonnes de X."
            assert len(modele.estimators_[0].tree_.value) > 1, "Le modèle n'a rien appris."
            _auc = roc_auc_score(y_test, modele.predict_proba(X_test)[:, 1])
            _base = max(roc_auc_score(y_test, X_test[c]) for c in X_test.columns)
            assert _auc >= _base - 0.05, f"Le modèle fait moins bien (AUC {_auc:.2f}) que la meilleure variable seule ({_base:.2f})."
            """,
            wrong="""
            modele = RandomForestClassifier(n_estimators=5, max_depth=1, random_state=0, n_jobs=1)
            modele.fit(X_train[["age"]], y_train)
            """,
        ),
        Ex(
            title="Les probabilités sur le jeu de test",
            points=1,
            competencies=("ml.modelisation", "ml.evaluation"),
            prompt="""
            Rangez dans `proba` la probabilité de fraude donnée par `modele` à chaque ligne de `X_test`.

            *Indice* : `modele.predict_proba(X_test)` renvoie deux colonnes (classe 0, classe 1) : gardez la seconde
            avec `[:, 1]`.
            """,
            solution="proba = modele.predict_proba(X_test)[:, 1]",
            visible="""
            assert len(proba) == len(X_test), "Une probabilité par ligne de X_test."
            assert 0 <= min(proba) and max(proba) <= 1, "Des probabilités entre 0 et 1."
            """,
            hidden="""
            from courses.checks import assert_same_rows

            _fraude = list(modele.classes_).index(1)
            _exp = pd.Series(modele.predict_proba(X_test)[:, _fraude], index=X_test.index)
            assert_same_rows(proba, _exp, what="proba (la probabilité de la classe 1, fraude)", abs_tol=1e-9)
            """,
            wrong="proba = modele.predict_proba(X_test)[:, 0]",
            alternatives=(
                """
                proba = pd.Series(modele.predict_proba(X_test)[:, list(modele.classes_).index(1)], index=X_test.index)
                """,
            ),
        ),
        Ex(
            title="Précision et rappel au seuil de 0,5",
            points=2,
            competencies=("ml.evaluation",),
            prompt="""
            En déclenchant un contrôle quand `proba >= 0.5`, calculez sur le jeu de test la **précision** (dans
            `precision_05`) et le **rappel** (dans `rappel_05`).

            *Indice* : `precision_score(y_test, proba >= 0.5)` et `recall_score(...)`.
            """,
            solution="""
            precision_05 = precision_score(y_test, proba >= 0.5)
            rappel_05 = recall_score(y_test, proba >= 0.5)
            """,
            visible="""
            assert 0 <= precision_05 <= 1 and 0 <= rappel_05 <= 1, "Précision et rappel sont entre 0 et 1."
            """,
            hidden="""
            from courses.checks import assert_close

            _p = modele.predict_proba(X_test)[:, 1] >= 0.5
            assert_close(precision_05, precision_score(y_test, _p), what="precision_05", abs_tol=1e-9)
            assert_close(rappel_05, recall_score(y_test, _p), what="rappel_05", abs_tol=1e-9)
            """,
            wrong="""
            precision_05 = recall_score(y_test, proba >= 0.5)
            rappel_05 = precision_score(y_test, proba >= 0.5)
            """,
            alternatives=(
                """
                controle = proba >= 0.5
                fraude = np.asarray(y_test) == 1
                precision_05 = (controle & fraude).sum() / controle.sum()
                rappel_05 = (controle & fraude).sum() / fraude.sum()
                """,
            ),
        ),
        Ex(
            title="Le seuil qui coûte le moins",
            points=3,
            competencies=("ml.evaluation", "ethique.humain"),
            prompt="""
            Pour chaque seuil de `SEUILS`, le coût total des erreurs sur le jeu de test vaut
            `COUT_CONTROLE_A_TORT × (contrôles à tort) + COUT_FRAUDE_MANQUEE × (fraudes manquées)`,
            où un contrôle à tort est une ligne normale avec `proba >= seuil` et une fraude manquée une ligne
            frauduleuse avec `proba < seuil`. Rangez dans `couts` une Series indexée par seuil, et dans
            `seuil_optimal` le seuil de **coût minimal** (le plus petit en cas d'égalité).
            """,
            solution="""
            vrai = np.asarray(y_test) == 1
            couts = pd.Series(
                {
                    s: COUT_CONTROLE_A_TORT * ((proba >= s) & ~vrai).sum() + COUT_FRAUDE_MANQUEE * ((proba < s) & vrai).sum()
                    for s in SEUILS
                }
            )
            seuil_optimal = couts.idxmin()
            """,
            visible="""
            assert len(couts) == len(SEUILS), "Un coût par seuil de SEUILS."
            assert seuil_optimal in list(SEUILS), "seuil_optimal doit être l'un des SEUILS."
            """,
            hidden="""
            from courses.checks import assert_close, assert_same_series

            _p = modele.predict_proba(X_test)[:, 1]
            _v = np.asarray(y_test) == 1
            _c = pd.Series({s: COUT_CONTROLE_A_TORT * ((_p >= s) & ~_v).sum() + COUT_FRAUDE_MANQUEE * ((_p < s) & _v).sum() for s in SEUILS})
            assert_same_series(couts, _c.rename_axis("seuil"), what="couts")  # a table with a seuil column is fine too
            assert_close(seuil_optimal, _c.idxmin(), what="seuil_optimal", abs_tol=1e-9)
            """,
            wrong="""
            vrai = np.asarray(y_test) == 1
            couts = pd.Series({s: ((proba >= s) & ~vrai).sum() + ((proba < s) & vrai).sum() for s in SEUILS})
            seuil_optimal = couts.idxmin()
            """,
            alternatives=(
                """
                vrai = np.asarray(y_test) == 1
                lignes = [
                    {"seuil": s, "cout": COUT_CONTROLE_A_TORT * ((proba >= s) & ~vrai).sum() + COUT_FRAUDE_MANQUEE * ((proba < s) & vrai).sum()}
                    for s in SEUILS
                ]
                couts = pd.DataFrame(lignes)
                seuil_optimal = float(couts.sort_values(["cout", "seuil"]).iloc[0]["seuil"])
                """,
            ),
        ),
        Written(
            title="Le coût d'une fausse accusation",
            points=3,
            competencies=("ethique.humain", "ml.evaluation", "communication.ecrit"),
            prompt="""
            Le coût de 300 € par contrôle à tort est une convention. Qu'est-ce qu'il ne mesure pas pour un
            infirmier honnête contrôlé à tort ? Comment organiseriez-vous le circuit entre le score du modèle et
            une éventuelle sanction (qui décide, sur quelles preuves, quel recours) ?
            """,
            answer="""
            Attendu : atteinte à la réputation, stress, suspension de tiers payant, perte de confiance, risque
            juridique pour la mutuelle ; un biais possible contre certains profils. Circuit : le score ne fait que
            prioriser ; un contrôleur humain instruit le dossier (pièces, contradictoire), la décision est humaine
            et motivée, le professionnel peut contester ; suivi des taux de contrôles à tort, révision du seuil.
            """,
        ),
    ),
)
