"""The pathway questionnaire: questions, skip logic and rules (pure functions, no web)."""
