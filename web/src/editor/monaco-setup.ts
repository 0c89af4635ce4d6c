// Monaco from the app's own bundle (no CDN), with workers built by Vite.
import { applyRowTypes } from './custom-lf-row-type.ts';
import * as monaco from 'monaco-editor';
import EditorWorker from 'monaco-editor/editor/editor.worker?worker';
import TsWorker from 'monaco-editor/language/typescript/ts.worker?worker';

self.MonacoEnvironment = {
  getWorker(_workerId: string, label: string) {
    return label === 'typescript' || label === 'javascript' ? new TsWorker() : new EditorWorker();
  },
};

export interface SqlTable { name: string; columns: { name: string; type?: string }[] }

let sqlTables: SqlTable[] = [];
/** The tables and columns SQL completion offers: the ones of the connection the open dialog queries. */
export function setSqlCompletionTables(tables: SqlTable[]): void {
  sqlTables = tables;
}

monaco.languages.registerCompletionItemProvider('sql', {
  provideCompletionItems(model, position) {
    const word = model.getWordUntilPosition(position);
    const range = { startLineNumber: position.lineNumber, endLineNumber: position.lineNumber, startColumn: word.startColumn, endColumn: word.endColumn };
    const kinds = monaco.languages.CompletionItemKind;
    const suggestions = sqlTables.flatMap((t) => [
      { label: t.name, kind: kinds.Class, insertText: t.name, range, detail: 'table' },
      ...t.columns.map((c) => ({ label: c.name, kind: kinds.Field, insertText: c.name, range, detail: `${t.name}${c.type ? ` · ${c.type}` : ''}` })),
    ]);
    return { suggestions };
  },
});

/** Declares the `Row` type custom LF code is checked against, generated from the asset's columns. */
function setCustomLfRowType(declaration: string): void {
  const ts = monaco.typescript;
  ts.typescriptDefaults.setCompilerOptions({ target: ts.ScriptTarget.ES2020, strict: true });
  ts.typescriptDefaults.setExtraLibs([{ content: declaration, filePath: 'file:///reef-row.d.ts' }]);
}

applyRowTypes(setCustomLfRowType);

export { monaco };
