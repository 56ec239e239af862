"""The Hub's former canonical datasets: ids without a namespace, and the namespaced repo each now is.

Until 2024 a few hundred datasets lived at the top level of the Hub (`ai2_arc`, `hellaswag`);
they were moved into the organisations that own them, and the Hub redirects the old ids. Legacy
`model-index` front matter still names them the old way (`dataset.type: ai2_arc`), while
`.eval_results` needs the namespaced id (`dataset.id: allenai/ai2_arc`).

Source of the table: the `dataset_path` values that EleutherAI/lm-evaluation-harness task files
switched to when the Hub moved these datasets (e.g. lm_eval/tasks/hellaswag/hellaswag.yaml
`dataset_path: Rowan/hellaswag`, the ARC tasks `allenai/ai2_arc`), as mapped in public evaluation
code that loads the old names through the new ids; `openai/gsm8k` as in huggingface_hub's own
eval-results test fixture. Only moves seen in those sources are listed: a name that is not here
gets no hint, never a guess.
"""

from __future__ import annotations

LEGACY_DATASET_IDS: dict[str, str] = {
    "ai2_arc": "allenai/ai2_arc",
    "boolq": "google/boolq",
    "glue": "nyu-mll/glue",
    "gsm8k": "openai/gsm8k",
    "hellaswag": "Rowan/hellaswag",
    "openbookqa": "allenai/openbookqa",
    "piqa": "ybisk/piqa",
    "sciq": "allenai/sciq",
    "snli": "stanfordnlp/snli",
    "super_glue": "aps/super_glue",
    "winogrande": "allenai/winogrande",
}


def namespaced(dataset_id: str) -> str | None:
    """The namespaced id a legacy canonical dataset id now has, or None when it is not known."""
    return LEGACY_DATASET_IDS.get(dataset_id.strip())
