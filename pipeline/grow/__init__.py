"""Growing the list: `pipeline add` (add.py) writes a paper in the list's own style."""
