"""The model downloader against a local HTTP server (127.0.0.1) serving a small fake model zip."""
from __future__ import annotations

import hashlib
import http.server
import io
import random
import threading
import zipfile
from pathlib import Path

import pytest

from kiosk.speech import models
from kiosk.speech.models import (
    CATALOGUE,
    DEFAULT_MODEL,
    ModelError,
    check_model_files,
    find_vosk_model,
    is_english_model,
    main,
)

NAME = DEFAULT_MODEL


def fake_model_zip(name: str = NAME, extra: dict[str, bytes] | None = None) -> bytes:
    """A zip laid out like a Vosk lookahead model (one top folder), with filler bytes for the model files."""
    rnd = random.Random(0)  # incompressible filler, so the zip is big enough to be cut in the middle
    files = {"am/final.mdl": rnd.randbytes(50_000), "conf/model.conf": b"--min-active=200\n", "conf/mfcc.conf": b"x\n",
             "graph/HCLr.fst": rnd.randbytes(80_000), "graph/Gr.fst": rnd.randbytes(60_000),
             "README": b"US English model\n"}
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for rel, data in files.items():
            zf.writestr(f"{name}/{rel}", data)
        for rel, data in (extra or {}).items():
            zf.writestr(rel, data)
    return buf.getvalue()


class _Server:
    """Serves ``files`` (name -> bytes) with HTTP Range support; records the Range headers it got."""

    def __init__(self, files: dict[str, bytes]):
        self.files, self.ranges = files, []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's name
                data = outer.files.get(self.path.rsplit("/", 1)[-1])
                if data is None:
                    self.send_error(404)
                    return
                rng = self.headers.get("Range")
                outer.ranges.append(rng)
                start = int(rng.split("=")[1].split("-")[0]) if rng else 0
                if start >= len(data) and rng:
                    self.send_error(416)
                    return
                self.send_response(206 if rng else 200)
                if rng:
                    self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
                self.send_header("Content-Length", str(len(data) - start))
                self.end_headers()
                self.wfile.write(data[start:])

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/vosk/models"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    srv = _Server({f"{NAME}.zip": fake_model_zip()})
    yield srv
    srv.close()


def test_full_download_unpacks_into_models_dir(server, tmp_path, capsys):
    models_dir = tmp_path / "models"
    assert main(["--models-dir", str(models_dir), "download", "--base-url", server.url, "--quiet"]) == 0
    folder = models_dir / NAME
    assert check_model_files(folder) is None
    assert (folder / "am" / "final.mdl").stat().st_size == 50_000
    assert sorted(p.name for p in models_dir.iterdir()) == [NAME]  # zip and staging folder removed
    assert server.ranges == [None]
    out = capsys.readouterr().out
    assert f"Installed {folder}" in out and "KIOSK_VOSK_MODEL" in out
    assert find_vosk_model(models_dir, "", {}) == folder


def test_resume_after_truncated_part(server, tmp_path):
    models_dir = tmp_path / "models"
    models_dir.mkdir()
    data = server.files[f"{NAME}.zip"]
    (models_dir / f"{NAME}.zip.part").write_bytes(data[:10_000])
    folder = models.download(models.catalogue_entry(NAME), models_dir, base_url=server.url, quiet=True,
                             keep_zip=True, sha256=hashlib.sha256(data).hexdigest())
    assert server.ranges == ["bytes=10000-"]
    assert (models_dir / f"{NAME}.zip").read_bytes() == data
    assert check_model_files(folder) is None


def test_complete_part_is_accepted_after_416(server, tmp_path):
    models_dir = tmp_path / "models"
    models_dir.mkdir()
    (models_dir / f"{NAME}.zip.part").write_bytes(server.files[f"{NAME}.zip"])
    folder = models.download(models.catalogue_entry(NAME), models_dir, base_url=server.url, quiet=True)
    assert check_model_files(folder) is None


def test_wrong_checksum_is_rejected_and_nothing_unpacked(server, tmp_path, capsys):
    models_dir = tmp_path / "models"
    code = main(["--models-dir", str(models_dir), "download", "--base-url", server.url, "--quiet", "--sha256", "0" * 64])
    assert code == 1
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err.startswith("kiosk models: ") and "checksum mismatch" in err
    assert not (models_dir / NAME).exists() and not (models_dir / f"{NAME}.zip").exists()


def test_malformed_sha256_option_is_refused(server, tmp_path, capsys):
    assert main(["--models-dir", str(tmp_path), "download", "--base-url", server.url, "--sha256", "abc"]) == 1
    assert "64 hexadecimal" in capsys.readouterr().err


def test_bad_zip_is_rejected(tmp_path):
    srv = _Server({f"{NAME}.zip": b"PK\x03\x04 this is not really a zip" * 100})
    try:
        with pytest.raises(ModelError, match="not a valid zip"):
            models.download(models.catalogue_entry(NAME), tmp_path, base_url=srv.url, quiet=True)
    finally:
        srv.close()
    assert not (tmp_path / NAME).exists() and not (tmp_path / f"{NAME}.zip").exists()


@pytest.mark.parametrize("evil", ["../escape.txt", "/etc/evil.txt", f"{NAME}/../../escape.txt"])
def test_paths_escaping_the_folder_are_refused(tmp_path, evil):
    srv = _Server({f"{NAME}.zip": fake_model_zip(extra={evil: b"x"})})
    try:
        with pytest.raises(ModelError, match="unsafe path"):
            models.download(models.catalogue_entry(NAME), tmp_path / "models", base_url=srv.url, quiet=True)
    finally:
        srv.close()
    assert not (tmp_path / "escape.txt").exists()
    assert not (tmp_path / "models" / NAME).exists()


def test_missing_file_on_server_is_one_line(tmp_path):
    srv = _Server({})
    try:
        with pytest.raises(ModelError, match="HTTP 404"):
            models.download(models.catalogue_entry(NAME), tmp_path, base_url=srv.url, quiet=True)
    finally:
        srv.close()


def test_listing_names_every_model_and_the_default(tmp_path, capsys):
    (tmp_path / NAME).mkdir()
    assert main(["--models-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    for info in CATALOGUE:
        assert info.name in out and f"{info.size_mb} MB" in out
        assert info.url().startswith("https://alphacephei.com/vosk/models/")
    assert f"{NAME} (default) [installed]" in out
    assert "no published sha256" in out  # said honestly where no checksum is known


def test_unknown_model_name(tmp_path, capsys):
    assert main(["--models-dir", str(tmp_path), "download", "vosk-model-fr"]) == 1
    assert "unknown model 'vosk-model-fr'" in capsys.readouterr().err


def test_find_vosk_model_order(tmp_path):
    for name in ("vosk-model-small-fr-0.22", "vosk-model-small-en-us-0.15", "vosk-model-en-us-0.22-lgraph"):
        (tmp_path / name / "am").mkdir(parents=True)
        (tmp_path / name / "conf").mkdir()
    (tmp_path / "vosk-model-en-in-empty").mkdir()  # not a model: no am/ or conf/
    assert find_vosk_model(tmp_path, "", {}) == tmp_path / "vosk-model-en-us-0.22-lgraph"
    assert find_vosk_model(tmp_path, "", {"KIOSK_VOSK_MODEL": "/srv/m"}) == Path("/srv/m")
    assert find_vosk_model(tmp_path, "/opt/x", {"KIOSK_VOSK_MODEL": "/srv/m"}) == Path("/opt/x")
    assert find_vosk_model(tmp_path / "missing", "", {}) is None


def test_is_english_model(tmp_path):
    assert is_english_model(Path("vosk-model-small-en-us-0.15"))
    assert is_english_model(Path("vosk-model-en-us-0.22-lgraph"))
    assert is_english_model(Path("vosk-model-small-en-in-0.4"))
    assert not is_english_model(Path("vosk-model-small-fr-0.22"))
    renamed = tmp_path / "model"
    renamed.mkdir()
    assert not is_english_model(renamed)
    (renamed / "README").write_text("US English model for mobile Vosk applications\n")
    assert is_english_model(renamed)


def test_check_model_files_names_what_is_missing(tmp_path):
    assert "does not exist" in check_model_files(tmp_path / "nope")
    (tmp_path / "am").mkdir()
    (tmp_path / "am" / "final.mdl").write_bytes(b"")
    problem = check_model_files(tmp_path)
    assert "am/final.mdl" in problem and "conf/model.conf" in problem and "graph/" in problem
