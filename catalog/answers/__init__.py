"""Answers to the questions the catalog exists for, computed in the store, shared by the API and the CLI.

Each module takes a ``GraphStore`` and returns plain dataclasses; ``catalog.api`` wraps them in
GraphQL types and ``catalog.commands`` prints them as tables or JSON, so both front ends give
the same answer on either store.
"""
