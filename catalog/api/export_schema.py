"""Write the schema's SDL to ``schema.graphql`` at the repository root, or check that it is current.

python -m catalog.api.export_schema          # rewrite schema.graphql
python -m catalog.api.export_schema --check  # exit 1 when schema.graphql differs from the code
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from strawberry.printer import print_schema

from catalog.api.schema import build_schema

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "schema.graphql"
FIX = "python -m catalog.api.export_schema"


def schema_sdl() -> str:
    return print_schema(build_schema()) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=FIX, description="Export the GraphQL schema as SDL.")
    parser.add_argument("--check", action="store_true", help="only compare; exit 1 when the file is out of date")
    parser.add_argument("--output", type=Path, default=SCHEMA_FILE, help=f"where the SDL lives (default: {SCHEMA_FILE})")
    args = parser.parse_args(argv)
    sdl = schema_sdl()
    current = args.output.read_text(encoding="utf-8") if args.output.exists() else None
    if args.check:
        if current == sdl:
            print(f"{args.output} is up to date")
            return 0
        print(f"{args.output} differs from the schema in code; run `{FIX}` and commit the result", file=sys.stderr)
        return 1
    if current != sdl:
        args.output.write_text(sdl, encoding="utf-8")
        print(f"wrote {args.output}")
    else:
        print(f"{args.output} is up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
