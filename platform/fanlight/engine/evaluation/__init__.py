"""Evaluation: pure functions from a compiled form and answers to an Evaluation."""
