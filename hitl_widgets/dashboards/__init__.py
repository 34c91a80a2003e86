"""Dashboards: widgets over the pure metrics, whose cells drill down into a review widget."""
