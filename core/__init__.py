"""The floor every feature package stands on: app factory, config, shared models, plumbing."""
