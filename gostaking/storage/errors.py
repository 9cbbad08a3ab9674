"""Errors of the storage layer, shared by ChainStore and the stored Merkle tree."""

from __future__ import annotations

__all__ = ["CommitError", "StorageCorruptionError", "StorageError"]


class StorageError(Exception):
    """Base class of storage-layer errors."""


class StorageCorruptionError(StorageError):
    """The persisted data is inconsistent with itself (modified behind our back, or damaged)."""


class CommitError(StorageError):
    """ChainStore was driven out of sequence (wrong height, missing or repeated compute_app_hash...)."""
