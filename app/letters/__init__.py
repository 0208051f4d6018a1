"""Letters the office words itself: sandboxed templates, versions, a second approval."""
