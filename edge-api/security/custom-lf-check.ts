// Checks the source of a custom LF before it is stored: it must parse as TypeScript and be exactly one
// function of one parameter — `(row: Row) => number` as an arrow function, a function expression, or a
// function declaration (the contract is in shared/lf/custom.ts). The TypeScript compiler is Node-side,
// which is why this lives here and not in shared/.
import ts from 'typescript';

export type CustomLfCheck = { ok: true } | { ok: false; code: 'CUSTOM_LF_INVALID'; message: string };

const SHAPE = 'write exactly one function of one parameter, e.g. `(row: Row) => row.text === null ? ABSTAIN : 1`';

export function checkCustomLfCode(code: string): CustomLfCheck {
  const syntax = syntaxErrors(code);
  if (syntax) return invalid(`it does not parse as TypeScript: ${syntax}`);
  const source = ts.createSourceFile('lf.ts', code, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const statements = source.statements.filter((s) => !ts.isEmptyStatement(s));
  if (statements.length !== 1) return invalid(`found ${statements.length} top-level statements; ${SHAPE}.`);
  const fn = functionOf(statements[0]);
  if (!fn) return invalid(`the code is not a function; ${SHAPE}.`);
  if (fn.parameters.length !== 1 || fn.parameters[0].dotDotDotToken) {
    return invalid(`the function takes ${fn.parameters.length} parameters; it must take exactly one (the row).`);
  }
  const dynamicImport = findDynamicImport(fn);
  if (dynamicImport) return invalid(`import() is not available in a custom LF (line ${lineOf(source, dynamicImport)}).`);
  return { ok: true };
}

/**
 * The checked code as JavaScript, types stripped only, as one parenthesisable function expression: evaluating it
 * only defines the function (the check refuses a comma or a call that would run code before any row).
 */
export function customLfJavaScript(code: string): { ok: true; js: string } | Extract<CustomLfCheck, { ok: false }> {
  const checked = checkCustomLfCode(code);
  if (!checked.ok) return checked;
  const out = ts.transpileModule(code, {
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.None, removeComments: true },
  });
  return { ok: true, js: out.outputText.trim().replace(/;$/, '').replace(/^"use strict";\s*/, '') };
}

function invalid(problem: string): CustomLfCheck {
  return { ok: false, code: 'CUSTOM_LF_INVALID', message: `Custom LF: ${problem}` };
}

function syntaxErrors(code: string): string | null {
  const { diagnostics } = ts.transpileModule(code, {
    reportDiagnostics: true,
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext },
  });
  const first = diagnostics?.find((d) => d.category === ts.DiagnosticCategory.Error);
  if (!first) return null;
  const where = first.file && first.start !== undefined ? ` (line ${first.file.getLineAndCharacterOfPosition(first.start).line + 1})` : '';
  return `${ts.flattenDiagnosticMessageText(first.messageText, ' ')}${where}`;
}

function functionOf(statement: ts.Statement): ts.SignatureDeclarationBase | null {
  if (ts.isFunctionDeclaration(statement) && statement.body) return statement;
  if (!ts.isExpressionStatement(statement)) return null;
  let e: ts.Expression = statement.expression;
  while (ts.isParenthesizedExpression(e)) e = e.expression;
  return ts.isArrowFunction(e) || ts.isFunctionExpression(e) ? e : null;
}

function findDynamicImport(node: ts.Node): ts.Node | null {
  if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) return node;
  return ts.forEachChild(node, findDynamicImport) ?? null;
}

function lineOf(source: ts.SourceFile, node: ts.Node): number {
  return source.getLineAndCharacterOfPosition(node.getStart()).line + 1;
}
