"""The forms this server offers: definitions loaded and compiled once, at start-up."""

from __future__ import annotations

from dataclasses import dataclass, field

from fanlight.engine import CompiledForm, DefinitionSet, load_definitions
from fanlight.engine.definitions import model as m


class DefinitionsInvalid(RuntimeError):
    """Raised at start-up: a server never serves a broken definition."""

    def __init__(self, loaded: DefinitionSet) -> None:
        self.problems = loaded.problems
        super().__init__("the definitions have problems:\n" + "\n".join(str(p) for p in loaded.problems))


@dataclass
class Catalogue:
    definitions: DefinitionSet
    by_version: dict[tuple[str, int], CompiledForm] = field(default_factory=dict)

    @classmethod
    def load(cls, path: str) -> Catalogue:
        loaded = load_definitions(path)
        if loaded.problems:
            raise DefinitionsInvalid(loaded)
        catalogue = cls(loaded)
        for compiled in loaded.compiled.values():
            catalogue.by_version[(compiled.id, compiled.version)] = compiled
        return catalogue

    def forms(self) -> list[CompiledForm]:
        return sorted(self.definitions.compiled.values(), key=lambda c: c.form.title)

    def current(self, form_id: str) -> CompiledForm | None:
        return self.definitions.compiled.get(form_id)

    def version(self, form_id: str, version: int) -> CompiledForm | None:
        return self.by_version.get((form_id, version))

    def thresholds(self, thresholds_id: str) -> m.Thresholds | None:
        return self.definitions.thresholds.get(thresholds_id)
