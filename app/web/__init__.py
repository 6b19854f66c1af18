"""The web layer: app factory, dependencies, errors, HTTP caching, security, templating."""
