"""Renderers: the same Report as a rich table for people, JSON and JUnit XML for CI."""
