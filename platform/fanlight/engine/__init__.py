"""The Fanlight engine: load, compile and evaluate definitions.

Pure: nothing here imports a web framework, an ORM or a form library, so the same code
serves the web runtime, the API, the CLI, the workbench preview and definition tests.
"""

from .definitions.loader import DefinitionSet, load_definitions, load_texts
from .evaluation.compiled import CompiledForm, compile_form
from .evaluation.evaluate import Evaluation, Message, ThresholdResult, evaluate
from .problems import Problem, Where

__all__ = [
    "CompiledForm",
    "DefinitionSet",
    "Evaluation",
    "Message",
    "Problem",
    "ThresholdResult",
    "Where",
    "compile_form",
    "evaluate",
    "load_definitions",
    "load_texts",
]
