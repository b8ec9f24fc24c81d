"""Certification's operations: plain functions that views, the admin and tasks call."""
