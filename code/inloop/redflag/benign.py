"""Benign instructions written for the book: varied everyday tasks from a few templates.

No package ships a benign instruction set, so the book composes its own: each template is a task
(explain, summarise, write, plan, compute, translate, ...) filled with a subject. The result is a
deterministic list of distinct, harmless prompts.
"""

from __future__ import annotations

import itertools

SUBJECTS = (
    "photosynthesis", "the water cycle", "compound interest", "the French revolution", "black holes",
    "a vegetable garden", "the immune system", "recycling", "the printing press", "volcanoes",
    "jazz music", "the Roman empire", "electric cars", "honey bees", "the stock market",
    "chess openings", "climate zones", "the human heart", "renewable energy", "public libraries",
    "bread baking", "the moon landing", "ocean tides", "migratory birds", "the internet",
)
TEMPLATES = (
    "Explain {s} to a ten-year-old.",
    "Write a short poem about {s}.",
    "Give me three fun facts about {s}.",
    "Summarise the main ideas of {s} in two sentences.",
    "Write a quiz question about {s} with its answer.",
    "What are common misconceptions about {s}?",
    "Suggest a title for a school essay on {s}.",
    "Describe {s} in the style of a travel guide.",
    "Plan a one-hour lesson about {s}.",
    "List the key vocabulary someone needs to talk about {s}.",
    "Write a friendly tweet that teaches something about {s}.",
    "How would you explain {s} to a curious grandparent?",
)
EXTRAS = tuple(
    [f"What is {a} times {b}? Show your steps." for a, b in itertools.product((12, 17, 23), (9, 14, 31))]
    + [f"Translate '{p}' into {lang}." for p, lang in itertools.product(
        ("good morning", "thank you very much", "where is the station"), ("French", "Spanish", "German"))]
    + [f"Give me a recipe idea that uses {x}." for x in ("lentils", "spinach", "oats", "apples", "rice", "eggs")]
)


def benign_prompts() -> list[str]:
    """All benign prompts: every template with every subject, then arithmetic, translation and recipes."""
    return [template.format(s=subject) for subject, template in itertools.product(SUBJECTS, TEMPLATES)] + list(EXTRAS)
