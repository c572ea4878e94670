"""The access layer: import from guanxi.policies.access (scope, get, require, can)."""
