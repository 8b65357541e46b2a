"""Domain rules: lifecycle, triage matrix, measures, criteria."""
