"""Write the business cases as CII, UBL and Factur-X files, to try the engine.

python -m einvoice.testing.demo OUTPUT_DIR [--cases NAME ...]
"""

import argparse
import sys
from pathlib import Path

from ..api import build
from ..profiles import Profile
from .cases import CASES


def write_demo(output, names=None):
    output = Path(output)
    output.mkdir(parents=True, exist_ok=True)
    written = []
    for name in names or sorted(CASES):
        invoice = CASES[name]()
        for to, suffix in (("cii", "cii.xml"), ("ubl", "ubl.xml"), ("facturx", "facturx.pdf")):
            path = output / f"{name}.{suffix}"
            path.write_bytes(build(invoice, to, Profile.EN16931))
            written.append(path)
    return written


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("output")
    parser.add_argument("--cases", nargs="*", help=f"among: {', '.join(sorted(CASES))}")
    args = parser.parse_args(argv)
    unknown = set(args.cases or ()) - set(CASES)
    if unknown:
        parser.error(f"unknown case(s): {', '.join(sorted(unknown))}")
    for path in write_demo(args.output, args.cases):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
