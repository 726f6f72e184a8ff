"""Rules, one module per concern; each rule carries its own failing and passing example."""
