// The contract of Python custom LFs, the seed's and Snorkel's way of writing an LF:
//
//   def lf(x):
//       return SPAM if "http" in x.text else ABSTAIN
//
// The code defines one function of one row (the last function it defines, or the one decorated with
// @labeling_function()); the row's columns are attributes (x.text) and keys (x["text"]); the concept's class names
// are constants (SPAM = 1) beside ABSTAIN = -1. Imports are limited to the LF's allowed_imports, chosen from the
// pure standard-library modules below. Browser and server run it in Pyodide with this same harness, so both give
// the same votes. The harness is defence in depth; the boundary is the sandbox around Pyodide (an opaque-origin
// worker in the browser, a child process under Node's permission model on the server).
import { ABSTAIN } from './types.ts';

/** Where Reef serves Pyodide's own files (from the installed npm package) for the browser's sandbox. */
export const PYODIDE_PATH = '/pyodide/';

/** Modules a Python LF may ask for: deterministic, pure-Python or built in, no I/O. */
export const PYTHON_IMPORTABLE = [
  're', 'math', 'json', 'datetime', 'string', 'collections', 'itertools', 'functools', 'statistics', 'unicodedata',
  'difflib', 'decimal', 'fractions', 'operator', 'textwrap', 'html', 'urllib.parse',
] as const;

/** A class name as a Python constant: "not spam" → NOT_SPAM. Names that cannot be identifiers get none. */
export function pythonConstantName(className: string): string | null {
  const name = className.trim().toUpperCase().replace(/[^A-Z0-9_]+/g, '_').replace(/^_+|_+$/g, '');
  return /^[A-Z_][A-Z0-9_]*$/.test(name) && name !== 'ABSTAIN' ? name : null;
}

/** The constants a Python LF sees: ABSTAIN and one per class. */
export function pythonClassConstants(classes: readonly string[]): Record<string, number> {
  const constants: Record<string, number> = { ABSTAIN };
  classes.forEach((c, i) => {
    const name = pythonConstantName(c);
    if (name && !(name in constants)) constants[name] = i;
  });
  return constants;
}

/** Why a list of imports cannot be allowed, or null. */
export function disallowedImports(imports: readonly string[]): string | null {
  const bad = imports.filter((m) => !(PYTHON_IMPORTABLE as readonly string[]).includes(m));
  return bad.length ? `${bad.map((m) => `"${m}"`).join(', ')} cannot be imported by a Python LF; allowed are ${PYTHON_IMPORTABLE.join(', ')}.` : null;
}

/**
 * Python source defining `__reef_load(code, constants_json, allowed_json)`, which compiles an LF into a fresh
 * namespace and returns an error message or None, and `__reef_run(batch_json, k)`, which returns the votes of a
 * batch as int16 bytes, with the rows that threw and those that returned neither ABSTAIN nor a class (both abstain;
 * the first of each is kept for the report).
 */
export const PYTHON_HARNESS = String.raw`
import builtins as _builtins, json as _json, array as _array, datetime as _datetime, importlib as _importlib

_reef = {}

def _reef_guarded_import(allowed):
    real = _builtins.__import__
    def guarded(name, globals=None, locals=None, fromlist=(), level=0):
        if level != 0 or (name not in allowed and name.split('.')[0] not in allowed):
            raise ImportError(f"import of '{name}' is not allowed; add it to allowed_imports (one of: ${PYTHON_IMPORTABLE.join(', ')})")
        return real(name, globals, locals, fromlist, level)
    return guarded

def labeling_function(*args, **kwargs):
    """Snorkel's decorator, accepted so Snorkel LFs paste in as they are; it marks the function to run."""
    def mark(f):
        f.__reef_lf__ = True
        return f
    if len(args) == 1 and callable(args[0]) and not kwargs:
        return mark(args[0])
    return mark

class Row(dict):
    """One row: columns as attributes (x.text) and as keys (x["text"])."""
    __slots__ = ()
    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(f"the row has no column '{name}'") from None

def __reef_load(code, constants_json, allowed_json):
    allowed = set(_json.loads(allowed_json))
    for m in allowed:
        _importlib.import_module(m)
    safe = dict(vars(_builtins))
    for unsafe in ('open', 'eval', 'exec', 'compile', 'input', 'breakpoint', 'help', 'exit', 'quit', 'globals', 'locals', 'vars', 'memoryview'):
        safe.pop(unsafe, None)
    safe['__import__'] = _reef_guarded_import(allowed)
    ns = {'__builtins__': safe, '__name__': '__reef_lf__', 'labeling_function': labeling_function}
    ns.update(_json.loads(constants_json))
    try:
        exec(compile(code, '<lf>', 'exec'), ns)
    except BaseException as e:
        return f"{type(e).__name__}: {e}"
    functions = [v for k, v in ns.items() if callable(v) and getattr(v, '__module__', None) == '__reef_lf__' and not isinstance(v, type)]
    marked = [f for f in functions if getattr(f, '__reef_lf__', False)]
    chosen = (marked or functions)[-1:] 
    if not chosen:
        return 'the code must define a function of one row, e.g. def lf(x): return ABSTAIN'
    _reef['lf'] = chosen[0]
    return None

def __reef_run(batch_json, k):
    lf = _reef['lf']
    batch = _json.loads(batch_json)
    names, dates, cols, n = batch['names'], batch['dates'], batch['columns'], batch['n']
    for c, is_date in enumerate(dates):
        if is_date:
            cols[c] = [None if v is None else _datetime.datetime.fromtimestamp(v / 1000, _datetime.timezone.utc) for v in cols[c]]
    votes = _array.array('h', bytes(2 * n))
    errors, first, invalid, first_invalid = 0, None, 0, None
    for i in range(n):
        row = Row(zip(names, (col[i] for col in cols)))
        try:
            r = lf(row)
        except MemoryError:
            raise
        except Exception as e:
            votes[i] = ${ABSTAIN}
            errors += 1
            if first is None:
                first = f"{type(e).__name__}: {e}"
            continue
        if type(r) is int and (0 <= r < k or r == ${ABSTAIN}):
            votes[i] = r
        else:
            votes[i] = ${ABSTAIN}
            invalid += 1
            if first_invalid is None:
                first_invalid = repr(r)
    return votes.tobytes(), errors, first, invalid, first_invalid
`;
