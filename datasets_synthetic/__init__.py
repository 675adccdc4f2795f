"""Synthetic French health-insurance data for the academy: generator, loader and data dictionary.

from datasets_synthetic import generate, load
generate(out="var/datasets/demo", members=20000, seed=42, year=2025)
claims = load("claims", root="var/datasets/demo")
"""

from datasets_synthetic.generator import VERSION, Manifest, generate, verify
from datasets_synthetic.loader import load
from datasets_synthetic.schema import TABLES
from datasets_synthetic.writer import DatasetError

__all__ = ["TABLES", "VERSION", "DatasetError", "Manifest", "generate", "load", "verify"]
