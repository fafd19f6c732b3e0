"""The version of backprop-reference: the one source for the package metadata, the commands and CITATION.cff."""

__version__ = "0.2.0"
