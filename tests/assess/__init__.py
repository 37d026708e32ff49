"""Tests of assess: one folder per subpackage, one test module per module."""
