"""PagerDuty → escalation policies, schedules, on-call shifts, and their links to the catalog.

Reads the REST API (``Authorization: Token token=<key>``; classic ``limit``/``offset``/``more``
pagination) or, offline, a folder of exported responses. Modules, in the order data flows:

- ``client``: the live reader (the shared ``ApiClient``) and the export reader;
- ``fetch``: every endpoint, which ones failed, records without an id or with a repeated one;
- ``resolve``: PagerDuty users, teams and services → catalog people, teams and services;
- ``translate``: records → nodes, relationships and findings (pure);
- ``source``: ``Config``, ``PagerDutySource`` and ``open_source``.

Endpoints read (all ``GET``):

==========================================================  =========================================
``/users``                                                   people (failing: people from references, partial)
``/teams``, ``/teams/{id}/members``                          teams and their members
``/services``                                                services, their policy and teams
``/escalation_policies``                                     levels, targets, loops, teams
``/schedules``, ``/schedules/{id}?time_zone=UTC``            schedules with their layers
``/oncalls?since=&until=&time_zone=UTC``                     shifts over the read window
``/service_dependencies/technical_services/{id}``            dependencies, for linked services only
==========================================================  =========================================

Offline layout (``export_dir``): each endpoint's path plus ``.json``, holding exactly what
the API returns; a listing may be the page object (``{"users": [...], "more": false}``) or
just the list, and holds every page::

    users.json
    teams.json
    teams/<team id>/members.json
    services.json
    escalation_policies.json
    schedules.json
    schedules/<schedule id>.json                         {"schedule": {..., "schedule_layers": [...]}}
    oncalls.json                                         shifts overlapping the window are used
    service_dependencies/technical_services/<id>.json    {"relationships": [...]}; optional

A missing file (other than ``users.json``) makes the read partial, except the dependency
files: without them earlier dependencies are kept and the read stays complete.
"""

from importers.pagerduty.source import Config, PagerDutySource, open_source

__all__ = ["Config", "PagerDutySource", "open_source"]
