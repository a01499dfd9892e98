"""A static scan of the student's code for what an answer has no need to touch.

The flags it raises go to the report, for the instructor: they decide nothing. A scan sees
only what is written, not what ``exec`` or a string builds, so every decision the grader
makes rests on what the run recorded instead (the checks' values, the imports the executor
saw, the channel's writers).
"""

import ast

from . import kit
from .cut import CHECKS
from .source import parse, plain_python

SUSPICIOUS_NAMES = {
    "importlib": "uses importlib",
    "__import__": "uses __import__",
    "__builtins__": "touches __builtins__",
    "builtins": "touches builtins",
    "excepthook": "replaces sys.excepthook",
    "set_custom_exc": "hides errors (set_custom_exc)",
    "showtraceback": "hides errors (showtraceback)",
    "ctypes": "uses ctypes",
    "socket": "opens network sockets",
    "subprocess": "starts processes",
    "fork": "forks processes",
    "_exit": "calls os._exit",
    "setrecursionlimit": "changes the recursion limit",
    "gc": "inspects the garbage collector",
    "inspect": "inspects the running program",
    "_getframe": "inspects stack frames",
    "f_back": "inspects stack frames",
    "f_globals": "inspects stack frames",
    "f_locals": "inspects stack frames",
    "tb_frame": "inspects stack frames",
    "gi_frame": "inspects stack frames",
    "linecache": "reads the source of other cells",
    "COURSEKIT_RECORD": "touches the grader's record channel",
    "COURSEKIT_CELL": "touches the grader's record channel",
}
PATCH_TARGETS = {"np", "numpy", "checks", "coursekit", "builtins", "sys", "testing", "math"}


def scan(sources):
    """Flags for answer code that tries to reach outside the answer (sorted, unique)."""
    flags = set()
    for text in sources:
        try:
            tree = parse(plain_python(text))
        except (SyntaxError, ValueError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    _check_module(alias.name, flags)
            elif isinstance(node, ast.ImportFrom):
                module = node.module or ""
                _check_module(module, flags)
                if module == "coursekit":
                    for alias in node.names:
                        _check_module(f"coursekit.{alias.name}", flags)
            elif isinstance(node, ast.Attribute):
                if (
                    isinstance(node.value, ast.Name)
                    and node.value.id == "coursekit"
                    and not kit.allowed(f"coursekit.{node.attr}")
                ):
                    flags.add(f"uses coursekit.{node.attr} (reference implementation)")
                if node.attr == "modules" and isinstance(node.value, ast.Name):
                    if node.value.id == "sys":
                        flags.add("uses sys.modules")
                if node.attr in SUSPICIOUS_NAMES:
                    flags.add(SUSPICIOUS_NAMES[node.attr])
            elif isinstance(node, ast.Name) and node.id in SUSPICIOUS_NAMES:
                flags.add(SUSPICIOUS_NAMES[node.id])
            elif isinstance(node, ast.ClassDef):
                for item in node.body:
                    if isinstance(item, ast.FunctionDef) and item.name == "__eq__":
                        flags.add("defines __eq__ (comparison trick?)")
            if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    root = _root_name(target)
                    if isinstance(target, ast.Attribute) and root in PATCH_TARGETS:
                        flags.add(f"monkeypatches {ast.unparse(target)[:60]}")
                    for name in ast.walk(target):
                        if isinstance(name, ast.Name) and name.id in CHECKS:
                            flags.add(f"rebinds the check helper {name.id}")
            if isinstance(node, ast.Call) and _call_name(node) in ("globals", "vars", "locals"):
                flags.add(f"touches the namespace with {_call_name(node)}()")
            if isinstance(node, ast.Call) and _call_name(node) in ("setattr", "delattr"):
                if node.args and _root_name(node.args[0]) in PATCH_TARGETS:
                    flags.add(f"monkeypatches {ast.unparse(node.args[0])[:40]} with setattr")
    return sorted(flags)


def _check_module(name, flags):
    if name == "coursekit" or name.startswith("coursekit."):
        if not kit.allowed(name):
            flags.add(f"imports {name} (reference implementation)")
    top = name.split(".")[0]
    if top in SUSPICIOUS_NAMES:
        flags.add(SUSPICIOUS_NAMES[top])


def _root_name(node):
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _call_name(node):
    return node.func.id if isinstance(node.func, ast.Name) else None
