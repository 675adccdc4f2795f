"""Course 6: fraud and anomaly detection (rules, then a scikit-learn model, precision/recall and costs)."""

from courses.authoring.model import AssignmentSpec, Code, CourseSpec, Ex, Md, Written

SETUP_RULES = Code(
    """
    import pandas as pd
    from datasets_synthetic import load

    claims = load("claims")
    beneficiaries = load("beneficiaries")
    SEUIL_VOLUME = 60  # au-delà de 60 actes facturés dans la journée, un professionnel est suspect
    claims["fraud_type"].value_counts(dropna=False)
    """
)

SETUP_MODEL = Code(
    """
    import numpy as np
    import pandas as pd
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.metrics import precision_score, recall_score, roc_auc_score
    from sklearn.model_selection import train_test_split
    from datasets_synthetic import load

    claims = load("claims")
    beneficiaries = load("beneficiaries")
    COUT_CONTROLE_A_TORT = 300  # € : enquête inutile + relation abîmée avec un professionnel honnête
    COUT_FRAUDE_MANQUEE = 150  # € : montant moyen perdu sur une ligne frauduleuse non détectée (ordre de grandeur)
    SEUILS = np.round(np.arange(0.05, 1.0, 0.05), 2)


    def caracteristiques(lignes, personnes):
        '''Les variables du modèle, une ligne par ligne de prestation (même ordre, même index).'''
        deces = lignes["beneficiary_id"].map(personnes.set_index("beneficiary_id")["death_date"])
        naissance = lignes["beneficiary_id"].map(personnes.set_index("beneficiary_id")["birth_date"])
        cle = ["beneficiary_id", "practitioner_id", "care_date", "act_code"]
        return pd.DataFrame(
            {
                "amount_billed": lignes["amount_billed"],
                "reimbursement_base": lignes["reimbursement_base"],
                "extra_fees": lignes["extra_fees"],
                "quantity": lignes["quantity"],
                "volume_jour": lignes.groupby(["practitioner_id", "care_date"])["claim_id"].transform("size"),
                "nb_memes_actes": lignes.groupby(cle)["claim_id"].transform("size"),
                "apres_deces": (lignes["care_date"] > deces).astype(int),
                "age": lignes["care_date"].dt.year - naissance.dt.year,
            },
            index=lignes.index,
        )
    """
)

A01 = AssignmentSpec(
    id="a01-regles-metier",
    title="Des règles pour repérer la fraude",
    due_offset_days=63,
    blocks=(
        Md(
            """
            # Des règles pour repérer la fraude

            La fraude aux prestations coûte cher à tous les adhérents : facturation d'actes jamais réalisés,
            même acte facturé deux fois, consultation surcotée, volumes impossibles, soins facturés après un
            décès… Les équipes de contrôle commencent par des **règles métier** simples et explicables. Dans nos
            données synthétiques, les lignes frauduleuses sont **étiquetées** (`fraud_type`), ce qui permet de
            mesurer ce que valent les règles : combien d'alertes sont justes (**précision**) et combien de fraudes
            sont trouvées (**rappel**).

            Attention : une alerte n'est pas une preuve. Derrière chaque ligne signalée, il y a un professionnel
            ou un adhérent qui est peut-être parfaitement honnête.
            """
        ),
        SETUP_RULES,
        Ex(
            title="La part de lignes frauduleuses",
            points=1,
            competencies=("metier.fraude", "pandas.selection"),
            prompt="""
            Rangez dans `taux_fraude` la **part des lignes** de `claims` dont `fraud_type` est renseigné (entre 0
            et 1).
            """,
            solution='taux_fraude = claims["fraud_type"].notna().mean()',
            visible="""
            assert 0 < taux_fraude < 0.2, "La fraude est rare : une part positive mais faible (entre 0 et 1, pas en %)."
            """,
            hidden="""
            from courses.checks import assert_close, reference

            assert_close(taux_fraude, reference("claims")["fraud_type"].notna().mean(), what="taux_fraude", abs_tol=1e-9)
            """,
            wrong='taux_fraude = claims.loc[claims["fraud_type"].notna(), "amount_billed"].sum() / claims["amount_billed"].sum()',
            alternatives=('taux_fraude = claims["fraud_type"].notna().sum() / len(claims)',),
        ),
        Ex(
            title="Les types de fraude",
            points=1,
            competencies=("metier.fraude", "pandas.agregation"),
            prompt="""
            Rangez dans `types_fraude` le nombre de lignes par type de fraude (`fraud_type`, sans les lignes
            normales).
            """,
            solution='types_fraude = claims["fraud_type"].value_counts()',
            visible="""
            assert len(types_fraude) >= 2, "Il y a plusieurs types de fraude."
            """,
            hidden="""
            from courses.checks import assert_same_series, reference

            assert_same_series(types_fraude, reference("claims")["fraud_type"].value_counts(), what="types_fraude")
            """,
            wrong='types_fraude = claims["fraud_type"].value_counts(normalize=True)',
            alternatives=(
                """
                types_fraude = claims.dropna(subset=["fraud_type"]).groupby("fraud_type", as_index=False).size()
                """,
            ),
        ),
        Ex(
            title="Le volume journalier de chaque professionnel",
            points=2,
            competencies=("metier.fraude", "pandas.agregation"),
            prompt="""
            Construisez `volume_jour` : une ligne par couple (`practitioner_id`, `care_date`) avec la colonne
            `nb_actes`, le nombre de lignes facturées par ce professionnel ce jour-là.

            *Indice* : `claims.groupby([...]).size().reset_index(name="nb_actes")`.
            """,
            solution='volume_jour = claims.groupby(["practitioner_id", "care_date"]).size().reset_index(name="nb_actes")',
            visible="""
            assert "nb_actes" in volume_jour.columns, "volume_jour doit avoir une colonne nb_actes."
            assert volume_jour["nb_actes"].sum() == len(claims), (
                f"Chaque ligne de claims doit être comptée une fois ({len(claims)} lignes, {volume_jour['nb_actes'].sum()} comptées)."
            )
            """,
            hidden="""
            from courses.checks import assert_same_frame, reference

            exp = reference("claims").groupby(["practitioner_id", "care_date"]).size().reset_index(name="nb_actes")
            assert_same_frame(volume_jour, exp, what="volume_jour", key=["practitioner_id", "care_date"])
            """,
            wrong='volume_jour = claims.groupby(["practitioner_id", "paid_date"]).size().reset_index(name="nb_actes")',
            alternatives=(
                """
                volume_jour = claims.groupby(["practitioner_id", "care_date"])["claim_id"].count().astype("int32").to_frame("nb_actes")
                """,
            ),
        ),
        Ex(
            title="Règle 1 : volume impossible",
            points=2,
            competencies=("metier.fraude", "pandas.agregation"),
            prompt="""
            Rangez dans `alerte_volume` une Series de `True`/`False`, **une valeur par ligne de `claims`** (même
            index), qui vaut `True` quand le professionnel a facturé **plus de `SEUIL_VOLUME` lignes** ce jour-là.

            *Indice* : `claims.groupby([...])["claim_id"].transform("size")` donne, sur chaque ligne, la taille de
            son groupe.
            """,
            solution='alerte_volume = claims.groupby(["practitioner_id", "care_date"])["claim_id"].transform("size") > SEUIL_VOLUME',
            visible="""
            assert len(alerte_volume) == len(claims), f"Une valeur par ligne de claims ({len(claims)} attendues, {len(alerte_volume)} obtenues)."
            """,
            hidden="""
            from courses.checks import assert_same_rows, reference

            ref = reference("claims")
            exp = ref.groupby(["practitioner_id", "care_date"])["claim_id"].transform("size") > SEUIL_VOLUME
            assert_same_rows(alerte_volume, exp, what="alerte_volume")
            """,
            # The day is forgotten: every busy professional is flagged.
            wrong='alerte_volume = claims.groupby("practitioner_id")["claim_id"].transform("size") > SEUIL_VOLUME',
            alternatives=(
                """
                comptes = claims.groupby(["practitioner_id", "care_date"]).size().rename("n").reset_index()
                lignes = claims.reset_index().merge(comptes, on=["practitioner_id", "care_date"]).set_index("index")
                alerte_volume = (lignes["n"] > SEUIL_VOLUME).sort_values()  # même index que claims, dans un autre ordre
                """,
            ),
        ),
        Ex(
            title="Règle 2 : soins après le décès",
            points=2,
            competencies=("metier.fraude", "pandas.jointure"),
            prompt="""
            Rangez dans `alerte_deces` une Series de `True`/`False` (une valeur par ligne de `claims`, même index)
            qui vaut `True` quand la date des soins est **postérieure** à la date de décès du bénéficiaire.

            *Indice* : `claims["beneficiary_id"].map(beneficiaries.set_index("beneficiary_id")["death_date"])`
            donne la date de décès de chaque ligne sans changer l'ordre ; comparer une date à une date vide donne
            `False`.
            """,
            solution="""
            deces = claims["beneficiary_id"].map(beneficiaries.set_index("beneficiary_id")["death_date"])
            alerte_deces = claims["care_date"] > deces
            """,
            visible="""
            assert len(alerte_deces) == len(claims), f"Une valeur par ligne de claims ({len(claims)} attendues, {len(alerte_deces)} obtenues)."
            """,
            hidden="""
            from courses.checks import assert_same_rows, reference

            ref = reference("claims")
            d = ref["beneficiary_id"].map(reference("beneficiaries").set_index("beneficiary_id")["death_date"])
            assert_same_rows(alerte_deces, ref["care_date"] > d, what="alerte_deces")
            """,
            wrong="""
            deces = claims["beneficiary_id"].map(beneficiaries.set_index("beneficiary_id")["death_date"])
            alerte_deces = deces.notna()
            """,
            alternatives=(
                """
                deces = claims["beneficiary_id"].map(beneficiaries.set_index("beneficiary_id")["death_date"])
                alerte_deces = (claims["care_date"] > deces).astype(int).to_numpy()
                """,
            ),
        ),
        Ex(
            title="Règle 3 : le même acte facturé deux fois",
            points=2,
            competencies=("metier.fraude", "qualite.controle"),
            prompt="""
            Rangez dans `alerte_doublon` une Series de `True`/`False` (une valeur par ligne, même index) qui vaut
            `True` pour toute ligne qui **répète** une ligne précédente sur le même bénéficiaire, le même
            professionnel, la même date et le même code d'acte (la première occurrence n'est pas en alerte).
            """,
            solution='alerte_doublon = claims.duplicated(subset=["beneficiary_id", "practitioner_id", "care_date", "act_code"])',
            visible="""
            assert len(alerte_doublon) == len(claims), f"Une valeur par ligne de claims ({len(claims)} attendues, {len(alerte_doublon)} obtenues)."
            """,
            hidden="""
            from courses.checks import assert_same_rows, reference

            exp = reference("claims").duplicated(subset=["beneficiary_id", "practitioner_id", "care_date", "act_code"])
            assert_same_rows(alerte_doublon, exp, what="alerte_doublon")
            """,
            wrong='alerte_doublon = claims.duplicated(subset=["beneficiary_id", "care_date"])',
            alternatives=(
                """
                alerte_doublon = claims.duplicated(subset=["act_code", "care_date", "practitioner_id", "beneficiary_id"], keep="first").astype("int8")
                """,
            ),
        ),
        Ex(
            title="La précision des règles",
            points=2,
            competencies=("ml.evaluation", "metier.fraude"),
            prompt="""
            Une ligne est **en alerte** si au moins une des trois règles la signale. Rangez ce masque dans
            `alerte`, puis dans `precision_regles` la **précision** : la part des lignes en alerte qui sont
            réellement frauduleuses.

            *Indice* : `a | b` est le « ou » de deux masques.
            """,
            solution="""
            alerte = alerte_volume | alerte_deces | alerte_doublon
            precision_regles = claims.loc[alerte, "fraud_type"].notna().mean()
            """,
            visible="""
            assert 0 <= precision_regles <= 1, "La précision est une part entre 0 et 1."
            """,
            hidden="""
            from courses.checks import assert_close, reference

            ref = reference("claims")
            d = ref["beneficiary_id"].map(reference("beneficiaries").set_index("beneficiary_id")["death_date"])
            a = (ref.groupby(["practitioner_id", "care_date"])["claim_id"].transform("size") > SEUIL_VOLUME) | (ref["care_date"] > d)
            a = a | ref.duplicated(subset=["beneficiary_id", "practitioner_id", "care_date", "act_code"])
            assert_close(precision_regles, ref.loc[a, "fraud_type"].notna().mean(), what="precision_regles", abs_tol=1e-6)
            """,
            wrong="""
            alerte = alerte_volume | alerte_deces | alerte_doublon
            precision_regles = alerte[claims["fraud_type"].notna()].mean()
            """,
            alternatives=(
                """
                alerte = alerte_volume | alerte_deces | alerte_doublon
                precision_regles = (alerte & claims["fraud_type"].notna()).sum() / alerte.sum()
                """,
            ),
        ),
        Ex(
            title="Le rappel des règles",
            points=2,
            competencies=("ml.evaluation", "metier.fraude"),
            prompt="""
            Rangez dans `rappel_regles` le **rappel** des règles : la part des lignes frauduleuses qui sont en
            alerte.
            """,
            solution='rappel_regles = alerte[claims["fraud_type"].notna()].mean()',
            visible="""
            assert 0 <= rappel_regles <= 1, "Le rappel est une part entre 0 et 1."
            """,
            hidden="""
            from courses.checks import assert_close, reference

            ref = reference("claims")
            d = ref["beneficiary_id"].map(reference("beneficiaries").set_index("beneficiary_id")["death_date"])
            a = (ref.groupby(["practitioner_id", "care_date"])["claim_id"].transform("size") > SEUIL_VOLUME) | (ref["care_date"] > d)
            a = a | ref.duplicated(subset=["beneficiary_id", "practitioner_id", "care_date", "act_code"])
            assert_close(rappel_regles, a[ref["fraud_type"].notna()].mean(), what="rappel_regles", abs_tol=1e-6)
            """,
            wrong='rappel_regles = claims.loc[alerte, "fraud_type"].notna().mean()',
            alternatives=(
                """
                rappel_regles = (alerte & claims["fraud_type"].notna()).sum() / claims["fraud_type"].notna().sum()
                """,
            ),
        ),
        Written(
            title="Ce que les règles ne voient pas",
            points=2,
            competencies=("metier.fraude", "communication.ecrit"),
            prompt="""
            Quels types de fraude vos règles ne détectent-elles pas (regardez `fraud_type` des lignes frauduleuses
            hors alerte) ? Proposez une règle supplémentaire pour l'un d'eux, et dites quel risque de fausse
            alerte elle comporte.
            """,
            answer="""
            Attendu : la surcotation (upcoding, APC au lieu de G) et les actes fictifs (phantom billing) passent
            entre les règles. Règle possible : part d'APC d'un généraliste très au-dessus de ses confrères ; séries
            d'actes infirmiers chez des patients éloignés géographiquement. Risque : un médecin réellement
            spécialisé ou une patientèle atypique déclenche l'alerte → contrôle humain, contradictoire.
            """,
        ),
    ),
)

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

COURSE = CourseSpec(
    id="c06-fraude",
    title="Détection de fraude et d'anomalies",
    order=6,
    assignments=(A01, A02),
)
