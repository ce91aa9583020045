"""Config field editors: the input a settings form shows for one field of a broker's config dataclass, chosen by
the field's type and what it declares (core.adapters.config_fields.FieldInfo).

A bool is a check box, an enum or a field with declared choices a list of them, a number, a list of words or a
text a line edit whose placeholder says the default ("2.0 (default)") or what empty means ("empty: Alpaca's own").
Each input's tooltip is the field's help and its default. No broker is named here: any config dataclass works.
"""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
from collections.abc import Callable, Collection, Mapping
from decimal import Decimal

from PySide6.QtWidgets import QCheckBox, QComboBox, QLineEdit, QWidget

from core.adapters.config_fields import FieldInfo, field_info, flag_or_none

Convert = Callable[[str], object]
"""Turn what the trader typed into the setting's value; leave it as text when it does not parse (the config's own
check then names the field and says what it takes)."""


class FieldEditor:
    """One config field's input: `widget`, what it holds as a setting, and a saved setting shown in it."""

    widget: QWidget
    sends_default = False
    """True where what the trader typed is sent even when it equals the default (a line edit)."""

    def __init__(self, name: str, default: object, info: FieldInfo) -> None:
        self.name, self.default, self.info = name, default, info

    @property
    def label(self) -> str:
        return self.info.label or field_label(self.name)

    def value(self) -> object | None:
        """Return the field's value as settings.json holds it; None when left empty (the default applies)."""
        raise NotImplementedError

    def show(self, raw: object) -> None:
        """Show a saved setting; a value the input cannot show is left out."""
        raise NotImplementedError

    def reset(self) -> None:
        """Show the default again."""
        raise NotImplementedError

    def on_change(self, slot: Callable[[], None]) -> None:
        """Call slot whenever the trader (or `show`) changes the value."""
        raise NotImplementedError

    def setting(self, saved: bool) -> object | None:
        """Return what to send for this field, or None to leave it out: a flag or a choice is sent where it
        differs from the default or was saved before, so settings.json stays as small as the trader made it."""
        value = self.value()
        if value is None or (value == plain(self.default) and not saved and not self.sends_default):
            return None
        return value

    def _describe(self, shown_default: str) -> None:
        lines = [self.info.doc] if self.info.doc else []
        if shown_default:
            lines.append(f"Default: {shown_default}")
        self.widget.setToolTip("\n".join(lines))


class FlagEditor(FieldEditor):
    """A bool: a check box. Older settings' "true"/"false" strings show as ticked or not."""

    def __init__(self, name: str, default: object, info: FieldInfo) -> None:
        super().__init__(name, default, info)
        self.widget = self.box = QCheckBox()
        self.reset()
        self._describe("ticked" if default else "unticked")

    def value(self) -> bool:
        return self.box.isChecked()

    def show(self, raw: object) -> None:
        flag = flag_or_none(raw)
        if flag is not None:
            self.box.setChecked(flag)

    def reset(self) -> None:
        self.box.setChecked(bool(self.default))

    def on_change(self, slot: Callable[[], None]) -> None:
        self.box.toggled.connect(lambda _checked: slot())


class ChoiceEditor(FieldEditor):
    """An enum or a field with declared choices: a list of the values it takes. A saved value outside them is
    shown as it is (the config's check refuses it, naming the field, when the trader connects)."""

    def __init__(self, name: str, default: object, info: FieldInfo, choices: Collection[str]) -> None:
        super().__init__(name, default, info)
        self.widget = self.combo = QComboBox()
        self.combo.addItems(list(choices))
        self.reset()
        self._describe(shown(default))

    def value(self) -> str:
        return self.combo.currentText()

    def show(self, raw: object) -> None:
        text = shown(raw)
        if text and self.combo.findText(text) < 0:
            self.combo.addItem(text)
        if text:
            self.combo.setCurrentIndex(self.combo.findText(text))

    def reset(self) -> None:
        self.combo.setCurrentIndex(max(self.combo.findText(shown(self.default)), 0))

    def on_change(self, slot: Callable[[], None]) -> None:
        self.combo.currentTextChanged.connect(lambda _text: slot())


class TextEditor(FieldEditor):
    """A number, a list of words or a text: a line edit; empty leaves the default, which its placeholder says."""

    sends_default = True

    def __init__(self, name: str, default: object, info: FieldInfo, convert: Convert) -> None:
        super().__init__(name, default, info)
        self._convert = convert
        self.widget = self.edit = QLineEdit()
        default_text = shown(default)
        if default_text:
            self.edit.setPlaceholderText(f"{default_text} (default)")
        elif info.empty:
            self.edit.setPlaceholderText(f"empty: {info.empty}")
        self._describe(default_text)

    def value(self) -> object | None:
        text = self.edit.text().strip()
        return self._convert(text) if text else None

    def show(self, raw: object) -> None:
        if isinstance(raw, list | tuple):
            self.edit.setText(", ".join(str(item) for item in raw))
        elif isinstance(raw, str | int | float | Decimal) and not isinstance(raw, bool):
            self.edit.setText(str(raw))

    def reset(self) -> None:
        self.edit.clear()

    def on_change(self, slot: Callable[[], None]) -> None:
        self.edit.textChanged.connect(lambda _text: slot())


def config_editors(config: type, skip: Collection[str] = ()) -> dict[str, FieldEditor]:
    """Return an editor for each field of a config dataclass (in its order), but those in skip."""
    if not dataclasses.is_dataclass(config):
        return {}
    try:
        hints = typing.get_type_hints(config)
    except (NameError, TypeError):  # an annotation only a type checker can resolve: judge by the default
        hints = {}
    editors: dict[str, FieldEditor] = {}
    for item in dataclasses.fields(config):
        if item.name not in skip:
            default = _default(item)
            editors[item.name] = editor_for(item.name, hints.get(item.name, type(default)), default, field_info(item))
    return editors


def editor_for(name: str, hint: object, default: object, info: FieldInfo) -> FieldEditor:
    """Return the input for a field of type hint."""
    kind = _without_none(hint)
    if kind is bool:
        return FlagEditor(name, default, info)
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        return ChoiceEditor(name, default, info, [shown(member) for member in kind])
    if info.choices:
        return ChoiceEditor(name, default, info, info.choices)
    if kind is int or kind is float:
        return TextEditor(name, default, info, _number(kind))
    if typing.get_origin(kind) in (tuple, list):
        return TextEditor(name, default, info, _words)
    return TextEditor(name, default, info, str)


_ACRONYMS = {"api": "API", "id": "ID", "url": "URL", "rest": "REST", "fx": "FX"}


def field_label(name: str) -> str:
    """Return a field's label from its name: 'api_key' -> 'API key', 'poll_interval' -> 'Poll interval'."""
    words = [_ACRONYMS.get(word, word) for word in name.split("_")]
    return " ".join([words[0][:1].upper() + words[0][1:], *words[1:]])


def plain(value: object) -> object:
    """Return a value as settings.json holds it: an enum by its value, a tuple as a list."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, tuple):
        return list(value)
    return value


def shown(value: object) -> str:
    """Return a value as the form shows it ("" for none): a list joined by commas, an enum by its value."""
    if value is None or isinstance(value, Mapping):
        return ""
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value)
    return str(plain(value))


def _default(item: dataclasses.Field[object]) -> object:
    if item.default is not dataclasses.MISSING:
        return item.default
    if item.default_factory is not dataclasses.MISSING:
        return item.default_factory()
    return None


def _without_none(hint: object) -> object:
    """`X | None` is X; any other hint is itself."""
    if typing.get_origin(hint) in (types.UnionType, typing.Union):
        rest = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        if len(rest) == 1:
            return rest[0]
    return hint


def _number(kind: type[int] | type[float]) -> Convert:
    def convert(text: str) -> object:
        try:
            return kind(text)
        except ValueError:
            return text
    return convert


def _words(text: str) -> list[str]:
    """"AAPL, MSFT SPY" is ["AAPL", "MSFT", "SPY"]: commas or spaces separate the words."""
    return text.replace(",", " ").split()
