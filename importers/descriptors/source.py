"""Both descriptor formats as configured sources.

Each follows ``importers.base``: ``type: opslevel`` is configured by
``importers.descriptors.opslevel_source.Config`` and ``type: cortex`` by
``importers.descriptors.cortex_source.Config``; this module names both for a registry that
looks sources up per package.
"""

from __future__ import annotations

from importers.descriptors.cortex_source import Config as CortexConfig
from importers.descriptors.cortex_source import CortexSource
from importers.descriptors.cortex_source import open_source as open_cortex_source
from importers.descriptors.opslevel_source import Config as OpsLevelConfig
from importers.descriptors.opslevel_source import OpsLevelSource
from importers.descriptors.opslevel_source import open_source as open_opslevel_source

CONFIGS = (OpsLevelConfig, CortexConfig)

__all__ = ["CONFIGS", "CortexConfig", "CortexSource", "OpsLevelConfig", "OpsLevelSource", "open_cortex_source", "open_opslevel_source"]
