"""OpsLevel ``opslevel.yml`` and Cortex ``cortex.yaml`` descriptors → ``ImportBatch``.

Modules, in the order data flows through them:

- ``files``: walks folders for the format's file names, reads within a size limit, finds the
  git checkout (and so the repository) each file lives in;
- ``fields``: typed access to one YAML document (lines from ``importers.backstage.yaml_lines``);
- ``opslevel``, ``cortex``: one document → a ``ServiceDescriptor`` or ``RepositoryDescriptor`` (``common``);
- ``build``: resolves descriptors against the identity index and emits records;
- ``reader``: the pipeline both formats share; ``opslevel_source``, ``cortex_source``: configured sources.
"""

from importers.descriptors.cortex import read_cortex
from importers.descriptors.opslevel import read_opslevel

__all__ = ["read_cortex", "read_opslevel"]
