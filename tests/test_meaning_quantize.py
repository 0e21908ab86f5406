"""The sentence model converted once to int8 MatMuls: close to the shipped one, cached, and never required."""
from __future__ import annotations

import logging
import sys
from pathlib import Path

import numpy as np
import pytest

encoder_module = pytest.importorskip("kiosk.meaning.encoder")
quantize = pytest.importorskip("kiosk.meaning.quantize")

SENTENCES = ["my lip keeps twitching since I started energy drinks", "one side of my mouth is sagging",
             "my right hand keeps letting go of my cup", "where is the bathroom", "the floor keeps tipping"]


@pytest.fixture(scope="module")
def shipped():
    path = encoder_module.default_model_path()
    if path is None:
        pytest.skip("the sentence model is not installed")
    return path


@pytest.fixture(scope="module")
def converted(shipped, tmp_path_factory):
    pytest.importorskip("onnx")
    cache = tmp_path_factory.mktemp("cache")
    path, note = quantize.cached_model(shipped, cache)
    assert note == "" and path.parent == cache and path != shipped
    return path


def test_the_converted_model_runs_int8_matmuls_and_gives_nearly_the_same_vectors(shipped, converted):
    import onnx

    ops = {node.op_type for node in onnx.load(str(converted)).graph.node}
    assert "MatMulInteger" in ops  # the weights stay int8 at run time: the point of converting
    original = encoder_module.SentenceEncoder(shipped).embed(SENTENCES)
    mine = encoder_module.SentenceEncoder(converted, name=converted.stem).embed(SENTENCES)
    assert mine.shape == original.shape
    assert np.all(np.sum(original * mine, axis=1) > 0.98)
    # what the meaning layer uses: how close two sentences are
    assert np.abs(original @ original.T - mine @ mine.T).max() < 0.05


def test_the_kiosk_loads_the_converted_model_and_converts_only_once(shipped, converted, monkeypatch):
    def never(source, target):
        raise AssertionError("converted again")

    monkeypatch.setattr(quantize, "convert", never)
    encoder, why = encoder_module.load_encoder(cache_dir=converted.parent)
    assert why == "" and encoder.note == ""
    assert encoder.model_id.startswith(converted.stem)  # content embeddings are cached for this model, not another
    assert encoder.model_id != encoder_module.SentenceEncoder(shipped).model_id


def test_a_new_source_model_is_converted_again_and_the_old_file_goes(tmp_path, monkeypatch):
    made = []

    def fake(source, target):
        made.append(source)
        target.write_bytes(source.read_bytes())

    monkeypatch.setattr(quantize, "convert", fake)
    old, new, cache = tmp_path / "old.onnx", tmp_path / "new.onnx", tmp_path / "cache"
    old.write_bytes(b"model one")
    new.write_bytes(b"model two")
    first, _ = quantize.cached_model(old, cache)
    assert quantize.cached_model(old, cache) == (first, "") and made == [old]
    second, _ = quantize.cached_model(new, cache)
    assert second != first and made == [old, new]
    assert sorted(cache.iterdir()) == [second]


def test_without_onnx_the_shipped_model_runs_after_one_line(shipped, tmp_path, monkeypatch, caplog):
    monkeypatch.setitem(sys.modules, "onnx", None)  # `import onnx` now raises ImportError, as when it is missing
    with caplog.at_level(logging.INFO, logger="kiosk"):
        encoder, why = encoder_module.load_encoder(cache_dir=tmp_path)
    assert why == "" and encoder is not None
    assert encoder.model_id == encoder_module.SentenceEncoder(shipped).model_id
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 1 and "onnx is not installed" in lines[0] and "\n" not in lines[0]
    assert encoder.note == lines[0]
    assert list(tmp_path.iterdir()) == []
    assert encoder.embed(["my face droops"]).shape == (1, 384)


def test_a_failed_conversion_runs_the_shipped_model_after_one_line(shipped, tmp_path, monkeypatch, caplog):
    def broken(source, target):
        raise ValueError("no Cast+Mul weights to fold")

    monkeypatch.setattr(quantize, "convert", broken)
    with caplog.at_level(logging.INFO, logger="kiosk"):
        encoder, why = encoder_module.load_encoder(cache_dir=tmp_path / "cache")
    assert why == "" and encoder is not None and encoder.model_id.startswith("minilm-int8:")
    assert [r.getMessage() for r in caplog.records] == [encoder.note]
    assert "ValueError: no Cast+Mul weights to fold" in encoder.note


def test_a_damaged_cached_file_runs_the_shipped_model(shipped, tmp_path, caplog):
    cache = tmp_path / "cache"
    cache.mkdir()
    damaged = cache / f"{quantize.PREFIX}{quantize.RECIPE}-{quantize.fingerprint(shipped)}.onnx"
    damaged.write_bytes(b"cut short")
    with caplog.at_level(logging.INFO, logger="kiosk"):
        encoder, why = encoder_module.load_encoder(cache_dir=cache)
    assert why == "" and encoder is not None and encoder.model_id.startswith("minilm-int8:")
    assert len(caplog.records) == 1 and "did not load" in caplog.records[0].getMessage()
    assert not damaged.exists()  # the next start converts it again


def test_a_model_without_dequantized_weights_is_not_converted(tmp_path):
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper

    graph = helper.make_graph([helper.make_node("Relu", ["x"], ["y"])], "plain",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])])
    source = tmp_path / "plain.onnx"
    onnx.save(helper.make_model(graph), str(source))
    path, note = quantize.cached_model(source, tmp_path / "cache")
    assert path == source and "no Cast+Mul weights" in note
    assert not any((tmp_path / "cache").iterdir())


def test_content_embeddings_of_one_model_are_not_taken_for_the_other(shipped, converted, tmp_path):
    cache = tmp_path / "content.npz"
    encoder_module.ContentEmbeddings(encoder_module.SentenceEncoder(shipped), cache)(["my face droops"])
    mine = encoder_module.SentenceEncoder(converted, name=converted.stem)
    assert encoder_module.ContentEmbeddings(mine, cache).known == {}


def test_the_kiosk_index_uses_the_models_cache(shipped, tmp_path, monkeypatch, kb):
    import kiosk.meaning as meaning

    seen: list[Path | None] = []
    monkeypatch.setattr(encoder_module, "_SHARED", {})
    monkeypatch.setattr(encoder_module, "load_encoder", lambda cache_dir=None: (seen.append(cache_dir), (None, "x"))[1])
    monkeypatch.setattr(meaning, "_WARNED", {"x"})
    meaning.triage_index(kb, True, tmp_path)
    assert seen == [tmp_path / "cache"]


def test_the_doctor_warns_when_the_shipped_model_runs(shipped, tmp_path, monkeypatch):
    from kiosk.ops.doctor import Status, check_meaning
    from kiosk.ops.settings import Settings

    monkeypatch.setitem(sys.modules, "onnx", None)
    check = check_meaning(Settings(models_dir=tmp_path))
    assert check.status is Status.WARN and "onnx is not installed" in check.detail
