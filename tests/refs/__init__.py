"""Tests of the runnable references (runnable_refs/); they skip themselves without torch."""
