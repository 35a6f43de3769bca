"""Compile the .po catalogues to .mo files with polib, where GNU gettext's msgfmt is missing.

`make install` uses Django's compilemessages (msgfmt) when it is there and this otherwise; the Docker
image (a slim base without gettext) uses this too. Fuzzy entries are left out, as msgfmt leaves them.

    python -m config.compile_messages                    # every locale/*/LC_MESSAGES/*.po
    python -m config.compile_messages FILE.po FILE.mo    # one catalogue
"""

import sys
from pathlib import Path

import polib

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"


def compile_catalogue(po_path: str | Path, mo_path: str | Path) -> int:
    """Write `mo_path` from `po_path`; the number of translated entries."""
    catalogue = polib.pofile(str(po_path))
    for entry in catalogue.fuzzy_entries():
        catalogue.remove(entry)
    catalogue.save_as_mofile(str(mo_path))
    return len(catalogue.translated_entries())


def main(argv: list[str]) -> None:
    if len(argv) == 2:
        compile_catalogue(argv[0], argv[1])
    elif not argv:
        for po_path in sorted(LOCALE_DIR.glob("*/LC_MESSAGES/*.po")):
            compile_catalogue(po_path, po_path.with_suffix(".mo"))
    else:
        sys.exit("usage: python -m config.compile_messages [FILE.po FILE.mo]")


if __name__ == "__main__":
    main(sys.argv[1:])
