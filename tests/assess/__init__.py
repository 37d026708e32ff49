"""Tests of the assess adoption framework."""
