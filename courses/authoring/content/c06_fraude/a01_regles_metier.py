"""Course 6, a01-regles-metier: business rules against fraud, their precision and recall."""

from courses.authoring.content.c06_fraude.setup_cells import SETUP_RULES
from courses.authoring.model import AssignmentSpec, Ex, Md, Written

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
