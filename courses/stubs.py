"""What a learner sees in place of a solution in the student version (French, to match the notebooks).

nbgrader's defaults are English ("YOUR CODE HERE"); whoever runs `generate_assignment` for these courses should set
`ClearSolutions.code_stub = {"python": CODE_STUB}` and `ClearSolutions.text_stub = TEXT_STUB`.
"""

CODE_STUB = "# VOTRE CODE ICI\nraise NotImplementedError()"
TEXT_STUB = "VOTRE RÉPONSE ICI"
