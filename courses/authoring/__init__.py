"""Authoring of the course notebooks: Python sources in `content/` rendered into nbgrader source notebooks.

The committed `.ipynb` files and `course.yml` manifests are what nbgrader and the other parts use; this package only
produces them (`python -m courses.authoring.build`) and checks they are up to date (`--check`).
"""
