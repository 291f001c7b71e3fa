"""In-guest scripts sent through the TAT agent, and the parser of what they report."""
