"""pytest plugin of the conformance kit (--impl); being written."""
