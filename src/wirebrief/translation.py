"""Document translation on an engine: every sentence of every document in one engine call.

Sentences too long for the model are cut at clause boundaries before translation; a sentence
whose translation runs into its length cap (usually a model stuck in a loop) is cut and tried
again. Pieces are rejoined in order, so each source sentence has exactly one translation.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from wirebrief.engines.base import Engine, Generation, GenerationParams, ProgressCallback
from wirebrief.inputs.document import Document, Paragraph, split_clause
from wirebrief.results import TranslatedParagraph, TranslatedSentence

#: Rounds of cut-and-retry for translations that hit their cap.
MAX_RETRY_ROUNDS = 2
#: Translation cap relative to the source: English runs a little shorter than Dutch in tokens,
#: so twice the source plus a margin is only reached by a model repeating itself.
LENGTH_RATIO = 2.0
LENGTH_MARGIN = 16


def translation_params(num_beams: int = 4, max_new_tokens: int = 512) -> GenerationParams:
    return GenerationParams(
        max_new_tokens=max_new_tokens,
        num_beams=num_beams,
        length_ratio=LENGTH_RATIO,
        length_margin=LENGTH_MARGIN,
    )


def fit_to_limit(texts: Sequence[str], engine: Engine, limit: int) -> list[list[str]]:
    """For each text, the pieces (one unless too long) that each fit in `limit` tokens."""
    fitted: list[list[str]] = [[text] for text in texts]
    todo = list(range(len(texts)))
    while todo:
        flat = [(i, j, piece) for i in todo for j, piece in enumerate(fitted[i])]
        counts = engine.count_tokens([piece for _, _, piece in flat])
        over = {(i, j) for (i, j, _), count in zip(flat, counts) if count > limit}
        next_todo = []
        for i in todo:
            pieces: list[str] = []
            for j, piece in enumerate(fitted[i]):
                halves = split_clause(piece) if (i, j) in over else None
                pieces.extend(halves if halves else [piece])
            if len(pieces) > len(fitted[i]):
                next_todo.append(i)
            fitted[i] = pieces
        todo = next_todo
    return fitted


@dataclass
class _Piece:
    """A piece of a sentence on its way through the engine."""

    text: str
    generation: Generation | None = None


def translate_sentences(
    sentences: Sequence[str],
    engine: Engine,
    params: GenerationParams,
    progress: ProgressCallback | None = None,
    retries: int = MAX_RETRY_ROUNDS,
) -> list[TranslatedSentence]:
    """Translate sentences in one batched call, cutting and retrying those that hit the cap.

    `retries` rounds of cut-and-retry at most; 0 keeps every first translation as it is.
    """
    pieces = [
        [_Piece(text) for text in fitted]
        for fitted in fit_to_limit(sentences, engine, engine.max_input_tokens)
    ]
    todo = [piece for sentence_pieces in pieces for piece in sentence_pieces]
    for round_number in range(retries + 1):
        for piece, generation in zip(todo, engine.generate([p.text for p in todo], params, progress)):
            piece.generation = generation
        if round_number == retries:
            break
        todo = []
        for index, sentence_pieces in enumerate(pieces):
            kept: list[_Piece] = []
            for piece in sentence_pieces:
                assert piece.generation is not None
                halves = split_clause(piece.text) if piece.generation.hit_limit else None
                if halves and len(piece.text.split()) > 1:
                    retried = [_Piece(half) for half in halves]
                    kept.extend(retried)
                    todo.extend(retried)
                else:
                    kept.append(piece)
            pieces[index] = kept
        if not todo:
            break
    results = []
    for source, sentence_pieces in zip(sentences, pieces):
        generations = [piece.generation for piece in sentence_pieces if piece.generation is not None]
        results.append(
            TranslatedSentence(
                source=source,
                translation=" ".join(g.text for g in generations if g.text),
                parts=len(generations),
                hit_limit=any(g.hit_limit for g in generations),
                output_tokens=sum(g.output_tokens for g in generations),
            )
        )
    return results


def translate_documents(
    documents: Sequence[Document],
    engine: Engine,
    params: GenerationParams,
    progress: ProgressCallback | None = None,
    retries: int = MAX_RETRY_ROUNDS,
) -> list[list[TranslatedParagraph]]:
    """Translate all documents' sentences together and put them back in their paragraphs.

    A paragraph marked as being in another language (`Paragraph.language`) is kept as it is:
    the model for the article's language would only mangle it.
    """
    sentences = [
        sentence
        for document in documents
        for paragraph in document.paragraphs
        if paragraph.language is None
        for sentence in paragraph.sentences
    ]
    translated = iter(translate_sentences(sentences, engine, params, progress, retries))
    return [[_put_back(paragraph, translated) for paragraph in document.paragraphs] for document in documents]


def kept_as_is(document: Document) -> list[TranslatedParagraph]:
    """A document's paragraphs with every sentence its own translation (nothing to translate)."""
    return [_put_back(paragraph, None) for paragraph in document.paragraphs]


def _put_back(paragraph: Paragraph, translated: Iterator[TranslatedSentence] | None) -> TranslatedParagraph:
    """A paragraph with its sentences' translations taken in order from `translated`, or kept
    as they are (no iterator, or a paragraph in another language)."""
    sentences = tuple(
        next(translated) if translated is not None and paragraph.language is None else TranslatedSentence(sentence, sentence)
        for sentence in paragraph.sentences
    )
    return TranslatedParagraph(paragraph.index, paragraph.kind, paragraph.text, sentences, paragraph.language)
