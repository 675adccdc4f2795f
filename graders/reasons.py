"""The French sentences a learner (and the trainer's summary) reads for every incident the grader detects."""

from __future__ import annotations

from typing import Any

from graders.config import SandboxLimits


def describe(incident: dict[str, Any], limits: SandboxLimits) -> str:
    """One clear French sentence for an incident code (see sandbox/runner.py `classify` and autograde checks)."""
    code = incident.get("code")
    where = f" (exercice {incident['exercise']})" if incident.get("exercise") else ""
    cell = incident.get("cell", "")
    # Provided code (`code-NN`: data, helpers, constants the tests use) belongs to no exercise: say it is shared.
    protected = (
        f"La cellule de code fourni « {cell} », commune à tous les exercices,"
        if str(cell).startswith("code-")
        else f"La cellule protégée « {cell} »"
    )
    messages = {
        "malformed": "Le fichier du notebook est illisible (JSON invalide) : aucune cellule n'a pu être corrigée. "
        "Rendez à nouveau le notebook depuis JupyterLab sans l'éditer à la main.",
        "missing_notebook": "Le notebook n'a pas été rendu.",
        "cell_edited": f"{protected} avait été modifiée : la version d'origine a été remise avant la correction.",
        "cell_retyped": f"{protected} avait changé de type : elle a été remise dans son type d'origine avant la "
        "correction.",
        "cell_deleted": f"{protected} avait été supprimée : elle a été remise avant la correction.",
        "metadata_tampered": f"Les métadonnées de correction de la cellule « {cell} » (points, type, protection) "
        "avaient été modifiées : celles d'origine ont été remises avant la correction.",
        "metadata_duplicate": f"La cellule « {cell} » apparaissait deux fois : la copie a été corrigée comme une "
        "cellule ordinaire, sans points.",
        "metadata_unknown": f"Une cellule portait des métadonnées de correction inconnues (« {cell} ») : elle a été "
        "corrigée comme une cellule ordinaire, sans points.",
        "cell_timeout": f"Temps limite dépassé{where} : une cellule a tourné plus de "
        f"{limits.cell_timeout_s:g} s (boucle infinie ?) ; elle a été interrompue.",
        "cell_killed": f"Temps limite dépassé{where} : la cellule a tourné plus de {limits.cell_timeout_s:g} s sans "
        "se laisser interrompre (minuteur désactivé ou calcul bloqué) ; la correction du notebook s'est arrêtée là.",
        "total_timeout": f"Temps total dépassé{where} : le notebook a tourné plus de {limits.total_timeout_s:g} s ; "
        "les cellules suivantes n'ont pas été exécutées.",
        "memory": f"Mémoire insuffisante{where} : le code a demandé plus que la limite de "
        f"{limits.memory_mb} Mo autorisée pendant la correction."
        if incident.get("scope") != "submission"
        else f"Mémoire insuffisante{where} : ensemble, les processus du rendu ont dépassé la limite de "
        f"{limits.memory_mb} Mo ; le système en a arrêté un.",
        "disk_full": f"Espace disque épuisé{where} : les fichiers écrits dépassent les {limits.workdir_mb} Mo du "
        "dossier de travail de la correction.",
        "tests_tampered": f"Fonctions remplacées{where} : le code remplaçait des fonctions ou des modules dont se "
        f"servent les tests ({', '.join(incident.get('names', [])[:5]) or '?'}) ; les originaux ont été remis et les "
        "tests cachés ont vérifié la réponse avec eux.",
        "hidden_leak": f"Sortie masquée{where} : elle reproduisait le code des tests cachés, qui ne sont pas montrés.",
        "processes": f"Trop de processus{where} : la correction autorise au plus {limits.max_processes} "
        "processus ; la création de processus a été refusée.",
        "network": f"Accès réseau interdit{where} : la correction s'exécute sans réseau.",
        "stdin": f"Saisie impossible{where} : input() n'est pas disponible pendant la correction automatique.",
        "exit": f"Arrêt demandé{where} : sys.exit() a été appelé ; la cellule est en erreur et la correction "
        "a continué.",
        "write_outside": f"Accès interdit{where} : le code a tenté d'écrire ou de lire hors de son dossier de "
        f"travail ({incident.get('path', '?')}).",
        "file_size": f"Fichier trop gros{where} : la taille d'un fichier écrit dépasse la limite autorisée.",
        "output": f"Sortie trop volumineuse{where} : l'affichage a été tronqué à {limits.max_output_bytes // 1000} ko.",
        "output_limit": "Sortie trop volumineuse : la correction a été arrêtée.",
        "died": f"Le programme s'est arrêté brutalement{where} (os._exit, plantage…) : les cellules suivantes n'ont "
        "pas été exécutées.",
        "setup_failed": "La correction de ce notebook a échoué pour une raison technique : un formateur a été prévenu.",
    }
    return messages.get(str(code), f"Incident pendant la correction : {code}{where}.")
