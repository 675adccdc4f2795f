"""Course 2: data quality and governance (missing values, duplicates, NIR key, referential integrity, report)."""

from courses.authoring.model import AssignmentSpec, Code, CourseSpec, Ex, Md, Written

SETUP = Code(
    '''
    import numpy as np
    import pandas as pd
    from datasets_synthetic import load

    employers = load("employers")


    def fabriquer_extrait():
        """Simule le fichier de bénéficiaires transmis par un partenaire, avec les défauts habituels."""
        rng = np.random.default_rng(2025)
        ben = load("beneficiaries")
        extrait = ben.sample(n=min(2000, len(ben)), random_state=2025).reset_index(drop=True)
        n = len(extrait)
        for colonne, part in {"commune": 0.04, "birth_date": 0.01, "employer_id": 0.02, "nir": 0.01}.items():
            lignes = rng.choice(n, int(n * part), replace=False)
            extrait.loc[lignes, colonne] = None
        # Erreurs de saisie : un chiffre du NIR modifié.
        lignes = rng.choice(n, int(n * 0.03), replace=False)
        extrait.loc[lignes, "nir"] = extrait.loc[lignes, "nir"].map(
            lambda s: s if pd.isna(s) else s[:10] + str((int(s[10]) + 1) % 10) + s[11:]
        )
        # Sexe mal renseigné.
        lignes = rng.choice(n, int(n * 0.02), replace=False)
        extrait.loc[lignes, "sex"] = extrait.loc[lignes, "sex"].map({"F": "M", "M": "F"})
        # Employeurs inconnus du référentiel.
        lignes = rng.choice(n, int(n * 0.01), replace=False)
        extrait.loc[lignes, "employer_id"] = [f"INCONNU-{i:03d}" for i in range(len(lignes))]
        # Doublons : des lignes envoyées deux fois, parfois avec une commune mise à jour entre-temps.
        doublons = extrait.sample(n=30, random_state=1)
        doublons.iloc[:10, doublons.columns.get_loc("commune")] = "Commune mise à jour"
        return pd.concat([extrait, doublons], ignore_index=True)


    extrait = fabriquer_extrait()
    extrait.head()
    '''
)

A01 = AssignmentSpec(
    id="a01-qualite-nir",
    title="Contrôler un fichier de bénéficiaires",
    due_offset_days=21,
    blocks=(
        Md(
            """
            # Contrôler un fichier de bénéficiaires

            Un partenaire vient de transmettre son fichier de bénéficiaires. Avant de l'intégrer au système de
            gestion, l'équipe données doit le **contrôler** : valeurs manquantes, lignes en double, numéros de
            sécurité sociale (NIR) mal saisis, employeurs inconnus du référentiel. Les anomalies trouvées seront
            remontées au partenaire dans un **rapport qualité**.

            La cellule suivante fabrique ce fichier (variable `extrait`) à partir des données synthétiques, en y
            glissant les défauts qu'on rencontre en vrai. Ne la modifiez pas.
            """
        ),
        SETUP,
        Ex(
            title="Les valeurs manquantes",
            points=1,
            competencies=("qualite.controle",),
            prompt="""
            Rangez dans `manquants` le **nombre de valeurs manquantes par colonne** de `extrait` (une Series dont
            l'index est le nom de la colonne).

            *Indice* : `extrait.isna()` donne un tableau de `True`/`False` ; sa somme compte les `True` par colonne.
            """,
            solution="manquants = extrait.isna().sum()",
            visible="""
            assert isinstance(manquants, pd.Series), "manquants doit être une Series (une valeur par colonne)."
            assert len(manquants) == extrait.shape[1], f"Il faut une valeur par colonne de extrait ({extrait.shape[1]} colonnes, {len(manquants)} valeurs)."
            """,
            hidden="""
            from courses.checks import assert_same_series

            assert_same_series(manquants, fabriquer_extrait().isna().sum(), what="manquants")
            """,
            wrong="manquants = extrait.isna().mean()",
            alternatives=("manquants = extrait.isna().sum().sort_values()",),
        ),
        Ex(
            title="Les lignes en double",
            points=1,
            competencies=("qualite.controle",),
            prompt="""
            Certaines lignes ont été envoyées deux fois. Rangez dans `nb_doublons` le nombre de lignes **en trop**,
            c'est-à-dire les lignes dont le `beneficiary_id` a déjà été vu plus haut dans le fichier.

            *Indice* : `extrait.duplicated(subset=[...])` marque chaque répétition après la première.
            """,
            solution='nb_doublons = int(extrait.duplicated(subset=["beneficiary_id"]).sum())',
            visible="""
            assert 0 < nb_doublons < len(extrait), "Il y a des doublons dans ce fichier, mais pas partout."
            """,
            hidden="""
            ref = fabriquer_extrait()
            assert nb_doublons == ref.duplicated(subset=["beneficiary_id"]).sum(), (
                f"nb_doublons vaut {nb_doublons} : comptez les lignes dont le beneficiary_id a déjà été vu, même si une autre colonne "
                "(la commune…) a changé entre-temps."
            )
            """,
            wrong="nb_doublons = int(extrait.duplicated().sum())",
            alternatives=('nb_doublons = len(extrait) - extrait["beneficiary_id"].nunique()',),
        ),
        Md(
            """
            ## Le NIR et sa clé de contrôle

            Le NIR compte 13 caractères suivis d'une **clé** de 2 chiffres : sexe (1), année (2) et mois (2) de
            naissance, département (2), commune (3), numéro d'ordre (3), puis la clé. La clé vaut
            **97 − (nombre formé par les 13 premiers caractères modulo 97)**, écrite sur deux chiffres.
            Exception : pour les personnes nées en **Corse**, le département s'écrit `2A` ou `2B` ; pour calculer la
            clé, on remplace `2A` par `19` et `2B` par `18`.

            Exemple : pour `1850375123456`, 1850375123456 mod 97 = 56, donc la clé est 97 − 56 = 41.
            """
        ),
        Ex(
            title="Calculer la clé d'un NIR",
            points=2,
            competencies=("qualite.referentiel", "python.bases"),
            prompt="""
            Écrivez une **fonction** `cle_nir(nir13)` qui reçoit les 13 premiers caractères d'un NIR (une chaîne)
            et renvoie la clé (un entier entre 1 et 97), en gérant la Corse (`2A`, `2B` aux positions 6 et 7).

            *Indice* : `texte.replace("2A", "19")` remplace un morceau de texte ; `int("123")` convertit en entier ;
            `a % b` est le reste de la division de `a` par `b`.
            """,
            solution="""
            def cle_nir(nir13):
                chiffres = nir13[:5] + nir13[5:7].replace("2A", "19").replace("2B", "18") + nir13[7:13]
                return 97 - int(chiffres) % 97
            """,
            visible="""
            assert callable(cle_nir), "cle_nir doit être une fonction (def cle_nir(nir13): ...)."
            assert cle_nir("1850375123456") == 41, "Pour 1850375123456, la clé attendue est 41 (voir l'exemple)."
            """,
            hidden="""
            from courses.checks import reference


            def _cle(n13):
                n13 = n13[:5] + n13[5:7].replace("2A", "19").replace("2B", "18") + n13[7:13]
                return 97 - int(n13) % 97


            for n13 in ["2990275123456", "101012A123456", "275022B112233", "1000000000000", "2850697000097"]:
                assert cle_nir(n13) == _cle(n13), f"Clé fausse pour {n13}."
            nirs = reference("beneficiaries")["nir"].dropna().head(300)
            for nir in nirs:
                assert cle_nir(nir[:13]) == int(nir[13:]), f"Clé fausse pour le NIR {nir}."
            """,
            wrong="""
            def cle_nir(nir13):
                return 97 - int(nir13) % 97
            """,
            alternatives=(
                """
                def cle_nir(nir13):
                    # « 2A » et « 2B » ne peuvent apparaître qu'à la place du département : remplacer partout suffit.
                    return 97 - int(nir13.replace("2A", "19").replace("2B", "18")) % 97
                """,
            ),
        ),
        Ex(
            title="Valider un NIR complet",
            points=2,
            competencies=("qualite.referentiel", "python.bases"),
            prompt="""
            Écrivez une fonction `nir_valide(nir)` qui renvoie `True` si `nir` est une chaîne de **15 caractères**
            dont la clé (les 2 derniers) correspond aux 13 premiers, et `False` sinon (longueur fausse, caractères
            non numériques hors `2A`/`2B`, clé fausse). Elle ne doit jamais lever d'erreur.

            *Indice* : `texte.isdigit()` dit si une chaîne ne contient que des chiffres ; réutilisez `cle_nir`.
            """,
            solution="""
            def nir_valide(nir):
                if not isinstance(nir, str) or len(nir) != 15:
                    return False
                corps = nir[:5] + nir[5:7].replace("2A", "19").replace("2B", "18") + nir[7:13]
                if not (corps.isdigit() and nir[13:].isdigit()):
                    return False
                return cle_nir(nir[:13]) == int(nir[13:])
            """,
            visible="""
            assert nir_valide("185037512345641") is True, "185037512345641 est un NIR valide."
            assert nir_valide("185037512345642") is False, "185037512345642 a une clé fausse."
            assert nir_valide("18503751234564") is False, "Un NIR de 14 caractères n'est pas valide."
            """,
            hidden="""
            from courses.checks import reference

            for nir in reference("beneficiaries")["nir"].dropna().head(300):
                assert nir_valide(nir), f"{nir} est valide."
                bad = nir[:13] + f"{(int(nir[13:]) % 97) + 1:02d}"
                assert not nir_valide(bad), f"{bad} a une clé fausse."
            for bad in ["", "ABCDEFGHIJKLMNO", "1850375123456 41", "18503751234564O", None, 185037512345641]:
                assert nir_valide(bad) is False, f"{bad!r} n'est pas un NIR valide."
            corse = "101012A123456" + f"{97 - int('1010119123456') % 97:02d}"
            assert nir_valide(corse) is True, f"{corse} est un NIR valide (né en Corse : 2A compte pour 19)."
            """,
            wrong="""
            def nir_valide(nir):
                if not isinstance(nir, str) or len(nir) != 15 or not nir.isdigit():
                    return False
                return 97 - int(nir[:13]) % 97 == int(nir[13:])
            """,
            alternatives=(
                """
                def nir_valide(nir):
                    try:
                        return len(nir) == 15 and nir[13:].isdigit() and cle_nir(nir[:13]) == int(nir[13:])
                    except (TypeError, ValueError):
                        return False
                """,
            ),
        ),
        Ex(
            title="Combien de NIR invalides ?",
            points=1,
            competencies=("qualite.referentiel",),
            prompt="""
            Rangez dans `nb_nir_invalides` le nombre de lignes de `extrait` dont le NIR est **renseigné mais
            invalide** (les NIR manquants ne comptent pas ici).

            *Indice* : `extrait["nir"].dropna().map(nir_valide)` applique votre fonction à chaque NIR renseigné.
            """,
            solution='nb_nir_invalides = int((~extrait["nir"].dropna().map(nir_valide).astype(bool)).sum())',
            visible="""
            assert 0 < nb_nir_invalides < len(extrait), "Quelques NIR du fichier sont mal saisis, pas tous."
            """,
            hidden="""
            def _ok(nir):
                corps = nir[:5] + nir[5:7].replace("2A", "19").replace("2B", "18") + nir[7:13]
                return len(nir) == 15 and corps.isdigit() and nir[13:].isdigit() and 97 - int(corps) % 97 == int(nir[13:])


            expected = sum(not _ok(n) for n in fabriquer_extrait()["nir"].dropna())
            assert nb_nir_invalides == expected, (
                f"nb_nir_invalides vaut {nb_nir_invalides} : comptez les NIR renseignés mais invalides (les NIR manquants ne comptent pas)."
            )
            """,
            wrong='nb_nir_invalides = int((~extrait["nir"].map(nir_valide).astype(bool)).sum())',
            alternatives=('nb_nir_invalides = sum(not nir_valide(n) for n in extrait["nir"].dropna())',),
        ),
        Ex(
            title="Le sexe et le NIR se contredisent",
            points=2,
            competencies=("qualite.controle", "qualite.referentiel"),
            prompt="""
            Le premier chiffre du NIR donne le sexe : `1` pour un homme (`M`), `2` pour une femme (`F`). Parmi les
            lignes dont le NIR est renseigné **et valide**, rangez dans `incoherents` le tableau des lignes où ce
            chiffre contredit la colonne `sex`.
            """,
            solution="""
            valides = extrait[extrait["nir"].map(nir_valide).astype(bool)]
            sexe_nir = valides["nir"].str[0].map({"1": "M", "2": "F"})
            incoherents = valides[sexe_nir != valides["sex"]]
            """,
            visible="""
            assert isinstance(incoherents, pd.DataFrame), "incoherents doit être un tableau (un filtre de extrait)."
            assert 0 < len(incoherents) < len(extrait), "Quelques lignes sont incohérentes, pas toutes."
            """,
            hidden="""
            ref = fabriquer_extrait()


            def _ok(nir):
                if not isinstance(nir, str) or len(nir) != 15:
                    return False
                corps = nir[:5] + nir[5:7].replace("2A", "19").replace("2B", "18") + nir[7:13]
                return corps.isdigit() and nir[13:].isdigit() and 97 - int(corps) % 97 == int(nir[13:])


            ok = ref[ref["nir"].map(_ok)]
            bad = ok[ok["nir"].str[0].map({"1": "M", "2": "F"}) != ok["sex"]]
            assert len(incoherents) == len(bad), f"incoherents devrait avoir {len(bad)} lignes, il en a {len(incoherents)}."
            assert sorted(incoherents["beneficiary_id"]) == sorted(bad["beneficiary_id"]), "Ce ne sont pas les bonnes lignes : ne gardez que les NIR valides, puis comparez leur premier chiffre à sex."
            """,
            wrong="""
            sexe_nir = extrait["nir"].str[0].map({"1": "M", "2": "F"})
            incoherents = extrait[sexe_nir != extrait["sex"]]
            """,
            alternatives=(
                """
                valides = extrait[[nir_valide(n) for n in extrait["nir"]]]
                incoherents = valides[(valides["nir"].str[0] == "1") != (valides["sex"] == "M")].reset_index(drop=True)
                """,
            ),
        ),
        Ex(
            title="Des employeurs inconnus du référentiel",
            points=1,
            competencies=("qualite.referentiel", "pandas.jointure"),
            prompt="""
            Chaque `employer_id` renseigné dans `extrait` devrait exister dans la table `employers` : c'est
            l'**intégrité référentielle**. Rangez dans `employeurs_inconnus` la liste (ou l'ensemble) des
            identifiants d'employeur **renseignés** dans `extrait` mais absents de `employers`.
            """,
            solution="""
            renseignes = extrait["employer_id"].dropna()
            employeurs_inconnus = set(renseignes[~renseignes.isin(employers["employer_id"])])
            """,
            visible="""
            assert len(employeurs_inconnus) > 0, "Le fichier contient des employeurs inconnus : la liste ne doit pas être vide."
            """,
            hidden="""
            from courses.checks import assert_same_set, reference

            ids = fabriquer_extrait()["employer_id"].dropna()
            expected = ids[~ids.isin(reference("employers")["employer_id"])]
            assert_same_set(employeurs_inconnus, expected, what="employeurs_inconnus")
            """,
            wrong="""
            employeurs_inconnus = set(extrait["employer_id"][~extrait["employer_id"].isin(employers["employer_id"])])
            """,
            alternatives=(
                """
                employeurs_inconnus = list(extrait.loc[extrait["employer_id"].notna() & ~extrait["employer_id"].isin(employers["employer_id"]), "employer_id"])
                """,
            ),
        ),
        Ex(
            title="Le rapport qualité",
            points=2,
            competencies=("gouvernance.donnees", "qualite.controle"),
            prompt="""
            Construisez `rapport` : un tableau avec **une ligne par colonne de `extrait`** et trois colonnes :
            - `colonne` : le nom de la colonne ;
            - `taux_manquants` : la part de valeurs manquantes (entre 0 et 1) ;
            - `nb_valeurs_distinctes` : le nombre de valeurs distinctes (hors manquants).

            *Indice* : `extrait.isna().mean()` et `extrait.nunique()` donnent chacun une Series par colonne ;
            `pd.DataFrame({...})` les assemble.
            """,
            solution="""
            rapport = pd.DataFrame(
                {
                    "colonne": extrait.columns,
                    "taux_manquants": extrait.isna().mean().to_numpy(),
                    "nb_valeurs_distinctes": extrait.nunique().to_numpy(),
                }
            )
            """,
            visible="""
            assert {"colonne", "taux_manquants", "nb_valeurs_distinctes"} <= set(rapport.columns), (
                "rapport doit avoir les colonnes colonne, taux_manquants et nb_valeurs_distinctes."
            )
            assert rapport["taux_manquants"].between(0, 1).all(), "taux_manquants est une part entre 0 et 1, pas un pourcentage."
            """,
            hidden="""
            from courses.checks import assert_same_frame

            ref = fabriquer_extrait()
            expected = pd.DataFrame(
                {"colonne": ref.columns, "taux_manquants": ref.isna().mean().to_numpy(), "nb_valeurs_distinctes": ref.nunique().to_numpy()}
            )
            assert_same_frame(rapport, expected, what="rapport", key=["colonne"], abs_tol=1e-4)
            """,
            wrong="""
            rapport = pd.DataFrame(
                {
                    "colonne": extrait.columns,
                    "taux_manquants": extrait.isna().mean().to_numpy(),
                    "nb_valeurs_distinctes": extrait.nunique(dropna=False).to_numpy(),
                }
            )
            """,
            alternatives=(
                """
                rapport = pd.DataFrame(
                    {"nb_valeurs_distinctes": extrait.nunique(), "taux_manquants": extrait.isna().sum() / len(extrait)}
                ).rename_axis("colonne").reset_index().sort_values("taux_manquants")
                """,
            ),
        ),
        Written(
            title="Que faire des anomalies ?",
            points=3,
            competencies=("gouvernance.donnees", "communication.ecrit"),
            prompt="""
            Votre rapport montre environ 3 % de NIR invalides et des employeurs inconnus. Faut-il corriger ces
            lignes vous-même, les écarter, ou les rejeter ? Qui prévenez-vous et que documentez-vous pour que
            l'anomalie ne se reproduise pas ? (5 à 10 lignes)
            """,
            answer="""
            Attendu : ne pas « deviner » un NIR (donnée d'identification, risque de rattacher des soins à la mauvaise
            personne) ; mettre les lignes en quarantaine et les renvoyer au partenaire (propriétaire de la donnée)
            avec le rapport ; intégrer les lignes saines ; prévenir le data owner / responsable du flux, tracer
            l'incident (date, volume, règle), proposer un contrôle à la source (clé NIR vérifiée à la saisie) et un
            suivi de l'indicateur dans le temps. Mentionner la confidentialité (NIR = donnée sensible, RGPD).
            """,
        ),
    ),
)

COURSE = CourseSpec(
    id="c02-qualite-donnees",
    title="Qualité des données et gouvernance",
    order=2,
    assignments=(A01,),
)
