"""The HLS rules: a registry of rule metadata and the functions that apply them."""

from hlsinspect.checks.registry import RULES, Rule, make_finding

__all__ = ["RULES", "Rule", "make_finding"]
