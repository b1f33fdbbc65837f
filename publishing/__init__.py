"""Where signed-off dossiers go: the gazette queue, the web release, the normative-document register."""
