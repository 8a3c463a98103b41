"""The ground every layer stands on: the exception tree. It imports nothing of the project."""
