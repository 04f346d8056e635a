"""The HLS rules: one registered function per rule, grouped by what they look at.

Importing this package registers every rule; `RULES` holds them by name.
"""

from hlsinspect.checks import (  # noqa: F401  (imported to register their rules)
    apple_media,
    apple_multivariant,
    apple_renditions,
    bandwidth,
    dateranges,
    dates,
    deltaupdates,
    encryption,
    groups,
    live,
    llprofile,
    loading,
    lowlatency,
    media,
    objects,
    probe_codecs,
    probe_media,
    renditions,
    session,
    sharedtags,
    steering,
    structure,
    syntax,
    title,
    variables,
    variants,
    watching,
)
from hlsinspect.checks.registry import RULES, Issue, Rule, Selection, finding, rule

__all__ = ["RULES", "Issue", "Rule", "Selection", "finding", "rule"]
