"""The service guide: loading, validating and rendering the content pages."""
