# checkov loads custom checks only from directories that are Python packages.
