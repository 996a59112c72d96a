"""Operator tools run by the ``lianxin`` command: the demo month and the bench."""
