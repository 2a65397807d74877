"""Tests of the example custom routers in custom_routers/."""
