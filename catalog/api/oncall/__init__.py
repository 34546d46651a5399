"""On call at an instant and the history of ownership and on-call: ``onCall``, ``ownerAt``, ``changes``."""
