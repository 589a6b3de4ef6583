"""Photo upload and download: image checks (images.py), blob storage (storage.py), routes."""
