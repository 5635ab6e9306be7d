"""The definition workbench: edit, preview, review, publish and roll back definitions."""
