"""Small helpers every projen-ml-docker image ships in /opt/mldocker (on PYTHONPATH)."""
