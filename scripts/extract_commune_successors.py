"""Write curated/communes_successeurs_cog2026.csv: the communes of the COG 2023 that the COG 2026
no longer has, and the commune of the COG 2026 that took each over.

The mirror holds the COG 2026 EPCI files but not its communes file (SOURCES.md §1b: "communes.json
of this vintage, 8.6 MB, left out to save space: it can be re-obtained the same way"). This script
reads that file from the npm package (``npm pack @etalab/decoupage-administratif@6.0.0``, tarball
sha1 0330556cf07e21fff21111e5775a316ec18b9636) and keeps only what the graph needs: for each code
of the COG 2023 absent from the COG 2026, the 2026 commune whose ``anciensCodes`` lists it, or whose
commune déléguée or associée it became (``chefLieu``). Nothing is matched by name.

    python scripts/extract_commune_successors.py PACKAGE.tgz COG2023_COMMUNES.json > curated/communes_successeurs_cog2026.csv
"""

from __future__ import annotations

import csv
import hashlib
import json
import sys
import tarfile

MEMBER = "package/data/communes.json"


def main(package: str, cog2023: str) -> None:
    with tarfile.open(package) as archive:
        data = archive.extractfile(MEMBER).read()  # type: ignore[union-attr]
    communes = json.loads(data)
    current = {r["code"]: r for r in communes if r["type"] == "commune-actuelle"}
    before = {r["code"]: r for r in json.load(open(cog2023, encoding="utf-8")) if r["type"] == "commune-actuelle"}
    successors: dict[str, set[str]] = {}
    for row in communes:
        if row["type"] == "commune-actuelle":
            for former in row.get("anciensCodes", ()):
                successors.setdefault(former, set()).add(row["code"])
        elif row["type"] in ("commune-deleguee", "commune-associee") and row.get("chefLieu"):
            successors.setdefault(row["code"], set()).add(row["chefLieu"])
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(["code_ancien", "nom_ancien", "code_successeur", "nom_successeur"])
    for code in sorted(set(before) - set(current)):
        for successor in sorted(successors.get(code, set()) & set(current)):
            writer.writerow([code, before[code]["nom"], successor, current[successor]["nom"]])
    print(f"{MEMBER}: sha256 {hashlib.sha256(data).hexdigest()}", file=sys.stderr)


if __name__ == "__main__":
    main(*sys.argv[1:])
