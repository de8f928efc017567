"""Launch Ready: is this internal admin app ready for production traffic?"""

__version__ = "0.1.0"
