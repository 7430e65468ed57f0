"""Generate the Python client of openapi/openapi.json with openapi-python-client.

    python -m tools.python_client [OUTPUT_DIR]     (default clients/python; `make client`)

writes the package `sla_ledger_client` into OUTPUT_DIR, replacing what was there; put
OUTPUT_DIR on sys.path (PYTHONPATH) to import it. Its only dependencies are httpx,
attrs and python-dateutil, which the dev extras install. Generation is offline.
"""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "openapi" / "openapi.json"
CONFIG = ROOT / "tools" / "contract" / "python-client.yaml"
PACKAGE = "sla_ledger_client"


def generate(output_dir: Path, spec: Path = SPEC) -> Path:
    """Write the client package into `output_dir` and return the package's folder."""
    package_dir = output_dir / PACKAGE
    shutil.rmtree(package_dir, ignore_errors=True)
    output_dir.mkdir(parents=True, exist_ok=True)
    # The console script sits beside this interpreter (the project's .venv).
    generator = Path(sys.executable).parent / "openapi-python-client"
    command = [
        str(generator),
        "generate",
        "--path",
        str(spec),
        "--config",
        str(CONFIG),
        "--meta",
        "none",
        "--output-path",
        str(package_dir),
        "--fail-on-warning",
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0 or not (package_dir / "__init__.py").exists():
        raise RuntimeError(
            f"openapi-python-client failed ({result.returncode}):\n{result.stdout}{result.stderr}"
        )
    return package_dir


def main() -> None:
    output_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "clients" / "python"
    print(f"wrote {generate(output_dir)}")


if __name__ == "__main__":
    main()
