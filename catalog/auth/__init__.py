"""Access control: who may read the catalog, who may see people's contacts, who may change it.

- ``scopes``: the scopes (``read``, ``contacts``, ``admin``) and the principal a request runs as;
- ``tokens``: API tokens (made by ``catalog token create``, kept as hashes in the store);
- ``oidc``: bearer JWTs from an identity provider, checked against its JWKS;
- ``proxy``: a user passed in headers by an authenticating reverse proxy;
- ``authenticate``: the authenticator ``CATALOG_AUTH`` chooses;
- ``ratelimit``: token buckets per principal;
- ``middleware``: the ASGI middleware that authenticates, rate-limits and logs every request;
- ``fields``: the registry of GraphQL fields that need a scope, and the guard that enforces it;
- ``startup``: the checks ``catalog serve`` runs before it listens.

This module imports nothing, so ``catalog.settings`` can use ``catalog.auth.scopes``.
"""
