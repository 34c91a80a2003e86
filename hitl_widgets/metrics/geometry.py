"""Geometry of annotations: COCO RLE, IoU of boxes and masks, polygon rasterisation (pure numpy)."""

__all__: list[str] = []
