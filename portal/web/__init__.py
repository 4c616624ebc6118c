"""HTML blueprints and their web helpers."""
