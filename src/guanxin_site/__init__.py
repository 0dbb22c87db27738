"""guanxin-site: the static site generator for the archive of 《关心下一代工作》."""

__version__ = "0.1.0"
PARSER_VERSION = "4"  # bump when parsing output changes (parser.py), to invalidate build caches
