"""Views of a diagnosis: terminal table, JSON, SARIF, JUnit."""
