"""SessionManager: many accounts run as one (see tgkit.manager.manager)."""
