// The one Monaco editor component (SQL for assets and SQL cells, TypeScript and Python for custom LFs). Loaded
// lazily: Monaco is most of the bundle and the canvas does not need it.
//
// The editor owns its text while the user types: the value prop only seeds it and pushes changes made elsewhere
// (a reset, a loaded draft). Feeding every render's value back (a controlled editor) raced fast typing and lost
// keys, the parent's state being a keystroke behind. The wrapper is `nokey`, so the canvas around it never takes a
// key (Space pans React Flow) from the editor.
import { Editor } from '@monaco-editor/react';
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

export default function CodeEditor({ language, value, onChange, onRun, height = 160, label, path }: CodeEditorProps) {
  // Monaco binds the command once, at mount: read the latest handler through a ref.
  const runRef = useRef(onRun);
  runRef.current = onRun;
  const editorRef = useRef<MonacoEditor.IStandaloneCodeEditor | null>(null);
  // What this editor has emitted lately: a render may bring back one of them after newer keys were typed (the
  // parent's state lags), and that is not a change made elsewhere.
  const emitted = useRef<string[]>([value]);
  useEffect(() => {
    const editor = editorRef.current;
    if (editor && !emitted.current.includes(value) && value !== editor.getValue()) {
      emitted.current = [value];
      editor.setValue(value);
    }
  }, [value]);
  return (
    <section className="code-editor nokey nowheel" aria-label={label} data-language={language}>
      <Editor
        height={height}
        language={language}
        path={path}
        defaultValue={value}
        onChange={(v) => {
          const text = v ?? '';
          emitted.current = [...emitted.current.slice(-63), text];
          onChange(text);
        }}
        options={{ minimap: { enabled: false }, fontSize: 13, scrollBeyondLastLine: false, lineNumbers: 'off', automaticLayout: true, wordWrap: 'on' }}
        onMount={(editor) => {
          editorRef.current = editor;
          editor.addCommand(monaco.KeyMod.CtrlCmd | monaco.KeyCode.Enter, () => runRef.current?.());
        }}
      />
    </section>
  );
}
