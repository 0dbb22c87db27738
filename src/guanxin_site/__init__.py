"""guanxin-site: the static site generator for the archive of 《关心下一代工作》."""

__version__ = "0.1.0"
