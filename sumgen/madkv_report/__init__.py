"""Report generation for the MadKV stages: parse the run logs, plot, write markdown.

Entry points are ``sumgen/proj<N>.py`` (run through ``sumgen/report.sh pN``).
"""
