"""GitHub organisations → repositories, teams, members and repository ownership.

Modules, in the order data flows through them:

- ``source``: the ``type: github`` configuration and the source the sync command runs;
- ``client``: the live REST reader (pagination through ``Link``) and the export-folder reader;
- ``importer``: validates the payloads and turns them into records, resolving teams and
  people against the catalog;
- ``codeowners``: CODEOWNERS parsing and matching with GitHub's semantics (pure).
"""

from importers.github.importer import Settings, read_github
from importers.github.source import Config, GitHubSource, open_source

__all__ = ["Config", "GitHubSource", "Settings", "open_source", "read_github"]
