"""The Build-Run scorecard in the API: ``buildRun(team:)``."""
