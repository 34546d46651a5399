"""Access control: who may read the catalog, who may see people's contacts, who may change it.

- ``scopes``: the scopes (``read``, ``contacts``, ``admin``) and the principal a request runs as;
- ``tokens``: API tokens (made by ``catalog token create``, kept as hashes in the store);
- ``oidc``: bearer JWTs from an identity provider, checked against its JWKS;
- ``proxy``: a user passed in headers by an authenticating reverse proxy;
- ``authenticate``: the authenticator ``CATALOG_AUTH`` chooses;
- ``ratelimit``: token buckets per principal;
- ``middleware``: the ASGI middleware that authenticates, rate-limits and logs every request;
- ``fields``: the registry of GraphQL fields that need a scope, and the guard that enforces it;
- ``graphql``: the admin part of the API (``apiTokens``);
- ``wiring``: the middleware ``create_app`` installs (CORS, then access control);
- ``startup``: the checks ``catalog serve`` runs before it listens.

Pages and other handlers read the principal with ``scopes.principal_of(request)`` or
``scopes.current_principal()``.

This module imports nothing, so ``catalog.settings`` can use ``catalog.auth.scopes``.
"""
