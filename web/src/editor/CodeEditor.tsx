// The one Monaco editor component (SQL for assets and SQL cells, TypeScript and Python for custom LFs). Loaded
// lazily: Monaco is most of the bundle and the canvas does not need it.
//
// The editor owns its text while the user types: the value prop only seeds it and pushes changes made elsewhere
// (a reset, a loaded draft). Feeding every render's value back (a controlled editor) raced fast typing and lost
// keys, the parent's state being a keystroke behind. The wrapper is `nokey`, so the canvas around it never takes a
// key (Space pans React Flow) from the editor.
//
// Monaco is driven directly (not through @monaco-editor/react) for one reason: an unmounted editor is disposed
// later, one per idle moment. Leaving the studio unmounts every notebook editor at once, and disposing them there
// and then was one main-thread task of 90–180 ms.
import type { editor as MonacoEditor } from 'monaco-editor';
import { useEffect, useRef } from 'react';
import { monaco } from './monaco-setup.ts';

export interface CodeEditorProps {
  language: 'sql' | 'typescript' | 'python';
  value: string;
  onChange: (value: string) => void;
  /** Ctrl/Cmd+Enter. */
  onRun?: () => void;
  height?: number;
  label: string;
  /** The model's URI: lets the TypeScript worker check (and emit) this editor's file. */
  path?: string;
}

const OPTIONS: MonacoEditor.IStandaloneEditorConstructionOptions = {
  minimap: { enabled: false }, fontSize: 13, scrollBeyondLastLine: false, lineNumbers: 'off', automaticLayout: true, wordWrap: 'on',
};

/** Editors unmounted and not yet disposed, with their models; disposed one per idle callback. */
const unmounted: { editor: MonacoEditor.IStandaloneCodeEditor; model: MonacoEditor.ITextModel }[] = [];

function disposeNext(): void {
  const next = unmounted.shift();
  if (!next) return;
  next.editor.dispose();
  // An editor mounted since on the same path took this model over: it stays.
  if (!next.model.isDisposed() && !next.model.isAttachedToEditor()) next.model.dispose();
  if (unmounted.length > 0) requestIdleCallback(disposeNext, { timeout: 1000 });
}

function disposeLater(editor: MonacoEditor.IStandaloneCodeEditor, model: MonacoEditor.ITextModel): void {
  unmounted.push({ editor, model });
  if (unmounted.length === 1) requestIdleCallback(disposeNext, { timeout: 1000 });
}

export default function CodeEditor({ language, value, onChange, onRun, height = 160, label, path }: CodeEditorProps) {
  const host = useRef<HTMLDivElement>(null);
  // Monaco binds the command and the listener once, at mount: read the latest handlers through refs.
  const runRef = useRef(onRun);
  runRef.current = onRun;
  const changeRef = useRef(onChange);
  changeRef.current = onChange;
  const valueRef = useRef(value);
  valueRef.current = value;
  const editorRef = useRef<MonacoEditor.IStandaloneCodeEditor | null>(null);
  // What this editor has emitted lately: a render may bring back one of them after newer keys were typed (the
  // parent's state lags), and that is not a change made elsewhere.
  const emitted = useRef<string[]>([value]);

  useEffect(() => {
    const uri = path ? monaco.Uri.parse(path) : undefined;
    // A file's model is shared by path (the TypeScript worker checks it by its URI), as @monaco-editor/react did.
    const model = (uri && monaco.editor.getModel(uri)) || monaco.editor.createModel(valueRef.current, language, uri);
    const editor = monaco.editor.create(host.current!, { ...OPTIONS, model });
    editor.addCommand(monaco.KeyMod.CtrlCmd | monaco.KeyCode.Enter, () => runRef.current?.());
    const listening = editor.onDidChangeModelContent(() => {
      const text = editor.getValue();
      emitted.current = [...emitted.current.slice(-63), text];
      changeRef.current(text);
    });
    editorRef.current = editor;
    return () => {
      listening.dispose();
      editorRef.current = null;
      disposeLater(editor, model);
    };
  }, [language, path]);

  useEffect(() => {
    const editor = editorRef.current;
    if (editor && !emitted.current.includes(value) && value !== editor.getValue()) {
      emitted.current = [value];
      editor.setValue(value);
    }
  }, [value]);

  return (
    <section className="code-editor nokey nowheel" aria-label={label} data-language={language}>
      <div ref={host} style={{ height }} />
    </section>
  );
}
