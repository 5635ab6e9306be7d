"""Reading definition files: strict YAML, JSON Schema, the typed model, cross-references."""
