"""济宁智慧城市平台: the information systems of the Jining Smart City Promotion Regulation."""

__version__ = "0.1.0"
