"""Extract UI strings into messages.pot and merge them into the fi, sv and en catalogues.

Run after changing user-facing strings: `python scripts/update_translations.py`, then
fill the empty `msgstr` entries in `app/translations/{fi,sv}/LC_MESSAGES/messages.po`.
The partial easy-Finnish catalogue `app/translations/fi-selko/LC_MESSAGES/messages.po` is
edited by hand (tests/test_i18n.py flags its entries whose msgid no longer exists).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
POT = ROOT / "app" / "translations" / "messages.pot"


def main() -> int:
    pybabel = [sys.executable, "-m", "babel.messages.frontend"]
    subprocess.run(
        [
            *pybabel,
            "extract",
            "-F",
            "babel.cfg",
            "-o",
            str(POT),
            "--no-location",
            "--omit-header",
            "--sort-output",
            "--width=100",
            ".",
        ],
        cwd=ROOT,
        check=True,
    )
    for locale in ("fi", "sv", "en"):
        po = ROOT / "app" / "translations" / locale / "LC_MESSAGES" / "messages.po"
        action = "update" if po.exists() else "init"
        options = ["--no-fuzzy-matching", "--ignore-obsolete"] if action == "update" else []
        subprocess.run(
            [
                *pybabel,
                action,
                "-i",
                str(POT),
                "-d",
                str(ROOT / "app" / "translations"),
                "-l",
                locale,
                "--width=100",
                *options,
            ],
            cwd=ROOT,
            check=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
