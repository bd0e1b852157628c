"""One module per command; none imports the heavy parts of the core at start-up."""
