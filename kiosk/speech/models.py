"""English Vosk models: the catalogue, finding one on disk, and downloading one safely.

Nothing here imports Vosk: the kiosk, the doctor and the download command can look for a model on
machines where the engine is not installed. Downloads resume (HTTP Range into a ``.part`` file), are
checked (length, zip integrity, SHA-256 when one is known or given) and unpack only inside ``models/``.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import sys
import urllib.error
import urllib.request
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from ..ops.settings import DEFAULT_MODELS

BASE_URL = "https://alphacephei.com/vosk/models"
ENV_VAR = "KIOSK_VOSK_MODEL"
CHUNK = 1 << 16


class ModelError(Exception):
    """A model that cannot be found, downloaded, checked or unpacked; the message is one line."""


@dataclass(frozen=True)
class ModelInfo:
    """One downloadable English Vosk model."""

    name: str
    """Folder name inside the zip, and the zip's name without ``.zip``."""
    size_mb: int
    """Approximate download size in megabytes, as listed on the Vosk models page."""
    note: str
    sha256: str = ""
    """Published SHA-256 of the zip; empty where we do not know one (only length and zip integrity are checked)."""

    @property
    def filename(self) -> str:
        return f"{self.name}.zip"

    def url(self, base_url: str = BASE_URL) -> str:
        return f"{base_url.rstrip('/')}/{self.filename}"


# Sizes and notes are those listed on the Vosk models page. No checksum is published there for these zips and
# none could be computed here (the files cannot be fetched from this machine), so sha256 is left empty on
# purpose: pass --sha256 when you have one from a trusted source.
CATALOGUE: tuple[ModelInfo, ...] = (
    ModelInfo("vosk-model-small-en-us-0.15", 40,
              "small and quick to load, runs on a small kiosk PC; WER 9.85% on LibriSpeech test-clean "
              "(Vosk's figure); grammar mode works"),
    ModelInfo("vosk-model-en-us-0.22-lgraph", 128,
              "more accurate (WER 7.82%, Vosk's figure), needs more memory; grammar mode works"),
    ModelInfo("vosk-model-en-us-0.22", 1800,
              "most accurate (WER 5.69%, Vosk's figure), needs several GB of memory and a slow start; static graph, "
              "so yes/no grammars are ignored"),
)
DEFAULT_MODEL = CATALOGUE[0].name


def catalogue_entry(name: str) -> ModelInfo:
    """The catalogue entry called ``name``; ModelError listing the known names otherwise."""
    for info in CATALOGUE:
        if info.name == name:
            return info
    known = ", ".join(i.name for i in CATALOGUE)
    raise ModelError(f"unknown model '{name}': choose one of {known}")


# ---- finding a model on disk -----------------------------------------------------------------------

def check_model_files(folder: Path) -> str | None:
    """None when ``folder`` has the files of a complete Vosk model, else a short reason.

    A model needs an acoustic model (am/final.mdl), its feature settings (conf/model.conf) and a decoding
    graph: either a static HCLG.fst or a lookahead pair HCLr.fst + Gr.fst. Empty files count as missing.
    This catches missing and half-unpacked folders; damage inside a file is only found by loading it.
    """
    folder = Path(folder)
    if not folder.exists():
        return f"{folder} does not exist"
    if not folder.is_dir():
        return f"{folder} is not a folder"

    def present(rel: str) -> bool:
        p = folder / rel
        return p.is_file() and p.stat().st_size > 0

    missing = [rel for rel in ("am/final.mdl", "conf/model.conf") if not present(rel)]
    graphs = [("graph/HCLG.fst",), ("graph/HCLr.fst", "graph/Gr.fst")]
    if not any(all(present(rel) for rel in g) for g in graphs):
        missing.append("graph/HCLG.fst or graph/HCLr.fst + graph/Gr.fst")
    if missing:
        return f"{folder} is not a complete Vosk model (missing or empty: {', '.join(missing)})"
    return None


def is_english_model(path: Path) -> bool:
    """True when the folder is an English Vosk model: named like vosk-model-*-en-* or its README says English."""
    path = Path(path)
    if "en" in re.split(r"[-_.\s]+", path.name.lower()):
        return True
    readme = path / "README"
    try:
        head = readme.read_text(encoding="utf-8", errors="replace")[:300].lower()
    except OSError:
        return False
    return "english" in head


def _looks_like_model(path: Path) -> bool:
    return path.is_dir() and (path / "am").is_dir() and (path / "conf").is_dir()


def find_vosk_model(models_dir: Path | str, configured: str | os.PathLike | None = "",
                    env: Mapping[str, str] | None = None) -> Path | None:
    """The Vosk model folder to use: ``configured`` (the vosk_model setting), else $KIOSK_VOSK_MODEL in
    ``env``, else the first English model folder in ``models_dir`` by name; None when there is none.

    A configured or environment path is returned as given (it may not exist: the loader says so), so an
    operator's explicit choice is never silently replaced by another model.
    """
    if configured:
        return Path(configured).expanduser()
    from_env = (env or {}).get(ENV_VAR, "")
    if from_env:
        return Path(from_env).expanduser()
    models = Path(models_dir).expanduser()
    if not models.is_dir():
        return None
    for candidate in sorted(models.iterdir()):
        if _looks_like_model(candidate) and is_english_model(candidate):
            return candidate
    return None


# ---- downloading -------------------------------------------------------------------------------------

def _progress(total: int | None, initial: int, name: str, quiet: bool):
    from tqdm import tqdm
    return tqdm(total=total, initial=initial, unit="B", unit_scale=True, unit_divisor=1024, desc=name,
                disable=quiet, file=sys.stderr)


def fetch(url: str, dest: Path, *, quiet: bool = False, timeout_s: float = 30.0) -> Path:
    """Download ``url`` to ``dest``, resuming from ``dest``.part when one is there.

    The length is checked against the server's Content-Length / Content-Range. The .part file is kept on
    a network failure so the next run resumes; it is renamed to ``dest`` only once complete.
    """
    part = dest.with_name(dest.name + ".part")
    have = part.stat().st_size if part.exists() else 0
    request = urllib.request.Request(url, headers={"Range": f"bytes={have}-"} if have else {})
    try:
        response = urllib.request.urlopen(request, timeout=timeout_s)
    except urllib.error.HTTPError as err:
        if err.code == 416 and have:
            # The .part already holds the whole file (a run stopped before renaming it); the checks decide.
            part.replace(dest)
            return dest
        raise ModelError(f"download of {url} failed: HTTP {err.code} {err.reason}") from None
    except (urllib.error.URLError, OSError) as err:
        raise ModelError(f"cannot reach {url} ({getattr(err, 'reason', err)}): check the network") from None
    with response:
        if have and response.status == 206:
            match = re.match(r"bytes (\d+)-\d+/(\d+|\*)", response.headers.get("Content-Range", ""))
            if not match or int(match.group(1)) != have:
                raise ModelError(f"{url}: the server resumed at the wrong place; delete {part} and try again")
            total = int(match.group(2)) if match.group(2) != "*" else None
            mode = "ab"
        else:  # the server ignored the Range header (or there was nothing to resume): start over
            have, mode = 0, "wb"
            length = response.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else None
        dest.parent.mkdir(parents=True, exist_ok=True)
        try:
            with open(part, mode) as out, _progress(total, have, dest.name, quiet) as bar:
                while chunk := response.read(CHUNK):
                    out.write(chunk)
                    bar.update(len(chunk))
        except (urllib.error.URLError, OSError) as err:
            raise ModelError(f"download of {url} broke off ({err}); run the same command again to resume") from None
    got = part.stat().st_size
    if total is not None and got != total:
        raise ModelError(f"download of {url} is incomplete ({got} of {total} bytes); run the same command again "
                         f"to resume")
    part.replace(dest)
    return dest


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def verify_zip(path: Path, sha256: str = "") -> None:
    """ModelError when the checksum (if given) does not match or the zip is damaged."""
    if sha256:
        actual = sha256_of(path)
        if actual.lower() != sha256.strip().lower():
            raise ModelError(f"{path.name}: checksum mismatch (expected {sha256.strip().lower()}, got {actual}); "
                             f"the file was deleted, download it again")
    try:
        with zipfile.ZipFile(path) as zf:
            bad = zf.testzip()
    except (zipfile.BadZipFile, OSError) as err:
        raise ModelError(f"{path.name} is not a valid zip ({err}); the file was deleted, download it again") from None
    if bad is not None:
        raise ModelError(f"{path.name} is damaged (bad entry {bad}); the file was deleted, download it again")


def _safe_member(name: str) -> PurePosixPath:
    rel = PurePosixPath(name.replace("\\", "/"))
    if rel.is_absolute() or ".." in rel.parts or (rel.parts and re.match(r"^[A-Za-z]:", rel.parts[0])):
        raise ModelError(f"the zip contains an unsafe path '{name}'; refusing to unpack it")
    return rel


def safe_extract(archive: Path, models_dir: Path, name: str) -> Path:
    """Unpack ``archive`` into ``models_dir``/``name`` and return that folder.

    Every member must stay inside the folder (no absolute paths, no '..', no symbolic links). A zip with one
    top folder (how Vosk models ship) has that folder's contents placed in ``name``. Unpacking goes to a
    temporary folder first, so a failure never leaves a half model where the kiosk would find it.
    """
    models_dir.mkdir(parents=True, exist_ok=True)
    target = models_dir / name
    staging = models_dir / f".unpack-{name}"
    shutil.rmtree(staging, ignore_errors=True)
    try:
        with zipfile.ZipFile(archive) as zf:
            members = zf.infolist()
            for info in members:
                rel = _safe_member(info.filename)
                if (info.external_attr >> 16) & 0o170000 == 0o120000:
                    raise ModelError(f"the zip contains a symbolic link '{info.filename}'; refusing to unpack it")
                out = staging.joinpath(*rel.parts)
                if not out.resolve().is_relative_to(staging.resolve()):
                    raise ModelError(f"the zip contains an unsafe path '{info.filename}'; refusing to unpack it")
                if info.is_dir():
                    out.mkdir(parents=True, exist_ok=True)
                    continue
                out.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(info) as src, open(out, "wb") as dst:
                    shutil.copyfileobj(src, dst)
        entries = list(staging.iterdir())
        root = entries[0] if len(entries) == 1 and entries[0].is_dir() else staging
        if target.exists():
            shutil.rmtree(target)
        root.replace(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def download(info: ModelInfo, models_dir: Path, *, base_url: str = BASE_URL, sha256: str = "",
             quiet: bool = False, keep_zip: bool = False) -> Path:
    """Download, check and unpack one model into ``models_dir``; return the model folder."""
    models_dir = Path(models_dir)
    models_dir.mkdir(parents=True, exist_ok=True)
    archive = fetch(info.url(base_url), models_dir / info.filename, quiet=quiet)
    try:
        verify_zip(archive, sha256 or info.sha256)
    except ModelError:
        archive.unlink(missing_ok=True)
        raise
    folder = safe_extract(archive, models_dir, info.name)
    if not keep_zip:
        archive.unlink(missing_ok=True)
    problem = check_model_files(folder)
    if problem:
        raise ModelError(f"unpacked, but {problem}; the zip may not be a Vosk model")
    return folder


# ---- command line -----------------------------------------------------------------------------------

def _list(models_dir: Path, out) -> None:
    print(f"English Vosk models (from {BASE_URL}):", file=out)
    for info in CATALOGUE:
        installed = " [installed]" if (models_dir / info.name).is_dir() else ""
        default = " (default)" if info.name == DEFAULT_MODEL else ""
        checksum = "sha256 known" if info.sha256 else "no published sha256: length and zip are checked"
        print(f"  {info.name}{default}{installed}: {info.size_mb} MB; {info.note}; {checksum}", file=out)
    print("Download one with: .venv/bin/kiosk models download [NAME]  (or .venv/bin/python scripts/download_model.py download [NAME])",
          file=out)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kiosk models", description="List or download English Vosk models.")
    parser.add_argument("--models-dir", type=Path, default=DEFAULT_MODELS,
                        help=f"where models are unpacked (default: {DEFAULT_MODELS})")
    sub = parser.add_subparsers(dest="action")
    sub.add_parser("list", help="list the known models (the default action)")
    p = sub.add_parser("download", help="download, check and unpack a model")
    p.add_argument("name", nargs="?", default=DEFAULT_MODEL, help=f"model name (default: {DEFAULT_MODEL})")
    p.add_argument("--base-url", default=BASE_URL, help="where the zips are served (a mirror, or a test server)")
    p.add_argument("--sha256", default="", help="expected SHA-256 of the zip, checked before unpacking")
    p.add_argument("--keep-zip", action="store_true", help="keep the zip after unpacking")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """`kiosk models` / scripts/download_model.py: 0 on success, 1 when a download fails, 2 on bad usage."""
    args = build_parser().parse_args(list(argv) if argv is not None else None)
    models_dir = Path(args.models_dir).expanduser()
    if args.action in (None, "list"):
        _list(models_dir, sys.stdout)
        return 0
    try:
        info = catalogue_entry(args.name)
        if args.sha256 and not re.fullmatch(r"[0-9a-fA-F]{64}", args.sha256.strip()):
            raise ModelError("--sha256 must be 64 hexadecimal characters")
        print(f"Downloading {info.name} ({info.size_mb} MB) into {models_dir}", file=sys.stderr)
        folder = download(info, models_dir, base_url=args.base_url, sha256=args.sha256, quiet=args.quiet,
                          keep_zip=args.keep_zip)
    except ModelError as err:
        print(f"kiosk models: {err}", file=sys.stderr)
        return 1
    print(f"Installed {folder}")
    if folder.parent.resolve() == DEFAULT_MODELS.resolve():
        print("The kiosk finds it in models/ by itself; or set vosk_model in kiosk.toml or KIOSK_VOSK_MODEL.")
    else:
        print(f"Use it with: KIOSK_VOSK_MODEL={folder} or vosk_model = \"{folder}\" in kiosk.toml")
    return 0
