"""Controlled vocabularies (tactics, actors, channels, places...) as versioned data files and a loader."""
