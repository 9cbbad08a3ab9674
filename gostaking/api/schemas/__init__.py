"""Pydantic response and request models: they shape the OpenAPI document at /docs."""
