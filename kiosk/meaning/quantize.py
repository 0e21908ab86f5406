"""The sentence model with real int8 MatMuls, converted once from the shipped model and kept in the models cache.

Why: the shipped all-MiniLM-L6-v2 stores int8 weights but dequantizes them inside the graph (Cast, then Mul by a
scale), so onnxruntime folds every weight to float32 when it loads the model: about +200 MB resident and float32
MatMuls. :func:`convert` folds those pairs into float32 weights and has onnxruntime's own quantizer store the
MatMul weights as int8 per channel, which onnxruntime then runs as int8 (MatMulInteger): about +140 MB and half
the time a clause. The word-embedding table (a Gather) stays float32: quantizing it as well saved 36 MB more but
moved sentence similarities by up to 0.047 against 0.021 on the same few sentences (benchmarks/meaning.md).

:func:`convert` is the conversion alone (it reads the source and writes the result, nothing else);
:func:`cached_model` is the adapter that keeps one converted file in the cache, keyed to the source's contents.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
from pathlib import Path
from typing import Any

log = logging.getLogger("kiosk.meaning")

RECIPE = "mm8v1"
"""Names the conversion in the cached file's name: change it when :func:`convert` changes, so caches are redone."""
PREFIX = "minilm-"


def fold_dequantized_weights(model: Any) -> int:
    """Replace each Cast(int8 initializer) -> Mul(scale initializer) pair of ``model`` (an onnx ModelProto, changed
    in place) by one float32 initializer holding the product; return how many were folded. Casts and initializers
    nothing uses any more are dropped."""
    import numpy as np
    from onnx import numpy_helper

    graph = model.graph
    initializers = {i.name: i for i in graph.initializer}
    producer = {out: node for node in graph.node for out in node.output}
    outputs = {o.name for o in graph.output}
    folded = []
    kept = []
    for node in graph.node:
        weight = _dequantized(node, producer, initializers, outputs)
        if weight is None:
            kept.append(node)
            continue
        quantized, scale = weight
        product = numpy_helper.to_array(quantized).astype(np.float32) * numpy_helper.to_array(scale)
        folded.append(numpy_helper.from_array(product.astype(np.float32), node.output[0]))
    used = {name for node in kept for name in node.input} | outputs
    # a Cast whose output nothing reads now (its Mul became an initializer) goes too
    kept = [
        n
        for n in kept
        if not (n.op_type == "Cast" and n.input[0] in initializers and not any(out in used for out in n.output))
    ]
    used = {name for node in kept for name in node.input} | outputs
    remaining = [i for i in graph.initializer if i.name in used] + folded
    del graph.node[:]
    graph.node.extend(kept)
    del graph.initializer[:]
    graph.initializer.extend(remaining)
    return len(folded)


def _dequantized(
    node: Any, producer: dict[str, Any], initializers: dict[str, Any], outputs: set[str]
) -> tuple[Any, Any] | None:
    """(int8 initializer, scale initializer) when ``node`` is a Mul of a Cast-to-float of a constant by a constant."""
    from onnx import TensorProto

    if node.op_type != "Mul" or len(node.input) != 2 or node.output[0] in outputs:
        return None
    for cast_out, scale in (node.input, reversed(node.input)):
        cast = producer.get(cast_out)
        if (
            cast is not None
            and cast.op_type == "Cast"
            and cast.input[0] in initializers
            and scale in initializers
            and any(a.name == "to" and a.i == TensorProto.FLOAT for a in cast.attribute)
            and initializers[scale].data_type == TensorProto.FLOAT
        ):
            return initializers[cast.input[0]], initializers[scale]
    return None


def convert(source: Path, target: Path) -> None:
    """Write ``source`` to ``target`` with its weights folded and its MatMuls quantized to int8 per channel.
    ``target`` appears whole or not at all. Raises ImportError without the ``onnx`` package, ValueError when the
    model holds no dequantized weights (not the model this was written for), and whatever onnx or the quantizer
    raise on a model they cannot read."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    model = onnx.load(str(source))
    if fold_dequantized_weights(model) == 0:
        raise ValueError("no Cast+Mul weights to fold")
    partial = target.with_name(f".{target.name}.{os.getpid()}.part")
    # the quantizer warns on the root logger about a pre-processing step this model needs not; a filter there drops
    # only records logged on the root logger itself, never the kiosk's own (they propagate past logger filters)
    quiet = _BelowError()
    logging.getLogger().addFilter(quiet)
    try:
        quantize_dynamic(model, partial, weight_type=QuantType.QInt8, per_channel=True, op_types_to_quantize=["MatMul"])
        os.replace(partial, target)
    finally:
        logging.getLogger().removeFilter(quiet)
        partial.unlink(missing_ok=True)


class _BelowError(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.ERROR


def fingerprint(path: Path) -> str:
    """Size and the start of the SHA-256 of ``path``: a new source model (an upgraded package) gets a new key."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return f"{path.stat().st_size}-{digest.hexdigest()[:16]}"


def cached_model(source: Path, cache_dir: Path) -> tuple[Path, str]:
    """The converted model in ``cache_dir`` (converted now when it is not there yet) and "", or ``source`` and one
    line saying why not. Never raises: the shipped model is slower but gives nearly the same answers."""
    try:
        target = cache_dir / f"{PREFIX}{RECIPE}-{fingerprint(source)}.onnx"
        if target.is_file():
            return target, ""
        cache_dir.mkdir(parents=True, exist_ok=True)
        start = time.monotonic()
        convert(source, target)
    except ImportError as err:
        return source, (
            f"sentence model not converted to int8 MatMuls ({err.name} is not installed: bash "
            f"scripts/setup.sh); running the shipped model (twice the time a clause, 65 MB more)"
        )
    except Exception as err:  # noqa: BLE001 - onnx, the quantizer and the file system raise many kinds
        return source, (
            f"sentence model not converted to int8 MatMuls ({err.__class__.__name__}: {err}); "
            f"running the shipped model (twice the time a clause, 65 MB more)"
        )
    log.info("sentence model converted to int8 MatMuls in %.1f s (once): %s", time.monotonic() - start, target)
    for stale in cache_dir.glob(f"{PREFIX}*.onnx"):  # made from an earlier source model or recipe
        if stale != target:
            try:
                stale.unlink()
            except OSError:
                pass  # another process's, or not ours to remove: it only takes disk space
    return target, ""
