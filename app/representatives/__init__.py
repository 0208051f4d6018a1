"""Representatives: counsel or another person a party names to act for them."""
