"""Inter-annotator agreement metrics (pure numpy)."""

__all__: list[str] = []
