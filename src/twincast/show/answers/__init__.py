"""Viewer comments -> grounded answers: moderation, intent, product/fact retrieval, replies, queue.

Entry points: :class:`AnswerEngine` (one comment -> :class:`Decision`), :class:`AnswerQueue`
(what the director pulls at a sentence boundary) and :func:`split_at_sentence_boundary`.
"""

from .engine import AnswerEngine
from .queue import AnswerQueue, Interjection, QueuedAnswer, split_at_sentence_boundary
from .types import Comment, Decision

__all__ = ["AnswerEngine", "AnswerQueue", "Comment", "Decision", "Interjection", "QueuedAnswer",
           "split_at_sentence_boundary"]
