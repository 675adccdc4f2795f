"""Render the course sources into nbgrader notebooks and manifests, or check the committed files are up to date.

python -m courses.authoring.build           # (re)write courses/<course>/course.yml and source notebooks
python -m courses.authoring.build --check   # exit 1 listing the files that differ from their sources
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
from pathlib import Path

from courses.authoring import content
from courses.authoring.model import CourseSpec, course_yaml, notebook_text
from courses.manifest import default_root


def course_specs() -> list[CourseSpec]:
    """Every `COURSE` defined by a module of `courses.authoring.content`, sorted by order."""
    specs = []
    for info in pkgutil.iter_modules(content.__path__):
        module = importlib.import_module(f"{content.__name__}.{info.name}")
        spec = getattr(module, "COURSE", None)
        if isinstance(spec, CourseSpec):
            specs.append(spec)
    return sorted(specs, key=lambda s: s.order)


def expected_files(root: Path) -> dict[Path, str]:
    """Path → text of every generated file under `root` (the `courses/` directory)."""
    files: dict[Path, str] = {}
    for spec in course_specs():
        course_dir = root / spec.id
        files[course_dir / "course.yml"] = course_yaml(spec)
        for a in spec.assignments:
            files[course_dir / "source" / a.id / a.notebook_name] = notebook_text(a)
    return files


def stale_files(root: Path) -> list[Path]:
    """Generated files that are missing or differ from what their source renders to."""
    return [p for p, text in expected_files(root).items() if not p.is_file() or p.read_text(encoding="utf-8") != text]


def main(*, root: Path | None = None, check: bool = False) -> int:
    root = root or default_root()
    if check:
        stale = stale_files(root)
        for path in stale:
            print(f"out of date: {path} (run `python -m courses.authoring.build`)")
        return 1 if stale else 0
    for path, text in expected_files(root).items():
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check that the committed files are up to date")
    raise SystemExit(main(check=parser.parse_args().check))
