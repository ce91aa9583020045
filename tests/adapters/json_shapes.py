"""The shape of a JSON answer (its keys and value types), to compare a simulator's answers with a broker's samples.

A shape is JSON itself: an object maps each key to the shape of its value (a key ending in "?" is missing from
some samples), a list holds the merged shape of its items ([] when every sample list was empty), and a scalar is
the "|"-joined names of the types seen: "number", "string", "bool", "null".
"""

from __future__ import annotations

from typing import Any

Shape = Any


def _scalar(value: object) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if value is None:
        return "null"
    if isinstance(value, str):
        return "string"
    raise TypeError(f"not a JSON scalar: {value!r}")


def shape_of(samples: list[Any]) -> Shape:
    """Return the merged shape of samples (values found at one place in one or more broker answers)."""
    objects = [sample for sample in samples if isinstance(sample, dict)]
    lists = [sample for sample in samples if isinstance(sample, list)]
    if objects:
        keys: dict[str, None] = {}
        for sample in objects:
            keys.update(dict.fromkeys(sample))
        return {(key if all(key in sample for sample in objects) else f"{key}?"):
                shape_of([sample[key] for sample in objects if key in sample]) for key in keys}
    if lists:
        items = [item for sample in lists for item in sample]
        return [shape_of(items)] if items else []
    return "|".join(sorted({_scalar(sample) for sample in samples}))


def differences(answer: Any, shape: Shape, path: str = "") -> list[str]:
    """Return where answer departs from shape: a missing key, or a value of a type the samples never had.

    null is accepted anywhere (Kite sends null for what has not happened yet), and a place the samples only ever
    had null accepts any type. Keys the samples lack are not differences (an answer may carry more).
    """
    if answer is None or shape == "null":
        return []
    if isinstance(shape, dict):
        if not isinstance(answer, dict):
            return [f"{path or '.'}: {_scalar(answer) if not isinstance(answer, list) else 'list'}, "
                    f"not an object"]
        found: list[str] = []
        for key, inner in shape.items():
            name, optional = key.removesuffix("?"), key.endswith("?")
            if name not in answer:
                if not optional:
                    found.append(f"{path}.{name}: missing")
                continue
            found += differences(answer[name], inner, f"{path}.{name}")
        return found
    if isinstance(shape, list):
        if not isinstance(answer, list):
            return [f"{path or '.'}: not a list"]
        if not shape:
            return []
        return [problem for index, item in enumerate(answer) for problem in differences(item, shape[0],
                                                                                        f"{path}[{index}]")]
    if isinstance(answer, dict | list):
        return [f"{path or '.'}: {'object' if isinstance(answer, dict) else 'list'}, the samples have {shape}"]
    if _scalar(answer) in shape.split("|"):
        return []
    return [f"{path or '.'}: {_scalar(answer)} {answer!r}, the samples have {shape}"]
