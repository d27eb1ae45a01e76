"""Code shared by every service of this project; each image copies it to /app/common.

This package is yours: projen-ml-docker wrote it once and never overwrites it.
"""
