# tests/unit rules
