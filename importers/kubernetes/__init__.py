"""Kubernetes workloads and Services → Workload nodes, the services they run, owners, platform, calls.

Modules, in the order data flows through them:

- ``kubeconfig``: reads a kubeconfig (server, trust, credentials) without running plugins;
- ``client``: lists the workload and Service endpoints of a live API server, page by page;
- ``files``: reads ``kubectl get -o yaml|json`` exports instead;
- ``objects``: checks each object and keeps the fields the importer uses;
- ``env_refs``: finds in-cluster Service addresses in environment values;
- ``translate``: turns it all into records, resolved against the catalog;
- ``source``: the ``Config`` for ``catalog.yaml`` and the source that ties the above together.
"""

from importers.kubernetes.source import Config, KubernetesSource, open_source

__all__ = ["Config", "KubernetesSource", "open_source"]
