"""`nerveflag evaluate {mentions,context,patients}`: measure against gold."""
from __future__ import annotations

import importlib

#: Each kind is a module pipelines.cli.evaluate_<kind> exposing add_parser(sub).
KINDS = ["mentions", "context", "patients"]


def add_parser(sub) -> None:
    p = sub.add_parser("evaluate", help="evaluate against gold data", description=__doc__)
    kinds = p.add_subparsers(dest="kind", metavar="KIND", required=True)
    for kind in KINDS:
        importlib.import_module(f"pipelines.cli.evaluate_{kind}").add_parser(kinds)
