"""Built-in sample bundles, generated in code (the real sample files are not part of the project).

`samples.genhe` reproduces the Genhe 2019 government-openness work plan dossier: the policy,
its interpretation plan and material, a one-picture graphic and the risk assessment.
"""
