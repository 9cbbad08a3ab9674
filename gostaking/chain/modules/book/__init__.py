"""The book module: limit orders on base/GOS markets cleared by a batch auction per block (docs/book.md)."""
