"""The front end: Python source → checked subset → structured three-address IR."""
